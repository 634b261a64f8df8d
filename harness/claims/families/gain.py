"""`gain`: the same model under two conditions, as (treated, control) pairs or each treated model
against the catalogue `base_model` it was built from."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.ledger import GainTest, ModelSelector
from harness.claims.paired import Roles, assess_pairs, pair_roles
from harness.claims.published_eval import Layout, published_paired
from harness.claims.sample import ClaimSample
from harness.claims.selectors import base_model_pairs, explicit_pairs, pairs_problems
from harness.claims.verdicts import Assessment
from harness.config import Catalog


def _pairs(test: GainTest, catalog: Catalog) -> list[tuple[str, str]]:
    if test.pairs:
        return explicit_pairs(test.pairs, catalog)
    assert test.treated is not None
    return base_model_pairs(test.treated, catalog)


class Gain(Family[GainTest]):
    type = "gain"

    def describe(self, test: GainTest) -> str:
        treated = selector(test.treated) if test.treated is not None else ""
        who = "; ".join(f"{a} vs {b}" for a, b in test.pairs) or f"[{treated}] vs its base_model"
        return (f"gain ({test.condition}): {who}, {test.relation} margin {test.margin:g}, {test.quantifier} "
                f"over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: GainTest) -> dict[str, ModelSelector]:
        return {"treated": test.treated} if test.treated is not None else {}

    def pair_problems(self, test: GainTest, catalog: Catalog) -> list[str]:
        return pairs_problems(self.type, lambda: _pairs(test, catalog))

    def roles(self, test: GainTest, ctx: Context) -> Roles:
        return pair_roles(_pairs(test, ctx.catalog), test.tasks, ctx)

    def measured(self, test: GainTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_pairs(test, self.roles(test, ctx), "accuracy", ctx, sample)

    def published(self, test: GainTest, ctx: Context) -> Assessment | None:
        return published_paired(test, ctx, Layout(self.roles(test, ctx), pairs=True))
