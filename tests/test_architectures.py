"""Every architecture family of the catalogue, run for real on this machine's CPU build.

One tiny random checkpoint per family (helpers.tiny_families: the real config shrunk, the real
tokens and chat template) goes through the backend the catalogue says runs it on CPU: load,
a chat prompt rendered by `encode_prompt`, greedy generation with a stop string, the family's
stop tokens, a log-likelihood request (checked against transformers), and the family's
reasoning format through the engine's own tokenizer. One engine per family (module-scoped
fixture); a load takes 40-90 s on 2 cores.

`CPU_BACKEND` is the source of truth for which families vLLM's CPU build runs; a family marked
"hf" must also fail to load in vLLM (so the table cannot go stale), and the catalogue's
`cpu_runnable` must agree with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    LLRequest,
    SamplingSettings,
)
from harness.backends.chat import encode_continuation, encode_prompt
from harness.config import load_catalog
from harness.errors import ModelLoadError
from harness.grading import split_reasoning
from harness.specs import ModelSpec
from harness.tasks.base import Prompt
from harness.weights import ResolvedWeights

from helpers.tiny_families import FAMILIES, Family, family_of, make_tiny_model

pytestmark = pytest.mark.slow

TEMPLATES = Path(__file__).parent / "fixtures" / "templates"

# Which backend runs each family on vLLM 0.32's CPU build, found by trying (all load and agree
# with transformers). Change a family to "hf" only when its vLLM load fails: the fixture then
# asserts that failure before falling back.
CPU_BACKEND: dict[str, str] = {
    "llama3": "vllm", "llama4": "vllm", "qwen2": "vllm", "qwen3": "vllm", "qwen3_moe": "vllm",
    "gemma3": "vllm", "gpt_oss": "vllm", "deepseek_v3": "vllm", "mistral": "vllm",
}

# The catalogue model whose chat/reasoning settings each family's engine test uses.
SPEC_OF = {
    "llama3": "llama-3.1-8b-instruct", "llama4": "llama-4-scout-17b-16e-instruct",
    "qwen2": "qwen2.5-7b-instruct", "qwen3": "qwen3-8b-think", "qwen3_moe": "qwen3-30b-a3b-think",
    "gemma3": "gemma-3-1b-it", "gpt_oss": "gpt-oss-20b-low", "deepseek_v3": "deepseek-r1",
    "mistral": "mistral-7b-instruct-v0.3",
}

# A response in each reasoning format, and the answer the grader must find in it.
RESPONSES = {
    "none": ("The answer is 42.", "The answer is 42."),
    "think": ("<think>\n6*7 = 42.\n</think>\n\nThe answer is 42.", "The answer is 42."),
    "think_in_prompt": ("6*7 = 42.\n</think>\n\nThe answer is 42.", "The answer is 42."),
    "harmony": (("<|channel|>analysis<|message|>6*7 = 42.<|end|><|start|>assistant<|channel|>final"
                 "<|message|>The answer is 42.<|return|>"), "The answer is 42."),
}

CHAT = Prompt(messages=({"role": "system", "content": "Answer with a number."},
                        {"role": "user", "content": "Janet has 3 apples and buys 5 more. How many?"}))


@dataclass
class Engine:
    family: Family
    spec: ModelSpec
    backend: Any
    directory: Path


def tiny_spec(family: str, directory: Path, backend: str) -> ModelSpec:
    """The family's catalogue spec (template, BOS, reasoning settings) pointed at the tiny model."""
    data = load_catalog().model(SPEC_OF[family]).model_dump()
    data.update(id=f"tiny-{family.replace('_', '-')}", source={"type": "local", "path": str(directory)},
                backend=backend, dtype="float32", quantization=None, max_model_len=512,
                context_length=None, tensor_parallel_size=None, pipeline_parallel_size=None)
    return ModelSpec.model_validate(data)


def load(spec: ModelSpec, backend: str) -> Any:
    weights = ResolvedWeights(spec.source.path or "", None, None)
    if backend == "vllm":
        from harness.backends.vllm_backend import VLLMBackend

        return VLLMBackend(spec, weights, EngineSettings())
    from harness.backends.hf_backend import HFBackend

    return HFBackend(spec, weights, EngineSettings())


@pytest.fixture(scope="module", params=sorted(FAMILIES))
def engine(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    family = FAMILIES[request.param]
    directory = make_tiny_model(family.name, tmp_path_factory.mktemp(family.name),
                                (TEMPLATES / f"{family.template}.jinja").read_text())
    backend_name = CPU_BACKEND[family.name]
    spec = tiny_spec(family.name, directory, backend_name)
    if backend_name == "hf":
        with pytest.raises(ModelLoadError, match="vLLM failed to load"):
            load(spec.model_copy(update={"backend": "vllm"}), "vllm")
    backend = load(spec, backend_name)
    assert backend.name == backend_name
    yield Engine(family, spec, backend, directory)
    backend.close()


def greedy(max_new_tokens: int, stop: tuple[str, ...] = ()) -> SamplingSettings:
    return SamplingSettings(temperature=0.0, max_new_tokens=max_new_tokens, stop=stop)


def test_chat_prompt_generates_and_stops_at_stop_string(engine: Engine) -> None:
    tok = engine.backend.tokenizer
    ids = encode_prompt(CHAT, engine.spec, tok)
    if tok.bos_token_id is not None and "bos_token" in tok.chat_template:
        assert ids.count(tok.bos_token_id) == 1 and ids[0] == tok.bos_token_id
    first = engine.backend.generate([GenRequest(tuple(ids), greedy(12))])[0]
    assert first.error is None and first.prompt_tokens == len(ids)
    assert 1 <= first.output_tokens <= 12 and first.finish_reason in ("length", "stop")
    text = first.text
    windows = [text[i:i + 2] for i in range(len(text) // 2, len(text) - 1)]
    windows = [w for w in windows if "\ufffd" not in w]
    assert windows, f"expected some text to pick a stop string from, got {text!r}"
    stop = windows[0]
    second = engine.backend.generate([GenRequest(tuple(ids), greedy(12, (stop,)))])[0]
    assert second.finish_reason == "stop"
    assert second.text == first.text[: first.text.index(stop)]
    assert second.output_tokens <= first.output_tokens


def test_end_of_turn_and_generation_config_eos_stop_generation(engine: Engine) -> None:
    tok = engine.backend.tokenizer
    fam = engine.family
    assert tok.eos_token_id == tok.convert_tokens_to_ids(fam.eos)
    if engine.backend.name != "vllm":
        return
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    prompt = TokensPrompt(prompt_token_ids=encode_prompt(CHAT, engine.spec, tok))
    for token in (fam.eos, *fam.extra_eos):
        # Only `token` may be sampled: the engine must stop on it rather than run to max_tokens.
        params = SamplingParams(temperature=0.0, max_tokens=4,
                                allowed_token_ids=[tok.convert_tokens_to_ids(token)])
        out = engine.backend.llm.generate([prompt], params, use_tqdm=False)[0].outputs[0]
        assert (out.finish_reason, len(out.token_ids)) == ("stop", 1), token


def test_loglikelihood_is_finite_and_matches_transformers(engine: Engine) -> None:
    tok = engine.backend.tokenizer
    context = encode_prompt(CHAT, engine.spec, tok)
    requests = [LLRequest(tuple(context), tuple(encode_continuation(c, tok))) for c in (" 8", " eight")]
    got = engine.backend.loglikelihood(requests)
    for req, res in zip(requests, got, strict=True):
        assert math.isfinite(res.logprob) and res.logprob < 0
        assert res.prompt_tokens == len(req.context_ids) + len(req.continuation_ids)
    if engine.backend.name == "hf":
        return
    reference = load(engine.spec.model_copy(update={"backend": "hf"}), "hf")
    try:
        expected = reference.loglikelihood(requests)
    finally:
        reference.close()
    for res, ref in zip(got, expected, strict=True):
        assert res.logprob == pytest.approx(ref.logprob, abs=5e-3, rel=1e-3)
        assert res.is_greedy == ref.is_greedy


def test_reasoning_format_survives_the_engine_tokenizer(engine: Engine) -> None:
    reasoning = engine.spec.reasoning
    key = "think_in_prompt" if reasoning.think_in_prompt else reasoning.format
    response, answer = RESPONSES[key]
    tok = engine.backend.tokenizer
    # Decoded the way the backend decodes generations (special tokens kept only for harmony).
    text = tok.decode(encode_continuation(response, tok), skip_special_tokens=engine.backend.skip_special_tokens)
    assert split_reasoning(text, reasoning.format, reasoning.think_in_prompt) == (answer, False)
    # A generation cut off inside the reasoning is truncated, not an answer.
    if key != "none":
        cut = tok.decode(encode_continuation(response[: response.index("42")], tok),
                         skip_special_tokens=engine.backend.skip_special_tokens)
        assert split_reasoning(cut, reasoning.format, reasoning.think_in_prompt) == (None, True)


def test_llama_vllm_and_hf_agree_token_by_token(tmp_path: Path) -> None:
    """The cross-check of the two backends' token alignment: same ids in, same scores out."""
    directory = make_tiny_model("llama3", tmp_path / "llama3", (TEMPLATES / "llama3.jinja").read_text())
    spec = tiny_spec("llama3", directory, "vllm")
    vllm_backend = load(spec, "vllm")
    try:
        tok = vllm_backend.tokenizer
        context = encode_prompt(Prompt(text="Question: 3 + 5 = ? Answer:"), spec, tok)
        long_context = encode_prompt(Prompt(text="Solve the problem step by step. " * 20), spec, tok)
        requests = [LLRequest(tuple(context), tuple(encode_continuation(c, tok)))
                    for c in (" 8", " 8. The answer is 8.", " B")]
        requests.append(LLRequest(tuple(long_context), tuple(encode_continuation(" #### 42", tok))))
        no_context = LLRequest((), tuple(context))  # nothing to condition the first token on
        from_vllm = vllm_backend.loglikelihood([*requests, no_context])
    finally:
        vllm_backend.close()
    hf_backend = load(spec.model_copy(update={"backend": "hf"}), "hf")
    try:
        from_hf = hf_backend.loglikelihood([*requests, no_context])
    finally:
        hf_backend.close()
    for a, b in zip(from_vllm[:-1], from_hf[:-1], strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=5e-3, rel=1e-3)
        assert (a.is_greedy, a.prompt_tokens) == (b.is_greedy, b.prompt_tokens)
    # A context-free request: both backends score tokens 1..n-1 (the first has no prediction).
    assert from_vllm[-1].logprob == pytest.approx(from_hf[-1].logprob, abs=5e-3, rel=1e-3)


def test_catalogue_cpu_runnable_matches_the_table() -> None:
    for model in load_catalog().models.values():
        if not model.runnable:  # reference-only closed models: no weights, nothing to run
            continue
        assert model.architecture is not None, model.id
        family = family_of(model.architecture.model_type)
        assert model.cpu_runnable is (CPU_BACKEND[family.name] == "vllm"), model.id
