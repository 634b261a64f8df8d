"""Shared helpers for tests that set measured scores against published values, or lay out cells
over tasks and task groups that were published as one value (reference, reproduction_gap,
transfer, and the published assessments of `harness.claims.published_eval`).

A task group wholly selected, with a published value under the group id and none for its
members, is one cell (MGSM is published as one average); a published value is a constant or,
with its n, aggregate evidence (`harness.claims.aggregate`).
"""

from __future__ import annotations

from collections.abc import Callable

from harness.claims.aggregate import published_value_row
from harness.claims.context import Context, assessment, mean_decision
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.published import Published, worst_protocol
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import Assessment, Cell, decide_all, decide_any

Lookup = Callable[[str, str], Published | None]


def lookup(ctx: Context, setting: str | None = None, protocol_match_only: bool = False) -> Lookup:
    """A (model, task label) -> published value lookup with the test's setting and protocol filter."""
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
    """Show the published values a cell rests on (as value rows of `side`), and their worst protocol match."""
    for v in values:
        if v is not None:
            cell.published[f"{v.model} @ {v.task}"] = v.score
            cell.values.append(published_value_row(side, v))
    cell.protocol_match = worst_protocol([v.protocol_match for v in values if v is not None])


def unit_estimates(ctx: Context, sample: ClaimSample, models: list[str], tasks: list[str],
                   metric: str = "accuracy") -> dict[str, Estimate]:  # fmt: skip
    """Each model's mean over the tasks of a cell (each task its own shared draw)."""
    per_task = [sample.estimates((t,), metric) for t in tasks]
    return {m: mean_of([e[m][t] for e, t in zip(per_task, tasks, strict=True)]) for m in models}


def missing_runs(sample: ClaimSample, models: list[str], tasks: list[str]) -> list[tuple[str, str]]:
    """The (model, task) runs of a cell that the evidence lacks, sorted."""
    return sorted((m, t) for m in models for t in tasks if (m, t) in sample.missing)


def decide(cells: list[Cell], quantifier: str, headline: Contrast | None, relation: str, margin: float,
           label: str, ctx: Context, basis: str, unit: str) -> Assessment:  # fmt: skip
    """The assessment over a test's cells by its quantifier, with the worst protocol match of its cells."""
    if quantifier == "mean":
        d = mean_decision(cells, headline, relation, margin, label, ctx.n_min)
    else:
        d = decide_any(cells, ctx.n_min) if quantifier == "any" else decide_all(cells, ctx.n_min)
    out = assessment(basis, d, cells, unit)
    out.protocol_match = worst_protocol([c.protocol_match for c in cells if c.protocol_match])
    return out
