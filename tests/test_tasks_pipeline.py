"""Every mirrored task through the real pipeline (vLLM CPU engine, tiny random Llama), offline.

One `run` call per prompt style covers all tasks, so the engine loads once per test. The tiny
model writes garbage, so the copied task specs cap generation at 8 tokens (a TaskSpec's
max_new_tokens wins over the model's); prompts, few-shot exemplars and grading are the real ones.
The tiny model here has 8192 positions: MGSM's 8 native exemplars in Telugu or Thai are ~5.6k
tokens for its small byte-level vocabulary (conftest's fixture model has 4096).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from conftest import write_tiny_catalog
from test_tasks import GENERATIVE, MIRRORED

from harness.config import load_catalog
from harness.records import MetricRecord, SampleRecord
from harness.runner import run
from harness.specs import RunSpec

pytestmark = pytest.mark.slow

LIMIT = 2


@pytest.fixture(scope="module")
def long_tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from helpers.tiny_models import make_tiny_llama

    return make_tiny_llama(tmp_path_factory.mktemp("tiny-llama-8k"), max_position_embeddings=8192)


def short_generation(config_dir: Path, max_new_tokens: int = 8) -> None:
    """Rewrite the copied task specs so generative tasks stop after a few tokens."""
    for path in (config_dir / "tasks").glob("*.yaml"):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        entries = raw.get("tasks", [raw])
        for entry in entries:
            if entry["answer_type"] != "likelihood_choice":
                entry["max_new_tokens"] = max_new_tokens
        path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def run_all(config_dir: Path, task_ids: list[str], results: Path) -> list:
    short_generation(config_dir)
    catalog = load_catalog(config_dir)
    spec = RunSpec(name="tasks", models=["tiny-llama"], tasks=task_ids, limit=LIMIT, chunk_size=8)
    return run(spec, catalog, results=results)


def check_outcomes(outcomes: list, task_ids: list[str], results: Path) -> dict[str, list[SampleRecord]]:
    failed = {o.task: o.error for o in outcomes if o.status != "complete"}
    assert not failed
    assert sorted(o.task for o in outcomes) == sorted(task_ids)
    by_task = {}
    for o in outcomes:
        run_dir = results / "runs" / o.run_key
        manifest = json.loads((run_dir / "manifest.json").read_text())
        assert manifest["status"] == "complete" and manifest["task"] == o.task
        assert manifest["finished_at"] and manifest["wall_s"] > 0 and manifest["data_files"]
        samples = [SampleRecord.model_validate_json(x) for x in (run_dir / "samples.jsonl").read_text().splitlines()]
        assert len(samples) == LIMIT and len({s.doc_id for s in samples}) == LIMIT
        metrics = [MetricRecord.model_validate(m) for m in json.loads((run_dir / "metrics.json").read_text())]
        names = {m.metric for m in metrics}
        likelihood = manifest["task_spec"]["answer_type"] == "likelihood_choice"
        assert names == ({"acc", "acc_norm"} if likelihood else {"accuracy"})
        assert all(m.n == LIMIT and 0.0 <= m.score <= 1.0 for m in metrics)
        by_task[o.task] = samples
    return by_task


def test_base_style_every_mirrored_task(long_tiny_model: Path, tmp_path: Path) -> None:
    config_dir = write_tiny_catalog(tmp_path / "configs", long_tiny_model, max_model_len=8192)
    tasks = sorted(MIRRORED)
    results = tmp_path / "results"
    by_task = check_outcomes(run_all(config_dir, tasks, results), tasks, results)
    # Few-shot text prompts, each item's own gold; generation capped by the task spec.
    assert by_task["gsm8k"][0].prompt.startswith("Q: There are 15 trees")
    assert by_task["mgsm_de"][0].prompt.count("Frage:") == 9
    assert by_task["cmmlu"][0].prompt.count("答案：") == 6
    for task_id in GENERATIVE:
        for s in by_task[task_id]:
            assert s.output_tokens <= 8 and s.finish_reason in ("length", "stop")
    for task_id in set(tasks) - set(GENERATIVE):
        assert all(len(s.choice_logprobs or []) >= 2 for s in by_task[task_id])


def test_chat_style_generative_tasks(long_tiny_model: Path, tmp_path: Path) -> None:
    config_dir = write_tiny_catalog(tmp_path / "configs", long_tiny_model, max_model_len=8192,
                                    kind="instruct", chat_template=True)
    tasks = sorted(GENERATIVE)
    results = tmp_path / "results"
    by_task = check_outcomes(run_all(config_dir, tasks, results), tasks, results)
    for task_id, samples in by_task.items():
        for s in samples:
            assert s.prompt.startswith("<|begin_of_text|><|start_header_id|>user"), task_id
            assert s.prompt.count("<|start_header_id|>user") == 1, "zero-shot: one user turn"
    assert "Antwort: N" in by_task["mgsm_de"][0].prompt
    assert "\\boxed{}" in by_task["aime24"][0].prompt
