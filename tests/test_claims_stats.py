"""The bootstrap's coverage, p-values and Holm's correction."""

from __future__ import annotations

import numpy as np
import pytest

from harness.claims import stats


def test_paired_bootstrap_interval_covers_true_difference_about_95_percent() -> None:
    """Paired Bernoulli items with a known population difference of 10 points."""
    rng = np.random.default_rng(2024)
    n_items, reps, true_diff = 150, 200, 10.0
    covered = 0
    for _ in range(reps):
        ease = 0.4 * (rng.random(n_items) - 0.5)  # shared per item: A and B are correlated (paired)
        a = (rng.random(n_items) < 0.55 + ease).astype(float)  # P(correct) in [0.35, 0.75]
        b = (rng.random(n_items) < 0.45 + ease).astype(float)  # exactly 10 points lower per item
        _, boot = stats.paired_difference(
            rng, n_items, stats.accuracy_side(a), stats.accuracy_side(b), n_boot=400
        )
        lo, hi = stats.percentile_ci(boot)
        covered += lo <= true_diff <= hi
    assert 0.90 <= covered / reps <= 0.99


def test_clustered_items_use_item_count_not_sample_count() -> None:
    """k samples of an item move together: the interval width follows items, not samples."""
    rng = np.random.default_rng(0)
    item_p = rng.random(40)
    a = (rng.random((40, 16)) < item_p[:, None]).mean(axis=1)
    b = np.zeros(40)
    _, boot = stats.paired_difference(rng, 40, stats.accuracy_side(a), stats.accuracy_side(b), n_boot=2000)
    se_items = np.std(a * 100, ddof=1) / np.sqrt(40)
    assert np.std(boot) == pytest.approx(se_items, rel=0.15)


def test_p_values_match_the_interval() -> None:
    rng = np.random.default_rng(1)
    reps = rng.normal(3.0, 1.0, 4000)
    lo, hi = stats.percentile_ci(reps)
    assert (stats.p_above(3.0, reps, lo - 0.01) < 0.05) and (stats.p_above(3.0, reps, lo + 0.05) >= 0.05)
    assert stats.p_below(3.0, reps, hi + 0.01) < 0.05
    # beyond the bootstrap's resolution the normal tail keeps p-values distinct and tiny
    assert stats.p_above(3.0, reps, -5.0) < stats.p_above(3.0, reps, -2.0) < 2 / reps.size


def test_published_constants_give_degenerate_but_decisive_p() -> None:
    reps = np.full(100, 4.0)
    assert stats.p_above(4.0, reps, 0.0) == 0.0 and stats.p_below(4.0, reps, 0.0) == 1.0


def test_holm() -> None:
    assert stats.holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert stats.holm([]) == []


@pytest.mark.parametrize(
    ("relation", "margin", "center", "support", "refute"),
    [
        ("greater", 0, 5, True, False), ("greater", 0, -5, False, True), ("greater", 10, 5, False, True),
        ("less", 0, -5, True, False), ("at_least", 2, -2, False, False), ("at_least", 2, 6, True, False),
        ("within", 3, 0, True, False), ("within", 3, 8, False, True),
    ],
)  # fmt: skip
def test_claim_p_values(relation: str, margin: float, center: float, support: bool, refute: bool) -> None:
    reps = np.random.default_rng(5).normal(center, 0.5, 2000)
    p_support, p_refute = stats.claim_p_values(relation, margin, center, reps)
    assert (p_support < 0.05) is support and (p_refute < 0.05) is refute
