"""`harness run` end to end on the fake backend: golden scores, the generation log, resume."""

from __future__ import annotations

import csv
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness.config import load_catalog
from harness.run.progress import QuietProgress
from harness.runner import run
from harness.specs import RunSpec
from harness.store import RunDir

from helpers.fake_models import fake_spec, write_fake_catalog

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def catalog_dir(tmp_path: Path) -> Path:
    return write_fake_catalog(tmp_path / "configs")


def samples(results: Path, task: str) -> list[tuple[str, str, bool]]:
    rows = []
    for path in results.glob("runs/*/samples.jsonl"):
        for line in path.read_text().split("\n"):
            if line:
                r = json.loads(line)
                if r["task"] == task:
                    rows.append((r["doc_id"], r["response"], r["correct"]))
    return sorted(rows)


def test_fake_run_golden(catalog_dir: Path, tmp_path: Path, data_dir: Path) -> None:
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k", "arc_easy"], limit=20)
    results = tmp_path / "results"
    outcomes = run(spec, load_catalog(catalog_dir), results=results, progress=QuietProgress())
    assert [o.status for o in outcomes] == ["complete", "complete"]
    scores = {(o.task, m.metric): (round(m.score, 4), m.n, m.n_truncated) for o in outcomes for m in o.metrics}
    assert scores == {("gsm8k", "accuracy"): (0.1, 20, 2), ("arc_easy", "acc"): (0.2, 20, 0),
                      ("arc_easy", "acc_norm"): (0.15, 20, 0)}  # lm-eval's acc_norm: per character of the choice
    for o in outcomes:
        run_dir = RunDir(results, o.run_key or "")
        manifest = run_dir.read_manifest()
        assert manifest is not None and manifest.status == "complete"
        assert manifest.n_requests == (20 if o.task == "gsm8k" else 80)
        assert manifest.run_settings["dtype"] == {"requested": "float32", "effective": "float32", "reason": None}
        assert manifest.run_settings["engine_info"]["engine"] == "fake"
        assert [p.name for p in run_dir.generations_dir.iterdir()] == ["session-00000-w0.jsonl"]
        assert len(run_dir.cached_generations()) == manifest.n_requests
    rows = list(csv.DictReader((results / "leaderboard.csv").open()))
    assert {(r["task"], r["metric"]) for r in rows} == {("gsm8k", "accuracy"), ("arc_easy", "acc"),
                                                         ("arc_easy", "acc_norm")}


INTERRUPT_AFTER = 7


def test_an_interrupted_run_resumes_with_the_same_records(catalog_dir: Path, tmp_path: Path, data_dir: Path) -> None:
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k"], limit=30)
    catalog = load_catalog(catalog_dir)
    # The same model, Ctrl-C'd after 7 results of a stream (an injected fault: not part of the run key).
    interrupted = load_catalog(write_fake_catalog(tmp_path / "interrupted", fake_spec(fake={"faults": {
        "fail_after_requests": INTERRUPT_AFTER, "raises": "interrupt"}})))
    results = tmp_path / "killed"
    with pytest.raises(KeyboardInterrupt):
        run(spec, interrupted, results=results, progress=QuietProgress())
    (run_dir,) = [RunDir(results, p.name) for p in (results / "runs").iterdir() if not p.name.startswith(".")]
    first = run_dir.cached_generations()
    assert len(first) == INTERRUPT_AFTER  # every finished request was kept
    manifest = run_dir.read_manifest()
    assert manifest is not None and manifest.status == "running"

    (outcome,) = run(spec, catalog, results=results, progress=QuietProgress())
    assert outcome.status == "complete" and outcome.run_key == run_dir.run_key
    files = sorted(p.name for p in run_dir.generations_dir.iterdir())
    assert files == ["session-00000-w0.jsonl", "session-00001-w0.jsonl"]
    second = [json.loads(x)["key"] for x in (run_dir.generations_dir / files[1]).read_text().split("\n") if x]
    assert len(second) == 30 - INTERRUPT_AFTER and not set(second) & set(first)

    clean = tmp_path / "clean"
    run(spec, catalog, results=clean, progress=QuietProgress())
    assert samples(results, "gsm8k") == samples(clean, "gsm8k")


def test_kill_9_loses_only_requests_in_flight(catalog_dir: Path, tmp_path: Path, data_dir: Path) -> None:
    """SIGKILL at a random point of a streaming run (the fake engine takes 10 ms a step)."""
    write_fake_catalog(catalog_dir, fake_spec(fake={"faults": {"step_s": 0.01}}))
    config = catalog_dir / "kill.yaml"
    config.write_text("name: kill\nmodels: [fake-base]\ntasks: [gsm8k]\nlimit: 64\n")
    results = tmp_path / "results"
    cmd = [sys.executable, "-m", "harness.cli", "run", str(config), "--results", str(results)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    logs = lambda: sorted(results.glob("runs/*/generations/session-*.jsonl"))  # noqa: E731
    deadline = time.time() + 120
    while not logs() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.02)
    time.sleep(random.Random(8).uniform(0.2, 1.5))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(30)
    (log,) = logs()
    before = [json.loads(x)["key"] for x in log.read_text().split("\n")[:-1] if x]
    assert 0 < len(before) < 64, "the kill must land midway"
    assert len(set(before)) == len(before)

    write_fake_catalog(catalog_dir)  # the rerun without the sleep: the same run key
    rerun = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = [p for p in logs() if p != log]
    redone = [json.loads(x)["key"] for p in after for x in p.read_text().split("\n") if x]
    assert not set(redone) & set(before) and len(before) + len(redone) == 64


def test_data_parallel_run_writes_one_record(tmp_path: Path, data_dir: Path) -> None:
    """Two engines (worker processes) on CPU: one run directory, the same samples as one engine."""
    catalog = load_catalog(write_fake_catalog(tmp_path / "configs", fake_spec()))
    single, dp = tmp_path / "single", tmp_path / "dp"
    spec = RunSpec(name="t", models=["fake-base"], tasks=["gsm8k", "arc_easy"], limit=12)
    run(spec, catalog, results=single, progress=QuietProgress())
    outcomes = run(spec.model_copy(update={"data_parallel": 2}), catalog, results=dp, progress=QuietProgress())
    assert [o.status for o in outcomes] == ["complete", "complete"]
    assert (sorted(p.name for p in (dp / "runs").iterdir() if not p.name.startswith("."))
            == sorted(p.name for p in (single / "runs").iterdir() if not p.name.startswith(".")))
    for task in ("gsm8k", "arc_easy"):
        assert samples(dp, task) == samples(single, task)
    manifest = json.loads(next((dp / "runs").glob("*/manifest.json")).read_text())
    info = manifest["run_settings"]["engine_info"]
    assert manifest["run_settings"]["data_parallel"] == 2
    assert [w["cpu_threads_bind"] for w in info["workers"]] == ["0", "1"]
    assert len({w["pid"] for w in info["workers"]}) == 2
