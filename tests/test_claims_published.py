"""Published values as aggregate evidence: intervals from n, one source table per cell, one best-of
pick, the coverage floor, the protocol tolerance, release dates, merged claims and claims_cells.csv."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from harness.claims import evaluate, load_ledger, write_reports
from harness.claims.aggregate import published_estimate, standard_error
from harness.claims.contrast import Contrast
from harness.claims.dates import load_dates
from harness.claims.published import Published, cell_values
from harness.claims.report import CELL_COLUMNS
from harness.errors import InputError

from claims_fixtures.builders import catalog, model, task, write_ledger

MODELS = [
    model("alpha-8b", family="alpha", country="CN"), model("alpha-70b", family="alpha", country="CN", params_b=70),
    model("beta-8b", family="beta"), model("beta-70b", family="beta", params_b=70),
]  # fmt: skip
TASKS = [task("t1", items=400), task("t2", items=400), task("aime24", items=30), task("aime25", items=30),
         task("gsm8k", items=1319)]  # fmt: skip
HEADER = "model,task,setting,score,source,protocol_match,notes,n,date,protocol\n"


@pytest.fixture
def cat(tmp_path: Path):
    return catalog(MODELS, TASKS, tmp_path / "configs")


def _claim(cid: str, test: dict, **extra: object) -> dict:
    return {"id": cid, "source": "art.txt", "quote": f"quote of {cid}", "statement": "s", "test": test, **extra}


def _run(tmp_path: Path, cat, refs: str, claims: list[dict], dates: str | None = None):
    cat.config_dir.mkdir(parents=True, exist_ok=True)
    (cat.config_dir / "references.csv").write_text(HEADER + refs)
    if dates is not None:
        (cat.config_dir / "dates.csv").write_text("kind,id,date,source\n" + dates)
    ledger = load_ledger(write_ledger(tmp_path / "l.yaml", claims), cat)
    return evaluate(ledger, tmp_path / "results", cat, n_boot=2000), ledger


def _compare(a: list[str], b: list[str], tasks: list[str], **test: object) -> dict:
    return {"type": "compare", "a": {"ids": a}, "b": {"ids": b}, "tasks": {"ids": tasks}, **test}


def test_standard_error_is_agresti_coull_and_replicates_match_it() -> None:
    assert standard_error(48 / 96 * 100, 96) == pytest.approx(5.0)  # (48 + 2) / (96 + 4) = 0.5: 100·√(.25/100)
    assert standard_error(100.0, 30) > 3  # a perfect score on 30 items still has an interval
    v = Published("m", "t", 70.0, "doc | Table 1", "yes", 1, n=200)
    est = published_estimate(v, 4000)
    assert est is not None and est.reps is not None and est.point == 70.0
    assert np.std(est.reps) == pytest.approx(standard_error(70.0, 200), rel=0.05)
    again = published_estimate(v, 4000)  # seeded by the value's identity: the same in every claim
    assert again is not None and np.array_equal(est.reps, again.reps)
    assert published_estimate(Published("m", "t", 70.0, "doc", "yes", 1), 100) is None  # n unknown


def test_published_interval_crosses_the_margin_is_inconclusive(tmp_path: Path, cat) -> None:
    refs = ("alpha-8b,aime24,pass@1,60.0,doc | Table 2,yes,,,2025-01-20,\n"
            "beta-8b,aime24,pass@1,50.0,doc | Table 2,yes,,,2025-01-20,\n"
            "alpha-8b,gsm8k,0-shot,90.0,doc | Table 2,yes,,,2025-01-20,\n"
            "beta-8b,gsm8k,0-shot,80.0,doc | Table 2,yes,,,2025-01-20,\n")  # fmt: skip
    claims = [_claim("aime", _compare(["alpha-8b"], ["beta-8b"], ["aime24"], margin=2)),
              _claim("gsm", _compare(["alpha-8b"], ["beta-8b"], ["gsm8k"], margin=2))]
    (aime, gsm), _ = _run(tmp_path, cat, refs, claims)
    # 10 points on 30 items each: se ≈ 8.7 and 9.0 points, the difference interval is about ±25
    assert aime.published.verdict == "inconclusive" and aime.published.ci_low < 2 < aime.published.ci_high
    se = np.hypot(standard_error(60.0, 30), standard_error(50.0, 30))
    assert aime.published.ci_high - aime.published.ci_low == pytest.approx(2 * 1.96 * se, rel=0.1)
    assert gsm.published.verdict == "supported" and gsm.basis == "published (indicative)"
    cell = gsm.published.cells[0]
    assert [(x.model, x.n, x.source, x.date, x.kind) for x in cell.values] == [
        ("alpha-8b", 1319, "doc | Table 2", "2025-01-20", "published"),
        ("beta-8b", 1319, "doc | Table 2", "2025-01-20", "published")]


def test_one_source_table_for_both_sides() -> None:
    refs = pd.DataFrame([
        ["alpha-8b", "t1", "5-shot", 70.0, "card A | Table 1", "yes", "", "", "", ""],
        ["alpha-8b", "t1", "0-shot", 65.0, "paper | Table 3", "unknown", "", "", "", ""],
        ["beta-8b", "t1", "0-shot", 60.0, "paper | Table 3", "unknown", "", "", "", ""],
    ], columns=["model", "task", "setting", "score", "source", "protocol_match", "notes", "n", "date", "protocol"])
    both = cell_values(refs, ["alpha-8b", "beta-8b"], "t1")
    assert {m: (v.score, v.source) for m, v in both.items()} == {
        "alpha-8b": (65.0, "paper | Table 3"), "beta-8b": (60.0, "paper | Table 3")}
    alone = cell_values(refs, ["alpha-8b"], "t1")  # alone, the better protocol match wins
    assert alone["alpha-8b"].source == "card A | Table 1"


def test_best_of_is_one_member_everywhere_and_shown(tmp_path: Path, cat) -> None:
    # alpha-8b is best on t1 only; alpha-70b has the best mean over both tasks: it stands for alpha in both
    refs = "".join(f"{m},{t},0-shot,{s},doc | T1,yes,,,,\n" for m, t, s in [
        ("alpha-8b", "t1", 80), ("alpha-8b", "t2", 40), ("alpha-70b", "t1", 70), ("alpha-70b", "t2", 70),
        ("beta-8b", "t1", 60), ("beta-8b", "t2", 60)])  # fmt: skip
    test = {"type": "compare", "a": {"family": ["alpha"], "aggregate": "best"}, "b": {"ids": ["beta-8b"]},
            "tasks": {"ids": ["t1", "t2"]}, "quantifier": "mean"}
    (v,), _ = _run(tmp_path, cat, refs, [_claim("best", test)])
    assert v.published.picks == {"A": "alpha-70b"} and "best of A: alpha-70b" in v.published.reason
    assert all(c.best_a == "alpha-70b" and [x.model for x in c.values if x.side == "A"] == ["alpha-70b"]
               for c in v.published.cells)
    assert v.published.estimate == pytest.approx(10.0)  # not the per-task maximum (80, 70) − 60 = 15


def test_best_of_pick_is_not_won_by_coverage() -> None:
    from harness.claims.picks import pick_best

    values = {("small", "t1"): 50.0, ("small", "t2"): 55.0, ("small", "t3"): 60.0,
              ("big", "t1"): 80.0, ("big", "t2"): 85.0}  # fmt: skip
    pick, why = pick_best(["small", "big"], ["t1", "t2", "t3"], lambda m, t: values.get((m, t)))
    assert pick == "big" and "beats 1 of the 1 other" in why  # better on the tasks both cover
    values[("one", "t1")] = 99.0  # one value where the others have two or three: not a candidate
    assert pick_best(["one", "small", "big"], ["t1", "t2", "t3"], lambda m, t: values.get((m, t)))[0] == "big"
    assert pick_best(["a", "b"], ["t1"], lambda m, t: None)[0] is None


def test_coverage_floor_and_families(tmp_path: Path, cat) -> None:
    refs = ("alpha-8b,t1,0-shot,90,doc | T,yes,,,,\nbeta-8b,t1,0-shot,50,doc | T,yes,,,,\n"
            "alpha-8b,t2,0-shot,90,doc | T,yes,,,,\nbeta-8b,t2,0-shot,50,doc | T,yes,,,,\n")
    thin = _claim("thin", _compare(["alpha-8b"], ["beta-8b"], ["t1", "aime24", "aime25", "gsm8k"]))
    family = _claim("family", _compare(["alpha-8b"], ["beta-8b"], ["t1", "t2", "gsm8k"]))
    enough = _claim("enough", _compare(["alpha-8b"], ["beta-8b"], ["t1", "t2"]))
    (a, b, c), _ = _run(tmp_path, cat, refs, [thin, family, enough])
    assert a.published.verdict == "not_covered" and "1 of 4 cells covered" in a.published.reason
    assert "aime" in a.published.reason and "gsm" in a.published.reason and a.verdict == "not_run"
    assert b.published.verdict == "not_covered" and "no value for gsm8k, named by the claim" in b.published.reason
    assert c.published.verdict == "supported"


def test_protocol_mismatch_within_tolerance_is_inconclusive(tmp_path: Path, cat) -> None:
    refs = ("alpha-8b,gsm8k,8-shot,82.5,doc | T,no,,20000,,\nbeta-8b,gsm8k,8-shot,80.0,doc | T,no,,20000,,\n"
            "alpha-8b,t1,8-shot,90,doc | T,no,,400,,\nbeta-8b,t1,8-shot,50,doc | T,no,,400,,\n")
    close = _claim("close", _compare(["alpha-8b"], ["beta-8b"], ["gsm8k"], relation="within", margin=5))
    far = _claim("far", _compare(["alpha-8b"], ["beta-8b"], ["t1"]))
    (c, f), _ = _run(tmp_path, cat, refs, [close, far])
    # the interval (n = 20000 per side) lies inside ±5, but 2.5 is 2.5 points from the bound: inside the
    # 3-point tolerance for a protocol that differs
    assert c.published.ci_high < 5 and c.published.verdict == "inconclusive" and "was supported" in c.published.reason
    assert f.published.verdict == "supported" and f.published.protocol_match == "no"


def test_dates_leave_out_models_released_after_the_article(tmp_path: Path, cat) -> None:
    cat = catalog([m.model_copy(update={"released": datetime.date(2024, 1, 1)}) for m in MODELS[:3]]
                  + [MODELS[3].model_copy(update={"released": datetime.date(2025, 6, 1)})], TASKS, cat.config_dir)
    refs = "".join(f"{m},t1,0-shot,{s},doc | T,yes,,,,\n" for m, s in [
        ("alpha-8b", 80), ("beta-8b", 60), ("beta-70b", 95), ("closed:late", 99), ("closed:old", 70)])  # fmt: skip
    dates = "article,art.txt,2025-01-01,the article\nclosed,closed:late,2025-03-01,x\nclosed,closed:old,2023-03-01,x\n"
    group = {"type": "compare", "a": {"ids": ["alpha-8b"]}, "b": {"family": ["beta"], "aggregate": "best"},
             "tasks": {"ids": ["t1"]}}
    closed = {"type": "reference", "a": {"ids": ["alpha-8b"], "source": "published"},
              "b": {"ids": ["closed:*"], "source": "published", "aggregate": "best"}, "tasks": {"ids": ["t1"]}}
    late = _compare(["alpha-8b"], ["beta-70b"], ["t1"], relation="less")
    (g, c, future, gone), _ = _run(tmp_path, cat, refs, [_claim("group", group), _claim("closed", closed),
                                                         _claim("future", group, dates="any"), _claim("gone", late)],
                                   dates)  # fmt: skip
    # the only model of side B came out after the article: nothing the article said can be tested on it
    assert gone.published.verdict == "inconclusive" and "no model of one side existed" in gone.published.reason
    assert g.published.estimate == pytest.approx(20.0) and g.published.verdict == "supported"  # 80 − beta-8b's 60
    assert "left out as released later: beta-70b" in g.dates and "beta-70b" not in g.models_b
    assert c.published.estimate == pytest.approx(10.0) and "closed:late" in c.dates  # 80 − closed:old's 70
    assert future.published.picks == {"B": "beta-70b"} and future.published.verdict == "refuted"
    assert "every model takes part" in future.dates
    (undated,), _ = _run(tmp_path, catalog(MODELS, TASKS, cat.config_dir), refs, [_claim("group", group)], "")
    assert "no publication date for art.txt" in undated.dates and undated.published.picks == {"B": "beta-70b"}


def test_identical_claims_merge_and_cells_csv_lists_every_value(tmp_path: Path, cat) -> None:
    refs = ("alpha-8b,t1,0-shot,80,paper | Table 2,yes,,,2024-05-01,shots=0;cot=yes\n"
            "beta-8b,t1,0-shot,60,paper | Table 2,yes,,,2024-05-01,shots=0;cot=yes\n")
    test = _compare(["alpha-8b"], ["beta-8b"], ["t1"])
    verdicts, ledger = _run(tmp_path, cat, refs, [_claim("first", test), _claim("second", test)])
    first, second = verdicts
    assert first.also_claimed_by == ["second"] and second.same_as == "first"
    csv_path, md_path = write_reports(verdicts, ledger, tmp_path / "out")
    md = md_path.read_text()
    assert "quote of first" in md and "quote of second" in md and "Tests the identical cells as `first`" in md
    assert "No runs were read" in md and "No problems found" not in md
    assert "alpha-8b @ t1 = 80 (n=400, paper \\| Table 2, 0-shot, 2024-05-01)" in md
    cells = pd.read_csv(tmp_path / "out" / "claims_cells.csv")
    assert list(cells.columns) == CELL_COLUMNS
    assert len(cells[cells.claim_id == "first"]) == 2 and set(cells.kind) == {"published"}
    assert set(cells.source) == {"paper | Table 2"} and set(cells.n) == {400}
    frame = pd.read_csv(csv_path)
    assert frame.loc[1, "same_as"] == "first" and frame.loc[0, "also_claimed_by"] == "second"


def test_dates_csv_is_read_and_checked(tmp_path: Path) -> None:
    (tmp_path / "dates.csv").write_text("kind,id,date,source\narticle,a.txt,2025-02-01,x\nclosed,closed:o1,2024-12-05,"
                                        "x\nclosed,closed:undated,,x\n")  # fmt: skip
    dates = load_dates(tmp_path, {"m": datetime.date(2024, 1, 1), "n": None})
    assert dates.article("a.txt") == datetime.date(2025, 2, 1) and dates.released("closed:o1") is not None
    assert dates.released("m") == datetime.date(2024, 1, 1) and dates.released("n") is None
    assert dates.released("closed:undated") is None
    (tmp_path / "dates.csv").write_text("kind,id,date,source\nmodel,x,2025-01-01,x\n")
    with pytest.raises(InputError, match="dates.csv:2: kind must be"):
        load_dates(tmp_path, {})


def test_aggregate_evidence_is_calibrated() -> None:
    """Known truth: published scores drawn binomially over n items; the A − B interval covers the true
    difference about 95% of the time, and false verdicts stay near the nominal 2.5% per direction."""
    rng = np.random.default_rng(11)
    n_sets, n_boot = 600, 1000
    scenarios = [(0.6, 0.6, 200, 500, 0.0), (0.3, 0.25, 30, 1319, 5.0), (0.9, 0.9, 400, 400, 0.0)]
    for pa, pb, n_a, n_b, margin in scenarios:
        truth = 100 * (pa - pb)
        covered = false_support = false_refute = 0
        for i in range(n_sets):
            a = Published("a", "t", 100 * rng.binomial(n_a, pa) / n_a, f"doc{i}", "yes", 1, n=n_a)
            b = Published("b", "t", 100 * rng.binomial(n_b, pb) / n_b, f"doc{i}", "yes", 1, n=n_b)
            ea, eb = published_estimate(a, n_boot, i), published_estimate(b, n_boot, i)
            assert ea is not None and eb is not None
            out = Contrast((("a", ea),), (("b", eb),)).test("greater", margin)
            assert out.ci_low is not None and out.ci_high is not None and out.p_support is not None
            covered += out.ci_low <= truth <= out.ci_high
            false_support += truth <= margin and out.p_support < 0.05
            false_refute += truth >= margin and out.p_refute is not None and out.p_refute < 0.05
        se = (0.95 * 0.05 / n_sets) ** 0.5
        assert abs(covered / n_sets - 0.95) < 4 * se + 0.01, (pa, pb, covered / n_sets)
        assert false_support / n_sets < 0.025 + 4 * (0.025 / n_sets) ** 0.5
        assert false_refute / n_sets < 0.025 + 4 * (0.025 / n_sets) ** 0.5
