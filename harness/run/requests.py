"""Request planning: what a model is asked on a task — prompts, seeds, token budgets, request keys.

Pure given a tokenizer: nothing here starts an engine, so every number a run depends on before
the model answers (prompt text, prompt hash, seed, budget, key) is checked by fast tests.
"""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import provenance
from harness.backends.base import GenRequest, LLRequest, SamplingSettings
from harness.backends.chat import encode_continuation, encode_prompt, prompt_text
from harness.plan import max_new_tokens
from harness.run.plans import PlannedRequest, TaskPlan
from harness.scoring import PlannedItem
from harness.specs import ModelSpec, TaskSpec
from harness.store import RunDir
from harness.tasks.base import Prompt, TaskData, data_fingerprint, fewshot_examples, load_task_data
from harness.tasks.prompts import build_prompt
from harness.weights import ResolvedWeights


def effective_sampling(model: ModelSpec, task: TaskSpec) -> SamplingSettings:
    g = model.generation
    return SamplingSettings(
        temperature=g.temperature, top_p=g.top_p, top_k=g.top_k, min_p=g.min_p,
        repetition_penalty=g.repetition_penalty,
        max_new_tokens=max(max_new_tokens(model, task), 1), stop=tuple(task.stop), seed=g.seed,
    )


def samples_per_item(model: ModelSpec, task: TaskSpec) -> int:
    k = task.samples or model.generation.samples
    return 1 if model.generation.temperature == 0 else k


def _limited(data: TaskData, limit: int | None) -> TaskData:
    return TaskData(data.docs[:limit] if limit else data.docs, data.fewshot_pool)


def plan_task(model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
              results: Path) -> TaskPlan:
    """Load a task's items and fix its run key, by the task's runner (`harness.run.task_runner`).
    `model` is the effective spec (its dtype is the one the engine computes in)."""
    from harness.run.task_runner import runner_for

    return runner_for(task).plan(model, task, weights, limit, results)


def plan_native_task(model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
                     results: Path) -> TaskPlan:
    """A harness-native task's plan: its items loaded (first `limit`), its sampling and run key."""
    data = _limited(load_task_data(task), limit)
    hashes = data_fingerprint(task)
    sampling = effective_sampling(model, task)
    k = samples_per_item(model, task)
    key = provenance.run_key(
        model, task, weights_hash=weights.weights_hash if weights else None, data_hashes=hashes,
        limit=limit, sampling={**sampling.as_dict(), "k": k},
    )
    return TaskPlan(task, data, key, RunDir(results, key), hashes, sampling, k)


def request_seed(base_seed: int | None, doc_id: str, sample_idx: int) -> int:
    """A per-request seed: the same item and sample get the same seed on every machine."""
    return int(hashlib.sha256(f"{base_seed}:{doc_id}:{sample_idx}".encode()).hexdigest()[:8], 16)


def token_budget(requested: int, prompt_tokens: int, max_model_len: int) -> int:
    """New tokens a request may make: the task's budget, cut to what the context window leaves."""
    return min(requested, max(max_model_len - prompt_tokens, 1))


def build_items(model: ModelSpec, plan: TaskPlan,
                tokenizer: Any) -> tuple[list[PlannedItem], dict[str, PlannedRequest]]:
    """Every item × sample with its prompt, and the backend requests keyed by request key."""
    chat = bool(model.chat_template and model.kind != "base")
    items: list[PlannedItem] = []
    requests: dict[str, PlannedRequest] = {}
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
                ll = LLRequest(context_ids, tuple(encode_continuation(cont, tokenizer)))
                requests[key] = PlannedRequest(key, doc.doc_id, 0, ll)
                keys.append(key)
            items.append(PlannedItem(doc, 0, prompt, text, phash, tuple(keys)))
            continue
        stop = tuple(dict.fromkeys([*plan.sampling.stop, *prompt.stop])) if not chat else plan.sampling.stop
        budget = token_budget(plan.sampling.max_new_tokens, len(ids), model.max_model_len)
        for k in range(plan.samples):
            sampling = replace(plan.sampling, stop=stop, seed=request_seed(plan.sampling.seed, doc.doc_id, k),
                               max_new_tokens=budget)
            key = provenance.request_key(prompt.identity(), sampling.as_dict(), k)
            requests[key] = PlannedRequest(key, doc.doc_id, k, GenRequest(ids, sampling, messages=prompt.messages))
            items.append(PlannedItem(doc, k, prompt, text, phash, (key,)))
    return items, requests
