"""The bootstrap primitives, the A − B contrast (union–intersection for best-of sides) and the
published-only point rule."""

from __future__ import annotations

import numpy as np
import pytest

from harness.claims import stats
from harness.claims.contrast import Contrast, Estimate, combine, mean_of


def _paired(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, n_boot: int) -> Estimate:
    n = a.size
    w = np.concatenate(list(stats.weight_chunks(rng, n, n_boot)))
    return Estimate(float((a - b).mean() * 100), (w @ (a - b)) / w.sum(axis=1) * 100)


def test_paired_bootstrap_interval_covers_true_difference_about_95_percent() -> None:
    """Paired Bernoulli items with a known population difference of 10 points."""
    rng = np.random.default_rng(2024)
    n_items, reps, true_diff = 150, 300, 10.0
    covered = 0
    for _ in range(reps):
        ease = 0.4 * (rng.random(n_items) - 0.5)  # shared per item: A and B are correlated (paired)
        a = (rng.random(n_items) < 0.55 + ease).astype(float)
        b = (rng.random(n_items) < 0.45 + ease).astype(float)
        lo, hi = stats.percentile_ci(_paired(rng, a, b, 400).reps)  # type: ignore[arg-type]
        covered += lo <= true_diff <= hi
    assert 0.92 <= covered / reps <= 0.975


def test_clustered_items_use_item_count_not_sample_count() -> None:
    """k samples of an item move together: the interval width follows items, not samples."""
    rng = np.random.default_rng(0)
    item_p = rng.random(40)
    a = (rng.random((40, 16)) < item_p[:, None]).mean(axis=1)
    est = _paired(rng, a, np.zeros(40), 2000)
    se_items = np.std(a * 100, ddof=1) / np.sqrt(40)
    assert np.std(est.reps) == pytest.approx(se_items, rel=0.15)  # type: ignore[arg-type]


def test_p_values_match_the_interval() -> None:
    rng = np.random.default_rng(1)
    reps = rng.normal(3.0, 1.0, 4000)
    lo, hi = stats.percentile_ci(reps)
    assert (stats.p_above(3.0, reps, lo - 0.01) < 0.05) and (stats.p_above(3.0, reps, lo + 0.05) >= 0.05)
    assert stats.p_below(3.0, reps, hi + 0.01) < 0.05
    # beyond the bootstrap's resolution the normal tail keeps p-values distinct and tiny
    assert stats.p_above(3.0, reps, -5.0) < stats.p_above(3.0, reps, -2.0) < 2 / reps.size


def test_holm_and_counting() -> None:
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([]) == []
    assert stats.kth_smallest([0.3, 0.1, 0.2], 2) == 0.2
    assert stats.kth_smallest([0.3], 0) == 0.0 and stats.kth_smallest([0.3], 2) == 1.0
    # all of 3 must pass: intersection–union (largest p); one failure refutes, Holm over all three
    assert stats.at_least_n([0.01, 0.04, 0.02], [0.9, 0.9, 0.9], 3) == (0.04, 1.0)
    support, refute = stats.at_least_n([0.5, 0.5, 0.5], [0.02, 0.9, 0.9], 3)
    assert support == 0.5 and refute == pytest.approx(0.06)  # 3 × 0.02: not yet a refutation
    # 2 of 3: the 2nd smallest Holm-adjusted pass; refuted only if 2 clearly fail
    assert stats.at_least_n([0.001, 0.02, 0.9], [0.9, 0.9, 0.001], 2) == pytest.approx((0.04, 1.0))
    assert stats.at_least_n([0.1], [0.1], 2) == (1.0, 1.0)  # too few units: undecidable


@pytest.mark.parametrize(
    ("relation", "margin", "center", "support", "refute"),
    [
        ("greater", 0, 5, True, False), ("greater", 0, -5, False, True), ("greater", 10, 5, False, True),
        ("less", 0, -5, True, False), ("at_least", 2, -2, False, False), ("at_least", 2, 6, True, False),
        ("within", 3, 0, True, False), ("within", 3, 8, False, True),
    ],
)  # fmt: skip
def test_single_member_contrast(relation: str, margin: float, center: float, support: bool, refute: bool) -> None:
    reps = np.random.default_rng(5).normal(center, 0.5, 2000)
    out = Contrast((("a", Estimate(center, reps)),), (("b", Estimate(0.0)),)).test(relation, margin)
    assert (out.p_support < 0.05) is support and (out.p_refute < 0.05) is refute  # type: ignore[operator]
    assert out.ci_low == pytest.approx(np.percentile(reps, 2.5)) and out.estimate == center


def test_best_of_needs_one_member_above_every_rival() -> None:
    """Union–intersection: A's best must beat every member of B; Bonferroni over A's candidates."""
    rng = np.random.default_rng(3)
    noise = rng.normal(0, 1, 4000)
    a = (("a1", Estimate(10.0, 10 + noise)), ("a2", Estimate(0.0, noise)))
    b = (("b1", Estimate(5.0, 5 + 0.5 * noise)), ("b2", Estimate(9.5, 9.5 + 0.5 * noise)))
    out = Contrast(a, b).test("greater", 0)
    assert out.best_a == "a1" and out.best_b == "b2"
    assert out.p_support == pytest.approx(min(1.0, 2 * stats.p_above(0.5, 0.5 + 0.5 * noise, 0)))
    assert out.p_support > 0.05 and out.p_refute > 0.05  # a1 beats b1 clearly, b2 only by 0.5
    clear = Contrast(a, (("b1", Estimate(5.0, 5 + 0.5 * noise)),)).test("greater", 0)
    assert clear.p_support < 0.05  # 2 × p(a1 > b1)
    # a mean of replicates stays paired: mean_of and combine keep replicate alignment
    m = mean_of([Estimate(2.0, noise + 2), Estimate(4.0, noise + 4)])
    assert m.point == 3.0 and np.allclose(m.reps, noise + 3)  # type: ignore[arg-type]
    assert combine([Estimate(1.0, noise), Estimate(2.0)], [1, -1]).point == -1.0


def test_best_of_point_estimate_is_bias_corrected_inside_the_interval() -> None:
    rng = np.random.default_rng(4)
    tied = tuple((f"a{i}", Estimate(x, x + rng.normal(0, 2, 2000))) for i, x in enumerate([1.0, 0.5, 0.8]))
    out = Contrast(tied, (("b", Estimate(0.0, rng.normal(0, 2, 2000))),)).test("greater", 0)
    assert out.ci_low <= out.estimate <= out.ci_high  # type: ignore[operator]
    assert out.estimate < 1.0  # the plug-in max (1.0) is pulled down by the bootstrap's bias estimate


@pytest.mark.parametrize(
    ("relation", "margin", "d", "decision"),
    [("greater", 0, 1.0, "support"), ("greater", 0, -1.0, "refute"), ("greater", 0, 0.04, None),
     ("at_least", 2, -1.9, "support"), ("at_least", 2, -2.5, "refute"), ("less", 5, -7.0, "support"),
     ("within", 5, 4.0, "support"), ("within", 5, -6.0, "refute"), ("within", 5, 5.03, None)],
)  # fmt: skip
def test_published_only_contrast_has_no_interval_or_p(relation: str, margin: float, d: float, decision: str) -> None:
    out = Contrast((("a", Estimate(50.0 + d)),), (("b", Estimate(50.0)),)).test(relation, margin)
    assert out.ci_low is None and out.ci_high is None and out.p_support is None and out.p_refute is None
    assert out.point_decision == decision and out.estimate == pytest.approx(d)
