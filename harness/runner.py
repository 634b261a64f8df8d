"""Plan → execute → score → persist, for every model × task of a run config.

One engine per model serves all its tasks. Generation is persisted chunk by chunk into the run's
resume cache, so a job killed at any point and started again redoes only unfinished requests.
A failure (a model that will not load, a task without data) is recorded and the run goes on; the
CLI exits 1 at the end if anything failed. Nothing computed is lost.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from harness import provenance
from harness.backends.base import Backend, EngineSettings, GenRequest, LLRequest, SamplingSettings
from harness.backends.chat import encode_continuation, encode_prompt, prompt_text
from harness.config import Catalog
from harness.errors import HarnessError, InputError
from harness.hardware import detect_gpus, engine_settings_for
from harness.leaderboard import update_leaderboard
from harness.plan import max_new_tokens
from harness.records import GenerationRecord, RunManifest
from harness.scoring import TRUNCATION_WARN_FRACTION, PlannedItem, grade_item, metrics_for
from harness.specs import ModelSpec, RunSpec, TaskSpec
from harness.store import RunDir
from harness.tasks.base import Prompt, TaskData, data_fingerprint, fewshot_examples, load_task_data
from harness.tasks.prompts import build_prompt
from harness.weights import ResolvedWeights, resolve


class Progress:
    """What the runner tells the person watching. The CLI supplies a rich implementation."""

    def message(self, text: str) -> None:  # pragma: no cover - trivial
        print(text, flush=True)

    def start_task(self, label: str, total: int) -> None:
        self.message(f"{label}: {total} requests")

    def advance(self, n: int) -> None:
        pass

    def end_task(self) -> None:
        pass


@dataclass
class Outcome:
    model: str
    task: str
    run_key: str | None = None
    status: str = "pending"  # complete | cached | failed
    error: str | None = None
    metrics: list = field(default_factory=list)
    wall_s: float = 0.0
    exit_code: int = 0  # for failures: 2 = bad input (config, data), 1 = runtime


def failed(model: str, task: str, exc: HarnessError, run_key: str | None = None) -> Outcome:
    return Outcome(model, task, run_key, "failed", exc.one_line(), exit_code=exc.exit_code)


@dataclass(frozen=True)
class TaskPlan:
    task: TaskSpec
    data: TaskData
    run_key: str
    run_dir: RunDir
    data_hashes: dict[str, str]
    sampling: SamplingSettings
    samples: int


def now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def effective_sampling(model: ModelSpec, task: TaskSpec) -> SamplingSettings:
    g = model.generation
    stop: tuple[str, ...] = tuple(task.stop)
    return SamplingSettings(
        temperature=g.temperature, top_p=g.top_p, top_k=g.top_k, min_p=g.min_p,
        repetition_penalty=g.repetition_penalty,
        max_new_tokens=max(max_new_tokens(model, task), 1), stop=stop, seed=g.seed,
    )


def samples_per_item(model: ModelSpec, task: TaskSpec) -> int:
    k = task.samples or model.generation.samples
    return 1 if model.generation.temperature == 0 else k


def _limited(data: TaskData, limit: int | None) -> TaskData:
    return TaskData(data.docs[:limit] if limit else data.docs, data.fewshot_pool)


def plan_task(
    model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None, results: Path
) -> TaskPlan:
    data = _limited(load_task_data(task), limit)
    hashes = data_fingerprint(task)
    sampling = effective_sampling(model, task)
    k = samples_per_item(model, task)
    key = provenance.run_key(
        model, task, weights_hash=weights.weights_hash if weights else None, data_hashes=hashes,
        limit=limit, sampling={**sampling.as_dict(), "k": k},
    )
    return TaskPlan(task, data, key, RunDir(results, key), hashes, sampling, k)


def build_items(model: ModelSpec, plan: TaskPlan, tokenizer: object) -> tuple[list[PlannedItem], dict]:
    """Every item × sample with its prompt, and the backend requests keyed by request key."""
    chat = model.chat_template and model.kind != "base"
    items: list[PlannedItem] = []
    requests: dict[str, tuple[str, object, dict]] = {}
    for doc in plan.data.docs:
        shots = [] if chat else fewshot_examples(plan.task, plan.data.fewshot_pool, plan.task.fewshot, doc.doc_id)
        prompt = build_prompt(plan.task, doc, shots, chat)
        text = "\n---\n".join(prompt.contexts) if prompt.contexts else prompt_text(prompt, model, tokenizer)
        phash = hashlib.sha256(text.encode()).hexdigest()[:16]
        ids = tuple(encode_prompt(prompt, model, tokenizer)) if not prompt.contexts else ()
        if prompt.continuations:
            keys = []
            for ci, cont in enumerate(prompt.continuations):
                context_ids = ids
                if prompt.contexts:  # partial scoring: this choice's own context
                    context_ids = tuple(encode_prompt(Prompt(text=prompt.contexts[ci]), model, tokenizer))
                key = provenance.request_key(prompt.identity(), {}, 0, extra=f"ll:{ci}:{cont}")
                requests[key] = ("loglikelihood",
                                 LLRequest(context_ids, tuple(encode_continuation(cont, tokenizer))),
                                 {"doc_id": doc.doc_id, "sample_idx": 0})
                keys.append(key)
            items.append(PlannedItem(doc, 0, prompt, text, phash, tuple(keys)))
            continue
        for k in range(plan.samples):
            stop = tuple(dict.fromkeys([*plan.sampling.stop, *prompt.stop])) if not chat else plan.sampling.stop
            seed = int(hashlib.sha256(f"{plan.sampling.seed}:{doc.doc_id}:{k}".encode()).hexdigest()[:8], 16)
            budget = min(plan.sampling.max_new_tokens, max(model.max_model_len - len(ids), 1))
            sampling = SamplingSettings(**{**plan.sampling.__dict__, "stop": stop, "seed": seed,
                                           "max_new_tokens": budget})
            key = provenance.request_key(prompt.identity(), sampling.as_dict(), k)
            requests[key] = ("generate", GenRequest(ids, sampling, messages=prompt.messages),
                             {"doc_id": doc.doc_id, "sample_idx": k})
            items.append(PlannedItem(doc, k, prompt, text, phash, (key,)))
    return items, requests


ERROR_FAIL_FRACTION = 0.05


def execute(backend: Backend, plan: TaskPlan, requests: dict, chunk_size: int,
            progress: Progress) -> dict[str, GenerationRecord]:
    """Run every uncached request, persisting each chunk as it completes.

    Returns every request's record: the cached ones, the new ones, and this run's failures."""
    cached = plan.run_dir.cached_generations()
    pending = [k for k in requests if k not in cached]
    progress.start_task(f"{plan.task.id}", len(requests))
    progress.advance(len(requests) - len(pending))
    errors: dict[str, GenerationRecord] = {}
    for start in range(0, len(pending), chunk_size):
        keys = pending[start : start + chunk_size]
        kind = requests[keys[0]][0]
        if kind == "generate":
            results = backend.generate([requests[k][1] for k in keys])
            records = [
                GenerationRecord(
                    key=k, kind="generate", text=r.text, finish_reason=r.finish_reason,
                    prompt_tokens=r.prompt_tokens, output_tokens=r.output_tokens, wall_s=r.wall_s,
                    sampling=requests[k][1].sampling.as_dict(), error=r.error, reasoning=r.reasoning,
                    served_by=r.served_by, **requests[k][2],
                )
                for k, r in zip(keys, results, strict=True)
            ]
        else:
            ll = backend.loglikelihood([requests[k][1] for k in keys])
            records = [
                GenerationRecord(key=k, kind="loglikelihood", logprob=r.logprob, is_greedy=r.is_greedy,
                                 prompt_tokens=r.prompt_tokens, wall_s=r.wall_s, error=r.error,
                                 served_by=r.served_by, **requests[k][2])
                for k, r in zip(keys, ll, strict=True)
            ]
        plan.run_dir.append_chunk(records)
        errors.update({r.key: r for r in records if r.error})
        cached.update({r.key: r for r in records if not r.error})
        progress.advance(len(keys))
    progress.end_task()
    return {**errors, **cached}


def _manifest(model: ModelSpec, plan: TaskPlan, weights: ResolvedWeights, settings: dict, device: str) -> RunManifest:
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
             spec: RunSpec, settings: dict, device: str, progress: Progress) -> Outcome:
    started = time.perf_counter()
    manifest = _manifest(model, plan, weights, settings, device)
    old = plan.run_dir.read_manifest()
    if old is not None:
        manifest = manifest.model_copy(update={"started_at": old.started_at})
    items, requests = build_items(model, plan, backend.tokenizer)
    manifest = manifest.model_copy(update={"n_requests": len(requests)})
    plan.run_dir.write_manifest(manifest)
    cache = execute(backend, plan, requests, spec.chunk_size, progress)
    gen_wall = plan.run_dir.generation_wall_s()
    samples = [grade_item(it, [cache[k] for k in it.keys], model, plan.task, plan.run_key) for it in items]
    plan.run_dir.write_samples(samples)
    metrics = metrics_for(model, plan.task, samples, gen_wall)
    plan.run_dir.write_metrics(metrics)
    wall = time.perf_counter() - started
    n_errors = sum(s.error is not None for s in samples)
    too_many_errors = n_errors > ERROR_FAIL_FRACTION * max(len(samples), 1)
    error = (f"{n_errors}/{len(samples)} requests failed, e.g. {next(s.error for s in samples if s.error)}"
             if too_many_errors else None)
    plan.run_dir.write_manifest(manifest.model_copy(update={
        "status": "failed" if too_many_errors else "complete", "finished_at": now(), "wall_s": round(wall, 3),
        "error": error}))
    if too_many_errors:
        return Outcome(model.id, plan.task.id, plan.run_key, "failed", error, metrics=metrics, wall_s=wall,
                       exit_code=1)
    for m in metrics:
        if m.n_samples and m.n_truncated / m.n_samples > TRUNCATION_WARN_FRACTION:
            progress.message(
                f"warning: {model.id} on {plan.task.id}: {m.n_truncated}/{m.n_samples} answers truncated "
                "by the token budget; raise max_new_tokens or the score understates the model")
    return Outcome(model.id, plan.task.id, plan.run_key, "complete", metrics=metrics, wall_s=wall)


def load_backend(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> Backend:
    if model.backend == "openai":
        from harness.backends.openai_backend import OpenAIBackend

        return OpenAIBackend(model, weights, settings)
    if model.backend == "hf":
        from harness.backends.hf_backend import HFBackend

        return HFBackend(model, weights, settings)
    from harness.backends.vllm_backend import VLLMBackend

    return VLLMBackend(model, weights, settings)


def run_model(model: ModelSpec, tasks: Sequence[TaskSpec], spec: RunSpec, results: Path,
              settings: EngineSettings, progress: Progress,
              gpus: tuple[int, str] | None = None) -> list[Outcome]:
    outcomes: list[Outcome] = []
    try:
        settings = engine_settings_for(model, settings, gpus)
        weights = resolve(model)
    except HarnessError as exc:
        return [failed(model.id, t.id, exc) for t in tasks]
    plans: list[TaskPlan] = []
    for task in tasks:
        try:
            plan = plan_task(model, task, weights, spec.limit, results)
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
    progress.message(f"loading {model.id} on {model.backend} …")
    try:
        backend = load_backend(model, weights, settings)
    except HarnessError as exc:
        return outcomes + [failed(model.id, p.task.id, exc, p.run_key) for p in plans]
    device = provenance.describe_device()
    run_settings = {"backend": model.backend, "limit": spec.limit, "chunk_size": spec.chunk_size,
                    "engine": {k: v for k, v in settings.__dict__.items() if k != "extra"}}
    try:
        for plan in plans:
            try:
                outcomes.append(run_task(model, backend, plan, weights, spec, run_settings, device, progress))
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
    settings = settings or EngineSettings(gpu_memory_utilization=spec.gpu_memory_utilization)
    outcomes: list[Outcome] = []
    gpus = detect_gpus()
    for model in model_specs:
        outcomes.extend(run_model(model, task_specs, spec, results, settings, progress, gpus))
    update_leaderboard(results)
    return outcomes
