"""`reproduction_gap`: does one model fall short of its own published scores by more than the
baseline models fall short of theirs? Measured only (it needs the harness's runs)."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.families.base import Family, selector
from harness.claims.ledger import ModelSelector, ReproductionGapTest
from harness.claims.paired import Roles
from harness.claims.reference import assess_gap, gap_roles
from harness.claims.sample import ClaimSample
from harness.claims.selectors import resolve_models
from harness.claims.verdicts import Assessment
from harness.config import Catalog


class ReproductionGap(Family[ReproductionGapTest]):
    type = "reproduction_gap"

    def describe(self, test: ReproductionGapTest) -> str:
        return (f"reproduction gap of [{selector(test.model)}] (measured − published) minus that of "
                f"[{selector(test.baseline)}], {test.relation} margin {test.margin:g}, "
                f"{test.quantifier} over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: ReproductionGapTest) -> dict[str, ModelSelector]:
        return {"model": test.model, "baseline": test.baseline}

    def rule_problems(self, test: ReproductionGapTest, catalog: Catalog, problems: list[str]) -> list[str]:
        if not problems and len(resolve_models(test.model, catalog)) != 1:
            return [f"{self.type}: the model selector must name exactly one model"]
        return []

    def roles(self, test: ReproductionGapTest, ctx: Context) -> Roles:
        return gap_roles(test, ctx)

    def measured(self, test: ReproductionGapTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_gap(test, ctx, sample)
