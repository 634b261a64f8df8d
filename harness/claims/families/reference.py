"""`reference`: scores against published values (`configs/references.csv`); side B is published,
side A measured (or published too, and then there is nothing to measure)."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, ReferenceTest
from harness.claims.paired import Roles
from harness.claims.published_eval import Layout, published_paired
from harness.claims.reference import assess_reference, reference_roles
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import Assessment


class Reference(Family[ReferenceTest]):
    type = "reference"
    published_sides = True

    def describe(self, test: ReferenceTest) -> str:
        return (f"reference: A [{selector(test.a)}] {test.relation} B [{selector(test.b)}], "
                f"margin {test.margin:g}, {test.quantifier} over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: ReferenceTest) -> dict[str, ModelSelector]:
        return {"a": test.a, "b": test.b}

    def roles(self, test: ReferenceTest, ctx: Context) -> Roles:
        return reference_roles(test, ctx)

    def measured(self, test: ReferenceTest, ctx: Context, sample: ClaimSample) -> Assessment | None:
        return assess_reference(test, ctx, sample)

    def published(self, test: ReferenceTest, ctx: Context) -> Assessment | None:
        r = self.roles(test, ctx)
        best_a = test.a.aggregate == "best" and len(r.models_a) > 1
        best_b = test.b.aggregate == "best" and len(r.models_b) > 1
        return published_paired(test, ctx, Layout(r, best_a=best_a, best_b=best_b, setting=test.setting,
                                                  protocol_match_only=test.protocol_match_only,
                                                  b_published=True))  # fmt: skip
