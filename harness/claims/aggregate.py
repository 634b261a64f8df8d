"""Published values as aggregate evidence: a score over n items, with an unpaired interval.

A published score p (percent) was computed on the n items of the benchmark's evaluated split
(`n` in references.csv, else the task spec's `items`; a task group reported as one average, e.g.
MGSM, counts the items of all its languages). The model, stated so a reader can recompute it:

- **per side, binomial with the Agresti–Coull adjustment**: x = p·n/100 correct answers,
  p̃ = (x + 2) / (n + 4), standard error se = 100·√(p̃(1 − p̃) / (n + 4)) points. The adjustment
  keeps a 0% or 100% score from having no uncertainty.
- **pass@1 over k samples** (AIME's pass@1 averaged over k generations): the score is a mean of
  per-item pass rates; its variance is at most p(1 − p)/n (the between-item part, which k samples
  cannot shrink), so the binomial over n items is used: conservative, never narrower than the truth.
- **sides are independent** (different runs, different publishers): replicates are drawn per
  value, `se · Z` around the score, Z standard normal, seeded by the value's identity, so the same
  published value has the same replicates in every claim. A difference of two published values
  then has the normal interval d ± 1.96·√(se_A² + se_B²), and every statistic built on estimates
  (means over cells, best-of tests, ranks, the test against the margin) works as for measured
  evidence — the same code, margins and wording. Against a measured side the published side's
  replicates are independent of the item bootstrap (unpaired).

A value whose n is unknown has no interval and decides nothing (its cell is not covered).
"""

from __future__ import annotations

import math
import zlib

import numpy as np

from harness.claims.contrast import Estimate
from harness.claims.published import Published
from harness.claims.verdicts import CellValue
from harness.config import Catalog

PROTOCOL_TOLERANCE = 3.0  # points: a difference this close to the bound decides nothing when protocols differ


def standard_error(score: float, n: int) -> float:
    """Agresti–Coull binomial standard error, in points, of a score (percent) over n items."""
    x = score / 100.0 * n
    p = (x + 2.0) / (n + 4.0)
    return 100.0 * math.sqrt(p * (1.0 - p) / (n + 4.0))


def published_estimate(value: Published, n_boot: int, seed: int = 0) -> Estimate | None:
    """The published score with independent normal replicates of its binomial standard error (None: n unknown)."""
    if value.n is None:
        return None
    key = f"{value.model}|{value.task}|{value.source}|{value.setting}|{value.score}"
    rng = np.random.default_rng([seed, zlib.crc32(key.encode())])
    se = standard_error(value.score, value.n)
    return Estimate(value.score, value.score + se * rng.standard_normal(n_boot))


def task_items(catalog: Catalog, task: str) -> int | None:
    """Items of a task's evaluated split, or of every language of a task group; None when not known."""
    if task in catalog.tasks:
        return catalog.tasks[task].items
    members = catalog.groups().get(task, [])
    counts = [catalog.tasks[t].items for t in members]
    if not counts or any(c is None for c in counts):
        return None
    return int(sum(c for c in counts if c is not None))


def published_value_row(side: str, v: Published) -> CellValue:
    """A published value as a provenance row of a cell (side A or B)."""
    return CellValue(side, v.model, v.task, v.score, v.n, "published", v.source, v.setting, v.date,
                     v.protocol_match)  # fmt: skip
