"""A synthetic results directory in the documented layout (docs/results-format.md), for the report tests
and the report benchmark. Written as plain JSON (not with the harness's record classes), so that the
harness's validated reader is what checks it.

Every model × task gets one complete run: a manifest with the catalogue's resolved specs, one
`samples.jsonl` line per item × sample, and `metrics.json`. Scores follow a seeded logistic model
(model ability − task difficulty − a language penalty; thinking and higher reasoning effort help and
cost tokens), so the report's plots have structure. Outputs carry reasoning in the model's own format
(`<think>`, harmony channels), some are truncated, ungradable or backend errors, and a few carry
HTML that must be shown as text (`</script>`, an `<img>` pointing at the network).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from harness.config import Catalog
from harness.specs import ModelSpec, TaskSpec

WORDS = ("alpha beta gamma delta step total number apples each many more than left give take sum "
         "price cost per day week answer first then so because half twice remaining store bought").split()
HOSTILE = '</script><img src="http://example.invalid/x.png" onerror="alert(1)"> & <b>bold</b>'
ITEM_CAP = {"aime24": 30, "aime25": 30, "gpqa_diamond": 198, "mgsm": 250}
LANG_PENALTY = {"en": 0.0, "de": 0.15, "fr": 0.15, "es": 0.15, "it": 0.2, "pt": 0.2, "ru": 0.3, "zh": 0.25,
                "ja": 0.35, "ko": 0.4, "ar": 0.5, "hi": 0.6, "bn": 0.8, "te": 0.9, "th": 0.6, "sw": 1.1,
                "yo": 1.4, "qu": 1.6, "ht": 1.3}


@dataclass(frozen=True)
class SyntheticSummary:
    runs: int
    samples: int
    items: dict[tuple[str, str], int]  # (model, task) -> items
    samples_per_cell: dict[tuple[str, str], int]
    truncated: dict[tuple[str, str], int]
    errors: dict[tuple[str, str], int]


def _stable(text: str) -> int:
    return int(hashlib.sha256(text.encode()).hexdigest()[:8], 16)


def _words(rng: np.random.Generator, n: int) -> str:
    return " ".join(WORDS[i] for i in rng.integers(0, len(WORDS), n))


def n_items(task: TaskSpec, cap: int) -> int:
    return min(cap, ITEM_CAP.get(task.id, ITEM_CAP.get(task.group or "", cap)))


def _ability(model: ModelSpec) -> float:
    size = math.log10(max(model.active_params_b, 0.3))
    bonus = {"reasoning": 0.6, "instruct": 0.2, "base": -0.3}[model.kind]
    effort = {"low": -0.4, "medium": 0.0, "high": 0.3}.get(model.reasoning.effort or "", 0.0)
    return 0.9 * size + bonus + effort + (_stable(model.id) % 100) / 250


def _tokens(model: ModelSpec) -> float:
    if model.reasoning.effort:
        return {"low": 600.0, "medium": 1800.0, "high": 4800.0}[model.reasoning.effort]
    if model.reasoning.format == "think" and model.reasoning.enable_thinking is not False:
        return 2500.0
    return 220.0


def _answer(model: ModelSpec, reasoning: str, answer: str, truncated: bool) -> str:
    fmt = model.reasoning.format
    if fmt == "harmony":
        head = f"<|channel|>analysis<|message|>{reasoning}"
        return head if truncated else f"{head}<|end|><|start|>assistant<|channel|>final<|message|>{answer}<|return|>"
    if fmt == "think" and model.reasoning.enable_thinking is not False:
        return f"<think>\n{reasoning}" if truncated else f"<think>\n{reasoning}\n</think>\n\n{answer}"
    return f"{reasoning} {answer}"


def _gold(task: TaskSpec, i: int) -> str:
    return "ABCD"[i % 4] if task.answer_type in ("choice_letter", "likelihood_choice") else str(10 + i % 90)


def _metric(model: str, task: str, name: str, score: np.ndarray, tokens: np.ndarray, n_samples: int,
            truncated: int, ungradable: int, wall: float, rng: np.random.Generator) -> dict[str, object]:
    per_item = score.mean(axis=1)
    n = per_item.size
    boots = per_item[rng.integers(0, n, (200, n))].mean(axis=1)
    return {"schema_version": 2, "model": model, "task": task, "metric": name, "score": float(per_item.mean()),
            "stderr": float(per_item.std(ddof=1) / math.sqrt(n)) if n > 1 else 0.0,
            "ci_low": float(np.quantile(boots, 0.025)), "ci_high": float(np.quantile(boots, 0.975)),
            "n": n, "n_samples": n_samples, "n_truncated": truncated, "n_ungradable": ungradable,
            "mean_output_tokens": float(tokens.mean()), "tokens_per_s": float(tokens.sum() / wall)}


def write_run(root: Path, model: ModelSpec, task: TaskSpec, *, cap: int = 300, seed: int = 0,
              device: str = "cuda x1 (NVIDIA H100 80GB HBM3)", text_words: int = 40, backend: str = "vllm",
              finished_at: str = "2026-01-01T01:00:00+00:00") -> tuple[int, int, int, int]:
    """Write one complete run; returns (items, samples, truncated, errors). `backend: fake` writes a
    dry run as `harness run` does with a fake model (the spec's and the settings' backend)."""
    rng = np.random.default_rng([seed, _stable(model.id), _stable(task.id)])
    items = n_items(task, cap)
    k = task.samples or model.generation.samples or 1
    run_key = hashlib.sha256(f"{model.id}|{task.id}|{seed}".encode()).hexdigest()[:16]
    # One difficulty per benchmark (all languages of MGSM alike), so languages differ by their penalty.
    difficulty = (_stable(task.group or task.id) % 100) / 60 - 0.5 + (1.2 if task.id.startswith("aime") else 0.0)
    logit = _ability(model) - difficulty - LANG_PENALTY.get(task.language, 0.7)
    p = 1 / (1 + math.exp(-logit))
    mean_tokens = _tokens(model)
    thinking = mean_tokens > 500
    likelihood = task.answer_type == "likelihood_choice"
    correct = rng.random((items, k)) < p
    tokens = np.maximum(1, rng.gamma(2.0, mean_tokens / 2, (items, k))).astype(int)
    truncated = (rng.random((items, k)) < (0.06 if thinking else 0.01)) & ~likelihood
    ungradable = (rng.random((items, k)) < 0.01) & ~truncated & ~likelihood
    errors = (rng.random((items, k)) < 0.003) & ~truncated & ~ungradable
    score = (correct & ~truncated & ~ungradable & ~errors).astype(float)
    run_dir = root / "runs" / run_key
    run_dir.mkdir(parents=True, exist_ok=True)
    lines = []
    for i in range(items):
        gold = _gold(task, i)
        prompt = f"[{task.id} #{i}] {_words(rng, text_words)}?"
        if i == 3:
            prompt += " " + HOSTILE
        prompt_hash = hashlib.sha256(prompt.encode()).hexdigest()[:16]
        for s in range(k):
            wrong = "Z" if likelihood or task.answer_type == "choice_letter" else str(int(gold) + 1)
            extracted: str | None = gold if score[i, s] else wrong
            reasoning = _words(rng, text_words * (3 if thinking else 1))
            response = _answer(model, reasoning, f"The answer is {extracted}.", bool(truncated[i, s]))
            if truncated[i, s] or ungradable[i, s] or errors[i, s]:
                extracted = None
            if errors[i, s]:
                response = ""
            lines.append(json.dumps({
                "schema_version": 2, "run_key": run_key, "model": model.id, "task": task.id, "doc_id": str(i),
                "sample_idx": s, "prompt_hash": prompt_hash, "prompt": prompt, "response": response,
                "extracted": extracted, "gold": gold, "correct": bool(score[i, s]), "score": float(score[i, s]),
                "truncated": bool(truncated[i, s]), "ungradable": bool(ungradable[i, s]),
                "finish_reason": "error" if errors[i, s] else "length" if truncated[i, s] else "stop",
                "prompt_tokens": len(prompt) // 4, "output_tokens": int(tokens[i, s]), "wall_s": 1.0,
                "sampling": {"temperature": model.generation.temperature},
                "choice_logprobs": [-1.2, -0.4, -2.0, -3.1] if likelihood else None,
                "correct_norm": bool(score[i, s]) if likelihood else None,
                "error": "prompt too long" if errors[i, s] else None,
            }, ensure_ascii=False))
    (run_dir / "samples.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    wall = float(tokens.sum() / 2500 + 5)
    names = ["acc", "acc_norm"] if likelihood else ["accuracy"]
    metrics = [_metric(model.id, task.id, name, score, tokens, items * k, int(truncated.sum()),
                       int(ungradable.sum()), wall, rng) for name in names]
    (run_dir / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    files = list(task.data.local.files) if task.data.local else []
    manifest = {
        "schema_version": 2, "run_key": run_key, "status": "complete", "model": model.id, "task": task.id,
        "harness_version": "0.1.0", "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "packages": {"vllm": "0.11.0", "torch": "2.8.0", "transformers": "4.57.0", "lm-eval": "0.4.13"},
        "device": device, "model_revision": model.source.revision,
        "weights_hash": hashlib.sha256(model.id.encode()).hexdigest(),
        "model_spec": {**model.model_dump(mode="json"), "backend": backend}, "task_spec": task.model_dump(mode="json"),
        "run_settings": {"backend": backend, "limit": None, "chunk_size": 256, "synthetic": True,
                         "engine": {"tensor_parallel_size": 1, "pipeline_parallel_size": 1}},
        "data_files": {f: hashlib.sha256(f.encode()).hexdigest() for f in files},
        "seeds": {"fewshot": task.fewshot_seed, "sampling": model.generation.seed},
        "started_at": "2026-01-01T00:00:00+00:00", "finished_at": finished_at,
        "wall_s": wall, "n_requests": items * k, "error": None,
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return items, items * k, int(truncated.sum()), int(errors.sum())


def write_results(root: Path, catalog: Catalog, models: Sequence[str], tasks: Sequence[str], *,
                  cap: int = 300, seed: int = 0, text_words: int = 40) -> SyntheticSummary:
    """One complete run per model × task under `root/runs/`."""
    items, samples, truncated, errors = {}, {}, {}, {}
    for m in models:
        for t in tasks:
            n, s, tr, err = write_run(root, catalog.models[m], catalog.tasks[t], cap=cap, seed=seed,
                                      text_words=text_words)
            items[(m, t)], samples[(m, t)], truncated[(m, t)], errors[(m, t)] = n, s, tr, err
    return SyntheticSummary(len(items), sum(samples.values()), items, samples, truncated, errors)


SMALL_MODELS = ("qwen3-8b-think", "qwen3-8b-nothink", "gpt-oss-20b-low", "gpt-oss-20b-medium", "gpt-oss-20b-high",
                "llama-3.1-8b-instruct", "gemma-3-4b-it", "deepseek-r1-distill-qwen-7b")
SMALL_TASKS = ("gsm8k", "math500", "aime24", "gpqa_diamond", "mgsm_en", "mgsm_de", "mgsm_zh", "mgsm_sw",
               "global_mmlu_en", "global_mmlu_fr", "global_mmlu_yo", "belebele_eng_latn", "belebele_deu_latn",
               "xcopa_it", "xcopa_sw", "arc_easy")
