"""A harness-native task (`runner: harness`), whole: its token budget, sampling, items, requests,
grading and metrics. `harness.run.task_runner.NativeTaskRunner` calls these; lm-eval's tasks have
their own module behind `LmEvalTaskRunner` (`harness.lm_eval_tasks.seam`).

    plan = plan_task(model, task, weights, limit, results)    # items loaded, sampling and run key fixed
    items, requests = build_items(model, plan, tokenizer)      # prompts, seeds, budgets, request keys
    scored = score_task(model, task, run_key, items, cache, gen_wall_s)   # graded samples and metrics

Pure given a tokenizer and the generation records: nothing here starts an engine, so every number a
run depends on (prompt text and hash, seed, budget, key, grade, metric) is checked by fast tests, and
a finished run can be re-graded anywhere. What a task's answers are (graded, log-likelihood, which
metrics) comes from the answer-type table (`harness.answer_types`), never from testing the string.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from harness import provenance
from harness.answer_types import answer_type
from harness.backends.base import GenRequest, LLRequest, SamplingSettings
from harness.backends.chat import encode_continuation, encode_prompt, prompt_text
from harness.records import GenerationRecord, MetricRecord, SampleRecord
from harness.run.plans import PlannedRequest, TaskPlan
from harness.run.score import ScoredTask, judge
from harness.scoring import LETTERS, item_means, mean_ci
from harness.specs import ModelSpec, TaskSpec
from harness.store import RunDir
from harness.tasks.base import Doc, Prompt, TaskData, data_fingerprint, fewshot_examples, load_task_data
from harness.tasks.prompts import build_prompt
from harness.weights import ResolvedWeights

# ---------------------------------------------------------------- the budget rule and sampling


def max_new_tokens(model: ModelSpec, task: TaskSpec) -> int:
    """Generation budget: reasoning models use the task's reasoning budget, others its cap
    (log-likelihood tasks generate nothing). GPU planning sizes sequences with the same rule."""
    if answer_type(task.answer_type).likelihood:
        return 0
    if model.kind == "reasoning":
        return task.reasoning_max_new_tokens or model.generation.max_new_tokens
    return task.max_new_tokens or model.generation.max_new_tokens


def effective_sampling(model: ModelSpec, task: TaskSpec) -> SamplingSettings:
    """The sampling a task runs with: the model's generation settings, the task's budget and stops."""
    g = model.generation
    return SamplingSettings(
        temperature=g.temperature, top_p=g.top_p, top_k=g.top_k, min_p=g.min_p,
        repetition_penalty=g.repetition_penalty,
        max_new_tokens=max(max_new_tokens(model, task), 1), stop=tuple(task.stop), seed=g.seed,
    )


def samples_per_item(model: ModelSpec, task: TaskSpec) -> int:
    """k samples per item (the task's, else the model's); greedy decoding needs one."""
    k = task.samples or model.generation.samples
    return 1 if model.generation.temperature == 0 else k


def request_seed(base_seed: int | None, doc_id: str, sample_idx: int) -> int:
    """A per-request seed: the same item and sample get the same seed on every machine."""
    return int(hashlib.sha256(f"{base_seed}:{doc_id}:{sample_idx}".encode()).hexdigest()[:8], 16)


def token_budget(requested: int, prompt_tokens: int, max_model_len: int) -> int:
    """New tokens a request may make: the task's budget, cut to what the context window leaves."""
    return min(requested, max(max_model_len - prompt_tokens, 1))


# ---------------------------------------------------------------- plan and requests


def _limited(data: TaskData, limit: int | None) -> TaskData:
    return TaskData(data.docs[:limit] if limit else data.docs, data.fewshot_pool)


def plan_task(model: ModelSpec, task: TaskSpec, weights: ResolvedWeights | None, limit: int | None,
              results: Path) -> TaskPlan:
    """A native task's plan: its items loaded (first `limit`), its sampling and run key.
    `model` is the effective spec (its dtype is the one the engine computes in)."""
    data = _limited(load_task_data(task), limit)
    hashes = data_fingerprint(task)
    sampling = effective_sampling(model, task)
    k = samples_per_item(model, task)
    key = provenance.run_key(
        model, task, weights_hash=weights.weights_hash if weights else None, data_hashes=hashes,
        limit=limit, sampling={**sampling.as_dict(), "k": k},
    )
    return TaskPlan(task, data, key, RunDir(results, key), hashes, sampling, k)


@dataclass(frozen=True)
class PlannedItem:
    """One item × sample of a run: the doc, its prompt text and the request keys behind it."""

    doc: Doc
    sample_idx: int
    prompt: Prompt
    prompt_text: str
    prompt_hash: str
    keys: tuple[str, ...]  # one generation key, or one per choice (log-likelihood)


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


# ---------------------------------------------------------------- grading and metrics


def grade_item(
    item: PlannedItem,
    gens: list[GenerationRecord],
    model: ModelSpec,
    task: TaskSpec,
    run_key: str,
) -> SampleRecord:
    """One item × sample graded from its generation records (one per choice for log-likelihood)."""
    base = dict(
        run_key=run_key, model=model.id, task=task.id, doc_id=item.doc.doc_id,
        sample_idx=item.sample_idx, prompt_hash=item.prompt_hash, prompt=item.prompt_text,
        gold=item.doc.gold,
    )
    failed = next((g for g in gens if g.error is not None), None)
    if failed is not None:  # a backend failure: counted as an error, not graded
        return SampleRecord(
            **base, response="", extracted=None, correct=False, score=0.0, ungradable=True,
            finish_reason="error", prompt_tokens=failed.prompt_tokens, sampling=failed.sampling, error=failed.error,
        )
    kind = answer_type(task.answer_type)
    if kind.likelihood:
        logprobs = [g.logprob if g.logprob is not None else -math.inf for g in gens]
        best = max(range(len(logprobs)), key=lambda i: logprobs[i])
        letter = LETTERS[best]
        # acc_norm as lm-eval computes it: log-likelihood per character of the choice text
        # (`len(choice)`, without the space before it; lm-eval's per-byte variant is acc_bytes).
        lengths = [max(len(c), 1) for c in item.doc.choices]
        best_norm = max(range(len(logprobs)), key=lambda i: logprobs[i] / lengths[i])
        return SampleRecord(
            **base, response=item.doc.choices[best], extracted=letter,
            correct=letter == item.doc.gold, score=float(letter == item.doc.gold),
            finish_reason="loglikelihood", prompt_tokens=sum(g.prompt_tokens for g in gens),
            wall_s=max(g.wall_s for g in gens), choice_logprobs=logprobs,
            correct_norm=LETTERS[best_norm] == item.doc.gold,
        )
    from harness.grading import grade

    gen = gens[0]
    response = gen.text or ""
    # An endpoint that returned the reasoning apart (reasoning_content) left the answer alone in `text`.
    split = gen.reasoning is not None
    g = grade(
        kind.grader or task.answer_type, response, item.doc.gold, language=task.language,
        reasoning_format="none" if split else model.reasoning.format,
        think_in_prompt=model.reasoning.think_in_prompt and not split, choices=item.doc.choices,
        prompt=item.prompt_text,
    )
    # Hitting the token budget with no answer part is truncation, whatever the format.
    truncated = g.truncated or (gen.finish_reason == "length" and g.extracted is None)
    return SampleRecord(
        **base, response=response, extracted=g.extracted, correct=g.correct and not truncated,
        score=float(g.correct and not truncated), truncated=truncated, ungradable=g.ungradable,
        answer_span=list(g.span) if g.span else None,
        finish_reason=gen.finish_reason, prompt_tokens=gen.prompt_tokens,
        output_tokens=gen.output_tokens, wall_s=gen.wall_s, sampling=gen.sampling,
    )


def metrics_for(
    model: ModelSpec, task: TaskSpec, samples: list[SampleRecord], gen_wall_s: float
) -> list[MetricRecord]:
    """Accuracy (pass@1 averaged over k samples), with clustered stderr and a bootstrap CI.

    Log-likelihood tasks report `acc` and `acc_norm` (per-character normalised), as lm-eval does.
    `tokens_per_s` is generated tokens per engine second (log-likelihood tasks: scored tokens).
    """
    kind = answer_type(task.answer_type)
    out_tokens = [s.output_tokens for s in samples]
    tokens = sum(s.prompt_tokens for s in samples) if kind.likelihood else sum(out_tokens)
    # One variant per metric name of the answer type: `acc_norm` scores the per-character choice.
    normed = ([s.model_copy(update={"score": float(bool(s.correct_norm))}) for s in samples]
              if "acc_norm" in kind.metrics else samples)
    variants = [(name, normed if name == "acc_norm" else samples) for name in kind.metrics]
    out = []
    for name, recs in variants:
        means = item_means(recs)
        score, stderr, lo, hi = mean_ci(means)
        out.append(MetricRecord(
            model=model.id, task=task.id, metric=name,
            score=score, stderr=stderr, ci_low=lo, ci_high=hi, n=len(means),
            n_samples=len(recs), n_truncated=sum(s.truncated for s in recs),
            n_ungradable=sum(s.ungradable for s in recs),
            mean_output_tokens=sum(out_tokens) / len(out_tokens) if out_tokens else 0.0,
            tokens_per_s=tokens / gen_wall_s if gen_wall_s > 0 else 0.0,
        ))
    return out


def score_task(model: ModelSpec, task: TaskSpec, run_key: str, items: list[PlannedItem],
               cache: Mapping[str, GenerationRecord], gen_wall_s: float) -> ScoredTask:
    """Grade every item from its records, compute the metrics, and judge the backend error rate."""
    samples = [grade_item(it, [cache[k] for k in it.keys], model, task, run_key) for it in items]
    return judge(model, task, samples, metrics_for(model, task, samples, gen_wall_s))
