"""Measured tests against published values, and on parallel items:

- `reference`: measured side A against published side B (`configs/references.csv`). A published
  value is a constant (no stated sampling error), so the interval reflects only the measured
  side. Tasks without a published B value are left out (running more cannot add one). A task
  group published only as one average (MGSM) is one cell, its measured side the mean over its
  languages. With side A published too, nothing is measured: the claim has a published
  assessment only.
- `reproduction_gap`: per task, (measured − published) of one model minus the mean
  (measured − published) of the baseline models with a published value there.
- `transfer`: per parallel group (items joined on doc_id across languages and resampled
  together), each model's mean over languages of accuracy / accuracy in the reference language,
  in percent; A − B.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from harness.claims.aggregate import PROTOCOL_TOLERANCE, published_value_row
from harness.claims.context import Context, Members, assessment, fill, mean_decision, measured_rows, members
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.ledger import ReferenceTest, ReproductionGapTest, TransferTest
from harness.claims.paired import Roles
from harness.claims.picks import pick_best
from harness.claims.published import Published, worst_protocol
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import (
    INCONCLUSIVE,
    MEASURED,
    MIXED,
    Assessment,
    Cell,
    decide_all,
    decide_any,
    protocol_weakened,
)  # fmt: skip

Lookup = Callable[[str, str], Published | None]


def lookup(ctx: Context, setting: str | None = None, protocol_match_only: bool = False) -> Lookup:
    return lambda model, label: ctx.published(model, label, setting, protocol_match_only)


def published_units(ctx: Context, tasks: list[str], has_value: Callable[[str], bool]) -> list[tuple[str, list[str]]]:
    """(label, task ids) cells: one per task, except that a task group wholly selected, with a published
    value under the group id and none for its members, is one cell (e.g. MGSM reported as one average)."""
    units, pooled = [], set()
    for group, group_tasks in ctx.catalog.groups().items():
        if set(group_tasks) <= set(tasks) and has_value(group) and not any(has_value(t) for t in group_tasks):
            units.append((group, group_tasks))
            pooled |= set(group_tasks)
    return [(t, [t]) for t in tasks if t not in pooled] + units


def published_side(ctx: Context, values: list[Published | None], best: bool) -> Estimate | None:
    """A published side as aggregate evidence: the best found value, or the mean (which needs every value)."""
    found = [v for v in values if v is not None]
    if not found or (not best and len(found) < len(values)):
        return None
    if best:
        found = [max(found, key=lambda v: v.score)]
    return mean_of([ctx.estimate(v) or Estimate(v.score) for v in found])


def note_values(cell: Cell, values: list[Published | None], side: str = "B") -> None:
    for v in values:
        if v is not None:
            cell.published[f"{v.model} @ {v.task}"] = v.score
            cell.values.append(published_value_row(side, v))
    cell.protocol_match = worst_protocol([v.protocol_match for v in values if v is not None])


def _unit_estimates(ctx: Context, sample: ClaimSample, models: list[str], tasks: list[str],
                    metric: str = "accuracy") -> dict[str, Estimate]:  # fmt: skip
    """Each model's mean over the tasks of a cell (each task its own shared draw)."""
    per_task = [sample.estimates((t,), metric) for t in tasks]
    return {m: mean_of([e[m][t] for e, t in zip(per_task, tasks, strict=True)]) for m in models}


def _missing(sample: ClaimSample, models: list[str], tasks: list[str]) -> list[tuple[str, str]]:
    return sorted((m, t) for m in models for t in tasks if (m, t) in sample.missing)


def _decide(cells: list[Cell], quantifier: str, headline: Contrast | None, relation: str, margin: float,
            label: str, ctx: Context, basis: str, unit: str) -> Assessment:  # fmt: skip
    if quantifier == "mean":
        d = mean_decision(cells, headline, relation, margin, label, ctx.n_min)
    else:
        d = decide_any(cells, ctx.n_min) if quantifier == "any" else decide_all(cells, ctx.n_min)
    out = assessment(basis, d, cells, unit)
    out.protocol_match = worst_protocol([c.protocol_match for c in cells if c.protocol_match])
    return out


def reference_roles(test: ReferenceTest, ctx: Context) -> Roles:
    tasks = [t.id for t in resolve_tasks(test.tasks, ctx.catalog)]
    return Roles(ctx.available(resolve_models(test.a, ctx.catalog)), ctx.available(resolve_models(test.b, ctx.catalog)),
                 tasks)


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
            cell.status, cell.missing_runs = "missing", _missing(sample, r.models_a, tasks)
            continue
        est = _unit_estimates(ctx, sample, r.models_a, tasks)
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
    out = _decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MIXED,
                  METRIC_UNITS["accuracy"])  # fmt: skip
    out.picks = picks
    if why:
        out.reason += f"; best of B: {why}"
    protocol_weakened(out, test.relation, test.margin, PROTOCOL_TOLERANCE)
    return out


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
            cell.status, cell.missing_runs = "missing", _missing(sample, models, tasks)
            continue
        est = _unit_estimates(ctx, sample, models, tasks)
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
    return _decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MIXED,
                   "points (measured − published, beyond the baseline's)")  # fmt: skip


def transfer_roles(test: TransferTest, ctx: Context) -> Roles:
    tasks = [t.id for t in resolve_tasks(test.tasks, ctx.catalog)]
    return Roles(ctx.available(resolve_models(test.a, ctx.catalog)), ctx.available(resolve_models(test.b, ctx.catalog)),
                 tasks)


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
            cell.status, cell.missing_runs = "missing", _missing(sample, r.models_a + r.models_b, list(unit))
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
    return _decide(cells, test.quantifier, headline, test.relation, test.margin, label, ctx, MEASURED,
                   "percentage points of the non-English/English ratio")  # fmt: skip
