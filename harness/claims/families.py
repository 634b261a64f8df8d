"""The claim test families, keyed by test type: who a claim compares, its measured and published tests.

A family is three functions: `roles` (the models and tasks it compares, after the claim's date
rule), `measured` (the assessment from the harness's runs, or None) and `published` (the same
test on published values, or None). `evaluate` dispatches through FAMILIES only, so a new claim
type is its test model in `harness.claims.ledger` plus one entry here pointing at its module.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.claims.context import Context
from harness.claims.groupwise import assess_coverage, assess_rank, coverage_roles, published_rank, rank_roles
from harness.claims.paired import Roles, assess_paired, roles
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
from harness.claims.verdicts import Assessment


def _none(test: Any, ctx: Context) -> Assessment | None:
    return None


@dataclass(frozen=True)
class Family:
    roles: Callable[[Any, Context], Roles]
    measured: Callable[[Any, Context, ClaimSample], Assessment | None]
    published: Callable[[Any, Context], Assessment | None] = _none


FAMILIES: dict[str, Family] = {
    "compare": Family(roles, assess_paired, published_paired),
    "gain": Family(roles, assess_paired, published_paired),
    "efficiency": Family(roles, assess_paired, published_paired),
    "reference": Family(reference_roles, assess_reference, published_paired),
    "reproduction_gap": Family(gap_roles, assess_gap),
    "transfer": Family(transfer_roles, assess_transfer),
    "rank": Family(rank_roles, assess_rank, published_rank),
    "coverage": Family(coverage_roles, assess_coverage),
}
