"""`rank`: the best model of a target group ranks within (or outside) the top k among others,
on the mean over tasks or task by task (statistics: `harness.claims.groupwise`)."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.groupwise import assess_rank, published_rank, rank_roles
from harness.claims.ledger import ModelSelector, RankTest
from harness.claims.paired import Roles
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import Assessment
from harness.config import Catalog


class Rank(Family[RankTest]):
    type = "rank"

    def describe(self, test: RankTest) -> str:
        scope = f"per task, at least {test.min_tasks} task(s)" if test.per_task else "on the mean over tasks"
        return (f"rank on {test.metric}: [{selector(test.target)}] {test.claim.replace('_', ' ')} (k = {test.k}) "
                f"among [{selector(test.among)}] {scope} of [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: RankTest) -> dict[str, ModelSelector]:
        return {"target": test.target, "among": test.among}

    def rule_problems(self, test: RankTest, catalog: Catalog, problems: list[str]) -> list[str]:
        if test.min_tasks != "all" and int(test.min_tasks) < 1:
            return ["rank: min_tasks must be at least 1 (or all)"]
        return []

    def roles(self, test: RankTest, ctx: Context) -> Roles:
        return rank_roles(test, ctx)

    def measured(self, test: RankTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_rank(test, ctx, sample)

    def published(self, test: RankTest, ctx: Context) -> Assessment | None:
        return published_rank(test, ctx)
