"""vLLM engine arguments that depend on the machine and the checkpoint (no engine started)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from harness.backends import vllm_backend
from harness.backends.base import EngineSettings
from harness.config import load_catalog
from harness.weights import ResolvedWeights

ROOT = Path(__file__).resolve().parent.parent
CATALOG = load_catalog(ROOT / "configs")


def checkpoint(tmp_path: Path, config: dict) -> ResolvedWeights:
    (tmp_path / "config.json").write_text(json.dumps(config))
    return ResolvedWeights(str(tmp_path), None, None)


@pytest.mark.parametrize(("on_cpu", "dtype", "config", "expected"), [
    (True, "float32", {"kv_lora_rank": 512}, "CPU_MLA"),  # AMX's MLA kernel takes bf16 weights only
    (True, "float32", {"text_config": {"kv_lora_rank": 512}}, "CPU_MLA"),
    (True, "bfloat16", {"kv_lora_rank": 512}, None),  # vLLM's own pick (AMX where there is AMX)
    (False, "float32", {"kv_lora_rank": 512}, None),  # GPUs: vLLM's pick
    (True, "float32", {"num_key_value_heads": 8}, None),  # no MLA
])
def test_mla_models_on_cpu_in_float32_use_the_portable_kernel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                              on_cpu: bool, dtype: str, config: dict,
                                                              expected: str | None) -> None:
    monkeypatch.setattr(vllm_backend, "on_cpu", lambda: on_cpu)
    model = CATALOG.model("gemma-3-270m").model_copy(update={"dtype": dtype})
    args = vllm_backend.engine_args(model, checkpoint(tmp_path, config), EngineSettings())
    assert args.get("attention_backend") == expected
    assert args["dtype"] == dtype


def test_mla_is_read_from_the_spec_when_the_checkpoint_is_remote() -> None:
    spec = CATALOG.model("deepseek-r1")
    assert spec.architecture is not None and spec.architecture.kv_lora_rank
    assert vllm_backend.uses_mla(spec, ResolvedWeights("deepseek-ai/DeepSeek-R1", "main", None))
    assert not vllm_backend.uses_mla(CATALOG.model("gemma-3-270m"), ResolvedWeights("google/gemma-3-270m", None, None))
