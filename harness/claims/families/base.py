"""What a claim test family is: one class per test type, owning everything that type means.

A family gives, for its test model (`harness.claims.ledger`):

- `describe`: the one line claims.md and the HTML report write for the test;
- `check`: what is wrong with the test's ids and selectors against the catalogue (load time);
- `roles`: who and what the test compares, after the claim's date rule;
- `measured` / `published`: the assessment from the harness's runs and from published values
  (None where the test has no such form);
- `settle`: for the untested types (untestable, deferred), the verdict that needs no evidence.

A family's own statistics live in its module; shared ones stay in shared modules the families
call (`paired`, `against_published`, `published_eval`, `aggregate`, `picks`, `stats`). The
registry is `harness.claims.families.FAMILIES`.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, TypeVar

from harness.claims.context import Context
from harness.claims.ledger import ModelSelector, TaskSelector
from harness.claims.paired import Roles
from harness.claims.published import closed_model_ids
from harness.claims.sample import ClaimSample
from harness.claims.selectors import model_problems, task_problems
from harness.claims.verdicts import Assessment, Verdict
from harness.config import Catalog

T = TypeVar("T")


def selector(sel: ModelSelector | TaskSelector) -> str:
    """A selector in words: its non-empty filters, and for models `best of` / `published`."""
    parts = [f"{k}={','.join(map(str, v))}" for k, v in sel.model_dump().items() if isinstance(v, list) and v]
    if isinstance(sel, ModelSelector):
        if sel.aggregate == "best":
            parts.append("best of")
        if sel.source == "published":
            parts.append("published")
    return " ".join(parts)


class Family(Generic[T]):
    """One claim test type. Subclasses set `type` and override what their test needs."""

    type: ClassVar[str]
    published_sides: ClassVar[bool] = False  # may a side be `source: published`?

    def describe(self, test: T) -> str:
        """One line: the test type, sides, relation, margin, quantifier and tasks."""
        raise NotImplementedError

    def sides(self, test: T) -> dict[str, ModelSelector]:
        """The test's model selectors by field name, as checked against the catalogue."""
        return {}

    def pair_problems(self, test: T, catalog: Catalog) -> list[str]:
        """Problems with explicit or derived model pairs (pairwise types only)."""
        return []

    def rule_problems(self, test: T, catalog: Catalog, problems: list[str]) -> list[str]:
        """The type's own rules, given the problems found so far."""
        return []

    def check(self, test: T, catalog: Catalog) -> list[str]:
        """Every problem with the test's ids and selectors (empty list: the test is sound).

        Order: tasks, pairs, each side (and a published side where the type allows none), the
        type's own rules."""
        closed = set(closed_model_ids(catalog.config_dir) or []) or None
        tasks: TaskSelector = test.tasks  # type: ignore[attr-defined]
        problems = task_problems(tasks, catalog)
        problems += self.pair_problems(test, catalog)
        for name, sel in self.sides(test).items():
            problems.extend(model_problems(sel, catalog, name, closed))
            if sel.source == "published" and not self.published_sides:
                problems.append(f"{name}: source: published is only allowed in reference tests")
        return problems + self.rule_problems(test, catalog, problems)

    def roles(self, test: T, ctx: Context) -> Roles:
        raise NotImplementedError

    def measured(self, test: T, ctx: Context, sample: ClaimSample) -> Assessment | None:
        """The assessment from the harness's runs (None: nothing to measure)."""
        raise NotImplementedError

    def published(self, test: T, ctx: Context) -> Assessment | None:
        """The same test on published values (None: no published form, or no value)."""
        return None

    def settle(self, test: T, verdict: Verdict) -> bool:
        """Fill a verdict that needs no evidence and return True; False for testable types."""
        return False


AnyFamily = Family[Any]
