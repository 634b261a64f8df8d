"""Verdicts and the rules that turn bootstrap evidence into them.

Verdicts: `supported`, `refuted`, `inconclusive`, `not_run` (and `untestable` for ledger
entries judged untestable, listed so coverage is explicit). All tests use alpha = 0.05.

Paired tests (compare, gain, efficiency, reference) compute one *cell* per task (per pair ×
task for gain): the difference d = A − B with a paired item bootstrap. For a relation and
margin m, each cell gets p_support (small: the claim holds in that cell) and p_refute (small:
its negation holds): greater = d > m, less = d < −m, at_least = d > −m, within = |d| < m.
p < alpha is the same as the 95% percentile interval lying wholly on that side of the bound.

- `mean`: d is the mean over cells of the per-cell differences (items resampled within each
  task); supported if p_support < alpha, refuted if p_refute < alpha, else inconclusive.
- `any`: supported if some cell's Holm-adjusted p_support < alpha (Holm over every cell,
  missing ones counted with p = 1, so later runs cannot undo it); refuted if every cell is
  refuted at alpha (intersection-union, no correction needed).
- `all`: refuted if some cell's Holm-adjusted p_refute < alpha; supported if every cell is
  supported at alpha (intersection-union).
- A cell with fewer than `n_min` (20) common items cannot decide anything (p = 1 both ways);
  if that leaves the claim open the verdict is `inconclusive` with the reason.
- Missing runs: the verdict is computed from what exists; if the missing runs could still
  change it, the verdict is `not_run` (with the runs and the command to make them).

Rank, coverage: see `harness.claims.evaluate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from harness.claims.stats import ALPHA, claim_p_values, holm, percentile_ci

SUPPORTED, REFUTED, INCONCLUSIVE, NOT_RUN, UNTESTABLE = (
    "supported", "refuted", "inconclusive", "not_run", "untestable",
)  # fmt: skip
VERDICTS = (SUPPORTED, REFUTED, INCONCLUSIVE, NOT_RUN, UNTESTABLE)


@dataclass
class Cell:
    """One paired comparison (a task, or a model pair on a task)."""

    label: str
    task: str
    status: str = "ok"  # ok | missing | too_few
    n_items: int = 0
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_support: float = 1.0
    p_refute: float = 1.0
    p_adjusted: float | None = None  # Holm-adjusted p of the direction that decided
    reps: np.ndarray | None = field(default=None, repr=False)

    def fill(self, point: float, reps: np.ndarray, relation: str, margin: float, n_min: int) -> None:
        self.estimate, self.reps = point, reps
        self.ci_low, self.ci_high = percentile_ci(reps)
        if self.n_items < n_min:
            self.status = "too_few"
            return
        self.p_support, self.p_refute = claim_p_values(relation, margin, point, reps)


@dataclass
class Verdict:
    """The outcome for one claim, with its evidence and, if needed, the runs still missing."""

    claim_id: str
    source: str
    statement: str
    quote: str
    test_type: str
    verdict: str
    reason: str = ""
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None
    unit: str = ""
    n_items: int = 0
    models_a: list[str] = field(default_factory=list)
    models_b: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    evidence_runs: list[str] = field(default_factory=list)
    missing_runs: list[tuple[str, str]] = field(default_factory=list)
    evidence_type: str = ""  # measured | published | measured vs published
    commands: list[str] = field(default_factory=list)
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_value: float | None = None


def _too_few_note(cells: list[Cell], n_min: int) -> str:
    few = [c.label for c in cells if c.status == "too_few"]
    return f"; fewer than {n_min} common items in: {', '.join(few)}" if few else ""


def decide_mean(cells: list[Cell], relation: str, margin: float, n_min: int) -> Decision:
    """`mean` quantifier: the mean over cells of their differences."""
    if any(c.status == "missing" for c in cells):
        return Decision(NOT_RUN, "the mean needs every task")
    if any(c.status == "too_few" for c in cells):
        return Decision(INCONCLUSIVE, "too few items" + _too_few_note(cells, n_min))
    point = float(np.mean([c.estimate for c in cells]))
    reps = np.mean(np.stack([c.reps for c in cells]), axis=0)  # type: ignore[misc]
    p_support, p_refute = claim_p_values(relation, margin, point, reps)
    lo, hi = percentile_ci(reps)
    verdict = SUPPORTED if p_support < ALPHA else REFUTED if p_refute < ALPHA else INCONCLUSIVE
    reason = f"mean over {len(cells)} cell(s)"
    return Decision(verdict, reason, point, lo, hi, p_support)


def _summary(cell: Cell, p: float) -> dict[str, float | None]:
    return {"estimate": cell.estimate, "ci_low": cell.ci_low, "ci_high": cell.ci_high, "p_value": p}


def decide_any(cells: list[Cell], n_min: int) -> Decision:
    """`any` quantifier: Holm over every cell for support; intersection-union for refutation."""
    adjusted = holm([c.p_support if c.status == "ok" else 1.0 for c in cells])
    for cell, p in zip(cells, adjusted, strict=True):
        cell.p_adjusted = p
    ok = [i for i, c in enumerate(cells) if c.status == "ok"]
    if ok:
        best = min(ok, key=lambda i: adjusted[i])
        if adjusted[best] < ALPHA:
            reason = f"supported in {cells[best].label} (Holm over {len(cells)} cells)"
            return Decision(SUPPORTED, reason, **_summary(cells[best], adjusted[best]))
    if any(c.status == "missing" for c in cells):
        return Decision(NOT_RUN, "no measured cell supports it yet")
    if all(c.status == "ok" and c.p_refute < ALPHA for c in cells):
        worst = max(range(len(cells)), key=lambda i: cells[i].p_refute)
        reason = f"refuted in every one of {len(cells)} cells"
        return Decision(REFUTED, reason, **_summary(cells[worst], adjusted[worst]))
    best = min(range(len(cells)), key=lambda i: adjusted[i])
    reason = "no cell decides" + _too_few_note(cells, n_min)
    return Decision(INCONCLUSIVE, reason, **_summary(cells[best], adjusted[best]))


def decide_all(cells: list[Cell], n_min: int) -> Decision:
    """`all` quantifier: Holm over every cell for refutation; intersection-union for support."""
    adjusted = holm([c.p_refute if c.status == "ok" else 1.0 for c in cells])
    for cell, p in zip(cells, adjusted, strict=True):
        cell.p_adjusted = p
    ok = [i for i, c in enumerate(cells) if c.status == "ok"]
    if ok:
        worst = min(ok, key=lambda i: adjusted[i])
        if adjusted[worst] < ALPHA:
            reason = f"refuted in {cells[worst].label} (Holm over {len(cells)} cells)"
            return Decision(REFUTED, reason, **_summary(cells[worst], cells[worst].p_support))
    if any(c.status == "missing" for c in cells):
        return Decision(NOT_RUN, "no measured cell refutes it yet")
    weakest = max(range(len(cells)), key=lambda i: cells[i].p_support)
    if all(c.status == "ok" and c.p_support < ALPHA for c in cells):
        reason = f"supported in every one of {len(cells)} cells"
        return Decision(SUPPORTED, reason, **_summary(cells[weakest], cells[weakest].p_support))
    reason = "not every cell decides" + _too_few_note(cells, n_min)
    return Decision(INCONCLUSIVE, reason, **_summary(cells[weakest], cells[weakest].p_support))


def decide_cells(cells: list[Cell], relation: str, margin: float, quantifier: str, n_min: int) -> Decision:
    """Apply the quantifier's rule to paired cells (see the module docstring)."""
    if not cells:
        return Decision(INCONCLUSIVE, "no cells to compare")
    if quantifier == "mean":
        return decide_mean(cells, relation, margin, n_min)
    return decide_any(cells, n_min) if quantifier == "any" else decide_all(cells, n_min)
