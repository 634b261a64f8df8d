"""Simulated evidence with known truth for the calibration tests of the claim statistics.

Items have a difficulty `b ~ N(0, 1)` drawn per task (shared by every model, so models are
correlated the way real models on one benchmark are); model m answers item i correctly with
probability `σ(a_m + shift − b_i)`. A claim's true value is computed by quadrature over b, so
each simulated dataset is a fresh sample of items *and* answers from a population whose truth is
known. Parallel tasks (one problem in several languages) share the item's difficulty.

`MemoryEvidence` serves the simulated item scores through the same interface as the results
reader, so the simulation exercises the real claim code (`evaluate_claim`) end to end.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from numpy.polynomial.hermite_e import hermegauss

from harness.claims.context import Context
from harness.claims.evaluate import evaluate_claim
from harness.claims.evidence import ItemScores
from harness.claims.ledger import Claim
from harness.claims.published import Published
from harness.config import Catalog

from claims_fixtures.builders import catalog, model, task

_NODES, _WEIGHTS = hermegauss(120)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()
TOKENS_SLOPE = 0.4  # output tokens grow with difficulty: tokens = scale · exp(0.4 b)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def accuracy(ability: float) -> float:
    """Population accuracy in points: E_b σ(a − b), b ~ N(0, 1)."""
    return float(100 * np.sum(sigmoid(ability - _NODES) * _WEIGHTS))


def per_1k_tokens(ability: float, scale: float) -> float:
    """Population correct answers per 1k output tokens: E[σ(a − b)] / E[tokens] · 1000."""
    tokens = scale * np.sum(np.exp(TOKENS_SLOPE * _NODES) * _WEIGHTS)
    return float(1000 * np.sum(sigmoid(ability - _NODES) * _WEIGHTS) / tokens)


@dataclass
class MemoryEvidence:
    """Item scores in memory, served like `harness.claims.evidence.Evidence`."""

    runs: dict[tuple[str, str], ItemScores] = field(default_factory=dict)

    def has(self, model: str, task: str) -> bool:
        return (model, task) in self.runs

    def items(self, model: str, task: str) -> ItemScores:
        return self.runs[(model, task)]

    def chosen_run(self, model: str, task: str) -> str | None:
        return f"{model}@{task}" if self.has(model, task) else None

    def notes(self, model: str, task: str) -> tuple[str, ...]:
        return ()

    def problems_for(self, model: str, task: str) -> list[str]:
        return []


@dataclass
class MemoryPublished(Context):
    """A claim context whose published values are in memory ((model, task) -> Published), served
    like the references.csv lookups (no setting or protocol filter: one value per model and task)."""

    values: dict[tuple[str, str], Published] = field(default_factory=dict)

    def published(self, model: str, task: str, setting: str | None = None,
                  protocol_match_only: bool = False) -> Published | None:  # fmt: skip
        return self.values.get((model, task))

    def cell_values(self, models: list[str], task: str, setting: str | None = None,
                    protocol_match_only: bool = False) -> dict[str, Published]:  # fmt: skip
        return {m: v for m in models if (v := self.values.get((m, task))) is not None}


def published_scores(rng: np.random.Generator, truths: dict[tuple[str, str], float],
                     n_items: dict[str, int]) -> dict[tuple[str, str], Published]:  # fmt: skip
    """One set of published values: each (model, task) score drawn binomially over the task's n items
    around its true accuracy (a proportion), as a publisher's evaluation of the benchmark would be."""
    return {(m, t): Published(m, t, 100 * rng.binomial(n_items[t], p) / n_items[t], "sim", "yes", 1, n=n_items[t])
            for (m, t), p in truths.items()}  # fmt: skip


def simulate(rng: np.random.Generator, abilities: dict[str, float], tasks: dict[str, str], n_items: int,
             shifts: dict[tuple[str, str], float] | None = None, token_scale: dict[str, float] | None = None,
             chance: float | None = None) -> MemoryEvidence:  # fmt: skip
    """One dataset: every model on every task. `tasks` maps task → parallel group (same key: same items)."""
    shifts, token_scale = shifts or {}, token_scale or {}
    difficulty: dict[str, np.ndarray] = {}
    evidence = MemoryEvidence()
    doc_ids = np.array([f"d{i:05d}" for i in range(n_items)])
    for t, group in tasks.items():
        b = difficulty.setdefault(group, rng.normal(size=n_items))
        for m, a in abilities.items():
            p = sigmoid(a + shifts.get((m, t), 0.0) - b)
            if chance is not None:  # a multiple-choice floor: guess when the model does not know
                p = p + (1 - p) * chance
            score = (rng.random(n_items) < p).astype(float)
            tokens = token_scale.get(m, 200.0) * np.exp(TOKENS_SLOPE * b)
            evidence.runs[(m, t)] = ItemScores(doc_ids, score, tokens, np.ones(n_items, dtype=int),
                                               np.full(n_items, np.nan))  # fmt: skip
    return evidence


def sim_catalog(config_dir: Path, models: dict[str, float], active: dict[str, float] | None = None) -> Catalog:
    """Models m* (active parameters from `active`, default 8 B); tasks t1–t4, a parallel group `par`
    (par_en, par_de, par_fr) and 4-choice tasks mc_xx in four languages."""
    active = active or {}
    specs = [model(m, params_b=active.get(m, 8.0), active_b=active.get(m, 8.0)) for m in models]
    tasks = [task(f"t{i}") for i in range(1, 5)]
    tasks += [task(f"par_{lang}", suite="multilingual", group="par", language=lang) for lang in ("en", "de", "fr")]
    tasks += [task(f"mc_{lang}", suite="multilingual", group="mc", language=lang, answer_type="choice_letter")
              for lang in ("en", "sw", "te", "bn")]  # fmt: skip
    return catalog(specs, tasks, config_dir)


@dataclass
class Scenario:
    """A claim, how to simulate its evidence, and its true value."""

    name: str
    test: dict
    abilities: dict[str, float]
    tasks: dict[str, str]
    truth: float
    n_items: int = 200
    shifts: dict[tuple[str, str], float] = field(default_factory=dict)
    token_scale: dict[str, float] = field(default_factory=dict)
    active: dict[str, float] = field(default_factory=dict)
    chance: float | None = None
    refs: Callable[[], pd.DataFrame] | None = None
    claim_true: bool | None = None  # the claim's truth (None: on its boundary, both verdicts are false)


@dataclass
class Calibration:
    name: str
    sims: int
    coverage: float  # share of intervals containing the truth
    false_support: float  # supported while the claim is false (or on its boundary)
    false_refute: float  # refuted while the claim is true (or on its boundary)
    bias: float  # mean estimate − truth
    power: float  # share of correct decided verdicts


def run_scenario(sc: Scenario, sims: int, config_dir: Path, seed: int = 0, n_boot: int = 400) -> Calibration:
    cat = sim_catalog(config_dir, sc.abilities, sc.active)
    slug = re.sub(r"[^a-z0-9]+", "-", sc.name.lower()).strip("-")
    claim = Claim.model_validate({"id": slug, "source": "s.txt",
                                  "quote": "q", "statement": sc.name, "test": sc.test})  # fmt: skip
    refs = sc.refs() if sc.refs else None
    rng = np.random.default_rng(seed)
    covered = f_sup = f_ref = correct = 0
    errors = []
    for i in range(sims):
        evidence = simulate(rng, sc.abilities, sc.tasks, sc.n_items, sc.shifts, sc.token_scale, sc.chance)
        ctx = Context(cat, evidence, refs, seed=i, n_boot=n_boot)
        v = evaluate_claim(claim, ctx)
        a = v.measured
        assert a is not None and a.estimate is not None, (v.verdict, v.reason)
        if sc.test.get("quantifier") in ("any", "all"):  # every cell has the same truth: cover each
            covered += np.mean([c.ci_low <= sc.truth <= c.ci_high for c in a.cells])  # type: ignore[operator]
            errors.append(np.mean([c.estimate for c in a.cells]) - sc.truth)  # type: ignore[arg-type]
        else:
            covered += a.ci_low is not None and a.ci_high is not None and a.ci_low <= sc.truth <= a.ci_high
            errors.append(a.estimate - sc.truth)
        f_sup += a.verdict == "supported" and sc.claim_true is not True
        f_ref += a.verdict == "refuted" and sc.claim_true is not False
        correct += (a.verdict == "supported" and sc.claim_true is True) or (a.verdict == "refuted"
                                                                             and sc.claim_true is False)  # fmt: skip
    return Calibration(sc.name, sims, covered / sims, f_sup / sims, f_ref / sims, float(np.mean(errors)),
                       correct / sims)  # fmt: skip


def solve_ability(target_points: float, lo: float = -10.0, hi: float = 10.0) -> float:
    """The ability whose population accuracy is `target_points` (bisection)."""
    for _ in range(80):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if accuracy(mid) < target_points else (lo, mid)
    return (lo + hi) / 2


def _published(rows: list[tuple[str, str, float]]) -> Callable[[], pd.DataFrame]:
    return lambda: pd.DataFrame([{"model": m, "task": t, "setting": "", "score": s, "source": "sim",
                                  "protocol_match": "yes", "notes": ""} for m, t, s in rows])  # fmt: skip


TWO = {"t1": "t1", "t2": "t2"}
THREE = {"t1": "t1", "t2": "t2", "t3": "t3"}


def scenarios() -> list[Scenario]:
    """Every claim type, at a boundary (false-verdict rates) and with a true effect (coverage, power)."""
    acc = accuracy
    cmp = {"type": "compare", "tasks": {"ids": ["t1", "t2"]}}
    pairs_null = [["g1", "g2"], ["g3", "g4"], ["g5", "g6"]]
    gap_truth = (acc(0.0) - (acc(0.0) + 5)) - (acc(0.2) - (acc(0.2) + 2))
    ratio = lambda a, s: np.mean([acc(a + x) / acc(a) for x in s]) * 100  # noqa: E731
    edge = solve_ability(5 / 0.75)  # 5 points above a 25% guessing floor
    chance_excess = lambda a: 0.75 * acc(a)  # noqa: E731  (points above chance with a 25% floor)
    return [
        Scenario("compare, one pair, null", {**cmp, "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]}},
                 {"m1": 0.0, "m2": 0.0}, TWO, 0.0),
        Scenario("compare, one pair, effect", {**cmp, "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]}},
                 {"m1": 0.3, "m2": 0.0}, TWO, acc(0.3) - acc(0.0), claim_true=True),
        Scenario("gain, 3 pairs x 2 tasks, null mean", {"type": "gain", "condition": "x", "pairs": pairs_null,
                                                        "tasks": {"ids": ["t1", "t2"]}},
                 {"g1": 0.2, "g2": 0.0, "g3": 0.0, "g4": 0.0, "g5": -0.2, "g6": 0.0}, TWO, 0.0),
        Scenario("gain, 3 pairs x 2 tasks, effect", {"type": "gain", "condition": "x", "pairs": pairs_null,
                                                     "tasks": {"ids": ["t1", "t2"]}},
                 {"g1": 0.4, "g2": 0.0, "g3": 0.3, "g4": 0.0, "g5": 0.2, "g6": 0.0}, TWO,
                 np.mean([acc(0.4), acc(0.3), acc(0.2)]) - acc(0.0), claim_true=True),
        Scenario("best of 3 tied vs 1, null", {**cmp, "a": {"ids": ["m1", "m2", "m3"], "aggregate": "best"},
                                               "b": {"ids": ["m4"]}},
                 {"m1": 0.0, "m2": 0.0, "m3": 0.0, "m4": 0.0}, TWO, 0.0),
        Scenario("best of 3 vs best of 2, close", {**cmp, "a": {"ids": ["m1", "m2", "m3"], "aggregate": "best"},
                                                   "b": {"ids": ["m4", "m5"], "aggregate": "best"}},
                 {"m1": 0.2, "m2": 0.1, "m3": 0.0, "m4": 0.15, "m5": 0.05}, TWO, acc(0.2) - acc(0.15),
                 claim_true=True),
        Scenario("best of 3 separated vs 1", {**cmp, "a": {"ids": ["m1", "m2", "m3"], "aggregate": "best"},
                                              "b": {"ids": ["m4"]}},
                 {"m1": 0.5, "m2": 0.0, "m3": 0.0, "m4": 0.0}, TWO, acc(0.5) - acc(0.0), claim_true=True),
        Scenario("any of 3 tasks, null in every cell", {"type": "compare", "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]},
                                                         "tasks": {"ids": ["t1", "t2", "t3"]}, "quantifier": "any"},
                 {"m1": 0.0, "m2": 0.0}, THREE, 0.0),
        Scenario("all of 3 tasks, effect in every cell", {"type": "compare", "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]},
                                                           "tasks": {"ids": ["t1", "t2", "t3"]}, "quantifier": "all"},
                 {"m1": 0.4, "m2": 0.0}, THREE, acc(0.4) - acc(0.0), claim_true=True),
        Scenario("efficiency, correct per 1k tokens", {"type": "efficiency", "metric": "correct_per_1k_tokens",
                                                       "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]},
                                                       "tasks": {"ids": ["t1", "t2"]}},
                 {"m1": 0.3, "m2": 0.3}, TWO, per_1k_tokens(0.3, 200) - per_1k_tokens(0.3, 260),
                 token_scale={"m1": 200.0, "m2": 260.0}, claim_true=True),
        Scenario("efficiency, points above chance per active B", {"type": "efficiency", "metric": "excess_per_active_b",
                                                                  "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]},
                                                                  "tasks": {"ids": ["mc_en", "mc_sw"]}},
                 {"m1": 0.2, "m2": 0.6}, {"mc_en": "mc_en", "mc_sw": "mc_sw"},
                 chance_excess(0.2) / 3 - chance_excess(0.6) / 8, active={"m1": 3.0, "m2": 8.0}, chance=0.25,
                 claim_true=True),
        Scenario("reference, measured vs published, null", {"type": "reference", "a": {"ids": ["m1"]},
                                                             "b": {"ids": ["closed:x"], "source": "published"},
                                                             "tasks": {"ids": ["t1", "t2"]}, "relation": "at_least"},
                 {"m1": 0.3}, TWO, 0.0, refs=_published([("closed:x", "t1", acc(0.3)), ("closed:x", "t2", acc(0.3))])),
        Scenario("reproduction gap beyond the usual gap", {"type": "reproduction_gap", "model": {"ids": ["m1"]},
                                                            "baseline": {"ids": ["m2", "m3"]},
                                                            "tasks": {"ids": ["t1", "t2"]}, "relation": "less"},
                 {"m1": 0.0, "m2": 0.2, "m3": 0.2}, TWO, gap_truth, claim_true=True,
                 refs=_published([("m1", t, acc(0.0) + 5) for t in TWO] + [(m, t, acc(0.2) + 2) for m in ("m2", "m3")
                                                                           for t in TWO])),
        Scenario("transfer: non-English share of English", {"type": "transfer", "a": {"ids": ["m1"]},
                                                             "b": {"ids": ["m2"]}, "tasks": {"groups": ["par"]}},
                 {"m1": 0.5, "m2": 0.5}, {"par_en": "par", "par_de": "par", "par_fr": "par"},
                 ratio(0.5, [-0.2, -0.4]) - ratio(0.5, [-0.6, -0.8]),
                 shifts={("m1", "par_de"): -0.2, ("m1", "par_fr"): -0.4, ("m2", "par_de"): -0.6,
                         ("m2", "par_fr"): -0.8}, claim_true=True),
        Scenario("rank within top 2, true rank 2", {"type": "rank", "target": {"ids": ["m1"]},
                                                    "among": {"ids": ["m2", "m3", "m4"]},
                                                    "tasks": {"ids": ["t1", "t2"]}, "k": 2},
                 {"m1": 0.3, "m2": 0.8, "m3": 0.0, "m4": -0.3}, TWO, 2.0, claim_true=True),
        Scenario("rank first, tied with another", {"type": "rank", "target": {"ids": ["m1"]},
                                                   "among": {"ids": ["m2", "m3"]}, "tasks": {"ids": ["t1", "t2"]},
                                                   "k": 1},
                 {"m1": 0.3, "m2": 0.3, "m3": 0.0}, TWO, 1.0, claim_true=True),
        Scenario("coverage, one language at the margin", {"type": "coverage", "model": {"ids": ["m1"]},
                                                          "tasks": {"groups": ["mc"]}, "margin": 5},
                 {"m1": 0.5}, {f"mc_{x}": f"mc_{x}" for x in ("en", "sw", "te", "bn")}, 3.0,
                 shifts={("m1", "mc_bn"): edge - 0.5}, chance=0.25, claim_true=False),
    ]


def main(sims: int = 1000, n_boot: int = 1000) -> None:
    """Print the calibration table: `PYTHONPATH=.:tests python -m claims_fixtures.simulate [SIMS] [N_BOOT]`."""
    import sys
    import tempfile

    print(f"{'scenario':50s} {'truth':>8s} {'coverage':>9s} {'false sup':>9s} {'false ref':>9s} {'bias':>7s} "
          f"{'power':>6s}  ({sims} datasets, {n_boot} bootstrap replicates)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        for sc in scenarios():
            c = run_scenario(sc, sims, Path(tmp), seed=1, n_boot=n_boot)
            print(f"{c.name:50s} {sc.truth:8.3f} {c.coverage:9.3f} {c.false_support:9.3f} {c.false_refute:9.3f} "
                  f"{c.bias:+7.3f} {c.power:6.3f}", flush=True)  # fmt: skip
    sys.stdout.flush()


if __name__ == "__main__":
    import sys

    main(*(int(a) for a in sys.argv[1:3]))
