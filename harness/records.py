"""Versioned records a run writes. Everything downstream (leaderboard, claims, report) reads these.

On disk, under `<results>/runs/<run_key>/`:
- `manifest.json`      — RunManifest (provenance, resolved specs, seeds); rewritten atomically.
- `generations/*.jsonl` — GenerationRecord lines, appended as each request finishes, one file per
  engine session (the resume cache; see `harness.store.generations`).
- `samples.jsonl`       — SampleRecord lines, one per item × sample, derived from the generations.
- `metrics.json`        — list of MetricRecord; the leaderboard is rebuilt from these.

The format is documented as JSON Schema in `docs/schema/` (`harness schema` writes it) and read
back only through `harness.store` (validated; damaged files are named, never half-read).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

# Version of the on-disk results format (JSON Schema under docs/schema/v<N>/).
# 2: every record, metrics included, carries `schema_version`; v1 results read as v2.
# 3: generation records carry `reasoning` and `served_by` (models behind an endpoint); v2 reads as v3.
SCHEMA_VERSION = 3


def _null_is_minus_infinity(value: Any) -> Any:
    return float("-inf") if value is None else value


# A log-probability that may be -infinity (a choice the model cannot produce). JSON has no
# infinity: it is written as null and read back as -inf.
LogProb = Annotated[float, BeforeValidator(_null_is_minus_infinity), WithJsonSchema(
    {"anyOf": [{"type": "number"}, {"type": "null"}], "description": "null: minus infinity"})]


def _version() -> Any:
    return Field(SCHEMA_VERSION, description="Results format version; readers refuse newer versions")


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GenerationRecord(Record):
    """One backend request and its raw result. `key` identifies the request (prompt + params)."""

    schema_version: int = _version()
    key: str = Field(description="Request key: hash of the prompt identity, sampling and sample index")
    doc_id: str = Field(description="Item id within the task (stable across runs)")
    sample_idx: int = Field(0, description="Which of the k samples of the item (0-based)")
    kind: Literal["generate", "loglikelihood"]
    text: str | None = Field(None, description="Generated text (generate requests)")
    logprob: float | None = Field(None, description="Sum of continuation log-probabilities (loglikelihood)")
    is_greedy: bool | None = Field(None, description="The continuation is the greedy one (loglikelihood)")
    finish_reason: str | None = Field(None, description="stop | length | error")
    prompt_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = Field(0.0, description="Seconds from the start of its engine session to this request's completion")
    sampling: dict[str, Any] = Field(default_factory=dict, description="Effective sampling parameters")
    error: str | None = Field(None, description="Backend error; such records are retried on resume")
    reasoning: str | None = Field(
        None, description="Reasoning an endpoint returned apart from the answer (reasoning_content); "
        "`text` is then the answer alone")
    served_by: dict[str, str] | None = Field(
        None, description="Endpoint runs: base_url, server-reported model and version, mode")


class SampleRecord(Record):
    """One graded item × sample: what the model said and whether it was right."""

    schema_version: int = _version()
    run_key: str
    model: str = Field(description="Model id (configs/models/<id>.yaml)")
    task: str = Field(description="Task id (configs/tasks/)")
    doc_id: str = Field(description="Item id; paired comparisons join on (task, doc_id)")
    sample_idx: int = Field(0, description="Which of the k samples (k samples of an item share doc_id)")
    prompt_hash: str = Field(description="sha256 (16 hex) of the prompt text")
    prompt: str
    response: str = Field(description="Raw model output (log-likelihood tasks: the chosen choice's text)")
    extracted: str | None = Field(description="The answer the grader found (None: no answer)")
    gold: str = Field(description="The reference answer (choice tasks: a letter)")
    correct: bool
    score: float = Field(description="1.0 correct, 0.0 wrong (item score = mean over its samples)")
    truncated: bool = Field(False, description="Hit the token budget before an answer (counted wrong)")
    ungradable: bool = Field(False, description="The grader could not decide (counted wrong)")
    answer_span: list[int] | None = Field(
        None, description="Where the grader found the answer: [start, end) character offsets into `response`")
    finish_reason: str | None = None
    prompt_tokens: int = 0
    output_tokens: int = 0
    wall_s: float = 0.0
    sampling: dict[str, Any] = Field(default_factory=dict)
    choice_logprobs: list[LogProb] | None = Field(
        None, description="Per-choice log-likelihoods, in choice order (null: minus infinity)")
    correct_norm: bool | None = Field(None, description="Length-normalised pick was right (acc_norm)")
    error: str | None = Field(None, description="Backend error for this request (counted, not scored)")


class MetricRecord(Record):
    """One leaderboard row's measured part."""

    schema_version: int = _version()
    model: str
    task: str
    metric: str = Field(description="accuracy (pass@1 over k samples), or acc / acc_norm for likelihood tasks")
    score: float = Field(description="0–1")
    stderr: float = Field(description="Standard error, items as clusters of their k samples")
    ci_low: float = Field(description="Seeded percentile-bootstrap 95% interval, low end")
    ci_high: float
    n: int = Field(description="Items")
    n_samples: int = Field(description="Item × sample records")
    n_truncated: int
    n_ungradable: int
    mean_output_tokens: float
    tokens_per_s: float = Field(description="Generated (likelihood: scored) tokens per engine second")


class RunManifest(Record):
    """Provenance of one run: everything needed to say where its numbers came from."""

    schema_version: int = _version()
    run_key: str = Field(description="sha256 (16 hex) of everything that can change a number")
    status: Literal["running", "complete", "failed"]
    model: str
    task: str
    harness_version: str
    git_commit: str | None = Field(description="Commit of the harness checkout ('-dirty' if modified)")
    packages: dict[str, str | None] = Field(description="Versions of the inference packages")
    device: str
    model_revision: str | None
    weights_hash: str | None
    model_spec: dict[str, Any] = Field(description="The resolved ModelSpec")
    task_spec: dict[str, Any] = Field(description="The resolved TaskSpec")
    run_settings: dict[str, Any] = Field(description="Backend, limit and engine settings")
    data_files: dict[str, str] = Field(default_factory=dict, description="path → sha256")
    seeds: dict[str, int] = Field(default_factory=dict)
    started_at: str = Field(description="ISO-8601 with time zone")
    finished_at: str | None = None
    wall_s: float | None = None
    n_requests: int = Field(0, description="Backend requests the run needs in all")
    error: str | None = None
