"""Data parallel within a node: one independent engine per GPU group, each in its own process.

When a model's layout (TP × PP) needs fewer GPUs than the job has, the node is cut into groups of
TP × PP GPUs and each group gets its own worker process with its own `CUDA_VISIBLE_DEVICES` and
its own engine (no Ray, no nested actors: the engines do not know about each other). Requests are
split across the workers by expected length, keeping requests that share a prompt (the choices of
one item, the k samples of one prompt) on one engine so its prefix cache serves them; results are
merged into the caller's one stream, so a data-parallel run writes one run record like any other.

On CPU the same machinery runs several CPU-build engines, each pinned to its own cores
(`data_parallel: N` in a run config); tests use it with the fake backend.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    GenResult,
    Keyed,
    LLRequest,
    LLResult,
    Stopwatch,
    collect,
)
from harness.errors import InputError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


@dataclass(frozen=True)
class DeviceGroup:
    """The devices one engine may use: CUDA device ids, or CPU core ids for CPU-build engines."""

    kind: str  # "cuda" | "cpu"
    ids: tuple[str, ...]

    def environment(self) -> dict[str, str]:
        """Variables the worker sets before its engine starts."""
        if self.kind == "cuda":
            return {"CUDA_VISIBLE_DEVICES": ",".join(self.ids)}
        # vLLM's CPU build binds its OpenMP threads to these cores; other backends inherit the mask.
        return {"VLLM_CPU_OMP_THREADS_BIND": ",".join(self.ids), "OMP_NUM_THREADS": str(len(self.ids))}


def visible_cuda_devices(count: int, env: dict[str, str] | None = None) -> list[str]:
    """The job's GPUs as the ids its processes must name them by (`CUDA_VISIBLE_DEVICES` order)."""
    env = dict(os.environ) if env is None else env
    listed = [d.strip() for d in env.get("CUDA_VISIBLE_DEVICES", "").split(",") if d.strip()]
    return listed[:count] if listed else [str(i) for i in range(count)]


def data_parallel_groups(model: ModelSpec, settings: EngineSettings, gpus: tuple[int, str] | None,
                         requested: int | None, *, env: dict[str, str] | None = None,
                         cpus: Sequence[int] | None = None) -> list[DeviceGroup] | None:
    """The device group of each engine, or None for one engine in this process.

    On GPUs: as many groups of TP × PP devices as the job has (`requested` caps it). On CPU: one
    engine unless `requested` asks for several, each with an equal share of this process's cores."""
    width = settings.tensor_parallel_size * settings.pipeline_parallel_size
    if gpus is not None:
        devices = visible_cuda_devices(gpus[0], env)
        possible = len(devices) // width
        if requested is not None and requested > possible:
            raise InputError(
                f"data_parallel: {requested} needs {requested * width} GPUs for model '{model.id}' "
                f"(TP{settings.tensor_parallel_size} x PP{settings.pipeline_parallel_size} each), "
                f"{len(devices)} visible", "lower data_parallel or request more GPUs")
        n = min(requested or possible, possible)
        if n <= 1:
            return None
        return [DeviceGroup("cuda", tuple(devices[i * width:(i + 1) * width])) for i in range(n)]
    if not requested or requested <= 1:
        return None
    cores = sorted(cpus if cpus is not None else os.sched_getaffinity(0))
    if requested > len(cores):
        raise InputError(f"data_parallel: {requested} CPU engines need {requested} cores, {len(cores)} available",
                         "lower data_parallel")
    share = len(cores) // requested
    return [DeviceGroup("cpu", tuple(str(c) for c in cores[i * share:(i + 1) * share])) for i in range(requested)]


def balance(costs: Sequence[int], groups: Sequence[int], n: int) -> list[list[int]]:
    """Split request indexes over `n` engines so their expected work is even.

    Requests with the same `groups` value stay together (shared prompt → one prefix cache). Units
    are placed longest first on the least-loaded engine (LPT); each engine keeps input order."""
    units: dict[int, list[int]] = {}
    for i, g in enumerate(groups):
        units.setdefault(g, []).append(i)
    order = sorted(units.values(), key=lambda idx: (-sum(costs[i] for i in idx), idx[0]))
    heap = [(0, w) for w in range(n)]
    out: list[list[int]] = [[] for _ in range(n)]
    for idx in order:
        load, w = heapq.heappop(heap)
        out[w].extend(idx)
        heapq.heappush(heap, (load + sum(costs[i] for i in idx), w))
    return [sorted(part) for part in out]


def _cost_and_group(req: GenRequest | LLRequest) -> tuple[int, tuple[int, ...]]:
    if isinstance(req, GenRequest):
        return len(req.prompt_ids) + req.sampling.max_new_tokens, req.prompt_ids
    return len(req.context_ids) + len(req.continuation_ids), req.context_ids


class DataParallelBackend:
    """A Backend over one worker process (and engine) per device group."""

    name = "data-parallel"

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings,
                 groups: Sequence[DeviceGroup]) -> None:
        from harness.run.parallel_worker import start_workers

        self.model = model
        self.groups = list(groups)
        self.pool = start_workers(model, weights, settings, self.groups)
        self.tokenizer: Any = self.pool.tokenizer
        self.engine_info = {"data_parallel": len(self.groups),
                            "groups": [{"kind": g.kind, "ids": list(g.ids)} for g in self.groups],
                            "workers": self.pool.infos}

    def _split(self, requests: Keyed[Any]) -> list[list[tuple[str, Any]]]:
        costs: list[int] = []
        groups: list[int] = []
        seen: dict[tuple[int, ...], int] = {}
        for _, req in requests:
            cost, shared = _cost_and_group(req)
            costs.append(cost)
            groups.append(seen.setdefault(shared, len(seen)))
        parts = balance(costs, groups, len(self.groups))
        return [[requests[i] for i in part] for part in parts]

    def _stream(self, kind: str, requests: Keyed[Any]) -> Iterator[tuple[str, Any]]:
        clock = Stopwatch()
        for key, result in self.pool.run(kind, self._split(requests)):
            yield key, replace(result, wall_s=clock())  # one clock for the merged stream

    def stream_generate(self, requests: Keyed[GenRequest]) -> Iterator[tuple[str, GenResult]]:
        return self._stream("generate", requests)

    def stream_loglikelihood(self, requests: Keyed[LLRequest]) -> Iterator[tuple[str, LLResult]]:
        return self._stream("loglikelihood", requests)

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        return collect(self.stream_generate, requests)

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        return collect(self.stream_loglikelihood, requests)

    def close(self) -> None:
        self.pool.close()

