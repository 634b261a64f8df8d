"""`compare`: model group A vs group B on the same items, or explicit (a, b) model pairs."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.ledger import CompareTest, ModelSelector
from harness.claims.paired import Roles, assess_groups, assess_pairs, group_roles, pair_roles
from harness.claims.published_eval import Layout, group_layout, published_paired
from harness.claims.sample import ClaimSample
from harness.claims.selectors import explicit_pairs, pairs_problems
from harness.claims.verdicts import Assessment
from harness.config import Catalog


class Compare(Family[CompareTest]):
    type = "compare"

    def describe(self, test: CompareTest) -> str:
        tasks = selector(test.tasks)
        if test.pairs:
            who = "; ".join(f"{a} vs {b}" for a, b in test.pairs)
            return (f"compare pairs ({who}), A − B {test.relation} margin {test.margin:g}, {test.quantifier} "
                    f"over [{tasks}]")  # fmt: skip
        assert test.a is not None and test.b is not None
        return (f"compare: A [{selector(test.a)}] {test.relation} B [{selector(test.b)}], "
                f"margin {test.margin:g}, {test.quantifier} over [{tasks}]")  # fmt: skip

    def sides(self, test: CompareTest) -> dict[str, ModelSelector]:
        if test.pairs:
            return {}
        assert test.a is not None and test.b is not None
        return {"a": test.a, "b": test.b}

    def pair_problems(self, test: CompareTest, catalog: Catalog) -> list[str]:
        return pairs_problems(self.type, lambda: explicit_pairs(test.pairs, catalog)) if test.pairs else []

    def roles(self, test: CompareTest, ctx: Context) -> Roles:
        if test.pairs:
            return pair_roles(explicit_pairs(test.pairs, ctx.catalog), test.tasks, ctx)
        assert test.a is not None and test.b is not None
        return group_roles(test.a, test.b, test.tasks, ctx)

    def measured(self, test: CompareTest, ctx: Context, sample: ClaimSample) -> Assessment:
        r = self.roles(test, ctx)
        if test.pairs:
            return assess_pairs(test, r, "accuracy", ctx, sample)
        assert test.a is not None and test.b is not None
        return assess_groups(test, r, test.a.aggregate == "best", test.b.aggregate == "best", "accuracy", ctx,
                             sample)  # fmt: skip

    def published(self, test: CompareTest, ctx: Context) -> Assessment | None:
        r = self.roles(test, ctx)
        if test.pairs:
            return published_paired(test, ctx, Layout(r, pairs=True))
        assert test.a is not None and test.b is not None
        return published_paired(test, ctx, group_layout(r, test.a, test.b))
