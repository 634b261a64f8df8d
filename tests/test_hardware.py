"""Engine layout from the plan: pins win, CPU runs use one device, too-small hardware is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.base import EngineSettings
from harness.config import load_catalog
from harness.hardware import engine_settings_for
from harness.plan import PlanError

CATALOG = load_catalog(Path(__file__).resolve().parent.parent / "configs")


def test_cpu_runs_use_one_device() -> None:
    s = engine_settings_for(CATALOG.model("llama-3.1-70b-instruct"), EngineSettings(), None, memory_gib=1024)
    assert (s.tensor_parallel_size, s.pipeline_parallel_size) == (1, 1)


def test_plan_sets_tensor_parallel_on_gpus() -> None:
    s = engine_settings_for(CATALOG.model("llama-3.1-70b-instruct"), EngineSettings(), (8, "h100-80gb"))
    assert s.tensor_parallel_size in (4, 8) and s.pipeline_parallel_size == 1
    small = engine_settings_for(CATALOG.model("llama-3.1-8b-instruct"), EngineSettings(), (8, "h100-80gb"))
    assert small.tensor_parallel_size == 1


def test_pinned_parallelism_wins() -> None:
    model = CATALOG.model("llama-3.1-8b-instruct").model_copy(update={"tensor_parallel_size": 2})
    s = engine_settings_for(model, EngineSettings(), (8, "h100-80gb"))
    assert s.tensor_parallel_size == 2


def test_refuses_a_model_that_cannot_fit_early() -> None:
    with pytest.raises(PlanError, match="405b"):
        engine_settings_for(CATALOG.model("llama-3.1-405b-instruct"), EngineSettings(), (1, "h100-80gb"))
    with pytest.raises(PlanError, match="needs 4 GPUs"):
        engine_settings_for(CATALOG.model("llama-3.1-8b-instruct").model_copy(
            update={"tensor_parallel_size": 4}), EngineSettings(), (2, "h100-80gb"))
