"""Table-driven verdict cases on synthetic per-sample records."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from harness.claims import evaluate, load_ledger

from claims_fixtures.builders import bernoulli, catalog, model, task, write_ledger, write_run

MODELS = [
    model("alpha-8b", family="alpha", country="CN", params_b=8),
    model("alpha-70b", family="alpha", country="CN", params_b=70),
    model("beta-8b", family="beta", country="US", params_b=8),
    model("beta-1b", family="beta", country="US", params_b=1),
    model("gamma-8b", family="gamma", country="FR", params_b=8),
]
TASKS = [
    task("t1"), task("t2"), task("t3"), task("aime", answer_type="math"),
    task("mc_en", suite="multilingual", group="mc", language="en", answer_type="choice_letter"),
    task("mc_sw", suite="multilingual", group="mc", language="sw", answer_type="choice_letter"),
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
     {"type": "efficiency", "metric": "score_per_active_b", "a": {"ids": ["beta-1b"]}, "b": {"ids": ["beta-8b"]},
      "tasks": {"ids": ["t1"]}}, "supported"),
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
        assert verdict.missing_runs and verdict.commands
    if name == "missing model":
        assert verdict.missing_runs == [("beta-8b", "t1")]
        assert verdict.commands == ["harness run configs/reasoning.yaml --models beta-8b --tasks t1"]
    if name == "k-sample task":
        assert verdict.n_items == 30  # items, not samples: k samples are one cluster
    if name == "too few items":
        assert "fewer than 20" in verdict.reason


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


def test_latest_complete_run_is_used_and_all_listed(tmp_path: Path, cat) -> None:
    results = tmp_path / "results"
    old = write_run(results, "alpha-8b", "t1", np.zeros(100), finished_at="2025-01-01T00:00:00Z")
    new = write_run(results, "alpha-8b", "t1", np.ones(100), finished_at="2025-02-01T00:00:00Z")
    write_run(results, "alpha-8b", "t1", np.zeros(100), finished_at="2025-03-01T00:00:00Z", status="failed")
    write_run(results, "beta-8b", "t1", np.zeros(100))
    claim = {"id": "c", "source": "art.txt", "quote": "q", "statement": "s",
             "test": {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"ids": ["beta-8b"]},
                     "tasks": {"ids": ["t1"]}}}  # fmt: skip
    (v,) = evaluate(load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat), results, cat, n_boot=200)
    assert v.estimate == pytest.approx(100.0)
    assert old in v.evidence_runs and new in v.evidence_runs and len(v.evidence_runs) == 3


def test_reference_published_values_are_labelled(tmp_path: Path, cat) -> None:
    config_dir = cat.config_dir
    config_dir.mkdir(parents=True)
    (config_dir / "references.csv").write_text(
        "model,task,setting,score,source,protocol_match,notes\n"
        "closed:big,t1,0-shot,60.0,report,yes,\n"
        "alpha-70b,t1,0-shot,75.0,report,yes,\n"
        "closed:big,t2,0-shot,50.0,report,no,\n"
        "closed:big,mc,0-shot,70.0,report,yes,published as one average\n"
    )
    results = tmp_path / "results"
    write_run(results, "beta-8b", "t1", bernoulli(0.8, 400, 5))
    write_run(results, "beta-8b", "mc_en", bernoulli(0.9, 200, 6))
    write_run(results, "beta-8b", "mc_sw", bernoulli(0.5, 200, 7))
    claims = [
        {"id": "measured-vs-published", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {"type": "reference", "a": {"ids": ["beta-8b"]}, "b": {"ids": ["closed:big"], "source": "published"},
                  "tasks": {"ids": ["t1", "t2"]}, "relation": "at_least", "quantifier": "any"}},
        {"id": "published-only", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {"type": "reference", "a": {"ids": ["alpha-70b"], "source": "published"},
                  "b": {"ids": ["closed:*"], "source": "published"}, "tasks": {"ids": ["t1"]}}},
        {"id": "group-average", "source": "art.txt", "quote": "q", "statement": "s",
         "test": {"type": "reference", "a": {"ids": ["beta-8b"]}, "b": {"ids": ["closed:big"], "source": "published"},
                  "tasks": {"groups": ["mc"]}, "relation": "within", "margin": 10}},
    ]  # fmt: skip
    ledger = load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat)
    mixed, published, group = evaluate(ledger, results, cat)
    assert mixed.evidence_type == "measured vs published" and mixed.verdict == "supported"
    assert ("beta-8b", "t2") in mixed.missing_runs  # t2 has a published value, so a run would add a cell
    assert "published closed:big @ t1 = 60 (protocol match: yes" in mixed.reason
    assert published.evidence_type == "published" and published.verdict == "supported"
    assert published.estimate == pytest.approx(15.0) and published.ci_low == published.ci_high
    assert [c.label for c in group.cells] == ["mc"] and group.n_items == 400  # pooled: (90 + 50) / 2 = 70
    assert group.verdict == "supported" and abs(group.estimate) < 5
