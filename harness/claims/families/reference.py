"""`reference`: scores against published values (`configs/references.csv`).

Measured side A against published side B (`configs/references.csv`). A published value is a constant
(no stated sampling error), so the interval reflects only the measured side. Tasks without a
published B value are left out (running more cannot add one). A task group published only as one
average (MGSM) is one cell, its measured side the mean over its languages. With side A published
too, nothing is measured: the claim has a published assessment only.
"""

from __future__ import annotations

from harness.claims.against_published import (
    decide,
    lookup,
    missing_runs,
    note_values,
    published_side,
    published_units,
    unit_estimates,
)  # fmt: skip
from harness.claims.aggregate import PROTOCOL_TOLERANCE
from harness.claims.context import Context, fill, measured_rows, members
from harness.claims.contrast import Contrast, mean_of
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, ReferenceTest
from harness.claims.paired import Roles, group_roles
from harness.claims.picks import pick_best
from harness.claims.published_eval import group_layout, published_paired
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.verdicts import INCONCLUSIVE, MIXED, Assessment, Cell, protocol_weakened


def reference_roles(test: ReferenceTest, ctx: Context) -> Roles:
    return group_roles(test.a, test.b, test.tasks, ctx)


def assess_reference(test: ReferenceTest, ctx: Context, sample: ClaimSample) -> Assessment | None:
    """Measured A vs published B; None when A is published too (nothing to measure)."""
    if test.a.source == "published":
        return None
    r, value = reference_roles(test, ctx), lookup(ctx, test.setting, test.protocol_match_only)
    units = published_units(ctx, r.tasks, lambda label: any(value(m, label) for m in r.models_b))
    b_best, a_best = test.b.aggregate == "best", test.a.aggregate == "best"
    picks, why = {}, ""
    if b_best and len(r.models_b) > 1:  # one member stands for the best of B in every cell
        pick, why = pick_best(r.models_b, [label for label, _ in units],
                              lambda m, label: None if (v := value(m, label)) is None else v.score)
        if pick is not None:
            picks["B"] = pick
            r = Roles(r.models_a, [pick], r.tasks)
    planned = []
    for label, tasks in units:
        b_values = [value(m, label) for m in r.models_b]
        constant = published_side(ctx, b_values, b_best)
        if constant is not None:
            planned.append((label, tasks, b_values, constant))
            for t in tasks:
                sample.need((t,), r.models_a)
    if not planned:
        return Assessment(MIXED, INCONCLUSIVE, "no published value for side B on the selected tasks",
                          unit=METRIC_UNITS["accuracy"])  # fmt: skip
    cells, a_parts, b_parts = [], [], []
    b_name = r.models_b[0] if len(r.models_b) == 1 else ("best published of B" if b_best else "mean published of B")
    for label, tasks, b_values, constant in planned:
        cell = Cell(label, tasks, models_a=r.models_a, models_b=r.models_b)
        note_values(cell, b_values)
        cells.append(cell)
        if not all(sample.has((t,), r.models_a) for t in tasks):
            cell.status, cell.missing_runs = "missing", missing_runs(sample, r.models_a, tasks)
            continue
        est = unit_estimates(ctx, sample, r.models_a, tasks)
        a_parts.append(est)
        b_parts.append(constant)
        cell.n_items = sum(sample.n_items((t,)) for t in tasks)
        cell.values += measured_rows(ctx, "A", {m: est[m] for m in r.models_a}, tasks, cell.n_items)
        fill(cell, Contrast(members(est, r.models_a, a_best, "mean of A"), ((b_name, constant),)),
             test.relation, test.margin, ctx.n_min)  # fmt: skip
    headline = None
    if len(a_parts) == len(cells):
        macro = {m: mean_of([e[m] for e in a_parts]) for m in r.models_a}
        b_mean = mean_of(b_parts)
        headline = Contrast(members(macro, r.models_a, a_best, "mean of A"), ((b_name, b_mean),))
    label = f"mean over {len(cells)} task(s) with a published value"
    out = decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MIXED,
                  METRIC_UNITS["accuracy"])  # fmt: skip
    out.picks = picks
    if why:
        out.reason += f"; best of B: {why}"
    protocol_weakened(out, test.relation, test.margin, PROTOCOL_TOLERANCE)
    return out


class Reference(Family[ReferenceTest]):
    type = "reference"
    published_sides = True

    def describe(self, test: ReferenceTest) -> str:
        return (f"reference: A [{selector(test.a)}] {test.relation} B [{selector(test.b)}], "
                f"margin {test.margin:g}, {test.quantifier} over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: ReferenceTest) -> dict[str, ModelSelector]:
        return {"a": test.a, "b": test.b}

    def roles(self, test: ReferenceTest, ctx: Context) -> Roles:
        return reference_roles(test, ctx)

    def measured(self, test: ReferenceTest, ctx: Context, sample: ClaimSample) -> Assessment | None:
        return assess_reference(test, ctx, sample)

    def published(self, test: ReferenceTest, ctx: Context) -> Assessment | None:
        layout = group_layout(self.roles(test, ctx), test.a, test.b, setting=test.setting,
                              protocol_match_only=test.protocol_match_only, b_published=True)  # fmt: skip
        return published_paired(test, ctx, layout)
