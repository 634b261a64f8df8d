"""Estimates with their bootstrap replicates, and the A − B contrast every paired claim tests.

An `Estimate` is a number with its replicates under the claim's shared item draw (`reps`, one per
bootstrap replicate), or a published constant (`reps is None`: no stated sampling error).
Arithmetic on estimates keeps replicates aligned, so sums, means and differences of estimates
drawn from the same items stay paired.

A `Contrast` is side A against side B. Each side is one member (one model, a group mean, a
mean over model pairs) or several members whose *best* counts (`aggregate: best`). Its estimand
is `θ = max_i A_i − max_j B_j`; with one member per side that is the plain difference.

The best of a group is not bootstrapped as a maximum (a maximum of noisy scores is biased upward
and its percentile interval covers too rarely when members are close). It is tested by
union–intersection over member pairs `D_ij = A_i − B_j`, which is valid whatever the gaps:

- `θ > v` needs one member of A above every member of B: p = |A| · min_i max_j p(D_ij > v)
  (Bonferroni over the candidates of A; no correction over B, every one must be beaten);
- `θ < v` needs every member of A below some member of B: p = max_i min(1, |B| · min_j p(D_ij < v)).

The interval inverts the same tests: `[max_i min_j q_ij(α/2|A|), max_i min_j q_ij(1 − α/2|B|)]`
with `q_ij` the percentile bounds of `D_ij`; it covers θ with at least 95% (more when members are
tied, the price of validity). The point estimate of a best-of contrast is the plug-in
difference corrected by the bootstrap's own estimate of its bias, kept inside the interval.
With one member per side everything reduces to the paired percentile bootstrap.

Published values carry replicates of their binomial standard error (`harness.claims.aggregate`),
so they go through the same code. A contrast with no replicates at all (a published value whose
n is unknown never gets this far) would be decided on the point difference, with a tolerance of
half the last published digit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from harness.claims import stats

PUBLISHED_TOLERANCE = 0.05  # points: published scores are rounded to one decimal


@dataclass(frozen=True)
class Estimate:
    """A point value and its bootstrap replicates (None: a published constant)."""

    point: float
    reps: np.ndarray | None = None

    @property
    def sampled(self) -> bool:
        return self.reps is not None

    def shifted(self, offset: float) -> Estimate:
        return Estimate(self.point + offset, None if self.reps is None else self.reps + offset)

    def __sub__(self, other: Estimate) -> Estimate:
        return combine([self, other], [1.0, -1.0])


def combine(parts: Sequence[Estimate], coefs: Sequence[float]) -> Estimate:
    """Σ coef · part, replicate by replicate (constants broadcast)."""
    point = float(sum(c * p.point for p, c in zip(parts, coefs, strict=True)))
    sampled = [(p, c) for p, c in zip(parts, coefs, strict=True) if p.reps is not None]
    if not sampled:
        return Estimate(point)
    reps = np.zeros_like(sampled[0][0].reps, dtype=float)
    for p, c in sampled:
        reps = reps + c * p.reps  # type: ignore[operator]
    offset = sum(c * p.point for p, c in zip(parts, coefs, strict=True) if p.reps is None)
    return Estimate(point, reps + offset)


def mean_of(parts: Sequence[Estimate]) -> Estimate:
    return combine(parts, [1.0 / len(parts)] * len(parts))


@dataclass(frozen=True)
class Outcome:
    """A contrast tested against a relation and margin."""

    estimate: float
    ci_low: float | None
    ci_high: float | None
    p_support: float | None  # None: published-only, decided on the point difference
    p_refute: float | None
    best_a: str | None = None  # the plug-in best member of a best-of side
    best_b: str | None = None
    point_decision: str | None = None  # published-only: "support" | "refute" | None (a tie)


@dataclass(frozen=True)
class Contrast:
    """Side A against side B: (label, estimate) members; several members mean 'the best of'."""

    a: tuple[tuple[str, Estimate], ...]
    b: tuple[tuple[str, Estimate], ...]

    @property
    def sampled(self) -> bool:
        return any(e.sampled for _, e in (*self.a, *self.b))

    def _pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Point (|A|, |B|) and replicates (R, |A|, |B|) of D_ij = A_i − B_j."""
        d = [[ai - bj for _, bj in self.b] for _, ai in self.a]
        points = np.array([[x.point for x in row] for row in d])
        n_reps = next(len(x.reps) for row in d for x in row if x.reps is not None)
        reps = np.stack([np.stack([x.reps if x.reps is not None else np.full(n_reps, x.point) for x in row], -1)
                         for row in d], 1)  # fmt: skip
        return points, reps

    def p_above(self, value: float) -> float:
        """p for θ > value: some member of A beats every member of B."""
        points, reps = self._pairs()
        per_a = [max(stats.p_above(points[i, j], reps[:, i, j], value) for j in range(points.shape[1]))
                 for i in range(points.shape[0])]  # fmt: skip
        return min(1.0, len(self.a) * min(per_a))

    def p_below(self, value: float) -> float:
        """p for θ < value: every member of A loses to some member of B."""
        points, reps = self._pairs()
        per_a = [min(1.0, len(self.b) * min(stats.p_below(points[i, j], reps[:, i, j], value)
                                            for j in range(points.shape[1])))
                 for i in range(points.shape[0])]  # fmt: skip
        return max(per_a)

    def interval(self) -> tuple[float, float]:
        points, reps = self._pairs()
        lo_q, hi_q = stats.ALPHA / (2 * len(self.a)), 1 - stats.ALPHA / (2 * len(self.b))
        lows = [[stats.quantile(reps[:, i, j], lo_q) for j in range(points.shape[1])] for i in range(points.shape[0])]
        highs = [[stats.quantile(reps[:, i, j], hi_q) for j in range(points.shape[1])] for i in range(points.shape[0])]
        return max(min(r) for r in lows), max(min(r) for r in highs)

    def plug_in(self) -> tuple[float, str, str]:
        ia = int(np.argmax([e.point for _, e in self.a]))
        ib = int(np.argmax([e.point for _, e in self.b]))
        return self.a[ia][1].point - self.b[ib][1].point, self.a[ia][0], self.b[ib][0]

    def test(self, relation: str, margin: float) -> Outcome:
        """Estimate, interval and (p_support, p_refute) for the claim `A − B <relation> margin`.

        greater: θ > m; less: θ < −m; at_least: θ > −m (non-inferiority); within: −m < θ < m.
        """
        point, best_a, best_b = self.plug_in()
        names = (best_a if len(self.a) > 1 else None, best_b if len(self.b) > 1 else None)
        if not self.sampled:
            return Outcome(point, None, None, None, None, *names, point_decision=_point_rule(relation, margin, point))
        lo, hi = self.interval()
        if len(self.a) > 1 or len(self.b) > 1:
            _, reps = self._pairs()
            boot = np.max(np.min(reps, axis=2), axis=1)  # max_i min_j D_ij = max_i A_i − max_j B_j
            bias = float(np.nanmean(boot)) - point
            point = float(np.clip(point - bias, lo, hi)) if np.isfinite(bias) else point
        if relation == "greater":
            support, refute = self.p_above(margin), self.p_below(margin)
        elif relation == "less":
            support, refute = self.p_below(-margin), self.p_above(-margin)
        elif relation == "at_least":
            support, refute = self.p_above(-margin), self.p_below(-margin)
        elif relation == "within":
            support = max(self.p_above(-margin), self.p_below(margin))
            refute = min(self.p_above(margin), self.p_below(-margin))
        else:
            raise ValueError(f"unknown relation {relation!r}")
        return Outcome(point, lo, hi, support, refute, *names)


def _point_rule(relation: str, margin: float, d: float) -> str | None:
    """Published-only decision on the point difference d: "support", "refute" or None (within rounding)."""
    tol = PUBLISHED_TOLERANCE
    bounds = {"greater": (margin, 1), "less": (-margin, -1), "at_least": (-margin, 1)}
    if relation in bounds:
        bound, sign = bounds[relation]
        if abs(d - bound) <= tol:
            return None
        return "support" if (d - bound) * sign > 0 else "refute"
    if relation == "within":
        if abs(abs(d) - margin) <= tol:
            return None
        return "support" if abs(d) < margin else "refute"
    raise ValueError(f"unknown relation {relation!r}")


def single(label: str, estimate: Estimate) -> tuple[tuple[str, Estimate], ...]:
    return ((label, estimate),)
