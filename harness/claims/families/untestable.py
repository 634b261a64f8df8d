"""`untestable`: no measurement can settle the claim (reputation, prices, futures, ...)."""

from __future__ import annotations

from harness.claims.families.base import Family
from harness.claims.ledger import UntestableTest
from harness.claims.verdicts import UNTESTABLE, Verdict
from harness.config import Catalog


class Untestable(Family[UntestableTest]):
    type = "untestable"

    def describe(self, test: UntestableTest) -> str:
        return f"untestable ({test.category})"

    def check(self, test: UntestableTest, catalog: Catalog) -> list[str]:
        return []  # names no model or task

    def settle(self, test: UntestableTest, verdict: Verdict) -> bool:
        verdict.verdict, verdict.reason, verdict.category = UNTESTABLE, test.reason, test.category
        return True
