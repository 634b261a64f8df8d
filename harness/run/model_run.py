"""A model's run, planned once: (model, tasks, run settings, machine) → `ModelRun`.

Everything that decides what runs and under which identity is fixed here, in this order, before
any engine starts: the effective spec (the dtype the engine computes in on this machine), the
engine layout and the fit check (which sizes that dtype, before any download), the weights, the
data-parallel groups, and each task's plan with its run key. `harness run` (`harness.run.driver`),
a Slurm job (`harness.cluster.job`, which records the run keys for `harness status`) and
`harness bench` all consume the same `ModelRun`; none of them re-derives a dtype or a run key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.backends.base import EngineSettings
from harness.errors import HarnessError
from harness.hardware import EffectiveModel, Machine, effective_model, engine_settings_for
from harness.run.parallel import DeviceGroup, data_parallel_groups
from harness.run.plans import TaskPlan
from harness.run.task_runner import plan_task
from harness.settings import Settings, current
from harness.specs import ModelSpec, TaskSpec
from harness.weights import ResolvedWeights, resolve


@dataclass(frozen=True)
class ModelRun:
    """One model's planned run: what the engine loads and each task's plan and run key.

    `model` is the spec as configured; `effective.spec` (also `spec`) is what runs. Tasks that
    could not be planned (missing data, bad spec) are in `task_errors`, by task id."""

    model: ModelSpec
    effective: EffectiveModel
    engine: EngineSettings
    weights: ResolvedWeights
    groups: list[DeviceGroup] | None
    plans: tuple[TaskPlan, ...]
    task_errors: dict[str, HarnessError] = field(default_factory=dict)
    limit: int | None = None
    task_ids: tuple[str, ...] = ()  # every task asked for, in the config's order
    settings: Settings = field(default_factory=Settings)  # the HARNESS_* settings, resolved at planning
    machine: Machine | None = None

    @property
    def spec(self) -> ModelSpec:
        """The effective spec: the one the engine loads and the run keys hash."""
        return self.effective.spec

    @property
    def run_keys(self) -> dict[str, str]:
        """Task id → run key, for every task that could be planned."""
        return {p.task.id: p.run_key for p in self.plans}

    def run_settings(self, chunk_size: int, engine_info: dict[str, Any]) -> dict[str, Any]:
        """The manifest's `run_settings`: how this run was executed (not part of its identity)."""
        return {"backend": self.model.backend, "limit": self.limit, "chunk_size": chunk_size,
                "trust_remote_code": self.model.trust_remote_code,  # the model's own Python code ran
                "dtype": self.effective.dtype.as_dict(),
                "data_parallel": len(self.groups) if self.groups else 1,
                "engine": {k: v for k, v in self.engine.__dict__.items() if k != "extra"},
                "engine_info": engine_info, "settings": self.settings.as_dict(),
                "machine": self.machine.as_dict() if self.machine else None}


def plan_model_run(model: ModelSpec, tasks: Sequence[TaskSpec], *, limit: int | None, results: Path,
                   engine: EngineSettings, machine: Machine, data_parallel: int | None = None) -> ModelRun:
    """Plan `model` on `tasks` for `machine`. Raises HarnessError when the model itself cannot run
    here (it does not fit, its weights cannot be found): nothing has been downloaded then."""
    resolved = current()  # once: the manifest records what this run saw
    em = effective_model(model, on_gpu=machine.gpus is not None, cpuinfo=machine.cpuinfo,
                         forced=machine.cpu_dtype)
    settings = engine_settings_for(em, engine, machine.gpus, memory_gib=machine.memory_gib,
                                   allocation=machine.allocation)
    weights = resolve(em.spec, requested_dtype=em.requested_dtype)
    groups = data_parallel_groups(em.spec, settings, machine.gpus, data_parallel)
    plans: list[TaskPlan] = []
    errors: dict[str, HarnessError] = {}
    for task in tasks:
        try:
            plans.append(plan_task(em.spec, task, weights, limit, results))
        except HarnessError as exc:
            errors[task.id] = exc
    return ModelRun(model, em, settings, weights, groups, tuple(plans), errors, limit,
                    tuple(t.id for t in tasks), resolved, machine)
