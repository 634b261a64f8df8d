"""lm-eval tasks by name on the real vLLM CPU engine (tiny random Llama): the lm-eval ARC task over the
local mirror scores exactly as the native arc_easy; a generative lm-eval task runs through the same
engine; the group's rows land in the leaderboard."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from harness.config import load_catalog
from harness.records import SampleRecord
from harness.runner import run
from harness.specs import RunSpec

pytestmark = pytest.mark.slow


def samples_of(results: Path, task: str) -> tuple[list[SampleRecord], dict[str, float]]:
    for manifest in results.glob("runs/*/manifest.json"):
        if json.loads(manifest.read_text())["task"] == task:
            lines = (manifest.parent / "samples.jsonl").read_text().splitlines()
            metrics = json.loads((manifest.parent / "metrics.json").read_text())
            return [SampleRecord.model_validate_json(x) for x in lines], {m["metric"]: m["score"] for m in metrics}
    raise AssertionError(task)


def test_lm_eval_arc_equals_native_arc_on_the_engine(tiny_catalog_dir: Path, tmp_path: Path) -> None:
    catalog = load_catalog(tiny_catalog_dir)
    spec = RunSpec(name="t", models=["tiny-llama"], tasks=["arc_easy", "lm_eval:arc_local", "lm_eval:gsm8k_local"],
                   limit=12, chunk_size=16)
    results = tmp_path / "results"
    outcomes = run(spec, catalog, results=results)
    assert [(o.task, o.status) for o in outcomes] == [
        ("arc_easy", "complete"), ("lm_eval:arc_easy_local", "complete"), ("lm_eval:arc_challenge_local", "complete"),
        ("lm_eval:arc_local", "complete"), ("lm_eval:gsm8k_local", "complete")]
    native, native_scores = samples_of(results, "arc_easy")
    ours, our_scores = samples_of(results, "lm_eval:arc_easy_local")
    assert [s.choice_logprobs for s in native] == [s.choice_logprobs for s in ours]  # same requests, same engine
    assert native_scores == our_scores and set(our_scores) == {"acc", "acc_norm"}
    generated, gsm_scores = samples_of(results, "lm_eval:gsm8k_local")
    assert all(s.finish_reason in {"stop", "length"} and s.output_tokens > 0 for s in generated)
    assert set(gsm_scores) == {"exact_match,strict-match", "exact_match,flexible-extract"}
    rows = list(csv.DictReader((results / "leaderboard.csv").open()))
    group = {r["metric"]: r for r in rows if r["task"] == "lm_eval:arc_local"}
    assert set(group) == {"acc", "acc_norm"} and group["acc"]["n"] == "24"
