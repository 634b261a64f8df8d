"""Benchmark workloads as the runner's own typed requests (`PlannedRequest`), on real items.

(a) short answers: GSM8K questions, greedy, up to 64 new tokens (stops at EOS);
(b) reasoning-like: per-request budgets from a heavy-tailed (Pareto) law, `ignore_eos`, so every
    path generates exactly the same number of tokens;
(c) log-likelihood: ARC-Easy items through the real planner (4 choices sharing one context).
"""

from __future__ import annotations

import json
import random
from dataclasses import replace
from pathlib import Path
from typing import Any

from harness import provenance
from harness.backends.base import GenRequest, SamplingSettings
from harness.run.plans import PlannedRequest
from harness.run.task_runner import plan_task
from harness.specs import ModelSpec
from harness.tasks.base import data_dir
from harness.tasks.native import PlannedItem, build_items


def questions(n: int) -> list[str]:
    """The first n GSM8K test questions from the local mirror (synthetic ones without it)."""
    root = data_dir()
    out: list[str] = []
    path = root / "gsm8k" / "test.jsonl" if root is not None else None
    if path is not None and path.is_file():
        out = [json.loads(x)["question"] for x in path.read_text(encoding="utf-8").split("\n")[:n] if x]
    while len(out) < n:
        out.append(f"Question {len(out)}: what is {len(out)} plus 17?")
    return out


def _prompt_ids(tokenizer: Any, question: str) -> tuple[int, ...]:
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    return tuple(bos + tokenizer.encode(f"Question: {question}\nAnswer:", add_special_tokens=False))


def _keyed(prompts: list[tuple[int, ...]], budgets: list[int], ignore_eos: bool) -> dict[str, PlannedRequest]:
    out = {}
    for i, (ids, budget) in enumerate(zip(prompts, budgets, strict=True)):
        sampling = SamplingSettings(temperature=0.0, max_new_tokens=budget, ignore_eos=ignore_eos)
        key = provenance.request_key(str(ids), sampling.as_dict(), 0)
        out[key] = PlannedRequest(key, str(i), 0, GenRequest(ids, sampling))
    return out


def short_answers(tokenizer: Any, n: int = 32, max_new_tokens: int = 64) -> dict[str, PlannedRequest]:
    """(a): greedy short answers; each stops at EOS or the budget."""
    return _keyed([_prompt_ids(tokenizer, q) for q in questions(n)], [max_new_tokens] * n, ignore_eos=False)


def heavy_tailed_budgets(n: int, seed: int = 0, low: int = 4, cap: int = 348, alpha: float = 0.8) -> list[int]:
    """Output lengths from a Pareto law (most short, a few very long), like reasoning traces."""
    rng = random.Random(seed)
    return [min(cap, int(low * rng.paretovariate(alpha))) for _ in range(n)]


def reasoning_like(tokenizer: Any, n: int = 48, seed: int = 0, cap: int = 348) -> dict[str, PlannedRequest]:
    """(b): heavy-tailed lengths with `ignore_eos`, so raw and harness paths make identical tokens."""
    return _keyed([_prompt_ids(tokenizer, q) for q in questions(n)], heavy_tailed_budgets(n, seed, cap=cap),
                  ignore_eos=True)


def arc_items(model: ModelSpec, tokenizer: Any, n: int | None, results: Path,
              start: int = 0) -> tuple[list[PlannedItem], dict[str, PlannedRequest], Any]:
    """(c): ARC-Easy test items [start, start + n) with their 4-choice requests, built by the runner's
    planner (the real prompts, BOS and request keys)."""
    from harness.config import load_catalog
    from harness.tasks.base import TaskData

    task = load_catalog().tasks["arc_easy"]
    plan = plan_task(model, task, None, None, results)
    docs = plan.data.docs[start:start + n if n else None]
    plan = replace(plan, data=TaskData(docs, plan.data.fewshot_pool))
    items, requests = build_items(model, plan, tokenizer)
    return items, requests, plan
