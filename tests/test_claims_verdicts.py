"""Table-driven verdict cases on synthetic per-sample records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.claims import evaluate, load_ledger
from harness.claims.aggregate import standard_error

from claims_fixtures.builders import bernoulli, catalog, model, task, write_ledger, write_run

MODELS = [
    model("alpha-8b", family="alpha", country="CN", params_b=8),
    model("alpha-70b", family="alpha", country="CN", params_b=70, active_b=70),
    model("beta-8b", family="beta", country="US", params_b=8),
    model("beta-1b", family="beta", country="US", params_b=1),
    model("gamma-8b", family="gamma", country="FR", params_b=8),
]
TASKS = [
    task("t1"), task("t2"), task("t3"), task("aime", answer_type="math"),
    task("mc_en", suite="multilingual", group="mc", language="en", answer_type="choice_letter"),
    task("mc_sw", suite="multilingual", group="mc", language="sw", answer_type="choice_letter"),
    task("par_en", suite="multilingual", group="par", language="en"),
    task("par_de", suite="multilingual", group="par", language="de"),
]  # fmt: skip

# name, runs (model, task, p, n items, k samples[, seed]), test, expected verdict
CASES = [
    ("clear win", [("alpha-8b", "t1", 0.8, 300, 1), ("beta-8b", "t1", 0.4, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]}},
     "supported"),
    ("clear loss", [("alpha-8b", "t1", 0.3, 300, 1), ("beta-8b", "t1", 0.7, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]}},
     "refuted"),
    ("tie, greater", [("alpha-8b", "t1", 0.5, 400, 1, 7), ("beta-8b", "t1", 0.5, 400, 1, 7)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]}},
     "inconclusive"),
    ("tie, within 10 points", [("alpha-8b", "t1", 0.5, 2000, 1), ("beta-8b", "t1", 0.5, 2000, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]},
      "relation": "within", "margin": 10}, "supported"),
    ("big gain claimed, small gain seen", [("alpha-8b", "t1", 0.55, 3000, 1), ("beta-8b", "t1", 0.5, 3000, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]},
      "margin": 15}, "refuted"),
    ("too few items", [("alpha-8b", "t1", 0.9, 10, 1), ("beta-8b", "t1", 0.1, 10, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]}},
     "inconclusive"),
    ("missing model", [("alpha-8b", "t1", 0.8, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["t1"]}},
     "not_run"),
    ("k-sample task", [("alpha-8b", "aime", 0.6, 30, 8), ("beta-8b", "aime", 0.15, 30, 8)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"ids": ["aime"]}},
     "supported"),
    ("any: one task enough, rest missing",
     [("alpha-8b", "t1", 0.9, 300, 1), ("beta-8b", "t1", 0.3, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1", "t2", "t3"]}, "quantifier": "any"}, "supported"),
    ("all: one loss refutes, rest missing",
     [("alpha-8b", "t1", 0.2, 300, 1), ("beta-8b", "t1", 0.8, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1", "t2", "t3"]}, "quantifier": "all"}, "refuted"),
    ("any: nothing decides yet, a task missing",
     [("alpha-8b", "t1", 0.5, 300, 1, 7), ("beta-8b", "t1", 0.5, 300, 1, 7)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1", "t2"]}, "quantifier": "any"}, "not_run"),
    ("all: one task unsure", [("alpha-8b", "t1", 0.9, 300, 1), ("beta-8b", "t1", 0.3, 300, 1),
                              ("alpha-8b", "t2", 0.5, 300, 1), ("beta-8b", "t2", 0.5, 300, 1)],
     {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1", "t2"]}, "quantifier": "all"}, "inconclusive"),
    ("mean over tasks, a group by family", [("alpha-8b", "t1", 0.7, 300, 1), ("alpha-70b", "t1", 0.9, 300, 1),
                                            ("beta-8b", "t1", 0.5, 300, 1), ("beta-1b", "t1", 0.3, 300, 1),
                                            ("alpha-8b", "t2", 0.7, 300, 1), ("alpha-70b", "t2", 0.9, 300, 1),
                                            ("beta-8b", "t2", 0.5, 300, 1), ("beta-1b", "t2", 0.3, 300, 1)],
     {"type": "compare", "a": {"family": ["alpha"]}, "b": {"country": ["US"], "aggregate": "best"},
      "tasks": {"ids": ["t1", "t2"]}}, "supported"),
    ("gain over the catalogue base model", [("alpha-8b", "t1", 0.8, 300, 1), ("gamma-8b", "t1", 0.3, 300, 1)],
     {"type": "gain", "condition": "distill vs base", "treated": {"ids": ["alpha-8b"]}, "control": "base_model",
      "tasks": {"ids": ["t1"]}, "margin": 10}, "supported"),
    ("rank: first of three", [("alpha-8b", "t1", 0.9, 300, 1), ("beta-8b", "t1", 0.5, 300, 1),
                              ("gamma-8b", "t1", 0.3, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"size": ["small"], "exclude": ["beta-1b"]},
      "tasks": {"ids": ["t1"]}, "k": 1}, "supported"),
    ("rank: last, a competitor missing", [("alpha-8b", "t1", 0.2, 300, 1), ("beta-8b", "t1", 0.8, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"ids": ["beta-8b", "gamma-8b"]},
      "tasks": {"ids": ["t1"]}, "k": 1}, "refuted"),
    ("rank: first, a competitor missing", [("alpha-8b", "t1", 0.9, 300, 1), ("beta-8b", "t1", 0.2, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"ids": ["beta-8b", "gamma-8b"]},
      "tasks": {"ids": ["t1"]}, "k": 1}, "not_run"),
    ("coverage: both languages", [("beta-8b", "mc_en", 0.8, 300, 1), ("beta-8b", "mc_sw", 0.6, 300, 1)],
     {"type": "coverage", "model": {"ids": ["beta-8b"]}, "tasks": {"groups": ["mc"]}, "margin": 5}, "supported"),
    ("coverage: one at chance", [("beta-8b", "mc_en", 0.8, 300, 1), ("beta-8b", "mc_sw", 0.25, 1000, 1)],
     {"type": "coverage", "model": {"ids": ["beta-8b"]}, "tasks": {"groups": ["mc"]}, "margin": 5}, "refuted"),
    ("coverage: more languages claimed than catalogued", [("beta-8b", "mc_en", 0.8, 300, 1),
                                                         ("beta-8b", "mc_sw", 0.8, 300, 1)],
     {"type": "coverage", "model": {"ids": ["beta-8b"]}, "tasks": {"groups": ["mc"]}, "min_languages": 3},
     "inconclusive"),
    ("efficiency per active parameter", [("beta-1b", "t1", 0.5, 300, 1), ("beta-8b", "t1", 0.7, 300, 1)],
     {"type": "efficiency", "metric": "excess_per_active_b", "a": {"ids": ["beta-1b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1"]}}, "supported"),
    ("efficiency: a guessing model earns nothing", [("beta-1b", "mc_en", 0.25, 2000, 1),
                                                    ("beta-8b", "mc_en", 0.7, 2000, 1)],
     {"type": "efficiency", "metric": "excess_per_active_b", "a": {"ids": ["beta-1b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["mc_en"]}}, "refuted"),
    ("size-matched pairs, mean over pairs × tasks",
     [("alpha-8b", "t1", 0.8, 300, 1), ("beta-8b", "t1", 0.5, 300, 1), ("alpha-70b", "t1", 0.9, 300, 1),
      ("gamma-8b", "t1", 0.6, 300, 1)],
     {"type": "compare", "pairs": [["alpha-8b", "beta-8b"], ["alpha-70b", "gamma-8b"]], "tasks": {"ids": ["t1"]}},
     "supported"),
    ("rank: first, a missing competitor cannot change k = 3",
     [("alpha-8b", "t1", 0.9, 300, 1), ("beta-8b", "t1", 0.2, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"ids": ["beta-8b", "gamma-8b"]},
      "tasks": {"ids": ["t1"]}, "k": 3}, "supported"),
    ("rank: first on at least 2 tasks", [(m, t, p, 300, 1) for t in ("t1", "t2") for m, p in
                                        (("alpha-8b", 0.9), ("beta-8b", 0.5), ("gamma-8b", 0.3))]
     + [("alpha-8b", "t3", 0.1, 300, 1), ("beta-8b", "t3", 0.9, 300, 1), ("gamma-8b", "t3", 0.5, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"ids": ["beta-8b", "gamma-8b"]},
      "tasks": {"ids": ["t1", "t2", "t3"]}, "k": 1, "per_task": True, "min_tasks": 2}, "supported"),
    ("rank: first on every task fails on one", [(m, t, p, 300, 1) for t in ("t1", "t2") for m, p in
                                               (("alpha-8b", 0.9), ("beta-8b", 0.5), ("gamma-8b", 0.3))]
     + [("alpha-8b", "t3", 0.1, 300, 1), ("beta-8b", "t3", 0.9, 300, 1), ("gamma-8b", "t3", 0.5, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-8b"]}, "among": {"ids": ["beta-8b", "gamma-8b"]},
      "tasks": {"ids": ["t1", "t2", "t3"]}, "k": 1, "per_task": True}, "refuted"),
    ("rank: pareto, only smaller models count", [("beta-1b", "t1", 0.75, 300, 1), ("alpha-70b", "t1", 0.95, 300, 1),
                                                 ("beta-8b", "t1", 0.5, 300, 1)],
     {"type": "rank", "target": {"ids": ["beta-8b"]}, "among": {"ids": ["beta-1b", "alpha-70b"]},
      "tasks": {"ids": ["t1"]}, "k": 1, "metric": "pareto_active_params"}, "refuted"),
    ("rank: pareto, the largest model is not dominated by smaller ones",
     [("beta-1b", "t1", 0.4, 300, 1), ("alpha-70b", "t1", 0.95, 300, 1), ("beta-8b", "t1", 0.5, 300, 1)],
     {"type": "rank", "target": {"ids": ["alpha-70b"]}, "among": {"ids": ["beta-1b", "beta-8b"]},
      "tasks": {"ids": ["t1"]}, "k": 1, "metric": "pareto_active_params"}, "supported"),
    ("transfer: a larger share of English kept",
     [("alpha-8b", "par_en", 0.8, 250, 1, 1), ("alpha-8b", "par_de", 0.76, 250, 1, 1),
      ("beta-8b", "par_en", 0.8, 250, 1, 1), ("beta-8b", "par_de", 0.4, 250, 1, 2)],
     {"type": "transfer", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]}, "tasks": {"groups": ["par"]},
      "margin": 10}, "supported"),
]  # fmt: skip


@pytest.fixture
def cat(tmp_path: Path):
    models = [*MODELS[:4], MODELS[4].model_copy(update={})]
    models[0] = models[0].model_copy(update={"base_model": "gamma-8b"})
    return catalog(models, TASKS, tmp_path / "configs")


@pytest.mark.parametrize(("name", "runs", "test", "expected"), CASES, ids=[c[0] for c in CASES])
def test_verdict_cases(tmp_path: Path, cat, name: str, runs: list, test: dict, expected: str) -> None:
    results = tmp_path / "results"
    for i, (m, t, p, n, k, *seed) in enumerate(runs):
        scores = bernoulli(p, n, seed=seed[0] if seed else 100 + i, k=k)
        write_run(results, m, t, scores, n_choices=4 if t.startswith("mc") else None)
    claim = {"id": "c1", "source": "art.txt", "quote": "原文", "statement": name, "test": test}
    ledger = load_ledger(write_ledger(tmp_path / "claims.yaml", [claim]), cat)
    (verdict,) = evaluate(ledger, results, cat, n_boot=1000)
    assert verdict.verdict == expected, verdict.reason
    if expected == "not_run":
        assert verdict.runs_missing and verdict.commands
    if name == "missing model":
        assert verdict.runs_missing == [("beta-8b", "t1")]
        assert verdict.commands == ["harness run configs/reasoning.yaml --models beta-8b --tasks t1"]
    if name == "k-sample task":
        assert verdict.n_items == 30  # items, not samples: k samples are one cluster
    if name == "too few items":
        assert "fewer than 20" in verdict.reason
    if expected in ("supported", "refuted"):
        assert verdict.basis == "measured" and verdict.p_value is not None and verdict.p_value < 0.05
        assert verdict.p_direction == ("support" if expected == "supported" else "refute")
    if expected == "not_run":
        assert verdict.estimate is None and verdict.measured is not None and verdict.measured.estimate is None


def _claim(cid: str, test: dict) -> dict:
    return {"id": cid, "source": "art.txt", "quote": "q", "statement": "s", "test": test}


def test_any_and_all_name_their_headline_cell(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    for t, (pa, pb) in {"t1": (0.5, 0.5), "t2": (0.9, 0.3), "t3": (0.5, 0.5)}.items():
        write_run(results, "alpha-8b", t, bernoulli(pa, 300, 10), cat=cat)
        write_run(results, "beta-8b", t, bernoulli(pb, 300, 20), cat=cat)
    base = {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
            "tasks": {"ids": ["t1", "t2", "t3"]}}  # fmt: skip
    claims = [_claim("any", {**base, "quantifier": "any"}), _claim("all", {**base, "quantifier": "all",
                                                                             "relation": "less"})]  # fmt: skip
    any_v, all_v = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat), results, cat, n_boot=500)
    assert any_v.verdict == "supported" and any_v.headline == "t2" and any_v.p_direction == "support"
    t2 = next(c for c in any_v.cells if c.label == "t2")
    assert any_v.estimate == t2.estimate and any_v.p_value == t2.p_adjusted and t2.p_adjusted < 0.05
    assert all_v.verdict == "refuted" and all_v.headline == "t2" and all_v.p_direction == "refute"
    assert all_v.p_value == next(c for c in all_v.cells if c.label == "t2").p_adjusted


def test_one_draw_per_task_is_shared_by_every_pair(tmp_path: Path, cat) -> None:
    """Two pairs with identical data: their cells' replicates are identical, so the draw is shared."""
    from harness.claims.context import Context
    from harness.claims.evaluate import evaluate_claim
    from harness.claims.evidence import Evidence
    from harness.claims.sample import ClaimSample

    results = tmp_path / "results"
    scores = bernoulli(0.6, 200, 1), bernoulli(0.4, 200, 2)
    for (a, b) in (("alpha-8b", "beta-8b"), ("alpha-70b", "gamma-8b")):
        write_run(results, a, "t1", scores[0], cat=cat)
        write_run(results, b, "t1", scores[1], cat=cat)
    sample = ClaimSample(Evidence(results, cat), cat, [0, 1], 300)
    sample.need(("t1",), ["alpha-8b", "beta-8b", "alpha-70b", "gamma-8b"])
    est = sample.estimates(("t1",), "accuracy")
    d1, d2 = est["alpha-8b"]["t1"] - est["beta-8b"]["t1"], est["alpha-70b"]["t1"] - est["gamma-8b"]["t1"]
    assert np.array_equal(d1.reps, d2.reps)  # type: ignore[arg-type]
    claim = load_ledger(write_ledger(tmp_path / "l.yaml", [_claim("g", {
        "type": "gain", "condition": "c", "pairs": [["alpha-8b", "beta-8b"], ["alpha-70b", "gamma-8b"]],
        "tasks": {"ids": ["t1"]}})]), cat).claims[0]  # fmt: skip
    v = evaluate_claim(claim, Context(cat, Evidence(results, cat), None, seed=0, n_boot=300))
    one, two = v.cells
    assert one.ci_low == two.ci_low and v.ci_low == one.ci_low  # the mean of identical pairs is each pair


def test_coverage_waiting_for_runs_writes_no_estimate(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    write_run(results, "beta-8b", "mc_en", bernoulli(0.8, 300, 1), n_choices=4, cat=cat)
    claim = _claim("cov", {"type": "coverage", "model": {"ids": ["beta-8b"]}, "tasks": {"groups": ["mc"]}})
    (v,) = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat), results, cat, n_boot=300)
    assert v.verdict == "not_run" and v.estimate is None and v.ci_low is None
    assert v.runs_missing == [("beta-8b", "mc_sw")]
    assert [c.status for c in v.cells] == ["ok", "missing"] and v.cells[0].estimate is not None


def test_coverage_all_refutes_on_one_language_with_holm(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    write_run(results, "beta-8b", "mc_en", bernoulli(0.8, 300, 1), n_choices=4, cat=cat)
    write_run(results, "beta-8b", "mc_sw", bernoulli(0.2, 400, 2), n_choices=4, cat=cat)
    claim = _claim("cov", {"type": "coverage", "model": {"ids": ["beta-8b"]}, "tasks": {"groups": ["mc"]}})
    (v,) = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat), results, cat, n_boot=500)
    sw = v.cells[1]
    assert v.verdict == "refuted" and sw.p_adjusted == pytest.approx(min(1.0, 2 * sw.p_refute))  # Holm, 2 languages
    assert v.estimate == 1.0 and (v.ci_low, v.ci_high) == (1.0, 1.0) and v.unit == "languages"


def test_same_seed_same_numbers_and_order_free(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    write_run(results, "alpha-8b", "t1", bernoulli(0.6, 200, 1))
    write_run(results, "beta-8b", "t1", bernoulli(0.5, 200, 2))
    base = {"source": "art.txt", "quote": "q", "statement": "a beats b",
            "test": {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
                     "tasks": {"ids": ["t1"]}}}  # fmt: skip
    one = load_ledger(write_ledger(tmp_path / "l1.yaml", [{"id": "x", **base}, {"id": "y", **base}]), cat)
    two = load_ledger(write_ledger(tmp_path / "l2.yaml", [{"id": "y", **base}, {"id": "x", **base}]), cat)
    v1 = {v.claim_id: (v.ci_low, v.ci_high) for v in evaluate(one, results, cat, seed=3, n_boot=500)}
    v2 = {v.claim_id: (v.ci_low, v.ci_high) for v in evaluate(two, results, cat, seed=3, n_boot=500)}
    assert v1 == v2




def test_full_run_beats_a_later_limited_run_and_choices_are_reported(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    write_run(results, "alpha-8b", "t1", np.ones(100), finished_at="2025-01-01T00:00:00Z", cat=cat)
    write_run(results, "alpha-8b", "t1", np.zeros(25), finished_at="2025-02-01T00:00:00Z", limit=25, cat=cat)
    write_run(results, "alpha-8b", "t1", np.zeros(100), finished_at="2025-03-01T00:00:00Z", status="failed", cat=cat)
    write_run(results, "beta-8b", "t1", np.zeros(100), cat=cat)
    write_run(results, "beta-8b", "t2", np.zeros(30), limit=30, cat=cat)
    claims = [_claim("c", {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
                           "tasks": {"ids": ["t1"]}})]  # fmt: skip
    verdicts = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat), results, cat, n_boot=200)
    (v,) = verdicts
    assert v.estimate == pytest.approx(100.0) and v.n_runs_used == 2  # the full run, not the later --limit 25
    assert any("rather than 1 later run" in n for n in v.selection_notes)
    assert not any("mixed evidence" in n for n in v.selection_notes)
    mixed = _claim("m", {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
                         "tasks": {"ids": ["t2"]}})  # fmt: skip
    write_run(results, "alpha-8b", "t2", np.ones(100), cat=cat)
    (m,) = evaluate(load_ledger(write_ledger(tmp_path / "m.yaml", [mixed]), cat), results, cat, n_boot=200)
    assert m.n_items == 30 and any("limited evidence" in n for n in m.selection_notes)
    assert "mixed evidence on t2: only 30 items are common to every model's run; larger runs: alpha-8b × t2 (100)" \
        in m.selection_notes
    assert any("failed" in p for p in v.evidence_problems)
    assert any("limited evidence" in n and "beta-8b × t2" in n for n in verdicts.run_notes)
    assert any("failed" in p for p in verdicts.problems)


def test_reference_and_published_assessments_side_by_side(tmp_path: Path, cat) -> None:
    config_dir = cat.config_dir
    config_dir.mkdir(parents=True)
    (config_dir / "references.csv").write_text(
        "model,task,setting,score,source,protocol_match,notes,n,date,protocol\n"
        "closed:big,t1,0-shot,60.0,report,yes,,400,,\n"
        "alpha-70b,t1,0-shot,75.0,report,yes,,400,,\n"
        "beta-8b,t1,0-shot,85.0,card,unknown,,400,,\n"
        "closed:big,t2,0-shot,50.0,report,no,,400,,\n"
        "closed:big,mc,0-shot,70.0,report,yes,published as one average,400,,\n"
    )
    results = tmp_path / "results"
    write_run(results, "beta-8b", "t1", bernoulli(0.8, 400, 5), cat=cat)
    write_run(results, "beta-8b", "mc_en", bernoulli(0.9, 200, 6), cat=cat)
    write_run(results, "beta-8b", "mc_sw", bernoulli(0.5, 200, 7), cat=cat)
    big = {"ids": ["closed:big"], "source": "published"}
    claims = [
        _claim("measured-vs-published", {"type": "reference", "a": {"ids": ["beta-8b"]}, "b": big,
                                         "tasks": {"ids": ["t1", "t2"]}, "relation": "at_least", "quantifier": "any"}),
        _claim("published-only", {"type": "reference", "a": {"ids": ["alpha-70b"], "source": "published"},
                                  "b": {"ids": ["closed:*"], "source": "published"}, "tasks": {"ids": ["t1"]}}),
        _claim("group-average", {"type": "reference", "a": {"ids": ["beta-8b"]}, "b": big, "tasks": {"groups": ["mc"]},
                                 "relation": "within", "margin": 10}),
        _claim("no-runs-yet", {"type": "compare", "a": {"ids": ["alpha-70b"]}, "b": {"ids": ["beta-8b"]},
                               "tasks": {"ids": ["t1"]}, "relation": "less"}),
    ]  # fmt: skip
    ledger = load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat)
    mixed, published, group, pending = evaluate(ledger, results, cat)
    assert mixed.basis == "measured vs published" and mixed.verdict == "supported" and mixed.headline == "t1"
    assert ("beta-8b", "t2") in mixed.runs_missing  # t2 has a published value, so a run would add a cell
    t1 = mixed.measured.cells[0]
    assert t1.published == {"closed:big @ t1": 60.0} and t1.protocol_match == "yes"
    assert mixed.published is not None and mixed.published.verdict == "supported"  # beta-8b's card: 85 vs 60
    assert mixed.published.protocol_match == "unknown" and mixed.published.ci_low is not None
    # published on both sides: an indicative verdict with an unpaired binomial interval (n = 400 per side)
    assert published.measured is None and published.basis == "published (indicative)"
    assert published.verdict == "supported" and published.estimate == pytest.approx(15.0)
    se = (standard_error(75.0, 400) ** 2 + standard_error(60.0, 400) ** 2) ** 0.5
    assert published.ci_low == pytest.approx(15.0 - 1.96 * se, abs=0.6) and published.p_value < 0.05
    assert [c.label for c in group.cells] == ["mc"] and group.n_items == 400  # pooled: (90 + 50) / 2 = 70
    assert group.verdict == "supported" and abs(group.estimate) < 5
    # measured runs missing: the published values decide for now, labelled published (indicative)
    assert pending.measured.verdict == "not_run" and pending.basis == "published (indicative)"
    assert pending.verdict == "supported" and pending.estimate == pytest.approx(-10.0)
    assert pending.published.coverage == "1 of 1 cells have published values"


def test_reproduction_gap_uses_the_baseline_gap(tmp_path: Path, cat) -> None:
    cat.config_dir.mkdir(parents=True)
    (cat.config_dir / "references.csv").write_text(
        "model,task,setting,score,source,protocol_match,notes,n,date,protocol\n"
        "alpha-8b,t1,0-shot,90.0,card,unknown,,1500,,\nbeta-8b,t1,0-shot,62.0,card,yes,,1500,,\n"
        "gamma-8b,t1,0-shot,62.0,card,yes,,1500,,\n"
    )
    results = tmp_path / "results"
    for m, seed in (("alpha-8b", 1), ("beta-8b", 2), ("gamma-8b", 3)):  # everyone measures 60
        write_run(results, m, "t1", bernoulli(0.6, 1500, seed), cat=cat)
    claim = _claim("gap", {"type": "reproduction_gap", "model": {"ids": ["alpha-8b"]},
                           "baseline": {"ids": ["beta-8b", "gamma-8b"]}, "tasks": {"ids": ["t1"]},
                           "relation": "less", "margin": 3})  # fmt: skip
    (v,) = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat), results, cat, n_boot=500)
    assert v.verdict == "supported" and v.estimate == pytest.approx(-28.0, abs=4)  # −30 own gap vs −2 usual
    assert v.cells[0].published == {"alpha-8b @ t1": 90.0, "beta-8b @ t1": 62.0, "gamma-8b @ t1": 62.0}
