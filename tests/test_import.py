"""`harness import`: other harnesses' per-sample logs become ordinary, re-graded, matched runs.

Fixtures (tests/fixtures/imports/) are excerpts of real public outputs (ZeroEval and MMLU-Pro,
Apache-2.0), and an lm-eval `--log_samples` pair (samples JSONL + results JSON) written in lm-eval
0.4.13's exact layout (lm_eval/evaluator.py, loggers/evaluation_tracker.py) over the first three
GSM8K test items, with responses written for the test: one per filter and document, a strict-match
miss that flexible-extract finds, and a wrong answer. The task items the imports are matched
against are written to a temporary data mirror by each test.
"""

from __future__ import annotations

import json
import shutil
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.store import Results

FIXTURES = Path(__file__).parent / "fixtures" / "imports"
ZEROEVAL_GSM = FIXTURES / "zeroeval-gsm-Qwen2-7B-Instruct.json"
ZEROEVAL_MATH = FIXTURES / "zeroeval-math-l5-Qwen2.5-7B-Instruct.json"
MMLU_PRO = FIXTURES / "model_outputs_Meta-Llama-3_1-8B-Instruct_5shots.json"
LM_EVAL_DIR = FIXTURES / "lm-eval"
# A real lm-eval 0.4.13 log made here (Gemma 3 270M, HF on CPU, configs/lm_eval/arc_easy_gen_local.yaml,
# 3-shot, greedy): the results JSON as written and an excerpt of the samples (docs/imports.md).
LM_EVAL_ARC = FIXTURES / "lm-eval-arc"

runner = CliRunner()


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A data mirror holding the GSM8K items of the fixtures (and the math_l5 items), no MMLU-Pro."""
    root = tmp_path / "data"
    (root / "gsm8k").mkdir(parents=True)
    rows = [{"question": r["question"], "answer": f"work\n#### {r['answer'].lstrip('# ')}"}
            for r in json.loads(ZEROEVAL_GSM.read_text())]
    lm_rows = [json.loads(line) for path in LM_EVAL_DIR.glob("samples_*.jsonl")
               for line in path.read_text().splitlines()]
    seen = {r["question"] for r in rows}
    for row in lm_rows:
        if row["doc"]["question"] not in seen:
            seen.add(row["doc"]["question"])
            rows.append({"question": row["doc"]["question"], "answer": row["doc"]["answer"]})
    (root / "gsm8k" / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    math = root / "outputs" / "zeroeval" / "math-l5"
    math.mkdir(parents=True)
    shutil.copy(ZEROEVAL_MATH, math / "Qwen2.5-72B-Instruct.json")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(root))
    return root


def _import(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, ["import", *args])
    return result.exit_code, result.output


def _runs(results: Path) -> list[Path]:
    return sorted(p for p in (results / "runs").iterdir()) if (results / "runs").is_dir() else []


def test_zeroeval_import_is_an_ordinary_run_matched_by_question_text(data_dir: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    code, out = _import(str(ZEROEVAL_GSM), "--results", str(results))
    assert code == 0, out
    assert "qwen2-7b-instruct × gsm8k" in out and "matched 4 (question text 4)" in out
    (run,) = _runs(results)
    manifest = json.loads((run / "manifest.json").read_text())
    settings = manifest["run_settings"]
    assert settings["served_by"] == "imported" and settings["backend"] == "imported"
    assert settings["source"]["sha256"] == manifest["data_files"][str(ZEROEVAL_GSM)]
    assert settings["settings"]["temperature"] == 0.0 and settings["settings"]["max_tokens"] == 4096
    assert settings["protocol"]["harness"] == "ZeroEval" and settings["protocol"]["shots"] == 0
    # The store, the leaderboard and the claims read it like any run; doc ids are the task's.
    reader = Results(results)
    (sel,) = reader.selections().values()
    samples = reader.samples(sel.chosen)
    assert [s.doc_id for s in samples] == ["0", "1", "2", "3"]
    assert all(s.response.startswith("{") for s in samples)
    assert any("imported evidence" in n and "ZeroEval" in n for n in sel.notes)
    board = (results / "leaderboard.csv").read_text()
    assert "qwen2-7b-instruct" in board and "gsm8k" in board


def test_reimport_is_a_no_op_and_a_changed_file_is_a_new_run(data_dir: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    assert _import(str(ZEROEVAL_GSM), "--results", str(results))[0] == 0
    first = _runs(results)
    samples_before = (first[0] / "samples.jsonl").read_bytes()
    code, out = _import(str(ZEROEVAL_GSM), "--results", str(results))
    assert code == 0 and "already imported" in out and _runs(results) == first
    assert (first[0] / "samples.jsonl").read_bytes() == samples_before
    rows = json.loads(ZEROEVAL_GSM.read_text())
    rows[0]["output"] = ['{"reasoning": "guess", "answer": "17"}']
    changed = tmp_path / "Qwen2-7B-Instruct.json"
    changed.write_text(json.dumps(rows))
    assert _import(str(changed), "--results", str(results))[0] == 0
    assert len(_runs(results)) == 2


def test_unmatched_items_are_reported_never_dropped(data_dir: Path, tmp_path: Path) -> None:
    rows = json.loads(ZEROEVAL_GSM.read_text())
    extra = dict(rows[0], id="gsm8k-main-test-#9999", question="How many legs do 3 spiders have?")
    path = tmp_path / "Qwen2-7B-Instruct.json"
    path.write_text(json.dumps([*rows, extra]))
    results = tmp_path / "results"
    code, out = _import(str(path), "--results", str(results))
    assert code == 0, out
    assert "matched 4" in out and "unmatched 1" in out and "row 4 (id gsm8k-main-test-#9999)" in out
    (run,) = _runs(results)
    summary = json.loads((run / "import.json").read_text())
    assert summary["unmatched"] == [{"row": 4, "id": "gsm8k-main-test-#9999",
                                     "reason": "its question text is in none of the task's items"}]


def test_math_l5_is_defined_from_zeroeval_items_and_graded_symbolically(data_dir: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    code, out = _import(str(ZEROEVAL_MATH), "--results", str(results))
    assert code == 0, out
    assert "qwen2.5-7b-instruct × math_l5" in out and "items from task data" in out
    (sel,) = Results(results).selections().values()
    samples = Results(results).samples(sel.chosen)
    gold = {str(r["id"]): r["answer"] for r in json.loads(ZEROEVAL_MATH.read_text())}
    assert {s.doc_id: s.gold for s in samples} == gold


def test_mmlu_pro_zip_keeps_the_source_verdict_beside_the_harness_grade(data_dir: Path, tmp_path: Path) -> None:
    archive = tmp_path / "model_outputs_Meta-Llama-3_1-8B-Instruct_5shots.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(MMLU_PRO, MMLU_PRO.name)
    results = tmp_path / "results"
    code, out = _import(str(archive), "--results", str(results))
    assert code == 0, out
    assert "llama-3.1-8b-instruct × mmlu_pro" in out and "items from source file" in out
    (run,) = _runs(results)
    rows = json.loads(MMLU_PRO.read_text())
    verdicts = [json.loads(line) for line in (run / "imported.jsonl").read_text().splitlines()]
    assert [v["doc_id"] for v in verdicts] == [str(r["question_id"]) for r in rows]
    assert [v["source_correct"] for v in verdicts] == [r["pred"] == r["answer"] for r in rows]
    assert [v["source_extracted"] for v in verdicts] == [r["pred"] for r in rows]
    summary = json.loads((run / "import.json").read_text())
    agree = sum(v["source_correct"] == v["harness_correct"] for v in verdicts) / len(verdicts)
    assert summary["agreement"] == pytest.approx(agree) and summary["n_compared"] == len(rows)
    assert summary["source_accuracy"] == pytest.approx(sum(r["pred"] == r["answer"] for r in rows) / len(rows))
    # These excerpts state their answer as "The answer is (X)": the harness reads the same letter.
    assert [v["harness_extracted"] for v in verdicts] == [r["pred"] for r in rows]


def test_lm_eval_rows_repeated_per_filter_become_one_item_and_reproduce_its_metric(
        data_dir: Path, tmp_path: Path) -> None:
    samples = next(LM_EVAL_DIR.glob("samples_*.jsonl"))
    lines = [json.loads(line) for line in samples.read_text().splitlines()]
    docs = {r["doc_id"] for r in lines}
    filters = {r["filter"] for r in lines}
    assert len(lines) == len(docs) * len(filters) and len(filters) == 2  # the fixture has both filters
    results = tmp_path / "results"
    code, out = _import(str(samples), "--model", "gemma-3-270m", "--results", str(results))
    assert code == 0, out
    assert "lm-eval → gemma-3-270m × gsm8k" in out and f"matched {len(docs)}" in out
    (run,) = _runs(results)
    summary = json.loads((run / "import.json").read_text())
    assert set(summary["per_filter"]) == {f"exact_match,{f}" for f in filters}
    flexible = [r["exact_match"] for r in lines if r["filter"] == "flexible-extract"]
    assert summary["per_filter"]["exact_match,flexible-extract"]["source"] == pytest.approx(
        sum(flexible) / len(flexible))
    # lm-eval's own number-extraction metric, reproduced by the harness's grader on the same outputs.
    assert summary["accuracy"] == pytest.approx(sum(flexible) / len(flexible), abs=0.005 + 1 / len(flexible))
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["run_settings"]["protocol"]["shots"] == 5
    assert manifest["run_settings"]["limit"] == 3  # lm-eval's --limit, from its results JSON
    assert any(p.endswith(".json") and "results_" in p for p in manifest["data_files"])
    # lm-eval 0.4.13 writes `sample_len` (the item count) beside the metrics: it is not a metric.
    assert "sample_len" not in out and "sample_len" not in json.dumps(summary)


def _arc_mirror(data_dir: Path, rows: list[dict[str, Any]]) -> None:
    """ARC-Easy's upstream file with the excerpt's items (lm-eval keeps each upstream row as its doc),
    behind an item of another task so that positions and ids do not line up by accident."""
    (data_dir / "arc").mkdir()
    docs = [{"id": "Other_1", "question": {"stem": "Which gas do plants take in?", "choices": [
        {"label": "A", "text": "oxygen"}, {"label": "B", "text": "carbon dioxide"}]}, "answerKey": "B"}]
    docs += [r["doc"] for r in rows]
    (data_dir / "arc" / "ARC-Easy-Test.jsonl").write_text("".join(json.dumps(d) + "\n" for d in docs))


def test_a_real_lm_eval_generation_log_reproduces_lm_evals_own_metric(data_dir: Path, tmp_path: Path) -> None:
    samples = next(LM_EVAL_ARC.glob("samples_*.jsonl"))
    rows = [json.loads(line) for line in samples.read_text().splitlines()]
    _arc_mirror(data_dir, rows)
    results = tmp_path / "results"
    # No --model: the results JSON names the harness's converted folder (gemma-3-270m-bfloat16).
    code, out = _import(str(samples), "--results", str(results))
    assert code == 0, out
    assert "lm-eval → gemma-3-270m × arc_easy" in out and f"matched {len(rows)} (question text {len(rows)})" in out
    (run,) = _runs(results)
    summary = json.loads((run / "import.json").read_text())
    lm_eval = sum(r["exact_match"] for r in rows) / len(rows)
    assert 0.15 < lm_eval < 0.9  # a log with right and wrong answers, not all zero
    assert summary["per_filter"]["exact_match,letter"]["source"] == pytest.approx(lm_eval)
    # The harness's letter grader reproduces lm-eval's exact_match on the same outputs within 0.5 point.
    assert abs(summary["accuracy"] - lm_eval) <= 0.005
    verdicts = [json.loads(line) for line in (run / "imported.jsonl").read_text().splitlines()]
    assert [v["harness_extracted"] for v in verdicts] == [r["filtered_resps"][0] for r in rows]
    assert all(v["agree"] for v in verdicts)
    # Written letters for a log-likelihood task: one `acc`, as native arc_easy runs name it, and no acc_norm.
    (metric,) = json.loads((run / "metrics.json").read_text())
    assert metric["metric"] == "acc" and metric["score"] == pytest.approx(summary["accuracy"])
    manifest = json.loads((run / "manifest.json").read_text())
    assert "letter" in manifest["run_settings"]["graded_as"] and manifest["run_settings"]["protocol"]["shots"] == 3
    # lm-eval's own aggregate (over the whole run the excerpt comes from) is kept beside.
    reported = json.loads(next(LM_EVAL_ARC.glob("results_*.json")).read_text())
    assert summary["source_metrics"] == {"exact_match,letter": reported["results"]["arc_easy_gen_local"][
        "exact_match,letter"]}


def test_a_multiple_choice_lm_eval_log_with_no_task_data_here_keeps_its_choices_and_gold(
        data_dir: Path, tmp_path: Path) -> None:
    """lm-eval's multiple-choice rows (0.4.13 layout): `target` is the gold choice's index, the choices
    are the requests' continuations, `resps` the log-likelihoods. With no BoolQ data in the mirror
    the task is defined from the file, and acc and acc_norm come out as lm-eval's."""
    docs = [("is the sky blue", " yes", [-0.5, -0.2], 1), ("is fire cold", " no", [-0.3, -0.9], 0),
            ("do fish fly", " no", [-0.6, -0.4], 0), ("is ice frozen water", " yes", [-2.0, -2.1], 1)]
    rows = []
    for i, (question, _, lls, gold) in enumerate(docs):
        ctx = f"passage\nQuestion: {question}?\nAnswer:"
        acc = float(max(range(2), key=lambda j: lls[j]) == gold)
        norm = float(max(range(2), key=lambda j: lls[j] / len(["no", "yes"][j])) == gold)
        rows.append({"doc_id": i, "doc": {"question": question, "passage": "passage", "label": gold}, "target": gold,
                     "arguments": {f"gen_args_{j}": {"arg_0": ctx, "arg_1": c} for j, c in enumerate([" no", " yes"])},
                     "resps": [[[ll, False]] for ll in lls], "filtered_resps": [[ll, False] for ll in lls],
                     "filter": "none", "metrics": ["acc", "acc_norm"], "acc": acc, "acc_norm": norm})
    path = tmp_path / "samples_boolq_2026-01-01T00-00-00.000000.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    results = tmp_path / "results"
    code, out = _import(str(path), "--model", "gemma-3-270m", "--results", str(results))
    assert code == 0, out
    assert "lm-eval → gemma-3-270m × boolq" in out and "items from source file" in out
    (run,) = _runs(results)
    metrics = {m["metric"]: m["score"] for m in json.loads((run / "metrics.json").read_text())}
    assert metrics["acc"] == pytest.approx(sum(r["acc"] for r in rows) / len(rows))
    assert metrics["acc_norm"] == pytest.approx(sum(r["acc_norm"] for r in rows) / len(rows))
    samples = Results(results).samples(next(iter(Results(results).selections().values())).chosen)
    assert [s.gold for s in samples] == ["B", "A", "A", "B"]


def test_lm_eval_winogrande_rows_match_the_harness_items_by_the_text_before_the_blank(
        data_dir: Path, tmp_path: Path) -> None:
    """lm-eval keeps Winogrande's `sentence` with a `_` blank; the harness's items hold the text before
    it. Twin sentences share that text, so they match by id with the text as the check."""
    mosaic = [(["Sarah was a much better surgeon than Maria so Sarah", "Sarah was a much better surgeon than Maria "
                "so Maria"], "always got the easier cases.", 1),
              (["Sarah was a much better surgeon than Maria so Sarah", "Sarah was a much better surgeon than Maria "
                "so Maria"], "always got the harder cases.", 0),
              (["They were worried the wine would ruin the bed and the blanket, but the blanket", "They were worried "
                "the wine would ruin the bed and the blanket, but the bed"], "was't ruined.", 1)]
    (data_dir / "winogrande").mkdir()
    (data_dir / "winogrande" / "winogrande.jsonl").write_text("".join(
        json.dumps({"context_options": c, "continuation": k, "gold": g}) + "\n" for c, k, g in mosaic))
    options = [("Sarah", "Maria"), ("Sarah", "Maria"), ("blanket", "bed")]
    rows = []
    for i, ((contexts, cont, gold), (one, two)) in enumerate(zip(mosaic, options, strict=True)):
        blank = contexts[0][:len(contexts[0]) - len(one)]
        lls = [-1.0, -2.0] if gold == 0 else [-2.0, -1.0]
        rows.append({"doc_id": i, "doc": {"sentence": f"{blank}_ {cont}", "option1": one, "option2": two,
                                          "answer": str(gold + 1)},
                     "target": cont, "arguments": {f"gen_args_{j}": {"arg_0": blank + o, "arg_1": " " + cont}
                                                   for j, o in enumerate((one, two))},
                     "resps": [[[ll, False]] for ll in lls], "filtered_resps": [[ll, False] for ll in lls],
                     "filter": "none", "metrics": ["acc"], "acc": 1.0})
    path = tmp_path / "samples_winogrande_2026-01-01T00-00-00.000000.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    results = tmp_path / "results"
    code, out = _import(str(path), "--model", "gemma-3-270m", "--results", str(results))
    assert code == 0, out
    assert "× winogrande" in out and "matched 3 (id 2, question text 1), unmatched 0" in out, out
    assert "accuracy: harness 100.00, source 100.00" in out


@pytest.mark.parametrize("case", ["cut", "wrong-format", "unknown-model", "no-match", "unknown-task", "bad-field",
                                  "lm-eval-wrong-format", "lm-eval-unknown-model", "lm-eval-model-not-in-catalogue",
                                  "lm-eval-no-match", "lm-eval-results-cut"])
def test_bad_input_is_one_line_exit_2_and_nothing_written(case: str, data_dir: Path, tmp_path: Path) -> None:
    results = tmp_path / "results"
    good = str(ZEROEVAL_GSM)
    if case == "cut":
        samples = next(LM_EVAL_DIR.glob("samples_*.jsonl")).read_text()
        path = tmp_path / "samples_gsm8k_local_2026-01-01T00-00-00.000000.jsonl"
        path.write_text(samples[: len(samples) // 2])  # cut mid-line
        args = [good, str(path)]  # the good file before it is not imported either
    elif case == "wrong-format":
        args = [good, "--format", "mmlu-pro"]
    elif case == "unknown-model":
        args = [good, "--model", "llama-9-7b"]
    elif case == "no-match":
        args = [str(ZEROEVAL_MATH), "--task", "gsm8k"]
    elif case == "unknown-task":
        args = [good, "--task", "gsm9k"]
    elif case == "bad-field":
        args = [good, "--field", "response"]
    else:  # an lm-eval log: its samples JSONL and the results JSON beside it
        folder = tmp_path / "lm-eval"
        shutil.copytree(LM_EVAL_DIR, folder)
        samples = next(folder.glob("samples_*.jsonl"))
        beside = next(folder.glob("results_*.json"))
        if case == "lm-eval-model-not-in-catalogue":
            beside.write_text(beside.read_text().replace("/root/.cache/harness/models/gemma-3-270m-bfloat16",
                                                         "acme/widget-13b"))
        elif case == "lm-eval-results-cut":
            beside.write_text(beside.read_text()[:200])
        extra = {"lm-eval-wrong-format": ["--format", "zeroeval"], "lm-eval-unknown-model": ["--model", "llama-9-7b"],
                 "lm-eval-no-match": ["--task", "math_l5"]}.get(case, [])
        # The good file first (nothing of it is written either), except where --task would refuse it.
        args = [*([] if case == "lm-eval-no-match" else [good]), str(samples), *extra]
    code, out = _import(*args, "--results", str(results))
    assert code == 2, out
    assert len(out.strip().splitlines()) == 1 and out.startswith("error: ") and "Traceback" not in out
    assert not results.exists() or not any((results / "runs").iterdir())
    expected = {"cut": "cut mid-line", "wrong-format": "not an MMLU-Pro output file",
                "unknown-model": "unknown model id 'llama-9-7b'", "no-match": "none of its 3 items match task 'gsm8k'",
                "unknown-task": "unknown task id 'gsm9k'", "bad-field": "expected NAME=SOURCE_FIELD",
                "lm-eval-wrong-format": "a JSONL file cannot be --format zeroeval",
                "lm-eval-unknown-model": "unknown model id 'llama-9-7b'",
                "lm-eval-model-not-in-catalogue": "model 'acme/widget-13b' is not in the catalogue",
                "lm-eval-no-match": "none of its 3 items match task 'math_l5'",
                "lm-eval-results-cut": "the lm-eval results JSON does not parse"}[case]
    assert expected in out


def test_generic_jsonl_with_a_field_mapping(data_dir: Path, tmp_path: Path) -> None:
    rows = json.loads(ZEROEVAL_GSM.read_text())
    path = tmp_path / "mine.jsonl"
    path.write_text("".join(json.dumps({"q": r["question"], "completion": f"So the answer is {r['answer'][2:]}.",
                                        "ok": 1}) + "\n" for r in rows))
    results = tmp_path / "results"
    code, out = _import(str(path), "--model", "qwen2-7b-instruct", "--task", "gsm8k", "--field", "question=q",
                        "--field", "response=completion", "--field", "correct=ok", "--results", str(results))
    assert code == 0, out
    assert "jsonl → qwen2-7b-instruct × gsm8k" in out and "accuracy: harness 100.00, source 100.00" in out


# ------------------------------------------------------------ catalogue: imported models, reference-only


NEW_MODELS = ["llama-2-70b", "llama-3.1-70b", "qwen2-7b-instruct", "qwen2-72b-instruct", "qwen2.5-3b-instruct",
              "qwen2.5-32b-instruct", "gemma-2-9b-it", "gemma-2-27b-it", "mistral-nemo-instruct-2407",
              "mistral-large-instruct-2407"]


@pytest.mark.parametrize("model_id", NEW_MODELS)
def test_models_of_the_imported_files_are_in_the_catalogue(model_id: str) -> None:
    from harness.config import load_catalog

    m = load_catalog().model(model_id)
    assert m.runnable and m.source.type == "hub" and m.source.repo and m.architecture is not None
    assert m.chat_template == (m.kind != "base")
    assert m.source.revision or "revision not pinned: verify" in m.notes.lower()


def test_a_reference_only_model_carries_evidence_but_is_never_run(tmp_path: Path) -> None:
    from harness.config import load_catalog, load_run
    from harness.errors import ConfigError, InputError
    from harness.run.driver import load_backend
    from harness.specs import ModelSpec

    gemini = load_catalog().model("gemini-1.5-pro-002")
    assert not gemini.runnable and gemini.kind == "closed"
    config = tmp_path / "run.yaml"
    config.write_text("name: x\nmodels: [gemini-1.5-pro-002]\ntasks: [gsm8k]\n")
    with pytest.raises(ConfigError, match="reference-only"):
        load_run(config)
    with pytest.raises(InputError, match="reference-only and can never be run"):
        load_backend(gemini, None, None)  # type: ignore[arg-type]  (refused before either is used)
    spec = gemini.model_dump()
    spec["kind"] = "instruct"  # a closed model that claims to be runnable-looking is refused
    with pytest.raises(ValueError, match="reference-only closed model"):
        ModelSpec.model_validate(spec)


def test_a_native_run_is_preferred_to_an_imported_one_of_the_same_cell(data_dir: Path, tmp_path: Path) -> None:
    import numpy as np

    from claims_fixtures.builders import write_run

    results = tmp_path / "results"
    assert _import(str(ZEROEVAL_GSM), "--results", str(results))[0] == 0
    # a native run that finished earlier and has fewer items still wins: its protocol is the harness's
    native = write_run(results, "qwen2-7b-instruct", "gsm8k", np.ones(2), finished_at="2020-01-01T00:00:00Z")
    (sel,) = Results(results).selections().values()
    assert sel.chosen.run_key == native and not sel.chosen.imported
    assert [r.imported for r in sel.others] == [True]


# ------------------------------------------------------------ benchmarks/zeroeval_gaps.py: ZeroEval's rule


def _zeroeval_gaps() -> Any:
    import importlib.util

    path = Path(__file__).resolve().parent.parent / "benchmarks" / "zeroeval_gaps.py"
    spec = importlib.util.spec_from_file_location("zeroeval_gaps", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # its dataclasses look their module up there
    spec.loader.exec_module(sys.modules[spec.name])
    return sys.modules[spec.name]


@pytest.mark.parametrize(("output", "gold", "answer", "correct"), [
    ('{"reasoning": "half", "answer": "1/2"}', "\\frac{1}{2}", "1/2", False),  # 0.5 against the gold's first 1
    ('{"reasoning": "\\(x\\)", "answer": "128 - 24 + 2 = 106"}', "106", "128 - 24 + 2 = 106", False),  # by pattern
    ('{"answer": "6\\\\sqrt{2}"}', "6", "6\\sqrt{2}", True),  # a wrong answer with the gold's first number
    ('**answer**: "-5"', "-5", None, False),  # no answer ZeroEval can parse
    ('{"answer": "5"} then {"answer": "3"}', "3", "5", False),  # the first complete JSON block counts
    ('{"answer": 18}', "# 18", "18", True),  # GSM gold "# 18", a number value
])
def test_zeroeval_rule_as_the_gap_script_recomputes_it(output: str, gold: str, answer: str | None,
                                                      correct: bool) -> None:
    gaps = _zeroeval_gaps()
    assert gaps.zeroeval_answer(output, "Qwen2.5-3B-Instruct") == answer
    assert gaps.zeroeval_correct(answer, gold) is correct
