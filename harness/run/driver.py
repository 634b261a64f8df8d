"""Plan → execute → score → persist, for every model × task of a run config.

One engine (or one per GPU group, data parallel) per model serves all its tasks. A failure (a model
that will not load, a task without data) is recorded and the run goes on; the CLI exits 1 at the
end if anything failed. Nothing computed is lost.
"""

from __future__ import annotations

import datetime as dt
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import provenance
from harness.backends import registry
from harness.backends.base import Backend, EngineSettings, engine_info
from harness.config import Catalog
from harness.errors import HarnessError, InputError
from harness.hardware import Machine, detect_gpus
from harness.leaderboard import update_leaderboard
from harness.records import RunManifest
from harness.run.execute import execute
from harness.run.model_run import ModelRun, plan_model_run
from harness.run.parallel import DeviceGroup
from harness.run.plans import TaskPlan
from harness.run.progress import Outcome, Progress, failed
from harness.run.task_runner import runner_for
from harness.settings import results_dir
from harness.specs import ModelSpec, RunSpec, TaskSpec
from harness.weights import ResolvedWeights


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _manifest(model: ModelSpec, plan: TaskPlan, weights: ResolvedWeights, settings: dict[str, Any],
              device: str) -> RunManifest:
    return RunManifest(
        run_key=plan.run_key, status="running", model=model.id, task=plan.task.id,
        harness_version=provenance.harness_version(), git_commit=provenance.git_commit(),
        packages=provenance.package_versions(), device=device, model_revision=weights.revision,
        weights_hash=weights.weights_hash, model_spec=model.model_dump(mode="json"),
        task_spec=plan.task.model_dump(mode="json"), run_settings=settings,
        data_files=plan.data_hashes,
        seeds={"sampling": model.generation.seed, "fewshot": plan.task.fewshot_seed, "bootstrap": 0},
        started_at=now(),
    )


def run_task(model: ModelSpec, backend: Backend, plan: TaskPlan, weights: ResolvedWeights,
             spec: RunSpec, settings: dict[str, Any], device: str, progress: Progress) -> Outcome:
    """One model × task on a loaded backend: plan its requests, stream them, score, persist."""
    started = time.perf_counter()
    manifest = _manifest(model, plan, weights, settings, device)
    old = plan.run_dir.read_manifest()
    if old is not None:
        manifest = manifest.model_copy(update={"started_at": old.started_at})
    runner = runner_for(plan.task)
    work, requests = runner.requests(model, plan, backend.tokenizer)
    manifest = manifest.model_copy(update={"n_requests": len(requests)})
    plan.run_dir.write_manifest(manifest)
    cache = execute(backend, plan.run_dir, dict(requests), progress, plan.task.id, fsync_every=spec.chunk_size)
    scored = runner.score(model, plan, work, cache, plan.run_dir.generation_wall_s())
    plan.run_dir.write_samples(scored.samples)
    plan.run_dir.write_metrics(scored.metrics)
    wall = time.perf_counter() - started
    plan.run_dir.write_manifest(manifest.model_copy(update={
        "status": "failed" if scored.error else "complete", "finished_at": now(), "wall_s": round(wall, 3),
        "error": scored.error}))
    if scored.error:
        return Outcome(model.id, plan.task.id, plan.run_key, "failed", scored.error, metrics=scored.metrics,
                       wall_s=wall, exit_code=1)
    for line in scored.warnings:
        progress.message(line)
    return Outcome(model.id, plan.task.id, plan.run_key, "complete", metrics=scored.metrics, wall_s=wall)


def _run_claimed(model: ModelSpec, backend: Backend, plan: TaskPlan, weights: ResolvedWeights,
                 spec: RunSpec, settings: dict[str, Any], device: str, progress: Progress) -> Outcome:
    """`run_task` under the run's lock: a second process on the same results waits, then reuses the work."""
    with plan.run_dir.claim(progress.message):
        if plan.run_dir.is_complete():  # another process finished it while this one waited
            progress.message(f"{model.id} × {plan.task.id}: completed by another process (run {plan.run_key})")
            return Outcome(model.id, plan.task.id, plan.run_key, "cached", metrics=plan.run_dir.read_metrics())
        return run_task(model, backend, plan, weights, spec, settings, device, progress)


def load_backend(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> Backend:
    """The model's backend, loaded in this process (`harness.backends.registry`)."""
    if not model.runnable:
        raise InputError(f"model '{model.id}' is reference-only and can never be run",
                         "import its outputs with `harness import` instead")
    return registry.load_backend(model, weights, settings)


def _load(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings,
          groups: list[DeviceGroup] | None) -> Backend:
    if groups is None:
        return load_backend(model, weights, settings)
    from harness.run.parallel import DataParallelBackend

    return DataParallelBackend(model, weights, settings, groups)


def run_model(model: ModelSpec, tasks: Sequence[TaskSpec], spec: RunSpec, results: Path,
              settings: EngineSettings, progress: Progress,
              gpus: tuple[int, str] | None = None, machine: Machine | None = None) -> list[Outcome]:
    """Plan `model`'s run once (`plan_model_run`), then execute what is not complete yet."""
    machine = machine or Machine.here(gpus)
    try:
        planned = plan_model_run(model, tasks, limit=spec.limit, results=results, engine=settings,
                                 machine=machine, data_parallel=spec.data_parallel)
    except HarnessError as exc:
        return [failed(model.id, t.id, exc) for t in tasks]
    return execute_model_run(planned, spec, results, progress)


def execute_model_run(planned: ModelRun, spec: RunSpec, results: Path, progress: Progress) -> list[Outcome]:
    """Load one engine (or one per data-parallel group) for a planned model run and run its tasks
    that are not complete yet. One task's failure is recorded and the others go on."""
    model = planned.model
    outcomes = [failed(model.id, task_id, exc) for task_id, exc in planned.task_errors.items()]
    plans: list[TaskPlan] = []
    for plan in planned.plans:
        if plan.run_dir.is_complete():
            outcomes.append(Outcome(model.id, plan.task.id, plan.run_key, "cached",
                                    metrics=plan.run_dir.read_metrics()))
            progress.message(f"{model.id} × {plan.task.id}: already complete (run {plan.run_key})")
        else:
            plans.append(plan)
    order = {task_id: i for i, task_id in enumerate(planned.task_ids)}
    outcomes.sort(key=lambda o: order.get(o.task, len(order)))  # the config's task order, as before
    if not plans:
        return outcomes
    note = planned.effective.note()
    if note:
        progress.message(note)
    engines = f" × {len(planned.groups)} engines (data parallel)" if planned.groups else ""
    progress.message(f"loading {model.id} on {model.backend}{engines} …")
    try:
        backend = _load(planned.spec, planned.weights, planned.engine, planned.groups)
    except HarnessError as exc:
        return outcomes + [failed(model.id, p.task.id, exc, p.run_key) for p in plans]
    device = provenance.describe_device()
    run_settings = planned.run_settings(spec.chunk_size, engine_info(backend))
    try:
        for plan in plans:
            try:
                outcomes.append(_run_claimed(planned.spec, backend, plan, planned.weights, spec, run_settings,
                                             device, progress))
            except HarnessError as exc:
                outcomes.append(failed(model.id, plan.task.id, exc, plan.run_key))
            except Exception as exc:  # noqa: BLE001 - one task's crash must not lose the others
                msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
                if planned.settings.debug:  # HARNESS_DEBUG: keep where it crashed, not just the last line
                    msg += "\n" + traceback.format_exc().rstrip()
                outcomes.append(Outcome(model.id, plan.task.id, plan.run_key, "failed", msg, exit_code=1))
            update_leaderboard(results)
    finally:
        backend.close()
    return outcomes


def run(spec: RunSpec, catalog: Catalog, *, models: list[str] | None = None, tasks: list[str] | None = None,
        limit: int | None = None, results: Path | None = None, settings: EngineSettings | None = None,
        progress: Progress | None = None) -> list[Outcome]:
    """Run every selected model on every selected task. Returns one Outcome per pair."""
    progress = progress or Progress()
    model_ids = models or spec.models
    model_specs = [catalog.model(m) for m in model_ids]
    task_specs = catalog.expand_tasks(tasks or spec.tasks)
    if limit is not None:
        if limit <= 0:
            raise InputError(f"--limit must be a positive integer, got {limit}")
        spec = spec.model_copy(update={"limit": limit})
    results = results_dir(results, spec.results)
    settings = settings or EngineSettings(gpu_memory_utilization=spec.gpu_memory_utilization,
                                          max_num_seqs=spec.max_num_seqs)
    outcomes: list[Outcome] = []
    machine = Machine.here(detect_gpus())
    for model in model_specs:
        outcomes.extend(run_model(model, task_specs, spec, results, settings, progress, machine=machine))
    update_leaderboard(results)
    return outcomes
