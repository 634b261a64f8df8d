"""Kill `harness run` midway (SIGKILL, as a preempted Slurm job), rerun, and get identical results."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def harness_cmd(config: Path, results: Path) -> list[str]:
    return [sys.executable, "-m", "harness.cli", "run", str(config), "--results", str(results)]


def log_files(results: Path) -> list[Path]:
    return sorted(results.glob("runs/*/generations/session-*.jsonl"))


def keys_in(files: list[Path]) -> list[str]:
    # Complete lines only: a kill can leave the last one torn.
    return [json.loads(x)["key"] for f in files for x in f.read_text().split("\n")[:-1] if x.strip()]


def scored(results: Path) -> list[tuple[str, str, bool]]:
    (samples,) = results.glob("runs/*/samples.jsonl")
    rows = [json.loads(x) for x in samples.read_text().splitlines()]
    return sorted((r["doc_id"], r["response"], r["correct"]) for r in rows)


def test_kill_and_resume(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    config = tiny_catalog_dir / "resume.yaml"
    # Two sequences at a time, so the 24 streamed requests finish in waves a kill can land between.
    config.write_text("name: resume\nmodels: [tiny-llama]\ntasks: [gsm8k]\nlimit: 24\nmax_num_seqs: 2\n")
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    killed = tmp_path / "killed"

    proc = subprocess.Popen(harness_cmd(config, killed), cwd=ROOT, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 400
    while len(keys_in(log_files(killed))) < 4 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole group: the CLI and vLLM's engine processes
    proc.wait(30)
    before = log_files(killed)
    done_before = keys_in(before)
    assert 4 <= len(done_before) < 24, "the kill must land midway through the stream"
    (manifest,) = killed.glob("runs/*/manifest.json")
    assert json.loads(manifest.read_text())["status"] == "running"
    assert not (killed / "leaderboard.csv").exists() or "tiny-llama" not in (killed / "leaderboard.csv").read_text()

    rerun = subprocess.run(harness_cmd(config, killed), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    after = log_files(killed)
    new_keys = keys_in([f for f in after if f not in before])
    assert not set(new_keys) & set(done_before), "finished requests were generated again"
    assert len(done_before) + len(new_keys) == 24
    assert json.loads(manifest.read_text())["status"] == "complete"

    clean = tmp_path / "clean"
    full = subprocess.run(harness_cmd(config, clean), cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert full.returncode == 0, full.stderr[-2000:]
    assert scored(killed) == scored(clean)
    assert [p.parent.name for p in killed.glob("runs/*/samples.jsonl")] == [
        p.parent.name for p in clean.glob("runs/*/samples.jsonl")]  # same run key
