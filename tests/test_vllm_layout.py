"""The vLLM CPU process layout: its environment, thread count, and the override."""

from __future__ import annotations

import pytest

from harness.backends.base import EngineSettings
from harness.backends.vllm_layout import LAYOUT_ENV, cpu_process_layout, usable_cores
from harness.errors import InputError


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (LAYOUT_ENV, "OMP_NUM_THREADS", "VLLM_ENABLE_V1_MULTIPROCESSING"):
        monkeypatch.delenv(name, raising=False)


def test_default_runs_the_engine_in_process_on_every_usable_core() -> None:
    layout = cpu_process_layout(EngineSettings())
    assert layout == {"name": "in-process", "threads": usable_cores(),
                      "env": {"VLLM_ENABLE_V1_MULTIPROCESSING": "0", "OMP_NUM_THREADS": str(usable_cores())}}


def test_named_layouts(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cpu_process_layout(EngineSettings(), "in-process-1")["threads"] == 1
    assert cpu_process_layout(EngineSettings(), "vllm-default") == {"name": "vllm-default", "env": {}, "threads": None}
    monkeypatch.setenv(LAYOUT_ENV, "vllm-default")
    assert cpu_process_layout(EngineSettings())["name"] == "vllm-default"
    monkeypatch.setenv(LAYOUT_ENV, "threads")
    with pytest.raises(InputError, match="not a known layout"):
        cpu_process_layout(EngineSettings())


def test_user_settings_win_and_parallel_engines_keep_vllm_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "3")  # e.g. a data-parallel worker's share of the cores
    layout = cpu_process_layout(EngineSettings())
    assert layout["threads"] == 3 and layout["env"] == {"VLLM_ENABLE_V1_MULTIPROCESSING": "0"}
    tp2 = cpu_process_layout(EngineSettings(tensor_parallel_size=2))
    assert tp2["name"] == "vllm-default"
