"""The one place the runner meets lm-eval tasks: plan → requests → score.

    plan = plan_lm_eval_task(model, task, weights, limit, results)   # harness.run.task_runner.plan_task
    requests = plan.lm_eval.requests(model, backend.tokenizer)         # instead of build_items
    cache = execute(backend, plan, requests, ...)                       # the runner's persistence + resume
    samples, metrics = plan.lm_eval.score(model, cache, gen_wall_s)    # instead of grade_item/metrics_for

Planning builds the lm-eval object (its data loads here), hashes its resolved config into the task
spec (`lm_eval_config_hash`, so into the run key and the manifest) and returns an ordinary TaskPlan.
A group aggregate plans its members' run keys; it sends no requests and scores from their metrics.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import provenance
from harness.backends.base import SamplingSettings
from harness.errors import HarnessError, InputError
from harness.lm_eval_tasks.build import LmEvalBuildError, built, config_hash, find
from harness.lm_eval_tasks.catalog import PREFIX, resolve
from harness.lm_eval_tasks.requests import InstancePlan, Requests, build_instances, plan_requests
from harness.lm_eval_tasks.score import score_group, score_task
from harness.records import GenerationRecord, MetricRecord, SampleRecord
from harness.specs import ModelSpec, TaskSpec
from harness.store import RunDir
from harness.tasks.base import TaskData, data_fingerprint

if TYPE_CHECKING:
    from harness.run.plans import TaskPlan
    from harness.weights import ResolvedWeights


def _config_dir(task: TaskSpec) -> Path:
    if not task.lm_eval_include:
        raise InputError(f"task '{task.id}' was not resolved from an lm_eval: id", "name it as lm_eval:<task>")
    return Path(task.lm_eval_include).parent


def _target(task: TaskSpec) -> Any:
    """The built lm-eval Task or Group this spec runs (built within its top-level group, if any)."""
    top = (task.group or "").removeprefix(PREFIX) or str(task.lm_eval_task)
    return find(built(top, _config_dir(task)), str(task.lm_eval_task))


def _is_group(obj: Any) -> bool:
    from lm_eval.api.group import Group

    return isinstance(obj, Group)


@dataclass
class LmEvalWork:
    """An lm-eval task (or group aggregate) in a run: what the runner asks of it after planning."""

    spec: TaskSpec
    target: Any
    limit: int | None
    results: Path
    members: dict[str, tuple[str, str]] = field(default_factory=dict)  # leaf name → (task id, run key)
    _plans: list[InstancePlan] = field(default_factory=list)

    def requests(self, model: ModelSpec, tokenizer: Any) -> Requests:
        """The backend requests (GenRequest / LLRequest by request key); none for a group aggregate."""
        if self.members:
            self._member_metrics()  # fail now, before a manifest is written, if a member has no run
            return {}
        instances = build_instances(self.target, model, tokenizer, self.limit, self.spec.fewshot_seed)
        self._plans, requests = plan_requests(instances, model, tokenizer)
        return requests

    def score(self, model: ModelSpec, cache: dict[str, GenerationRecord], run_key: str,
              gen_wall_s: float) -> tuple[list[SampleRecord], list[MetricRecord]]:
        if self.members:
            return [], score_group(self.target, self._member_metrics(), model.id, self.spec.id)
        try:
            return score_task(self.target, self._plans, cache, model, self.spec.id, run_key, gen_wall_s)
        except HarnessError:
            raise
        except Exception as exc:  # noqa: BLE001 - lm-eval's own scoring code; name the task that broke
            first = (str(exc).strip().splitlines() or [""])[0][:300]
            raise HarnessError(f"lm-eval scoring of '{self.spec.lm_eval_task}' failed: "
                               f"{type(exc).__name__}: {first}") from exc

    def _member_metrics(self) -> dict[str, list[MetricRecord]]:
        out = {}
        for leaf, (task_id, key) in self.members.items():
            run = RunDir(self.results, key)
            if not run.is_complete():
                raise HarnessError(f"lm-eval group '{self.spec.lm_eval_task}': member {task_id} has no complete "
                                   f"run {key} (it failed or has not run); the group's rows need every member")
            out[leaf] = run.read_metrics()
        return out


def _key(model: ModelSpec, spec: TaskSpec, weights: ResolvedWeights | None, limit: int | None) -> str:
    data = data_fingerprint(spec) if spec.data.local else {}
    return provenance.run_key(model, spec, weights_hash=weights.weights_hash if weights else None,
                              data_hashes=data, limit=limit, sampling={})


def plan_lm_eval_task(model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
                      results: Path) -> TaskPlan:
    """A TaskPlan for an `lm_eval:` task: the lm-eval object built, its config hash in the spec."""
    from harness.run.plans import TaskPlan

    target = _target(task)
    members: dict[str, tuple[str, str]] = {}
    if _is_group(target):
        siblings = {s.id: s for s in resolve(f"{PREFIX}{(task.group or task.id).removeprefix(PREFIX)}",
                                             _config_dir(task))}
        for leaf in target.get_all_tasks():
            sibling = siblings.get(f"{PREFIX}{leaf.task_name}")
            if sibling is None:
                raise LmEvalBuildError(f"lm-eval group '{task.lm_eval_task}' built member '{leaf.task_name}', "
                                       "which the harness's expansion of the group lacks")
            leaf_spec = _hashed(sibling, leaf)
            members[leaf.task_name] = (leaf_spec.id, _key(model, leaf_spec, weights, limit))
        spec = _hashed(task, target, extra=sorted(members.values()))
    else:
        spec = _hashed(task, target)
    key = _key(model, spec, weights, limit)
    work = LmEvalWork(spec, target, limit, results, members)
    data = data_fingerprint(spec) if spec.data.local else {}
    return TaskPlan(spec, TaskData([]), key, RunDir(results, key), data, SamplingSettings(), 1, lm_eval=work)


_HASHES: dict[int, str] = {}  # id of a built (cached) lm-eval object → its config hash, taken once


def _hashed(spec: TaskSpec, obj: Any, extra: Any = None) -> TaskSpec:
    """The spec with the hash of the object's resolved config (taken before any run can touch it)."""
    if id(obj) not in _HASHES:
        config = (obj.to_dict() or {}) if _is_group(obj) else obj.dump_config()
        _HASHES[id(obj)] = config_hash(config)
    digest = _HASHES[id(obj)] if extra is None else config_hash({"group": _HASHES[id(obj)]}, extra)
    return spec.model_copy(update={"lm_eval_config_hash": digest})
