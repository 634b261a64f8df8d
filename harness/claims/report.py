"""Write `results/claims.csv` and `results/claims.md` from verdicts (atomic: temp file + os.replace).

claims.csv: one row per claim; empty cells (never "N/A") where a number does not apply; lists
joined with ';'; missing runs as `model@task`. `p_value` is the bootstrap p-value against the
claim's null (small supports the claim; Holm-adjusted for `any`; for rank, twice the share of
replicates contradicting it). `evidence_type` says whether numbers were measured here, taken
from published reports, or both (measured vs published); they are never pooled silently.
claims.md: the same, grouped by article, each verdict beside its original sentence.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import pandas as pd

from harness.claims.ledger import (
    Claim,
    CompareTest,
    EfficiencyTest,
    GainTest,
    Ledger,
    ModelSelector,
    RankTest,
    ReferenceTest,
    TaskSelector,
    UntestableTest,
)  # fmt: skip
from harness.claims.verdicts import VERDICTS, Verdict

COLUMNS = [
    "claim_id", "source", "statement", "verdict", "estimate", "ci_low", "ci_high", "p_value", "n_items",
    "models_a", "models_b", "tasks", "evidence_runs", "missing_runs", "test_type", "unit",
    "evidence_type", "reason", "commands",
]  # fmt: skip


MAX_LISTED = 24  # missing runs named in claims.md; claims.csv lists every one


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _num(x: float | None, digits: int = 4) -> float | None:
    return None if x is None or not math.isfinite(x) else round(float(x), digits)


def to_frame(verdicts: list[Verdict]) -> pd.DataFrame:
    """One row per verdict, columns as in COLUMNS; missing numbers are NaN (written empty)."""
    rows = [
        {
            "claim_id": v.claim_id, "source": v.source, "statement": v.statement, "verdict": v.verdict,
            "estimate": _num(v.estimate), "ci_low": _num(v.ci_low), "ci_high": _num(v.ci_high),
            "p_value": _num(v.p_value, 6), "n_items": v.n_items if v.test_type != "untestable" else None,
            "models_a": ";".join(v.models_a), "models_b": ";".join(v.models_b), "tasks": ";".join(v.tasks),
            "evidence_runs": ";".join(v.evidence_runs),
            "missing_runs": ";".join(f"{m}@{t}" for m, t in v.missing_runs),
            "test_type": v.test_type, "unit": v.unit, "evidence_type": v.evidence_type,
            "reason": v.reason, "commands": ";".join(v.commands),
        }  # fmt: skip
        for v in verdicts
    ]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    return frame.astype({"n_items": "Int64"})


def _selector(sel: ModelSelector | TaskSelector) -> str:
    parts = [f"{k}={','.join(map(str, v))}" for k, v in sel.model_dump().items() if isinstance(v, list) and v]
    if isinstance(sel, ModelSelector):
        if sel.aggregate == "best":
            parts.append("best of")
        if sel.source == "published":
            parts.append("published")
    return " ".join(parts)


def describe_test(claim: Claim) -> str:
    """One line saying what the test compares, for the report."""
    t = claim.test
    if isinstance(t, UntestableTest):
        return "untestable"
    tasks = _selector(t.tasks)
    if isinstance(t, CompareTest | EfficiencyTest | ReferenceTest):
        metric = f" on {t.metric}" if isinstance(t, EfficiencyTest) else ""
        return (f"{t.type}{metric}: A [{_selector(t.a)}] {t.relation} B [{_selector(t.b)}], "
                f"margin {t.margin:g}, {t.quantifier} over tasks [{tasks}]")  # fmt: skip
    if isinstance(t, GainTest):
        treated = _selector(t.treated) if t.treated is not None else ""
        who = "; ".join(f"{a} vs {b}" for a, b in t.pairs) or f"[{treated}] vs its base_model"
        return f"gain ({t.condition}): {who}, {t.relation} margin {t.margin:g}, {t.quantifier} over [{tasks}]"
    if isinstance(t, RankTest):
        return (f"rank on {t.metric}: [{_selector(t.target)}] {t.claim.replace('_', ' ')} (k = {t.k}) "
                f"among [{_selector(t.among)}] on [{tasks}]")  # fmt: skip
    return (f"coverage: [{_selector(t.model)}] above chance + {t.margin:g} points "
            f"in {t.min_languages} languages of [{tasks}]")  # fmt: skip


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt(x: float | None, unit: str) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    return f"{x:.0f}" if unit in ("rank", "languages") else f"{x:+.2f}"


def _verdict_block(v: Verdict, claim: Claim) -> list[str]:
    out = [f"### `{v.claim_id}` — **{v.verdict}**", "", f"> {claim.quote}", "", claim.statement, ""]
    if claim.operationalization:
        out += [f"*Operationalization:* {claim.operationalization}", ""]
    out += [f"*Test:* {describe_test(claim)}", ""]
    if v.estimate is not None:
        ci = f" [{_fmt(v.ci_low, v.unit)}, {_fmt(v.ci_high, v.unit)}]" if v.ci_low is not None else ""
        p = f", p = {v.p_value:.4g}" if v.p_value is not None else ""
        n = f", n = {v.n_items} items" if v.n_items else ""
        out += [f"*Result:* {_fmt(v.estimate, v.unit)} {v.unit}{ci}{p}{n}; evidence: {v.evidence_type or 'none'}", ""]
    out += [f"*Why:* {v.reason}", ""]
    if len(v.cells) > 1 and any(c.status != "missing" for c in v.cells):
        out += ["| cell | status | n | estimate | 95% CI | p | p adj |", "|---|---|---|---|---|---|---|"]
        for c in v.cells:
            adj = f"{c.p_adjusted:.3g}" if c.p_adjusted is not None else ""
            ci = f"[{_fmt(c.ci_low, '')}, {_fmt(c.ci_high, '')}]" if c.ci_low is not None else ""
            p = f"{c.p_support:.3g}" if c.status == "ok" else ""
            out.append(f"| {c.label} | {c.status} | {c.n_items} | {_fmt(c.estimate, '')} | {ci} | {p} | {adj} |")
        out.append("")
    if v.evidence_runs:
        out += [f"*Runs used:* {', '.join(v.evidence_runs)}", ""]
    if v.missing_runs:
        listed = ", ".join(f"{m} × {t}" for m, t in v.missing_runs[:MAX_LISTED])
        extra = len(v.missing_runs) - MAX_LISTED
        more = f" and {extra} more (all in claims.csv)" if extra > 0 else ""
        out += [f"*Missing runs ({len(v.missing_runs)}):* {listed}{more}", "", "```", *v.commands, "```", ""]
    return out


def to_markdown(verdicts: list[Verdict], ledger: Ledger) -> str:
    """claims.md: a summary table, then per article each verdict beside its quote."""
    claims = ledger.by_id()
    lines = ["# Claims ledger: verdicts", "",
             "Differences are A − B in percentage points unless a unit says otherwise. Evidence is",
             "`measured` (our runs), `published` (reported numbers only) or `measured vs published`.",
             "p: bootstrap p-value against the claim's null (small supports it); p adj: Holm-adjusted.", "",
             "| article | " + " | ".join(VERDICTS) + " |", "|---" * (len(VERDICTS) + 1) + "|"]  # fmt: skip
    for src in ledger.sources:
        counts = [sum(v.source == src.file and v.verdict == k for v in verdicts) for k in VERDICTS]
        lines.append(f"| {src.title} | " + " | ".join(map(str, counts)) + " |")
    lines.append("")
    for src in ledger.sources:
        mine = [v for v in verdicts if v.source == src.file]
        lines += [f"## {src.title}", "", f"`{src.file}`", ""]
        for v in (v for v in mine if v.verdict != "untestable"):
            lines += _verdict_block(v, claims[v.claim_id])
        untestable = [v for v in mine if v.verdict == "untestable"]
        if untestable:
            lines += ["#### Judged untestable", "", "| claim | quote | reason |", "|---|---|---|"]
            lines += [f"| `{v.claim_id}` | {_cell(v.quote)} | {_cell(v.reason)} |" for v in untestable]
            lines.append("")
    return "\n".join(lines)


def write_reports(verdicts: list[Verdict], ledger: Ledger, results_dir: Path) -> tuple[Path, Path]:
    """Write claims.csv and claims.md under `results_dir`; returns their paths."""
    csv_path, md_path = results_dir / "claims.csv", results_dir / "claims.md"
    _atomic_write(csv_path, to_frame(verdicts).to_csv(index=False, na_rep=""))
    _atomic_write(md_path, to_markdown(verdicts, ledger))
    return csv_path, md_path
