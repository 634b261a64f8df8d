"""What evaluating claims needs (catalogue, evidence, published values, seeds), and the helpers every
paired test shares: sides made of members, a cell filled from a contrast, the mean headline."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.evidence import EvidenceSource
from harness.claims.published import Published, published_value
from harness.claims.verdicts import INCONCLUSIVE, NOT_RUN, Assessment, Cell, Decision, verdict_from_p
from harness.config import Catalog

N_MIN = 20
Members = tuple[tuple[str, Estimate], ...]


@dataclass
class Context:
    catalog: Catalog
    evidence: EvidenceSource
    refs: pd.DataFrame | None
    seed: int
    n_boot: int
    n_min: int = N_MIN
    _published: dict[tuple[str, str, str | None, bool], Published | None] = field(default_factory=dict, repr=False)

    def published(self, model: str, task: str, setting: str | None = None,
                  protocol_match_only: bool = False) -> Published | None:  # fmt: skip
        """The published value of a model on a task or task group (cached lookup of references.csv)."""
        key = (model, task, setting, protocol_match_only)
        if key not in self._published:
            self._published[key] = published_value(self.refs, model, task, setting, protocol_match_only)
        return self._published[key]


def members(estimates: dict[str, Estimate], models: list[str], best: bool, label: str) -> Members:
    """A side: each model a member (best of), or one member, the models' mean."""
    if best and len(models) > 1:
        return tuple((m, estimates[m]) for m in models)
    name = models[0] if len(models) == 1 else label
    return ((name, mean_of([estimates[m] for m in models])),)


def fill(cell: Cell, contrast: Contrast, relation: str, margin: float, n_min: int) -> None:
    """Estimate, interval, best members and p-values of a cell (p-values only with enough items)."""
    out = contrast.test(relation, margin)
    cell.estimate, cell.ci_low, cell.ci_high = out.estimate, out.ci_low, out.ci_high
    cell.best_a, cell.best_b = out.best_a, out.best_b
    if contrast.sampled and cell.n_items < n_min:
        cell.status = "too_few"
        return
    cell.p_support, cell.p_refute, cell.point_decision = out.p_support, out.p_refute, out.point_decision


def mean_decision(cells: list[Cell], contrast: Contrast | None, relation: str, margin: float, label: str,
                  n_min: int) -> Decision:  # fmt: skip
    """The `mean` quantifier: one contrast of the means over every cell."""
    if any(c.status == "missing" for c in cells) or contrast is None:
        return Decision(NOT_RUN, "the mean needs every cell", label)
    if any(c.status == "too_few" for c in cells):
        few = ", ".join(c.label for c in cells if c.status == "too_few")
        return Decision(INCONCLUSIVE, f"fewer than {n_min} common items in: {few}", label)
    out = contrast.test(relation, margin)
    assert out.p_support is not None and out.p_refute is not None
    verdict = verdict_from_p(out.p_support, out.p_refute)
    best = [f"best of A: {out.best_a}"] if out.best_a else []
    best += [f"best of B: {out.best_b}"] if out.best_b else []
    reason = "; ".join([f"{label}", *best])
    return Decision(verdict, reason, label, out.estimate, out.ci_low, out.ci_high, out.p_support, out.p_refute)


def assessment(basis: str, d: Decision, cells: list[Cell], unit: str) -> Assessment:
    return Assessment(basis, d.verdict, d.reason, d.headline, d.estimate, d.ci_low, d.ci_high, d.p_support,
                      d.p_refute, unit, sum(c.n_items for c in cells), cells)  # fmt: skip
