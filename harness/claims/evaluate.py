"""Evaluate every ledger claim: measured evidence, published evidence, and the headline verdict.

Each claim draws from its own seeded generators (`[seed, crc32(claim id), crc32(unit)]`), so a
verdict does not depend on the order of the ledger. Each test type is dispatched through
`harness.claims.families.FAMILIES` (settle, roles, measured and published assessments); the claim's date
rule (`harness.claims.dates`) decides which models take part; the rules are in
`harness.claims.verdicts`.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from harness.claims.context import N_MIN, Context
from harness.claims.dates import load_dates
from harness.claims.evidence import Evidence
from harness.claims.families import FAMILIES
from harness.claims.ledger import Claim, Ledger
from harness.claims.missing import commands_for
from harness.claims.published import load_references
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import (
    DECIDED,
    DEFERRED,
    INCONCLUSIVE,
    NOT_RUN,
    PUBLISHED,
    UNTESTABLE,
    Verdict,
)  # fmt: skip
from harness.config import Catalog


class VerdictList(list[Verdict]):
    """The verdicts in ledger order, with what was found while reading the evidence."""

    problems: list[str]
    run_notes: list[str]


def _headline(v: Verdict) -> None:
    """Measured evidence wins when it says something; else the published (indicative) verdict; else not_run."""
    m, p = v.measured, v.published
    if m is not None and m.verdict in DECIDED:
        v.verdict, v.basis, v.reason = m.verdict, m.basis, m.reason
    elif p is not None and p.verdict in DECIDED:
        v.verdict, v.basis = p.verdict, PUBLISHED
        v.reason = f"published values only, indicative ({p.reason}); measured: {m.verdict if m else 'none'}"
    elif m is not None:  # nothing decided: no basis to name (a not_run claim rests on no evidence)
        v.verdict, v.basis, v.reason = m.verdict, "none" if m.verdict == NOT_RUN else m.basis, m.reason
    else:
        v.verdict, v.reason = INCONCLUSIVE, "published values do not decide it and nothing can be measured"
    if v.verdict == NOT_RUN:
        v.reason = f"{len(v.runs_missing)} run(s) missing; {v.reason}"


def evaluate_claim(claim: Claim, ctx: Context) -> Verdict:
    """One claim's verdict (see `harness.claims.verdicts` for the rules)."""
    test = claim.test
    v = Verdict(claim.id, claim.source, claim.statement, claim.quote, test.type, INCONCLUSIVE)
    family = FAMILIES[test.type]
    if family.settle(test, v):  # untestable, deferred: no evidence to read
        return v
    ctx = ctx.for_claim(claim.dates, claim.source)
    sample = ClaimSample(ctx.evidence, ctx.catalog, [ctx.seed, zlib.crc32(claim.id.encode())], ctx.n_boot)
    r = family.roles(test, ctx)
    v.measured, v.published = family.measured(test, ctx, sample), family.published(test, ctx)
    v.dates = ctx.availability.note(claim.source)
    if ctx.availability.emptied:
        for a in (v.measured, v.published):
            if a is not None and a.verdict in DECIDED:
                a.verdict, a.reason = INCONCLUSIVE, f"{v.dates}; was {a.verdict}: {a.reason}"
    v.models_a, v.models_b, v.tasks = r.models_a, r.models_b, r.tasks
    needed = {(m, t) for unit, models in sample.needs.items() for m in models for t in unit}
    v.runs_missing = sorted(sample.missing)
    v.runs_used = sorted({key for m, t in sample.used if (key := ctx.evidence.chosen_run(m, t)) is not None})
    v.selection_notes = [f"{m} × {t}: {note}" for m, t in sorted(sample.used) for note in ctx.evidence.notes(m, t)]
    v.selection_notes += sample.notes
    v.evidence_problems = sorted({p for m, t in needed for p in ctx.evidence.problems_for(m, t)})
    if v.runs_missing:
        v.commands = commands_for(v.runs_missing, ctx.catalog)
    _headline(v)
    return v


def evaluate(ledger: Ledger, results_dir: Path, catalog: Catalog, *, seed: int = 0, n_boot: int = 2000,
             n_min: int = N_MIN) -> VerdictList:  # fmt: skip
    """Verdicts for every ledger claim (untestable and deferred ones included), in ledger order.

    Reads runs under `results_dir/runs/` through the store's validated reader (ResultsError, an
    InputError, on a damaged record) and published values from `<catalog.config_dir>/references.csv`.
    The returned list carries `problems` (failed, unfinished or incomplete runs) and `run_notes`
    (run-selection choices: limited, stale or passed-over runs) for the whole results directory.
    """
    evidence = Evidence(results_dir, catalog)
    dates = load_dates(catalog.config_dir, {m: getattr(s, "released", None) for m, s in catalog.models.items()})
    ctx = Context(catalog, evidence, load_references(catalog.config_dir), seed, n_boot, n_min, dates)
    out = VerdictList(evaluate_claim(claim, ctx) for claim in ledger.claims)
    merge_identical(out, ledger)
    out.problems = list(evidence.problems)
    out.run_notes = [f"{m} × {t}: {note}" for (m, t) in sorted(evidence.selections) for note in evidence.notes(m, t)]
    return out


def merge_identical(verdicts: list[Verdict], ledger: Ledger) -> None:
    """Claims whose tests compare the identical cells (same test, models, tasks) are one computation:
    the first keeps the verdict and lists the others (`also_claimed_by`); the others point to it
    (`same_as`) and are not counted again."""
    claims = ledger.by_id()
    first: dict[str, Verdict] = {}
    for v in verdicts:
        if v.verdict in (UNTESTABLE, DEFERRED):
            continue
        key = repr((claims[v.claim_id].test.model_dump(mode="json"), v.models_a, v.models_b, v.tasks))
        if key in first:
            v.same_as = first[key].claim_id
            first[key].also_claimed_by.append(v.claim_id)
        else:
            first[key] = v


__all__ = ["N_MIN", "Context", "VerdictList", "evaluate", "evaluate_claim"]
