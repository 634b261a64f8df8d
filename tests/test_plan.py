"""GPU planning: memory arithmetic, layout choice, refusals, GPU-hour scaling."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config import parse_spec, read_yaml
from harness.errors import InputError
from harness.plan import (
    GPUS,
    ModelPlan,
    PlanError,
    format_plan,
    kv_bytes_per_sequence,
    kv_bytes_per_token,
    parallelism_for,
    plan_model,
    plan_run,
    weight_bytes,
)
from harness.specs import Architecture, ModelSpec, TaskSpec

MODELS_DIR = Path(__file__).resolve().parent.parent / "configs" / "models"


def model(model_id: str) -> ModelSpec:
    return parse_spec(ModelSpec, read_yaml(MODELS_DIR / f"{model_id}.yaml"), model_id)


def task(task_id: str = "gsm8k", answer_type: str = "number", **kw: object) -> TaskSpec:
    return TaskSpec.model_validate({"id": task_id, "name": task_id, "suite": "reasoning", "language": "en",
                                    "answer_type": answer_type, "data": {"hub": {"path": f"x/{task_id}"}},
                                    **kw})


TASKS = [task("gsm8k", fewshot=8, max_new_tokens=1024, reasoning_max_new_tokens=32768),
         task("aime24", "math", max_new_tokens=4096, reasoning_max_new_tokens=32768, samples=16)]


def test_gpu_table_has_the_required_types() -> None:
    for name in ("h100-80gb", "h200-141gb", "a100-80gb", "a100-40gb", "l40s-48gb", "b200-192gb"):
        g = GPUS[name]
        assert g.memory_gib > 30 and g.bf16_tflops > 100 and g.hbm_tb_s > 0.5
    assert GPUS["h100-80gb"].fp8 and not GPUS["a100-80gb"].fp8


def test_llama_8b_kv_bytes_per_token() -> None:
    arch = model("llama-3.1-8b-instruct").architecture
    assert arch is not None
    assert kv_bytes_per_token(arch) == 2 * 32 * 8 * 128 * 2 == 131072


def test_8b_fits_one_h100_with_tp1() -> None:
    plan = plan_model(model("llama-3.1-8b-instruct"), TASKS, "h100-80gb")
    assert plan.fits and (plan.tensor_parallel, plan.pipeline_parallel, plan.gpus) == (1, 1, 1)
    assert 14 < plan.weight_gib < 16
    assert all(n >= 1 for n in plan.max_concurrent_seqs.values())


def test_70b_bf16_uses_tp4_on_h100() -> None:
    # 131.5 GiB of bf16 weights: TP2 puts 65.7 GiB on each GPU, leaving ~4 GiB of the 71.6 usable
    # (below the 20% KV floor); TP4 leaves ~37 GiB (51%), so TP4 is the smallest that fits.
    plan = plan_model(model("llama-3.1-70b-instruct"), TASKS, "h100-80gb")
    assert plan.fits and plan.tensor_parallel == 4 and plan.pipeline_parallel == 1 and plan.nodes == 1


def test_405b_goes_multi_node_on_h100() -> None:
    plan = plan_model(model("llama-3.1-405b-instruct"), TASKS, "h100-80gb", gpus_per_node=8)
    assert plan.fits and plan.nodes >= 2 and plan.pipeline_parallel >= 2 and plan.tensor_parallel == 8


def test_405b_refused_on_one_gpu_nodes() -> None:
    plan = plan_model(model("llama-3.1-405b-instruct"), TASKS, "h100-80gb", gpus_per_node=1)
    assert not plan.fits and "does not fit" in plan.reason and plan.est_gpu_hours == 0.0
    with pytest.raises(PlanError) as err:
        parallelism_for(model("llama-3.1-405b-instruct"), "h100-80gb", gpus_per_node=1)
    assert isinstance(err.value, InputError) and "does not fit" in err.value.message


def test_deepseek_v3_needs_several_gpus() -> None:
    m = model("deepseek-v3")
    h100 = plan_model(m, TASKS, "h100-80gb")
    assert h100.fits and h100.gpus >= 8 and h100.nodes == 2  # ~625 GiB of fp8 weights
    h200 = plan_model(m, TASKS, "h200-141gb")
    assert h200.fits and h200.gpus == 8 and h200.nodes == 1


def test_maverick_bf16_needs_more_than_one_h100_node() -> None:
    plan = plan_model(model("llama-4-maverick-17b-128e-instruct"), TASKS, "h100-80gb")
    assert plan.fits and plan.gpus > 8 and plan.nodes >= 2


def test_mla_kv_is_smaller_than_the_equivalent_mha() -> None:
    mla = model("deepseek-v3").architecture
    assert mla is not None and mla.kv_lora_rank
    mha = mla.model_copy(update={"kv_lora_rank": None, "qk_rope_head_dim": None})
    assert kv_bytes_per_token(mla) == 61 * (512 + 64) * 2
    assert kv_bytes_per_token(mla) * 10 < kv_bytes_per_token(mha)


def test_sliding_window_layers_are_capped_at_the_window() -> None:
    arch = model("gemma-3-27b-it").architecture
    assert arch is not None and arch.sliding_window == 1024
    full = arch.model_copy(update={"sliding_window": None, "sliding_window_pattern": None})
    assert kv_bytes_per_sequence(arch, 512) == kv_bytes_per_sequence(full, 512)
    assert kv_bytes_per_sequence(arch, 32768) < kv_bytes_per_sequence(full, 32768) / 4


def test_tp_shards_kv_heads_and_replicates_when_fewer_heads() -> None:
    arch = Architecture(model_type="x", layers=2, hidden_size=64, attention_heads=8, kv_heads=2, head_dim=16)
    assert kv_bytes_per_sequence(arch, 10, tp=2) == kv_bytes_per_sequence(arch, 10) / 2
    assert kv_bytes_per_sequence(arch, 10, tp=4) == kv_bytes_per_sequence(arch, 10, tp=2)


def test_weight_bytes_by_quantization() -> None:
    assert weight_bytes(model("deepseek-v3")) == pytest.approx(671e9)  # fp8: one byte
    oss = weight_bytes(model("gpt-oss-120b-high"))
    assert 0.5 * 117e9 < oss < 0.6 * 117e9  # mxfp4 experts + bf16 rest
    assert weight_bytes(model("llama-3.1-8b-instruct")) == pytest.approx(2 * 8.03e9)


def test_gpu_hours_grow_with_items() -> None:
    m = model("qwen3-8b-think")
    small = plan_model(m, TASKS, "h100-80gb", n_items={"gsm8k": 100, "aime24": 30})
    large = plan_model(m, TASKS, "h100-80gb", n_items={"gsm8k": 1000, "aime24": 30})
    assert 0 < small.est_gpu_hours < large.est_gpu_hours


def test_reasoning_models_use_the_reasoning_budget() -> None:
    think = plan_model(model("qwen3-8b-think"), TASKS, "h100-80gb")
    plain = plan_model(model("qwen3-8b-nothink"), TASKS, "h100-80gb")
    assert think.max_concurrent_seqs["gsm8k"] < plain.max_concurrent_seqs["gsm8k"]


def test_pinned_tensor_parallel_is_respected() -> None:
    m = model("llama-3.1-8b-instruct").model_copy(update={"tensor_parallel_size": 2})
    assert parallelism_for(m) == (2, 1)


def test_unknown_gpu_is_an_input_error() -> None:
    with pytest.raises(PlanError):
        plan_model(model("llama-3.1-8b-instruct"), TASKS, "tpu-v5")


def test_plan_run_and_format_plan() -> None:
    plans = plan_run([model("llama-3.1-8b-instruct"), model("llama-3.1-405b-instruct")], TASKS,
                     "h100-80gb", 1)
    assert [type(p) for p in plans] == [ModelPlan, ModelPlan]
    text = format_plan(plans, "h100-80gb")
    assert "llama-3.1-8b-instruct" in text and "NO" in text and "does not fit" in text
