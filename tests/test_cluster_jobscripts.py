"""Golden job scripts (a 1-GPU, an 8-GPU and a 2-node model on the example site profile) and the
dry run of the whole reasoning config. Regenerate the goldens with HARNESS_UPDATE_GOLDEN=1 and
read the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.cli import app
from harness.cluster.profile import load_profile
from harness.cluster.scripts import CacheLayout, job_parameters, script_text
from harness.cluster.sizing import group_jobs, size_job
from harness.config import load_catalog, load_run

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "jobscripts"
CATALOG = load_catalog(ROOT / "configs")
RESULTS = Path("/scratch/llm-eval/results")
SNAPSHOT = RESULTS / "slurm" / "code" / "0123456789abcdef"
TASKS = CATALOG.expand_tasks(["gsm8k", "math500", "aime24", "aime25", "gpqa_diamond", "mmlu_pro"])


def render(model: str, gpu: str) -> str:
    profile = load_profile(str(ROOT / "configs" / "clusters" / "example.yaml")).model_copy(update={"gpu": gpu})
    (group,) = group_jobs([size_job(CATALOG.model(model), TASKS, profile)])
    params = job_parameters(group, profile, f"harness-{model}", CacheLayout(Path(profile.cache or "")), SNAPSHOT)
    return script_text(params, RESULTS, profile, 1)


@pytest.mark.parametrize(("name", "model", "gpu"), [
    ("1gpu", "llama-3.1-8b-instruct", "h100-80gb"),
    ("8gpu", "deepseek-r1", "h200-141gb"),
    ("2node", "llama-3.1-405b-instruct", "h100-80gb"),
])
def test_golden_job_script(name: str, model: str, gpu: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_DATA_DIR", "/shared/data/harness")
    text = render(model, gpu)
    path = GOLDEN / f"{name}.sh"
    if os.environ.get("HARNESS_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text()


def test_golden_scripts_say_what_matters() -> None:
    one, eight, two = ((GOLDEN / f"{n}.sh").read_text() for n in ("1gpu", "8gpu", "2node"))
    assert "#SBATCH --gres=gpu:h100:1" in one and "#SBATCH --nodes=1" in one
    assert "#SBATCH --gres=gpu:h100:8" in eight and "#SBATCH --nodes=1" in eight
    assert "#SBATCH --gres=gpu:h100:8" in two and "#SBATCH --nodes=2" in two
    for text in (one, eight, two):
        assert "#SBATCH --ntasks-per-node=1" in text  # one task per node: rank 0 = Ray head
        assert "export HF_HUB_OFFLINE=1" in text and "export HF_HOME=/shared/cache/harness/hf" in text
        # the offline environment and the lock check come before Python starts
        assert text.index("export HF_HUB_OFFLINE=1") < text.index("srun ")
        assert text.index("harness-lock.json ] ||") < text.index("srun ")
        assert f"export PYTHONPATH={SNAPSHOT}" in text and f"#SBATCH --chdir={SNAPSHOT}" in text
        assert "module load cuda/12.4 gcc/12" in text


def test_reasoning_dry_run_every_model_with_two_node_jobs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")  # no Slurm needed for a dry run
    monkeypatch.setenv("HARNESS_PREFETCH_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, ["submit", str(ROOT / "configs" / "reasoning.yaml"), "--dry-run", "--gpu",
                                      "h100-80gb", "--results", str(tmp_path / "results")])
    assert result.exit_code == 0, result.output
    rows = {line.split()[1]: line.split() for line in result.output.splitlines()
            if line[:1].isdigit() and len(line.split()) == 11}
    spec, _ = load_run(ROOT / "configs" / "reasoning.yaml")
    assert sorted(rows) == sorted(spec.models) and len(rows) == 31
    two_node = sorted(m for m, r in rows.items() if r[3] == "2")
    assert two_node == ["deepseek-r1", "deepseek-v3", "llama-3.1-405b-instruct", "llama-4-maverick-17b-128e-instruct"]
    for m in two_node:
        assert rows[m][4:7] == ["8", "8", "2"]  # 8 GPUs per node, TP8 x PP2
    assert result.output.count("#!/bin/bash") == len({r[0].split("[")[0] for r in rows.values()})
    assert "#SBATCH --nodes=2" in result.output and "dry run: nothing submitted" in result.output
    assert "not prefetched yet" in result.output
    assert not (tmp_path / "results").exists()


def test_max_parallel_sets_the_array_throttle(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HARNESS_PREFETCH_DIR", str(tmp_path / "cache"))
    result = CliRunner().invoke(app, [
        "submit", str(ROOT / "configs" / "reasoning.yaml"), "--dry-run", "--max-parallel", "2", "--models",
        "qwen2.5-7b-instruct,llama-3.1-8b-instruct,llama-3.2-3b-instruct", "--tasks", "gsm8k",
        "--partition", "gpu-long", "--account", "proj", "--qos", "high", "--time", "03:00:00",
        "--results", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "#SBATCH --array=0-2%2" in result.output
    for line in ("#SBATCH --partition=gpu-long", "#SBATCH --account=proj", "#SBATCH --qos=high",
                 "#SBATCH --time=180"):
        assert line in result.output
