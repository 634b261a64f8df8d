"""The results store: atomic files, the resume cache, run keys, and concurrent leaderboard writers."""

from __future__ import annotations

import csv
import multiprocessing as mp
from pathlib import Path

import pytest

from harness import provenance
from harness.config import load_catalog
from harness.leaderboard import COLUMNS, update_leaderboard
from harness.records import GenerationRecord, MetricRecord, RunManifest
from harness.store import RunDir, atomic_write_text

ROOT = Path(__file__).resolve().parent.parent


def gen(key: str, wall: float = 1.0) -> GenerationRecord:
    return GenerationRecord(key=key, doc_id=key, kind="generate", text="x", wall_s=wall, output_tokens=3)


def test_atomic_write_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "a" / "f.txt"
    atomic_write_text(target, "one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_chunks_are_the_resume_cache(tmp_path: Path) -> None:
    run = RunDir(tmp_path, "k1")
    run.append_chunk([gen("a", 2.0), gen("b", 2.0)])
    run.append_chunk([gen("c", 3.0), GenerationRecord(key="d", doc_id="d", kind="generate", error="boom")])
    cached = run.cached_generations()
    assert set(cached) == {"a", "b", "c"}  # failed requests are retried, not cached
    assert run.generation_wall_s() == pytest.approx(5.0)
    assert sorted(p.name for p in run.generations_dir.iterdir()) == ["session-00000-w0.jsonl", "session-00001-w0.jsonl"]


# ---------------------------------------------------------------- run keys


def key_for(**changes: object) -> str:
    catalog = load_catalog(ROOT / "configs")
    model = catalog.model("gemma-3-270m")
    task = catalog.tasks["gsm8k"]
    if "model" in changes:
        model = model.model_copy(update=changes.pop("model"))  # type: ignore[arg-type]
    if "task" in changes:
        task = task.model_copy(update=changes.pop("task"))  # type: ignore[arg-type]
    args = {"weights_hash": "w", "data_hashes": {"gsm8k/test.jsonl": "d"}, "limit": 10,
            "sampling": {"temperature": 0.0}, "packages": {"vllm": "1"}}
    args.update(changes)
    return provenance.run_key(model, task, **args)  # type: ignore[arg-type]


def test_run_key_tracks_what_changes_numbers() -> None:
    base = key_for()
    assert key_for() == base
    assert key_for(weights_hash="other") != base
    assert key_for(data_hashes={"gsm8k/test.jsonl": "changed"}) != base
    assert key_for(limit=11) != base
    assert key_for(sampling={"temperature": 0.6}) != base
    assert key_for(packages={"vllm": "2"}) != base
    assert key_for(task={"fewshot": 4}) != base
    assert key_for(task={"version": 7}) != base
    assert key_for(model={"bos": "never"}) != base


def test_run_key_ignores_descriptive_fields() -> None:
    base = key_for()
    assert key_for(model={"notes": "new note", "name": "renamed", "tensor_parallel_size": 4}) == base
    assert key_for(task={"name": "renamed"}) == base


# ---------------------------------------------------------------- leaderboard


def fake_run(results: Path, key: str, model: str, task: str, score: float, finished: str) -> None:
    run = RunDir(results, key)
    run.write_samples([])
    run.write_metrics([MetricRecord(
        model=model, task=task, metric="accuracy", score=score, stderr=0.01, ci_low=score - 0.02,
        ci_high=score + 0.02, n=100, n_samples=100, n_truncated=1, n_ungradable=0,
        mean_output_tokens=50.0, tokens_per_s=10.0)])
    run.write_manifest(RunManifest(
        run_key=key, status="complete", model=model, task=task, harness_version="0", git_commit=None,
        packages={}, device="cpu", model_revision=None, weights_hash=None,
        model_spec={"family": "f", "developer": "d", "country": "US", "params_b": 1.0, "active_params_b": 1.0},
        task_spec={"suite": "reasoning", "language": "en"}, run_settings={"backend": "vllm"},
        started_at=finished, finished_at=finished))


def _writer(results: str, i: int) -> None:
    fake_run(Path(results), f"key{i:03d}", f"m{i}", "gsm8k", i / 100, f"2026-01-01T00:00:{i:02d}")
    update_leaderboard(Path(results), references=None)


def test_concurrent_writers_lose_nothing(tmp_path: Path) -> None:
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_writer, args=(str(tmp_path), i)) for i in range(12)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert sorted(r["model"] for r in rows) == sorted(f"m{i}" for i in range(12))
    assert list(rows[0]) == COLUMNS


def test_rerun_updates_rather_than_duplicates(tmp_path: Path) -> None:
    fake_run(tmp_path, "old", "m", "gsm8k", 0.1, "2026-01-01T00:00:00")
    fake_run(tmp_path, "new", "m", "gsm8k", 0.2, "2026-01-02T00:00:00")
    update_leaderboard(tmp_path, references=None)
    rows = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert len(rows) == 1 and rows[0]["run_key"] == "new" and float(rows[0]["score"]) == 0.2


def test_leaderboard_reads_in_pandas_with_numeric_columns(tmp_path: Path) -> None:
    import pandas as pd

    fake_run(tmp_path, "k", "m", "gsm8k", 0.5, "2026-01-01T00:00:00")
    update_leaderboard(tmp_path, references=None)
    df = pd.read_csv(tmp_path / "leaderboard.csv")
    for col in ("score", "stderr", "ci_low", "ci_high", "n", "n_truncated", "tokens_per_s", "params_b"):
        assert pd.api.types.is_numeric_dtype(df[col]), col


def test_failed_runs_stay_off_the_leaderboard(tmp_path: Path) -> None:
    fake_run(tmp_path, "k", "m", "gsm8k", 0.5, "2026-01-01T00:00:00")
    run = RunDir(tmp_path, "k")
    manifest = run.read_manifest()
    assert manifest is not None
    run.write_manifest(manifest.model_copy(update={"status": "failed"}))
    update_leaderboard(tmp_path, references=None)
    assert list(csv.DictReader((tmp_path / "leaderboard.csv").open())) == []


def test_leaderboard_carries_published_references(tmp_path: Path) -> None:
    fake_run(tmp_path, "k", "llama-3.1-8b-instruct", "gsm8k", 0.80, "2026-01-01T00:00:00")
    update_leaderboard(tmp_path, references=ROOT / "configs" / "references.csv")
    (row,) = list(csv.DictReader((tmp_path / "leaderboard.csv").open()))
    assert row["reference_score"] and row["reference_source"]
    assert float(row["delta_vs_reference"]) == pytest.approx(80.0 - float(row["reference_score"]), abs=1e-6)
    assert row["reference_protocol_match"] in {"yes", "no", "unknown"}


def test_an_impossible_choice_round_trips_as_minus_infinity(tmp_path: Path) -> None:
    """JSON has no infinity: a -inf choice log-probability is written as null and read back as -inf."""
    import math

    from harness.records import SampleRecord

    sample = SampleRecord(run_key="k", model="m", task="t", doc_id="1", prompt="p", prompt_hash="h", response="",
                          gold="A", extracted="A", correct=True, score=1.0, choice_logprobs=[-1.5, -math.inf])
    run = RunDir(tmp_path, "k")
    run.write_samples([sample])
    assert '"choice_logprobs":[-1.5,null]' in run.samples_path.read_text()
    (back,) = run.read_samples()
    assert back.choice_logprobs == [-1.5, -math.inf]
