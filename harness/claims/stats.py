"""Bootstrap primitives: item weights, p-values, percentile bounds and Holm's correction (numpy only).

p-values are two-sided-equivalent bootstrap tail fractions: `p_above(v) = 2 · P*(stat <= v)`, so
`p < 0.05` exactly when the 95% percentile interval lies wholly above `v` (a one-sided test at
2.5%). A verdict in either direction therefore has a nominal false rate of 2.5%. Below the
bootstrap's resolution (no replicate on the far side of `v`) the tail comes from a normal
approximation with the bootstrap standard error, so many-test corrections (Holm over 100+
languages) still see distinct, honest p-values.
"""

from __future__ import annotations

from collections.abc import Iterator
from math import erfc, sqrt

import numpy as np

ALPHA = 0.05
CHUNK = 256  # replicates per weight matrix: bounds memory at CHUNK × n_items floats


def weight_chunks(rng: np.random.Generator, n: int, n_boot: int) -> Iterator[np.ndarray]:
    """Item multiplicities of `n_boot` resamples of n items (with replacement), CHUNK rows at a time."""
    done = 0
    while done < n_boot:
        rows = min(CHUNK, n_boot - done)
        idx = rng.integers(0, n, size=(rows, n)) + (np.arange(rows)[:, None] * n)
        yield np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n).astype(float)
        done += rows


def finite(reps: np.ndarray) -> np.ndarray:
    return reps[np.isfinite(reps)]


def percentile_ci(reps: np.ndarray, level: float = 1 - ALPHA) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates dropped)."""
    kept = finite(reps)
    if kept.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(kept, [50 * (1 - level), 100 - 50 * (1 - level)])
    return float(lo), float(hi)


def quantile(reps: np.ndarray, q: float) -> float:
    """The q-quantile (0–1) of the finite replicates; NaN when there are none."""
    kept = finite(reps)
    return float(np.quantile(kept, q)) if kept.size else float("nan")


def _normal_tail(z: float) -> float:
    return 0.5 * erfc(z / sqrt(2.0))


def p_above(point: float, reps: np.ndarray, value: float) -> float:
    """Two-sided-equivalent p for 'the statistic is above `value`' (small p: it is)."""
    kept = finite(reps)
    if kept.size == 0 or not np.isfinite(point):
        return 1.0
    tail = float(np.mean(kept <= value))
    if tail > 0:
        return min(1.0, 2 * tail)
    se = float(np.std(kept))
    if se == 0.0:  # every replicate equal: the data cannot vary, only the point decides
        return 0.0 if point > value else 1.0
    return min(2.0 / kept.size, 2 * _normal_tail((point - value) / se))


def p_below(point: float, reps: np.ndarray, value: float) -> float:
    """Two-sided-equivalent p for 'the statistic is below `value`'."""
    return p_above(-point, -reps, -value)


def holm(pvalues: list[float]) -> list[float]:
    """Holm step-down adjusted p-values (same order as given)."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def kth_smallest(values: list[float], k: int) -> float:
    """The k-th smallest value (1-based); 0.0 when k <= 0 (nothing needed), 1.0 when k > len."""
    if k <= 0:
        return 0.0
    if k > len(values):
        return 1.0
    return sorted(values)[k - 1]


def at_least_n(p_pass: list[float], p_fail: list[float], need: int) -> tuple[float, float]:
    """(p_support, p_refute) for 'at least `need` of these units pass', from per-unit one-way p-values.

    Support: Holm over the units, the need-th smallest adjusted p (Holm's rejections are a valid
    lower bound on the number of units that truly pass); with `need` = all units it is the largest
    unadjusted p (intersection–union: every unit must pass, no correction needed). Refutation:
    at least (total − need + 1) units must fail, counted the same way with Holm.
    """
    total = len(p_pass)
    if need > total or total == 0:  # the selection cannot hold enough units: no test decides it
        return 1.0, 1.0
    support = max(p_pass) if need == total else kth_smallest(holm(p_pass), need)
    refute = kth_smallest(holm(p_fail), total - need + 1)
    return support, refute
