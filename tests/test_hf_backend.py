"""HF backend: shared-context log-likelihood equals a full forward pass per request; streamed generation."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.backends.base import EngineSettings
from harness.specs import ModelSpec
from harness.weights import resolve

from helpers.ll_cases import cases


@pytest.fixture(scope="module")
def hf(tiny_model_dir: Path):
    from harness.backends.hf_backend import HFBackend

    spec = ModelSpec.model_validate({
        "id": "tiny", "name": "tiny", "family": "llama3", "developer": "test", "country": "US",
        "params_b": 0.0001, "active_params_b": 0.0001, "kind": "base", "backend": "hf",
        "source": {"type": "local", "path": str(tiny_model_dir)}, "dtype": "float32",
        "max_model_len": 64, "chat_template": False, "bos": "always",
    })
    backend = HFBackend(spec, resolve(spec), EngineSettings())
    yield backend
    backend.close()


def test_shared_context_path_matches_full_forward(hf) -> None:
    reqs = cases(hf.tokenizer)
    fast = hf.loglikelihood(reqs)
    full = hf.full_forward_scores(reqs)
    for req, a, b in zip(reqs, fast, full, strict=True):
        assert a.logprob == pytest.approx(b.logprob, abs=1e-3), req
        assert a.is_greedy == b.is_greedy
        assert a.prompt_tokens == b.prompt_tokens
    assert fast[0].logprob < 0 and fast[0].logprob != fast[1].logprob


def test_streamed_results_carry_their_keys(hf) -> None:
    reqs = cases(hf.tokenizer)
    keyed = [(f"r{i}", r) for i, r in enumerate(reqs)]
    streamed = dict(hf.stream_loglikelihood(keyed))
    assert sorted(streamed) == sorted(k for k, _ in keyed)
    batch = hf.loglikelihood(reqs)
    assert [streamed[f"r{i}"].logprob for i in range(len(reqs))] == [r.logprob for r in batch]


def test_generation_streams_each_request_when_done(hf) -> None:
    from harness.backends.base import GenRequest, SamplingSettings

    tok = hf.tokenizer
    prompt = (tok.bos_token_id, *tok.encode("Question: 2+3?\nAnswer:", add_special_tokens=False))
    reqs = [("a", GenRequest(prompt, SamplingSettings(max_new_tokens=5, ignore_eos=True))),
            ("b", GenRequest(prompt, SamplingSettings(max_new_tokens=3, ignore_eos=True))),
            ("c", GenRequest(tuple(range(3, 70)), SamplingSettings(max_new_tokens=3)))]  # over the 64-token window
    out = list(hf.stream_generate(reqs))
    assert [k for k, _ in out] == ["a", "b", "c"]
    assert [(r.output_tokens, r.finish_reason) for _, r in out] == [(5, "length"), (3, "length"), (0, "error")]
    assert out[0][1].wall_s <= out[1][1].wall_s
    assert hf.generate([reqs[1][1]])[0].text == out[1][1].text  # greedy: the same text again
