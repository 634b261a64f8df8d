"""Calibration of the claim statistics on simulated data with known truth, for every claim type.

Each scenario simulates many datasets (items and answers drawn afresh from a population whose
true value is computed exactly) and runs the real claim code on each (`evaluate_claim`):
single pairs, multi-pair gains sharing one item draw, best-of groups, any/all quantifiers,
efficiency ratios (per 1k tokens; above chance per active B), measured vs published constants,
reproduction gaps, transfer ratios on parallel items, ranks with bounds, language coverage.

Checked, with 400 datasets per scenario (binomial SE ≈ 1.1% on a coverage, ≈ 0.8% on a false
rate), so per scenario the bounds allow three standard errors and the pooled rates two:

- interval coverage of 95% ± 2.5% pooled over the regular tests, each within [91%, 98.5%];
  the deliberately conservative tests (best-of groups by union–intersection, rank bounds, counts
  of languages) over-cover at ties and are only held to >= 91%;
- false verdicts ("supported" while the claim is false or on its boundary, "refuted" while it is
  true or on its boundary) at most the nominal 2.5% plus noise, per scenario and pooled.

`PYTHONPATH=.:tests python -m claims_fixtures.simulate 2000 1000` prints the table with more
replications (the numbers in docs/claims.md).
"""

from __future__ import annotations

import numpy as np
import pytest

from claims_fixtures.simulate import Calibration, Scenario, run_scenario, scenarios

SIMS, N_BOOT, SEED = 400, 400, 7
NOMINAL = 0.025
CONSERVATIVE = ("best of 3 tied", "best of 3 vs best of 2", "rank", "coverage")
SCENARIOS = scenarios()


def _se(p: float, n: int) -> float:
    return float(np.sqrt(p * (1 - p) / n))


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> list[tuple[Scenario, Calibration]]:
    tmp = tmp_path_factory.mktemp("calibration")
    return [(sc, run_scenario(sc, SIMS, tmp, seed=SEED, n_boot=N_BOOT)) for sc in SCENARIOS]


def _show(c: Calibration) -> str:
    return (f"{c.name}: coverage {c.coverage:.3f}, false supported {c.false_support:.3f}, "
            f"false refuted {c.false_refute:.3f}, bias {c.bias:+.3f}")  # fmt: skip


def test_every_claim_type_is_simulated(table: list) -> None:
    names = " | ".join(sc.name for sc, _ in table)
    for kind in ("one pair", "3 pairs", "best of", "any of", "all of", "per 1k tokens", "per active B", "published",
                 "reproduction gap", "transfer", "rank", "coverage"):  # fmt: skip
        assert kind in names, kind


def test_interval_coverage(table: list) -> None:
    regular = [c for sc, c in table if not sc.name.startswith(CONSERVATIVE)]
    pooled = float(np.mean([c.coverage for c in regular]))
    assert 0.925 <= pooled <= 0.975, [_show(c) for c in regular]
    band = 3 * _se(0.95, SIMS)
    for sc, c in table:
        assert c.coverage >= 0.95 - band, _show(c)
        if not sc.name.startswith(CONSERVATIVE):
            assert c.coverage <= 0.95 + band, _show(c)


def test_false_verdicts_at_most_nominal(table: list) -> None:
    for _, c in table:
        assert c.false_support <= NOMINAL + 3 * _se(NOMINAL, SIMS), _show(c)
        assert c.false_refute <= NOMINAL + 3 * _se(NOMINAL, SIMS), _show(c)
    at_boundary = [c for sc, c in table if sc.claim_true is None]  # both verdicts are false there
    n = SIMS * len(at_boundary)
    for rate in ("false_support", "false_refute"):
        pooled = float(np.mean([getattr(c, rate) for c in at_boundary]))
        assert pooled <= NOMINAL + 2 * _se(NOMINAL, n), (rate, [_show(c) for c in at_boundary])


def test_unbiased_at_the_boundary(table: list) -> None:
    for sc, c in table:
        if sc.truth == 0.0 and not sc.name.startswith("best of"):
            assert abs(c.bias) < 0.6, _show(c)


def test_best_of_a_tied_group_is_not_supported_and_barely_biased(table: list) -> None:
    """Three equal models against one: a maximum over replicates supported A about 5% of the time
    with a bias of +0.6 points or more; union–intersection stays near 2.5%, the bias-corrected
    estimate under 1.5 points (of an interval about 12 points wide)."""
    (c,) = [c for sc, c in table if sc.name.startswith("best of 3 tied")]
    assert c.false_support <= NOMINAL + 2 * _se(NOMINAL, SIMS) and c.bias < 1.5, _show(c)
