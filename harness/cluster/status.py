"""`harness status`: where every model × task that `harness submit` sent to Slurm stands.

One line per model × task (its latest job): queued (Slurm's reason), running (done/total
requests, tokens/s, ETA), complete (scores), or failed (the error line and the log path), with
the Slurm job id. Sources: the submission records, Slurm (squeue, else sacct), the job's
`runs.json` (run keys, outcomes) and the run folders (manifest, persisted generations).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from harness.cluster.records import JobRecord, JobRunRecord, iter_jobs, log_paths, read_job_runs
from harness.cluster.slurm import JobState, job_states
from harness.store import RunDir


@dataclass
class PairStatus:
    """One model × task: its latest job and where its run stands."""

    model: str
    task: str
    job: JobRecord
    state: str  # queued | running | complete | failed | unknown
    detail: str = ""
    run_key: str | None = None

    @property
    def live(self) -> bool:
        return self.state in ("queued", "running")


def latest_jobs(results: Path) -> dict[tuple[str, str], JobRecord]:
    """The most recent job record of every model × task submitted into `results`."""
    latest: dict[tuple[str, str], JobRecord] = {}
    for _, job in iter_jobs(results):
        for task in job.tasks:
            latest[(job.model, task)] = job
    return latest


def _progress(run_dir: RunDir) -> str:
    manifest = run_dir.read_manifest()
    if manifest is None:
        return "not started yet"
    done = run_dir.cached_generations()
    total = manifest.n_requests
    if not total:
        return "planning requests"
    text = f"{len(done)}/{total} requests"
    wall = run_dir.generation_wall_s()
    if done and wall > 0:
        tokens = sum(r.output_tokens for r in done.values())
        rate = len(done) / wall
        eta = dt.timedelta(seconds=round(max(total - len(done), 0) / rate))
        text += f", {tokens / wall:.0f} tok/s, ETA {eta}"
    return text


EXCEPTION_LINE = re.compile(r"^[\w.]*(Error|Exception|Failed|Interrupt)\b.*: ")


def _last_error(path: Path, exceptions_only: bool = False) -> str | None:
    """The last line of a log that reads like an error (with `exceptions_only`, a Python exception)."""
    if not path.is_file():
        return None
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-400:]
    for line in reversed(lines):
        text = line.strip()
        if EXCEPTION_LINE.match(text) or text.startswith("harness: ") or (
                not exceptions_only and text and ("error" in text.lower() or "exception" in text.lower())):
            return text[:300]
    return None


def pair_status(results: Path, model: str, task: str, job: JobRecord, slurm: JobState | None,
                runs: JobRunRecord | None) -> PairStatus:
    """Combine Slurm's view, the job's own record and the run folder into one state."""
    key = runs.run_keys.get(task) if runs else None
    run_dir = RunDir(results, key) if key else None
    manifest = run_dir.read_manifest() if run_dir else None
    out = PairStatus(model, task, job, "unknown", run_key=key)
    _, err_log = log_paths(results, job.job_id)
    if run_dir is not None and run_dir.is_complete():
        scores = ", ".join(f"{m.metric}={m.score:.3f}" for m in run_dir.read_metrics())
        out.state, out.detail = "complete", scores
    elif slurm is not None and slurm.queued:
        out.state, out.detail = "queued", f"({slurm.reason})" if slurm.reason and slurm.reason != "None" else ""
    elif manifest is not None and manifest.status == "failed":
        out.state, out.detail = "failed", f"{manifest.error}; log: {err_log}"
    elif slurm is not None and slurm.live:
        out.state = "running"
        out.detail = _progress(run_dir) if run_dir is not None else (runs.error if runs and runs.error else
                                                                      "starting")
        if slurm.state != "RUNNING":
            out.detail = f"{slurm.state.lower()}: {out.detail}"
    else:
        outcome = runs.outcomes.get(task) if runs else None
        error = (outcome.error if outcome else None) or (runs.error if runs else None)
        if error is None and slurm is not None:
            # Slurm's state says what happened (CANCELLED, TIMEOUT, OUT_OF_MEMORY …); for a crash, the exception
            line = _last_error(err_log, exceptions_only=True) if slurm.state == "FAILED" else None
            error = f"job ended {slurm.state}" + (f": {line}" if line else "")
        out.state = "failed"
        out.detail = f"{error or _last_error(err_log) or 'job no longer known to Slurm'}; log: {err_log}"
    return out


def collect(results: Path, pairs: Sequence[tuple[str, str]] | None = None) -> list[PairStatus]:
    """The status of every submitted model × task (or of `pairs`), in submission order."""
    latest = latest_jobs(results)
    wanted = [p for p in (pairs if pairs is not None else list(latest)) if p in latest]
    jobs = {latest[p].job_id for p in wanted}
    states = job_states(jobs) if jobs else {}
    runs = {j: read_job_runs(results, j) for j in jobs}
    return [pair_status(results, m, t, latest[(m, t)], states.get(latest[(m, t)].job_id),
                        runs[latest[(m, t)].job_id]) for m, t in wanted]


def render(statuses: Sequence[PairStatus]) -> str:
    """One line per model × task, aligned."""
    if not statuses:
        return "no jobs submitted into this results directory (harness submit CONFIG)"
    width = max(len(f"{s.model} × {s.task}") for s in statuses)
    lines = []
    for s in statuses:
        label = f"{s.model} × {s.task}".ljust(width)
        lines.append(f"{label}  {s.state:<8}  job {s.job.job_id:<10}  {s.detail}".rstrip())
    counts: dict[str, int] = {}
    for s in statuses:
        counts[s.state] = counts.get(s.state, 0) + 1
    lines.append(", ".join(f"{k}: {v}" for k, v in sorted(counts.items())))
    return "\n".join(lines)


def status(results: Path) -> tuple[str, int]:
    """The status table of a results directory, and 0 if every run is complete, else 1."""
    statuses = collect(results)
    code = 0 if statuses and all(s.state == "complete" for s in statuses) else 1
    return render(statuses), code
