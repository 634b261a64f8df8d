"""The worker processes behind `DataParallelBackend`: one engine each, commands in, results out.

Workers are spawned (never forked: CUDA and vLLM do not survive a fork), set their device
environment before anything imports torch, load the model's backend, and then serve commands from
their own queue: a list of keyed requests, answered by streaming each result into one shared
result queue as it finishes. A worker dies with its parent (Linux `PR_SET_PDEATHSIG`), so a killed
run leaves no engine behind.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os
import pickle
import queue
import signal
from collections.abc import Iterator, Sequence
from typing import Any

from harness.backends.base import EngineSettings, engine_info, stream_generate, stream_loglikelihood
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights

START_TIMEOUT_S = 1800.0  # loading a large model from a network filesystem can take many minutes


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0] if text else ''}"


def worker_main(index: int, env: dict[str, str], model: ModelSpec, weights: ResolvedWeights,
                settings: EngineSettings, commands: Any, results: Any) -> None:
    """Entry point of one worker process."""
    os.environ.update(env)  # before the backend imports torch/vllm
    _die_with_parent()
    cores = env.get("VLLM_CPU_OMP_THREADS_BIND")
    if cores:
        with contextlib.suppress(OSError):
            os.sched_setaffinity(0, {int(c) for c in cores.split(",")})
    from harness.run.driver import load_backend

    try:
        backend = load_backend(model, weights, settings)
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails the model
        results.put((index, "ready", {"error": _one_line(exc)}))
        return
    tokenizer = None
    if index == 0:
        with contextlib.suppress(Exception):
            tokenizer = pickle.dumps(backend.tokenizer)
    results.put((index, "ready", {"info": engine_info(backend), "env": env, "tokenizer": tokenizer}))
    try:
        while True:
            command = commands.get()
            if command[0] == "close":
                break
            kind, part = command
            try:
                stream = stream_generate(backend, part) if kind == "generate" else stream_loglikelihood(backend, part)
                for key, result in stream:
                    results.put((index, "result", (key, result)))
                results.put((index, "done", None))
            except Exception as exc:  # noqa: BLE001 - reported to the parent
                results.put((index, "error", _one_line(exc)))
    finally:
        backend.close()


class WorkerPool:
    """Started worker processes; `run` fans a split request list out and merges the results."""

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings,
                 environments: Sequence[dict[str, str]]) -> None:
        ctx = mp.get_context("spawn")
        self.model = model
        self.results: Any = ctx.Queue()
        self.commands: list[Any] = [ctx.Queue() for _ in environments]
        self.procs = [
            ctx.Process(target=worker_main, args=(i, env, model, weights, settings, self.commands[i], self.results),
                        name=f"harness-dp-{i}")
            for i, env in enumerate(environments)
        ]
        self.broken = False
        for p in self.procs:
            p.start()
        self.infos: list[dict[str, Any]] = [{} for _ in self.procs]
        tokenizer_blob = None
        try:
            for _ in self.procs:
                index, tag, payload = self._next(START_TIMEOUT_S)
                if payload.get("error"):
                    raise ModelLoadError(f"model '{model.id}': data-parallel engine {index} failed to load: "
                                         f"{payload['error']}")
                self.infos[index] = {"env": payload["env"], **payload["info"]}
                tokenizer_blob = payload.get("tokenizer") or tokenizer_blob
        except BaseException:
            self.close(kill=True)
            raise
        self.tokenizer = pickle.loads(tokenizer_blob) if tokenizer_blob else self._load_tokenizer(weights)

    def _load_tokenizer(self, weights: ResolvedWeights) -> Any:
        from transformers import AutoTokenizer

        return AutoTokenizer.from_pretrained(weights.location, revision=weights.revision,
                                             trust_remote_code=self.model.trust_remote_code)

    def _next(self, timeout_s: float) -> tuple[int, str, Any]:
        """The next message from any worker; raises if a worker died or none answered in time."""
        waited = 0.0
        while True:
            try:
                message: tuple[int, str, Any] = self.results.get(timeout=1.0)
                return message
            except queue.Empty:
                waited += 1.0
                dead = [i for i, p in enumerate(self.procs) if not p.is_alive()]
                if dead:
                    code = self.procs[dead[0]].exitcode
                    raise ModelLoadError(f"model '{self.model.id}': data-parallel engine {dead[0]} exited "
                                         f"(code {code})") from None
                if waited >= timeout_s:
                    raise ModelLoadError(
                        f"model '{self.model.id}': data-parallel engines silent for {timeout_s:.0f} s") from None

    def run(self, kind: str, parts: Sequence[list[tuple[str, Any]]]) -> Iterator[tuple[str, Any]]:
        """Send each worker its part; yield (key, result) from all of them as results arrive."""
        if self.broken:
            raise ModelLoadError(f"model '{self.model.id}': data-parallel engines were stopped by an earlier error")
        active = set()
        for i, part in enumerate(parts):
            if part:
                self.commands[i].put((kind, part))
                active.add(i)
        clean = False
        try:
            while active:
                index, tag, payload = self._next(float("inf"))
                if tag == "result":
                    yield payload
                elif tag == "done":
                    active.discard(index)
                else:
                    raise ModelLoadError(f"model '{self.model.id}': data-parallel engine {index}: {payload}")
            clean = True
        finally:
            if not clean:  # abandoned midway: the workers still hold requests, stop them
                self.close(kill=True)

    def close(self, kill: bool = False) -> None:
        self.broken = True
        if not kill:
            for q in self.commands:
                with contextlib.suppress(Exception):
                    q.put(("close",))
        for p in self.procs:
            if not kill:
                p.join(60)
            if p.is_alive():
                p.kill()
                p.join(10)


def start_workers(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings,
                  groups: Sequence[Any]) -> WorkerPool:
    return WorkerPool(model, weights, settings, [g.environment() for g in groups])
