"""lm-eval Instances → the harness's own requests (GenRequest / LLRequest keyed by request key).

lm-eval builds every prompt (`Task.build_all_requests`: few-shot context, templates, chat template);
the harness tokenizes them with the model's BOS policy, the same way as its native tasks (context and
continuation encoded separately, trailing spaces moved into the continuation as lm-eval does), and
sends them through its backends, so persistence and resume are the runner's. Request types:
- `loglikelihood` (multiple_choice tasks send one per choice): one LLRequest;
- `loglikelihood_rolling` (perplexity): one LLRequest per rolling window, summed;
- `generate_until`: one GenRequest per repeat, sampling from the task's `generation_kwargs` (until,
  max_gen_toks, do_sample, temperature, top_p, top_k) over the model's settings. A reasoning model
  gets at least its own `max_new_tokens`: lm-eval's default of 256 would truncate its thinking.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from harness import provenance
from harness.backends.base import GenRequest, LLRequest, SamplingSettings, split_trailing_space
from harness.backends.chat import encode_continuation, encode_prompt, fix_bos, fold_system, template_kwargs
from harness.errors import InputError
from harness.lm_eval_tasks.build import quiet
from harness.run.plans import PlannedRequest
from harness.specs import ModelSpec
from harness.tasks.base import Prompt

LM_EVAL_DEFAULT_MAX_GEN_TOKS = 256  # lm_eval.defaults.DEFAULT_MAX_GEN_TOKS
Requests = dict[str, PlannedRequest]


@dataclass
class InstancePlan:
    """One lm-eval Instance and the request keys that answer it (one per repeat or rolling window)."""

    instance: Any
    keys: tuple[str, ...]
    kind: str  # the lm-eval request type


def uses_chat(model: ModelSpec, tokenizer: Any) -> bool:
    """Chat prompts exactly when native tasks use them: an instruct model whose tokenizer has a template."""
    return model.chat_template and model.kind != "base" and bool(getattr(tokenizer, "chat_template", None))


def _renderer(model: ModelSpec, tokenizer: Any) -> Any:
    def render(messages: list[dict[str, str]], add_generation_prompt: bool = True) -> str:
        turns = [dict(m) for m in messages]
        if not model.system_prompt:
            turns = fold_system(turns)
        return str(tokenizer.apply_chat_template(turns, tokenize=False, add_generation_prompt=add_generation_prompt,
                                                 **template_kwargs(model)))

    return render


def _identity(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()[:16]


class Encoder:
    """Text → token ids for one model: plain prompts get the tokenizer default, templated ones none;
    the model's BOS policy applies to both (harness.backends.chat)."""

    def __init__(self, model: ModelSpec, tokenizer: Any, chat: bool) -> None:
        self.model, self.tokenizer, self.chat = model, tokenizer, chat
        self.prefix = getattr(tokenizer, "bos_token_id", None)
        if self.prefix is None:
            self.prefix = getattr(tokenizer, "eos_token_id", None)
        self._seen: dict[str, tuple[int, ...]] = {}  # multiple-choice items share one context

    def context(self, text: str) -> tuple[int, ...]:
        if text not in self._seen:
            self._seen[text] = self._encode(text)
        return self._seen[text]

    def _encode(self, text: str) -> tuple[int, ...]:
        if self.chat:
            ids = fix_bos(list(self.tokenizer.encode(text, add_special_tokens=False)), self.model,
                          getattr(self.tokenizer, "bos_token_id", None))
        else:
            ids = encode_prompt(Prompt(text=text), self.model, self.tokenizer)
        if not ids and self.prefix is not None:
            ids = [self.prefix]  # an empty context (unconditional likelihoods) is scored after BOS
        return tuple(ids)


def sampling_for(gen_kwargs: dict[str, Any] | None, model: ModelSpec, prompt_len: int, seed: int) -> SamplingSettings:
    """The effective sampling of a generate_until request (recorded with each generation)."""
    g, kw = model.generation, dict(gen_kwargs or {})
    until = kw.get("until") or []
    do_sample = kw.get("do_sample")
    if do_sample is False:
        temperature = 0.0
    elif "temperature" in kw:
        temperature = float(kw["temperature"])
    else:
        temperature = (g.temperature or 1.0) if do_sample else g.temperature
    budget = int(kw.get("max_gen_toks", LM_EVAL_DEFAULT_MAX_GEN_TOKS))
    if model.kind == "reasoning":
        budget = max(budget, g.max_new_tokens)
    return SamplingSettings(
        temperature=temperature, top_p=float(kw.get("top_p", g.top_p)), top_k=int(kw.get("top_k", g.top_k)),
        min_p=g.min_p, repetition_penalty=g.repetition_penalty,
        max_new_tokens=min(budget, max(model.max_model_len - prompt_len, 1)),
        stop=tuple([until] if isinstance(until, str) else until), seed=seed,
    )


def build_instances(task: Any, model: ModelSpec, tokenizer: Any, limit: int | None, fewshot_seed: int) -> list[Any]:
    """lm-eval's own request construction for the first `limit` documents (seeded few-shot draws)."""
    chat = uses_chat(model, tokenizer)
    task.set_fewshot_seed(seed=fewshot_seed)
    with quiet():
        task.build_all_requests(limit=limit, apply_chat_template=chat, fewshot_as_multiturn=chat,
                                chat_template=_renderer(model, tokenizer) if chat else None,
                                tokenizer_name=model.id if chat else "")
    return list(task.instances)


def plan_requests(instances: list[Any], model: ModelSpec, tokenizer: Any) -> tuple[list[InstancePlan], Requests]:
    """Harness requests for lm-eval instances, deduplicated by request key."""
    enc = Encoder(model, tokenizer, uses_chat(model, tokenizer))
    plans: list[InstancePlan] = []
    requests: Requests = {}
    for inst in instances:
        doc_id = str(inst.doc_id)
        kind = inst.request_type
        if kind == "loglikelihood":
            context, continuation = split_trailing_space(inst.args[0], inst.args[1])
            key = provenance.request_key(_identity("ll", context, continuation), {}, 0)
            requests[key] = PlannedRequest(key, doc_id, 0, LLRequest(enc.context(context), tuple(encode_continuation(
                continuation, tokenizer))))
            keys: tuple[str, ...] = (key,)
        elif kind == "loglikelihood_rolling":
            keys = _rolling(inst.args[0], enc, model, requests, doc_id)
        elif kind == "generate_until":
            ids = enc.context(inst.args[0])
            keys = ()
            for k in range(inst.repeats or 1):
                seed = int(hashlib.sha256(f"{model.generation.seed}:{inst.doc_id}:{k}".encode()).hexdigest()[:8], 16)
                sampling = sampling_for(inst.args[1], model, len(ids), seed)
                key = provenance.request_key(_identity("gen", inst.args[0]), sampling.as_dict(), k)
                requests[key] = PlannedRequest(key, doc_id, k, GenRequest(ids, sampling))
                keys += (key,)
        else:
            raise InputError(f"lm-eval request type '{kind}' is not supported", "pick a text task")
        plans.append(InstancePlan(inst, keys, kind))
    if len({r.kind for r in requests.values()}) > 1:
        # lm-eval's scoring of a task expects one request type; the harness keeps to that.
        raise InputError("this lm-eval task mixes generation and log-likelihood requests",
                         "run it with lm-eval itself; the harness runs tasks of one request type")
    return plans, requests


def _rolling(text: str, enc: Encoder, model: ModelSpec, requests: Requests, doc_id: str) -> tuple[str, ...]:
    """Disjoint rolling windows over a whole document, as lm-eval's HF model scores perplexity."""
    from lm_eval.utils import get_rolling_token_windows, make_disjoint_window

    tokens = encode_continuation(text, enc.tokenizer)
    # A window's context + targets is its model input plus one token; the backends score sequences of
    # at most max_model_len - 1 tokens (one position is left for the sampled token).
    windows = get_rolling_token_windows(token_list=tokens, prefix_token=enc.prefix if enc.prefix is not None else 0,
                                        max_seq_len=model.max_model_len - 2, context_len=1)
    keys = []
    for i, window in enumerate(map(make_disjoint_window, windows)):
        context, target = window
        key = provenance.request_key(_identity("rolling", text, i), {}, 0)
        requests[key] = PlannedRequest(key, doc_id, 0, LLRequest(tuple(context), tuple(target)))
        keys.append(key)
    return tuple(keys)
