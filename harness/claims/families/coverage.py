"""`coverage`: one model is above chance + margin in at least N languages (statistics:
`harness.claims.groupwise`). Measured only."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.groupwise import assess_coverage, coverage_roles
from harness.claims.ledger import CoverageTest, ModelSelector
from harness.claims.paired import Roles
from harness.claims.sample import ClaimSample
from harness.claims.selectors import resolve_models
from harness.claims.verdicts import Assessment
from harness.config import Catalog


class Coverage(Family[CoverageTest]):
    type = "coverage"

    def describe(self, test: CoverageTest) -> str:
        return (f"coverage: [{selector(test.model)}] above chance + {test.margin:g} points "
                f"in {test.min_languages} languages of [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: CoverageTest) -> dict[str, ModelSelector]:
        return {"model": test.model}

    def rule_problems(self, test: CoverageTest, catalog: Catalog, problems: list[str]) -> list[str]:
        if not problems and len(resolve_models(test.model, catalog)) != 1:
            return [f"{self.type}: the model selector must name exactly one model"]
        return []

    def roles(self, test: CoverageTest, ctx: Context) -> Roles:
        return coverage_roles(test, ctx)

    def measured(self, test: CoverageTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_coverage(test, ctx, sample)
