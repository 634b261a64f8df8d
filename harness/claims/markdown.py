"""claims.md: a summary, what was found in the evidence, then per article each claim beside its quote
with its measured and published (indicative) assessments side by side. Long lists (run keys, missing
runs, commands) are counted here and listed in full in claims.csv."""

from __future__ import annotations

import math

from harness.claims.describe import describe_test
from harness.claims.ledger import Claim, Ledger
from harness.claims.verdicts import DECIDED, PUBLISHED, VERDICTS, Assessment, Cell, Verdict

MAX_LINES = 12  # problems, notes and commands listed before "… and N more (claims.csv)"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fmt(x: float | None, unit: str = "") -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if unit in ("rank", "languages", "tasks"):
        return f"{x:.0f}"
    return f"{x:+.2f}"


def _p(a: Assessment) -> str:
    if a.p_value is None:
        return "–"
    return f"{a.p_value:.3g} ({a.p_direction})"


def _ci(lo: float | None, hi: float | None, unit: str = "") -> str:
    return "–" if lo is None or hi is None else f"[{_fmt(lo, unit)}, {_fmt(hi, unit)}]"


def _capped(lines: list[str], what: str) -> list[str]:
    out = [f"- {_cell(x)}" for x in lines[:MAX_LINES]]
    if len(lines) > MAX_LINES:
        out.append(f"- … and {len(lines) - MAX_LINES} more {what} (all in claims.csv)")
    return out


def _assessment_row(label: str, a: Assessment | None) -> str:
    if a is None:
        return f"| {label} | – | | | | | | |"
    protocol = a.protocol_match or "–"
    n = str(a.n_items) if a.n_items else "–"
    return (f"| {label} | **{a.verdict}** | {_cell(a.headline) or '–'} | {_fmt(a.estimate, a.unit)} | "
            f"{_ci(a.ci_low, a.ci_high, a.unit)} | {_p(a)} | {n} | {protocol} |")  # fmt: skip


EMPTY_CELL_STATUSES = ("missing", "not_covered")


def _values(c: Cell) -> str:
    """Every value a cell used: model @ task = value (n, source, setting, date)."""
    out = []
    for x in c.values:
        where = ", ".join(p for p in (f"n={x.n}" if x.n else "", x.source, x.setting,
                                      x.date or ("date not stated" if x.kind == "published" else "")) if p)  # fmt: skip
        out.append(f"{x.side}: {x.model} @ {x.task} = {x.value:.4g} ({where})")
    return "; ".join(out)


def _cells_table(cells: list[Cell], unit: str) -> list[str]:
    """The cells with evidence; cells without any are counted, not listed (claims.csv has them all)."""
    out = ["| cell | status | n | estimate | 95% CI | p support | p refute | p adj | best A / B | values (n, source, "
           "setting, date) |",
           "|---|---|---|---|---|---|---|---|---|---|"]  # fmt: skip
    empty = [c for c in cells if c.status in EMPTY_CELL_STATUSES]
    for c in cells:
        if c.status in EMPTY_CELL_STATUSES:
            continue
        p = [f"{x:.3g}" if x is not None else "" for x in (c.p_support, c.p_refute, c.p_adjusted)]
        best = " / ".join(x for x in (c.best_a or "", c.best_b or "") if x)
        published = _values(c) or ", ".join(f"{k} = {v:g}" for k, v in c.published.items())
        if c.protocol_match:
            published += f" (protocol: {c.protocol_match})"
        if c.note:
            published += f"; {c.note}"
        est = _fmt(c.estimate, unit)
        out.append(f"| {_cell(c.label)} | {c.status} | {c.n_items or ''} | {est} | {_ci(c.ci_low, c.ci_high, unit)} | "
                   f"{' | '.join(p)} | {_cell(best)} | {_cell(published)} |")  # fmt: skip
    if empty:
        out += ["", f"{len(empty)} more cell(s) without evidence yet: "
                    + _cell(", ".join(c.label for c in empty[:6]) + (" …" if len(empty) > 6 else ""))]
    return [*out, ""]


def verdict_block(v: Verdict, claim: Claim, claims: dict[str, Claim] | None = None) -> list[str]:
    basis = f" ({v.basis})" if v.basis not in ("none", "") else ""
    claims = claims or {}
    out = [f"### `{v.claim_id}` — **{v.verdict}**{basis}", "", f"> {claim.quote}", "", claim.statement, ""]
    if v.same_as:
        return out[:-2] + [f"Tests the identical cells as `{v.same_as}`: one verdict, shown there.", ""]
    if claim.operationalization:
        out += [f"*Operationalization:* {claim.operationalization}", ""]
    if claim.notes:
        out += [f"*Notes:* {claim.notes}", ""]
    for other in v.also_claimed_by:
        out += [f"*Also claimed by `{other}` (identical cells, one verdict):*", "", f"> {claims[other].quote}", ""]
    out += [f"*Test:* {describe_test(claim)}", ""]
    if v.dates:
        out += [f"*Dates:* {_cell(v.dates.removeprefix('dates: '))}", ""]
    out += ["| evidence | verdict | headline | estimate | 95% CI | p (direction) | n items | protocol match |",
            "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    measured_label = v.measured.basis if v.measured is not None else "measured"
    out += [_assessment_row(measured_label, v.measured), _assessment_row(PUBLISHED, v.published), ""]
    out += [f"*Why:* {_cell(v.reason)}", ""]
    if v.published is not None and v.published.coverage:
        out += [f"*Published coverage:* {_cell(v.published.coverage)}", ""]
    if v.published is not None and v.published.reason and v.basis != PUBLISHED:
        out += [f"*Published (indicative):* {_cell(v.published.reason)}", ""]
    shown = v.measured if v.measured is not None and v.measured.verdict in DECIDED else v.headline_assessment
    if shown is None or not any(c.status not in EMPTY_CELL_STATUSES for c in shown.cells):
        shown = v.published or v.measured
    if shown is not None and any(c.status not in EMPTY_CELL_STATUSES for c in shown.cells):
        out += _cells_table(shown.cells, shown.unit)
    runs = f"*Runs:* {v.n_runs_used} used, {v.n_runs_missing} missing"
    out += [runs + (" (run keys and missing runs listed in claims.csv)" if v.runs_used or v.runs_missing else ""), ""]
    if v.commands:
        out += ["```", *v.commands[:MAX_LINES], "```", ""]
        if len(v.commands) > MAX_LINES:
            out += [f"… and {len(v.commands) - MAX_LINES} more commands (claims.csv)", ""]
    if v.selection_notes:
        out += ["*Run selection:*", *_capped(v.selection_notes, "notes"), ""]
    if v.evidence_problems:
        out += ["*Evidence problems:*", *_capped(v.evidence_problems, "problems"), ""]
    return out


MEASURED_NAMES = ("supported", "refuted", "inconclusive", "not_run")
PUBLISHED_NAMES = ("supported", "refuted", "inconclusive", "not_covered")


def _summary(verdicts: list[Verdict], ledger: Ledger) -> list[str]:
    """Counts per article, measured and published (indicative) apart; merged claims counted once."""
    own = [v for v in verdicts if v.same_as is None]
    lines = ["| article | " + " | ".join(f"measured {k}" for k in MEASURED_NAMES) + " | "
             + " | ".join(f"published {k}" for k in PUBLISHED_NAMES) + " | untestable | deferred |",
             "|---" * (len(MEASURED_NAMES) + len(PUBLISHED_NAMES) + 3) + "|"]  # fmt: skip
    for src in ledger.sources:
        mine = [v for v in own if v.source == src.file]
        m = [sum(v.measured is not None and v.measured.verdict == k for v in mine) for k in MEASURED_NAMES]
        p = [sum(v.published is not None and v.published.verdict == k for v in mine) for k in PUBLISHED_NAMES]
        rest = [sum(v.verdict == k for v in mine) for k in ("untestable", "deferred")]
        lines.append(f"| {src.title} | " + " | ".join(map(str, [*m, *p, *rest])) + " |")
    merged = len(verdicts) - len(own)
    lines += ["", "Headline verdicts (measured where it decides, else published (indicative)): "
              + ", ".join(f"{k} {sum(v.verdict == k for v in own)}" for k in VERDICTS)
              + (f"; {merged} claim(s) merged into a claim testing the identical cells." if merged else "."), ""]
    return lines


def to_markdown(verdicts: list[Verdict], ledger: Ledger, problems: list[str], run_notes: list[str]) -> str:
    """claims.md: summary, evidence problems and run-selection notes, then every claim by article."""
    claims = ledger.by_id()
    lines = ["# Claims ledger: verdicts", "",
             "Estimates are A − B in percentage points unless a unit says otherwise. Each claim has a measured",
             "assessment (our runs; `measured vs published` when side B is a published value) and, where",
             "`configs/references.csv` covers its cells, a **published (indicative)** assessment of the same test",
             "(each published score an aggregate over the n items of its benchmark: binomial interval per side,",
             "see docs/claims.md). The headline verdict is the measured one when it says something, else the",
             "published (indicative) one. p: p-value of the direction shown (support: small means the claim",
             "holds; refute: small means it fails); p adj: Holm-adjusted. Every value used, with its source,",
             "setting and date, is in the cells tables and in claims_cells.csv.", "",
             *_summary(verdicts, ledger)]  # fmt: skip
    lines += ["## Evidence read", ""]
    n_runs = len({r for v in verdicts for r in v.runs_used})
    if problems:
        lines += ["*Problems:*", *_capped(problems, "problems"), ""]
    elif n_runs:
        lines += [f"No problems found in the {n_runs} run(s) used.", ""]
    else:
        lines += ["No runs were read: there is no measured evidence, and no run was checked.", ""]
    if run_notes:
        lines += ["*Run selection (limited, stale or passed-over runs):*", *_capped(run_notes, "notes"), ""]
    for src in ledger.sources:
        mine = [v for v in verdicts if v.source == src.file]
        lines += [f"## {src.title}", "", f"`{src.file}`", ""]
        for v in (v for v in mine if v.verdict not in ("untestable", "deferred")):
            lines += verdict_block(v, claims[v.claim_id], claims)
        untestable = [v for v in mine if v.verdict == "untestable"]
        if untestable:
            lines += ["#### Untestable", "", "| claim | quote | category | reason |", "|---|---|---|---|"]
            lines += [f"| `{v.claim_id}` | {_cell(v.quote)} | {v.category} | {_cell(v.reason)} |" for v in untestable]
            lines.append("")
        deferred = [v for v in mine if v.verdict == "deferred"]
        if deferred:
            lines += ["#### Deferred (what would make them testable)", "", "| claim | quote | needs | reason |",
                      "|---|---|---|---|"]  # fmt: skip
            lines += [f"| `{v.claim_id}` | {_cell(v.quote)} | {_cell('; '.join(v.needs))} | {_cell(v.reason)} |"
                      for v in deferred]  # fmt: skip
            lines.append("")
    if ledger.dropped:
        lines += ["## Dropped from the ledger", "", "| entry | article | quote | reason |", "|---|---|---|---|"]
        lines += [f"| `{d.id}` | `{d.source}` | {_cell(d.quote)} | {_cell(d.reason)} |" for d in ledger.dropped]
        lines.append("")
    return "\n".join(lines)
