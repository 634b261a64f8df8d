"""A benchmark added as one YAML file plus a loader in one module: cross-lingual Belebele."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config import load_catalog
from harness.errors import DataMissingError
from harness.tasks.base import load_task_data

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def test_english_passages_with_german_questions(data_dir: Path) -> None:
    xl = load_task_data(CATALOG.tasks["belebele_xl_eng_deu"]).docs
    eng = load_task_data(CATALOG.tasks["belebele_eng_latn"]).docs
    deu = load_task_data(CATALOG.tasks["belebele_deu_latn"]).docs
    assert len(xl) == 900 == CATALOG.tasks["belebele_xl_eng_deu"].items
    for i in (0, 431, 899):
        assert xl[i].passage == eng[i].passage != deu[i].passage
        assert (xl[i].question, xl[i].choices, xl[i].gold) == (deu[i].question, deu[i].choices, deu[i].gold)


def _passage(question: str, correct: int) -> str:
    answers = [{"text": f"answer {k}", "correct": k == correct} for k in range(4)]
    return json.dumps({"text": f"passage for {question}", "items": [{"question": question, "answers": answers}]})


def test_files_that_are_not_parallel_stop_the_load(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "belebele").mkdir()
    (tmp_path / "belebele" / "eng_Latn.jsonl").write_text(_passage("q1", 0) + "\n" + _passage("q2", 1) + "\n")
    (tmp_path / "belebele" / "deu_Latn.jsonl").write_text(_passage("f1", 0) + "\n" + _passage("f2", 2) + "\n")
    monkeypatch.setenv("HARNESS_DATA_DIR", str(tmp_path))
    with pytest.raises(DataMissingError, match="item 1: correct answer C, but B in eng_Latn.jsonl"):
        load_task_data(CATALOG.tasks["belebele_xl_eng_deu"])
    (tmp_path / "belebele" / "deu_Latn.jsonl").write_text(_passage("f1", 0) + "\n")
    with pytest.raises(DataMissingError, match="1 questions for 2 passages"):
        load_task_data(CATALOG.tasks["belebele_xl_eng_deu"])


def test_it_runs_end_to_end_on_the_fake_backend(tmp_path: Path, data_dir: Path) -> None:
    from harness.run import driver
    from harness.run.progress import QuietProgress
    from harness.specs import RunSpec

    from helpers.fake_models import fake_spec, write_fake_catalog

    # Five English passages as exemplars make a long prompt (the fake tokenizer counts bytes).
    catalog = load_catalog(write_fake_catalog(tmp_path / "configs", fake_spec(max_model_len=32768)))
    spec = RunSpec(name="t", models=["fake-base"], tasks=["belebele_xl_eng_deu"], limit=3)
    (outcome,) = driver.run(spec, catalog, results=tmp_path / "r", progress=QuietProgress())
    assert outcome.status == "complete", outcome.error
    assert [m.metric for m in outcome.metrics] == ["accuracy"] and outcome.metrics[0].n == 3
