"""HF transformers backend, for architectures vLLM cannot run (or to cross-check vLLM).

Same interface and records as the vLLM backend; runs on CPU or a single/auto-mapped GPU.
Greedy requests run in left-padded batches; sampled decoding runs one request at a time, seeded
per request. Log-likelihood runs a
shared context once per item and the LM head only at continuation positions.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from dataclasses import replace
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
    cut_at_stop,
    ll_span,
    too_long,
)
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


class HFBackend:
    name = "hf"
    MAX_BATCH = 64  # greedy sequences generated together

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelLoadError(f"model '{model.id}': transformers/torch missing ({exc})") from None
        self.torch = torch
        self.model_spec = model
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
        # A greedy batch holds at most this many rows x (longest prompt + largest budget) tokens.
        self.batch_tokens = 262_144 if self.device == "cuda" else 16_384
        dtype = "auto" if model.dtype == "auto" else getattr(torch, model.dtype)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(
                weights.location, revision=weights.revision, trust_remote_code=model.trust_remote_code)
            self.model = AutoModelForCausalLM.from_pretrained(
                weights.location, revision=weights.revision, dtype=dtype,
                trust_remote_code=model.trust_remote_code,
                device_map="auto" if self.device == "cuda" else None,
            )
        except Exception as exc:  # noqa: BLE001 - any load failure is a model-load failure
            raise ModelLoadError(f"model '{model.id}': transformers failed to load: {exc}") from exc
        if self.device == "cpu":
            self.model.to("cpu")
        self.model.eval()
        # Every id generation stops at: the tokenizer's EOS and the generation config's (a list for
        # chat models with an end-of-turn token).
        config_eos = getattr(getattr(self.model, "generation_config", None), "eos_token_id", None)
        eos = [self.tokenizer.eos_token_id, *(config_eos if isinstance(config_eos, list) else [config_eos])]
        self.eos_ids = {i for i in eos if isinstance(i, int)}
        self.engine_info = {"engine": "hf", "device": self.device,
                            "dtype": str(self.model.dtype).removeprefix("torch."),
                            "generation": "greedy: left-padded batches; sampled: one request at a time",
                            "loglikelihood": "shared context, LM head at continuation positions"}
        self.skip_special_tokens = model.reasoning.format != "harmony"

    def stream_generate(self, requests: Sequence[tuple[str, GenRequest]]) -> Iterator[tuple[str, GenResult]]:
        """Greedy requests with the same settings but for their budgets run in left-padded batches:
        similar budgets and prompt lengths together, at most `MAX_BATCH` rows and `batch_tokens`
        tokens per batch, each row cut at its own budget (exact, since greedy decoding of a longer
        budget starts with the shorter one's tokens). A sampled request runs alone, seeded by its
        own seed. Results are yielded batch by batch."""
        clock = Stopwatch()
        greedy: dict[SamplingSettings, list[tuple[str, GenRequest]]] = {}
        for key, req in requests:
            if len(req.prompt_ids) >= self.model_spec.max_model_len:
                yield key, too_long(req, self.model_spec.max_model_len)
            elif req.sampling.temperature > 0:
                text, finish, n_new = self._generate([req])[0]
                yield key, GenResult(text, finish, len(req.prompt_ids), n_new, clock())
            else:  # neither the seed nor the budget changes a greedy row's tokens
                greedy.setdefault(replace(req.sampling, seed=None, max_new_tokens=0), []).append((key, req))
        for members in greedy.values():
            members.sort(key=lambda kr: (kr[1].sampling.max_new_tokens, len(kr[1].prompt_ids)))
            for batch in self._batches(members):
                outs = self._generate([req for _, req in batch])
                for (key, req), (text, finish, n_new) in zip(batch, outs, strict=True):
                    yield key, GenResult(text, finish, len(req.prompt_ids), n_new, clock())

    def _batches(self, members: list[tuple[str, GenRequest]]) -> Iterator[list[tuple[str, GenRequest]]]:
        """Consecutive runs of `members` within `MAX_BATCH` rows and rows x (longest prompt +
        largest budget) tokens."""
        batch: list[tuple[str, GenRequest]] = []
        for kr in members:
            rows = [req for _, req in batch] + [kr[1]]
            width = max(len(r.prompt_ids) for r in rows) + max(r.sampling.max_new_tokens for r in rows)
            if batch and (len(rows) > self.MAX_BATCH or len(rows) * width > self.batch_tokens):
                yield batch
                batch = []
            batch.append(kr)
        if batch:
            yield batch

    def _generate(self, reqs: list[GenRequest]) -> list[tuple[str, str, int]]:
        """Generate for requests that differ at most in their budgets (greedy) — left-padded when
        more than one — and cut each row at its own budget."""
        torch = self.torch
        s = reqs[0].sampling
        max_new = max(r.sampling.max_new_tokens for r in reqs)
        pad = self.tokenizer.pad_token_id
        if pad is None:
            pad = self.tokenizer.eos_token_id if self.tokenizer.eos_token_id is not None else 0
        width = max(len(r.prompt_ids) for r in reqs)
        ids = torch.tensor([[pad] * (width - len(r.prompt_ids)) + list(r.prompt_ids) for r in reqs],
                           device=self.model.device)
        mask = torch.tensor([[0] * (width - len(r.prompt_ids)) + [1] * len(r.prompt_ids) for r in reqs],
                            device=self.model.device)
        kwargs: dict[str, Any] = {"max_new_tokens": max_new, "do_sample": s.temperature > 0, "pad_token_id": pad}
        if s.temperature > 0:
            kwargs.update(temperature=s.temperature, top_p=s.top_p, min_p=s.min_p or None,
                          top_k=s.top_k if s.top_k > 0 else 0)
            torch.manual_seed(s.seed or 0)
        if s.repetition_penalty != 1.0:
            kwargs["repetition_penalty"] = s.repetition_penalty
        if s.stop:
            kwargs.update(stop_strings=list(s.stop), tokenizer=self.tokenizer)
        if s.ignore_eos:
            kwargs.update(min_new_tokens=max_new)
        with torch.no_grad():
            out = self.model.generate(ids, attention_mask=mask, **kwargs)
        rows = out[:, width:].tolist()
        return [self._finish(row[: r.sampling.max_new_tokens], r.sampling, pad if len(reqs) > 1 else None)
                for row, r in zip(rows, reqs, strict=True)]

    def _finish(self, new: list[int], s: SamplingSettings, pad: int | None) -> tuple[str, str, int]:
        """Text, finish reason and new-token count of one generated row."""
        hit_eos = False
        if not s.ignore_eos:
            cut = min((new.index(e) for e in self.eos_ids if e in new), default=-1)
            if cut >= 0:
                new, hit_eos = new[:cut], True
        if pad is not None and s.stop and not hit_eos:
            # A batch row that ended on a stop string is filled with padding up to the longest row.
            while new and new[-1] == pad:
                new = new[:-1]
        text = self.tokenizer.decode(new, skip_special_tokens=self.skip_special_tokens)
        text, hit_stop = cut_at_stop(text, s.stop)
        finish = "stop" if (hit_eos or hit_stop or len(new) < s.max_new_tokens) else "length"
        return text, finish, len(new)

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        return collect(self.stream_generate, requests)

    def stream_loglikelihood(self, requests: Sequence[tuple[str, LLRequest]]) -> Iterator[tuple[str, LLResult]]:
        """Requests sharing a context (the choices of one item) are scored together: the context
        runs once, its KV cache is shared by every continuation, and the LM head runs only at the
        continuation positions."""
        clock = Stopwatch()
        groups: dict[tuple[int, ...], list[tuple[str, list[int]]]] = {}
        for key, req in requests:
            ids, begin = ll_span(req, self.model_spec.max_model_len)
            groups.setdefault(tuple(ids[:begin]), []).append((key, ids[begin:]))
        for context, members in groups.items():
            scores = self._score_shared_context(list(context), [cont for _, cont in members])
            for (key, cont), (logprob, greedy) in zip(members, scores, strict=True):
                yield key, LLResult(logprob, greedy, len(context) + len(cont), clock())

    def _score_shared_context(self, context: list[int], conts: list[list[int]]) -> list[tuple[float, bool]]:
        torch = self.torch
        device = self.model.device
        with torch.no_grad():
            first = self.model(torch.tensor([context], device=device), use_cache=True, logits_to_keep=1)
            first_logp = torch.log_softmax(first.logits[0, -1].float(), dim=-1)
            totals = [float(first_logp[c[0]]) for c in conts]
            greedy = [int(first_logp.argmax()) == c[0] for c in conts]
            # Continuation token j is predicted from the row of token j-1: feed each continuation
            # but its last token, right-padded, after the shared context (padding comes after every
            # real token, so causal attention keeps it out of the real rows).
            width = max(len(c) for c in conts) - 1
            if width > 0:
                rows = [c[:-1] + [0] * (width - len(c) + 1) for c in conts]
                mask = torch.ones((len(conts), len(context) + width), dtype=torch.long, device=device)
                for b, c in enumerate(conts):
                    mask[b, len(context) + len(c) - 1:] = 0
                cache = first.past_key_values
                cache.batch_repeat_interleave(len(conts))
                logits = self.model(torch.tensor(rows, device=device), attention_mask=mask,
                                    past_key_values=cache, use_cache=False).logits.float()
                logp = torch.log_softmax(logits, dim=-1)
                for b, c in enumerate(conts):
                    n = len(c) - 1
                    if n:
                        targets = torch.tensor(c[1:], device=device)
                        picked = logp[b, :n].gather(1, targets[:, None]).squeeze(1)
                        totals[b] += float(picked.sum())
                        greedy[b] = greedy[b] and bool((logp[b, :n].argmax(-1) == targets).all())
        return list(zip(totals, greedy, strict=True))

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        return collect(self.stream_loglikelihood, requests)

    def full_forward_scores(self, requests: list[LLRequest]) -> list[LLResult]:
        """The previous path: one full forward pass and a full log-softmax per request (for checks)."""
        torch = self.torch
        results = []
        for req in requests:
            start = time.perf_counter()
            ids, begin = ll_span(req, self.model_spec.max_model_len)
            x = torch.tensor([ids], device=self.model.device)
            with torch.no_grad():
                logits = self.model(x).logits[0].float()
            logprobs = torch.log_softmax(logits[:-1], dim=-1)
            targets = x[0, 1:]
            span = slice(begin - 1, len(ids) - 1)
            picked = logprobs[span].gather(1, targets[span].unsqueeze(1)).squeeze(1)
            greedy = bool((logprobs[span].argmax(-1) == targets[span]).all())
            results.append(LLResult(float(picked.sum()), greedy, len(ids), time.perf_counter() - start))
        return results

    def close(self) -> None:
        del self.model
        import gc

        gc.collect()
