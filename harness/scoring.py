"""Generations → graded SampleRecords → MetricRecords. Pure CPU work: re-grading needs no GPU."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from dataclasses import dataclass

from harness.records import GenerationRecord, MetricRecord, SampleRecord
from harness.specs import ModelSpec, TaskSpec
from harness.tasks.base import Doc, Prompt

LETTERS = "ABCDEFGHIJ"
TRUNCATION_WARN_FRACTION = 0.03


@dataclass(frozen=True)
class PlannedItem:
    """One item × sample of a run: the doc, its prompt text and the request keys behind it."""

    doc: Doc
    sample_idx: int
    prompt: Prompt
    prompt_text: str
    prompt_hash: str
    keys: tuple[str, ...]  # one generation key, or one per choice (log-likelihood)


def grade_item(
    item: PlannedItem,
    gens: list[GenerationRecord],
    model: ModelSpec,
    task: TaskSpec,
    run_key: str,
) -> SampleRecord:
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
    if task.answer_type == "likelihood_choice":
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
        task.answer_type, response, item.doc.gold, language=task.language,
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


def item_means(samples: list[SampleRecord]) -> list[float]:
    """Per-item score averaged over its k samples (k samples of one item form a cluster)."""
    by_doc: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        by_doc[s.doc_id].append(s.score)
    return [sum(v) / len(v) for v in by_doc.values()]


def mean_ci(values: list[float], seed: int = 0, n_boot: int = 2000) -> tuple[float, float, float, float]:
    """Mean, clustered standard error, and a seeded percentile-bootstrap 95% interval."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = sum(values) / n
    if n == 1:
        return mean, 0.0, mean, mean
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    stderr = math.sqrt(var / n)
    rng = random.Random(seed)
    boots = sorted(sum(rng.choices(values, k=n)) / n for _ in range(n_boot))
    return mean, stderr, boots[int(0.025 * n_boot)], boots[int(0.975 * n_boot) - 1]


def metrics_for(
    model: ModelSpec, task: TaskSpec, samples: list[SampleRecord], gen_wall_s: float
) -> list[MetricRecord]:
    """Accuracy (pass@1 averaged over k samples), with clustered stderr and a bootstrap CI.

    Log-likelihood tasks report `acc` and `acc_norm` (per-character normalised), as lm-eval does.
    `tokens_per_s` is generated tokens per engine second (log-likelihood tasks: scored tokens).
    """
    likelihood = task.answer_type == "likelihood_choice"
    out_tokens = [s.output_tokens for s in samples]
    tokens = sum(s.prompt_tokens for s in samples) if likelihood else sum(out_tokens)
    variants: list[tuple[str, list[SampleRecord]]] = [("acc" if likelihood else "accuracy", samples)]
    if likelihood:
        normed = [s.model_copy(update={"score": float(bool(s.correct_norm))}) for s in samples]
        variants.append(("acc_norm", normed))
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
