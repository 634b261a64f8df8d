"""Evaluate every ledger claim: measured evidence, published evidence, and the headline verdict.

Each claim draws from its own seeded generators (`[seed, crc32(claim id), crc32(unit)]`), so a
verdict does not depend on the order of the ledger. Paired tests are in `harness.claims.paired`
and `harness.claims.reference`, rank and coverage in `harness.claims.groupwise`, published-only
assessments in `harness.claims.published_eval`; the rules are in `harness.claims.verdicts`.
"""

from __future__ import annotations

import zlib
from pathlib import Path

from harness.claims.context import N_MIN, Context
from harness.claims.evidence import Evidence
from harness.claims.groupwise import assess_coverage, assess_rank, coverage_roles, published_rank, rank_roles
from harness.claims.ledger import (
    Claim,
    CompareTest,
    CoverageTest,
    DeferredTest,
    EfficiencyTest,
    GainTest,
    Ledger,
    RankTest,
    ReferenceTest,
    ReproductionGapTest,
    TransferTest,
    UntestableTest,
)  # fmt: skip
from harness.claims.missing import commands_for
from harness.claims.paired import Roles, assess_paired, roles
from harness.claims.published import load_references
from harness.claims.published_eval import published_paired
from harness.claims.reference import (
    assess_gap,
    assess_reference,
    assess_transfer,
    gap_roles,
    reference_roles,
    transfer_roles,
)  # fmt: skip
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import (
    DECIDED,
    DEFERRED,
    INCONCLUSIVE,
    NOT_RUN,
    PUBLISHED,
    UNTESTABLE,
    Assessment,
    Verdict,
)  # fmt: skip
from harness.config import Catalog


class VerdictList(list[Verdict]):
    """The verdicts in ledger order, with what was found while reading the evidence."""

    problems: list[str]
    run_notes: list[str]


def _assess(claim: Claim, ctx: Context, sample: ClaimSample) -> tuple[Roles, Assessment | None, Assessment | None]:
    test = claim.test
    if isinstance(test, CompareTest | GainTest | EfficiencyTest):
        return roles(test, ctx), assess_paired(test, ctx, sample), published_paired(test, ctx)
    if isinstance(test, ReferenceTest):
        return reference_roles(test, ctx), assess_reference(test, ctx, sample), published_paired(test, ctx)
    if isinstance(test, ReproductionGapTest):
        return gap_roles(test, ctx), assess_gap(test, ctx, sample), None
    if isinstance(test, TransferTest):
        return transfer_roles(test, ctx), assess_transfer(test, ctx, sample), None
    if isinstance(test, RankTest):
        return rank_roles(test, ctx), assess_rank(test, ctx, sample), published_rank(test, ctx)
    assert isinstance(test, CoverageTest)
    return coverage_roles(test, ctx), assess_coverage(test, ctx, sample), None


def _headline(v: Verdict) -> None:
    """Measured evidence wins when it says something; else the published-only verdict; else not_run."""
    m, p = v.measured, v.published
    if m is not None and m.verdict in DECIDED:
        v.verdict, v.basis, v.reason = m.verdict, m.basis, m.reason
    elif p is not None and p.verdict in DECIDED:
        v.verdict, v.basis = p.verdict, PUBLISHED
        v.reason = f"published-only ({p.coverage or 'published values'}); measured: {m.verdict if m else 'none'}"
    elif m is not None:
        v.verdict, v.basis, v.reason = m.verdict, m.basis, m.reason
    else:
        v.verdict, v.reason = INCONCLUSIVE, "published values do not decide it and nothing can be measured"
    if v.verdict == NOT_RUN:
        v.reason = f"{len(v.runs_missing)} run(s) missing; {v.reason}"


def evaluate_claim(claim: Claim, ctx: Context) -> Verdict:
    """One claim's verdict (see `harness.claims.verdicts` for the rules)."""
    test = claim.test
    v = Verdict(claim.id, claim.source, claim.statement, claim.quote, test.type, INCONCLUSIVE)
    if isinstance(test, UntestableTest):
        v.verdict, v.reason, v.category = UNTESTABLE, test.reason, test.category
        return v
    if isinstance(test, DeferredTest):
        v.verdict, v.reason, v.needs = DEFERRED, test.reason, list(test.needs)
        return v
    sample = ClaimSample(ctx.evidence, ctx.catalog, [ctx.seed, zlib.crc32(claim.id.encode())], ctx.n_boot)
    r, v.measured, v.published = _assess(claim, ctx, sample)
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
    ctx = Context(catalog, evidence, load_references(catalog.config_dir), seed, n_boot, n_min)
    out = VerdictList(evaluate_claim(claim, ctx) for claim in ledger.claims)
    out.problems = list(evidence.problems)
    out.run_notes = [f"{m} × {t}: {note}" for (m, t) in sorted(evidence.selections) for note in evidence.notes(m, t)]
    return out


__all__ = ["N_MIN", "Context", "VerdictList", "evaluate", "evaluate_claim"]
