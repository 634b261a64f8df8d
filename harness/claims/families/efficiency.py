"""`efficiency`: A vs B on points above chance per active B parameters, or correct answers per 1k
output tokens (which has no published form)."""

from __future__ import annotations

from harness.claims.context import Context
from harness.claims.contrast import Estimate
from harness.claims.evidence import task_chance
from harness.claims.families.base import Family, selector
from harness.claims.ledger import EfficiencyTest, ModelSelector
from harness.claims.paired import Roles, assess_groups, group_roles
from harness.claims.published_eval import group_layout, published_paired
from harness.claims.sample import ClaimSample
from harness.claims.verdicts import Assessment


def per_active_b(ctx: Context, model: str, label: str, est: Estimate) -> Estimate:
    """Published accuracy as points above chance per active B params (label: a task or task group)."""
    task = ctx.catalog.tasks.get(label) or ctx.catalog.tasks[ctx.catalog.groups()[label][0]]
    active = ctx.catalog.models[model].active_params_b
    shifted = est.shifted(-100.0 * task_chance(task))
    return Estimate(shifted.point / active, None if shifted.reps is None else shifted.reps / active)


class Efficiency(Family[EfficiencyTest]):
    type = "efficiency"

    def describe(self, test: EfficiencyTest) -> str:
        return (f"efficiency on {test.metric}: A [{selector(test.a)}] {test.relation} B [{selector(test.b)}], "
                f"margin {test.margin:g}, {test.quantifier} over [{selector(test.tasks)}]")  # fmt: skip

    def sides(self, test: EfficiencyTest) -> dict[str, ModelSelector]:
        return {"a": test.a, "b": test.b}

    def roles(self, test: EfficiencyTest, ctx: Context) -> Roles:
        return group_roles(test.a, test.b, test.tasks, ctx)

    def measured(self, test: EfficiencyTest, ctx: Context, sample: ClaimSample) -> Assessment:
        return assess_groups(test, self.roles(test, ctx), test.a.aggregate == "best", test.b.aggregate == "best",
                             test.metric, ctx, sample)  # fmt: skip

    def published(self, test: EfficiencyTest, ctx: Context) -> Assessment | None:
        if test.metric == "correct_per_1k_tokens":  # token counts are not published
            return None
        layout = group_layout(self.roles(test, ctx), test.a, test.b, metric=test.metric, transform=per_active_b)
        return published_paired(test, ctx, layout)
