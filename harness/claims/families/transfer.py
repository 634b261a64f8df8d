"""`transfer`: non-English accuracy as a share of English on parallel items, A − B. Measured only."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, TransferTest
from harness.claims.paired import Roles
from harness.claims.reference import assess_transfer, transfer_roles
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import Assessment


class Transfer(Family[TransferTest]):
    type = "transfer"

    def describe(self, test: TransferTest) -> str:
        return (f"transfer on the share of {test.reference_language} accuracy: A [{selector(test.a)}] "
                f"{test.relation} B [{selector(test.b)}], margin {test.margin:g}, {test.quantifier} over "
                f"[{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: TransferTest) -> dict[str, ModelSelector]:
        return {"a": test.a, "b": test.b}

    def roles(self, test: TransferTest, ctx: Context) -> Roles:
        return transfer_roles(test, ctx)

    def measured(self, test: TransferTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_transfer(test, ctx, sample)
