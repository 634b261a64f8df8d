"""Paired bootstrap over items, p-values and Holm's correction (numpy only, seeded).

A *side* of a comparison is a matrix of per-item numerators and denominators for one or more
models, all on the same items. Its statistic on a bootstrap replicate with item weights `W`
(how often each item was drawn) is, per model, `sum(W·num) / sum(W·den) · scale`, then the mean
or the best over its models. Accuracy: num = item score × 100, den = 1. Correct answers per 1k
tokens: num = item score, den = mean output tokens, scale = 1000. A published value is a
constant side. Both sides of a cell share the same weights, so the test is paired; items are
the resampling unit, so an item's k samples move together (a cluster).

p-values are two-sided-equivalent bootstrap tail fractions, `2 · P*(stat <= v)` for "above v",
so `p < 0.05` exactly when the 95% percentile interval excludes `v`. Below the bootstrap's
resolution (no replicate on the far side of `v`) the tail is taken from a normal approximation
with the bootstrap standard error, so many-test corrections (Holm over 100+ languages) still work.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from math import erfc, sqrt

import numpy as np

ALPHA = 0.05
CHUNK = 256  # replicates per weight matrix: bounds memory at CHUNK × n_items floats


@dataclass(frozen=True)
class Side:
    """Per-item numerators/denominators (n × m) for m models, or a published constant."""

    num: np.ndarray | None = None
    den: np.ndarray | None = None
    scale: np.ndarray | None = None  # (m,)
    aggregate: str = "mean"  # "mean" or "best" over the m models
    constant: float | None = None

    def per_model(self, weights: np.ndarray) -> np.ndarray:
        """(replicates, m) statistic per model."""
        assert self.num is not None and self.den is not None
        scale = np.ones(self.num.shape[1]) if self.scale is None else self.scale
        with np.errstate(invalid="ignore", divide="ignore"):
            return (weights @ self.num) / (weights @ self.den) * scale

    def stat(self, weights: np.ndarray) -> np.ndarray:
        """(replicates,) statistic of the side."""
        if self.constant is not None:
            return np.full(weights.shape[0], self.constant, dtype=float)
        values = self.per_model(weights)
        return values.mean(axis=1) if self.aggregate == "mean" else values.max(axis=1)


def accuracy_side(scores: np.ndarray, aggregate: str = "mean") -> Side:
    """Side for accuracy in points from an (n × m) matrix of item scores in 0–1."""
    scores = np.atleast_2d(scores.T).T if scores.ndim == 1 else scores
    return Side(num=scores * 100.0, den=np.ones_like(scores), aggregate=aggregate)


def weight_chunks(rng: np.random.Generator, n: int, n_boot: int) -> Iterator[np.ndarray]:
    """Item multiplicities for `n_boot` resamples of n items, CHUNK replicates at a time."""
    done = 0
    while done < n_boot:
        rows = min(CHUNK, n_boot - done)
        idx = rng.integers(0, n, size=(rows, n)) + (np.arange(rows)[:, None] * n)
        yield np.bincount(idx.ravel(), minlength=rows * n).reshape(rows, n).astype(float)
        done += rows


def bootstrap(
    rng: np.random.Generator, n: int, statistic: Callable[[np.ndarray], np.ndarray], n_boot: int
) -> tuple[np.ndarray, np.ndarray]:
    """(point estimate, replicates) of `statistic(weights)`; weights are (rows × n)."""
    point = statistic(np.ones((1, n)))[0]
    reps = np.concatenate([statistic(w) for w in weight_chunks(rng, n, n_boot)], axis=0)
    return point, reps


def paired_difference(
    rng: np.random.Generator, n: int, a: Side, b: Side, n_boot: int
) -> tuple[float, np.ndarray]:
    """Estimate and replicates of stat(a) − stat(b) on the same n items."""
    point, reps = bootstrap(rng, max(n, 1), lambda w: a.stat(w) - b.stat(w), n_boot)
    return float(point), reps


def percentile_ci(reps: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    """Percentile interval of bootstrap replicates (NaN replicates dropped)."""
    reps = reps[np.isfinite(reps)]
    if reps.size == 0:
        return float("nan"), float("nan")
    lo, hi = np.percentile(reps, [50 * (1 - level), 100 - 50 * (1 - level)])
    return float(lo), float(hi)


def _normal_tail(z: float) -> float:
    return 0.5 * erfc(z / sqrt(2.0))


def p_above(point: float, reps: np.ndarray, value: float) -> float:
    """Two-sided-equivalent p for 'the statistic is above `value`' (small p: it is)."""
    reps = reps[np.isfinite(reps)]
    if reps.size == 0 or not np.isfinite(point):
        return 1.0
    tail = float(np.mean(reps <= value))
    if tail > 0:
        return min(1.0, 2 * tail)
    se = float(np.std(reps))
    if se == 0.0:
        return 0.0 if point > value else 1.0
    return min(2.0 / reps.size, 2 * _normal_tail((point - value) / se))


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


def claim_p_values(relation: str, margin: float, point: float, reps: np.ndarray) -> tuple[float, float]:
    """(p_support, p_refute) for a difference d = A − B under a relation and margin.

    greater: claim d > margin; less: d < −margin; at_least: d > −margin (non-inferiority);
    within: −margin < d < margin (equivalence; refuted when d is outside on either side).
    """
    if relation == "greater":
        return p_above(point, reps, margin), p_below(point, reps, margin)
    if relation == "less":
        return p_below(point, reps, -margin), p_above(point, reps, -margin)
    if relation == "at_least":
        return p_above(point, reps, -margin), p_below(point, reps, -margin)
    if relation == "within":
        support = max(p_above(point, reps, -margin), p_below(point, reps, margin))
        refute = min(p_above(point, reps, margin), p_below(point, reps, -margin))
        return support, refute
    raise ValueError(f"unknown relation {relation!r}")
