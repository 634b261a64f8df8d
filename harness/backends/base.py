"""Backend interface: token-level requests in, results with their provenance out.

Both backends (vLLM, HF) implement `generate` and `loglikelihood` on these dataclasses, and
`HarnessLM` exposes them to lm-eval as an `lm_eval.api.model.LM` (generate_until, loglikelihood),
so lm-eval's own tasks can run through the same engine.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class SamplingSettings:
    """Effective sampling parameters, recorded with every request."""

    temperature: float = 0.0
    top_p: float = 1.0
    top_k: int = -1
    min_p: float = 0.0
    repetition_penalty: float = 1.0
    max_new_tokens: int = 256
    stop: tuple[str, ...] = ()
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
            "min_p": self.min_p, "repetition_penalty": self.repetition_penalty,
            "max_new_tokens": self.max_new_tokens, "stop": list(self.stop), "seed": self.seed,
        }


@dataclass(frozen=True)
class GenRequest:
    prompt_ids: tuple[int, ...]
    sampling: SamplingSettings
    # The chat turns behind `prompt_ids` (None for plain-text prompts): a chat endpoint sends these
    # and applies its own template; every other backend reads only the token ids.
    messages: tuple[dict[str, str], ...] | None = None


@dataclass(frozen=True)
class GenResult:
    text: str
    finish_reason: str  # "stop" | "length" | "error"
    prompt_tokens: int
    output_tokens: int
    wall_s: float
    error: str | None = None
    # Endpoints: reasoning the server returned apart from the answer (then `text` is the answer
    # alone), and which server produced the result (base_url, server-reported model and version).
    reasoning: str | None = None
    served_by: dict[str, str] | None = None


@dataclass(frozen=True)
class LLRequest:
    context_ids: tuple[int, ...]
    continuation_ids: tuple[int, ...]


@dataclass(frozen=True)
class LLResult:
    logprob: float
    is_greedy: bool
    prompt_tokens: int
    wall_s: float
    error: str | None = None  # an endpoint that failed after its retries (then logprob is nan)
    served_by: dict[str, str] | None = None


@dataclass
class EngineSettings:
    """Transport knobs (not part of a run's identity)."""

    gpu_memory_utilization: float | None = None
    enforce_eager: bool | None = None  # None = True on CPU (compile time dominates small runs)
    tensor_parallel_size: int = 1
    pipeline_parallel_size: int = 1
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    name: str
    tokenizer: Any

    def generate(self, requests: list[GenRequest]) -> list[GenResult]: ...

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]: ...

    def close(self) -> None: ...


def too_long(req: GenRequest, max_model_len: int) -> GenResult:
    """A prompt that cannot fit is an error, counted as such, never a silent truncation."""
    n = len(req.prompt_ids)
    return GenResult("", "error", n, 0, 0.0, error=f"prompt has {n} tokens, max_model_len is {max_model_len}")


def split_trailing_space(context: str, continuation: str) -> tuple[str, str]:
    """Move trailing whitespace from the context to the continuation (as lm-eval does)."""
    n = len(context) - len(context.rstrip())
    if n:
        return context[:-n], context[-n:] + continuation
    return context, continuation
