"""`harness claims` end to end: the real ledger on no results and on synthetic runs; the reports."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.claims import evaluate, load_ledger, plan_missing, write_reports
from harness.claims.report import COLUMNS

from claims_fixtures.builders import bernoulli, catalog, model, task, write_ledger, write_run
from claims_fixtures.contract_catalog import contract_catalog

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "seeds" / "claims.yaml"


@pytest.fixture(scope="module")
def real() -> tuple:
    cat = contract_catalog(ROOT / "configs")  # published values from configs/references.csv if present
    return cat, load_ledger(LEDGER, cat)


def test_no_results_every_testable_claim_is_not_run_with_its_runs(tmp_path: Path, real: tuple) -> None:
    cat, ledger = real
    verdicts = evaluate(ledger, tmp_path / "results", cat, n_boot=200)
    assert [v.claim_id for v in verdicts] == [c.id for c in ledger.claims]
    for v in verdicts:
        if v.verdict == "untestable" or v.evidence_type == "published":
            continue  # published-only claims are decided from published numbers alone
        if (v.test_type == "reference" and not v.tasks) or "too few languages" in v.reason:
            assert v.verdict == "inconclusive"  # no run can settle it: no published value / languages
            continue
        assert v.verdict == "not_run", (v.claim_id, v.reason)
        assert v.missing_runs and v.commands
        assert all(c.startswith("harness run configs/") and "--models" in c for c in v.commands)
    csv_path, md_path = write_reports(verdicts, ledger, tmp_path / "results")
    frame = pd.read_csv(csv_path, keep_default_na=True)
    assert list(frame.columns) == COLUMNS and len(frame) == len(ledger.claims)
    assert "N/A" not in csv_path.read_text(encoding="utf-8")
    for column in ("estimate", "ci_low", "ci_high", "p_value", "n_items"):
        assert pd.api.types.is_numeric_dtype(frame[column]), column
    md = md_path.read_text(encoding="utf-8")
    for src in ledger.sources:
        assert src.title in md
    assert all(c.quote in md for c in ledger.claims)


def test_plan_lists_runs_and_handles_a_missing_planner(tmp_path: Path, real: tuple, monkeypatch) -> None:
    cat, ledger = real
    verdicts = evaluate(ledger, tmp_path, cat, n_boot=50)
    monkeypatch.setitem(sys.modules, "harness.plan", None)  # import fails as if not written yet
    text = plan_missing(verdicts, ledger, cat)
    assert "GPU plan unavailable" in text
    assert "harness run configs/reasoning.yaml" in text and "harness run configs/multilingual.yaml" in text
    assert "a1-deepseek-surpassed-llama" in text


def test_plan_calls_the_planner_per_group_of_runs(tmp_path: Path, monkeypatch) -> None:
    cat = catalog([model("m1"), model("m2")], [task("t1"), task("t2")], tmp_path)
    test = {"type": "compare", "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]}, "tasks": {"ids": ["t1", "t2"]}}
    claim = {"id": "c", "source": "art.txt", "quote": "q", "statement": "s", "test": test}
    ledger = load_ledger(write_ledger(tmp_path / "l.yaml", [claim]), cat)
    results = tmp_path / "results"
    write_run(results, "m1", "t1", bernoulli(0.5, 50, 1))
    verdicts = evaluate(ledger, results, cat, n_boot=50)
    calls = []

    class FakePlan:
        @staticmethod
        def plan_run(models, tasks, gpu, gpus_per_node):
            calls.append(([m.id for m in models], [t.id for t in tasks], gpu, gpus_per_node))
            return [f"plan:{m.id}" for m in models]

        @staticmethod
        def format_plan(plans, gpu):
            return f"PLANS {plans} on {gpu}"

    monkeypatch.setitem(sys.modules, "harness.plan", FakePlan)
    text = plan_missing(verdicts, ledger, cat, gpu="h200-141gb", gpus_per_node=4)
    assert sorted(calls) == [(["m1"], ["t2"], "h200-141gb", 4), (["m2"], ["t1", "t2"], "h200-141gb", 4)]
    assert "PLANS" in text and "m2 × t1" not in text
    assert verdicts[0].missing_runs == [("m1", "t2"), ("m2", "t1"), ("m2", "t2")]


def test_reports_on_measured_results(tmp_path: Path) -> None:
    cat = catalog([model("m1"), model("m2")], [task("t1"), task("t2")], tmp_path)
    claims = [
        {"id": "win", "source": "art.txt", "quote": "甲胜乙", "statement": "m1 beats m2", "operationalization": "o",
         "test": {"type": "compare", "a": {"ids": ["m1"]}, "b": {"ids": ["m2"]}, "tasks": {"ids": ["t1", "t2"]},
                  "quantifier": "all"}},
        {"id": "never", "source": "art.txt", "quote": "不可测", "statement": "s",
         "test": {"type": "untestable", "reason": "no benchmark measures this"}},
    ]  # fmt: skip
    ledger = load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat)
    results = tmp_path / "results"
    for t, seed in (("t1", 1), ("t2", 2)):
        write_run(results, "m1", t, bernoulli(0.9, 200, seed, k=2), tokens=np.full(200, 50))
        write_run(results, "m2", t, bernoulli(0.3, 200, seed + 10, k=2))
    verdicts = evaluate(ledger, results, cat, n_boot=300)
    csv_path, md_path = write_reports(verdicts, ledger, results)
    frame = pd.read_csv(csv_path)
    row = frame.set_index("claim_id").loc["win"]
    assert row["verdict"] == "supported" and row["n_items"] == 400 and row["tasks"] == "t1;t2"
    assert len(row["evidence_runs"].split(";")) == 4 and pd.isna(row["missing_runs"])
    assert frame.set_index("claim_id").loc["never", "verdict"] == "untestable"
    md = md_path.read_text(encoding="utf-8")
    assert "> 甲胜乙" in md and "**supported**" in md and "Judged untestable" in md
    assert not list(results.glob(".claims*"))  # temp files were replaced atomically


def test_reader_skips_unfinished_runs_and_says_so(tmp_path: Path) -> None:
    from harness.claims.evidence import Evidence

    results = tmp_path / "results"
    write_run(results, "m1", "t1", np.array([1.0, 0.0, 1.0, 1.0]))
    write_run(results, "m1", "t2", np.ones(4), status="running")
    evidence = Evidence(results)
    assert evidence.has("m1", "t1") and not evidence.has("m1", "t2")
    assert evidence.items("m1", "t1").score.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert len(evidence.problems) == 1 and "m1 × t2 is unfinished" in evidence.problems[0]


def test_malformed_records_stop_with_one_line_naming_the_file(tmp_path: Path) -> None:
    from harness.claims.evidence import Evidence
    from harness.store import ResultsError

    results = tmp_path / "results"
    key = write_run(results, "m1", "t1", np.array([1.0, 0.0, 1.0, 1.0]))
    samples = results / "runs" / key / "samples.jsonl"
    lines = samples.read_text().split("\n")
    lines[2] = lines[2].replace('"score":1.0', '"score":"high"')
    samples.write_text("\n".join(lines))
    with pytest.raises(ResultsError, match=r"samples.jsonl:3: not a valid SampleRecord: score"):
        Evidence(results).items("m1", "t1")
    broken = results / "runs" / "broken"
    broken.mkdir()
    (broken / "manifest.json").write_text("{not json")
    with pytest.raises(ResultsError, match=r"broken/manifest.json: unreadable JSON"):
        Evidence(results)
