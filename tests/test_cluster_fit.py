"""Fit before fetch: a model whose plan does not fit this machine is refused before any download or
engine start, with the plan's numbers and the `harness submit` command that would run it; a
multi-node model runs only inside a multi-node allocation."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.backends.base import EngineSettings
from harness.cli import app
from harness.config import load_catalog
from harness.hardware import Allocation, current_allocation, engine_settings_for
from harness.plan import PlanError, cpu_memory_gib

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def test_cpu_memory_estimate_golden() -> None:
    # bf16 70.6B = 131.5 GiB + 2 GiB KV + 2 GiB runtime; the GGUF 270M dequantizes to bf16.
    assert cpu_memory_gib(CATALOG.model("llama-3.1-70b-instruct")) == pytest.approx(135.5, abs=0.1)
    assert cpu_memory_gib(CATALOG.model("gemma-3-270m")) == pytest.approx(4.5, abs=0.01)


def test_cpu_machine_refuses_deepseek_r1_with_numbers_and_command() -> None:
    with pytest.raises(PlanError) as err:
        engine_settings_for(CATALOG.model("deepseek-r1"), EngineSettings(), None, memory_gib=24)
    line = err.value.one_line()
    assert "model 'deepseek-r1' does not fit this machine: no GPU" in line
    assert "~629 GiB of RAM (625 GiB weights for 671B params" in line and "24 GiB here" in line
    assert "plan on h100-80gb: TP8 x PP2, 16 GPU(s) on 2 nodes" in line
    assert "harness submit CONFIG --models deepseek-r1 --gpu h100-80gb --gpus-per-node 8" in line


def test_small_model_fits_a_small_cpu_machine() -> None:
    s = engine_settings_for(CATALOG.model("gemma-3-270m"), EngineSettings(), None, memory_gib=8)
    assert (s.tensor_parallel_size, s.pipeline_parallel_size) == (1, 1)


def test_multi_node_model_is_refused_outside_an_allocation(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SLURM_JOB_NUM_NODES", raising=False)
    with pytest.raises(PlanError) as err:
        engine_settings_for(CATALOG.model("llama-3.1-405b-instruct"), EngineSettings(), (8, "h100-80gb"))
    assert ("needs 16 GPUs (TP8 x PP2), 8 visible on this machine and no multi-node allocation"
            in err.value.one_line())
    assert "--gpu h100-80gb --gpus-per-node 8" in err.value.one_line()


def test_a_bare_multi_node_slurm_allocation_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLURM_JOB_NUM_NODES", "2")
    with pytest.raises(PlanError, match="8 visible on this machine and this 2-node Slurm allocation has no Ray"):
        engine_settings_for(CATALOG.model("deepseek-r1"), EngineSettings(), (8, "h100-80gb"))


def test_multi_node_model_runs_inside_an_allocation_on_ray() -> None:
    alloc = Allocation(nodes=2, gpus_per_node=8, ray_address="10.0.0.1:6379")
    s = engine_settings_for(CATALOG.model("llama-3.1-405b-instruct"), EngineSettings(), (8, "h100-80gb"),
                            allocation=alloc)
    assert (s.tensor_parallel_size, s.pipeline_parallel_size) == (8, 2)
    assert s.extra == {"distributed_executor_backend": "ray"}
    with pytest.raises(PlanError, match="the allocation has 2 x 4"):
        engine_settings_for(CATALOG.model("llama-3.1-405b-instruct"), EngineSettings(), (8, "h100-80gb"),
                            allocation=Allocation(2, 4, "10.0.0.1:6379"))


def test_allocation_comes_from_the_job_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("HARNESS_ALLOCATION_NODES", "HARNESS_ALLOCATION_GPUS_PER_NODE", "HARNESS_RAY_ADDRESS"):
        monkeypatch.delenv(var, raising=False)
    assert current_allocation() is None
    monkeypatch.setenv("HARNESS_ALLOCATION_NODES", "2")
    monkeypatch.setenv("HARNESS_ALLOCATION_GPUS_PER_NODE", "8")
    monkeypatch.setenv("HARNESS_RAY_ADDRESS", "10.0.0.1:6379")
    assert current_allocation() == Allocation(2, 8, "10.0.0.1:6379")
    s = engine_settings_for(CATALOG.model("deepseek-v3"), EngineSettings(), (8, "h100-80gb"))
    assert (s.tensor_parallel_size, s.pipeline_parallel_size) == (8, 2)


def test_harness_run_refuses_before_any_download(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`harness run configs/reasoning.yaml --models deepseek-r1` on this CPU machine: exit 2, one line
    per task naming the fix, and nothing written but the (empty) leaderboard."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = CliRunner().invoke(app, ["run", str(ROOT / "configs" / "reasoning.yaml"), "--models", "deepseek-r1",
                                      "--tasks", "gsm8k", "--results", str(tmp_path)])
    assert result.exit_code == 2, result.output
    assert "deepseek-r1 × gsm8k: model 'deepseek-r1' does not fit this machine" in result.output
    assert "harness submit CONFIG --models deepseek-r1" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "runs").exists()
