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
    out = dict(hf.stream_generate(reqs))
    assert sorted(out) == ["a", "b", "c"]
    assert [(out[k].output_tokens, out[k].finish_reason) for k in "abc"] == [(5, "length"), (3, "length"), (0, "error")]
    assert hf.generate([reqs[1][1]])[0].text == out["b"].text  # greedy: the same text again


def test_greedy_batches_equal_one_request_at_a_time(hf) -> None:
    """Left-padded batches (prompts of different lengths, budgets and seeds, all in one batch) give
    each request exactly the tokens it gets alone."""
    from harness.backends.base import GenRequest, SamplingSettings

    tok = hf.tokenizer
    questions = ["2+3?", "What is the capital of France, and why?", "Name a color.", "Count: 1, 2, 3,"]
    reqs = [GenRequest((tok.bos_token_id, *tok.encode(f"Question: {q}\nAnswer:", add_special_tokens=False)),
                       SamplingSettings(max_new_tokens=3 + i, seed=i)) for i, q in enumerate(questions)]
    assert len({len(r.prompt_ids) for r in reqs}) > 1
    batched = hf.generate(reqs)
    alone = [hf.generate([r])[0] for r in reqs]
    assert [(b.text, b.output_tokens, b.finish_reason) for b in batched] == \
        [(a.text, a.output_tokens, a.finish_reason) for a in alone]
    assert [len(b) for b in hf._batches([(str(i), r) for i, r in enumerate(reqs)])] == [4]
    assert sum(b.output_tokens for b in batched) > 0


def test_batches_respect_the_token_budget(hf) -> None:
    from harness.backends.base import GenRequest, SamplingSettings

    reqs = [(str(n), GenRequest(tuple(range(3, 3 + n)), SamplingSettings(max_new_tokens=4))) for n in (2, 5, 9, 20)]
    old = hf.batch_tokens
    hf.batch_tokens = 30  # rows x (longest prompt + 4): 2 x 9 fits, 3 x 13 and 2 x 24 do not
    try:
        sizes = [len(b) for b in hf._batches(reqs)]
    finally:
        hf.batch_tokens = old
    assert sizes == [2, 1, 1]


def test_stop_strings_in_a_batch_equal_one_request_at_a_time(hf) -> None:
    """A row that ends on a stop string is padded to the batch's longest row; the padding is not
    part of its output."""
    from harness.backends.base import GenRequest, SamplingSettings

    tok = hf.tokenizer
    prompts = [(tok.bos_token_id, *tok.encode(f"Question: {q}\nAnswer:", add_special_tokens=False))
               for q in ("2+3?", "Name a color.", "Count: 1, 2, 3,")]
    free = hf.generate([GenRequest(prompts[1], SamplingSettings(max_new_tokens=10, ignore_eos=True))])[0].text
    stop = free[len(free) // 2:len(free) // 2 + 2]
    assert stop.strip(), free
    reqs = [GenRequest(p, SamplingSettings(max_new_tokens=10, stop=(stop,))) for p in prompts]
    batched = hf.generate(reqs)
    alone = [hf.generate([r])[0] for r in reqs]
    assert [(b.text, b.output_tokens, b.finish_reason) for b in batched] == \
        [(a.text, a.output_tokens, a.finish_reason) for a in alone]
    assert batched[1].finish_reason == "stop" and stop not in batched[1].text
