"""`results/leaderboard.csv`: one row per model × task × metric, rebuilt from the run records.

The CSV is derived data: every update rebuilds it from `runs/*/manifest.json` + `metrics.json`
under an exclusive lock and replaces it atomically, so re-running updates rows rather than
duplicating them, and concurrent jobs sharing a results directory cannot corrupt it. Runs are read
through the store's one results reader (`harness.store.Results`), which also chooses the run shown
when several complete runs exist for one model × task (measured runs over dry `backend: fake` runs,
current specs over stale ones, full runs over `--limit` runs, then more requests, then the latest
finished); `limit` says when a row rests on a limited run, `dry_run` when on a fake-backend run.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from harness.records import MetricRecord, RunManifest
from harness.store import Problem, Results, ResultsError, atomic_write_text, file_lock

if TYPE_CHECKING:
    from harness.config import Catalog

COLUMNS = [
    "model", "family", "developer", "country", "params_b", "active_params_b", "task", "suite",
    "language", "metric", "score", "stderr", "ci_low", "ci_high", "n", "n_samples", "n_truncated",
    "n_ungradable", "mean_output_tokens", "tokens_per_s", "backend", "device", "run_key",
    "harness_version", "finished_at", "reference_score", "reference_source", "delta_vs_reference",
    "reference_protocol_match", "limit", "dry_run",
]

LEADERBOARD = "leaderboard.csv"
LOCK = ".leaderboard.lock"


def _row(manifest: RunManifest, metric: MetricRecord, limit: int | None, dry: bool = False) -> dict[str, object]:
    m, t = manifest.model_spec, manifest.task_spec
    return {
        "model": manifest.model, "family": m.get("family"), "developer": m.get("developer"),
        "country": m.get("country"), "params_b": m.get("params_b"),
        "active_params_b": m.get("active_params_b"), "task": manifest.task, "suite": t.get("suite"),
        "language": t.get("language"), "metric": metric.metric,
        "score": round(metric.score, 6), "stderr": round(metric.stderr, 6),
        "ci_low": round(metric.ci_low, 6), "ci_high": round(metric.ci_high, 6),
        "n": metric.n, "n_samples": metric.n_samples, "n_truncated": metric.n_truncated,
        "n_ungradable": metric.n_ungradable,
        "mean_output_tokens": round(metric.mean_output_tokens, 2),
        "tokens_per_s": round(metric.tokens_per_s, 2),
        "backend": manifest.run_settings.get("backend"), "device": manifest.device,
        "run_key": manifest.run_key, "harness_version": manifest.harness_version,
        "finished_at": manifest.finished_at, "limit": limit, "dry_run": dry or None,
    }


def collect_rows(results: Path | Results) -> list[dict[str, object]]:
    """One row per metric of the evidence run of each model × task (see `Results.select`)."""
    reader = results if isinstance(results, Results) else Results(results, skip_damaged=True)
    rows: list[dict[str, object]] = []
    for selection in reader.selections().values():
        run = selection.chosen
        try:
            metrics = reader.metrics(run)
        except ResultsError as exc:
            if not reader.skip_damaged:
                raise
            # One damaged file must not take every other run's rows (or the run that is rebuilding) down.
            reader.problems.append(Problem(str(run.dir.metrics_path), f"damaged, not used: {exc.message}",
                                           run.model, run.task))
            continue
        rows.extend(_row(run.manifest, metric, run.limit, run.dry) for metric in metrics)
    return sorted(rows, key=lambda r: (str(r["model"]), str(r["task"]), str(r["metric"])))


def _with_references(rows: list[dict[str, object]], references: Path | None) -> list[dict[str, object]]:
    if not rows or references is None or not references.is_file():
        return rows
    import pandas as pd

    from harness.references import attach_references, load_references

    board = attach_references(pd.DataFrame(rows), load_references(references), score_column="score")
    board = board.astype(object).where(board.notna(), None)
    return board.to_dict(orient="records")


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> object:
    """A cell as a spreadsheet should read it: text that a spreadsheet would run as a formula (it starts
    with = + - @, a tab or a carriage return) gets a leading apostrophe; numbers, including negative
    ones and text that is just a number, stay as they are."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        try:
            float(value)
        except ValueError:
            return "'" + value
    return value


def render_csv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: csv_cell(row.get(k)) for k in COLUMNS})
    return buf.getvalue()


def default_references() -> Path | None:
    from harness.config import default_config_dir

    path = default_config_dir() / "references.csv"
    return path if path.is_file() else None


def default_catalog() -> Catalog | None:
    """The default catalogue, which `harness claims` and `harness report` read too, so that the CSV
    chooses the same runs as they do (stale specs rank lower); None when it cannot be loaded."""
    from harness.config import load_catalog
    from harness.errors import HarnessError

    try:
        return load_catalog()
    except (HarnessError, OSError):
        return None


def rebuild_leaderboard(results: Path, references: Path | None = None,
                        catalog: Catalog | None = None) -> tuple[Path, list[Problem], list[str]]:  # fmt: skip
    """Rebuild `<results>/leaderboard.csv` under a lock, atomically.

    Runs are chosen by `Results.selections()` with `catalog` (default: `default_catalog()`), the
    rule the claims and the report use. Returns the path, the problems found while reading the
    runs, and the notes on which run was shown where a model × task has several (both for the
    person running the command to see)."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / LEADERBOARD
    with file_lock(results / LOCK):
        reader = Results(results, catalog or default_catalog(), skip_damaged=True)
        rows = _with_references(collect_rows(reader), references or default_references())
        atomic_write_text(path, render_csv(rows))
    notes = [f"{m} × {t}: {note}" for (m, t), sel in reader.selections().items() for note in sel.notes]
    return path, reader.problems, notes


def update_leaderboard(results: Path, references: Path | None = None, catalog: Catalog | None = None) -> Path:
    """Rebuild `<results>/leaderboard.csv` from the run records, under a lock, atomically."""
    return rebuild_leaderboard(results, references, catalog)[0]
