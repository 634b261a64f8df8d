"""`harness.runner.run(...)`: what `harness run` calls. The code lives in `harness.run` (planning,
execution, scoring, data parallel); this module keeps the names other code imports from here.
"""

from __future__ import annotations

from harness.run.driver import load_backend, run, run_model, run_task
from harness.run.execute import execute
from harness.run.plans import PlannedRequest, TaskPlan
from harness.run.progress import Outcome, Progress, QuietProgress, failed
from harness.run.score import ERROR_FAIL_FRACTION
from harness.run.task_runner import plan_task
from harness.tasks.native import build_items, effective_sampling, samples_per_item

__all__ = [
    "ERROR_FAIL_FRACTION", "Outcome", "PlannedRequest", "Progress", "QuietProgress", "TaskPlan", "build_items",
    "effective_sampling", "execute", "failed", "load_backend", "plan_task", "run", "run_model", "run_task",
    "samples_per_item",
]
