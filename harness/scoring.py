"""Statistics every task runner shares: per-item means over k samples and a seeded bootstrap CI.

The native task's grading and metrics are in `harness.tasks.native`; lm-eval's in
`harness.lm_eval_tasks.score`. Both summarise with these, so an interval means the same thing
whichever runner produced it.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict

from harness.records import SampleRecord

LETTERS = "ABCDEFGHIJ"


def item_means(samples: list[SampleRecord]) -> list[float]:
    """Per-item score averaged over its k samples (k samples of one item form a cluster)."""
    by_doc: dict[str, list[float]] = defaultdict(list)
    for s in samples:
        by_doc[s.doc_id].append(s.score)
    return [sum(v) / len(v) for v in by_doc.values()]


def mean_ci(values: list[float], seed: int = 0, n_boot: int = 2000) -> tuple[float, float, float, float]:
    """Mean, clustered standard error, and a seeded percentile-bootstrap 95% interval."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = sum(values) / n
    if n == 1:
        return mean, 0.0, mean, mean
    var = sum((v - mean) ** 2 for v in values) / (n - 1)
    stderr = math.sqrt(var / n)
    rng = random.Random(seed)
    boots = sorted(sum(rng.choices(values, k=n)) / n for _ in range(n_boot))
    return mean, stderr, boots[int(0.025 * n_boot)], boots[int(0.975 * n_boot) - 1]
