"""The one place the report touches `harness.claims`: verdicts + ledger → plain data to render.

Everything the claims section shows goes through `claims_view(...)`, so a change in the claims
package (new verdict fields, new verdict names) is absorbed here. Fields that newer verdicts may
carry are read with `getattr` and defaults: a published-evidence verdict beside the measured one
(`published`), the cell that decided (`headline_cell`), the direction a p-value was computed in
(`p_direction`), evidence `problems` and `notes`, and `needs` for `deferred` claims.

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
    from harness.claims import Ledger, Verdict
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


def _cell_models(cell: Any, v: Any) -> list[str]:
    """The models a cell compares: a gain cell names its pair ("A vs B @ task"), a coverage cell
    its one model, other cells both sides of the claim."""
    both = [*v.models_a, *v.models_b]
    label = str(cell.label)
    if " vs " in label and " @ " in label:
        pair = label.rsplit(" @ ", 1)[0].split(" vs ")
        if all(m in both for m in pair):
            return pair
    return list(dict.fromkeys(both))


def _p_label(v: Any) -> str:
    direction = getattr(v, "p_direction", None)
    return f"p ({direction})" if direction else "p"


def _evidence(v: Any, kind: str) -> EvidenceView:
    return EvidenceView(kind, str(v.verdict), _num(v.estimate), _num(v.ci_low), _num(v.ci_high), _num(v.p_value),
                        _p_label(v), int(getattr(v, "n_items", 0) or 0), str(getattr(v, "reason", "")))


def _published(v: Any) -> EvidenceView | None:
    """A published-evidence verdict carried beside the measured one, whatever shape it has."""
    for name in ("published", "published_verdict"):
        other = getattr(v, name, None)
        if other is None:
            continue
        if isinstance(other, str):
            return EvidenceView("published", other, None, None, None, None, "p", 0, "")
        if hasattr(other, "verdict"):
            return _evidence(other, "published")
    return None


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
    headline = getattr(v, "headline_cell", None)
    cells = [CellView(str(c.label), str(c.task).split(","), _cell_models(c, v), str(c.status), int(c.n_items),
                      _num(c.estimate), _num(c.ci_low), _num(c.ci_high),
                      _num(c.p_support) if c.status == "ok" else None, _num(c.p_adjusted),
                      headline is not None and c.label == headline)
             for c in v.cells]
    evidence = [_evidence(v, v.evidence_type or "measured")] if v.verdict != "untestable" else []
    published = _published(v)
    if published is not None:
        evidence.append(published)
    missing = [tuple(r) for r in v.missing_runs]
    hours, unplaceable = gpu.total(missing)  # type: ignore[arg-type]
    return ClaimView(
        id=v.claim_id, article=v.source, quote=v.quote, statement=v.statement,
        operationalization=claim.operationalization or "", test=describe(claim), test_type=v.test_type,
        verdict=v.verdict, unit=v.unit, thresholds=thresholds, lower_is_better=lower_is_better,
        evidence=evidence, cells=cells, models=list(dict.fromkeys([*v.models_a, *v.models_b])), tasks=list(v.tasks),
        evidence_runs=len(v.evidence_runs), missing_runs=missing,  # type: ignore[arg-type]
        commands=list(v.commands), gpu_hours=hours, unplaceable=unplaceable,
        notes=[str(n) for n in getattr(v, "notes", []) or []],
        problems=[str(p) for p in getattr(v, "problems", []) or []],
        needs=str(getattr(v, "needs", "") or (v.reason if v.verdict in ("deferred", "untestable") else "")),
    )  # fmt: skip


def claims_view(verdicts: Sequence[Verdict], ledger: Ledger, catalog: Catalog, *, gpu: str = "h100-80gb",
                gpus_per_node: int = 8) -> list[ArticleView]:
    """Verdicts grouped by article (ledger order), each claim as plain data for the report."""
    from harness.claims.report import describe_test

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
    """Load the ledger and evaluate every claim against the results (what `harness claims` does).

    The bootstrap replicates are dropped (the report shows intervals, not replicates), which keeps
    the verdicts small when they come back from a worker process."""
    from harness.claims import evaluate, load_ledger

    ledger = load_ledger(ledger_path, catalog)
    verdicts = evaluate(ledger, results_dir, catalog)
    for v in verdicts:
        for cell in v.cells:
            cell.reps = None
    return verdicts, ledger


def size_class(params_b: float | None) -> str:
    """The ledger's size classes (total parameters): small < 10 B, medium 10–50 B, large >= 50 B."""
    if params_b is None:
        return "unknown"
    return "small" if params_b < 10 else "medium" if params_b < 50 else "large"
