"""Graded items for the report's Samples section: one compressed payload per task.

A task's payload holds every evidence run's samples for that task (all models), with prompts stored
once per prompt hash. It is JSON, gzip-compressed and base64-encoded, and decoded in the browser
only when someone opens that task (`DecompressionStream`), so the report opens fast whatever the
number of samples. Small result sets are inlined into `report.html`; above `inline_max_samples`
samples (or `inline_max_bytes` compressed) each task gets its own self-contained page under
`<report>/samples/<task>.html`, linked from the report.

Each row: doc_id, sample_idx, prompt hash, raw response, the length of its reasoning prefix (folded
in the viewer), extracted answer, gold, status (correct | wrong | truncated | ungradable | error),
finish reason, output tokens, backend error.

Samples are read through the store: `Results.samples` in-process; with many samples, worker
processes read the runs `Results.selections()` chose with the store's per-run validated reader
(`RunDir.read_samples`, the read `Results.samples` does), in parallel.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.records import SampleRecord

if TYPE_CHECKING:
    from harness.store import Results, Selection

INLINE_MAX_SAMPLES = 50_000
INLINE_MAX_BYTES = 8 * 2**20
PARALLEL_MIN_SAMPLES = 100_000  # below this, starting worker processes costs more than it saves
STATUSES = ("correct", "wrong", "truncated", "ungradable", "error")
Counts = dict[str, dict[str, int]]  # model -> status -> samples


@dataclass(frozen=True)
class RunRef:
    """One evidence run of a task, with how its model writes reasoning (to fold it)."""

    model: str
    run_key: str
    reasoning_format: str
    think_in_prompt: bool
    n_samples: int


@dataclass
class TaskSamples:
    task: str
    counts: Counts
    blob: str | None = None  # base64 of gzip(JSON) when inlined
    page: str | None = None  # path relative to report.html when on its own page
    size: int = 0  # compressed bytes


@dataclass
class SamplesIndex:
    tasks: dict[str, TaskSamples] = field(default_factory=dict)
    inline: bool = True

    @property
    def n_samples(self) -> int:
        return sum(sum(c.values()) for t in self.tasks.values() for c in t.counts.values())


def status_of(s: SampleRecord) -> str:
    if s.error is not None:
        return "error"
    if s.truncated:
        return "truncated"
    if s.ungradable:
        return "ungradable"
    return "correct" if s.correct else "wrong"


def reasoning_prefix(response: str, fmt: str, think_in_prompt: bool) -> int:
    """Characters of `response` that are reasoning (folded in the viewer); 0 when there is none."""
    if fmt not in ("think", "harmony") or not response:
        return 0
    from harness.grading.reasoning import split_reasoning

    answer, truncated = split_reasoning(response, fmt, think_in_prompt)
    if answer is None or truncated:
        return len(response)
    at = response.rfind(answer) if answer else len(response.rstrip())
    return max(at, 0)


def encode_task(task: str, runs: Iterable[tuple[RunRef, list[SampleRecord]]]) -> tuple[bytes, Counts]:
    """gzip(JSON) of a task's samples over its runs, and the status counts per model."""
    prompts: dict[str, str] = {}
    models: dict[str, Any] = {}
    counts: Counts = {}
    for ref, samples in runs:
        rows, tally = [], dict.fromkeys(STATUSES, 0)
        for s in samples:
            key = s.prompt_hash or hashlib.sha256(s.prompt.encode("utf-8")).hexdigest()[:16]
            prompts.setdefault(key, s.prompt)
            status = status_of(s)
            tally[status] += 1
            rows.append([s.doc_id, s.sample_idx, key, s.response,
                         reasoning_prefix(s.response, ref.reasoning_format, ref.think_in_prompt),
                         s.extracted, s.gold, status, s.finish_reason, s.output_tokens, s.error])  # fmt: skip
        models[ref.model] = {"run_key": ref.run_key, "rows": rows}
        counts[ref.model] = tally
    payload = json.dumps({"task": task, "prompts": prompts, "models": models}, ensure_ascii=False,
                         separators=(",", ":"))  # fmt: skip
    return gzip.compress(payload.encode("utf-8"), compresslevel=1, mtime=0), counts


def run_refs(selections: dict[tuple[str, str], Selection]) -> dict[str, list[RunRef]]:
    """The evidence runs per task, with each model's reasoning format from the run's manifest."""
    out: dict[str, list[RunRef]] = {}
    for (model, task), sel in selections.items():
        manifest = sel.chosen.manifest
        reasoning = manifest.model_spec.get("reasoning") or {}
        out.setdefault(task, []).append(RunRef(model, sel.chosen.run_key, str(reasoning.get("format") or "none"),
                                               bool(reasoning.get("think_in_prompt")), manifest.n_requests))
    return dict(sorted(out.items()))


PageWriter = Callable[[str, str, Counts], Path]  # (task, base64 blob, counts) -> written page


def _worker(root: str, task: str, refs: list[RunRef], page_writer: PageWriter | None,
            ) -> tuple[str, str | None, Counts, int]:  # fmt: skip
    from harness.store import RunDir

    blob, counts = encode_task(task, ((r, RunDir(Path(root), r.run_key).read_samples()) for r in refs))
    text = base64.b64encode(blob).decode("ascii")
    if page_writer is not None:
        page_writer(task, text, counts)
        return task, None, counts, len(blob)
    return task, text, counts, len(blob)


def collect_samples(reader: Results, selections: dict[tuple[str, str], Selection], *,
                    page_writer: PageWriter, page_path: Callable[[str], str],
                    inline_max_samples: int = INLINE_MAX_SAMPLES, inline_max_bytes: int = INLINE_MAX_BYTES,
                    workers: int | None = None) -> SamplesIndex:  # fmt: skip
    """Every task's payload, inlined or written as a page by `page_writer` (see the module docstring)."""
    refs = run_refs(selections)
    total = sum(r.n_samples for rs in refs.values() for r in rs)
    inline = total <= inline_max_samples
    index = SamplesIndex(inline=inline)
    writer = None if inline else page_writer
    n_workers = workers if workers is not None else min(os.cpu_count() or 1, 8)
    if total >= PARALLEL_MIN_SAMPLES and n_workers > 1 and len(refs) > 1:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        # spawn, not fork: `harness run` calls this after an inference engine ran in this process.
        with ProcessPoolExecutor(n_workers, mp_context=mp.get_context("spawn")) as pool:
            futures = [pool.submit(_worker, str(reader.root), task, rs, writer) for task, rs in refs.items()]
            results: list[tuple[str, str | None, Counts, int]] = [f.result() for f in futures]
    else:
        results = []
        for task, rs in refs.items():
            blob, counts = encode_task(task, ((r, reader.samples(r.run_key, cache=False)) for r in rs))
            encoded = base64.b64encode(blob).decode("ascii")
            if writer is not None:
                writer(task, encoded, counts)
            results.append((task, None if writer else encoded, counts, len(blob)))
    for task, text, counts, size in results:
        index.tasks[task] = TaskSamples(task, counts, text, None if text is not None else page_path(task), size)
    if index.inline and sum(t.size for t in index.tasks.values()) > inline_max_bytes:
        index.inline = False  # few samples but long ones: move them to pages after all
        for t in index.tasks.values():
            page_writer(t.task, t.blob or "", t.counts)
            t.blob, t.page = None, page_path(t.task)
    return index
