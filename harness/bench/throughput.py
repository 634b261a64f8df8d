"""Harness vs raw vLLM on one engine in one process: the same requests, alternating rounds.

The harness path is `harness.run.execute.execute` — the function `harness run` calls for every
task — with its persistence into a run directory. The raw path is one `vllm.LLM.generate` call over
every prompt at once. Each timed round starts with an empty prefix cache, so neither path reuses
the other's work.
"""

from __future__ import annotations

import functools
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.backends.base import GenRequest, LLRequest
from harness.run.execute import execute
from harness.run.plans import PlannedRequest
from harness.run.progress import QuietProgress
from harness.store import RunDir


def _rounds(raw: Callable[[], float], harness: Callable[[int], float], rounds: int) -> dict[str, Any]:
    """Alternate raw and harness rounds (raw first in even rounds, harness first in odd ones, so
    neither always runs on the warmer machine); each call returns its work units, timed here."""
    raw_rates: list[float] = []
    harness_rates: list[float] = []
    for r in range(rounds):
        pair: list[tuple[list[float], Callable[[], float]]] = [
            (raw_rates, raw), (harness_rates, functools.partial(harness, r))]
        for rates, call in pair if r % 2 == 0 else pair[::-1]:
            t0 = time.perf_counter()
            units = call()
            rates.append(units / (time.perf_counter() - t0))
    raw_med, h_med = statistics.median(raw_rates), statistics.median(harness_rates)
    return {"raw_per_s": round(raw_med, 2), "harness_per_s": round(h_med, 2),
            "ratio_harness_over_raw": round(h_med / raw_med, 4),
            "raw_rounds": [round(x, 2) for x in raw_rates], "harness_rounds": [round(x, 2) for x in harness_rates]}


def generation(backend: Any, requests: dict[str, PlannedRequest], rounds: int) -> dict[str, Any]:
    """Output tokens per second, raw all-at-once `LLM.generate` vs the harness's streaming execute."""
    from vllm.inputs import TokensPrompt

    from harness.backends.vllm_backend import sampling_params

    reqs = [r.request for r in requests.values()]
    assert all(isinstance(r, GenRequest) for r in reqs)
    prompts = [TokensPrompt(prompt_token_ids=list(r.prompt_ids)) for r in reqs]  # type: ignore[union-attr]
    params = [sampling_params(r.sampling, backend.skip_special_tokens) for r in reqs]  # type: ignore[union-attr]
    tokens: dict[str, int] = {}

    def raw() -> float:
        backend.llm.reset_prefix_cache()
        outs = backend.llm.generate(prompts, params, use_tqdm=False)
        tokens["raw"] = sum(len(o.outputs[0].token_ids) for o in outs)
        return tokens["raw"]

    with tempfile.TemporaryDirectory() as tmp:

        def harness(r: int) -> float:
            backend.llm.reset_prefix_cache()
            records = execute(backend, RunDir(Path(tmp), f"round{r}"), requests, QuietProgress(), "bench")
            tokens["harness"] = sum(rec.output_tokens for rec in records.values())
            return tokens["harness"]

        raw()  # warm-up
        out = _rounds(raw, harness, rounds)
    return {"requests": len(reqs), "output_tokens_raw": tokens["raw"], "output_tokens_harness": tokens["harness"],
            "unit": "output tokens/s", **out}


def loglikelihood(backend: Any, requests: dict[str, PlannedRequest], rounds: int) -> dict[str, Any]:
    """Requests per second: the previous path (all-at-once `LLM.generate` with `prompt_logprobs`)
    vs the harness's forced-decode stream; and the largest per-request score difference."""
    from vllm import SamplingParams
    from vllm.inputs import TokensPrompt

    from harness.backends.base import ll_span
    from harness.backends.vllm_backend import prompt_scores

    reqs = [r.request for r in requests.values()]
    assert all(isinstance(r, LLRequest) for r in reqs)
    spans = [ll_span(r, backend.model.max_model_len) for r in reqs]  # type: ignore[arg-type]
    prompts = [TokensPrompt(prompt_token_ids=ids) for ids, _ in spans]
    params = SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1, detokenize=False)
    scores: dict[str, list[float]] = {}

    def raw() -> float:
        backend.llm.reset_prefix_cache()
        outs = backend.llm.generate(prompts, params, use_tqdm=False)
        scores["raw"] = [prompt_scores(o, ids, begin)[0] for o, (ids, begin) in zip(outs, spans, strict=True)]  # type: ignore[index]
        return len(reqs)

    with tempfile.TemporaryDirectory() as tmp:

        def harness(r: int) -> float:
            backend.llm.reset_prefix_cache()
            records = execute(backend, RunDir(Path(tmp), f"round{r}"), requests, QuietProgress(), "bench")
            scores["harness"] = [records[k].logprob or 0.0 for k in requests]
            return len(reqs)

        raw()  # warm-up
        out = _rounds(raw, harness, rounds)
    diff = max(abs(a - b) for a, b in zip(scores["raw"], scores["harness"], strict=True))
    return {"requests": len(reqs), "unit": "requests/s", **out, "max_abs_logprob_diff": round(diff, 6)}
