"""Verdict objects and the rules that turn cells into an assessment.

Every testable claim gets up to two *assessments*, shown side by side:

- `measured`: the harness's own runs (side B may be a published constant, e.g. a closed model:
  basis `measured vs published`); verdict supported | refuted | inconclusive | not_run;
- `published`: the same test with the same margins on published values only (model cards,
  papers; `configs/references.csv`), wherever they cover its cells: basis `published
  (indicative)`, each value aggregate evidence with a binomial interval from its n items
  (`harness.claims.aggregate`), the protocol-match flags carried through; verdict supported |
  refuted | inconclusive | not_covered.

The headline `Verdict.verdict` is the measured verdict when the harness has measured evidence
(supported, refuted or inconclusive); otherwise the published verdict, labelled published (indicative);
otherwise not_run. Claims no run can test are `untestable` or `deferred`.

Cells and quantifiers (paired tests; alpha = 0.05, each direction one-sided at 2.5%):

- `mean`: the contrast of the means over every cell (tasks, or pairs × tasks; one shared item
  draw per task, so cells are correlated and the mean's interval accounts for it). Missing runs:
  not_run. A cell with fewer than `n_min` common items: inconclusive.
- `any`: supported if some cell's Holm-adjusted p_support < alpha (Holm over every cell, missing
  cells counted with p = 1, so later runs cannot undo it); refuted if every cell is refuted
  (intersection–union). The headline cell is named: the one that supports it, else the weakest
  refutation, else the closest to support. A claim still waiting for runs that could decide it
  (not_run) has no headline numbers; its measured cells keep theirs.
- `all`: refuted if some cell's Holm-adjusted p_refute < alpha; supported if every cell is
  supported. The headline cell: the one that refutes it, else the weakest support.

The headline p-value is the one of the direction that decided (`p_direction` = support or
refute); for an undecided claim the smaller of the two, with its direction.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness.claims.stats import ALPHA, holm

SUPPORTED, REFUTED, INCONCLUSIVE, NOT_RUN, NOT_COVERED, UNTESTABLE, DEFERRED = (
    "supported", "refuted", "inconclusive", "not_run", "not_covered", "untestable", "deferred",
)  # fmt: skip
VERDICTS = (SUPPORTED, REFUTED, INCONCLUSIVE, NOT_RUN, UNTESTABLE, DEFERRED)  # headline verdicts
DECIDED = (SUPPORTED, REFUTED, INCONCLUSIVE)  # an assessment that says something
MEASURED, MIXED, PUBLISHED = "measured", "measured vs published", "published (indicative)"


@dataclass(frozen=True)
class CellValue:
    """One value a cell used, with where it comes from (a row of results/claims_cells.csv)."""

    side: str  # A | B
    model: str
    task: str  # a task id, or a group id for a group published as one average
    value: float  # points (the model's score on the task)
    n: int | None  # items behind it
    kind: str  # measured | published
    source: str  # published: document | table/section; measured: the run key
    setting: str  # published: as printed (shots, CoT, ...); measured: "harness"
    date: str  # published: the document's date; measured: "" (the run's record has it)
    protocol_match: str  # published: yes | unknown | no; measured: yes


@dataclass
class Cell:
    """One comparison: a task, a model pair on a task, a language, a parallel group or a task set."""

    label: str
    tasks: list[str]
    status: str = "ok"  # ok | missing | too_few | not_covered
    n_items: int = 0
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_support: float | None = None
    p_refute: float | None = None
    p_adjusted: float | None = None  # Holm-adjusted p of the direction the quantifier uses
    models_a: list[str] = field(default_factory=list)
    models_b: list[str] = field(default_factory=list)
    best_a: str | None = None  # plug-in best member of a best-of side
    best_b: str | None = None
    published: dict[str, float] = field(default_factory=dict)  # "model @ task" → published score used
    protocol_match: str | None = None  # of the published values used: yes | unknown | no
    point_decision: str | None = None  # published-only cells: support | refute | None (a tie)
    missing_runs: list[tuple[str, str]] = field(default_factory=list)
    note: str = ""  # e.g. "best of the 3 of 12 models with a published value"
    values: list[CellValue] = field(default_factory=list)  # every value used, with its provenance


@dataclass
class Assessment:
    """One body of evidence for a claim (measured or published) and what it says."""

    basis: str  # measured | measured vs published | published (indicative)
    verdict: str
    reason: str = ""
    headline: str = ""  # the headline cell: "mean over 6 tasks", "gsm8k", "rank on the mean over 4 tasks"
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_support: float | None = None
    p_refute: float | None = None
    unit: str = ""
    n_items: int = 0
    cells: list[Cell] = field(default_factory=list)
    protocol_match: str | None = None  # published values used: yes | unknown | no (the least matching)
    coverage: str = ""  # published: "3 of 6 cells have published values"
    picks: dict[str, str] = field(default_factory=dict)  # best-of side (A | B) → the member that stands for it

    @property
    def p_direction(self) -> str | None:
        """support | refute: the direction that decided (for an undecided claim, the closer one)."""
        if self.p_support is None or self.p_refute is None:
            return None
        if self.verdict == SUPPORTED:
            return "support"
        if self.verdict == REFUTED:
            return "refute"
        return "support" if self.p_support <= self.p_refute else "refute"

    @property
    def p_value(self) -> float | None:
        direction = self.p_direction
        return None if direction is None else (self.p_support if direction == "support" else self.p_refute)


@dataclass
class Verdict:
    """The outcome for one claim: measured and published assessments, runs used and missing.

    See the `harness.claims` docstring for every field the reports read."""

    claim_id: str
    source: str
    statement: str
    quote: str
    test_type: str
    verdict: str
    basis: str = "none"  # measured | measured vs published | published-only | none
    reason: str = ""
    measured: Assessment | None = None
    published: Assessment | None = None
    category: str | None = None  # untestable: reputation | prices | future | unreleased | business
    needs: list[str] = field(default_factory=list)  # deferred: what would make it testable
    models_a: list[str] = field(default_factory=list)
    models_b: list[str] = field(default_factory=list)
    tasks: list[str] = field(default_factory=list)
    runs_used: list[str] = field(default_factory=list)  # run keys of the evidence runs
    runs_missing: list[tuple[str, str]] = field(default_factory=list)  # (model, task) still to run
    commands: list[str] = field(default_factory=list)  # `harness run` lines that make them
    evidence_problems: list[str] = field(default_factory=list)  # failed/unfinished runs of its cells
    selection_notes: list[str] = field(default_factory=list)  # limited, stale, passed-over runs; mixed items
    dates: str = ""  # which date rule applied, and the models it left out
    same_as: str | None = None  # another claim testing the identical cells: its verdict is this one's
    also_claimed_by: list[str] = field(default_factory=list)  # claims merged into this verdict (same cells)

    @property
    def headline_assessment(self) -> Assessment | None:
        """The assessment behind `verdict` (measured, else published; None when untested)."""
        if self.basis == PUBLISHED:
            return self.published
        return self.measured

    def _head(self, name: str) -> object:
        a = self.headline_assessment
        return getattr(a, name) if a is not None else None

    @property
    def estimate(self) -> float | None:
        return self._head("estimate")  # type: ignore[return-value]

    @property
    def ci_low(self) -> float | None:
        return self._head("ci_low")  # type: ignore[return-value]

    @property
    def ci_high(self) -> float | None:
        return self._head("ci_high")  # type: ignore[return-value]

    @property
    def p_value(self) -> float | None:
        return self._head("p_value")  # type: ignore[return-value]

    @property
    def p_direction(self) -> str | None:
        return self._head("p_direction")  # type: ignore[return-value]

    @property
    def headline(self) -> str:
        return str(self._head("headline") or "")

    @property
    def unit(self) -> str:
        return str(self._head("unit") or "")

    @property
    def n_items(self) -> int:
        return int(self._head("n_items") or 0)  # type: ignore[call-overload]

    @property
    def cells(self) -> list[Cell]:
        return list(self._head("cells") or [])  # type: ignore[call-overload]

    @property
    def n_runs_used(self) -> int:
        return len(self.runs_used)

    @property
    def n_runs_missing(self) -> int:
        return len(self.runs_missing)


@dataclass(frozen=True)
class Decision:
    verdict: str
    reason: str
    headline: str = ""
    estimate: float | None = None
    ci_low: float | None = None
    ci_high: float | None = None
    p_support: float | None = None
    p_refute: float | None = None


def _too_few_note(cells: list[Cell], n_min: int) -> str:
    few = [c.label for c in cells if c.status == "too_few"]
    return f"; fewer than {n_min} common items in: {', '.join(few)}" if few else ""


def _from_cell(cell: Cell, p_support: float, p_refute: float, verdict: str, reason: str) -> Decision:
    return Decision(verdict, reason, cell.label, cell.estimate, cell.ci_low, cell.ci_high, p_support, p_refute)


def _p(cell: Cell, name: str) -> float:
    value = getattr(cell, name)
    return 1.0 if cell.status != "ok" or value is None else float(value)


def decide_any(cells: list[Cell], n_min: int) -> Decision:
    """`any`: Holm over every cell for support; intersection–union for refutation."""
    adjusted = holm([_p(c, "p_support") for c in cells])
    for cell, p in zip(cells, adjusted, strict=True):
        cell.p_adjusted = p
    p_refute = max(_p(c, "p_refute") for c in cells)
    best = min(range(len(cells)), key=lambda i: adjusted[i])
    if adjusted[best] < ALPHA:
        reason = f"supported in {cells[best].label} (Holm over {len(cells)} cells)"
        return _from_cell(cells[best], adjusted[best], p_refute, SUPPORTED, reason)
    if any(c.status == "missing" for c in cells):  # no headline numbers while runs that could decide are missing
        return Decision(NOT_RUN, "no measured cell supports it yet", cells[best].label)
    if p_refute < ALPHA:
        weakest = max(range(len(cells)), key=lambda i: _p(cells[i], "p_refute"))
        reason = f"refuted in every one of {len(cells)} cells"
        return _from_cell(cells[weakest], adjusted[best], p_refute, REFUTED, reason)
    reason = "no cell decides" + _too_few_note(cells, n_min)
    return _from_cell(cells[best], adjusted[best], p_refute, INCONCLUSIVE, reason)


def decide_all(cells: list[Cell], n_min: int) -> Decision:
    """`all`: Holm over every cell for refutation; intersection–union for support."""
    adjusted = holm([_p(c, "p_refute") for c in cells])
    for cell, p in zip(cells, adjusted, strict=True):
        cell.p_adjusted = p
    p_support = max(_p(c, "p_support") for c in cells)
    worst = min(range(len(cells)), key=lambda i: adjusted[i])
    weakest = max(range(len(cells)), key=lambda i: _p(cells[i], "p_support"))
    if adjusted[worst] < ALPHA:
        reason = f"refuted in {cells[worst].label} (Holm over {len(cells)} cells)"
        return _from_cell(cells[worst], p_support, adjusted[worst], REFUTED, reason)
    if any(c.status == "missing" for c in cells):
        return Decision(NOT_RUN, "no measured cell refutes it yet", cells[weakest].label)
    if p_support < ALPHA:
        reason = f"supported in every one of {len(cells)} cells"
        return _from_cell(cells[weakest], p_support, adjusted[worst], SUPPORTED, reason)
    reason = "not every cell decides" + _too_few_note(cells, n_min)
    return _from_cell(cells[weakest], p_support, adjusted[worst], INCONCLUSIVE, reason)


def protocol_weakened(a: Assessment, relation: str, margin: float, tolerance: float) -> None:
    """A decided verdict resting on values whose protocol does not match (`no`) becomes inconclusive when
    its estimate lies within `tolerance` of the bound it was decided against (points)."""
    if a.protocol_match != "no" or a.verdict not in (SUPPORTED, REFUTED) or a.estimate is None:
        return
    bounds = {"greater": [margin], "less": [-margin], "at_least": [-margin], "within": [-margin, margin]}
    distance = min(abs(a.estimate - b) for b in bounds.get(relation, [margin]))
    if distance <= tolerance:
        a.reason += (f"; was {a.verdict}, but a protocol that does not match ours moves scores by up to "
                     f"{tolerance:g} points and the estimate is {distance:.2f} from the bound")
        a.verdict = INCONCLUSIVE


def verdict_from_p(p_support: float, p_refute: float) -> str:
    return SUPPORTED if p_support < ALPHA else REFUTED if p_refute < ALPHA else INCONCLUSIVE


def decide_published(cells: list[Cell], quantifier: str) -> str:
    """A published-only verdict from covered cells' point decisions (uncovered cells: not_covered)."""
    covered = [c for c in cells if c.status == "ok"]
    decisions = [c.point_decision for c in covered]
    complete = len(covered) == len(cells)
    if quantifier == "any":
        if "support" in decisions:
            return SUPPORTED
        if complete and all(d == "refute" for d in decisions):
            return REFUTED
    elif quantifier == "all":
        if "refute" in decisions:
            return REFUTED
        if complete and all(d == "support" for d in decisions):
            return SUPPORTED
    return INCONCLUSIVE if complete else NOT_COVERED
