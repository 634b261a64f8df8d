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
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.errors import HarnessError

if TYPE_CHECKING:
    from harness.claims import Assessment, Cell, Ledger, Verdict
    from harness.config import Catalog
    from harness.specs import ModelSpec

VERDICT_ORDER = ("supported", "refuted", "inconclusive", "not_run", "deferred", "untestable")


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
    basis: str = ""  # the assessment the cell belongs to: measured | measured vs published | published (indicative)
    # every value the cell used (`harness.claims.CellValue`: side, model, task, value, n, kind measured/published,
    # source, setting, date, protocol_match)
    values: list[Any] = field(default_factory=list)


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


@dataclass(frozen=True)
class ArticleView:
    file: str
    title: str
    counts: dict[str, int]
    claims: list[ClaimView]


def _num(x: Any) -> float | None:
    try:
        value = float(x)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


def _thresholds(claim: Any) -> tuple[list[float], bool]:
    test = claim.test
    kind = getattr(test, "type", "")
    if kind == "rank":
        return [float(test.k)], True
    if kind == "coverage":
        return [float(test.margin)], False
    margin = float(getattr(test, "margin", 0.0))
    relation = getattr(test, "relation", "greater")
    lines = {"greater": [margin], "less": [-margin], "at_least": [-margin], "within": [-margin, margin]}
    return sorted(set(lines.get(relation, [margin]))), False


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


def _claim_view(v: Verdict, claim: Any, describe: Callable[[Any], str], gpu: GpuHours) -> ClaimView:
    thresholds, lower_is_better = _thresholds(claim)
    cells = [CellView(c.label, list(c.tasks), _cell_models(c, v), c.status, c.n_items, _num(c.estimate),
                      _num(c.ci_low), _num(c.ci_high),
                      _num(c.p_support if (v.p_direction or "support") == "support" else c.p_refute),
                      _num(c.p_adjusted), bool(v.headline) and c.label == v.headline,
                      v.headline_assessment.basis if v.headline_assessment else "", list(c.values))
             for c in v.cells]
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
    )  # fmt: skip


def claims_view(verdicts: Sequence[Verdict], ledger: Ledger, catalog: Catalog, *, gpu: str = "h100-80gb",
                gpus_per_node: int = 8) -> list[ArticleView]:
    """Verdicts grouped by article (ledger order), each claim as plain data for the report."""
    from harness.claims import describe_test

    claims = ledger.by_id()
    hours = GpuHours(catalog, gpu, gpus_per_node)
    views = [_claim_view(v, claims[v.claim_id], describe_test, hours) for v in verdicts if v.claim_id in claims]
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

    ledger = load_ledger(ledger_path, catalog)
    return list(evaluate(ledger, results_dir, catalog)), ledger


def size_class(params_b: float | None) -> str:
    """The ledger's size classes (total parameters): small < 10 B, medium 10–50 B, large >= 50 B."""
    if params_b is None:
        return "unknown"
    return "small" if params_b < 10 else "medium" if params_b < 50 else "large"
