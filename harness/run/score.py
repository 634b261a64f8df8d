"""The run's verdict on its scored samples, whichever runner scored them (native or lm-eval).

Pure CPU work on records (no engine). Grading and metrics are the task runner's: the native
task's in `harness.tasks.native`, lm-eval's in `harness.lm_eval_tasks.score`.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.records import MetricRecord, SampleRecord
from harness.specs import ModelSpec, TaskSpec

# A run whose backend failed on more than this fraction of samples is a failed run, not a score.
ERROR_FAIL_FRACTION = 0.05
# Above this fraction of answers cut by the token budget, the run warns that the score understates.
TRUNCATION_WARN_FRACTION = 0.03


@dataclass(frozen=True)
class ScoredTask:
    samples: list[SampleRecord]
    metrics: list[MetricRecord]
    error: str | None  # set when too many requests failed: the run is failed, not scored
    warnings: list[str]


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
