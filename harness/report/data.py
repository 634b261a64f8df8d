"""The report's data: one `CellRow` per model × task evidence run, read through the store's results
reader (`harness.store.Results`), never from the files directly.

A row joins the run's primary metric (`accuracy`, or `acc` for log-likelihood tasks; the others are
kept in `other_metrics`), its provenance from the manifest, the published reference for the same
model and task (`configs/references.csv`, the leaderboard's join), and the notes the reader made
when it chose this run. Derived views (multilingual, reasoning, reproduction) are in
`harness.report.views`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.answer_types import ANSWER_TYPES
from harness.records import MetricRecord, RunManifest
from harness.report.claims_view import DRY_SOURCE, IMPORTED_SOURCE, Score, ScoreBook, size_class

if TYPE_CHECKING:
    from harness.config import Catalog
    from harness.store import Results, Selection

PRIMARY_METRICS = ("accuracy", "acc")


@dataclass(frozen=True)
class Variant:
    """What distinguishes models that share weights: thinking on/off, reasoning effort."""

    weights: str  # source repo (or id when the spec has none)
    thinking: bool | None
    effort: str | None


@dataclass
class CellRow:
    """One model × task: its evidence run's primary metric, reference and provenance."""

    model: str
    task: str
    family: str
    kind: str
    params_b: float | None
    active_params_b: float | None
    size: str
    suite: str
    group: str
    language: str
    metric: str
    score: float
    ci_low: float
    ci_high: float
    stderr: float
    n: int
    n_samples: int
    n_truncated: int
    n_ungradable: int
    mean_output_tokens: float
    other_metrics: dict[str, float]
    run_key: str
    limit: int | None
    device: str
    gpu_seconds_per_item: float | None
    variant: Variant
    provenance: dict[str, Any]
    notes: list[str] = field(default_factory=list)
    synthetic: bool = False  # `run_settings.synthetic`: test data, not a measurement
    dry: bool = False  # `backend: fake`: a dry run of the pipeline, not a measurement
    chance: float = 0.0  # the score of guessing: 1 / options for multiple choice, 0 otherwise
    imported: bool = False  # `harness import`: generated elsewhere (the source's protocol), graded here
    reference_score: float | None = None
    reference_source: str = ""
    reference_protocol_match: str = ""
    reference_setting: str = ""

    @property
    def truncation_rate(self) -> float:
        return self.n_truncated / self.n_samples if self.n_samples else 0.0

    @property
    def delta_vs_reference(self) -> float | None:
        """Points: our score × 100 minus the published percentage."""
        return None if self.reference_score is None else self.score * 100.0 - self.reference_score

    @property
    def abs_delta(self) -> float:
        return abs(self.delta_vs_reference or 0.0)


def _gpu_seconds(manifest: RunManifest, n_items: int) -> float | None:
    """Run wall time × GPUs per item, only when the run was measured on GPUs."""
    if not manifest.device.startswith("cuda") or not manifest.wall_s or n_items <= 0:
        return None
    engine = manifest.run_settings.get("engine") or {}
    gpus = int(engine.get("tensor_parallel_size") or 1) * int(engine.get("pipeline_parallel_size") or 1)
    return manifest.wall_s * gpus / n_items


def _variant(spec: dict[str, Any], model: str) -> Variant:
    source = spec.get("source") or {}
    reasoning = spec.get("reasoning") or {}
    weights = source.get("repo") or source.get("package") or source.get("path") or model
    return Variant(f"{weights}@{source.get('revision') or ''}", reasoning.get("enable_thinking"),
                   reasoning.get("effort"))


ASSUMED_CHOICES = 4  # multiple-choice tasks whose spec does not say how many options (the usual count)


def chance_of(task_spec: dict[str, Any]) -> float:
    """The accuracy of a uniform guess: 1 / options for multiple-choice tasks, 0 for open answers."""
    kind = ANSWER_TYPES.get(str(task_spec.get("answer_type")))
    return kind.chance(int(task_spec.get("choices") or ASSUMED_CHOICES)) if kind is not None else 0.0


def _primary(metrics: list[MetricRecord]) -> MetricRecord:
    for name in PRIMARY_METRICS:
        for m in metrics:
            if m.metric == name:
                return m
    return metrics[0]


def is_dry(manifest: RunManifest) -> bool:
    """A `backend: fake` run (the store's `RunInfo.dry`): it exercises the pipeline, measures nothing."""
    return (manifest.run_settings.get("backend") or manifest.model_spec.get("backend")) == "fake"


def provenance_of(manifest: RunManifest) -> dict[str, Any]:
    """What a reader needs to say where a number came from. A dry run used no inference package
    (whatever was installed when it ran) and no device, so it names neither."""
    dry = is_dry(manifest)
    return {
        "run_key": manifest.run_key, "model_revision": manifest.model_revision,
        "weights_hash": manifest.weights_hash, "data_files": dict(manifest.data_files),
        "packages": {} if dry else dict(manifest.packages),
        "device": "fake backend (no model)" if dry else manifest.device, "git_commit": manifest.git_commit,
        "harness_version": manifest.harness_version, "backend": manifest.run_settings.get("backend"),
        "limit": manifest.run_settings.get("limit"), "seeds": dict(manifest.seeds),
        "started_at": manifest.started_at, "finished_at": manifest.finished_at, "wall_s": manifest.wall_s,
        "n_requests": manifest.n_requests,
    }  # fmt: skip


def wilson(score: float, n: int, z: float = 1.959964) -> tuple[float, float]:
    """The Wilson 95% interval of a proportion: never of zero width, also at 0 or 1."""
    if n <= 0:
        return score, score
    centre = (score + z * z / (2 * n)) / (1 + z * z / n)
    half = z * ((score * (1 - score) / n + z * z / (4 * n * n)) ** 0.5) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def _interval(metric: MetricRecord) -> tuple[float, float]:
    """The metric's bootstrap interval, unless it has zero width (every item scored alike, e.g. all
    wrong): a bootstrap cannot show uncertainty then, so the Wilson interval stands in."""
    if metric.ci_high > metric.ci_low or metric.n <= 0 or not 0.0 <= metric.score <= 1.0:
        return metric.ci_low, metric.ci_high
    return wilson(metric.score, metric.n)


def _row(selection: Selection, metrics: list[MetricRecord]) -> CellRow:
    run = selection.chosen
    manifest = run.manifest
    m, t = manifest.model_spec, manifest.task_spec
    primary = _primary(metrics)
    params = m.get("params_b")
    return CellRow(
        model=run.model, task=run.task, family=str(m.get("family") or "?"), kind=str(m.get("kind") or "?"),
        params_b=params, active_params_b=m.get("active_params_b"), size=size_class(params),
        suite=str(t.get("suite") or "?"), group=str(t.get("group") or run.task), language=str(t.get("language") or "?"),
        metric=primary.metric, score=primary.score, ci_low=_interval(primary)[0], ci_high=_interval(primary)[1],
        stderr=primary.stderr, n=primary.n, n_samples=primary.n_samples, n_truncated=primary.n_truncated,
        n_ungradable=primary.n_ungradable, mean_output_tokens=primary.mean_output_tokens,
        other_metrics={x.metric: x.score for x in metrics if x is not primary},
        run_key=run.run_key, limit=run.limit, device=manifest.device,
        gpu_seconds_per_item=_gpu_seconds(manifest, primary.n), variant=_variant(m, run.model),
        provenance=provenance_of(manifest), notes=list(selection.notes),
        synthetic=bool(manifest.run_settings.get("synthetic")), dry=run.dry, chance=chance_of(t),
        imported=run.imported,
    )  # fmt: skip


def collect_cells(reader: Results) -> list[CellRow]:
    """One row per model × task with a usable evidence run that has metrics, sorted by model, task."""
    rows = []
    for selection in reader.selections().values():
        metrics = reader.metrics(selection.chosen)
        if metrics:
            rows.append(_row(selection, metrics))
    return rows


def best_references(references: Path | None) -> dict[tuple[str, str], dict[str, Any]]:
    """The published reference per (model, task) (the leaderboard's join: protocol match yes >
    unknown > no, then file order); {} without a references file."""
    if references is None or not references.is_file():
        return {}
    from harness.references import PROTOCOL_MATCHES, load_references

    refs = load_references(references)
    order = {m: i for i, m in enumerate(PROTOCOL_MATCHES)}
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for i, ref in enumerate(refs.to_dict(orient="records")):
        key = (str(ref["model"]), str(ref["task"]))
        rank = (order.get(str(ref["protocol_match"]), 3), i)
        if key not in best or rank < best[key]["_rank"]:
            best[key] = {**ref, "_rank": rank}
    return best


def attach_references(rows: list[CellRow], references: Path | dict[tuple[str, str], dict[str, Any]] | None) -> None:
    """Fill each row's published reference (`best_references`)."""
    if not rows:
        return
    best = references if isinstance(references, dict) else best_references(references)
    for row in rows:
        ref = best.get((row.model, row.task))
        if ref is not None:
            row.reference_score = float(ref["score"])
            row.reference_source = str(ref["source"])
            row.reference_protocol_match = str(ref["protocol_match"])
            row.reference_setting = str(ref["setting"])


def score_book(rows: list[CellRow], references: dict[tuple[str, str], dict[str, Any]]) -> ScoreBook:
    """Measured (these rows) and published (every reference) scores in percent, for the claim cards.
    A measured score's source says when its run was a dry run or imported (its date is then the import's)."""
    def source(r: CellRow) -> str:
        if r.dry:
            return f"{DRY_SOURCE} (backend: fake)"
        return f"{IMPORTED_SOURCE} run {r.run_key}" if r.imported else f"run {r.run_key}"

    measured = {(r.model, r.task): Score(100.0 * r.score, r.n, str(r.provenance.get("finished_at") or "")[:10],
                                         source(r)) for r in rows}  # fmt: skip
    published = {key: Score(float(ref["score"]), None, str(ref.get("date") or ref.get("published") or ""),
                            str(ref["source"]), str(ref["setting"]), str(ref["protocol_match"]))
                 for key, ref in references.items()}  # fmt: skip
    return ScoreBook(measured, published)


def default_references(catalog: Catalog | None) -> Path | None:
    from harness.config import default_config_dir

    path = (catalog.config_dir if catalog is not None else default_config_dir()) / "references.csv"
    return path if path.is_file() else None
