"""Published assessments of paired claims: the same test, margins and wording on published values.

Every model of a cell is replaced by its published value on the cell's task (or the task group's
published average, e.g. MGSM), taken as aggregate evidence (`harness.claims.aggregate`: a score
over n items, an independent binomial interval per side). The values of one cell come from one
source table where it prints them all (`harness.claims.published.cell_values`). The cell is then
tested exactly like a measured one (`harness.claims.context.fill`): interval, p-values, and a
verdict that is inconclusive when the interval crosses the margin. Each paired family (compare,
gain, efficiency, reference) says how its cells are laid out (`Layout`: model pairs or whole
sides, best-of sides, the metric and its transform, the setting and protocol filter).

- **Best of a group is one member** (`harness.claims.picks`): the member of a best-of side that
  stands for it in every cell is the one with the best mean over the tasks it covers, among the
  members covering the most of the claim's tasks. The pick is shown (`Assessment.picks`, the cells).
  With both sides best-of, B is picked first and A on the tasks where B's pick has values.
- **Coverage floor** (`mean`): decided only when at least COVERAGE_FLOOR of the cells, and at least
  one cell of every task family the claim names (each id, group and suite of its task selector),
  have values; else `not_covered`, naming what is missing. `any`/`all` are `not_covered` while an
  uncovered cell could still decide.
- **Protocol**: a verdict resting on a `no` protocol match is inconclusive when its estimate is
  within PROTOCOL_TOLERANCE points of the bound (`harness.claims.verdicts.protocol_weakened`).

Correct answers per 1k tokens, reproduction gaps, transfer and coverage have no published form
(their families return None).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.claims.against_published import published_units
from harness.claims.aggregate import PROTOCOL_TOLERANCE, published_value_row
from harness.claims.context import Context, fill
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.ledger import ModelSelector, Paired, TaskSelector
from harness.claims.paired import Roles
from harness.claims.picks import pick_best
from harness.claims.published import worst_protocol
from harness.claims.sample import METRIC_UNITS
from harness.claims.verdicts import (
    NOT_COVERED,
    NOT_RUN,
    PUBLISHED,
    Assessment,
    Cell,
    decide_all,
    decide_any,
    protocol_weakened,
    verdict_from_p,
)  # fmt: skip

COVERAGE_FLOOR = 0.5  # share of a mean claim's cells that must have published values
ZERO = (("0", Estimate(0.0)),)
Transform = Callable[[Context, str, str, Estimate], Estimate]


@dataclass(frozen=True)
class Layout:
    """How a paired family lays out its published cells (the family builds it from its test)."""

    roles: Roles
    pairs: bool = False  # one cell per (a, b) pair × task, else one per task with the whole sides
    best_a: bool = False  # a best-of side of more than one model
    best_b: bool = False
    metric: str = "accuracy"
    setting: str | None = None  # only published rows with this setting
    protocol_match_only: bool = False
    b_published: bool = False  # only the tasks where side B has a published value (reference)
    transform: Transform | None = None  # published accuracy -> the test's metric (model, task label)


def group_layout(r: Roles, a: ModelSelector, b: ModelSelector, **options: Any) -> Layout:
    """Whole sides, one cell per task; a best-of side of more than one model is one picked member."""
    best_a = a.aggregate == "best" and len(r.models_a) > 1
    best_b = b.aggregate == "best" and len(r.models_b) > 1
    return Layout(r, best_a=best_a, best_b=best_b, **options)


def _value(ctx: Context, how: Layout, model: str, label: str, est: Estimate) -> Estimate:
    return est if how.transform is None else how.transform(ctx, model, label, est)


Plan = list[tuple[str, list[str], list[str], list[str]]]


def _plan(ctx: Context, how: Layout) -> Plan:
    """The cells as (label, tasks, side A models, side B models)."""
    r = how.roles
    everyone = r.models_a + r.models_b
    units = published_units(ctx, r.tasks, lambda label: any(ctx.published(m, label) for m in everyone))
    if how.b_published:  # as on the measured path: the tasks with a published value for side B
        units = [(label, tasks) for label, tasks in units if any(ctx.published(m, label) for m in r.models_b)]
    if how.pairs:
        pairs = list(zip(r.models_a, r.models_b, strict=True))
        return [(f"{a} vs {b} @ {label}", tasks, [a], [b]) for label, tasks in units for a, b in pairs]
    return [(label, tasks, r.models_a, r.models_b) for label, tasks in units]


def _score(ctx: Context, how: Layout) -> Callable[[str, str], float | None]:
    """A member's published value on a task, in the test's metric (for the best-of pick)."""

    def score(model: str, label: str) -> float | None:
        v = ctx.published(model, label, how.setting, how.protocol_match_only)
        return None if v is None else _value(ctx, how, model, label, Estimate(v.score)).point

    return score


def _cell(ctx: Context, test: Paired, how: Layout, cell: Cell, label: str, side_a: list[str],
          side_b: list[str]) -> Estimate | None:  # fmt: skip
    """Fill one cell from published values; the A − B estimate, or None when not covered."""
    values = ctx.cell_values(list(dict.fromkeys(side_a + side_b)), label, how.setting, how.protocol_match_only)
    missing = [m for m in side_a + side_b if m not in values]
    no_n = [m for m in side_a + side_b if m in values and values[m].n is None]
    if missing or no_n:
        cell.status = "not_covered"
        cell.note = "; ".join(x for x in (missing and f"no published value: {', '.join(missing)}",
                                          no_n and f"n unknown: {', '.join(no_n)}") if x)  # fmt: skip
        return None
    ests = {m: _value(ctx, how, m, label, ctx.estimate(values[m]) or Estimate(values[m].score))
            for m in values}  # fmt: skip
    a, b = mean_of([ests[m] for m in side_a]), mean_of([ests[m] for m in side_b])
    cell.values = [published_value_row("A", values[m]) for m in side_a]
    cell.values += [published_value_row("B", values[m]) for m in side_b]
    cell.published = {f"{v.model} @ {v.task}": v.value for v in cell.values}
    cell.protocol_match = worst_protocol([v.protocol_match for v in cell.values])
    cell.n_items = min(v.n or 0 for v in cell.values)
    name_a = side_a[0] if len(side_a) == 1 else "mean of A"
    name_b = side_b[0] if len(side_b) == 1 else "mean of B"
    best = cell.best_a, cell.best_b
    fill(cell, Contrast(((name_a, a),), ((name_b, b),)), test.relation, test.margin, ctx.n_min)
    cell.best_a, cell.best_b = best  # the pick standing for a best-of side
    return a - b


def named_families(ctx: Context, selector: TaskSelector, tasks: list[str]) -> dict[str, set[str]]:
    """The task families a claim names: each id, group and suite of its task selector, as the
    selected tasks it stands for (only those among `tasks`; a family with none is left out)."""
    chosen = set(tasks)
    out: dict[str, set[str]] = {t: {t} & chosen for t in selector.ids}
    groups = ctx.catalog.groups()
    out |= {g: set(groups.get(g, [])) & chosen for g in selector.groups}
    out |= {f"{s} suite": {t for t in chosen if ctx.catalog.tasks[t].suite == s} for s in selector.suites}
    return {name: members for name, members in out.items() if members}


def _floor(ctx: Context, cells: list[Cell], selector: TaskSelector) -> str | None:
    """Why a mean claim's published coverage is too thin to decide it; None when it is enough.

    The families are taken among the tasks of the claim's cells (a reference test's cells are the
    tasks where side B is published)."""
    covered = [c for c in cells if c.status == "ok"]
    families = named_families(ctx, selector, [t for c in cells for t in c.tasks])
    seen = {t for c in covered for t in c.tasks}
    uncovered = sorted(name for name, members in families.items() if not members & seen)
    problems = []
    if len(covered) < COVERAGE_FLOOR * len(cells):
        problems.append(f"{len(covered)} of {len(cells)} cells covered, the floor is {COVERAGE_FLOOR:.0%}")
    if uncovered:
        problems.append(f"no value for {', '.join(uncovered)}, named by the claim")
    return "; ".join(problems) or None


def published_paired(test: Paired, ctx: Context, how: Layout) -> Assessment | None:
    """The claim's test on published values, its cells laid out as `how` says; None when no cell has them."""
    r, best_a, best_b = how.roles, how.best_a, how.best_b
    plan = _plan(ctx, how)
    if not plan:
        return None
    labels = list(dict.fromkeys(label.rsplit(" @ ", 1)[-1] for label, *_ in plan))
    picks: dict[str, str] = {}
    why: list[str] = []
    score = _score(ctx, how)
    for side, best, models in (("B", best_b, r.models_b), ("A", best_a, r.models_a)):
        if best:
            if "B" in picks:  # both sides best-of: A's pick is compared where B's pick has values
                labels = [label for label in labels if score(picks["B"], label) is not None] or labels
            pick, reason = pick_best(models, labels, score)
            if pick is None:
                return None
            picks[side] = pick
            why.insert(0, f"best of {side}: {reason}")
    cells: list[Cell] = []
    diffs: list[Estimate] = []
    for label, tasks, side_a, side_b in plan:
        cell = Cell(label, tasks, models_a=side_a, models_b=side_b, best_a=picks.get("A"), best_b=picks.get("B"))
        cells.append(cell)
        diff = _cell(ctx, test, how, cell, label.rsplit(" @ ", 1)[-1], [picks["A"]] if "A" in picks else side_a,
                     [picks["B"]] if "B" in picks else side_b)  # fmt: skip
        if diff is not None:
            diffs.append(diff)
    if not diffs:
        return None
    unit = METRIC_UNITS[how.metric]
    coverage = f"{len(diffs)} of {len(cells)} cells have published values"
    protocol = worst_protocol([c.protocol_match for c in cells if c.protocol_match])
    n_items = sum(c.n_items for c in cells if c.status == "ok")
    if test.quantifier == "mean":
        headline = f"mean over the {len(diffs)} cell(s) with published values"
        thin = _floor(ctx, cells, test.tasks)
        if thin:
            return Assessment(PUBLISHED, NOT_COVERED, "; ".join([f"coverage floor not met: {thin}", *why]), headline,
                              unit=unit, n_items=n_items, cells=cells, protocol_match=protocol, coverage=coverage,
                              picks=picks)  # fmt: skip
        out = Contrast(((headline, mean_of(diffs)),), ZERO).test(test.relation, test.margin)
        assert out.p_support is not None and out.p_refute is not None
        verdict = verdict_from_p(out.p_support, out.p_refute)
        a = Assessment(PUBLISHED, verdict, "; ".join([headline, *why]), headline, out.estimate, out.ci_low,
                       out.ci_high, out.p_support, out.p_refute, unit, n_items, cells, protocol, coverage,
                       picks)  # fmt: skip
    else:
        for c in cells:  # an uncovered cell could still decide: the rules treat it as a missing run
            c.status = "missing" if c.status == "not_covered" else c.status
        d = decide_any(cells, ctx.n_min) if test.quantifier == "any" else decide_all(cells, ctx.n_min)
        for c in cells:
            c.status = "not_covered" if c.status == "missing" else c.status
        verdict = NOT_COVERED if d.verdict == NOT_RUN else d.verdict
        reason = d.reason.replace("measured cell", "published cell")
        a = Assessment(PUBLISHED, verdict, "; ".join([reason, *why]), d.headline, d.estimate, d.ci_low, d.ci_high,
                       d.p_support, d.p_refute, unit, n_items, cells, protocol, coverage, picks)  # fmt: skip
    if unit == METRIC_UNITS["accuracy"]:  # the tolerance is in points
        protocol_weakened(a, test.relation, test.margin, PROTOCOL_TOLERANCE)
    return a
