"""The claims ledger: written claims about open-weight LLMs, tested against stored records.

`seeds/claims.yaml` → `load_ledger` (validated against the catalogue) → `evaluate(ledger,
results_dir, catalog)` → one `Verdict` per claim, in ledger order → `write_reports`
(`results/claims.csv`, `results/claims.md`). `plan_missing` lists the runs the verdicts still
need, with commands and a GPU plan, for `harness claims --plan`.

Test families (`harness.claims.families`, one module per test type, registered in `FAMILIES`):
each owns its wording, its load-time checks, its roles, its measured assessment and its published
one; `evaluate`, `describe_test` and `load_ledger` go through that table only. Published values are aggregate evidence
(`harness.claims.aggregate`: a binomial interval from the benchmark's n items per side); release
and publication dates (`harness.claims.dates`) decide which models a claim compares.

Statistics (`harness.claims.sample`, `contrast`, `verdicts`, `paired`, `against_published`): items are resampled
(k samples of an item are one cluster) with one bootstrap draw per task shared by every model,
pair and cell of a claim; best-of groups are tested by union–intersection over members; `any` and
`all` are Holm-corrected; ranks are bounded with missing models placed best and worst; each
direction of a verdict is a one-sided test at 2.5%. `tests/test_claims_calibration.py`
checks interval coverage and false-verdict rates on simulated data with known truth.

`Verdict` fields (everything the reports need):

- identity: `claim_id`, `source` (article file), `statement`, `quote`, `test_type`;
- headline: `verdict` (supported | refuted | inconclusive | not_run | untestable | deferred),
  `basis` (measured | measured vs published | published (indicative) | none), `reason`; the headline
  numbers as properties of the assessment that decided: `headline` (the headline cell's name,
  e.g. "mean over 6 task(s)" or the deciding task of an `any`/`all` claim), `estimate`,
  `ci_low`, `ci_high`, `p_value`, `p_direction` (support | refute), `unit`, `n_items`, `cells`;
- `measured` and `published`: `Assessment`s side by side (None where there is none). An
  assessment has `basis`, `verdict` (published: also not_covered), `reason`, `headline`,
  `estimate`, `ci_low`, `ci_high`, `p_support`, `p_refute`,
  `p_value`, `p_direction`, `unit`, `n_items`, `protocol_match` (published values used: yes |
  unknown | no, the least matching), `coverage` (published: how many cells had values),
  `picks` (best-of side A | B → the one member standing for it), and `cells`;
- a `Cell` (per task, pair × task, language, parallel group, or the mean for ranks): `label`,
  `tasks`, `status` (ok | missing | too_few | not_covered), `n_items`, `estimate`, `ci_low`,
  `ci_high`, `p_support`, `p_refute`, `p_adjusted` (Holm, the direction the quantifier uses),
  `models_a`, `models_b`, `best_a`, `best_b` (plug-in best members of best-of sides),
  `published` ("model @ task" → score used), `protocol_match`, `missing_runs`, `note`, and
  `values`: every value used as a `CellValue` (side, model, task, value, n, kind measured |
  published, source, setting, date, protocol_match) — the rows of `results/claims_cells.csv`;
- runs: `runs_used` (evidence run keys) and `n_runs_used`, `runs_missing` ((model, task)) and
  `n_runs_missing`, `commands` (the `harness run` lines that make them), `selection_notes`
  (limited, stale or passed-over runs among those used), `evidence_problems` (failed or
  unfinished runs of the claim's cells);
- `dates` (the date rule applied and the models it left out), `same_as` (another claim testing the
  identical cells, whose verdict this is) and `also_claimed_by` (the claims merged into this one);
- `models_a`, `models_b`, `tasks`: who and what the claim compares; `category` (untestable:
  reputation | prices | future | unreleased | business); `needs` (deferred: what would make it
  testable).

`evaluate` returns a `VerdictList` (a list) that also carries `problems` and `run_notes` for the
whole results directory.
"""

from __future__ import annotations

from harness.claims.describe import describe_test
from harness.claims.evaluate import VerdictList, evaluate
from harness.claims.ledger import Claim, Ledger, load_ledger
from harness.claims.missing import commands_for, plan_missing
from harness.claims.report import summary_lines, write_reports
from harness.claims.verdicts import VERDICTS, Assessment, Cell, CellValue, Verdict

__all__ = [
    "Assessment", "Cell", "CellValue", "Claim", "Ledger", "VERDICTS", "Verdict", "VerdictList", "commands_for",
    "describe_test", "evaluate", "load_ledger", "plan_missing", "summary_lines", "write_reports",
]  # fmt: skip
