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


# ---------------------------------------------------------------- CPU compute dtype

AVX2_CPUINFO = """processor\t: 0
vendor_id\t: AuthenticAMD
model name\t: AMD EPYC 7B12
flags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sse sse2 ssse3 fma sse4_1 sse4_2 avx f16c avx2 bmi2
"""
AMX_CPUINFO = AVX2_CPUINFO.replace("avx2 bmi2", "avx2 bmi2 avx512f avx512_bf16 amx_bf16 amx_tile avx512_fp16")
ARM_CPUINFO = "processor\t: 0\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp bf16 i8mm\n"


def test_cpu_flags_from_cpuinfo_text() -> None:
    from harness.hardware import cpu_flags

    assert {"avx2", "fma"} <= cpu_flags(AVX2_CPUINFO) and "avx512_bf16" not in cpu_flags(AVX2_CPUINFO)
    assert {"amx_bf16", "avx512_bf16"} <= cpu_flags(AMX_CPUINFO)
    assert {"bf16", "asimdhp"} <= cpu_flags(ARM_CPUINFO)
    assert cpu_flags("") == frozenset()


@pytest.mark.parametrize(("requested", "cpuinfo", "checkpoint", "effective", "says"), [
    ("bfloat16", AVX2_CPUINFO, None, "float32", "no native bfloat16 (AMX_BF16/AVX512_BF16 absent)"),
    ("bfloat16", AMX_CPUINFO, None, "bfloat16", None),
    ("bfloat16", ARM_CPUINFO, None, "bfloat16", None),
    ("float16", AVX2_CPUINFO, None, "float32", "no native float16"),
    ("float16", AMX_CPUINFO, None, "float16", None),
    ("float32", AVX2_CPUINFO, None, "float32", None),
    ("auto", AVX2_CPUINFO, "bfloat16", "float32", "no native bfloat16"),
    ("auto", AMX_CPUINFO, "bfloat16", "auto", None),
    ("auto", AVX2_CPUINFO, None, "auto", None),  # unknown checkpoint dtype: the engine decides
])
def test_cpu_dtype_by_instruction_set(requested: str, cpuinfo: str, checkpoint: str | None, effective: str,
                                      says: str | None) -> None:
    from harness.hardware import cpu_dtype, cpu_flags

    choice = cpu_dtype(requested, cpu_flags(cpuinfo), checkpoint_dtype=checkpoint)
    assert choice.effective == effective and choice.requested == requested
    assert (choice.reason is None) == (says is None)
    if says:
        assert says in (choice.reason or "")


def test_forced_cpu_dtype(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    from harness.errors import InputError
    from harness.hardware import CPU_DTYPE_ENV, effective_dtype
    from harness.weights import ResolvedWeights

    model = CATALOG.model("gemma-3-270m")  # dtype: bfloat16
    weights = ResolvedWeights(str(tmp_path), None, "w")
    assert effective_dtype(model, weights, on_gpu=False, cpuinfo=AMX_CPUINFO).effective == "bfloat16"
    assert effective_dtype(model, weights, on_gpu=False, cpuinfo=AVX2_CPUINFO).effective == "float32"
    assert effective_dtype(model, weights, on_gpu=True, cpuinfo=AVX2_CPUINFO).effective == "bfloat16"
    monkeypatch.setenv(CPU_DTYPE_ENV, "float32")
    forced = effective_dtype(model, weights, on_gpu=False, cpuinfo=AMX_CPUINFO)
    assert forced.as_dict() == {"requested": "bfloat16", "effective": "float32",
                                "reason": f"{CPU_DTYPE_ENV}=float32 is set"}
    monkeypatch.setenv(CPU_DTYPE_ENV, "fp8")
    with pytest.raises(InputError, match="is not a dtype"):
        effective_dtype(model, weights, on_gpu=False, cpuinfo=AMX_CPUINFO)


def test_checkpoint_dtype_auto_reads_config(tmp_path) -> None:
    from harness.hardware import checkpoint_dtype

    (tmp_path / "config.json").write_text('{"torch_dtype": "bfloat16"}')
    assert checkpoint_dtype(str(tmp_path)) == "bfloat16"
    (tmp_path / "config.json").write_text('{"text_config": {"dtype": "float16"}}')
    assert checkpoint_dtype(str(tmp_path)) == "float16"
    assert checkpoint_dtype(str(tmp_path / "missing")) is None
