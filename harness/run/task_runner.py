"""A task is one unit: the `TaskRunner` protocol (plan → requests → score) and its implementations.

    runner = runner_for(task)                      # by the task spec's `runner:` field
    plan = runner.plan(model, task, weights, limit, results)
    work, requests = runner.requests(model, plan, tokenizer)
    cache = execute(backend, plan.run_dir, requests, ...)   # the runner's streaming + resume
    scored = runner.score(model, plan, work, cache, gen_wall_s)

`harness.run.driver` orchestrates these three calls and never asks which kind a task is. Two
implementations: `NativeTaskRunner` (the harness's own tasks: items from a loader, prompts from a
prompt builder, a graded answer per item) and `LmEvalTaskRunner` (lm-eval's task objects, through
`harness.lm_eval_tasks.seam`, imported only when such a task runs).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

from harness.errors import InputError
from harness.records import GenerationRecord
from harness.run.plans import PlannedRequest, TaskPlan
from harness.run.score import ScoredTask
from harness.specs import ModelSpec, TaskSpec
from harness.weights import ResolvedWeights


class TaskRunner(Protocol):
    """How one kind of task is planned, asked and scored. `work` is whatever `requests` needs to hand
    to `score` (the native runner's planned items; nothing for lm-eval, whose plan keeps its state)."""

    def plan(self, model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
             results: Path) -> TaskPlan: ...

    def requests(self, model: ModelSpec, plan: TaskPlan, tokenizer: Any) -> tuple[Any, Mapping[str, PlannedRequest]]:
        ...

    def score(self, model: ModelSpec, plan: TaskPlan, work: Any, cache: Mapping[str, GenerationRecord],
              gen_wall_s: float) -> ScoredTask: ...


class NativeTaskRunner:
    """The harness's own tasks (`runner: harness`): all of a native task's logic (budget, sampling,
    items, requests, grading, metrics) is in `harness.tasks.native`."""

    def plan(self, model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
             results: Path) -> TaskPlan:
        from harness.tasks.native import plan_task

        return plan_task(model, task, weights, limit, results)

    def requests(self, model: ModelSpec, plan: TaskPlan, tokenizer: Any) -> tuple[Any, Mapping[str, PlannedRequest]]:
        from harness.tasks.native import build_items

        return build_items(model, plan, tokenizer)

    def score(self, model: ModelSpec, plan: TaskPlan, work: Any, cache: Mapping[str, GenerationRecord],
              gen_wall_s: float) -> ScoredTask:
        from harness.tasks.native import score_task

        return score_task(model, plan.task, plan.run_key, work, cache, gen_wall_s)


class LmEvalTaskRunner:
    """lm-eval's tasks (`runner: lm_eval`, ids `lm_eval:<task>`): lm-eval builds the requests and
    computes the metrics (`harness.lm_eval_tasks.seam`); the harness judges the error rate."""

    def plan(self, model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
             results: Path) -> TaskPlan:
        from harness.lm_eval_tasks.seam import plan_lm_eval_task

        return plan_lm_eval_task(model, task, weights, limit, results)

    def requests(self, model: ModelSpec, plan: TaskPlan, tokenizer: Any) -> tuple[Any, Mapping[str, PlannedRequest]]:
        assert plan.lm_eval is not None, "an lm-eval plan carries its lm-eval work"
        return None, plan.lm_eval.requests(model, tokenizer)

    def score(self, model: ModelSpec, plan: TaskPlan, work: Any, cache: Mapping[str, GenerationRecord],
              gen_wall_s: float) -> ScoredTask:
        from harness.run.score import judge

        assert plan.lm_eval is not None, "an lm-eval plan carries its lm-eval work"
        samples, metrics = plan.lm_eval.score(model, dict(cache), plan.run_key, gen_wall_s)
        return judge(model, plan.task, samples, metrics)


RUNNERS: dict[str, TaskRunner] = {"harness": NativeTaskRunner(), "lm_eval": LmEvalTaskRunner()}


def runner_for(task: TaskSpec) -> TaskRunner:
    """The runner of a task, by its spec's `runner` field."""
    try:
        return RUNNERS[task.runner]
    except KeyError:
        raise InputError(f"task '{task.id}': unknown runner '{task.runner}'",
                         f"use one of {', '.join(RUNNERS)}") from None


def plan_task(model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
              results: Path) -> TaskPlan:
    """Load a task's items and fix its run key, by the task's runner.
    `model` is the effective spec (its dtype is the one the engine computes in)."""
    return runner_for(task).plan(model, task, weights, limit, results)
