"""What `harness submit` and its jobs write under `<results>/slurm/` (versioned, append-only).

    slurm/submissions/<id>.json     SubmissionRecord: one per `harness submit`, its job ids
    slurm/jobs/<job id>/            one folder per Slurm job (array task): submitit's pickles,
        <job id>_0_log.out, .err      the job's logs (rank 0; rank N writes <job id>_N_log.*)
        runs.json                     JobRunRecord, written by the job: the run key of every task
                                      it owns, its host, and each task's outcome
    slurm/code/<hash>/              the code snapshot jobs import (edits after submit change nothing)

Each submission and each job writes only its own files (atomic writes), so several submits and
jobs can share one results directory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.provenance import spec_key
from harness.specs import ModelSpec, TaskSpec
from harness.store import atomic_write_text

SCHEMA_VERSION = 1
SLURM_DIR = "slurm"


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class JobRecord(Record):
    """One Slurm job (or array task) running one model's tasks."""

    job_id: str = Field(description="Slurm id: '123', or '123_4' for array task 4")
    model: str
    tasks: list[str]
    spec_hashes: dict[str, str] = Field(description="task → hash of the model and task specs and the limit")
    limit: int | None = None
    nodes: int
    gpus_per_node: int
    tensor_parallel: int
    pipeline_parallel: int
    partition: str | None = None
    time_min: int
    log_dir: str


class SubmissionRecord(Record):
    schema_version: int = SCHEMA_VERSION
    id: str
    created_at: str
    config: str
    cluster: str
    results: str
    snapshot: str | None = None
    jobs: list[JobRecord] = Field(default_factory=list)
    finalize_job_id: str | None = None


class TaskOutcome(Record):
    status: Literal["complete", "cached", "failed"]
    error: str | None = None


class JobRunRecord(Record):
    """Written by the job itself: which runs it owns (by run key) and how they ended."""

    schema_version: int = SCHEMA_VERSION
    job_id: str
    model: str
    host: str
    started_at: str
    attempt: int = Field(1, description="1 + times this job id started before (Slurm requeues)")
    run_keys: dict[str, str] = Field(default_factory=dict, description="task → run key")
    outcomes: dict[str, TaskOutcome] = Field(default_factory=dict)
    error: str | None = Field(None, description="What stopped the whole job (lock file, Ray, engine)")
    finished_at: str | None = None


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def spec_hash(model: ModelSpec, task: TaskSpec, limit: int | None) -> str:
    """Identity of what a model × task run asks for: `harness.provenance.spec_key`."""
    return spec_key(model, task, limit)


def slurm_dir(results: Path) -> Path:
    return results / SLURM_DIR


def job_dir(results: Path, job_id: str) -> Path:
    return slurm_dir(results) / "jobs" / job_id


def log_paths(results: Path, job_id: str, rank: int = 0) -> tuple[Path, Path]:
    """(stdout, stderr) of one job's task `rank`, as submitit names them."""
    folder = job_dir(results, job_id)
    return folder / f"{job_id}_{rank}_log.out", folder / f"{job_id}_{rank}_log.err"


def write_submission(results: Path, record: SubmissionRecord) -> Path:
    path = slurm_dir(results) / "submissions" / f"{record.id}.json"
    atomic_write_text(path, record.model_dump_json(indent=2) + "\n")
    return path


def read_submissions(results: Path) -> list[SubmissionRecord]:
    """Every submission in the results directory, oldest first."""
    folder = slurm_dir(results) / "submissions"
    if not folder.is_dir():
        return []
    records = [SubmissionRecord.model_validate_json(p.read_text(encoding="utf-8"))
               for p in sorted(folder.glob("*.json"))]
    return sorted(records, key=lambda r: (r.created_at, r.id))


def iter_jobs(results: Path) -> Iterator[tuple[SubmissionRecord, JobRecord]]:
    for sub in read_submissions(results):
        for job in sub.jobs:
            yield sub, job


def runs_path(results: Path, job_id: str) -> Path:
    return job_dir(results, job_id) / "runs.json"


def write_job_runs(results: Path, record: JobRunRecord) -> None:
    atomic_write_text(runs_path(results, record.job_id), record.model_dump_json(indent=2) + "\n")


def read_job_runs(results: Path, job_id: str) -> JobRunRecord | None:
    path = runs_path(results, job_id)
    if not path.is_file():
        return None
    return JobRunRecord.model_validate_json(path.read_text(encoding="utf-8"))
