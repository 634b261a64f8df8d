"""HF transformers backend, for architectures vLLM cannot run (or to cross-check vLLM).

Same interface and records as the vLLM backend; runs on CPU or a single/auto-mapped GPU.
Greedy decoding is deterministic; sampled decoding is seeded per request.
"""

from __future__ import annotations

import time
from typing import Any

from harness.backends.base import EngineSettings, GenRequest, GenResult, LLRequest, LLResult, too_long
from harness.errors import ModelLoadError
from harness.specs import ModelSpec
from harness.weights import ResolvedWeights


class HFBackend:
    name = "hf"

    def __init__(self, model: ModelSpec, weights: ResolvedWeights, settings: EngineSettings) -> None:
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise ModelLoadError(f"model '{model.id}': transformers/torch missing ({exc})") from None
        self.torch = torch
        self.model_spec = model
        self.device = "cuda" if torch.cuda.is_available() else "cpu"
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
        self.skip_special_tokens = model.reasoning.format != "harmony"

    def _stop_at(self, text: str, stops: tuple[str, ...]) -> tuple[str, bool]:
        cut = min((text.find(s) for s in stops if s and s in text), default=-1)
        return (text[:cut], True) if cut >= 0 else (text, False)

    def generate(self, requests: list[GenRequest]) -> list[GenResult]:
        torch = self.torch
        results = []
        for req in requests:
            if len(req.prompt_ids) >= self.model_spec.max_model_len:
                results.append(too_long(req, self.model_spec.max_model_len))
                continue
            s = req.sampling
            start = time.perf_counter()
            ids = torch.tensor([list(req.prompt_ids)], device=self.model.device)
            kwargs: dict[str, Any] = {"max_new_tokens": s.max_new_tokens, "do_sample": s.temperature > 0}
            if s.temperature > 0:
                kwargs.update(temperature=s.temperature, top_p=s.top_p, min_p=s.min_p or None,
                              top_k=s.top_k if s.top_k > 0 else 0)
                torch.manual_seed(s.seed or 0)
            if s.repetition_penalty != 1.0:
                kwargs["repetition_penalty"] = s.repetition_penalty
            if s.stop:
                kwargs.update(stop_strings=list(s.stop), tokenizer=self.tokenizer)
            with torch.no_grad():
                out = self.model.generate(ids, attention_mask=torch.ones_like(ids), **kwargs)
            new = out[0, ids.shape[1]:].tolist()
            eos = self.tokenizer.eos_token_id
            hit_eos = eos is not None and eos in new
            if hit_eos:
                new = new[: new.index(eos)]
            text = self.tokenizer.decode(new, skip_special_tokens=self.skip_special_tokens)
            text, hit_stop = self._stop_at(text, s.stop)
            finish = "stop" if (hit_eos or hit_stop or len(new) < s.max_new_tokens) else "length"
            results.append(GenResult(text, finish, len(req.prompt_ids), len(new), time.perf_counter() - start))
        return results

    def loglikelihood(self, requests: list[LLRequest]) -> list[LLResult]:
        torch = self.torch
        results = []
        limit = self.model_spec.max_model_len
        for req in requests:
            start = time.perf_counter()
            ids = (list(req.context_ids) + list(req.continuation_ids))[-limit:]
            n_cont = len(req.continuation_ids)
            x = torch.tensor([ids], device=self.model.device)
            with torch.no_grad():
                logits = self.model(x).logits[0].float()
            logprobs = torch.log_softmax(logits[:-1], dim=-1)
            targets = x[0, 1:]
            # With an empty context the first token has no prediction: score from position 1,
            # as the vLLM backend does.
            span = slice(max(len(ids) - 1 - n_cont, 0), len(ids) - 1)
            picked = logprobs[span].gather(1, targets[span].unsqueeze(1)).squeeze(1)
            greedy = bool((logprobs[span].argmax(-1) == targets[span]).all())
            results.append(LLResult(float(picked.sum()), greedy, len(ids), time.perf_counter() - start))
        return results

    def close(self) -> None:
        del self.model
        import gc

        gc.collect()
