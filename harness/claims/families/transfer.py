"""`transfer`: non-English performance as a share of English on parallel items. Measured only.

Per parallel group (items joined on doc_id across languages and resampled together), each model's
mean over languages of accuracy / accuracy in the reference language, in percent; A − B.
"""

from __future__ import annotations

import numpy as np

from harness.claims.against_published import decide, missing_runs
from harness.claims.context import Context, Members, fill, members
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, TransferTest
from harness.claims.paired import Roles, group_roles
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.verdicts import INCONCLUSIVE, MEASURED, Assessment, Cell


def transfer_roles(test: TransferTest, ctx: Context) -> Roles:
    return group_roles(test.a, test.b, test.tasks, ctx)


def parallel_groups(test: TransferTest, ctx: Context, tasks: list[str]) -> list[tuple[str, str, tuple[str, ...]]]:
    """(group, reference task, unit of every selected task of the group) for groups with a reference task."""
    out = []
    by_group: dict[str, list[str]] = {}
    for t in tasks:
        by_group.setdefault(ctx.catalog.tasks[t].group or t, []).append(t)
    for group, members_ in by_group.items():
        ref = [t for t in members_ if ctx.catalog.tasks[t].language == test.reference_language]
        if ref and len(members_) > 1:
            out.append((group, ref[0], tuple(sorted(members_))))
    return out


def _ratio(est: dict[str, Estimate], ref: str, unit: tuple[str, ...]) -> Estimate:
    others = [t for t in unit if t != ref]
    with np.errstate(invalid="ignore", divide="ignore"):
        point = float(np.mean([est[t].point / est[ref].point for t in others]) * 100)
        reps = np.mean([est[t].reps / est[ref].reps for t in others], axis=0) * 100  # type: ignore[operator]
    return Estimate(point, reps)


def assess_transfer(test: TransferTest, ctx: Context, sample: ClaimSample) -> Assessment:
    r = transfer_roles(test, ctx)
    groups = parallel_groups(test, ctx, r.tasks)
    if not groups:
        return Assessment(MEASURED, INCONCLUSIVE, f"no selected group has a '{test.reference_language}' task and "
                          "another language", unit=METRIC_UNITS["ratio"])  # fmt: skip
    for _, _, unit in groups:
        sample.need(unit, r.models_a + r.models_b)
    cells, ratios = [], []
    a_best, b_best = test.a.aggregate == "best", test.b.aggregate == "best"
    for group, ref, unit in groups:
        cell = Cell(f"{group} (share of {test.reference_language})", list(unit), models_a=r.models_a,
                    models_b=r.models_b)  # fmt: skip
        cells.append(cell)
        if not sample.has(unit, r.models_a + r.models_b):
            cell.status, cell.missing_runs = "missing", missing_runs(sample, r.models_a + r.models_b, list(unit))
            continue
        est = sample.estimates(unit, "accuracy")
        ratio = {m: _ratio(est[m], ref, unit) for m in r.models_a + r.models_b}
        ratios.append(ratio)
        cell.n_items = sample.n_items(unit)
        fill(cell, Contrast(members(ratio, r.models_a, a_best, "mean of A"), members(ratio, r.models_b, b_best,
                                                                                       "mean of B")),
             test.relation, test.margin, ctx.n_min)  # fmt: skip
    headline: Contrast | None = None
    if len(ratios) == len(cells):
        macro = {m: mean_of([x[m] for x in ratios]) for m in r.models_a + r.models_b}
        side_a: Members = members(macro, r.models_a, a_best, "mean of A")
        headline = Contrast(side_a, members(macro, r.models_b, b_best, "mean of B"))
    label = f"mean over {len(cells)} parallel group(s)"
    return decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MEASURED,
                   "percentage points of the non-English/English ratio")  # fmt: skip


class Transfer(Family[TransferTest]):
    type = "transfer"

    def describe(self, test: TransferTest) -> str:
        return (f"transfer on the share of {test.reference_language} accuracy: A [{selector(test.a)}] "
                f"{test.relation} B [{selector(test.b)}], margin {test.margin:g}, {test.quantifier} over "
                f"[{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: TransferTest) -> dict[str, ModelSelector]:
        return {"a": test.a, "b": test.b}

    def roles(self, test: TransferTest, ctx: Context) -> Roles:
        return transfer_roles(test, ctx)

    def measured(self, test: TransferTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_transfer(test, ctx, sample)
