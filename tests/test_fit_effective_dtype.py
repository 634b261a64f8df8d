"""The CPU fit check sizes the dtype the engine computes in (bf16 runs in float32 without native bf16).

The machine stand-ins are /proc/cpuinfo texts and a RAM size: a 24 GiB AVX2 machine (this project's
CI) and a 24 GiB machine with AMX (native bf16). Nothing here downloads or starts an engine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from harness.backends.base import EngineSettings
from harness.config import load_catalog
from harness.hardware import CPU_DTYPE_ENV, effective_model, engine_settings_for
from harness.plan import PlanError, cpu_memory_gib

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")
AVX2_CPUINFO = "processor\t: 0\nflags\t\t: fpu sse sse2 avx avx2 fma\n"
AMX_CPUINFO = "processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n"


def test_bf16_model_sized_in_float32_without_native_bf16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CPU_DTYPE_ENV, raising=False)
    llama = CATALOG.model("llama-3.1-8b-instruct")
    assert llama.dtype == "bfloat16"
    em = effective_model(llama, on_gpu=False, cpuinfo=AVX2_CPUINFO)
    assert (em.spec.dtype, em.requested_dtype) == ("float32", "bfloat16")
    need = cpu_memory_gib(em.spec)
    assert need == pytest.approx(cpu_memory_gib(llama) * 2 - 4, abs=0.01)  # weights double, KV+runtime do not
    with pytest.raises(PlanError) as info:
        engine_settings_for(em, EngineSettings(), None, memory_gib=24)
    msg = info.value.one_line()
    assert f"~{need:.0f} GiB" in msg and "in float32" in msg and "24 GiB here" in msg
    # The submit hint sizes the GPU run, which computes in the config's bf16 (TP1 on one H100).
    assert "TP1 x PP1, 1 GPU(s)" in msg
    # The same model on a CPU with native bf16 fits the same RAM.
    native = effective_model(llama, on_gpu=False, cpuinfo=AMX_CPUINFO)
    assert native.spec.dtype == "bfloat16" and native.note() is None
    engine_settings_for(native, EngineSettings(), None, memory_gib=24)


def test_forced_float32_sizes_float32(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CPU_DTYPE_ENV, "float32")
    em = effective_model(CATALOG.model("llama-3.1-8b-instruct"), on_gpu=False, cpuinfo=AMX_CPUINFO)
    assert em.spec.dtype == "float32" and f"{CPU_DTYPE_ENV}=float32" in (em.note() or "")
    with pytest.raises(PlanError, match="in float32"):
        engine_settings_for(em, EngineSettings(), None, memory_gib=24)
    # On GPUs the config's dtype stands, whatever the CPU.
    assert effective_model(CATALOG.model("llama-3.1-8b-instruct"), on_gpu=True).spec.dtype == "bfloat16"


def test_gguf_converted_in_requested_dtype_sized_in_effective(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CPU_DTYPE_ENV, raising=False)
    gguf = CATALOG.model("gemma-3-270m")
    assert (gguf.source.type, gguf.dtype) == ("gguf", "bfloat16")
    em = effective_model(gguf, on_gpu=False, cpuinfo=AVX2_CPUINFO)
    assert em.spec.dtype == "float32" and em.requested_dtype == "bfloat16"
    assert cpu_memory_gib(em.spec) > cpu_memory_gib(gguf)


def test_run_refuses_before_any_download(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`HARNESS_CPU_DTYPE=float32 harness run ... --models llama-3.1-8b-instruct` on a 24 GiB machine:
    exit 2 with the plan's float32 numbers, and the weights are never resolved (no fetch)."""
    import harness.hardware as hardware
    import harness.run.driver as driver
    import harness.run.model_run as model_run
    from harness.cli import app

    monkeypatch.setenv(CPU_DTYPE_ENV, "float32")
    monkeypatch.setattr(hardware, "host_memory_gib", lambda: 24.0)
    monkeypatch.setattr(hardware, "detect_gpus", lambda: None)
    monkeypatch.setattr(driver, "detect_gpus", lambda: None)
    fetched: list[str] = []

    def no_fetch(model: object, **_: object) -> object:
        fetched.append(str(model))
        raise AssertionError("weights resolved before the fit check")

    monkeypatch.setattr(model_run, "resolve", no_fetch)
    result = CliRunner().invoke(app, ["run", str(ROOT / "configs" / "reasoning.yaml"), "--models",
                                      "llama-3.1-8b-instruct", "--tasks", "gsm8k", "--limit", "2",
                                      "--results", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    assert not fetched
    need = cpu_memory_gib(CATALOG.model("llama-3.1-8b-instruct").model_copy(update={"dtype": "float32"}))
    assert f"~{need:.0f} GiB" in result.output and "in float32" in result.output
    assert "Traceback" not in result.output
