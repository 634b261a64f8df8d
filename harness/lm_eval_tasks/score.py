"""Generations → lm-eval's own scoring → the harness's SampleRecords and MetricRecords.

The stored backend results become each Instance's `resps` (a reasoning model's thinking removed
first, as for native tasks); then lm-eval applies its filters, `process_results` per document and
`aggregation()` per metric, exactly as its evaluator does. The harness adds its statistics: for a
mean, the standard error of the per-document values and a seeded bootstrap 95% interval (as for
native tasks); for other aggregations (f1, bleu, perplexity…) a seeded bootstrap over documents.
Documents whose requests failed in the backend are recorded with their error and left out of the
metrics (counted in `n_ungradable`), never scored as wrong answers.

Metric names are lm-eval's keys without the default filter: `acc`, `acc_norm`,
`exact_match,strict-match`. A group's rows are lm-eval's `Group.aggregate` over its members' rows.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from harness.grading.reasoning import split_reasoning
from harness.lm_eval_tasks.requests import InstancePlan
from harness.records import GenerationRecord, MetricRecord, SampleRecord
from harness.scoring import LETTERS, mean_ci
from harness.specs import ModelSpec

BOOTSTRAP_RESAMPLES = 200  # lm-eval bootstraps bleu/chrf/ter with 100
Z95 = 1.959964


def _answer(rec: GenerationRecord, model: ModelSpec) -> tuple[str, bool]:
    """(text given to lm-eval, truncated): a reasoning model's answer part; none if it never closed."""
    text = rec.text or ""
    if model.reasoning.format == "none":
        return text, rec.finish_reason == "length"
    answer, truncated = split_reasoning(text, model.reasoning.format, model.reasoning.think_in_prompt)
    return answer or "", truncated or (rec.finish_reason == "length" and answer is None)


def _responses(plan: InstancePlan, recs: list[GenerationRecord], model: ModelSpec) -> tuple[list[Any], bool]:
    repeats = plan.instance.repeats or 1
    if plan.kind == "loglikelihood":
        return [(recs[0].logprob, bool(recs[0].is_greedy))] * repeats, False
    if plan.kind == "loglikelihood_rolling":
        return [sum(r.logprob or 0.0 for r in recs)] * repeats, False
    answers = [_answer(r, model) for r in recs]
    return [a for a, _ in answers], answers[0][1]


def _numeric(value: Any) -> bool:
    return isinstance(value, (bool, int, float)) and not (isinstance(value, float) and math.isnan(value))


def score_task(task: Any, plans: list[InstancePlan], cache: dict[str, GenerationRecord], model: ModelSpec,
               task_id: str, run_key: str, gen_wall_s: float) -> tuple[list[SampleRecord], list[MetricRecord]]:
    """SampleRecords (one per document) and MetricRecords (one per lm-eval metric × filter)."""
    by_doc: dict[int, list[InstancePlan]] = defaultdict(list)
    for plan in plans:
        by_doc[plan.instance.doc_id].append(plan)
    failed: dict[int, str] = {}
    truncated: dict[int, bool] = {}
    for doc_id, doc_plans in by_doc.items():
        doc_plans.sort(key=lambda p: p.instance.idx)
        for plan in doc_plans:
            recs = [cache[k] for k in plan.keys]
            error = next((r.error for r in recs if r.error), None)
            if error:
                failed.setdefault(doc_id, error)
                continue
            plan.instance.resps, trunc = _responses(plan, recs, model)
            plan.instance.filtered_resps = {}
            truncated[doc_id] = truncated.get(doc_id, False) or trunc
    scored = [p.instance for d, ps in by_doc.items() if d not in failed for p in ps]
    raw: dict[tuple[str, str], list[Any]] = defaultdict(list)
    per_doc: dict[int, dict[tuple[str, str], Any]] = defaultdict(dict)
    if scored:
        task._instances = scored  # lm-eval's filters run over the task's instances
        task.apply_filters()
        for filter_key in scored[0].filtered_resps:
            for doc_id, doc_plans in sorted(by_doc.items()):
                if doc_id in failed:
                    continue
                resps = [p.instance.filtered_resps[filter_key] for p in doc_plans]
                for metric, value in task.process_results(doc_plans[0].instance.doc, resps).items():
                    raw[(metric, filter_key)].append(value)
                    per_doc[doc_id][(metric, filter_key)] = value
    samples = [_sample(task, ps, cache, model, task_id, run_key, per_doc.get(d, {}), failed.get(d),
                       truncated.get(d, False)) for d, ps in sorted(by_doc.items())]
    return samples, _metrics(task, raw, samples, model.id, task_id, gen_wall_s)


def _sample(task: Any, plans: list[InstancePlan], cache: dict[str, GenerationRecord], model: ModelSpec,
            task_id: str, run_key: str, values: dict[tuple[str, str], Any], error: str | None,
            truncated: bool) -> SampleRecord:
    first = plans[0].instance
    contexts = list(dict.fromkeys(str(p.instance.args[0]) for p in plans))
    prompt = contexts[0] if len(contexts) == 1 else "\n---\n".join(contexts)
    recs = [cache[k] for p in plans for k in p.keys]
    primary = next((v for v in values.values() if _numeric(v)), None)
    score = float(primary) if primary is not None else 0.0
    response, extracted, gold, logprobs = _outcome(task, plans, recs, first.doc)
    norm = next((v for (m, _), v in values.items() if m == "acc_norm" and _numeric(v)), None)
    likelihood = recs[0].kind == "loglikelihood"
    return SampleRecord(
        run_key=run_key, model=model.id, task=task_id, doc_id=str(first.doc_id), sample_idx=0,
        prompt_hash=hashlib.sha256(prompt.encode()).hexdigest()[:16], prompt=prompt, response=response,
        extracted=extracted, gold=gold, correct=score >= 1.0 and error is None, score=score if error is None else 0.0,
        truncated=truncated, ungradable=error is not None,
        finish_reason="error" if error else ("loglikelihood" if likelihood else recs[0].finish_reason),
        prompt_tokens=sum(r.prompt_tokens for r in recs) if likelihood else recs[0].prompt_tokens,
        output_tokens=recs[0].output_tokens, wall_s=max(r.wall_s for r in recs), sampling=recs[0].sampling,
        choice_logprobs=logprobs, correct_norm=None if norm is None else bool(norm >= 1.0), error=error,
    )


def _letter(index: Any) -> str:
    return LETTERS[index] if isinstance(index, int) and 0 <= index < len(LETTERS) else str(index)


def _outcome(task: Any, plans: list[InstancePlan], recs: list[GenerationRecord],
             doc: Any) -> tuple[str, str | None, str, list[float] | None]:
    """(response, extracted, gold, per-choice log-likelihoods) for the sample record."""
    kind = plans[0].kind
    if kind == "generate_until":
        first = plans[0].instance
        filtered = next(iter(first.filtered_resps.values()), None)
        return recs[0].text or "", None if filtered is None else str(filtered), str(task.doc_to_target(doc)), None
    if kind == "loglikelihood_rolling":
        return "", None, "", None
    if task.OUTPUT_TYPE != "multiple_choice":
        return str(plans[0].instance.args[1]), str(recs[0].is_greedy), str(task.doc_to_target(doc)), None
    choices = task.doc_to_choice(doc)
    logprobs = [r.logprob if r.logprob is not None else -math.inf for r in recs]
    pred = max(range(min(len(choices), len(logprobs))), key=lambda i: logprobs[i])
    gold = task.doc_to_text(doc) if getattr(task, "multiple_input", 0) else task.doc_to_target(doc)
    if isinstance(gold, str) and gold in choices:
        gold = choices.index(gold)
    return str(choices[pred]), _letter(pred), _letter(gold), logprobs


def _metrics(task: Any, raw: dict[tuple[str, str], list[Any]], samples: list[SampleRecord], model_id: str,
             task_id: str, gen_wall_s: float) -> list[MetricRecord]:
    from lm_eval.api.metrics import mean

    likelihood = bool(samples) and samples[0].finish_reason == "loglikelihood"
    tokens = sum(s.prompt_tokens if likelihood else s.output_tokens for s in samples)
    ok = [s for s in samples if s.error is None]
    out = []
    for (metric, filter_key), values in raw.items():
        aggregate = task.aggregation().get(metric, mean)
        score = aggregate(values)
        if not _numeric(score):
            continue  # not a single number (a table or a dict): nothing to rank
        if aggregate is mean and all(_numeric(v) for v in values):
            _, stderr, low, high = mean_ci([float(v) for v in values])
        else:
            stderr, low, high = bootstrap(aggregate, values)
        out.append(MetricRecord(
            model=model_id, task=task_id, metric=metric if filter_key == "none" else f"{metric},{filter_key}",
            score=float(score), stderr=stderr, ci_low=low, ci_high=high, n=len(values), n_samples=len(values),
            n_truncated=sum(s.truncated for s in ok), n_ungradable=len(samples) - len(ok),
            mean_output_tokens=sum(s.output_tokens for s in ok) / len(ok) if ok else 0.0,
            tokens_per_s=tokens / gen_wall_s if gen_wall_s > 0 else 0.0,
        ))
    return out


def bootstrap(aggregate: Callable[[list[Any]], Any], values: list[Any], seed: int = 0,
              resamples: int = BOOTSTRAP_RESAMPLES) -> tuple[float, float, float]:
    """(stderr, 2.5th and 97.5th percentile) of `aggregate` over documents resampled with a seeded RNG."""
    if len(values) < 2:
        return 0.0, float(aggregate(values)), float(aggregate(values))
    rng = random.Random(seed)
    stats = sorted(float(aggregate(rng.choices(values, k=len(values)))) for _ in range(resamples))
    mu = sum(stats) / len(stats)
    stderr = math.sqrt(sum((s - mu) ** 2 for s in stats) / (len(stats) - 1))
    return stderr, stats[int(0.025 * resamples)], stats[int(0.975 * resamples) - 1]


def metric_key(name: str) -> str:
    """A MetricRecord name back to lm-eval's `metric,filter` key."""
    return name if "," in name else f"{name},none"


def score_group(group: Any, members: dict[str, list[MetricRecord]], model_id: str, task_id: str) -> list[MetricRecord]:
    """A group's rows: lm-eval's `Group.aggregate` over its leaf tasks' rows (size-weighted or not, with
    lm-eval's pooled standard error); the interval is score ± 1.96 standard errors (kept within
    [0, 1] when every member's interval is)."""
    table: dict[str, dict[str, Any]] = {}
    for leaf, rows in members.items():
        entry: dict[str, Any] = {"sample_len": max((r.n for r in rows), default=0)}
        for r in rows:
            metric, _, filter_key = metric_key(r.metric).partition(",")
            entry[f"{metric},{filter_key}"] = r.score
            entry[f"{metric}_stderr,{filter_key}"] = r.stderr
        table[leaf] = entry
    result = group.aggregate(table)
    counts = result.get("sample_count", {})
    out = []
    for key, score in result.items():
        if "," not in key or "_stderr," in key or not _numeric(score):
            continue
        metric, _, filter_key = key.partition(",")
        stderr = result.get(f"{metric}_stderr,{filter_key}")
        stderr = float(stderr) if _numeric(stderr) else math.nan
        n = int(counts.get(key, result.get("sample_len", 0)))
        rows = [r for rs in members.values() for r in rs if metric_key(r.metric) == key]
        low, high = float(score) - Z95 * stderr, float(score) + Z95 * stderr
        if rows and all(0.0 <= r.ci_low and r.ci_high <= 1.0 for r in rows):  # a proportion stays in [0, 1]
            low, high = max(low, 0.0), min(high, 1.0)
        out.append(MetricRecord(
            model=model_id, task=task_id, metric=metric if filter_key == "none" else key, score=float(score),
            stderr=stderr, ci_low=low, ci_high=high, n=n,
            n_samples=sum(r.n_samples for r in rows), n_truncated=sum(r.n_truncated for r in rows),
            n_ungradable=sum(r.n_ungradable for r in rows),
            mean_output_tokens=sum(r.mean_output_tokens * r.n for r in rows) / max(sum(r.n for r in rows), 1),
            tokens_per_s=0.0,
        ))
    return out
