"""What evaluating claims needs (catalogue, evidence, published values, seeds), and the helpers every
paired test shares: sides made of members, a cell filled from a contrast, the mean headline."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

import pandas as pd

from harness.claims.aggregate import published_estimate, task_items
from harness.claims.contrast import Contrast, Estimate, mean_of
from harness.claims.dates import Availability, Dates
from harness.claims.evidence import EvidenceSource
from harness.claims.published import Published, cell_values, published_value
from harness.claims.verdicts import INCONCLUSIVE, NOT_RUN, Assessment, Cell, CellValue, Decision, verdict_from_p
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
    dates: Dates = field(default_factory=Dates)
    availability: Availability = field(default_factory=lambda: Availability("any", None))  # per claim
    _published: dict[tuple[str, str, str | None, bool], Published | None] = field(default_factory=dict, repr=False)

    def for_claim(self, rule: str, article: str) -> Context:
        """A copy for one claim, applying its date rule (shares the published-value cache)."""
        return dataclasses.replace(self, availability=Availability(rule, self.dates.article(article)),
                                   _published=self._published)  # fmt: skip

    def available(self, models: list[str]) -> list[str]:
        """The models the claim's date rule lets take part (late ones are recorded for the verdict)."""
        kept = [m for m in models if self.availability.keep(m, self.dates)]
        if models and not kept:
            self.availability.emptied = True
            return models
        return kept

    def available_pairs(self, pairs: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """The pairs both of whose models the claim's date rule lets take part."""
        keep = self.availability.keep
        kept = [(a, b) for a, b in pairs if keep(a, self.dates) & keep(b, self.dates)]  # & : record both
        if pairs and not kept:
            self.availability.emptied = True
            return pairs
        return kept

    def _with_n(self, value: Published | None) -> Published | None:
        if value is None or value.n is not None:
            return value
        return dataclasses.replace(value, n=task_items(self.catalog, value.task))

    def published(self, model: str, task: str, setting: str | None = None,
                  protocol_match_only: bool = False) -> Published | None:  # fmt: skip
        """The published value of a model on a task or task group (cached lookup of references.csv)."""
        key = (model, task, setting, protocol_match_only)
        if key not in self._published:
            self._published[key] = self._with_n(published_value(self.refs, model, task, setting, protocol_match_only))
        return self._published[key]

    def cell_values(self, models: list[str], task: str, setting: str | None = None,
                    protocol_match_only: bool = False) -> dict[str, Published]:  # fmt: skip
        """Published values of the models of one comparison, one source table preferred for all."""
        found = cell_values(self.refs, models, task, setting, protocol_match_only)
        return {m: v for m, value in found.items() if (v := self._with_n(value)) is not None}

    def estimate(self, value: Published) -> Estimate | None:
        """A published value as aggregate evidence (None when its n is unknown)."""
        return published_estimate(value, self.n_boot, self.seed)


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


def measured_rows(ctx: Context, side: str, estimates: dict[str, Estimate], tasks: list[str],
                  n_items: int) -> list[CellValue]:  # fmt: skip
    """Provenance rows of measured values: each model's score on the cell's task(s) and its evidence run(s)."""
    rows = []
    for model, est in estimates.items():
        runs = ";".join(key for t in tasks if (key := ctx.evidence.chosen_run(model, t)) is not None)
        rows.append(CellValue(side, model, "+".join(tasks), est.point, n_items, "measured", runs, "harness", "",
                              "yes"))  # fmt: skip
    return rows
