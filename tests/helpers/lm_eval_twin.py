"""The package's fake model (`harness.backends.fake`) twice over, with a real tokenizer: as a batch
backend for the harness (`TwinBackend`) and as an lm-eval `LM` (`twin_lm`), for the tests that
compare the harness's scoring of lm-eval tasks with lm-eval's own evaluator.

Both answer from the token ids alone: log-likelihoods and greedy flags are the package fake's
(`fake_logprob`, `fake_greedy`); a generation answers GSM8K-style questions right (from `answers`)
for some items and wrong for others. The two paths therefore see the same numbers, and any
difference in the scores is a difference in how they are computed. Unlike `backend: fake`, the twin
has no stream methods: the runner hands it batches, which `fail_after` counts (a crash midway).
"""

from __future__ import annotations

import hashlib
from typing import Any

from harness.backends.base import GenRequest, GenResult, LLRequest, LLResult, split_trailing_space
from harness.backends.chat import encode_continuation
from harness.backends.fake import fake_greedy, fake_logprob
from harness.lm_eval_tasks.requests import Encoder
from harness.specs import ModelSpec


def _unit(*parts: Any) -> float:
    return int(hashlib.sha256(repr(parts).encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def twin_logprob(context: tuple[int, ...], continuation: tuple[int, ...]) -> tuple[float, bool]:
    return fake_logprob(context, continuation), fake_greedy(context, continuation)


def fake_text(prompt: str, answers: dict[str, str]) -> str:
    """Answer the last 'Question: … Answer:' of a prompt: `answers[question]` for about half the
    questions, a wrong number for the others."""
    question = prompt.rsplit("Question:", 1)[-1].rsplit("Answer:", 1)[0].strip()
    right = answers.get(question, "0")
    answer = right if _unit(question) < 0.5 else f"{right}1"
    return f" Some steps.\n#### {answer}\n\nQuestion: next"


class TwinBackend:
    """Backend protocol; `fail_after` calls raise (a crash midway); `seen` lists every request sent."""

    name = "twin"

    def __init__(self, tokenizer: Any, fail_after: int | None = None, answers: dict[str, str] | None = None) -> None:
        self.tokenizer = tokenizer
        self.answers = answers or {}
        self.fail_after = fail_after
        self.calls = 0
        self.seen: list[Any] = []

    def _call(self, requests: list[Any]) -> None:
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("engine died")
        self.seen.extend(requests)

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        self._call(requests)
        out = []
        for r in requests:
            logprob, greedy = twin_logprob(r.context_ids, r.continuation_ids)
            out.append(LLResult(logprob, greedy, len(r.context_ids) + len(r.continuation_ids), 0.01))
        return out

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        self._call(requests)
        out = []
        for r in requests:
            text = fake_text(self.tokenizer.decode(list(r.prompt_ids), skip_special_tokens=True), self.answers)
            for stop in r.sampling.stop:
                text = text.split(stop)[0]
            out.append(GenResult(text, "stop", len(r.prompt_ids), 5, 0.01))
        return out

    def close(self) -> None:
        pass


def twin_lm(model: ModelSpec, tokenizer: Any, answers: dict[str, str] | None = None) -> Any:
    """The same fake model as an lm-eval `LM`, so lm-eval's own evaluator can score it."""
    from lm_eval.api.model import LM

    encoder = Encoder(model, tokenizer, chat=False)

    class TwinLM(LM):  # type: ignore[misc]
        def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
            out = []
            for r in requests:
                context, continuation = split_trailing_space(r.args[0], r.args[1])
                out.append(twin_logprob(encoder.context(context), tuple(encode_continuation(continuation, tokenizer))))
            return out

        def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
            out = []
            for r in requests:
                ids = list(encoder.context(r.args[0]))
                text = fake_text(tokenizer.decode(ids, skip_special_tokens=True), answers or {})
                for stop in r.args[1].get("until", []):
                    text = text.split(stop)[0]
                out.append(text)
            return out

        def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
            raise NotImplementedError

    return TwinLM()
