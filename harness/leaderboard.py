"""`results/leaderboard.csv`: one row per model × task × metric, rebuilt from the run records.

The CSV is derived data: every update rebuilds it from `runs/*/manifest.json` + `metrics.json`
under an exclusive lock and replaces it atomically, so re-running updates rows rather than
duplicating them, and concurrent jobs sharing a results directory cannot corrupt it. When several
complete runs exist for one model × task × metric (e.g. after a package upgrade changed the run
key), the most recently finished one is shown.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from harness.records import RunManifest
from harness.store import atomic_write_text, file_lock, iter_runs

COLUMNS = [
    "model", "family", "developer", "country", "params_b", "active_params_b", "task", "suite",
    "language", "metric", "score", "stderr", "ci_low", "ci_high", "n", "n_samples", "n_truncated",
    "n_ungradable", "mean_output_tokens", "tokens_per_s", "backend", "device", "run_key",
    "harness_version", "finished_at", "reference_score", "reference_source", "delta_vs_reference",
    "reference_protocol_match",
]

LEADERBOARD = "leaderboard.csv"
LOCK = ".leaderboard.lock"


def _row(manifest: RunManifest, metric: dict) -> dict[str, object]:
    m, t = manifest.model_spec, manifest.task_spec
    return {
        "model": manifest.model, "family": m.get("family"), "developer": m.get("developer"),
        "country": m.get("country"), "params_b": m.get("params_b"),
        "active_params_b": m.get("active_params_b"), "task": manifest.task, "suite": t.get("suite"),
        "language": t.get("language"), "metric": metric["metric"],
        "score": round(metric["score"], 6), "stderr": round(metric["stderr"], 6),
        "ci_low": round(metric["ci_low"], 6), "ci_high": round(metric["ci_high"], 6),
        "n": metric["n"], "n_samples": metric["n_samples"], "n_truncated": metric["n_truncated"],
        "n_ungradable": metric["n_ungradable"],
        "mean_output_tokens": round(metric["mean_output_tokens"], 2),
        "tokens_per_s": round(metric["tokens_per_s"], 2),
        "backend": manifest.run_settings.get("backend"), "device": manifest.device,
        "run_key": manifest.run_key, "harness_version": manifest.harness_version,
        "finished_at": manifest.finished_at,
    }


def collect_rows(results: Path) -> list[dict[str, object]]:
    """Latest complete run per model × task × metric."""
    best: dict[tuple[str, str, str], dict[str, object]] = {}
    for run in iter_runs(results):
        manifest = run.read_manifest()
        if manifest is None or manifest.status != "complete":
            continue
        for metric in run.read_metrics():
            row = _row(manifest, metric.model_dump())
            key = (manifest.model, manifest.task, metric.metric)
            if key not in best or str(row["finished_at"]) > str(best[key]["finished_at"]):
                best[key] = row
    return [best[k] for k in sorted(best)]


def _with_references(rows: list[dict[str, object]], references: Path | None) -> list[dict[str, object]]:
    if not rows or references is None or not references.is_file():
        return rows
    import pandas as pd

    from harness.references import attach_references, load_references

    board = attach_references(pd.DataFrame(rows), load_references(references), score_column="score")
    board = board.astype(object).where(board.notna(), None)
    return board.to_dict(orient="records")


def render_csv(rows: list[dict[str, object]]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if row.get(k) is None else row.get(k)) for k in COLUMNS})
    return buf.getvalue()


def default_references() -> Path | None:
    from harness.config import default_config_dir

    path = default_config_dir() / "references.csv"
    return path if path.is_file() else None


def update_leaderboard(results: Path, references: Path | None = None) -> Path:
    """Rebuild `<results>/leaderboard.csv` from the run records, under a lock, atomically."""
    results.mkdir(parents=True, exist_ok=True)
    path = results / LEADERBOARD
    with file_lock(results / LOCK):
        rows = _with_references(collect_rows(results), references or default_references())
        atomic_write_text(path, render_csv(rows))
    return path
