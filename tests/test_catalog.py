"""The model catalogue: every configs/models/*.yaml is a valid ModelSpec with consistent facts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from harness.config import parse_spec, read_yaml
from harness.plan import parallelism_for
from harness.specs import ModelSpec

MODELS_DIR = Path(__file__).resolve().parent.parent / "configs" / "models"

EXPECTED_IDS = [
    "llama-3.1-8b", "llama-3.1-8b-instruct", "llama-3.1-70b-instruct", "llama-3.1-405b-instruct",
    "llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "llama-3.3-70b-instruct",
    "llama-4-scout-17b-16e-instruct", "llama-4-maverick-17b-128e-instruct", "qwen2.5-7b-instruct",
    "qwen2.5-14b", "qwen2.5-32b", "qwen2.5-72b-instruct", "qwen2.5-math-1.5b", "qwen2.5-math-7b",
    "qwen2.5-math-7b-instruct", "qwen3-8b-think", "qwen3-8b-nothink", "qwen3-32b-think", "qwen3-32b-nothink",
    "qwen3-30b-a3b-think", "qwen3-30b-a3b-nothink", "deepseek-r1-distill-qwen-1.5b",
    "deepseek-r1-distill-qwen-7b", "deepseek-r1-distill-qwen-14b", "deepseek-r1-distill-qwen-32b",
    "deepseek-r1-distill-llama-8b", "deepseek-r1-distill-llama-70b", "deepseek-r1", "deepseek-v3",
    "gpt-oss-20b-low", "gpt-oss-20b-medium", "gpt-oss-20b-high", "gpt-oss-120b-low", "gpt-oss-120b-medium",
    "gpt-oss-120b-high", "gemma-3-1b-it", "gemma-3-4b-it", "gemma-3-12b-it", "gemma-3-27b-it",
    "mistral-7b-instruct-v0.3", "mistral-small-24b-instruct-2501",
]

FAMILIES = {"llama3", "llama4", "qwen2.5", "qwen3", "deepseek", "gpt-oss", "gemma3", "mistral"}
DISTILL_BASES = {
    "deepseek-r1-distill-qwen-1.5b": "qwen2.5-math-1.5b",
    "deepseek-r1-distill-qwen-7b": "qwen2.5-math-7b",
    "deepseek-r1-distill-qwen-14b": "qwen2.5-14b",
    "deepseek-r1-distill-qwen-32b": "qwen2.5-32b",
    "deepseek-r1-distill-llama-8b": "llama-3.1-8b",
    "deepseek-r1-distill-llama-70b": "llama-3.3-70b-instruct",
}


def _load(path: Path) -> ModelSpec:
    return parse_spec(ModelSpec, read_yaml(path), str(path))


CATALOG = {p.stem: _load(p) for p in sorted(MODELS_DIR.glob("*.yaml"))}
OURS = {i: CATALOG[i] for i in EXPECTED_IDS if i in CATALOG}


@pytest.mark.parametrize("path", sorted(MODELS_DIR.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_yaml_parses_and_is_named_after_its_id(path: Path) -> None:
    spec = _load(path)
    assert spec.id == path.stem


def test_every_listed_id_exists() -> None:
    missing = [i for i in EXPECTED_IDS if i not in CATALOG]
    assert not missing, f"missing model configs: {missing}"


@pytest.mark.parametrize("model_id", EXPECTED_IDS)
def test_facts_are_consistent(model_id: str) -> None:
    m = OURS[model_id]
    assert m.family in FAMILIES
    assert re.fullmatch(r"[A-Z]{2}", m.country)
    assert m.source.type == "hub" and m.source.repo
    rev = m.source.revision or ""
    assert re.fullmatch(r"[0-9a-f]{40}", rev) or "revision not pinned: verify" in m.notes.lower()
    assert m.architecture is not None, "planning needs the architecture"
    assert m.context_length is not None and m.max_model_len <= m.context_length
    assert m.chat_template == (m.kind != "base")
    if m.family == "gemma3":
        assert m.bos == "always" and not m.system_prompt
    if m.architecture.experts:
        assert m.active_params_b < m.params_b
    else:
        assert m.active_params_b == m.params_b


@pytest.mark.parametrize("model_id", EXPECTED_IDS)
def test_base_model_names_a_known_id_or_a_hub_repo(model_id: str) -> None:
    base = OURS[model_id].base_model
    if base is not None:
        assert base in CATALOG or re.fullmatch(r"[\w.-]+/[\w.-]+", base), base


def test_distills_point_at_the_model_they_were_distilled_into() -> None:
    for model_id, base in DISTILL_BASES.items():
        assert OURS[model_id].base_model == base
        assert OURS[model_id].family == "deepseek"


@pytest.mark.parametrize("model_id", EXPECTED_IDS)
def test_reasoning_formats(model_id: str) -> None:
    m = OURS[model_id]
    r = m.reasoning
    if model_id.startswith("deepseek-r1"):
        assert m.kind == "reasoning" and r.format == "think" and r.think_in_prompt
        assert not m.system_prompt
        assert (m.generation.temperature, m.generation.top_p) == (0.6, 0.95)
    elif model_id.startswith("qwen3"):
        assert r.format == "think"
        thinking = model_id.endswith("-think")
        assert r.enable_thinking is thinking
        assert m.kind == ("reasoning" if thinking else "instruct")
        want = (0.6, 0.95, 20) if thinking else (0.7, 0.8, 20)
        assert (m.generation.temperature, m.generation.top_p, m.generation.top_k) == want
    elif model_id.startswith("gpt-oss"):
        assert m.kind == "reasoning" and r.format == "harmony"
        assert r.effort == model_id.rsplit("-", 1)[1]
        assert m.quantization == "mxfp4"
    else:
        assert r.format == "none" and m.kind in ("base", "instruct")
        assert m.generation.temperature == 0.0
    if m.kind == "reasoning":
        assert m.generation.max_new_tokens >= 32768
        assert m.generation.max_new_tokens < m.max_model_len, "the prompt needs room next to the budget"


@pytest.mark.parametrize("model_id", EXPECTED_IDS)
def test_planned_tensor_parallel_divides_heads(model_id: str) -> None:
    m = OURS[model_id]
    assert m.architecture is not None
    tp, pp = parallelism_for(m, "h100-80gb", 8)
    assert m.architecture.attention_heads % tp == 0
    kv = m.architecture.kv_heads
    assert kv % tp == 0 or tp % kv == 0
    assert pp >= 1
