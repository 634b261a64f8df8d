"""`coverage`: one model is above chance + margin (points) in at least N languages. Measured only.

Per language (mean over the language's tasks), the score above chance in points is
tested against the margin. "At least N languages" counts Holm-adjusted passes; refutation needs
at least (total − N + 1) Holm-adjusted failures (with `all`: any one failure, Holm over all
languages); support with `all` needs every language to pass (intersection–union). The estimate is
the number of languages above chance + margin, with the bounds [Holm passes, total − Holm
failures]; a coverage claim still waiting for runs has no estimate.
"""

from __future__ import annotations

from harness.claims import stats
from harness.claims.context import Context
from harness.claims.contrast import mean_of
from harness.claims.families.base import Family, selector
from harness.claims.ledger import CoverageTest, ModelSelector
from harness.claims.paired import Roles
from harness.claims.sample import METRIC_UNITS, ClaimSample
from harness.claims.selectors import resolve_models, resolve_tasks
from harness.claims.verdicts import (
    INCONCLUSIVE,
    MEASURED,
    NOT_RUN,
    REFUTED,
    SUPPORTED,
    Assessment,
    Cell,
    verdict_from_p,
)
from harness.config import Catalog
from harness.specs import TaskSpec


def coverage_roles(test: CoverageTest, ctx: Context) -> Roles:
    return Roles(resolve_models(test.model, ctx.catalog), [], [t.id for t in resolve_tasks(test.tasks, ctx.catalog)])


def assess_coverage(test: CoverageTest, ctx: Context, sample: ClaimSample) -> Assessment:
    (model,) = resolve_models(test.model, ctx.catalog)
    by_lang: dict[str, list[TaskSpec]] = {}
    for t in resolve_tasks(test.tasks, ctx.catalog):
        by_lang.setdefault(t.language, []).append(t)
        sample.need((t.id,), [model])
    cells, p_pass, p_fail = [], [], []
    for lang, lang_tasks in sorted(by_lang.items()):
        ids = [t.id for t in lang_tasks]
        cell = Cell(lang, ids, models_a=[model])
        cells.append(cell)
        if not all(sample.has((t,), [model]) for t in ids):
            cell.status, cell.missing_runs = "missing", sorted((model, t) for t in ids if (model, t) in sample.missing)
            p_pass.append(1.0)
            p_fail.append(1.0)
            continue
        excess = mean_of([sample.estimates((t,), "excess")[model][t] for t in ids])
        assert excess.reps is not None
        cell.n_items = sum(sample.n_items((t,)) for t in ids)
        cell.estimate = excess.point
        cell.ci_low, cell.ci_high = stats.percentile_ci(excess.reps)
        cell.p_support = stats.p_above(excess.point, excess.reps, test.margin)
        cell.p_refute = stats.p_below(excess.point, excess.reps, test.margin)
        if cell.n_items < ctx.n_min:
            cell.status = "too_few"
        p_pass.append(cell.p_support if cell.status == "ok" else 1.0)
        p_fail.append(cell.p_refute if cell.status == "ok" else 1.0)
    total = len(cells)
    need = total if test.min_languages == "all" else test.min_languages
    p_support, p_refute = stats.at_least_n(p_pass, p_fail, need)
    holm_pass, holm_fail = stats.holm(p_pass), stats.holm(p_fail)
    for cell, p in zip(cells, holm_fail if need == total else holm_pass, strict=True):
        cell.p_adjusted = p
    passed = total if need == total and p_support < stats.ALPHA else sum(p < stats.ALPHA for p in holm_pass)
    failed = sum(p < stats.ALPHA for p in holm_fail)
    verdict = verdict_from_p(p_support, p_refute)
    reason = (f"{passed} of {total} languages clearly above chance + {test.margin:g} points, "
              f"{failed} clearly not; need {need}")  # fmt: skip
    if total < need:
        verdict, reason = INCONCLUSIVE, reason + "; the selection has too few languages"
    elif verdict == INCONCLUSIVE and any(c.status == "missing" for c in cells):
        verdict = NOT_RUN
    waiting = any(c.status == "missing" for c in cells) and verdict not in (SUPPORTED, REFUTED)
    estimate = None if waiting else float(sum(c.estimate is not None and c.estimate > test.margin for c in cells))
    low, high = (None, None) if waiting else (float(passed), float(total - failed))
    return Assessment(MEASURED, verdict, reason, f"languages above chance + {test.margin:g} points (need {need})",
                      estimate, low, high, p_support, p_refute, METRIC_UNITS["languages"],
                      sum(c.n_items for c in cells), cells)  # fmt: skip


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
