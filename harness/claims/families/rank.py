"""`rank`: the best model of a target group ranks within (or outside) the top k among others.

The target group's rank is the best rank of its members; member i's rank is 1 + the number
of its candidates scoring above it (candidates: every other model; for `pareto_active_params`
only models with no more active parameters, so the rank counts the models that dominate it).
Scores are the mean over the tasks (or each task, `per_task`), under the claim's shared draws.
Pairwise differences give one-sided p-values; Holm over a member's candidates turns them into
bounds that hold with 97.5% each (a Holm rejection is a real difference):

- lower bound (best case): 1 + the candidates significantly above the member; missing models are
  placed below it, and a missing target member could rank first;
- upper bound (worst case): 1 + every candidate not significantly below it, missing ones placed
  above; Bonferroni over the target's members.

`within_top_k` is supported when the worst case is <= k (p: the Holm-adjusted p of the last
rejection it needs, times the number of members) and refuted when the best case is > k; the
reverse for `outside_top_k`. So a rank is decided whenever the missing models cannot change the
outcome; otherwise the verdict is `not_run`. Per task, "at least N tasks" is counted with Holm
over tasks (all tasks: intersection–union), like coverage.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from harness.claims import stats
from harness.claims.aggregate import published_value_row
from harness.claims.context import Context
from harness.claims.contrast import PUBLISHED_TOLERANCE, Estimate, mean_of
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, RankTest
from harness.claims.paired import Roles
from harness.claims.published import worst_protocol
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import (
    INCONCLUSIVE,
    MEASURED,
    NOT_COVERED,
    NOT_RUN,
    PUBLISHED,
    Assessment,
    Cell,
    verdict_from_p,
)  # fmt: skip
from harness.config import Catalog


@dataclass
class RankResult:
    estimate: float | None  # best member's rank among the measured models
    low: int
    high: int
    p_support: float
    p_refute: float
    best: str | None


def rank_roles(test: RankTest, ctx: Context) -> Roles:
    target = ctx.available(resolve_models(test.target, ctx.catalog))
    others = ctx.available([m for m in resolve_models(test.among, ctx.catalog) if m not in target])
    return Roles(target, others, [t.id for t in resolve_tasks(test.tasks, ctx.catalog)])


def _candidates(ctx: Context, test: RankTest, member: str, others: list[str]) -> list[str]:
    if test.metric != "pareto_active_params":
        return others
    active = ctx.catalog.models[member].active_params_b
    return [j for j in others if ctx.catalog.models[j].active_params_b <= active]


def rank_of(ctx: Context, test: RankTest, values: dict[str, Estimate], r: Roles) -> RankResult:
    """Bounds and p-values for the target's best rank, given scores of the models that have them."""
    targets = [m for m in r.models_a if m in values]
    missing_targets = len(targets) < len(r.models_a)
    others = [m for m in r.models_b if m in values]
    lows, highs, points, p_sup, p_ref = [], [], [], [], []
    for i in targets:
        cands = _candidates(ctx, test, i, others)
        n_missing = len(_candidates(ctx, test, i, [m for m in r.models_b if m not in values]))
        diffs = [values[j] - values[i] for j in cands]
        sampled = any(d.reps is not None for d in diffs)
        above = stats.holm([_p(d, "above", sampled) for d in diffs])
        below = stats.holm([_p(d, "below", sampled) for d in diffs])
        alpha_i = stats.ALPHA / max(len(targets), 1)
        points.append(1 + sum(d.point > 0 for d in diffs))
        lows.append(1 + sum(p < stats.ALPHA for p in above))
        highs.append(1 + n_missing + len(cands) - sum(p < alpha_i for p in below))
        p_sup.append(stats.kth_smallest(below, len(cands) + n_missing - (test.k - 1)))
        p_ref.append(stats.kth_smallest(above, test.k))
    within_support = min(1.0, len(targets) * min(p_sup)) if targets else 1.0
    within_refute = max(p_ref) if targets and not missing_targets else 1.0
    low = 1 if missing_targets or not targets else min(lows)
    high = min(highs) if targets else len(r.models_b) + 1
    best = targets[int(np.argmin(points))] if targets else None
    estimate = float(min(points)) if targets else None
    if test.claim == "within_top_k":
        return RankResult(estimate, low, high, within_support, within_refute, best)
    return RankResult(estimate, low, high, within_refute, within_support, best)


def _p(d: Estimate, direction: str, sampled: bool) -> float:
    """One-sided p that a candidate is above (below) the member; published values: 0 or 1 on the point."""
    if not sampled or d.reps is None:
        beyond = d.point > PUBLISHED_TOLERANCE if direction == "above" else d.point < -PUBLISHED_TOLERANCE
        return 0.0 if beyond else 1.0
    return stats.p_above(d.point, d.reps, 0.0) if direction == "above" else stats.p_below(d.point, d.reps, 0.0)


def _scopes(test: RankTest, tasks: list[str]) -> list[tuple[str, list[str]]]:
    if test.per_task:
        return [(t, [t]) for t in tasks]
    return [(f"mean over {len(tasks)} task(s)", tasks)]


def _rank_assessment(test: RankTest, cells: list[Cell], results: list[RankResult], basis: str,
                     anything_missing: bool) -> Assessment:  # fmt: skip
    unit = METRIC_UNITS["rank"]
    if not test.per_task:
        res, cell = results[0], cells[0]
        p_support, p_refute = res.p_support, res.p_refute
        headline, estimate, low, high = f"rank of the best target on the {cell.label}", res.estimate, res.low, res.high
        among = "models with a published value" if basis == PUBLISHED else "measured models"
        reason = f"{res.best} ranks {res.estimate:.0f} among the {among}" if res.best else "no target measured"
    else:
        need = len(cells) if test.min_tasks == "all" else int(test.min_tasks)
        p_support, p_refute = stats.at_least_n([r.p_support for r in results], [r.p_refute for r in results], need)
        unit = METRIC_UNITS["tasks"]
        holds = sum(r.high <= test.k if test.claim == "within_top_k" else r.low > test.k for r in results)
        fails = sum(r.low > test.k if test.claim == "within_top_k" else r.high <= test.k for r in results)
        within = test.claim == "within_top_k"
        headline = f"tasks where the target ranks {'within' if within else 'outside'} top {test.k}"
        at_point = [r.estimate is not None and (r.estimate <= test.k) == within for r in results]
        estimate = float(sum(at_point))
        low, high = holds, len(results) - fails
        reason = f"need {need} of {len(results)} tasks"
    verdict = verdict_from_p(p_support, p_refute)
    if verdict == INCONCLUSIVE and anything_missing:
        verdict = NOT_RUN if basis != PUBLISHED else NOT_COVERED
    if verdict == NOT_RUN:
        estimate = None
    bounds: tuple[float | None, float | None] = (float(low), float(high))
    if basis == PUBLISHED:
        reason += f"; with unpublished models placed below and above, between {low} and {high}"
    return Assessment(basis, verdict, reason, headline, estimate, *bounds, p_support, p_refute, unit,
                      sum(c.n_items for c in cells), cells)  # fmt: skip


def assess_rank(test: RankTest, ctx: Context, sample: ClaimSample) -> Assessment:
    r = rank_roles(test, ctx)
    metric = "correct_per_1k_tokens" if test.metric == "correct_per_1k_tokens" else "accuracy"
    everyone = r.models_a + r.models_b
    for t in r.tasks:
        sample.need((t,), everyone)
    cells, results, too_few = [], [], False
    for label, tasks in _scopes(test, r.tasks):
        present = [m for m in everyone if all(sample.has((t,), [m]) for t in tasks)]
        per_task = [sample.estimates((t,), metric) for t in tasks]
        values = {m: mean_of([e[m][t] for e, t in zip(per_task, tasks, strict=True)]) for m in present}
        res = rank_of(ctx, test, values, r)
        n = min(sample.n_items((t,)) for t in tasks)
        too_few |= n < ctx.n_min
        if n < ctx.n_min:
            res.p_support = res.p_refute = 1.0
        status = "ok" if len(present) == len(everyone) else "missing"
        cell = Cell(label, tasks, status, sum(sample.n_items((t,)) for t in tasks),
                    res.estimate, float(res.low), float(res.high), res.p_support, res.p_refute, models_a=r.models_a,
                    models_b=r.models_b, best_a=res.best)  # fmt: skip
        cell.missing_runs = sorted((m, t) for m in everyone for t in tasks if (m, t) in sample.missing)
        cells.append(cell)
        results.append(res)
    out = _rank_assessment(test, cells, results, MEASURED, bool(sample.missing))
    if too_few and out.verdict in (INCONCLUSIVE, NOT_RUN):
        out.reason += f"; fewer than {ctx.n_min} common items on a task"
    return out


def published_rank(test: RankTest, ctx: Context) -> Assessment | None:
    """The same rank test on published values (tasks one by one, or models with a value on every task).

    Models without a published value are placed best and worst, as missing runs are; a scope where
    no target member has a value is not covered. None when no scope is covered."""
    if test.metric == "correct_per_1k_tokens":
        return None
    r = rank_roles(test, ctx)
    cells, results, anything_missing = [], [], False
    for label, tasks in _scopes(test, r.tasks):
        found = {m: [ctx.published(m, t) for t in tasks] for m in r.models_a + r.models_b}
        values = {}
        for m, vs in found.items():
            ests = [ctx.estimate(v) for v in vs if v is not None]
            if len(ests) == len(vs) and all(e is not None for e in ests):
                values[m] = mean_of([e for e in ests if e is not None])
        anything_missing |= len(values) < len(found)
        cell = Cell(label, tasks, models_a=r.models_a, models_b=r.models_b)
        cells.append(cell)
        if not any(m in values for m in r.models_a):
            cell.status = "not_covered"
            results.append(RankResult(None, 1, len(r.models_b) + 1, 1.0, 1.0, None))
            continue
        res = rank_of(ctx, test, values, r)
        cell.estimate, cell.best_a = res.estimate, res.best
        cell.note = f"rank between {res.low} and {res.high} with unpublished models placed below and above"
        cell.published = {f"{m} @ {label}": v.point for m, v in values.items()}
        used = [v for m in values for v in found[m] if v is not None]
        cell.values = [published_value_row("A" if v.model in r.models_a else "B", v) for v in used]
        cell.protocol_match = worst_protocol([v.protocol_match for v in used])
        cell.p_support, cell.p_refute = res.p_support, res.p_refute
        cell.n_items = min((v.n or 0 for v in used), default=0)
        results.append(res)
    if all(c.status == "not_covered" for c in cells):
        return None
    out = _rank_assessment(test, cells, results, PUBLISHED, anything_missing)
    out.protocol_match = worst_protocol([c.protocol_match for c in cells if c.protocol_match])
    n_models = len(r.models_a) + len(r.models_b)
    out.coverage = "; ".join(f"{c.label}: {len(c.published)} of {n_models} models published" for c in cells)
    return out


class Rank(Family[RankTest]):
    type = "rank"

    def describe(self, test: RankTest) -> str:
        scope = f"per task, at least {test.min_tasks} task(s)" if test.per_task else "on the mean over tasks"
        return (f"rank on {test.metric}: [{selector(test.target)}] {test.claim.replace('_', ' ')} (k = {test.k}) "
                f"among [{selector(test.among)}] {scope} of [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: RankTest) -> dict[str, ModelSelector]:
        return {"target": test.target, "among": test.among}

    def rule_problems(self, test: RankTest, catalog: Catalog, problems: list[str]) -> list[str]:
        if test.min_tasks != "all" and int(test.min_tasks) < 1:
            return ["rank: min_tasks must be at least 1 (or all)"]
        return []

    def roles(self, test: RankTest, ctx: Context) -> Roles:
        return rank_roles(test, ctx)

    def measured(self, test: RankTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_rank(test, ctx, sample)

    def published(self, test: RankTest, ctx: Context) -> Assessment | None:
        return published_rank(test, ctx)
