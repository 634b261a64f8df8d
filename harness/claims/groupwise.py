"""Tests over many models or languages at once.

- rank: per task, items common to every ranked model; a model's score is the macro mean over
  tasks. The target group's rank is 1 + the number of non-target models scoring above its best
  member, recomputed on each bootstrap replicate (items resampled within each task, the same
  draw for every model). within_top_k is supported when the 97.5th percentile of the rank is
  <= k and refuted when the 2.5th percentile is > k (outside_top_k: the reverse). p_value is
  2 × the bootstrap share of replicates contradicting the claim. Missing competitors can only
  push the target down, so a rank already outside the top k stands; otherwise `not_run`.
- coverage: per language (items of every selected task in that language pooled), the mean of
  (item score − chance) in points is tested against the margin with a one-sided bootstrap
  test. With `min_languages: all`, each language must pass at alpha (intersection-union);
  with a count N, passes are counted after Holm over all languages. Supported when N pass;
  refuted when even counting every undecided or missing language as a pass stays below N;
  inconclusive when the selection has fewer than N languages at all.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.claims import stats
from harness.claims.context import Context
from harness.claims.evidence import task_chance
from harness.claims.ledger import CoverageTest, RankTest
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import INCONCLUSIVE, NOT_RUN, REFUTED, SUPPORTED, Cell, Verdict
from harness.specs import TaskSpec


def evaluate_rank(ctx: Context, test: RankTest, v: Verdict) -> None:
    target = resolve_models(test.target, ctx.catalog)
    others = [m for m in resolve_models(test.among, ctx.catalog) if m not in target]
    tasks = [t.id for t in resolve_tasks(test.tasks, ctx.catalog)]
    v.models_a, v.models_b, v.tasks, v.unit = target, others, tasks, "rank"
    have = {m: [ctx.need([m], t) for t in tasks] for m in target + others}
    models = [m for m in target + others if all(have[m])]
    if not all(m in models for m in target):
        v.verdict, v.reason = NOT_RUN, "target model runs missing"
        return
    per_task, n_per_task = [], []
    for t in tasks:
        side, n = ctx.side(models, [t], test.metric, "mean")
        n_per_task.append(n)
        per_task.append(stats.bootstrap(ctx.rng, max(n, 1), side.per_model, ctx.n_boot))
    v.n_items = sum(n_per_task)
    point = np.mean([p for p, _ in per_task], axis=0)
    reps = np.mean([r for _, r in per_task], axis=0)
    n_t = len(target)
    ranks = 1 + (reps[:, n_t:] > reps[:, :n_t].max(axis=1, keepdims=True)).sum(axis=1)
    v.estimate = float(1 + (point[n_t:] > point[:n_t].max()).sum())
    v.ci_low, v.ci_high = (float(q) for q in np.quantile(ranks, [0.025, 0.975], method="inverted_cdf"))
    inside = ranks <= test.k
    contradicting = np.mean(~inside) if test.claim == "within_top_k" else np.mean(inside)
    v.p_value = float(min(1.0, 2 * contradicting))
    best = models[int(np.argmax(point[:n_t]))]
    v.reason = f"{best} ranks {v.estimate:.0f} of {len(models)} measured models (k = {test.k})"
    outside, within = v.ci_low > test.k, v.ci_high <= test.k
    if min(n_per_task, default=0) < ctx.n_min:
        v.verdict, v.reason = INCONCLUSIVE, v.reason + f"; fewer than {ctx.n_min} common items on a task"
    elif outside:  # stands even with competitors missing: they can only lower the rank
        v.verdict = REFUTED if test.claim == "within_top_k" else SUPPORTED
    elif len(models) < len(target) + len(others):
        v.verdict = NOT_RUN
    elif within:
        v.verdict = SUPPORTED if test.claim == "within_top_k" else REFUTED
    else:
        v.verdict = INCONCLUSIVE


def _weighted_mean(x: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    return lambda w: (w @ x) / w.sum(axis=1)


def evaluate_coverage(ctx: Context, test: CoverageTest, v: Verdict) -> None:
    (model,) = resolve_models(test.model, ctx.catalog)
    specs = resolve_tasks(test.tasks, ctx.catalog)
    v.models_a, v.tasks, v.unit = [model], [t.id for t in specs], "languages"
    by_lang: dict[str, list[TaskSpec]] = {}
    for t in specs:
        by_lang.setdefault(t.language, []).append(t)
    total = len(by_lang)
    need = total if test.min_languages == "all" else test.min_languages
    p_pass, p_fail = [], []
    for lang, lang_tasks in sorted(by_lang.items()):
        cell = Cell(lang, ",".join(t.id for t in lang_tasks))
        if not all(ctx.need([model], t.id) for t in lang_tasks):
            cell.status = "missing"
        else:
            excess = []
            for t in lang_tasks:
                it = ctx.evidence.items(model, t.id)
                excess.append(it.score - np.where(np.isnan(it.chance), task_chance(t), it.chance))
            x = np.concatenate(excess) * 100.0
            cell.n_items = x.size
            point, reps = stats.bootstrap(ctx.rng, max(x.size, 1), _weighted_mean(x), ctx.n_boot)
            cell.fill(float(point), reps, "greater", test.margin, ctx.n_min)
        v.cells.append(cell)
        p_pass.append(cell.p_support if cell.status == "ok" else 1.0)
        p_fail.append(cell.p_refute if cell.status == "ok" else 1.0)
    if need < total:
        p_pass, p_fail = stats.holm(p_pass), stats.holm(p_fail)
    for cell, p in zip(v.cells, p_pass, strict=True):
        cell.p_adjusted = p
    passed = sum(p < stats.ALPHA for p in p_pass)
    failed = sum(p < stats.ALPHA for p in p_fail)
    v.estimate, v.n_items = float(passed), sum(c.n_items for c in v.cells)
    v.reason = (f"{passed} of {total} languages above chance + {test.margin:g} points "
                f"({failed} clearly not); need {need}")  # fmt: skip
    if total < need:
        v.verdict, v.reason = INCONCLUSIVE, v.reason + "; the selection has too few languages"
    elif passed >= need:
        v.verdict = SUPPORTED
    elif total - failed < need:
        v.verdict = REFUTED
    elif any(c.status == "missing" for c in v.cells):
        v.verdict = NOT_RUN
    else:
        v.verdict = INCONCLUSIVE
