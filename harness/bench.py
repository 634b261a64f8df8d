"""Throughput benchmark: raw `vllm.LLM.generate` vs the harness backend, same engine, same prompts.

Both paths share one engine (prefix caching off, so neither reuses the other's KV cache), run the
same token prompts with the same SamplingParams, alternate over several rounds after a warm-up,
and report median output tokens/s. The harness path includes what a real run adds: building
requests, per-request seeds, and persisting each chunk of records to disk.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from harness.backends.base import EngineSettings, GenRequest, SamplingSettings
from harness.records import GenerationRecord
from harness.store import RunDir


def _prompts(tokenizer: Any, n: int) -> list[list[int]]:
    from harness.tasks.base import data_dir

    root = data_dir()
    questions: list[str] = []
    if root is not None and (root / "gsm8k" / "test.jsonl").is_file():
        import json

        lines = (root / "gsm8k" / "test.jsonl").read_text(encoding="utf-8").splitlines()
        questions = [json.loads(x)["question"] for x in lines[:n]]
    while len(questions) < n:
        questions.append(f"Question {len(questions)}: what is {len(questions)} plus 17?")
    bos = [tokenizer.bos_token_id] if tokenizer.bos_token_id is not None else []
    return [bos + tokenizer.encode(f"Question: {q}\nAnswer:", add_special_tokens=False) for q in questions]


def run_bench(model_id: str, n_prompts: int = 32, max_new_tokens: int = 64, rounds: int = 3,
              chunk_size: int = 16) -> dict[str, Any]:
    from harness.backends.vllm_backend import VLLMBackend, sampling_params
    from harness.config import load_catalog
    from harness.weights import resolve

    model = load_catalog().model(model_id)
    backend = VLLMBackend(model, resolve(model), EngineSettings(extra={"enable_prefix_caching": False}))
    try:
        prompts = _prompts(backend.tokenizer, n_prompts)
        # ignore_eos is not used: both paths stop at the same EOS, so token counts are compared.
        settings = SamplingSettings(temperature=0.0, max_new_tokens=max_new_tokens)
        params = sampling_params(settings, backend.skip_special_tokens)

        def raw() -> int:
            from vllm.inputs import TokensPrompt

            outs = backend.llm.generate([TokensPrompt(prompt_token_ids=p) for p in prompts], params,
                                        use_tqdm=False)
            return sum(len(o.outputs[0].token_ids) for o in outs)

        def harness(store: RunDir) -> int:
            total = 0
            for i in range(0, len(prompts), chunk_size):
                batch = [GenRequest(tuple(p), settings) for p in prompts[i : i + chunk_size]]
                results = backend.generate(batch)
                store.append_chunk([
                    GenerationRecord(key=f"{i + j}", doc_id=str(i + j), kind="generate", text=r.text,
                                     finish_reason=r.finish_reason, output_tokens=r.output_tokens,
                                     prompt_tokens=r.prompt_tokens, wall_s=r.wall_s,
                                     sampling=settings.as_dict())
                    for j, r in enumerate(results)])
                total += sum(r.output_tokens for r in results)
            return total

        raw()  # warm-up
        raw_tps, harness_tps = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for r in range(rounds):
                t0 = time.perf_counter()
                n_raw = raw()
                raw_tps.append(n_raw / (time.perf_counter() - t0))
                t0 = time.perf_counter()
                n_h = harness(RunDir(Path(tmp), f"round{r}"))
                harness_tps.append(n_h / (time.perf_counter() - t0))
        raw_med, h_med = statistics.median(raw_tps), statistics.median(harness_tps)
        return {
            "model": model_id, "prompts": n_prompts, "max_new_tokens": max_new_tokens,
            "rounds": rounds, "harness_chunk_size": chunk_size,
            "raw_vllm_output_tokens_per_s": round(raw_med, 2),
            "harness_output_tokens_per_s": round(h_med, 2),
            "ratio_harness_over_raw": round(h_med / raw_med, 4),
            "raw_rounds": [round(x, 2) for x in raw_tps],
            "harness_rounds": [round(x, 2) for x in harness_tps],
            "engine": {k: v for k, v in backend.engine_args.items() if k not in ("model", "tokenizer")},
        }
    finally:
        backend.close()
