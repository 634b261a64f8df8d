"""Versioned records a run writes. Everything downstream (leaderboard, claims) reads these.

On disk, under `<results>/runs/<run_key>/`:
- `manifest.json`      — RunManifest (provenance, resolved specs, seeds); rewritten atomically.
- `generations/*.jsonl` — GenerationRecord lines, appended as each request finishes, one file per
  engine session (the resume cache; see `harness.store.generations`).
- `samples.jsonl`       — SampleRecord lines, one per item × sample, derived from the generations.
- `metrics.json`        — list of MetricRecord; the leaderboard is rebuilt from these.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SCHEMA_VERSION = 1


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenerationRecord(Record):
    """One backend request and its raw result. `key` identifies the request (prompt + params)."""

    schema_version: int = SCHEMA_VERSION
    key: str
    doc_id: str
    sample_idx: int = 0
    kind: Literal["generate", "loglikelihood"]
    text: str | None = None
    logprob: float | None = None
    is_greedy: bool | None = None
    finish_reason: str | None = None
    prompt_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = 0.0  # seconds from the start of its engine session to this request's completion
    sampling: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class SampleRecord(Record):
    """One graded item × sample: what the model said and whether it was right."""

    schema_version: int = SCHEMA_VERSION
    run_key: str
    model: str
    task: str
    doc_id: str
    sample_idx: int = 0
    prompt_hash: str
    prompt: str
    response: str
    extracted: str | None
    gold: str
    correct: bool
    score: float
    truncated: bool = False
    ungradable: bool = False
    finish_reason: str | None = None
    prompt_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = 0.0
    sampling: dict[str, Any] = Field(default_factory=dict)
    choice_logprobs: list[float] | None = None
    correct_norm: bool | None = Field(None, description="Length-normalised pick was right (acc_norm)")
    error: str | None = Field(None, description="Backend error for this request (counted, not scored)")


class MetricRecord(Record):
    """One leaderboard row's measured part."""

    model: str
    task: str
    metric: str
    score: float
    stderr: float
    ci_low: float
    ci_high: float
    n: int
    n_samples: int
    n_truncated: int
    n_ungradable: int
    mean_output_tokens: float
    tokens_per_s: float


class RunManifest(Record):
    schema_version: int = SCHEMA_VERSION
    run_key: str
    status: Literal["running", "complete", "failed"]
    model: str
    task: str
    harness_version: str
    git_commit: str | None
    packages: dict[str, str | None]
    device: str
    model_revision: str | None
    weights_hash: str | None
    model_spec: dict[str, Any]
    task_spec: dict[str, Any]
    run_settings: dict[str, Any]
    data_files: dict[str, str] = Field(default_factory=dict, description="path → sha256")
    seeds: dict[str, int] = Field(default_factory=dict)
    started_at: str
    finished_at: str | None = None
    wall_s: float | None = None
    n_requests: int = 0
    error: str | None = None
