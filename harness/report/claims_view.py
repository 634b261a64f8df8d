"""The one place the report touches `harness.claims`: verdicts + ledger → plain data to render.

Everything the claims section shows goes through `claims_view(...)`, so a change in the claims
package is absorbed here. From each `Verdict` (fields documented in `harness.claims`): the headline
verdict and its basis, the measured and published-only `Assessment`s side by side (the one that
decided first), the headline cell (marked ★), p-values labelled by the direction that decided,
the cells behind the claim, the runs used and still missing, evidence problems and run-selection
notes, and what a `deferred` claim needs.

For claims still waiting for runs, the GPU-hours come from `harness.plan` (full evaluation sets,
the given GPU type), one estimate per missing model × task, summed per claim.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.claims import Assessment, Cell, Ledger, Verdict
    from harness.config import Catalog
    from harness.specs import ModelSpec

VERDICT_ORDER = ("supported", "refuted", "inconclusive", "not_run", "deferred", "untestable")


@dataclass(frozen=True)
class SideValue:
    """One side of a comparison (A or B) on a cell's tasks: the measured score and the published one,
    each with where it comes from. Scores in percent; None where there is no such number."""

    side: str  # A | B
    models: list[str]
    measured: float | None = None
    n: int = 0  # items behind the measured score
    measured_date: str = ""  # when the (latest) evidence run finished
    published: float | None = None
    sources: list[str] = field(default_factory=list)
    settings: list[str] = field(default_factory=list)
    published_date: str = ""
    protocol: str = ""  # yes | unknown | no: whether the published protocol is ours
    covered: str = ""  # "2 of 3 model × task" when some values are missing
    imported: int = 0  # measured values from imported runs (generated elsewhere, graded here)


@dataclass(frozen=True)
class RecordedValue:
    """A value the claims engine recorded for a cell, with its provenance (when it records them)."""

    label: str
    value: float | None
    n: int | None
    source: str
    setting: str
    date: str
    kind: str  # measured | published
    imported: bool = False  # a measured value from an imported run (generated elsewhere, graded here)


@dataclass(frozen=True)
class CellView:
    """One comparison behind a claim, with the model × task runs it rests on."""

    label: str
    tasks: list[str]
    models: list[str]
    status: str
    n_items: int
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_adjusted: float | None
    headline: bool = False
    sides: list[SideValue] = field(default_factory=list)
    recorded: list[RecordedValue] = field(default_factory=list)


@dataclass(frozen=True)
class EvidenceView:
    """A verdict on one kind of evidence: measured here, or published values only."""

    kind: str  # measured | published | measured vs published
    verdict: str
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    p_label: str
    n_items: int
    reason: str


@dataclass(frozen=True)
class ClaimView:
    id: str
    article: str
    quote: str
    statement: str
    operationalization: str
    test: str
    test_type: str
    verdict: str
    unit: str
    thresholds: list[float]  # where the claim's margin (or k) sits on the estimate's axis
    lower_is_better: bool
    evidence: list[EvidenceView]
    cells: list[CellView]
    models: list[str]
    tasks: list[str]
    evidence_runs: int
    missing_runs: list[tuple[str, str]]
    commands: list[str]
    gpu_hours: float | None
    unplaceable: list[str]
    notes: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    needs: str = ""
    supports: str = "right"  # which side of the margin supports the claim: right | left | between
    basis: str = "none"  # what the headline verdict rests on: measured | measured vs published | published-only
    sides: list[SideValue] = field(default_factory=list)  # the claim's A and B over its tasks
    ranking: list[RankRow] = field(default_factory=list)  # rank claims: every model of the group, best first
    dry_runs: list[str] = field(default_factory=list)  # "model × task" of dry (`backend: fake`) runs used
    imported_runs: list[str] = field(default_factory=list)  # "model × task" of imported runs used
    p_label: str = "p"  # the cells' p column: which direction it tests
    p_adj_label: str = "p adj"

    @property
    def basis_label(self) -> str:
        """The badge's second line: a published-only verdict is indicative, not measured here."""
        return {"published-only": "published (indicative)", "none": ""}.get(self.basis, self.basis)


@dataclass(frozen=True)
class RankRow:
    model: str
    measured: float | None  # mean score % over the claim's tasks
    published: float | None
    subject: bool  # one of the models the claim is about
    covered: int  # tasks with a measured score


@dataclass(frozen=True)
class ArticleView:
    file: str
    title: str
    counts: dict[str, int]
    claims: list[ClaimView]


@dataclass(frozen=True)
class Score:
    """One model × task number in percent, with what a reader needs to weigh it."""

    value: float
    n: int | None = None
    date: str = ""
    source: str = ""
    setting: str = ""
    protocol: str = ""


@dataclass
class ScoreBook:
    """Measured (the evidence runs the report shows) and published (`references.csv`) scores per
    model × task: the two values a claim card shows for each side of a comparison."""

    measured: dict[tuple[str, str], Score] = field(default_factory=dict)
    published: dict[tuple[str, str], Score] = field(default_factory=dict)

    def side(self, side: str, models: Sequence[str], tasks: Sequence[str],
             used: dict[str, float] | None = None) -> SideValue:  # fmt: skip
        """The mean over `models` × `tasks` of each kind of score, with its sources, n and dates.

        `used`: the published values the claims engine used ("model @ task" → percent, `Cell.published`),
        which take precedence over the references file's (it may have picked another setting)."""
        pairs = [(m, t) for m in models for t in tasks]
        got = [self.measured[p] for p in pairs if p in self.measured]
        published = {p: self.published[p] for p in pairs if p in self.published}
        for key, value in (used or {}).items():
            model, _, task = key.partition(" @ ")
            if (model, task) in pairs and _num(value) is not None:
                base = published.get((model, task))
                published[(model, task)] = replace(base, value=float(value)) if base else Score(float(value))
        pub = list(published.values())
        covered = []
        if got and len(got) < len(pairs):
            covered.append(f"measured {len(got)} of {len(pairs)}")
        if pub and len(pub) < len(pairs):
            covered.append(f"published {len(pub)} of {len(pairs)}")
        protocols = {x.protocol for x in pub}
        return SideValue(
            side, list(models), _mean([x.value for x in got]), sum(x.n or 0 for x in got),
            max((x.date for x in got), default=""), _mean([x.value for x in pub]),
            list(dict.fromkeys(x.source for x in pub if x.source))[:3],
            list(dict.fromkeys(x.setting for x in pub if x.setting))[:3],
            max((x.date for x in pub), default=""),
            next((p for p in ("no", "unknown", "yes") if p in protocols), ""), "; ".join(covered),
            sum(x.source.startswith(IMPORTED_SOURCE) for x in got),
        )  # fmt: skip


DRY_SOURCE = "dry run"  # a measured Score's source when its run used backend: fake
IMPORTED_SOURCE = "imported"  # a measured Score's source when its run was imported (`harness import`)


def _mean(values: list[float]) -> float | None:
    return sum(values) / len(values) if values else None


def _num(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _thresholds(claim: Any) -> tuple[list[float], bool, str]:
    """Where the claim's margin (or k) sits on the estimate's axis, whether lower is better, and which
    side of it supports the claim: right, left or between (the forest plot labels it)."""
    test = claim.test
    kind = getattr(test, "type", "")
    if kind == "rank":
        return [float(test.k)], True, "left" if getattr(test, "claim", "within_top_k") == "within_top_k" else "right"
    if kind == "coverage":
        return [float(test.margin)], False, "right"
    margin = float(getattr(test, "margin", 0.0))
    relation = getattr(test, "relation", "greater")
    lines = {"greater": [margin], "less": [-margin], "at_least": [-margin], "within": [-margin, margin]}
    side = {"less": "left", "within": "between"}.get(relation, "right")
    return sorted(set(lines.get(relation, [margin]))), False, side


def _cell_models(cell: Cell, v: Verdict) -> list[str]:
    """The models a cell compares: its own sides when it names them, else both sides of the claim."""
    own = [*cell.models_a, *cell.models_b]
    return list(dict.fromkeys(own or [*v.models_a, *v.models_b]))


def _evidence(a: Assessment) -> EvidenceView:
    label = f"p ({a.p_direction})" if a.p_direction else "p"
    reason = a.reason + (f" ({a.coverage})" if a.coverage else "")
    return EvidenceView(a.basis, a.verdict, _num(a.estimate), _num(a.ci_low), _num(a.ci_high), _num(a.p_value),
                        label, a.n_items, reason)


class GpuHours:
    """GPU-hour estimates per missing model × task from `harness.plan`, computed once each."""

    def __init__(self, catalog: Catalog, gpu: str, gpus_per_node: int) -> None:
        self.catalog, self.gpu, self.gpus_per_node = catalog, gpu, gpus_per_node
        self._cache: dict[tuple[str, str], float | None] = {}

    def hours(self, model: str, task: str) -> float | None:
        """None when the model cannot be placed on the GPU type (or is not in the catalogue)."""
        key = (model, task)
        if key not in self._cache:
            from harness.plan import plan_model

            spec: ModelSpec | None = self.catalog.models.get(model)
            task_spec = self.catalog.tasks.get(task)
            if spec is None or task_spec is None:
                self._cache[key] = None
            else:
                try:
                    plan = plan_model(spec, [task_spec], self.gpu, self.gpus_per_node)
                except HarnessError:
                    plan = None
                self._cache[key] = plan.est_gpu_hours if plan is not None and plan.fits else None
        return self._cache[key]

    def total(self, runs: Sequence[tuple[str, str]]) -> tuple[float | None, list[str]]:
        """Summed GPU-hours of `runs`, and the models that cannot be placed."""
        if not runs:
            return None, []
        hours, unplaceable = 0.0, []
        for model, task in runs:
            h = self.hours(model, task)
            if h is None:
                unplaceable.append(model)
            else:
                hours += h
        return round(hours, 2), sorted(set(unplaceable))


def _sides(book: ScoreBook, models_a: Sequence[str], models_b: Sequence[str], tasks: Sequence[str],
           used: dict[str, float] | None = None) -> list[SideValue]:  # fmt: skip
    return [book.side(name, models, tasks, used) for name, models in (("A", models_a), ("B", models_b)) if models]


def _cell_sides(cell: Cell, v: Verdict, book: ScoreBook) -> list[SideValue]:
    """A cell's sides: its own members (the best one of a best-of side) or the claim's."""
    a = [cell.best_a] if cell.best_a else (list(cell.models_a) or list(v.models_a))
    b = [cell.best_b] if cell.best_b else (list(cell.models_b) or list(v.models_b))
    return _sides(book, a, b, list(cell.tasks), dict(cell.published or {}))


def _field(item: Any, name: str) -> Any:
    return item.get(name) if isinstance(item, dict) else getattr(item, name, None)


def _recorded(cell: Cell, book: ScoreBook | None = None) -> list[RecordedValue]:
    """Per-value provenance when the claims engine records it on the cell (`values` or `provenance`:
    items with value, n, source, setting, date, kind); [] when it does not. A measured value's run
    (`book`, by its "model @ task" label) says whether it was imported and, when the engine records
    no date, when it finished."""
    items = getattr(cell, "values", None) or getattr(cell, "provenance", None) or []
    if isinstance(items, dict):
        items = [{"label": k, **(x if isinstance(x, dict) else {"value": x})} for k, x in items.items()]
    out = []
    for item in items if isinstance(items, list) else []:
        label = _field(item, "label") or " @ ".join(str(x) for x in (_field(item, "model"), _field(item, "task")) if x)
        n = _field(item, "n")
        kind = str(_field(item, "kind") or "")
        model, _, task = str(label or "").partition(" @ ")
        run = book.measured.get((model, task)) if book is not None and kind == "measured" else None
        out.append(RecordedValue(str(label or ""), _num(_field(item, "value")), int(n) if isinstance(n, int) else None,
                                 str(_field(item, "source") or ""), str(_field(item, "setting") or ""),
                                 str(_field(item, "date") or "") or (run.date if run else ""), kind,
                                 run is not None and run.source.startswith(IMPORTED_SOURCE)))  # fmt: skip
    return out


POINT_UNITS = ("points", "points above chance")  # accuracy differences, where 1 item = 100 / n points


def _interval(cell: Cell, unit: str) -> tuple[float | None, float | None]:
    """The cell's 95% interval. A bootstrap over items that all agree (every item 0, or every pair
    equal) has zero width, which would claim certainty; then the rule of three bounds the share of
    items that could differ by 3 / n, so a difference in points is within ± 300 / n of the estimate."""
    low, high, est = _num(cell.ci_low), _num(cell.ci_high), _num(cell.estimate)
    if (low is None or high is None or est is None or high > low or cell.n_items <= 0
            or unit not in POINT_UNITS):  # fmt: skip
        return low, high
    half = 300.0 / cell.n_items
    return est - half, est + half


def _adjusted_direction(cells: Sequence[Cell]) -> str | None:
    """Which direction the cells' Holm-adjusted p tests (the claim's quantifier decides it), found by
    recomputing Holm over each direction's p-values."""
    from harness.claims.stats import holm

    adjusted = [c.p_adjusted for c in cells if c.p_adjusted is not None]
    if not cells or len(adjusted) < len(cells):
        return None
    for name in ("support", "refute"):
        raw = [1.0 if c.status != "ok" or getattr(c, f"p_{name}") is None else float(getattr(c, f"p_{name}"))
               for c in cells]  # fmt: skip
        pairs = zip(holm(raw), adjusted, strict=True)
        if all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-12) for x, y in pairs):
            return name
    return None


P_MEANING = {"support": "small p supports the claim", "refute": "small p refutes the claim"}


def _ranking(v: Verdict, book: ScoreBook) -> list[RankRow]:
    """Every model of a rank claim's group by its mean score over the claim's tasks, best first."""
    subjects = set(v.models_a)
    rows = []
    for m in dict.fromkeys([*v.models_a, *v.models_b]):
        got = [book.measured[(m, t)].value for t in v.tasks if (m, t) in book.measured]
        pub = [book.published[(m, t)].value for t in v.tasks if (m, t) in book.published]
        rows.append(RankRow(m, _mean(got), _mean(pub), m in subjects, len(got)))
    return sorted(rows, key=lambda r: (r.measured is None, -(r.measured or 0.0),
                                       r.published is None, -(r.published or 0.0), r.model))


def _claim_view(v: Verdict, claim: Any, describe: Callable[[Any], str], gpu: GpuHours,
                book: ScoreBook | None = None) -> ClaimView:  # fmt: skip
    thresholds, lower_is_better, supports = _thresholds(claim)
    book = book or ScoreBook()
    direction = v.p_direction or "support"
    cells = [CellView(c.label, list(c.tasks), _cell_models(c, v), c.status, c.n_items, _num(c.estimate),
                      *_interval(c, v.unit),
                      _num(c.p_support if direction == "support" else c.p_refute),
                      _num(c.p_adjusted), bool(v.headline) and c.label == v.headline,
                      _cell_sides(c, v, book), _recorded(c, book))
             for c in v.cells]
    adj = _adjusted_direction(v.cells)
    p_label = f"p ({direction}: {P_MEANING[direction]})"
    p_adj_label = f"p adj (Holm, {adj}: {P_MEANING[adj]})" if adj else "p adj (Holm)"
    head = v.headline_assessment
    others = [a for a in (v.measured, v.published) if a is not None and a is not head]
    evidence = [_evidence(a) for a in ([head] if head is not None else []) + others]
    missing = [(m, t) for m, t in v.runs_missing]
    hours, unplaceable = gpu.total(missing)
    needs = "; ".join(v.needs) if v.needs else (v.reason if v.verdict in ("deferred", "untestable") else "")
    return ClaimView(
        id=v.claim_id, article=v.source, quote=v.quote, statement=v.statement,
        operationalization=claim.operationalization or "", test=describe(claim), test_type=v.test_type,
        verdict=v.verdict, unit=v.unit, thresholds=thresholds, lower_is_better=lower_is_better,
        evidence=evidence, cells=cells, models=list(dict.fromkeys([*v.models_a, *v.models_b])), tasks=list(v.tasks),
        evidence_runs=v.n_runs_used, missing_runs=missing, commands=list(v.commands), gpu_hours=hours,
        unplaceable=unplaceable, notes=list(v.selection_notes), problems=list(v.evidence_problems), needs=needs,
        supports=supports, basis=v.basis,
        sides=[] if v.test_type == "rank" else _sides(book, v.models_a, v.models_b, v.tasks),
        ranking=_ranking(v, book) if v.test_type == "rank" else [], p_label=p_label, p_adj_label=p_adj_label,
        dry_runs=[f"{m} × {t}" for m in dict.fromkeys([*v.models_a, *v.models_b]) for t in v.tasks
                  if (m, t) in book.measured and book.measured[(m, t)].source.startswith(DRY_SOURCE)],
        imported_runs=[f"{m} × {t}" for m in dict.fromkeys([*v.models_a, *v.models_b]) for t in v.tasks
                       if (m, t) in book.measured and book.measured[(m, t)].source.startswith(IMPORTED_SOURCE)],
    )  # fmt: skip


def claims_view(verdicts: Sequence[Verdict], ledger: Ledger, catalog: Catalog, *, gpu: str = "h100-80gb",
                gpus_per_node: int = 8, scores: ScoreBook | None = None) -> list[ArticleView]:
    """Verdicts grouped by article (ledger order), each claim as plain data for the report.

    `scores`: the measured and published numbers per model × task, for each card's two values."""
    from harness.claims import describe_test

    claims = ledger.by_id()
    hours = GpuHours(catalog, gpu, gpus_per_node)
    views = [_claim_view(v, claims[v.claim_id], describe_test, hours, scores)
             for v in verdicts if v.claim_id in claims]
    articles = []
    for source in ledger.sources:
        mine = [c for c in views if c.article == source.file]
        counts = {k: sum(c.verdict == k for c in mine) for k in VERDICT_ORDER}
        counts.update({c.verdict: sum(x.verdict == c.verdict for x in mine) for c in mine})  # unknown names too
        articles.append(ArticleView(source.file, source.title, counts, mine))
    return articles


def evaluate_claims(ledger_path: Path, results_dir: Path, catalog: Catalog) -> tuple[list[Verdict], Ledger]:
    """Load the ledger and evaluate every claim against the results (what `harness claims` does)."""
    from harness.claims import evaluate, load_ledger
    from harness.report.jobs import no_gc

    ledger = load_ledger(ledger_path, catalog)
    with no_gc():  # it reads every evidence run's samples: ~16% less CPU without the collector's passes
        return list(evaluate(ledger, results_dir, catalog)), ledger


def size_class(params_b: float | None) -> str:
    """The ledger's size classes (total parameters): small < 10 B, medium 10–50 B, large >= 50 B."""
    if params_b is None:
        return "unknown"
    return "small" if params_b < 10 else "medium" if params_b < 50 else "large"
