"""Plan → execute → score → persist, for every model × task of a run config.

One engine (or one per GPU group, data parallel) per model serves all its tasks. A failure (a model
that will not load, a task without data) is recorded and the run goes on; the CLI exits 1 at the
end if anything failed. Nothing computed is lost.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from harness import provenance
from harness.backends.base import Backend, EngineSettings, engine_info
from harness.config import Catalog
from harness.errors import HarnessError, InputError
from harness.hardware import DtypeChoice, detect_gpus, effective_model, engine_settings_for
from harness.leaderboard import update_leaderboard
from harness.records import RunManifest
from harness.run.execute import execute
from harness.run.parallel import DeviceGroup, data_parallel_groups
from harness.run.progress import Outcome, Progress, failed
from harness.run.requests import TaskPlan, build_items, plan_task
from harness.run.score import judge, score_task
from harness.scoring import PlannedItem
from harness.specs import ModelSpec, RunSpec, TaskSpec
from harness.weights import ResolvedWeights, resolve


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
    items: list[PlannedItem] = []
    if plan.lm_eval is not None:
        requests = plan.lm_eval.requests(model, backend.tokenizer)
    else:
        items, requests = build_items(model, plan, backend.tokenizer)
    manifest = manifest.model_copy(update={"n_requests": len(requests)})
    plan.run_dir.write_manifest(manifest)
    cache = execute(backend, plan.run_dir, requests, progress, plan.task.id, fsync_every=spec.chunk_size)
    gen_wall = plan.run_dir.generation_wall_s()
    if plan.lm_eval is not None:
        samples, metrics = plan.lm_eval.score(model, cache, plan.run_key, gen_wall)
        scored = judge(model, plan.task, samples, metrics)
    else:
        scored = score_task(model, plan.task, plan.run_key, items, cache, gen_wall)
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


def load_backend(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> Backend:
    """The model's backend (`vllm`, `hf`, `openai` or `fake`), loaded in this process."""
    if not model.runnable:
        from harness.errors import InputError

        raise InputError(f"model '{model.id}' is reference-only and can never be run",
                         "import its outputs with `harness import` instead")
    if model.backend == "openai":
        from harness.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(model, weights, settings)
    if model.backend == "hf":
        from harness.backends.hf_backend import HFBackend

        return HFBackend(model, weights, settings)
    if model.backend == "fake":
        from harness.backends.fake import FakeBackend

        return FakeBackend(model, weights, settings)
    from harness.backends.vllm_backend import VLLMBackend

    return VLLMBackend(model, weights, settings)


def _load(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings,
          groups: list[DeviceGroup] | None) -> Backend:
    if groups is None:
        return load_backend(model, weights, settings)
    from harness.run.parallel import DataParallelBackend

    return DataParallelBackend(model, weights, settings, groups)


def _dtype_note(model: ModelSpec, choice: DtypeChoice) -> str:
    return f"{model.id}: computing in {choice.effective} (config: {choice.requested}): {choice.reason}"


def run_model(model: ModelSpec, tasks: Sequence[TaskSpec], spec: RunSpec, results: Path,
              settings: EngineSettings, progress: Progress,
              gpus: tuple[int, str] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    try:
        settings = engine_settings_for(model, settings, gpus)
        weights = resolve(model)
        groups = data_parallel_groups(model, settings, gpus, spec.data_parallel)
    except HarnessError as exc:
        return [failed(model.id, t.id, exc) for t in tasks]
    # The dtype the engine computes in is part of the run's identity (and of its manifest).
    effective, dtype = effective_model(model, weights, on_gpu=gpus is not None)
    plans: list[TaskPlan] = []
    for task in tasks:
        try:
            plan = plan_task(effective, task, weights, spec.limit, results)
        except HarnessError as exc:
            outcomes.append(failed(model.id, task.id, exc))
            continue
        if plan.run_dir.is_complete():
            outcomes.append(Outcome(model.id, task.id, plan.run_key, "cached",
                                    metrics=plan.run_dir.read_metrics()))
            progress.message(f"{model.id} × {task.id}: already complete (run {plan.run_key})")
        else:
            plans.append(plan)
    if not plans:
        return outcomes
    if dtype.reason:
        progress.message(_dtype_note(model, dtype))
    engines = f" × {len(groups)} engines (data parallel)" if groups else ""
    progress.message(f"loading {model.id} on {model.backend}{engines} …")
    try:
        backend = _load(effective, weights, settings, groups)
    except HarnessError as exc:
        return outcomes + [failed(model.id, p.task.id, exc, p.run_key) for p in plans]
    device = provenance.describe_device()
    run_settings = {"backend": model.backend, "limit": spec.limit, "chunk_size": spec.chunk_size,
                    "dtype": dtype.as_dict(),
                    "data_parallel": len(groups) if groups else 1,
                    "engine": {k: v for k, v in settings.__dict__.items() if k != "extra"},
                    "engine_info": engine_info(backend)}
    try:
        for plan in plans:
            try:
                outcomes.append(run_task(effective, backend, plan, weights, spec, run_settings, device, progress))
            except HarnessError as exc:
                outcomes.append(failed(model.id, plan.task.id, exc, plan.run_key))
            except Exception as exc:  # noqa: BLE001 - one task's crash must not lose the others
                msg = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0] if str(exc).strip() else ''}"
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
    results = results or Path(spec.results)
    settings = settings or EngineSettings(gpu_memory_utilization=spec.gpu_memory_utilization,
                                          max_num_seqs=spec.max_num_seqs)
    outcomes: list[Outcome] = []
    gpus = detect_gpus()
    for model in model_specs:
        outcomes.extend(run_model(model, task_specs, spec, results, settings, progress, gpus))
    update_leaderboard(results)
    return outcomes
