"""Backend interface: token-level requests in, results with their provenance out.

Every backend implements `generate` and `loglikelihood` (a batch in, results in input order) and
`close`, and the streaming pair `stream_generate` / `stream_loglikelihood`: every request is handed
to the engine at once and each result is yielded, with its key, the moment it finishes, so the
runner persists it at once and the engine's batch never drains between chunks. The `Backend`
protocol declares all five; mypy checks that every backend in `registry.BACKENDS` satisfies it. An
engine that can only take batches streams through `batched` (batches of `generate` calls).

lm-eval's own tasks (`lm_eval:<name>`) reach the backends as these same requests
(`harness.lm_eval_tasks`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar


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
    ignore_eos: bool = False  # benchmarks only: every path generates exactly max_new_tokens

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "temperature": self.temperature, "top_p": self.top_p, "top_k": self.top_k,
            "min_p": self.min_p, "repetition_penalty": self.repetition_penalty,
            "max_new_tokens": self.max_new_tokens, "stop": list(self.stop), "seed": self.seed,
        }
        if self.ignore_eos:  # only when set, so request and run keys of ordinary runs do not change
            out["ignore_eos"] = True
        return out


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
    wall_s: float  # seconds from the start of the call (or stream) to this request's completion
    error: str | None = None
    # Endpoints: reasoning the server returned apart from the answer (then `text` is the answer
    # alone), and which server produced the result (base_url, server-reported model and version).
    reasoning: str | None = None
    served_by: dict[str, str] | None = None


@dataclass(frozen=True)
class LLRequest:
    context_ids: tuple[int, ...]
    continuation_ids: tuple[int, ...]
    # Also say whether the continuation is the greedy one. The runner's tasks never need it; the
    # lm-eval adapter asks, and a backend may take a slower path to answer it.
    need_greedy: bool = False


@dataclass(frozen=True)
class LLResult:
    logprob: float
    is_greedy: bool | None  # None when not asked for and not free to compute
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
    max_num_seqs: int | None = None  # sequences the engine runs at once (None = the engine's default)
    extra: dict[str, Any] = field(default_factory=dict)


class Backend(Protocol):
    """An engine the runner streams requests through. The streaming methods are what `execute`
    uses: each result is yielded with its key the moment the engine has it (in completion order);
    closing the iterator early aborts what the engine still holds. `generate`/`loglikelihood` are
    the batch forms (benchmarks, tests)."""

    name: str
    tokenizer: Any

    def generate(self, requests: list[GenRequest]) -> list[GenResult]: ...

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]: ...

    def stream_generate(self, requests: Sequence[tuple[str, GenRequest]]) -> Iterator[tuple[str, GenResult]]: ...

    def stream_loglikelihood(self, requests: Sequence[tuple[str, LLRequest]]) -> Iterator[tuple[str, LLResult]]: ...

    def close(self) -> None: ...


R = TypeVar("R")
T = TypeVar("T")
Keyed = Sequence[tuple[str, T]]

Stream = Generator[tuple[str, R], None, None]


def stream_generate(backend: Backend, requests: Keyed[GenRequest]) -> Stream[GenResult]:
    """Each request's result with its key as soon as the backend has it. Closing the stream early
    closes the backend's (which aborts what the engine still holds)."""
    yield from backend.stream_generate(requests)


def stream_loglikelihood(backend: Backend, requests: Keyed[LLRequest]) -> Stream[LLResult]:
    yield from backend.stream_loglikelihood(requests)


def batched(call: Callable[[list[T]], list[R]], requests: Keyed[T], size: int) -> Iterator[tuple[str, R]]:
    """The streaming form of a batch-only engine: `call` on `size` requests at a time, each result
    with its key once its batch returns."""
    for i in range(0, len(requests), size):
        batch = requests[i : i + size]
        results = call([r for _, r in batch])
        yield from zip((k for k, _ in batch), results, strict=True)


def collect(stream: Callable[[Keyed[T]], Iterator[tuple[str, R]]], requests: Sequence[T]) -> list[R]:
    """The batch form of a stream method: every request's result, in input order."""
    keyed = [(str(i), r) for i, r in enumerate(requests)]
    got = dict(stream(keyed))
    return [got[k] for k, _ in keyed]


def engine_info(backend: Backend) -> dict[str, Any]:
    """What a backend says about how it runs (process layout, effective dtype), for the manifest."""
    info = getattr(backend, "engine_info", None)
    return dict(info) if isinstance(info, dict) else {}


class Stopwatch:
    """Seconds since a stream started: the `wall_s` each result carries."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    def __call__(self) -> float:
        return round(time.perf_counter() - self.start, 4)


def ll_span(req: LLRequest, max_model_len: int) -> tuple[list[int], int]:
    """The token ids to score and the first scored position.

    The continuation is kept whole and the oldest context dropped to fit the window; with an empty
    context the first continuation token has no prediction, so scoring starts at position 1."""
    ids = (list(req.context_ids) + list(req.continuation_ids))[-(max_model_len - 1):]
    return ids, max(len(ids) - len(req.continuation_ids), 1)


def too_long(req: GenRequest, max_model_len: int) -> GenResult:
    """A prompt that cannot fit is an error, counted as such, never a silent truncation."""
    n = len(req.prompt_ids)
    return GenResult("", "error", n, 0, 0.0, error=f"prompt has {n} tokens, max_model_len is {max_model_len}")


def cut_at_stop(text: str, stops: Sequence[str]) -> tuple[str, bool]:
    """`text` up to its first stop string, and whether one was found."""
    cut = min((text.find(s) for s in stops if s and s in text), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def split_trailing_space(context: str, continuation: str) -> tuple[str, str]:
    """Move trailing whitespace from the context to the continuation (as lm-eval does)."""
    n = len(context) - len(context.rstrip())
    if n:
        return context[:-n], context[-n:] + continuation
    return context, continuation
