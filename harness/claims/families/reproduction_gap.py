"""`reproduction_gap`: does one model fall short of its own published scores by more than the
baseline models fall short of theirs? Measured only (it needs the harness's runs).

Per task, (measured − published) of one model minus the mean (measured − published) of the
baseline models with a published value there. Protocols differ between publishers and the
harness, so every model has some gap; only a gap beyond the usual one says something.
"""

from __future__ import annotations

from harness.claims.against_published import (
    decide,
    lookup,
    missing_runs,
    note_values,
    published_units,
    unit_estimates,
)  # fmt: skip
from harness.claims.context import Context, fill
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, ReproductionGapTest
from harness.claims.paired import Roles
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import INCONCLUSIVE, MIXED, Assessment, Cell
from harness.config import Catalog


def gap_roles(test: ReproductionGapTest, ctx: Context) -> Roles:
    (target,) = resolve_models(test.model, ctx.catalog)
    baseline = ctx.available([m for m in resolve_models(test.baseline, ctx.catalog) if m != target])
    return Roles([target], baseline, [t.id for t in resolve_tasks(test.tasks, ctx.catalog)])


def assess_gap(test: ReproductionGapTest, ctx: Context, sample: ClaimSample) -> Assessment:
    r, value = gap_roles(test, ctx), lookup(ctx, None, test.protocol_match_only)
    (target,) = r.models_a
    planned = []
    for label, tasks in published_units(ctx, r.tasks, lambda lab: value(target, lab) is not None):
        own = value(target, label)
        base = [(m, v) for m in r.models_b if (v := value(m, label)) is not None]
        if own is not None and base:
            planned.append((label, tasks, own, base))
            for t in tasks:
                sample.need((t,), [target, *(m for m, _ in base)])
    if not planned:
        return Assessment(MIXED, INCONCLUSIVE, "no task has published values for the model and a baseline",
                          unit=METRIC_UNITS["accuracy"])  # fmt: skip
    cells, target_gaps, base_gaps = [], [], []
    for label, tasks, own, base in planned:
        models = [target, *(m for m, _ in base)]
        cell = Cell(label, tasks, models_a=[target], models_b=[m for m, _ in base])
        note_values(cell, [own, *(v for _, v in base)])
        cells.append(cell)
        if not all(sample.has((t,), models) for t in tasks):
            cell.status, cell.missing_runs = "missing", missing_runs(sample, models, tasks)
            continue
        est = unit_estimates(ctx, sample, models, tasks)
        gap_t = est[target] - (ctx.estimate(own) or Estimate(own.score))
        gap_b = mean_of([est[m] - (ctx.estimate(v) or Estimate(v.score)) for m, v in base])
        target_gaps.append(gap_t)
        base_gaps.append(gap_b)
        cell.n_items = sum(sample.n_items((t,)) for t in tasks)
        fill(cell, Contrast(((f"{target} gap", gap_t),), (("baseline gap", gap_b),)), test.relation, test.margin,
             ctx.n_min)  # fmt: skip
    headline = None
    if len(target_gaps) == len(cells):
        headline = Contrast(((f"{target} gap", mean_of(target_gaps)),), (("baseline gap", mean_of(base_gaps)),))
    label = f"mean over {len(cells)} task(s): gap of {target} minus the usual gap"
    return decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MIXED,
                   "points (measured − published, beyond the baseline's)")  # fmt: skip


class ReproductionGap(Family[ReproductionGapTest]):
    type = "reproduction_gap"

    def describe(self, test: ReproductionGapTest) -> str:
        return (f"reproduction gap of [{selector(test.model)}] (measured − published) minus that of "
                f"[{selector(test.baseline)}], {test.relation} margin {test.margin:g}, "
                f"{test.quantifier} over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: ReproductionGapTest) -> dict[str, ModelSelector]:
        return {"model": test.model, "baseline": test.baseline}

    def rule_problems(self, test: ReproductionGapTest, catalog: Catalog, problems: list[str]) -> list[str]:
        if not problems and len(resolve_models(test.model, catalog)) != 1:
            return [f"{self.type}: the model selector must name exactly one model"]
        return []

    def roles(self, test: ReproductionGapTest, ctx: Context) -> Roles:
        return gap_roles(test, ctx)

    def measured(self, test: ReproductionGapTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_gap(test, ctx, sample)
