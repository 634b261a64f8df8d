"""Evaluate every ledger claim against stored per-sample records and published values.

Each claim gets its own generator, `default_rng([seed, crc32(claim id)])`, so a verdict does
not depend on the order of the ledger. Paired types are in `harness.claims.paired`, rank and
coverage in `harness.claims.groupwise`, the verdict rules in `harness.claims.verdicts`.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import numpy as np

from harness.claims.context import N_MIN, Context
from harness.claims.evidence import Evidence, load_references
from harness.claims.groupwise import evaluate_coverage, evaluate_rank
from harness.claims.ledger import Claim, CoverageTest, Ledger, RankTest
from harness.claims.missing import commands_for
from harness.claims.paired import evaluate_paired
from harness.claims.verdicts import INCONCLUSIVE, NOT_RUN, UNTESTABLE, Verdict
from harness.config import Catalog


def evaluate_claim(claim: Claim, ctx: Context) -> Verdict:
    """One claim's verdict; the context's run sets and generator are reset for it."""
    v = Verdict(claim.id, claim.source, claim.statement, claim.quote, claim.test.type, INCONCLUSIVE)
    if claim.test.type == "untestable":
        v.verdict, v.reason = UNTESTABLE, claim.test.reason
        return v
    ctx.used, ctx.missing = set(), set()
    ctx.rng = np.random.default_rng([ctx.seed, zlib.crc32(claim.id.encode())])
    v.evidence_type = "measured"
    if isinstance(claim.test, RankTest):
        evaluate_rank(ctx, claim.test, v)
    elif isinstance(claim.test, CoverageTest):
        evaluate_coverage(ctx, claim.test, v)
    else:
        evaluate_paired(ctx, claim.test, v)
    v.evidence_runs = sorted({k for m, t in ctx.used for k in ctx.evidence.run_keys(m, t)})
    v.missing_runs = sorted(ctx.missing)
    if v.missing_runs:
        v.commands = commands_for(v.missing_runs, ctx.catalog)
        if v.verdict == NOT_RUN:
            v.reason = f"{len(v.missing_runs)} run(s) missing; " + v.reason
    return v


def evaluate(ledger: Ledger, results_dir: Path, catalog: Catalog, *, seed: int = 0, n_boot: int = 2000,
             n_min: int = N_MIN) -> list[Verdict]:  # fmt: skip
    """Verdicts for every ledger claim (untestable ones included), in ledger order.

    Reads complete runs under `results_dir/runs/` and published values from
    `<catalog.config_dir>/references.csv`. Seeded: each claim draws from
    `default_rng([seed, crc32(claim id)])`, so results do not depend on ledger order.
    """
    evidence = Evidence(results_dir, catalog)
    refs = load_references(catalog.config_dir)
    ctx = Context(catalog, evidence, refs, seed, n_boot, n_min)
    return [evaluate_claim(claim, ctx) for claim in ledger.claims]


__all__ = ["N_MIN", "evaluate", "evaluate_claim"]
