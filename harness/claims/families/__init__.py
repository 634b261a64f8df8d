"""The claim test families, one module each, registered here by test type.

`evaluate`, `describe` and the ledger's load-time checks go through `FAMILIES` only: a new claim
type is its test model in `harness.claims.ledger` (a member of the `Test` union) plus one module
here with a `Family` subclass, listed in `_ALL`. See `harness.claims.families.base` for what a
family gives.
"""

from __future__ import annotations

from harness.claims.families.base import AnyFamily, Family
from harness.claims.families.compare import Compare
from harness.claims.families.coverage import Coverage
from harness.claims.families.deferred import Deferred
from harness.claims.families.efficiency import Efficiency
from harness.claims.families.gain import Gain
from harness.claims.families.rank import Rank
from harness.claims.families.reference import Reference
from harness.claims.families.reproduction_gap import ReproductionGap
from harness.claims.families.transfer import Transfer
from harness.claims.families.untestable import Untestable
from harness.claims.ledger import Claim
from harness.config import Catalog

_ALL: tuple[AnyFamily, ...] = (
    Compare(), Gain(), Efficiency(), Reference(), ReproductionGap(), Transfer(), Rank(), Coverage(),
    Untestable(), Deferred(),
)  # fmt: skip
FAMILIES: dict[str, AnyFamily] = {f.type: f for f in _ALL}


def family_of(claim: Claim) -> AnyFamily:
    """The family of a claim's test type."""
    return FAMILIES[claim.test.type]


def check_claim(claim: Claim, catalog: Catalog) -> list[str]:
    """Every problem with one claim's ids and selectors (empty list: the claim is sound)."""
    return family_of(claim).check(claim.test, catalog)


def describe_test(claim: Claim) -> str:
    """One line saying what a claim's test compares (for claims.md and the HTML report)."""
    return family_of(claim).describe(claim.test)


__all__ = ["FAMILIES", "Family", "check_claim", "describe_test", "family_of"]
