"""Execution and resume: hand every unfinished request to the engine at once, persist each result.

The run directory's generation log is the resume cache. Requests already in it are skipped; the
rest go to the backend's stream in one submission (so the engine keeps its batch full), and every
result is appended to the log the moment it arrives. A run killed at any point loses only the
requests still in flight; started again, it redoes exactly those and ends with the same records.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping

from harness.backends.base import (
    Backend,
    GenRequest,
    GenResult,
    LLRequest,
    LLResult,
    Stream,
    stream_generate,
    stream_loglikelihood,
)
from harness.records import GenerationRecord
from harness.run.plans import PlannedRequest
from harness.run.progress import Progress
from harness.store import RunDir


def to_record(req: PlannedRequest, result: GenResult | LLResult) -> GenerationRecord:
    """The persisted form of one finished request."""
    if isinstance(result, GenResult):
        assert isinstance(req.request, GenRequest)
        return GenerationRecord(
            key=req.key, doc_id=req.doc_id, sample_idx=req.sample_idx, kind="generate", text=result.text,
            finish_reason=result.finish_reason, prompt_tokens=result.prompt_tokens,
            output_tokens=result.output_tokens, wall_s=result.wall_s, sampling=req.request.sampling.as_dict(),
            error=result.error, reasoning=result.reasoning, served_by=result.served_by,
        )
    return GenerationRecord(
        key=req.key, doc_id=req.doc_id, sample_idx=req.sample_idx, kind="loglikelihood", logprob=result.logprob,
        is_greedy=result.is_greedy, prompt_tokens=result.prompt_tokens, wall_s=result.wall_s, error=result.error,
        served_by=result.served_by,
    )


def stream(backend: Backend, pending: list[PlannedRequest]) -> Stream[GenResult | LLResult]:
    """Every pending request through the backend's stream, generation and log-likelihood alike."""
    gen = [(r.key, r.request) for r in pending if isinstance(r.request, GenRequest)]
    ll = [(r.key, r.request) for r in pending if isinstance(r.request, LLRequest)]
    if gen:
        yield from stream_generate(backend, gen)
    if ll:
        yield from stream_loglikelihood(backend, ll)


def execute(backend: Backend, run_dir: RunDir, requests: Mapping[str, PlannedRequest], progress: Progress,
            label: str, *, fsync_every: int = 64, fsync_s: float = 2.0) -> dict[str, GenerationRecord]:
    """Run every request not yet in `run_dir`'s log, appending each result as it finishes.

    Returns every request's record: the cached ones, the new ones, and this run's failures."""
    cached = run_dir.cached_generations()
    pending = [r for k, r in requests.items() if k not in cached]
    progress.start_task(label, len(requests))
    progress.advance(len(requests) - len(pending))
    errors: dict[str, GenerationRecord] = {}
    if pending:
        with run_dir.open_writer(fsync_every=fsync_every, fsync_s=fsync_s) as writer, \
                contextlib.closing(stream(backend, pending)) as results:
            for key, result in results:
                record = to_record(requests[key], result)
                writer.append(record)
                if record.error is None:
                    cached[key] = record
                    errors.pop(key, None)
                else:
                    errors[key] = record
                progress.advance(1)
    progress.end_task()
    return {**errors, **cached}
