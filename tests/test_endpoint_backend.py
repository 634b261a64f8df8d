"""`backend: openai` against a stub server with injected faults: what is sent, what is retried, what is kept."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from harness.backends.base import EngineSettings, GenRequest, LLRequest, SamplingSettings
from harness.backends.openai_backend import OpenAIBackend
from harness.errors import InputError
from harness.records import GenerationRecord
from harness.specs import ModelSpec, TaskSpec
from harness.tasks.base import Doc, Prompt
from harness.tasks.native import PlannedItem, grade_item
from harness.weights import resolve

from helpers.stub_openai import StubServer, token_logprob

IDS = (1, 40, 41, 42, 43)
GREEDY = SamplingSettings(temperature=0.0, max_new_tokens=12, stop=("\n\n",))


def endpoint_model(model_dir: Path, base_url: str, chat: bool = False, model_fields: dict | None = None,
                   **endpoint: Any) -> ModelSpec:
    return ModelSpec.model_validate({
        "id": "tiny-served", "name": "tiny", "family": "llama3", "developer": "test", "country": "US",
        "params_b": 0.0001, "active_params_b": 0.0001, "kind": "instruct" if chat else "base",
        "source": {"type": "local", "path": str(model_dir)}, "backend": "openai", "dtype": "float32",
        "max_model_len": 256, "chat_template": chat, "bos": "always",
        "endpoint": {"base_url": base_url, "max_retries": 3, "retry_backoff_s": 0.0,
                     "mode": "chat" if chat else "completions", **endpoint},
        **(model_fields or {}),
    })


def backend_for(model: ModelSpec) -> OpenAIBackend:
    return OpenAIBackend(model, resolve(model), EngineSettings())


@pytest.fixture()
def stub():
    with StubServer() as server:
        yield server


def test_completions_send_the_token_ids_and_every_sampling_field(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url))
    (result,) = backend.generate([GenRequest(IDS, GREEDY)])
    assert stub.posts == [{
        "model": "stub-model", "prompt": list(IDS), "max_tokens": 12, "temperature": 0.0, "top_p": 1.0, "n": 1,
        "presence_penalty": 0.0, "frequency_penalty": 0.0, "stream": False, "stop": ["\n\n"], "top_k": -1,
        "min_p": 0.0, "repetition_penalty": 1.0, "skip_special_tokens": True,
    }]
    assert (result.text, result.finish_reason, result.error) == (f"The answer is {sum(IDS) % 97}.", "stop", None)
    assert (result.prompt_tokens, result.output_tokens, result.reasoning) == (5, 4, None)
    assert result.served_by == {"base_url": stub.base_url, "mode": "completions", "model": "stub-model",
                                "server": "stub-1.0", "root": "/models/stub-model"}
    assert stub.gets == ["/v1/models", "/version"]  # the probe: no generation request spent on it


def test_retries_transport_errors_429_5xx_and_non_answers(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, max_retries=5))
    stub.faults.extend(["429", "503", "drop", "garbage", "abort"])
    (result,) = backend.generate([GenRequest(IDS, GREEDY)])
    assert len(stub.posts) == 6
    assert (result.text, result.error) == (f"The answer is {sum(IDS) % 97}.", None)


def test_exhausted_retries_are_an_error_not_an_answer(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, max_retries=2))
    stub.faults.extend(["503"] * 3)
    (result,) = backend.generate([GenRequest(IDS, GREEDY)])
    assert len(stub.posts) == 3
    assert (result.text, result.finish_reason) == ("", "error")
    assert result.error == f"HTTP 503 from {stub.base_url}/completions: injected 503 (after 3 attempts)"


def test_valid_empty_truncated_or_rejected_answers_are_not_retried(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, concurrency=1))
    stub.faults.extend(["empty", "length", "400"])
    results = backend.generate([GenRequest(IDS, GREEDY)] * 3)
    assert len(stub.posts) == 3
    assert [(r.text, r.finish_reason, r.error) for r in results] == [
        ("", "stop", None), ("The answer", "length", None),
        ("", "error", f"HTTP 400 from {stub.base_url}/completions: injected 400")]


def test_slow_reply_past_the_timeout_is_retried(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, timeout_s=0.5, concurrency=1))
    stub.faults.extend(["slow:2", "slow:0.1"])
    timed_out, slow_but_in_time = backend.generate([GenRequest(IDS, GREEDY)] * 2)
    assert len(stub.posts) == 3  # the first request twice, the second once
    assert timed_out.error is None and slow_but_in_time.error is None


def test_concurrency_limit_holds(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, concurrency=2))
    stub.faults.extend(["slow:0.2"] * 8)
    results = backend.generate([GenRequest((1, 40 + i), GREEDY) for i in range(8)])
    assert stub.max_in_flight == 2
    assert [r.text for r in results] == [f"The answer is {(41 + i) % 97}." for i in range(8)]  # input order


def test_the_stream_yields_each_reply_as_it_arrives(stub: StubServer, tiny_model_dir: Path) -> None:
    """The runner persists a reply while slower ones are in flight: the slow request comes last."""
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, concurrency=4))
    stub.faults.extend(["slow:1.5"])  # the first request the server sees
    requests = [(f"k{i}", GenRequest((1, 40 + i), GREEDY)) for i in range(4)]
    order = [(key, r.error) for key, r in backend.stream_generate(requests)]
    slow = next(k for k, r in requests if list(r.prompt_ids) == stub.posts[0]["prompt"])
    assert len(order) == 4 and order[-1] == (slow, None) and all(e is None for _, e in order)


def test_log_likelihoods_stream_in_batches(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, ll_batch=3))
    requests = [(f"k{i}", LLRequest((1, 40), (41 + i,))) for i in range(7)]
    got = dict(backend.stream_loglikelihood(requests))
    assert sorted(got) == sorted(k for k, _ in requests) and len(stub.posts) == 3  # 3 + 3 + 1 prompts
    assert [got[k].logprob for k, _ in requests] == [r.logprob for r in backend.loglikelihood([r for _, r in requests])]


def test_a_dead_server_fails_every_request_fast(tiny_model_dir: Path) -> None:
    with StubServer() as stub:
        backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, max_retries=2))
    results = backend.generate([GenRequest(IDS, GREEDY)] * 6)
    assert all(r.finish_reason == "error" for r in results)
    assert all((r.error or "").startswith(("ConnectError", "endpoint unreachable")) for r in results)
    again = backend.generate([GenRequest(IDS, GREEDY)] * 3)  # one probe, then no retry cycle per request
    assert {r.error for r in again} == {backend.client.unreachable}


def test_chat_keeps_reasoning_apart_from_the_answer(tiny_model_dir: Path) -> None:
    with StubServer(reasoning="6 + 1 = 7, so the answer is 7") as stub:
        model = endpoint_model(tiny_model_dir, stub.base_url, chat=True,
                               model_fields={"system_prompt": False, "reasoning": {
                                   "format": "think", "think_in_prompt": True, "enable_thinking": True}})
        backend = backend_for(model)
        messages = ({"role": "system", "content": "Be brief."}, {"role": "user", "content": "6+1?"})
        (result,) = backend.generate([GenRequest(IDS, GREEDY, messages=messages)])
    sent = stub.posts[0]
    assert sent["messages"] == [{"role": "user", "content": "Be brief.\n\n6+1?"}]  # system folded, as in-process
    assert sent["max_completion_tokens"] == 12 and "prompt" not in sent
    assert sent["chat_template_kwargs"] == {"enable_thinking": True}
    assert (result.text, result.reasoning) == ("The answer is 7.", "6 + 1 = 7, so the answer is 7")
    # The grader sees the answer: no `</think>` in it is not truncation when the server split it off.
    task = TaskSpec.model_validate({"id": "t", "name": "t", "suite": "reasoning", "language": "en",
                                    "answer_type": "number", "data": {"hub": {"path": "x"}}})
    record = GenerationRecord(key="k", doc_id="d", kind="generate", text=result.text, finish_reason="stop",
                              reasoning=result.reasoning)
    item = PlannedItem(Doc("d", "6+1?", "7"), 0, Prompt(messages=messages), "p", "h", ("k",))
    sample = grade_item(item, [record], model, task, "run")
    assert (sample.extracted, sample.correct, sample.truncated) == ("7", True, False)


def test_loglikelihood_reads_the_echoed_prompt(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url))
    context, odd, even = (1, 30, 31), (33, 35), (34, 36)
    results = backend.loglikelihood([LLRequest(context, odd), LLRequest(context, even)])
    assert stub.posts == [{"model": "stub-model", "prompt": [[1, 30, 31, 33, 35], [1, 30, 31, 34, 36]],
                           "max_tokens": 1, "temperature": 0.0, "n": 1, "echo": True, "logprobs": 1,
                           "stream": False, "return_tokens_as_token_ids": True}]  # the chunk in one request
    assert results[0].logprob == pytest.approx(token_logprob(33) + token_logprob(35))
    assert results[1].logprob == pytest.approx(token_logprob(34) + token_logprob(36))
    assert [r.is_greedy for r in results] == [False, True]
    assert results[0].served_by and results[0].served_by["model"] == "stub-model"


def test_loglikelihood_failure_is_an_error(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, max_retries=1))
    stub.faults.extend(["503", "503"])
    (result,) = backend.loglikelihood([LLRequest((1, 30), (31,))])
    assert math.isnan(result.logprob) and result.error and "HTTP 503" in result.error


def test_loglikelihood_on_a_chat_endpoint_fails_before_any_request(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, chat=True))
    with pytest.raises(InputError, match="chat endpoint returns no prompt log-probabilities"):
        backend.loglikelihood([LLRequest((1, 30), (31,))])
    assert stub.posts == []


@pytest.mark.parametrize("case, message", [
    ("unreachable", "endpoint http://127.0.0.1:{port}/v1 did not answer: ConnectError"),
    ("wrong model", "serves stub-model, other-model, not 'nope' (set endpoint.model"),
    ("two models", "serves 2 models (stub-model, other-model) (set endpoint.model"),
    ("missing key variable", "endpoint.api_key_env names HARNESS_TEST_UNSET_KEY, which is not set"),
    ("wrong key", "refused the API key (HTTP 401) (check the key in $HARNESS_TEST_KEY)"),
])
def test_bad_input_fails_before_any_request(case: str, message: str, tiny_model_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HARNESS_TEST_KEY", "sk-wrong-0123456789")
    with StubServer(served=("stub-model", "other-model"), api_key="sk-right" if case == "wrong key" else None) as stub:
        fields: dict[str, Any] = {
            "unreachable": {}, "wrong model": {"model": "nope"}, "two models": {},
            "missing key variable": {"api_key_env": "HARNESS_TEST_UNSET_KEY"},
            "wrong key": {"api_key_env": "HARNESS_TEST_KEY", "model": "stub-model"}}[case]
        url = stub.base_url
        if case == "unreachable":
            stub.stop()
        with pytest.raises(InputError) as err:
            backend_for(endpoint_model(tiny_model_dir, url, max_retries=1, **fields))
        assert stub.posts == []
    line = err.value.one_line()
    assert message.format(port=stub.port) in line
    assert err.value.exit_code == 2 and "\n" not in line and "sk-wrong" not in line


def test_the_key_never_appears_in_errors(tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = "sk-planted-5f1e0c9a7b"
    monkeypatch.setenv("HARNESS_TEST_KEY", key)
    with StubServer(api_key=key) as stub:
        backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, api_key_env="HARNESS_TEST_KEY",
                                             max_retries=0))
        stub.faults.append("500-echo")  # the server's error message quotes the Authorization header
        (result,) = backend.generate([GenRequest(IDS, GREEDY)])
    assert result.error == f"HTTP 500 from {stub.base_url}/completions: internal error handling Bearer *** " \
                           "(after 1 attempts)"


def test_without_extensions_only_openai_fields_are_sent(stub: StubServer, tiny_model_dir: Path) -> None:
    backend = backend_for(endpoint_model(tiny_model_dir, stub.base_url, extensions=False))
    backend.generate([GenRequest(IDS, GREEDY)])
    assert set(stub.posts[0]) == {"model", "prompt", "max_tokens", "temperature", "top_p", "n", "presence_penalty",
                                  "frequency_penalty", "stream", "stop"}
    with pytest.raises(InputError, match="extensions is false, so top_k=20, min_p=0.05 cannot be sent"):
        backend_for(endpoint_model(tiny_model_dir, stub.base_url, extensions=False,
                                   model_fields={"generation": {"top_k": 20, "min_p": 0.05}}))
