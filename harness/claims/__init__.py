"""The claims ledger: written claims about open-weight LLMs, tested against stored records.

`seeds/claims.yaml` → `load_ledger` (validated against the catalogue) → `evaluate` (paired
bootstrap over items of the per-sample records, published values where labelled) → verdicts →
`write_reports` (`results/claims.csv`, `results/claims.md`). `plan_missing` lists the runs
the verdicts still need, with commands and a GPU plan, for `harness claims --plan`.
"""

from __future__ import annotations

from harness.claims.evaluate import evaluate
from harness.claims.ledger import Claim, Ledger, load_ledger
from harness.claims.missing import commands_for, plan_missing
from harness.claims.report import write_reports
from harness.claims.verdicts import VERDICTS, Verdict

__all__ = [
    "Claim", "Ledger", "VERDICTS", "Verdict", "commands_for", "evaluate", "load_ledger", "plan_missing",
    "write_reports",
]  # fmt: skip
