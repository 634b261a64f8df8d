"""`harness import`: read every file first (any bad input stops before anything is written), then
grade and write one run per file, then rebuild the leaderboard."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from harness.config import Catalog
from harness.errors import InputError
from harness.importers.base import SourceFile
from harness.importers.detect import expand, read_source
from harness.importers.match import Matching, match_items, resolve_model, resolve_task
from harness.importers.writer import SUMMARY_FILE, import_key, letter_task, write_run
from harness.specs import ModelSpec, TaskSpec
from harness.store.rundir import RunDir


@dataclass
class ImportReport:
    """What one file's import did: counts, accuracy both ways, agreement."""

    path: str
    format: str
    model: str
    task: str
    run_key: str
    already: bool  # the same content was imported before: nothing written
    n_items: int
    matched: int
    unmatched: int
    matched_by: dict[str, int]
    items_from: str
    graded_as: str
    accuracy: float | None  # the harness's grade of the matched items
    source_accuracy: float | None  # the source's own verdicts on the same items
    agreement: float | None  # share of items where both verdicts agree (where the source has one)
    n_compared: int
    wall_s: float
    source_metrics: dict[str, float] = field(default_factory=dict)
    per_filter: dict[str, dict[str, float]] = field(default_factory=dict)
    unmatched_examples: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The report as lines for a person."""
        def pct(x: float | None) -> str:
            return "n/a" if x is None else f"{100 * x:.2f}"

        head = (f"{self.path}: {self.format} → {self.model} × {self.task}, run {self.run_key}"
                + (" (already imported; nothing written)" if self.already else ""))
        how = ", ".join(f"{k} {v}" for k, v in self.matched_by.items()) or "-"
        out = [head,
               f"  items {self.n_items}, matched {self.matched} ({how}), unmatched {self.unmatched}; "
               f"items from {self.items_from}; graded as {self.graded_as}",
               f"  accuracy: harness {pct(self.accuracy)}, source {pct(self.source_accuracy)}; agreement "
               f"{pct(self.agreement)} over {self.n_compared} items; {self.wall_s:.1f} s"]
        for name, row in self.per_filter.items():
            out.append(f"  source {name}: {pct(row['source'])} (agreement with harness {pct(row['agreement'])})")
        for name, value in self.source_metrics.items():
            out.append(f"  source reported {name}: {pct(value)}")
        out.extend(f"  unmatched: {u}" for u in self.unmatched_examples)
        return out


@dataclass(frozen=True)
class _Planned:
    source: SourceFile
    model: ModelSpec
    task: TaskSpec
    matching: Matching
    run_key: str


def _summary(plan: _Planned, samples: list[Any], verdicts: list[dict[str, Any]], wall_s: float) -> dict[str, Any]:
    src = plan.source
    known = [v for v in verdicts if v["source_correct"] is not None]
    per_filter: dict[str, dict[str, float]] = {}
    names = sorted({k for v in verdicts for k in v["source_scores"]})
    for name in names:
        rows = [v for v in verdicts if name in v["source_scores"]]
        per_filter[name] = {
            "source": sum(v["source_scores"][name] for v in rows) / len(rows),
            "agreement": sum((v["source_scores"][name] >= 1.0) == v["harness_correct"] for v in rows) / len(rows)}
    unmatched = plan.matching.unmatched
    return {
        "source": {"format": src.format, "path": str(src.path), "sha256": src.sha256, "model": src.model_hint,
                   "task": src.task_hint, "other_files": src.extra_files},
        "model": plan.model.id, "task": plan.task.id, "run_key": plan.run_key,
        "n_items": len(src.items), "matched": len(plan.matching.pairs), "matched_by": plan.matching.matched_by,
        "unmatched": [{"row": u.row, "id": u.source_id, "reason": u.reason} for u in unmatched],
        "items_from": plan.matching.items_from, "task_items": plan.matching.n_docs,
        "graded_as": ("written letters (the letter grader; the file has no log-likelihoods)"
                      if letter_task(plan.task, src) is not None else plan.task.answer_type),
        "accuracy": sum(s.correct for s in samples) / len(samples) if samples else None,
        "source_accuracy": sum(bool(v["source_correct"]) for v in known) / len(known) if known else None,
        "agreement": sum(bool(v["agree"]) for v in known) / len(known) if known else None,
        "n_compared": len(known), "per_filter": per_filter, "source_metrics": src.source_metrics,
        "protocol": src.protocol, "settings": src.settings, "wall_s": round(wall_s, 3),
    }


def _report(summary: dict[str, Any], already: bool, wall_s: float) -> ImportReport:
    unmatched = summary["unmatched"]
    examples = [f"row {u['row']} (id {u['id']}): {u['reason']}" for u in unmatched[:5]]
    if len(unmatched) > 5:
        examples.append(f"… and {len(unmatched) - 5} more (listed in {SUMMARY_FILE})")
    return ImportReport(
        path=summary["source"]["path"], format=summary["source"]["format"], model=summary["model"],
        task=summary["task"], run_key=summary["run_key"], already=already, n_items=summary["n_items"],
        matched=summary["matched"], unmatched=len(unmatched), matched_by=summary["matched_by"],
        items_from=summary["items_from"], graded_as=summary.get("graded_as", "-"),
        accuracy=summary["accuracy"], source_accuracy=summary["source_accuracy"],
        agreement=summary["agreement"], n_compared=summary["n_compared"], wall_s=wall_s,
        source_metrics=summary["source_metrics"], per_filter=summary["per_filter"], unmatched_examples=examples)


def import_paths(paths: list[Path], results: Path, catalog: Catalog, *, fmt: str | None = None,
                 model_id: str | None = None, task_id: str | None = None,
                 fields: dict[str, str] | None = None) -> list[ImportReport]:
    """Import every file under `paths` into `results`; one report per file.

    Every file is read, its model and task resolved and its items matched before anything is
    written: bad input (InputError) leaves the results directory as it was."""
    from harness.leaderboard import rebuild_leaderboard

    plans = []
    for path in expand(paths):
        t0 = time.perf_counter()
        source = read_source(path, fmt, fields)
        model = resolve_model(catalog, source, model_id)
        task = resolve_task(catalog, source, task_id)
        matching = match_items(task, source)
        if not matching.pairs:
            first = matching.unmatched[0] if matching.unmatched else None
            raise InputError(f"{path}: none of its {len(source.items)} items match task '{task.id}'"
                             + (f" (row {first.row}: {first.reason})" if first else ""),
                             "pass --task with the task these outputs are for")
        plan = _Planned(source, model, task, matching, import_key(source, model, task))
        plans.append((plan, time.perf_counter() - t0))
    reports = []
    for plan, read_s in plans:
        t0 = time.perf_counter()
        done = RunDir(results, plan.run_key)
        if done.is_complete() and (done.path / SUMMARY_FILE).is_file():
            summary = json.loads((done.path / SUMMARY_FILE).read_text(encoding="utf-8"))
            reports.append(_report(summary, True, read_s + time.perf_counter() - t0))
            continue

        def summarise(samples: list[Any], verdicts: list[dict[str, Any]], plan: _Planned = plan,
                      started: float = t0, read_s: float = read_s) -> dict[str, Any]:
            return _summary(plan, samples, verdicts, read_s + time.perf_counter() - started)

        summary = write_run(results, plan.source, plan.matching, plan.model, plan.task, plan.run_key, summarise)
        reports.append(_report(summary, False, read_s + time.perf_counter() - t0))
    if reports:
        rebuild_leaderboard(results)
    return reports
