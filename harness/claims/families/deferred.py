"""`deferred`: a capability the harness cannot test yet; `needs` says what would make it testable."""

from __future__ import annotations

from harness.claims.families.base import Family
from harness.claims.ledger import DeferredTest
from harness.claims.verdicts import DEFERRED, Verdict
from harness.config import Catalog


class Deferred(Family[DeferredTest]):
    type = "deferred"

    def describe(self, test: DeferredTest) -> str:
        return "deferred: needs " + "; ".join(test.needs)

    def check(self, test: DeferredTest, catalog: Catalog) -> list[str]:
        return []  # names no model or task

    def settle(self, test: DeferredTest, verdict: Verdict) -> bool:
        verdict.verdict, verdict.reason, verdict.needs = DEFERRED, test.reason, list(test.needs)
        return True
