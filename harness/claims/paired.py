"""Measured paired tests: compare (groups or model pairs), gain, efficiency.

Cells are tasks (groups) or pairs × tasks (pairs, gain). Every model of a claim is scored on the
same items of a task under one shared bootstrap draw (`harness.claims.sample`), so pairs and
groups stay paired inside a cell and correlated across cells; the `mean` headline is the contrast
of the means over every cell, and its interval accounts for that correlation. Best-of sides are
tested by union–intersection (`harness.claims.contrast`); with `mean`, "best" is the member
with the best mean over the tasks.
"""

from __future__ import annotations

from dataclasses import dataclass

from harness.claims.context import Context, assessment, fill, mean_decision, measured_rows, members
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.ledger import ModelSelector, Paired, TaskSelector
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import MEASURED, Assessment, Cell, decide_all, decide_any

ZERO = (("0", Estimate(0.0)),)


@dataclass
class Roles:
    """Who a claim compares, for the verdict."""

    models_a: list[str]
    models_b: list[str]
    tasks: list[str]


def group_roles(a: ModelSelector, b: ModelSelector, tasks: TaskSelector, ctx: Context) -> Roles:
    """Side A's and side B's models (after the date rule) and the task ids."""
    return Roles(ctx.available(resolve_models(a, ctx.catalog)), ctx.available(resolve_models(b, ctx.catalog)),
                 [t.id for t in resolve_tasks(tasks, ctx.catalog)])


def pair_roles(pairs: list[tuple[str, str]], tasks: TaskSelector, ctx: Context) -> Roles:
    """Models of the (a, b) pairs both of whose models the date rule keeps, in pair order, and the task ids."""
    task_ids = [t.id for t in resolve_tasks(tasks, ctx.catalog)]
    kept = ctx.available_pairs(pairs)
    return Roles([a for a, _ in kept], [b for _, b in kept], task_ids)


def _decide(cells: list[Cell], headline: Contrast | None, test: Paired, metric: str, label: str,
            n_min: int) -> Assessment:  # fmt: skip
    if test.quantifier == "mean":
        d = mean_decision(cells, headline, test.relation, test.margin, label, n_min)
    else:
        d = decide_any(cells, n_min) if test.quantifier == "any" else decide_all(cells, n_min)
    return assessment(MEASURED, d, cells, METRIC_UNITS[metric])


def assess_pairs(test: Paired, r: Roles, metric: str, ctx: Context, sample: ClaimSample) -> Assessment:
    """Model pairs (`r`: side A and side B in pair order): one cell per pair × task."""
    pairs = list(zip(r.models_a, r.models_b, strict=True))
    for t in r.tasks:
        sample.need((t,), [m for p in pairs for m in p])
    cells, diffs = [], []
    for t in r.tasks:
        for a, b in pairs:
            cell = Cell(f"{a} vs {b} @ {t}", [t], models_a=[a], models_b=[b])
            cells.append(cell)
            if not sample.has((t,), [a, b]):
                cell.status, cell.missing_runs = "missing", sorted(sample.missing & {(a, t), (b, t)})
                continue
            est = sample.estimates((t,), metric)
            cell.n_items = sample.n_items((t,))
            cell.values = measured_rows(ctx, "A", {a: est[a][t]}, [t], cell.n_items)
            cell.values += measured_rows(ctx, "B", {b: est[b][t]}, [t], cell.n_items)
            fill(cell, Contrast(((a, est[a][t]),), ((b, est[b][t]),)), test.relation, test.margin, ctx.n_min)
            diffs.append(est[a][t] - est[b][t])
    complete = len(diffs) == len(cells)
    headline = Contrast(((f"mean difference of {len(pairs)} pairs", mean_of(diffs)),), ZERO) if complete else None
    label = f"mean over {len(pairs)} pair(s) × {len(r.tasks)} task(s)"
    return _decide(cells, headline, test, metric, label, ctx.n_min)


def assess_groups(test: Paired, r: Roles, best_a: bool, best_b: bool, metric: str, ctx: Context,
                  sample: ClaimSample) -> Assessment:  # fmt: skip
    """Group A vs group B (mean of members, or best of them when `best_a` / `best_b`): one cell per task."""
    for t in r.tasks:
        sample.need((t,), r.models_a + r.models_b)
    cells: list[Cell] = []
    per_task: list[dict[str, Estimate]] = []
    for t in r.tasks:
        cell = Cell(t, [t], models_a=r.models_a, models_b=r.models_b)
        cells.append(cell)
        if not sample.has((t,), r.models_a + r.models_b):
            cell.status = "missing"
            cell.missing_runs = sorted((m, t) for m in r.models_a + r.models_b if (m, t) in sample.missing)
            continue
        est = {m: e[t] for m, e in sample.estimates((t,), metric).items()}
        per_task.append(est)
        cell.n_items = sample.n_items((t,))
        side_a, side_b = members(est, r.models_a, best_a, "mean of A"), members(est, r.models_b, best_b, "mean of B")
        contrast = Contrast(side_a, side_b)
        cell.values = measured_rows(ctx, "A", {m: est[m] for m in r.models_a}, [t], cell.n_items)
        cell.values += measured_rows(ctx, "B", {m: est[m] for m in r.models_b}, [t], cell.n_items)
        fill(cell, contrast, test.relation, test.margin, ctx.n_min)
    headline = None
    if len(per_task) == len(cells) and cells:
        macro = {m: mean_of([e[m] for e in per_task]) for m in r.models_a + r.models_b}
        headline = Contrast(members(macro, r.models_a, best_a, "mean of A"),
                            members(macro, r.models_b, best_b, "mean of B"))
    label = f"mean over {len(r.tasks)} task(s)"
    return _decide(cells, headline, test, metric, label, ctx.n_min)
