"""The store's one results reader: validation, run selection, and problems shown rather than hidden."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.config import load_catalog
from harness.records import SCHEMA_VERSION, RunManifest, SampleRecord
from harness.store import Results, ResultsError, RunDir

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def write(results: Path, key: str, *, limit: int | None = None, n_requests: int = 10, finished: str | None,
          status: str = "complete", model: str = "gemma-3-270m", task: str = "gsm8k",
          model_spec: dict | None = None, responses: tuple[str, ...] = ("a",)) -> RunDir:
    run = RunDir(results, key)
    spec = model_spec if model_spec is not None else CATALOG.models[model].model_dump(mode="json")
    run.write_manifest(RunManifest(
        run_key=key, status=status, model=model, task=task, harness_version="0", git_commit=None, packages={},
        device="cpu", model_revision=None, weights_hash=None, model_spec=spec,
        task_spec=CATALOG.tasks[task].model_dump(mode="json"), run_settings={"limit": limit},
        started_at="2026-01-01T00:00:00+00:00", finished_at=finished, n_requests=n_requests))
    run.write_samples([SampleRecord(run_key=key, model=model, task=task, doc_id=str(i), prompt_hash="h", prompt="p",
                                    response=r, extracted=None, gold="1", correct=False, score=0.0)
                       for i, r in enumerate(responses)])
    return run


def test_a_later_limited_run_does_not_replace_a_full_one(tmp_path: Path) -> None:
    write(tmp_path, "full", finished="2026-01-01T10:00:00+00:00", n_requests=1319)
    write(tmp_path, "limited", limit=25, n_requests=25, finished="2026-03-01T10:00:00+00:00")
    sel = Results(tmp_path).select("gemma-3-270m", "gsm8k")
    assert sel is not None and sel.chosen.run_key == "full" and not sel.limited
    assert sel.run_keys == ["full", "limited"]
    assert any("rather than 1 later run(s)" in note and "--limit 25" in note for note in sel.notes)


def test_limited_evidence_is_flagged(tmp_path: Path) -> None:
    write(tmp_path, "limited", limit=25, n_requests=25, finished="2026-03-01T10:00:00+00:00")
    sel = Results(tmp_path).select("gemma-3-270m", "gsm8k")
    assert sel is not None and sel.limited
    assert sel.notes == ("limited evidence: run limited (--limit 25, 25 requests, finished "
                         "2026-03-01T10:00:00+00:00) covers only the first 25 items",)


def test_finish_times_compare_as_times_not_strings(tmp_path: Path) -> None:
    # As strings "…T23:00:00-05:00" < "…T02:00:00+00:00" is false; as times it is 04:00 UTC, later.
    write(tmp_path, "utc", finished="2026-01-02T02:00:00+00:00")
    write(tmp_path, "eastern", finished="2026-01-01T23:00:00-05:00")
    sel = Results(tmp_path).select("gemma-3-270m", "gsm8k")
    assert sel is not None and sel.chosen.run_key == "eastern"


def test_runs_matching_the_catalogue_are_preferred_and_stale_ones_flagged(tmp_path: Path) -> None:
    old_spec = CATALOG.models["gemma-3-270m"].model_dump(mode="json") | {"max_model_len": 1024}
    write(tmp_path, "stale", finished="2026-05-01T00:00:00+00:00", model_spec=old_spec)
    write(tmp_path, "current", finished="2026-01-01T00:00:00+00:00")
    sel = Results(tmp_path, CATALOG).select("gemma-3-270m", "gsm8k")
    assert sel is not None and sel.chosen.run_key == "current" and sel.chosen.matches_catalog is True
    only_stale = tmp_path / "only"
    write(only_stale, "stale", finished="2026-05-01T00:00:00+00:00", model_spec=old_spec)
    sel = Results(only_stale, CATALOG).select("gemma-3-270m", "gsm8k")
    assert sel is not None and any(n.startswith("stale evidence") for n in sel.notes)
    # A descriptive field (notes) does not make a run stale.
    renamed = CATALOG.models["gemma-3-270m"].model_dump(mode="json") | {"notes": "edited"}
    write(tmp_path / "desc", "k", finished="2026-01-01T00:00:00+00:00", model_spec=renamed)
    sel = Results(tmp_path / "desc", CATALOG).select("gemma-3-270m", "gsm8k")
    assert sel is not None and sel.chosen.matches_catalog is True and sel.notes == ()


def test_unfinished_failed_and_incomplete_runs_are_problems_not_evidence(tmp_path: Path) -> None:
    write(tmp_path, "running", finished=None, status="running")
    failed = write(tmp_path, "failed", finished=None, status="failed", task="arc_easy")
    failed.write_manifest(failed.read_manifest().model_copy(update={"error": "3/10 requests failed"}))  # type: ignore[union-attr]
    nosamples = write(tmp_path, "nosamples", finished="2026-01-01T00:00:00+00:00", task="math500")
    nosamples.samples_path.unlink()
    (tmp_path / "runs" / "stray").mkdir()
    reader = Results(tmp_path)
    assert reader.selections() == {}
    messages = sorted(p.message for p in reader.problems)
    assert messages == [
        "complete run without samples.jsonl (not used)",
        "gemma-3-270m × arc_easy failed: 3/10 requests failed (not used)",
        "gemma-3-270m × gsm8k is unfinished (running, or killed; run it again to resume) (not used)",
        "run folder without manifest.json (not used)",
    ]


def test_line_separators_inside_strings_do_not_split_records(tmp_path: Path) -> None:
    texts = ("one\u2028two", "three\u0085four", "five\u2029six")
    write(tmp_path, "k", finished="2026-01-01T00:00:00+00:00", responses=texts)
    reader = Results(tmp_path)
    assert [s.response for s in reader.samples("k")] == list(texts)


def test_damaged_records_name_file_and_line(tmp_path: Path) -> None:
    run = write(tmp_path, "k", finished="2026-01-01T00:00:00+00:00", responses=("a", "b"))
    lines = run.samples_path.read_text().split("\n")
    lines[1] = lines[1][:20]
    run.samples_path.write_text("\n".join(lines))
    with pytest.raises(ResultsError, match=r"k/samples.jsonl:2: not JSON") as info:
        Results(tmp_path).samples("k")
    assert info.value.exit_code == 2 and "delete" in (info.value.hint or "")


def test_records_from_a_newer_harness_are_refused(tmp_path: Path) -> None:
    run = write(tmp_path, "k", finished="2026-01-01T00:00:00+00:00")
    data = json.loads(run.manifest_path.read_text())
    data["schema_version"] = SCHEMA_VERSION + 1
    run.manifest_path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=f"schema {SCHEMA_VERSION + 1}, this harness reads up to {SCHEMA_VERSION}"):
        Results(tmp_path)


def test_version_one_metrics_without_schema_version_still_read(tmp_path: Path) -> None:
    run = write(tmp_path, "k", finished="2026-01-01T00:00:00+00:00")
    run.metrics_path.write_text(json.dumps([{
        "model": "gemma-3-270m", "task": "gsm8k", "metric": "accuracy", "score": 0.5, "stderr": 0.1, "ci_low": 0.3,
        "ci_high": 0.7, "n": 10, "n_samples": 10, "n_truncated": 0, "n_ungradable": 0, "mean_output_tokens": 5.0,
        "tokens_per_s": 1.0}]))
    (metric,) = Results(tmp_path).metrics("k")
    assert metric.score == 0.5 and metric.schema_version == SCHEMA_VERSION
