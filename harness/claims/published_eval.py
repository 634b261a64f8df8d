"""Published-only assessments of paired claims: the same test and margins on published values.

Every model of a cell is replaced by its published score on the cell's task (or the task group's
published average, e.g. MGSM; the best-matching protocol row first). A cell is covered when each
`mean` side has a value for every model and each best-of side for at least one (the best
published value counts; the cell lists how many members had one). Published values state no
sampling error, so there is no interval and no p-value: a covered cell is decided on its point
difference (`harness.claims.contrast`: a tie within the rounding of published scores decides
nothing). `mean` averages the covered cells and says how many of the claim's cells that is;
`any`/`all` use the covered cells and are `not_covered` while an uncovered cell could still
decide. The least matching protocol flag of the values used is carried to the assessment.

Correct answers per 1k tokens and reproduction gaps have no published form (None).
"""

from __future__ import annotations

import numpy as np

from harness.claims.context import Context
from harness.claims.contrast import Contrast, Estimate
from harness.claims.evidence import task_chance
from harness.claims.ledger import CompareTest, EfficiencyTest, GainTest, ReferenceTest
from harness.claims.paired import Roles, roles
from harness.claims.published import Published, worst_protocol
from harness.claims.reference import lookup, published_units, reference_roles
from harness.claims.sample import METRIC_UNITS
from harness.claims.verdicts import PUBLISHED, REFUTED, SUPPORTED, Assessment, Cell, decide_published

PairedTest = CompareTest | GainTest | EfficiencyTest | ReferenceTest


def _transform(ctx: Context, test: PairedTest, model: str, label: str, v: Published) -> float:
    """Published accuracy in the test's metric (points above chance per active B for efficiency)."""
    if not isinstance(test, EfficiencyTest):
        return v.score
    task = ctx.catalog.tasks.get(label) or ctx.catalog.tasks[ctx.catalog.groups()[label][0]]
    return (v.score - 100.0 * task_chance(task)) / ctx.catalog.models[model].active_params_b


def _side(ctx: Context, test: PairedTest, models: list[str], label: str, best: bool,
          cell: Cell) -> tuple[float | None, list[Published]]:  # fmt: skip
    value = lookup(ctx, *((test.setting, test.protocol_match_only) if isinstance(test, ReferenceTest) else ()))
    found = [(m, v) for m in models if (v := value(m, label)) is not None]
    if not found or (not best and len(found) < len(models)):
        return None, []
    scores = [_transform(ctx, test, m, label, v) for m, v in found]
    if best and len(models) > 1 and len(found) < len(models):
        cell.note = f"best of the {len(found)} of {len(models)} models with a published value"
    return float(max(scores) if best else np.mean(scores)), [v for _, v in found]


Plan = list[tuple[str, list[str], list[str], list[str]]]


def _plan(test: PairedTest, ctx: Context) -> tuple[Roles, Plan, bool, bool]:
    """(roles, cells as (label, tasks, side A models, side B models), best A, best B)."""
    if isinstance(test, ReferenceTest):
        r = reference_roles(test, ctx)
    else:
        r = roles(test, ctx)
    value = lookup(ctx)
    everyone = r.models_a + r.models_b
    units = published_units(ctx, r.tasks, lambda label: any(value(m, label) for m in everyone))
    if isinstance(test, GainTest) or (isinstance(test, CompareTest) and test.pairs):
        pairs = list(zip(r.models_a, r.models_b, strict=True))
        plan = [(f"{a} vs {b} @ {label}", tasks, [a], [b]) for label, tasks in units for a, b in pairs]
        return r, plan, False, False
    assert not isinstance(test, GainTest) and test.a is not None and test.b is not None
    plan = [(label, tasks, r.models_a, r.models_b) for label, tasks in units]
    return r, plan, test.a.aggregate == "best", test.b.aggregate == "best"


def published_paired(test: PairedTest, ctx: Context) -> Assessment | None:
    """The claim's test on published values; None when no cell has them (or the metric has no published form)."""
    if isinstance(test, EfficiencyTest) and test.metric == "correct_per_1k_tokens":
        return None
    r, plan, best_a, best_b = _plan(test, ctx)
    cells: list[Cell] = []
    diffs: list[float] = []
    used: list[Published] = []
    for label, tasks, side_a, side_b in plan:
        cell = Cell(label, tasks, models_a=side_a, models_b=side_b)
        cells.append(cell)
        unit_label = label.rsplit(" @ ", 1)[-1]
        a, a_values = _side(ctx, test, side_a, unit_label, best_a, cell)
        b, b_values = _side(ctx, test, side_b, unit_label, best_b, cell)
        if a is None or b is None:
            cell.status = "not_covered"
            continue
        cell.published = {f"{v.model} @ {v.task}": v.score for v in (*a_values, *b_values)}
        cell.protocol_match = worst_protocol([v.protocol_match for v in (*a_values, *b_values)])
        out = Contrast((("A", Estimate(a)),), (("B", Estimate(b)),)).test(test.relation, test.margin)
        cell.estimate, cell.point_decision = out.estimate, out.point_decision
        diffs.append(out.estimate)
        used.extend((*a_values, *b_values))
    if not diffs:
        return None
    unit = METRIC_UNITS[test.metric if isinstance(test, EfficiencyTest) else "accuracy"]
    coverage = f"{len(diffs)} of {len(cells)} cells have published values"
    protocol = worst_protocol([v.protocol_match for v in used])
    if test.quantifier == "mean":
        mean = float(np.mean(diffs))
        decision = Contrast((("A", Estimate(mean)),), (("B", Estimate(0.0)),)).test(test.relation, test.margin)
        verdict = {"support": SUPPORTED, "refute": REFUTED}.get(decision.point_decision or "", "inconclusive")
        headline = f"mean over the {len(diffs)} cell(s) with published values"
        return Assessment(PUBLISHED, verdict, coverage, headline, mean, unit=unit, cells=cells,
                          protocol_match=protocol, coverage=coverage)  # fmt: skip
    verdict = decide_published(cells, test.quantifier)
    deciding = [c for c in cells if c.status == "ok" and c.point_decision == ("support" if verdict == SUPPORTED
                                                                                else "refute")]  # fmt: skip
    head = deciding[0] if deciding else next(c for c in cells if c.status == "ok")
    return Assessment(PUBLISHED, verdict, coverage, head.label, head.estimate, unit=unit, cells=cells,
                      protocol_match=protocol, coverage=coverage)  # fmt: skip
