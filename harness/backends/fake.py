"""A deterministic fake backend (`backend: fake`): no weights, no network, no engine.

For dry runs of a config (`harness run` goes through planning, streaming, persistence, grading
and the leaderboard in seconds) and for tests, like inspect_ai's mockllm. Every answer is a pure
function of the request, so records and scores are the same on every machine, in every batch
order and across a kill and resume. Without a `fake:` section in the model spec:

- the tokenizer is UTF-8 bytes (id = byte + 3; 1 = BOS, 2 = EOS);
- `generate` answers "… The answer is N." with N one of the numbers in the last question of the
  prompt or their sum (chosen by a hash of the prompt and seed), then starts a next question (so
  stop strings apply), or rambles to the token budget without an answer for one request in five
  (so truncation is exercised);
- `loglikelihood` scores a continuation by a hash of (context, continuation), −0.5 per token;
- streaming imitates an engine with `max_num_seqs` slots decoding one token per step, so short
  requests finish first.

A `fake:` section (`harness.specs.FakeConfig`) changes that:

    backend: fake
    fake:
      answers: mixed                  # hash (default) | correct | wrong | mixed: from `gold`
      gold: {file: gsm8k/test.jsonl}  # under HARNESS_DATA_DIR; fields `question`, `answer`
      tokenizer: /path/to/tokenizer   # bytes (default) or a Hugging Face tokenizer folder
      streaming: false                # a batch-only engine: `batch_size` requests a call
      batch_size: 8
      faults: {fail_load: false, fail_after_requests: 7, fail_after_batches: 2, raises: error, step_s: 0.01}

Only `answers`, `gold` and `tokenizer` are part of a run's identity (`provenance.answer_fields`):
faults, streaming and batching change when results arrive, never what they are, so a run killed
by an injected fault resumes under the same run key without it. `harness.backends.fake_lm` gives
the same fake as an lm-eval `LM`.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    GenResult,
    LLRequest,
    LLResult,
    Stopwatch,
    batched,
    collect,
    cut_at_stop,
    too_long,
)
from harness.backends.fake_gold import gold_answer, read_gold
from harness.errors import InputError, ModelLoadError
from harness.specs import FakeConfig, ModelSpec
from harness.weights import ResolvedWeights

OFFSET = 3
NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class ByteTokenizer:
    """UTF-8 bytes as tokens: deterministic, offline, any text round-trips."""

    pad_token_id = 0
    bos_token_id = 1
    eos_token_id = 2
    chat_template = None

    def encode(self, text: str, add_special_tokens: bool = True) -> list[int]:
        ids = [b + OFFSET for b in text.encode("utf-8")]
        return [self.bos_token_id, *ids] if add_special_tokens else ids

    def decode(self, ids: Sequence[int], skip_special_tokens: bool = True) -> str:
        data = bytes(i - OFFSET for i in ids if i >= OFFSET)
        return data.decode("utf-8", errors="replace")


def _digest(*parts: object) -> int:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:12], 16)


def fake_answer(prompt: str, seed: int | None) -> str:
    """The fake model's full answer to a prompt (before the token budget and stop strings)."""
    h = _digest(prompt, seed)
    if h % 5 == 0:
        return " Let me think about this step by step" + " and then some more" * 200
    question = prompt.rsplit("Question:", 1)[-1].rsplit("Q:", 1)[-1]
    numbers = NUMBER.findall(question)
    total = sum(float(n) for n in numbers)
    candidates = [*numbers, f"{total:g}"] if numbers else [str(h % 100)]
    next_turn = "Q:" if prompt.rstrip().endswith("A:") else "Question:"
    return f" Let me think. The answer is {candidates[h % len(candidates)]}.\n\n{next_turn}"


def fake_logprob(context_ids: Sequence[int], continuation_ids: Sequence[int]) -> float:
    return -0.5 * len(continuation_ids) - (_digest(tuple(context_ids), tuple(continuation_ids)) % 1000) / 250.0


def fake_greedy(context_ids: Sequence[int], continuation_ids: Sequence[int]) -> bool:
    """Whether the fake model would generate the continuation greedily."""
    return _digest(tuple(context_ids), tuple(continuation_ids)) % 2 == 0


def load_tokenizer(name: str) -> Any:
    """`bytes`: the UTF-8 byte tokenizer; else a folder with a Hugging Face tokenizer (real token ids)."""
    if name == "bytes":
        return ByteTokenizer()
    if not Path(name).expanduser().is_dir():
        raise InputError(f"fake.tokenizer '{name}' is not a folder", "name a Hugging Face tokenizer folder or `bytes`")
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(Path(name).expanduser())


class FakeBackend:
    """The fake engine, as `model.fake` configures it (the defaults above without it)."""

    name = "fake"

    def __init__(self, model: ModelSpec, weights: ResolvedWeights | None = None,
                 settings: EngineSettings | None = None, max_num_seqs: int = 16) -> None:
        self.config = model.fake or FakeConfig()
        self.faults = self.config.faults
        if self.faults.fail_load:
            raise ModelLoadError(f"model '{model.id}': the fake model fails to load by design (fake.faults.fail_load)")
        self.model = model
        self.tokenizer = load_tokenizer(self.config.tokenizer)
        self.gold = read_gold(self.config.gold) if self.config.gold is not None else {}
        self.max_num_seqs = (settings.max_num_seqs if settings and settings.max_num_seqs else max_num_seqs)
        self.step_s = self.faults.step_s
        self.results = 0  # results handed out, and batch calls taken, for the injected faults
        self.batches = 0
        self.engine_info: dict[str, Any] = {
            "engine": "fake", "max_num_seqs": self.max_num_seqs,
            "cuda_visible_devices": os.environ.get("CUDA_VISIBLE_DEVICES"),
            "cpu_threads_bind": os.environ.get("VLLM_CPU_OMP_THREADS_BIND"), "pid": os.getpid(),
        }

    def _fail(self, what: str) -> None:
        if self.faults.raises == "interrupt":
            raise KeyboardInterrupt
        raise RuntimeError(f"engine died (fake.faults.{what})")

    def _handing_out(self) -> None:
        """Count one result about to be handed out; the injected fault fires instead of the (N+1)-th."""
        if self.faults.fail_after_requests is not None and self.results >= self.faults.fail_after_requests:
            self._fail("fail_after_requests")
        self.results += 1

    def _batch_call(self) -> None:
        if self.faults.fail_after_batches is not None and self.batches >= self.faults.fail_after_batches:
            self._fail("fail_after_batches")
        self.batches += 1

    def _text(self, prompt: str, seed: int | None) -> str:
        if self.config.answers == "hash":
            return fake_answer(prompt, seed)
        return gold_answer(prompt, self.gold, self.config.answers)

    def _result(self, req: GenRequest, wall_s: float) -> GenResult:
        s = req.sampling
        if len(req.prompt_ids) >= self.model.max_model_len:
            return too_long(req, self.model.max_model_len)
        prompt = self.tokenizer.decode(req.prompt_ids)
        text = self._text(prompt, s.seed if s.temperature > 0 else None)
        if s.ignore_eos:
            text = (text * (s.max_new_tokens // max(len(text), 1) + 1))
        ids = self.tokenizer.encode(cut_at_stop(text, s.stop)[0], add_special_tokens=False)
        finish = "stop"  # at a stop string or at the end of the answer (EOS)
        if len(ids) > s.max_new_tokens:
            ids, finish = ids[: s.max_new_tokens], "length"
        return GenResult(self.tokenizer.decode(ids), finish, len(req.prompt_ids), len(ids), wall_s)

    def answer(self, req: GenRequest, wall_s: float = 0.0) -> GenResult:
        """One generation's result (no fault, no sleep): what every face of the fake returns for it."""
        return self._result(req, wall_s)

    def score(self, req: LLRequest, wall_s: float = 0.0) -> LLResult:
        """One continuation's log-likelihood (and greedy flag when asked)."""
        greedy = fake_greedy(req.context_ids, req.continuation_ids) if req.need_greedy else None
        n = len(req.context_ids) + len(req.continuation_ids)
        return LLResult(fake_logprob(req.context_ids, req.continuation_ids), greedy, n, wall_s)

    def _steps_needed(self, req: GenRequest) -> int:
        return max(self._result(req, 0.0).output_tokens, 1)

    def stream_generate(self, requests: Sequence[tuple[str, GenRequest]]) -> Iterator[tuple[str, GenResult]]:
        if not self.config.streaming:
            yield from batched(self.generate, requests, self.config.batch_size)
            return
        clock = Stopwatch()
        waiting = list(requests)
        running: dict[str, tuple[GenRequest, int]] = {}
        while waiting or running:
            while waiting and len(running) < self.max_num_seqs:
                key, req = waiting.pop(0)
                if len(req.prompt_ids) >= self.model.max_model_len:
                    self._handing_out()
                    yield key, too_long(req, self.model.max_model_len)
                    continue
                running[key] = (req, self._steps_needed(req))
            if self.step_s:
                time.sleep(self.step_s)
            for key in list(running):
                req, left = running[key]
                if left <= 1:
                    del running[key]
                    self._handing_out()
                    yield key, self.answer(req, clock())
                else:
                    running[key] = (req, left - 1)

    def stream_loglikelihood(self, requests: Sequence[tuple[str, LLRequest]]) -> Iterator[tuple[str, LLResult]]:
        if not self.config.streaming:
            yield from batched(self.loglikelihood, requests, self.config.batch_size)
            return
        clock = Stopwatch()
        for i, (key, req) in enumerate(requests):
            if self.step_s and i % self.max_num_seqs == 0:
                time.sleep(self.step_s)
            self._handing_out()
            yield key, self.score(req, clock())

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        return self._batch(requests, self.stream_generate, self.answer)

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        return self._batch(requests, self.stream_loglikelihood, self.score)

    def _batch(self, requests: list[Any], stream: Callable[..., Iterator[tuple[str, Any]]],
               each: Callable[[Any, float], Any]) -> list[Any]:
        """One batch call: through the stream when streaming, else one step for the whole batch."""
        self._batch_call()
        if self.config.streaming:
            return collect(stream, requests)
        clock = Stopwatch()
        if self.step_s:
            time.sleep(self.step_s)
        out = []
        for req in requests:
            self._handing_out()
            out.append(each(req, clock()))
        return out

    def close(self) -> None:
        pass
