"""Scoring glue: a run's generation records → graded samples, metrics and the run's verdict.

Pure CPU work on records (no engine), so a finished run can be re-scored anywhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from harness.records import GenerationRecord, MetricRecord, SampleRecord
from harness.scoring import TRUNCATION_WARN_FRACTION, PlannedItem, grade_item, metrics_for
from harness.specs import ModelSpec, TaskSpec

# A run whose backend failed on more than this fraction of samples is a failed run, not a score.
ERROR_FAIL_FRACTION = 0.05


@dataclass(frozen=True)
class ScoredTask:
    samples: list[SampleRecord]
    metrics: list[MetricRecord]
    error: str | None  # set when too many requests failed: the run is failed, not scored
    warnings: list[str]


def score_task(model: ModelSpec, task: TaskSpec, run_key: str, items: list[PlannedItem],
               cache: Mapping[str, GenerationRecord], gen_wall_s: float) -> ScoredTask:
    """Grade every item from its records, compute the metrics, and judge the backend error rate."""
    samples = [grade_item(it, [cache[k] for k in it.keys], model, task, run_key) for it in items]
    return judge(model, task, samples, metrics_for(model, task, samples, gen_wall_s))


def judge(model: ModelSpec, task: TaskSpec, samples: list[SampleRecord], metrics: list[MetricRecord]) -> ScoredTask:
    """The run's verdict on its scored samples: failed above the error fraction, else its warnings."""
    n_errors = sum(s.error is not None for s in samples)
    error = None
    if n_errors > ERROR_FAIL_FRACTION * max(len(samples), 1):
        first = next(s.error for s in samples if s.error)
        error = f"{n_errors}/{len(samples)} requests failed, e.g. {first}"
    warnings = [
        f"warning: {model.id} on {task.id}: {m.n_truncated}/{m.n_samples} answers truncated "
        "by the token budget; raise max_new_tokens or the score understates the model"
        for m in metrics
        if m.n_samples and m.n_truncated / m.n_samples > TRUNCATION_WARN_FRACTION
    ]
    return ScoredTask(samples, metrics, error, warnings)
