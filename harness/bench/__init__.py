"""`harness bench`: honest throughput numbers for the code path `harness run` uses.

Workloads (see `harness.bench.workloads`), all on one engine in one process:
- `short`         (a) short greedy answers — output tokens/s, harness vs raw `LLM.generate`;
- `reasoning`     (b) heavy-tailed output lengths with `ignore_eos` — the same;
- `loglikelihood` (c) ARC-style 4-choice log-likelihood — requests/s, harness vs the previous path;
and in their own processes:
- `kill`          requests redone after `kill -9` of `harness run` at a random point;
- `arc`           full ARC-Easy against the previous path and lm-eval's HF backend (`harness.bench.arc`).
"""

from __future__ import annotations

import os
import time
from typing import Any

ENGINE_WORKLOADS = ("short", "reasoning", "loglikelihood")


def engine_benchmarks(model_id: str, workloads: list[str], prompts: int | None, rounds: int) -> dict[str, Any]:
    """Workloads (a)–(c) on one vLLM engine built exactly as `harness run` builds it."""
    import tempfile
    from pathlib import Path

    from harness.backends.base import engine_info
    from harness.backends.vllm_backend import VLLMBackend
    from harness.bench import throughput
    from harness.bench import workloads as wl
    from harness.bench.arc import planned_model

    planned = planned_model(model_id)
    model = planned.spec
    t0 = time.perf_counter()
    backend = VLLMBackend(model, planned.weights, planned.engine)
    out: dict[str, Any] = {"model": model_id, "dtype": planned.effective.dtype.as_dict(), "rounds": rounds,
                           "engine_load_s": round(time.perf_counter() - t0, 1), "engine": engine_info(backend),
                           "cpu_count": os.cpu_count(), "loadavg_start": os.getloadavg()[0]}
    try:
        tok = backend.tokenizer
        if "short" in workloads:
            out["short"] = throughput.generation(backend, wl.short_answers(tok, prompts or 32), rounds)
        if "reasoning" in workloads:
            requests = wl.reasoning_like(tok, prompts or 48)
            budgets = [r.request.sampling.max_new_tokens for r in requests.values()]  # type: ignore[union-attr]
            out["reasoning"] = {"budgets": {"min": min(budgets), "max": max(budgets), "sum": sum(budgets)},
                                **throughput.generation(backend, requests, rounds)}
        if "loglikelihood" in workloads:
            with tempfile.TemporaryDirectory() as tmp:
                _, requests, _ = wl.arc_items(model, tok, prompts or 100, Path(tmp))
            out["loglikelihood"] = throughput.loglikelihood(backend, requests, rounds)
    finally:
        backend.close()
    out["loadavg_end"] = os.getloadavg()[0]
    return out
