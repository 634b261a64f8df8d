"""The fake backend as an lm-eval `LM`: lm-eval's own evaluator scores the same fake model.

    lm = fake_lm(FakeBackend(model), Encoder(model, backend.tokenizer, chat=False).context)
    lm_eval.evaluator.evaluate(lm, {"tasks": {...}})

Every answer comes from the backend's own `answer` / `score`, on the token ids the harness would
send (`context_ids` is the harness's encoding of a context text), so the harness's scores and
lm-eval's see the same numbers and any difference is a difference in how they are computed.
lm-eval is imported when this is called, never at import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from harness.backends.base import GenRequest, LLRequest, SamplingSettings, split_trailing_space
from harness.backends.chat import encode_continuation
from harness.backends.fake import FakeBackend

LM_EVAL_MAX_GEN_TOKS = 256  # lm-eval's default `max_gen_toks`


def fake_lm(backend: FakeBackend, context_ids: Callable[[str], Sequence[int]]) -> Any:
    """An lm-eval `LM` answering as `backend` does; `context_ids` encodes a context text."""
    from lm_eval.api.model import LM

    tokenizer = backend.tokenizer

    class FakeLM(LM):
        def loglikelihood(self, requests: list[Any], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
            out = []
            for r in requests:
                context, continuation = split_trailing_space(r.args[0], r.args[1])
                req = LLRequest(tuple(context_ids(context)), tuple(encode_continuation(continuation, tokenizer)),
                                need_greedy=True)
                result = backend.score(req)
                out.append((result.logprob, bool(result.is_greedy)))
            return out

        def generate_until(self, requests: list[Any], disable_tqdm: bool = False) -> list[str]:
            out = []
            for r in requests:
                kwargs = r.args[1]
                sampling = SamplingSettings(max_new_tokens=int(kwargs.get("max_gen_toks", LM_EVAL_MAX_GEN_TOKS)),
                                            stop=tuple(kwargs.get("until", [])))
                out.append(backend.answer(GenRequest(tuple(context_ids(r.args[0])), sampling)).text)
            return out

        def loglikelihood_rolling(self, requests: list[Any], disable_tqdm: bool = False) -> list[float]:
            raise NotImplementedError

    return FakeLM()
