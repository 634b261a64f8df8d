"""Paired tests (compare, gain, efficiency, reference): one cell per task (per pair × task for
gain), each a paired bootstrap of A − B over the items both sides answered; the quantifier
rules are in `harness.claims.verdicts`.

Reference tests take side B (and side A when marked `source: published`) from
`configs/references.csv`: a published value is a constant with no sampling error, so a
measured-vs-published interval reflects only the measured side, and a published-vs-published
interval is a point. Tasks without a published value are left out (running more cannot add
one); the verdict's `evidence_type` says which kind of evidence it rests on.
"""

from __future__ import annotations

import numpy as np

from harness.claims import stats
from harness.claims.context import Context, aligned, make_side
from harness.claims.evidence import METRIC_UNITS, published_value
from harness.claims.ledger import CompareTest, EfficiencyTest, GainTest, ReferenceTest
from harness.claims.selectors import gain_pairs, resolve_models, resolve_tasks
from harness.claims.verdicts import INCONCLUSIVE, Cell, Verdict, decide_cells


def _paired_cell(ctx: Context, label: str, task: str, a: list[str], b: list[str], metric: str,
                 agg: tuple[str, str], relation: str, margin: float) -> Cell:  # fmt: skip
    cell = Cell(label, task)
    if not ctx.need(a + b, task):
        cell.status = "missing"
        return cell
    score, tokens = aligned([ctx.evidence.items(m, task) for m in a + b])
    n = cell.n_items = score.shape[0]
    if n == 0:
        cell.status = "too_few"
        return cell
    k = len(a)
    side_a = make_side(score[:, :k], tokens[:, :k], a, metric, agg[0], ctx.catalog)
    side_b = make_side(score[:, k:], tokens[:, k:], b, metric, agg[1], ctx.catalog)
    point, reps = stats.paired_difference(ctx.rng, n, side_a, side_b, ctx.n_boot)
    cell.fill(point, reps, relation, margin, ctx.n_min)
    return cell


def _published_side(ctx: Context, models: list[str], label: str, test: ReferenceTest, aggregate: str,
                    notes: list[str]) -> stats.Side | None:  # fmt: skip
    values = [published_value(ctx.refs, m, label, test.setting, test.protocol_match_only) for m in models]
    found = [v for v in values if v is not None]
    if not found or (aggregate == "mean" and len(found) < len(values)):
        return None
    for m, v in zip(models, values, strict=True):
        if v is not None:
            notes.append(f"published {m} @ {label} = {v.score:g} (protocol match: {v.protocol_match})")
            source = f"source: {v.source.split(' | ')[0]}"
            if source not in notes:
                notes.append(source)
    scores = [v.score for v in found]
    return stats.Side(constant=float(np.mean(scores) if aggregate == "mean" else np.max(scores)))


def reference_units(ctx: Context, test: ReferenceTest, b: list[str], tasks: list[str]) -> list[tuple[str, list[str]]]:
    """(label, task ids) cells: one per task, except that a task group wholly selected, with a
    published side-b value under the group id and none for its members, is one pooled cell
    (e.g. MGSM reported as one average; items pooled, equal-sized languages weigh equally)."""
    def has_value(label: str) -> bool:
        return any(published_value(ctx.refs, m, label, test.setting, test.protocol_match_only) for m in b)

    units, pooled = [], set()
    for group, members in ctx.catalog.groups().items():
        if set(members) <= set(tasks) and has_value(group) and not any(has_value(t) for t in members):
            units.append((group, members))
            pooled |= set(members)
    return [(t, [t]) for t in tasks if t not in pooled] + units


def _reference_cell(ctx: Context, test: ReferenceTest, a: list[str], b: list[str], label: str,
                    tasks: list[str], notes: list[str]) -> Cell | None:  # fmt: skip
    side_b = _published_side(ctx, b, label, test, test.b.aggregate, notes)
    a_published = test.a.source == "published"
    side_a = _published_side(ctx, a, label, test, test.a.aggregate, notes) if a_published else None
    if side_b is None or (a_published and side_a is None):
        return None  # no published value: running more cannot create one
    cell = Cell(label, ",".join(tasks))
    if side_a is not None:
        point, reps = stats.paired_difference(ctx.rng, 1, side_a, side_b, ctx.n_boot)
        cell.fill(point, reps, test.relation, test.margin, 0)
        return cell
    if not all([ctx.need(a, t) for t in tasks]):
        cell.status = "missing"
        return cell
    side_a, cell.n_items = ctx.side(a, tasks, "accuracy", test.a.aggregate)
    point, reps = stats.paired_difference(ctx.rng, cell.n_items, side_a, side_b, ctx.n_boot)
    cell.fill(point, reps, test.relation, test.margin, ctx.n_min)
    return cell


PairedTest = CompareTest | GainTest | EfficiencyTest | ReferenceTest


def evaluate_paired(ctx: Context, test: PairedTest, v: Verdict) -> None:
    """Fill `v` for a compare, gain, efficiency or reference test."""
    tasks = [t.id for t in resolve_tasks(test.tasks, ctx.catalog)]
    metric = test.metric if isinstance(test, EfficiencyTest) else "accuracy"
    notes: list[str] = []
    v.unit, v.tasks = METRIC_UNITS[metric], tasks
    cells: list[Cell] = []
    if isinstance(test, GainTest):
        pairs = gain_pairs(test, ctx.catalog)
        v.models_a, v.models_b = [p[0] for p in pairs], [p[1] for p in pairs]
        for t in tasks:
            for treated, control in pairs:
                cells.append(_paired_cell(ctx, f"{treated} vs {control} @ {t}", t, [treated], [control],
                                          metric, ("mean", "mean"), test.relation, test.margin))  # fmt: skip
    else:
        a, b = resolve_models(test.a, ctx.catalog), resolve_models(test.b, ctx.catalog)
        v.models_a, v.models_b = a, b
        if isinstance(test, ReferenceTest):
            for label, unit in reference_units(ctx, test, b, tasks):
                cell = _reference_cell(ctx, test, a, b, label, unit, notes)
                cells.extend([cell] if cell is not None else [])
        else:
            for t in tasks:
                cells.append(_paired_cell(ctx, t, t, a, b, metric, (test.a.aggregate, test.b.aggregate),
                                          test.relation, test.margin))  # fmt: skip
        if isinstance(test, ReferenceTest):
            v.evidence_type = "published" if test.a.source == "published" else "measured vs published"
            v.tasks = [t for c in cells for t in c.task.split(",")]
            if not cells:
                v.verdict, v.reason = INCONCLUSIVE, "no published value for side b on the selected tasks"
                return
    d = decide_cells(cells, test.relation, test.margin, test.quantifier, ctx.n_min)
    notes.sort(key=lambda n: n.startswith("source: "))  # values first, then each source once
    v.verdict, v.reason = d.verdict, "; ".join([d.reason, *notes])
    v.estimate, v.ci_low, v.ci_high, v.p_value = d.estimate, d.ci_low, d.ci_high, d.p_value
    v.cells, v.n_items = cells, sum(c.n_items for c in cells)
