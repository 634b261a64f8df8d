"""`backend: openai`: a model behind an OpenAI-compatible server (vLLM, SGLang, a hosted API).

Completions mode sends the exact token ids the in-process backend would run (the harness applied
the chat template and BOS), so a vLLM server gives the same greedy generations, and log-likelihood
tasks read the prompt's log-probabilities (`echo` + `logprobs`). Chat mode sends the messages and
the server applies its template; reasoning the server returns apart (`reasoning_content`,
`reasoning`) is kept apart from the answer. Every sampling field is sent explicitly, so the
server's own defaults (a model's generation_config) never change a number.

A failure after the bounded retries is an error on that request (counted, retried on resume,
never a wrong answer); bad input (key, URL, model name) fails before any request.
"""

from __future__ import annotations

import math
import time
from typing import Any

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    GenResult,
    Keyed,
    LLRequest,
    LLResult,
    Stream,
    collect,
    too_long,
)
from harness.backends.chat import fold_system, template_kwargs
from harness.backends.endpoint import ServerInfo, check_sampling, client_for, probe, read_api_key
from harness.backends.http_client import Reply
from harness.errors import InputError, ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


def load_tokenizer(model: ModelSpec, weights: ResolvedWeights) -> Any:
    """The model's own tokenizer (None for `source.type: api`, a model with no files here)."""
    if model.source.type == "api":
        return None
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(weights.location, revision=weights.revision,
                                             trust_remote_code=model.trust_remote_code)
    except Exception as exc:  # noqa: BLE001 - any failure to find or read it
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ModelLoadError(f"model '{model.id}': no tokenizer at {weights.location}: {first}",
                             "for a hosted model with no local files use source.type: api and "
                             "endpoint.mode: chat") from None


def not_an_answer(body: dict[str, Any]) -> str | None:
    """Why a 2xx body is no answer at all (then it is retried); None for any real answer, empty or not."""
    choices = body.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        return "the reply has no choices"
    if choices[0].get("finish_reason") == "abort":
        return "the server aborted the request"
    return None


class OpenAIBackend:
    name = "openai"

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> None:
        ep = model.endpoint
        if ep is None:
            raise InputError(f"model '{model.id}': backend openai needs an endpoint section")
        self.model, self.endpoint = model, ep
        check_sampling(model)
        self.tokenizer = load_tokenizer(model, weights)
        self.server: Any = None
        try:
            if ep.managed:
                from harness.backends.server import start_server

                self.server = start_server(model, weights, settings)
                self.client = client_for(model, self.server.base_url, self.server.api_key, self.server.exit_reason)
            else:
                assert ep.base_url is not None
                self.client = client_for(model, ep.base_url, read_api_key(model))
            self.info: ServerInfo = probe(self.client, model)
        except BaseException:
            self.close()
            raise
        self.path = "/chat/completions" if ep.mode == "chat" else "/completions"
        self.skip_special_tokens = model.reasoning.format != "harmony"

    # ------------------------------------------------------------------ generation

    def _sampling_fields(self, req: GenRequest) -> dict[str, Any]:
        s = req.sampling
        body: dict[str, Any] = {"model": self.info.model, "temperature": s.temperature, "top_p": s.top_p,
                                "n": 1, "presence_penalty": 0.0, "frequency_penalty": 0.0, "stream": False}
        if s.stop:
            body["stop"] = list(s.stop)
        if s.temperature > 0 and s.seed is not None:  # as the in-process backend: greedy needs no seed
            body["seed"] = s.seed
        if self.endpoint.extensions:
            body.update(top_k=s.top_k if s.top_k > 0 else -1, min_p=s.min_p,
                        repetition_penalty=s.repetition_penalty, skip_special_tokens=self.skip_special_tokens)
        return body

    def _payload(self, req: GenRequest) -> dict[str, Any]:
        body = self._sampling_fields(req)
        if self.endpoint.mode == "completions":
            return {**body, "prompt": list(req.prompt_ids), "max_tokens": req.sampling.max_new_tokens}
        if req.messages is None:
            raise InputError(f"model '{self.model.id}': a chat endpoint needs chat prompts",
                             "use endpoint.mode: completions for plain-text prompts")
        messages = [dict(m) for m in req.messages]
        body.update(messages=messages if self.model.system_prompt else fold_system(messages),
                    max_completion_tokens=req.sampling.max_new_tokens)
        if self.model.reasoning.effort is not None:
            body["reasoning_effort"] = self.model.reasoning.effort
        kwargs = template_kwargs(self.model)
        if self.endpoint.extensions and kwargs:
            body["chat_template_kwargs"] = kwargs
        return body

    def _result(self, req: GenRequest, reply: Reply, wall: float) -> GenResult:
        if reply.body is None:
            return GenResult("", "error", len(req.prompt_ids), 0, wall, error=reply.error)
        try:
            return self._parse_result(req, reply, wall)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            # A 2xx reply of the wrong shape fails this request (counted, retried on the next run), not the task.
            return GenResult("", "error", len(req.prompt_ids), 0, wall,
                             error=f"malformed reply from the server: {type(exc).__name__}: {str(exc)[:200]}")

    def _parse_result(self, req: GenRequest, reply: Reply, wall: float) -> GenResult:
        assert reply.body is not None
        choice = reply.body["choices"][0]
        usage = reply.body.get("usage") or {}
        reasoning = None
        if self.endpoint.mode == "chat":
            message = choice.get("message") or {}
            text = message.get("content") or ""
            reasoning = next((str(message[k]) for k in ("reasoning_content", "reasoning")
                              if message.get(k) is not None), None)
        else:
            text = choice.get("text") or ""
        if not isinstance(text, str):
            raise TypeError(f"the answer text is a {type(text).__name__}")
        return GenResult(
            text=text, finish_reason=str(choice.get("finish_reason") or "stop"),
            prompt_tokens=int(usage.get("prompt_tokens") or len(req.prompt_ids)),
            output_tokens=int(usage.get("completion_tokens") or 0), wall_s=wall, reasoning=reasoning,
            served_by=self.info.served_by(reply.body, self.endpoint.mode),
        )

    def stream_generate(self, requests: Keyed[GenRequest]) -> Stream[GenResult]:
        """Every request in flight (`concurrency` at a time); each result as soon as its reply arrives."""
        sendable = []
        for key, req in requests:
            # Token ids are what the server runs in completions mode: the same length limit as in-process.
            if self.endpoint.mode == "completions" and len(req.prompt_ids) >= self.model.max_model_len:
                yield key, too_long(req, self.model.max_model_len)
            else:
                sendable.append((key, req))
        start = time.perf_counter()
        payloads = [self._payload(req) for _, req in sendable]
        for i, reply in self.client.post_stream(self.path, payloads, not_an_answer):
            key, req = sendable[i]
            yield key, self._result(req, reply, time.perf_counter() - start)

    def stream_loglikelihood(self, requests: Keyed[LLRequest]) -> Stream[LLResult]:
        """Batches of `endpoint.ll_batch` prompts per request, all batches in flight at once."""
        self._check_ll()
        size = self.endpoint.ll_batch
        batches = [list(requests[i:i + size]) for i in range(0, len(requests), size)]
        start = time.perf_counter()
        prepared = [self._ll_payload([r for _, r in batch]) for batch in batches]
        stream = self.client.post_stream("/completions", [p for p, _ in prepared], not_an_answer)
        for i, reply in stream:
            batch, (_, prompts) = batches[i], prepared[i]
            results = self._ll_results([r for _, r in batch], prompts, reply, time.perf_counter() - start)
            yield from zip((k for k, _ in batch), results, strict=True)

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        """One result per request, in order; failures after the retries are errors, never answers."""
        return collect(self.stream_generate, requests)

    # ------------------------------------------------------------------ log-likelihood

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        """Sum of the continuation's log-probabilities, read from the echoed prompt (vLLM completions).

        The requests go as one request (a list of token-id prompts), so the server schedules them
        together as the in-process engine does (bf16 kernels round differently with the batch's
        shape). The runner streams them in batches of `endpoint.ll_batch`."""
        self._check_ll()
        if not requests:
            return []
        payload, prompts = self._ll_payload(requests)
        start = time.perf_counter()
        (reply,) = self.client.post_all("/completions", [payload], not_an_answer)
        return self._ll_results(requests, prompts, reply, time.perf_counter() - start)

    def _check_ll(self) -> None:
        if self.endpoint.mode == "chat":
            raise InputError(f"model '{self.model.id}': a chat endpoint returns no prompt log-probabilities",
                             "use endpoint.mode: completions on a vLLM server for log-likelihood tasks")

    def _ll_payload(self, requests: list[LLRequest]) -> tuple[dict[str, Any], list[list[int]]]:
        limit = self.model.max_model_len - 1  # room for the one token the server generates
        prompts = [(list(r.context_ids) + list(r.continuation_ids))[-limit:] for r in requests]
        payload = {"model": self.info.model, "prompt": prompts, "max_tokens": 1, "temperature": 0.0, "n": 1,
                   "echo": True, "logprobs": 1, "stream": False,
                   **({"return_tokens_as_token_ids": True} if self.endpoint.extensions else {})}
        return payload, prompts

    def _ll_results(self, requests: list[LLRequest], prompts: list[list[int]], reply: Reply,
                    wall: float) -> list[LLResult]:
        if reply.body is not None:
            choices = reply.body.get("choices")
            if not isinstance(choices, list) or len(choices) != len(prompts):
                reply = Reply(None, f"the reply has {len(choices) if isinstance(choices, list) else 'no'} "
                                    f"choices for {len(prompts)} prompts", reply.status, reply.attempts)
        if reply.body is None:
            return [LLResult(math.nan, False, len(ids), wall, error=reply.error) for ids in prompts]
        results = []
        try:
            served_by = self.info.served_by(reply.body, "completions")
            choices = sorted(reply.body["choices"], key=lambda c: int(c.get("index", 0)))
            for req, ids, choice in zip(requests, prompts, choices, strict=True):
                total, greedy = self._score(choice, ids, len(ids) - len(req.continuation_ids))
                results.append(LLResult(total, greedy, len(ids), wall, served_by=served_by))
        except (TypeError, ValueError, AttributeError, KeyError, IndexError) as exc:
            # A 2xx reply of the wrong shape fails this batch's requests, not the task.
            error = f"malformed reply from the server: {type(exc).__name__}: {str(exc)[:200]}"
            return [LLResult(math.nan, False, len(ids), wall, error=error) for ids in prompts]
        return results

    def _score(self, choice: dict[str, Any], ids: list[int], begin: int) -> tuple[float, bool]:
        logprobs = choice.get("logprobs") or {}
        values, tops, tokens = (logprobs.get(k) or [] for k in ("token_logprobs", "top_logprobs", "tokens"))
        if len(values) < len(ids) or len(tops) < len(ids):
            raise InputError(f"model '{self.model.id}': {self.info.base_url} returned no prompt log-probabilities "
                             "(echo + logprobs)", "log-likelihood tasks need a vLLM completions endpoint")
        for pos, token in enumerate(tokens[: len(ids)]):
            # With return_tokens_as_token_ids vLLM names each echoed token: proof that it ran our ids.
            if isinstance(token, str) and token.startswith("token_id:") and token != f"token_id:{ids[pos]}":
                raise InputError(f"model '{self.model.id}': the server scored other tokens than sent "
                                 f"(position {pos}: {token}, sent {ids[pos]})",
                                 "the server must accept token-id prompts (vLLM does)")
        total, greedy = 0.0, True
        for pos in range(max(begin, 1), len(ids)):
            total += float(values[pos])
            best = max((float(v) for v in (tops[pos] or {}).values()), default=float(values[pos]))
            greedy = greedy and float(values[pos]) >= best
        return total, greedy

    def close(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
