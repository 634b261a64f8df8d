"""Write `results/claims.csv` and `results/claims.md` from verdicts (atomic: temp file + os.replace).

claims.csv: one row per claim, every number the markdown shows and the full lists it abbreviates
(run keys, missing runs, commands). Empty cells (never "N/A") where a number does not apply;
lists joined with ';'; missing runs as `model@task`. Headline columns (`verdict`, `basis`,
`estimate`, `p_value`, …) come from the assessment that decided; the `measured_*` and
`published_*` columns hold both assessments side by side. `p_value` is the p of the direction
in `p_direction` (support: small means the claim holds; refute: small means it fails).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from harness.claims.ledger import Ledger
from harness.claims.markdown import to_markdown
from harness.claims.verdicts import DECIDED, DEFERRED, UNTESTABLE, VERDICTS, Assessment, Verdict
from harness.store import atomic_write_text

COLUMNS = [
    "claim_id", "source", "statement", "test_type", "verdict", "basis", "headline", "estimate", "ci_low",
    "ci_high", "p_value", "p_direction", "unit", "n_items",
    "measured_verdict", "measured_estimate", "measured_ci_low", "measured_ci_high", "measured_p_value",
    "measured_p_direction", "published_verdict", "published_estimate", "published_coverage",
    "published_protocol_match", "models_a", "models_b", "tasks", "n_runs_used", "n_runs_missing", "runs_used",
    "runs_missing", "evidence_problems", "selection_notes", "category", "needs", "reason", "commands",
    "published_ci_low", "published_ci_high", "published_p_value", "published_reason", "dates", "same_as",
    "also_claimed_by",
]  # fmt: skip
CELL_COLUMNS = ["claim_id", "assessment", "cell", "side", "model", "task", "value", "n", "kind", "source", "setting",
                "date", "protocol_match", "pick"]  # fmt: skip
NUMERIC = ["estimate", "ci_low", "ci_high", "p_value", "n_items", "measured_estimate", "measured_ci_low",
           "measured_ci_high", "measured_p_value", "published_estimate", "n_runs_used", "n_runs_missing",
           "published_ci_low", "published_ci_high", "published_p_value"]  # fmt: skip


def _num(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def _assessment_columns(prefix: str, a: Assessment | None) -> dict[str, object]:
    if a is None:
        return {}
    if prefix == "published":
        return {"published_verdict": a.verdict, "published_estimate": _num(a.estimate),
                "published_coverage": a.coverage, "published_protocol_match": a.protocol_match,
                "published_ci_low": _num(a.ci_low), "published_ci_high": _num(a.ci_high),
                "published_p_value": _num(a.p_value, 6), "published_reason": a.reason}  # fmt: skip
    return {"measured_verdict": a.verdict, "measured_estimate": _num(a.estimate), "measured_ci_low": _num(a.ci_low),
            "measured_ci_high": _num(a.ci_high), "measured_p_value": _num(a.p_value, 6),
            "measured_p_direction": a.p_direction}  # fmt: skip


def row(v: Verdict) -> dict[str, object]:
    """One claims.csv row."""
    untested = v.verdict in ("untestable", "deferred")
    return {
        "claim_id": v.claim_id, "source": v.source, "statement": v.statement, "test_type": v.test_type,
        "verdict": v.verdict, "basis": v.basis, "headline": v.headline, "estimate": _num(v.estimate),
        "ci_low": _num(v.ci_low), "ci_high": _num(v.ci_high), "p_value": _num(v.p_value, 6),
        "p_direction": v.p_direction, "unit": v.unit, "n_items": None if untested else v.n_items,
        **_assessment_columns("measured", v.measured), **_assessment_columns("published", v.published),
        "models_a": ";".join(v.models_a), "models_b": ";".join(v.models_b), "tasks": ";".join(v.tasks),
        "n_runs_used": None if untested else v.n_runs_used, "n_runs_missing": None if untested else v.n_runs_missing,
        "runs_used": ";".join(v.runs_used), "runs_missing": ";".join(f"{m}@{t}" for m, t in v.runs_missing),
        "evidence_problems": ";".join(v.evidence_problems), "selection_notes": ";".join(v.selection_notes),
        "category": v.category, "needs": ";".join(v.needs), "reason": v.reason, "commands": ";".join(v.commands),
        "dates": v.dates, "same_as": v.same_as, "also_claimed_by": ";".join(v.also_claimed_by),
    }  # fmt: skip


def cell_rows(verdicts: list[Verdict]) -> pd.DataFrame:
    """results/claims_cells.csv: one row per value a cell used (claim, assessment, cell, side, model,
    task, value, n, kind measured/published, source, setting, date, protocol match, best-of pick)."""
    rows = []
    for v in verdicts:
        for name, a in (("measured", v.measured), ("published", v.published)):
            if a is None:
                continue
            for c in a.cells:
                for x in c.values:
                    pick = a.picks.get(x.side, "")
                    rows.append([v.claim_id, name, c.label, x.side, x.model, x.task, round(x.value, 4), x.n, x.kind,
                                 x.source, x.setting, x.date, x.protocol_match, pick])  # fmt: skip
    return pd.DataFrame(rows, columns=CELL_COLUMNS).astype({"n": "Int64"})


def to_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    """One row per verdict, columns as in COLUMNS; missing numbers are NaN (written empty)."""
    frame = pd.DataFrame([row(v) for v in verdicts], columns=COLUMNS)
    for column in NUMERIC:
        frame[column] = pd.to_numeric(frame[column], errors="coerce")
    return frame.astype({"n_items": "Int64", "n_runs_used": "Int64", "n_runs_missing": "Int64"})


def write_reports(verdicts: list[Verdict], ledger: Ledger, results_dir: Path, *, problems: list[str] | None = None,
                  run_notes: list[str] | None = None) -> tuple[Path, Path]:  # fmt: skip
    """Write claims.csv, claims_cells.csv and claims.md under `results_dir`; returns claims.csv's and claims.md's paths.

    `problems` and `run_notes` default to the ones `evaluate` attached to its verdict list."""
    problems = problems if problems is not None else list(getattr(verdicts, "problems", []))
    run_notes = run_notes if run_notes is not None else list(getattr(verdicts, "run_notes", []))
    csv_path, md_path = results_dir / "claims.csv", results_dir / "claims.md"
    results_dir.mkdir(parents=True, exist_ok=True)
    atomic_write_text(csv_path, to_frame(verdicts).to_csv(index=False, na_rep=""))
    atomic_write_text(results_dir / "claims_cells.csv", cell_rows(verdicts).to_csv(index=False, na_rep=""))
    atomic_write_text(md_path, to_markdown(verdicts, ledger, problems, run_notes))
    return csv_path, md_path


MAX_NOTES = 20


def counts_line(verdicts: list[Verdict], which: str) -> str:
    """Verdict counts of one kind of evidence (measured | published), testable claims only."""
    found = [getattr(v, which) for v in verdicts if v.verdict not in (UNTESTABLE, DEFERRED)]
    names = ("supported", "refuted", "inconclusive", "not_covered" if which == "published" else "not_run")
    out = [f"{k} {sum(a is not None and a.verdict == k for a in found)}" for k in names]
    return ", ".join(out) + f", none {sum(a is None for a in found)}"


def summary_lines(verdicts: list[Verdict]) -> tuple[list[str], list[str]]:
    """(summary lines, note lines) for the terminal: verdict counts by basis; evidence problems and
    run-selection choices (at most MAX_NOTES each, the rest counted; all of them are in claims.md)."""
    own = [v for v in verdicts if v.same_as is None]  # a merged claim is one verdict
    counts = {k: sum(v.verdict == k for v in own) for k in VERDICTS}
    measured = sum(v.measured is not None and v.measured.verdict in DECIDED for v in own)
    published = sum(v.published is not None and v.published.verdict in DECIDED for v in own)
    testable = sum(v.verdict not in (UNTESTABLE, DEFERRED) for v in own)
    summary = [
        f"measured verdicts: {counts_line(own, 'measured')}",
        f"published (indicative) verdicts: {counts_line(own, 'published')}",
        f"claims with a measured verdict: {measured}; with a published-evidence verdict: {published} "
        f"(of {testable} testable; {len(verdicts) - len(own)} merged into a claim testing the same cells); "
        f"untestable: {counts[UNTESTABLE]}; deferred: {counts[DEFERRED]}",
    ]
    notes: list[str] = []
    for name, lines in (("problem", list(getattr(verdicts, "problems", []))),
                        ("run selection", list(getattr(verdicts, "run_notes", [])))):  # fmt: skip
        notes += [f"{name}: {line}" for line in lines[:MAX_NOTES]]
        if len(lines) > MAX_NOTES:
            notes.append(f"{name}: … and {len(lines) - MAX_NOTES} more (claims.md)")
    return summary, notes
