"""`harness report` without a browser: what it reads, what it writes, and the views it derives.

The report is built from synthetic results written in the documented layout (tests/helpers/
synthetic_results.py) and checked against numbers recomputed here from the same records.
"""

from __future__ import annotations

import base64
import gzip
import json
import re
from pathlib import Path
from statistics import mean

import pytest
from typer.testing import CliRunner

from harness.claims import load_ledger
from harness.cli import app
from harness.config import load_catalog
from harness.plan import plan_model
from harness.report import build_report
from harness.report.samples import reasoning_prefix, rows, status_of
from harness.report.views import heatmaps, reproduction, variant_groups
from harness.store import Results, ResultsError

from claims_fixtures.builders import write_ledger
from helpers.synthetic_results import HOSTILE, SMALL_MODELS, SMALL_TASKS, write_results

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
LEDGER = ROOT / "seeds" / "claims.yaml"
N_CLAIMS = len(load_ledger(LEDGER, CATALOG).claims)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory):
    root = tmp_path_factory.mktemp("results")
    synthetic = write_results(root, CATALOG, SMALL_MODELS, SMALL_TASKS, cap=40)
    summary = build_report(root, catalog=CATALOG, ledger_path=ROOT / "seeds" / "claims.yaml")
    return root, synthetic, summary, summary.path.read_text(encoding="utf-8")


def inline_payload(html: str, task: str) -> dict:
    match = re.search(rf'<script type="application/octet-stream" id="samples-data-{re.escape(task)}">([^<]*)</script>',
                      html)
    assert match, f"no inline samples for {task}"
    return json.loads(gzip.decompress(base64.b64decode(match.group(1))))


def page_data(html: str) -> dict:
    match = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert match
    return json.loads(match.group(1))


def test_counts_files_and_self_containment(built) -> None:
    root, synthetic, summary, html = built
    assert (summary.n_models, summary.n_tasks, summary.n_cells) == (8, 16, 128)
    assert summary.n_samples == synthetic.samples == 8 * (15 * 40 + 30 * 16)
    assert summary.n_claims == N_CLAIMS and summary.path == root / "report.html"
    names = {p.name for p in summary.figures}
    for stem in ("heatmap-mgsm", "heatmap-global_mmlu", "heatmap-belebele", "heatmap-xcopa", "multilingual-relative",
                 "reasoning-tokens", "reasoning-gpu-seconds", "reproduction"):
        assert {f"{stem}.png", f"{stem}.svg"} <= names
        assert (root / "report" / "figures" / f"{stem}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # Nothing outside the file is needed to read it: no external scripts, styles, fonts or images.
    assert not re.search(r"<(script|link|img|iframe)[^>]+(src|href)=\"(?!data:)", html)
    assert "@import" not in html and "url(" not in html
    assert "http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'" in html
    assert summary.sample_pages == [] and html.count('id="samples-data-') == 16
    assert 'id="synthetic-banner"' in html and "128 of 128 runs are marked" in html


def test_cells_match_the_records(built) -> None:
    root, _, _, html = built
    data = page_data(html)
    columns = data["cells"]["columns"]
    cells = [dict(zip(columns, r, strict=True)) for r in data["cells"]["rows"]]
    reader = Results(root, CATALOG)
    for row in cells:
        run = reader.select(row["model"], row["task"]).chosen
        metric = reader.metrics(run)[0]
        samples = reader.samples(run)
        assert row["run_key"] == run.run_key and row["n"] == metric.n
        assert row["score"] == pytest.approx(metric.score, abs=1e-5)
        assert row["trunc_rate"] == pytest.approx(sum(s.truncated for s in samples) / len(samples), abs=1e-5)
        assert row["weights_hash"] == run.manifest.weights_hash
        assert data["envs"][row["env"]]["packages"] == run.manifest.packages
    # arc_easy is a likelihood task: `acc` is primary and acc_norm is kept beside it.
    arc = next(r for r in cells if r["task"] == "arc_easy")
    assert arc["metric"] == "acc" and set(arc["other_metrics"]) == {"acc_norm"}
    # Published references are joined as the leaderboard does (same model, same task).
    ref = next(r for r in cells if r["model"] == "qwen3-8b-think" and r["task"] == "aime24")
    assert ref["ref_score"] == 76.0 and ref["delta"] == pytest.approx(100 * ref["score"] - 76.0, abs=1e-3)


def test_samples_payload_holds_every_graded_item(built) -> None:
    root, synthetic, _, html = built
    payload = inline_payload(html, "aime24")
    reader = Results(root, CATALOG)
    for model in SMALL_MODELS:
        listed = rows(payload, model)
        samples = reader.samples(reader.select(model, "aime24").chosen)
        assert len(listed) == len(samples) == synthetic.samples_per_cell[(model, "aime24")] == 30 * 16
        assert sum(r[7] == "truncated" for r in listed) == synthetic.truncated[(model, "aime24")]
        assert sum(r[7] == "error" for r in listed) == synthetic.errors[(model, "aime24")]
        assert sum(r[7] == "correct" for r in listed) == sum(s.correct for s in samples)
        assert [(r[0], r[1]) for r in listed] == [(s.doc_id, s.sample_idx) for s in samples]
    # Reasoning is folded: the prefix ends where the answer starts.
    think = next(r for r in rows(payload, "qwen3-8b-think") if r[7] == "correct")
    assert think[3][: think[4]].startswith("<think>") and think[3][think[4]:].strip().startswith("The answer is")
    plain = rows(payload, "llama-3.1-8b-instruct")[0]
    assert plain[4] == 0
    # Prompts are stored once per hash; the hostile one is data inside the payload, not markup in the page.
    assert any(HOSTILE in p for p in payload["prompts"].values())
    assert HOSTILE not in html and 'src="http://example.invalid' not in html


@pytest.mark.parametrize(("response", "fmt", "in_prompt", "expected"), [
    ("<think>a b</think>\n\nThe answer is 4.", "think", False, len("<think>a b</think>\n\n")),
    ("a b</think>The answer is 4.", "think", True, len("a b</think>")),
    ("<think>never closed", "think", False, len("<think>never closed")),
    ("The answer is 4.", "think", False, 0),  # thinking switched off
    ("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>42<|return|>", "harmony",
     False, len("<|channel|>analysis<|message|>x<|end|><|start|>assistant<|channel|>final<|message|>")),
    ("analysis think more", "harmony", False, len("analysis think more")),
    ("<think>x</think> 4", "none", False, 0),  # a model without reasoning: shown as is
])  # fmt: skip
def test_reasoning_prefix(response: str, fmt: str, in_prompt: bool, expected: int) -> None:
    assert reasoning_prefix(response, fmt, in_prompt) == expected


def test_views_from_the_records(built) -> None:
    root, _, _, _ = built
    from harness.report.data import attach_references, collect_cells, default_references

    rows = collect_cells(Results(root, CATALOG))
    attach_references(rows, default_references(CATALOG))
    groups = {(g.kind, tuple(g.models)) for g in variant_groups(rows)}
    assert groups == {("thinking", ("qwen3-8b-nothink", "qwen3-8b-think")),
                      ("effort", ("gpt-oss-20b-low", "gpt-oss-20b-medium", "gpt-oss-20b-high"))}
    maps = {h.group: h for h in heatmaps(rows)}
    assert set(maps) == {"mgsm", "global_mmlu", "belebele", "xcopa"}
    mgsm = maps["mgsm"]
    assert mgsm.languages[0] == "en" and sorted(mgsm.languages) == ["de", "en", "sw", "zh"]
    by = {(r.model, r.language): r.score for r in rows if r.group == "mgsm"}
    for model in SMALL_MODELS:
        expected = mean(by[(model, lang)] for lang in ("de", "sw", "zh")) / by[(model, "en")]
        assert mgsm.relative[model] == pytest.approx(expected)
    assert maps["xcopa"].relative == dict.fromkeys(maps["xcopa"].models)  # no English split
    repro = reproduction(rows, 5.0)
    refs = [r for r in rows if r.reference_score is not None]
    assert len(repro.rows) == len(refs) > 0
    assert repro.within == sum(abs(100 * r.score - r.reference_score) <= 5.0 for r in refs)


def test_claims_section_renders_every_claim_with_runs_and_gpu_hours(built) -> None:
    _, _, _, html = built
    assert html.count('<details class="claim"') == N_CLAIMS
    # A not_run claim lists the runs still needed with the plan's GPU-hours for exactly those runs.
    block = html[html.index('id="claim-a0-llama4-limited-gain"'):]
    block = block[: block.find('<details class="claim"', 1)]
    from harness.claims import evaluate

    verdicts = {v.claim_id: v for v in evaluate(load_ledger(LEDGER, CATALOG), Path("/nonexistent"), CATALOG)}
    missing = verdicts["a0-llama4-limited-gain"].runs_missing
    assert {m for m, _ in missing} == {"llama-3.3-70b-instruct", "llama-4-maverick-17b-128e-instruct"}
    assert f"Runs still needed: {len(missing)}" in block
    expected = sum(plan_model(CATALOG.models[m], [CATALOG.tasks[t]]).est_gpu_hours for m, t in missing)
    assert f"about {expected:.1f} GPU-hours on h100-80gb" in block
    assert "harness run configs/reasoning.yaml --models llama-3.3-70b-instruct" in block
    # Cells backed by runs link to their items.
    assert re.search(r'<a class="cell-link" href="#samples" data-model="qwen3-8b-think" data-task="[a-z0-9_]+">', html)


def test_hostile_ledger_text_is_escaped(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write_results(root, CATALOG, ["qwen3-8b-think", "qwen3-8b-nothink"], ["gsm8k"], cap=25)
    ledger = write_ledger(tmp_path / "ledger.yaml", [{
        "id": "x-thinking-helps", "source": "art.txt", "quote": "思考</script><script>alert(1)</script>",
        "statement": "Thinking <b>helps</b> on GSM8K.",
        "test": {"type": "gain", "condition": "thinking", "pairs": [["qwen3-8b-think", "qwen3-8b-nothink"]],
                 "tasks": {"ids": ["gsm8k"]}, "relation": "greater", "margin": 0},
    }])  # fmt: skip
    summary = build_report(root, catalog=CATALOG, ledger_path=ledger)
    html = summary.path.read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;/script&gt;&lt;script&gt;alert(1)" in html
    assert "Thinking &lt;b&gt;helps&lt;/b&gt;" in html
    assert summary.n_claims == 1 and (root / "report" / "figures" / "forest-x-thinking-helps.svg").is_file()


def test_many_samples_go_to_pages_and_a_rebuild_is_deterministic(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write_results(root, CATALOG, ["qwen3-8b-think", "gemma-3-4b-it"], ["gsm8k", "mgsm_en", "mgsm_de"], cap=30)
    first = build_report(root, catalog=CATALOG, ledger_path=ROOT / "seeds" / "claims.yaml", inline_max_samples=50)
    html = first.path.read_text(encoding="utf-8")
    assert [p.name for p in first.sample_pages] == ["gsm8k.html", "mgsm_de.html", "mgsm_en.html"]
    assert 'id="samples-data-' not in html
    assert page_data(html)["samples"]["gsm8k"]["page"] == "report/samples/gsm8k.html"
    page = (root / "report" / "samples" / "gsm8k.html").read_text(encoding="utf-8")
    assert 'id="samples-data-gsm8k"' in page and 'href="../../report.html"' in page
    svg = (root / "report" / "figures" / "heatmap-mgsm.svg").read_bytes()
    second = build_report(root, catalog=CATALOG, ledger_path=ROOT / "seeds" / "claims.yaml")
    assert second.sample_pages == [] and not (root / "report" / "samples" / "gsm8k.html").exists()  # no stale pages
    assert (root / "report" / "figures" / "heatmap-mgsm.svg").read_bytes() == svg


def test_text_budget_keeps_every_item_listed_and_the_wrong_ones_first(tmp_path: Path) -> None:
    root = tmp_path / "results"
    synthetic = write_results(root, CATALOG, ["qwen3-8b-think", "llama-3.1-8b-instruct"], ["gsm8k", "aime24"], cap=60)
    summary = build_report(root, catalog=CATALOG, ledger_path=LEDGER, text_budget=0)  # the floor: 24 KiB a run
    html = summary.path.read_text(encoding="utf-8")
    reader = Results(root, CATALOG)
    correct_ends = 0
    for task in ("gsm8k", "aime24"):
        payload = inline_payload(html, task)
        seen: set[str] = set()
        for model in ("qwen3-8b-think", "llama-3.1-8b-instruct"):
            listed = rows(payload, model)
            samples = reader.samples(reader.select(model, task).chosen)
            assert len(listed) == synthetic.samples_per_cell[(model, task)]  # every sample is listed
            assert [r[7] for r in listed] == [status_of(s) for s in samples]
            whole = [r for r in listed if r[2] is not None]
            ends = [r for r in listed if r[2] is None and r[3] is not None]
            # A prompt is paid for once per task (the payload stores it once).
            new = {r[2] for r in whole} - seen
            prompts = sum(len(payload["prompts"][key]) for key in new)
            seen |= new
            assert prompts + sum(len(r[3]) for r in whole + ends) <= 24 * 1024
            assert 0 < len(whole) < len(listed)
            # Samples that are not correct get whole texts before any correct one does ...
            if any(r[7] == "correct" for r in whole):
                assert all(r[2] is not None for r in listed if r[7] != "correct")
            else:
                assert all(r[7] != "correct" for r in whole)
            assert all(r[11] > 0 and r[3] for r in ends)
            correct_ends += sum(r[7] == "correct" for r in ends)
    # ... and correct ones keep the end of their output, where the answer is, while the budget lasts.
    assert correct_ends > 0 and 'samples are listed without their' in html


def test_fast_sample_reading_keeps_the_reader_contract(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write_results(root, CATALOG, ["gemma-3-4b-it"], ["gsm8k"], cap=3)
    path = next(root.glob("runs/*/samples.jsonl"))
    lines = path.read_text(encoding="utf-8").split("\n")
    newer = json.loads(lines[1])
    newer["schema_version"] = 99
    lines[1] = json.dumps(newer)
    first = json.loads(lines[0])
    first["output_tokens"] = float("nan")  # not a valid int: named, whichever parser reads it
    lines[0] = json.dumps(first)
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"samples.jsonl:1: not a valid SampleRecord: output_tokens"):
        Results(root).samples(next(iter(Results(root).selections().values())).chosen)
    lines[0] = json.dumps(json.loads(lines[2]) | {"doc_id": "x"})
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ResultsError, match=r"samples.jsonl:2: written with results schema 99"):
        Results(root).samples(next(iter(Results(root).selections().values())).chosen)


def test_a_rebuild_reuses_the_pages_of_unchanged_runs(tmp_path: Path) -> None:
    import os

    root = tmp_path / "results"
    write_results(root, CATALOG, ["qwen3-8b-think", "gemma-3-4b-it"], ["gsm8k", "mgsm_en", "mgsm_de"], cap=30)
    build = lambda: build_report(root, catalog=CATALOG, ledger_path=LEDGER, inline_max_samples=50)  # noqa: E731
    first = build()
    def pages(summary) -> dict[str, str]:  # without the stamp line, which holds the runs' file times
        return {p.name: re.sub(r"<!-- harness-samples .*-->", "", p.read_text(encoding="utf-8"))
                for p in summary.sample_pages}  # fmt: skip

    before = pages(first)
    assert "samples (wait; 0 of 3 task pages reused)" in first.seconds
    second = build()
    assert "samples (wait; 3 of 3 task pages reused)" in second.seconds
    assert second.n_samples == first.n_samples and second.path.read_text(encoding="utf-8").count("samples/") >= 3
    run = Results(root).select("gemma-3-4b-it", "mgsm_de").chosen
    os.utime(run.dir.samples_path, ns=(1, 1))  # the run's samples were rewritten (re-graded)
    third = build()
    assert "samples (wait; 2 of 3 task pages reused)" in third.seconds
    assert pages(third) == before and len(before) == 3  # re-packed to the same content


def test_cli_report_and_its_errors(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write_results(root, CATALOG, ["gemma-3-4b-it"], ["gsm8k"], cap=20)
    runner = CliRunner()
    result = runner.invoke(app, ["report", "--results", str(root), "--out", str(tmp_path / "out" / "r.html")])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"report: {tmp_path / 'out' / 'r.html'}"
    assert (tmp_path / "out" / "r" / "figures" / "reasoning-tokens.svg").is_file()
    missing = runner.invoke(app, ["report", "--results", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "no such results directory" in missing.output
    assert "Traceback" not in missing.output
    bad = runner.invoke(app, ["report", "--results", str(root), "--claims", str(tmp_path / "none.yaml")])
    assert bad.exit_code == 2 and "none.yaml: no such file" in bad.output


def test_run_command_ends_with_the_rebuilt_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import harness.runner
    from harness.runner import Outcome

    def fake_run(spec, catalog, *, results=None, **kwargs):  # writes records as a run would, no engine
        write_results(results, catalog, ["gemma-3-270m"], ["gsm8k", "arc_easy"], cap=5)
        return [Outcome("gemma-3-270m", t, "k", "complete") for t in ("gsm8k", "arc_easy")]

    monkeypatch.setattr(harness.runner, "run", fake_run)
    root = tmp_path / "results"
    result = CliRunner().invoke(app, ["run", str(ROOT / "configs" / "smoke.yaml"), "--results", str(root)])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2:] == [f"leaderboard: {root / 'leaderboard.csv'}", f"report: {root / 'report.html'}"]
    assert "gemma-3-270m" in (root / "report.html").read_text(encoding="utf-8")


def test_a_report_that_cannot_be_built_does_not_fail_the_command(tmp_path: Path) -> None:
    from harness.cli import rebuild_report

    root = tmp_path / "results"
    (root / "runs" / "k").mkdir(parents=True)
    (root / "runs" / "k" / "manifest.json").write_text("{not json")  # a damaged record: bad input
    line = rebuild_report(root)
    assert line.startswith("report: not rebuilt (") and "manifest.json: unreadable JSON" in line
    assert line.endswith(f"run `harness report --results {root}`")


def test_claims_command_rebuilds_the_report(tmp_path: Path) -> None:
    root = tmp_path / "results"
    write_results(root, CATALOG, ["gemma-3-4b-it"], ["gsm8k"], cap=20)
    result = CliRunner().invoke(app, ["claims", "--results", str(root), "--claims", str(LEDGER)])
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == f"report: {root / 'report.html'}"
    assert (root / "report.html").is_file()


def test_claims_adapter_shows_both_assessments_headline_first() -> None:
    from harness.claims import Assessment, Cell, Verdict, load_ledger
    from harness.report.claims_view import claims_view
    from harness.report.render import environment

    ledger = load_ledger(LEDGER, CATALOG)
    claim = ledger.claims[0]
    cells = [Cell("aime24", ["aime24"], n_items=30, estimate=-4.0, ci_low=-7.0, ci_high=-1.0, p_support=0.99,
                  p_refute=0.01),
             Cell("gsm8k", ["gsm8k"], status="missing")]  # fmt: skip
    measured = Assessment("measured", "refuted", reason="A is below B", headline="aime24", estimate=-4.0,
                          ci_low=-7.0, ci_high=-1.0, p_support=0.99, p_refute=0.01, unit="points", n_items=30,
                          cells=cells)  # fmt: skip
    published = Assessment("published-only", "supported", reason="model cards", headline="gsm8k", estimate=3.0,
                           unit="points", coverage="1 of 2 cells have published values")
    v = Verdict(claim.id, claim.source, claim.statement, claim.quote, claim.test.type, "refuted", basis="measured",
                measured=measured, published=published, models_a=["llama-3.3-70b-instruct"],
                models_b=["llama-4-scout-17b-16e-instruct"], tasks=["aime24", "gsm8k"],
                selection_notes=["a note"], evidence_problems=["a problem"])  # fmt: skip
    (article,) = [a for a in claims_view([v], ledger, CATALOG) if a.claims]
    view = article.claims[0]
    assert [e.kind for e in view.evidence] == ["measured", "published-only"]
    assert view.evidence[0].p_label == "p (refute)" and view.evidence[0].p_value == 0.01
    assert view.evidence[1].verdict == "supported" and "(1 of 2 cells have published values)" in view.evidence[1].reason
    assert [c.headline for c in view.cells] == [True, False] and view.cells[0].p_value == 0.01
    assert view.cells[1].p_value is None
    assert (view.notes, view.problems) == (["a note"], ["a problem"])
    assert article.counts["refuted"] == 1
    html = environment(lambda m, t: True).get_template("claims.html.j2").render(
        articles=[article], verdicts=["refuted"], forest={}, gpu="h100-80gb", claims_note="")
    assert 'class="badge refuted"' in html and "published-only: supported" in html and "★ aime24" in html
    assert "evidence problem: a problem" in html


def test_deferred_claims_say_what_they_need() -> None:
    from harness.claims import Verdict, load_ledger
    from harness.report.claims_view import claims_view

    ledger = load_ledger(LEDGER, CATALOG)
    claim = ledger.claims[0]
    v = Verdict(claim.id, claim.source, claim.statement, claim.quote, "deferred", "deferred",
                needs=["a long-context task", "a coding task"])
    (article,) = [a for a in claims_view([v], ledger, CATALOG) if a.claims]
    assert article.claims[0].needs == "a long-context task; a coding task" and article.claims[0].evidence == []


def test_gpu_hours_come_from_the_plan_and_name_models_that_do_not_fit() -> None:
    from harness.report.claims_view import GpuHours

    hours, unplaceable = GpuHours(CATALOG, "a100-40gb", 1).total(
        [("llama-3.1-405b-instruct", "gsm8k"), ("gemma-3-1b-it", "gsm8k"), ("gemma-3-1b-it", "math500")])
    expected = sum(plan_model(CATALOG.models["gemma-3-1b-it"], [CATALOG.tasks[t]], "a100-40gb", 1).est_gpu_hours
                   for t in ("gsm8k", "math500"))
    assert unplaceable == ["llama-3.1-405b-instruct"] and hours == pytest.approx(expected, abs=0.01) and hours > 0
