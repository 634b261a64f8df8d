"""Full ARC-Easy (2,376 items, 9,501 requests): the harness against its previous path and lm-eval.

Parts, each printing (and saving under `out`) one JSON piece, so long measurements can run as
several short jobs (`--items START:END`); `summary` adds the pieces up:

- `harness`  — the runner's `execute()` (the function `harness run` calls for each task): the
               forced-decode stream with every result appended to a run directory;
- `previous` — the previous vLLM path (`prompt_logprobs`: full-vocabulary log-softmax at every prompt
               position, one request per choice) on the same requests, for accuracy and time;
- `hf`       — the HF backend's two paths on the same requests (shared context vs full forward);
- `lm-eval`  — lm-eval 0.4.13's HF backend (`simple_evaluate`, model `hf`) on the same converted
               weights and the same local data file, the protocol of lm-eval's `arc_easy` task.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness.backends.base import EngineSettings, LLResult
from harness.records import GenerationRecord

if TYPE_CHECKING:
    from harness.run.model_run import ModelRun

TASK = "arc_easy"


def planned_model(model_id: str) -> ModelRun:
    """The catalogue model planned for this machine as `harness run` plans it (effective dtype, fit
    check, engine layout, weights), with no tasks: benchmarks build their own requests."""
    from harness.config import load_catalog
    from harness.hardware import Machine, detect_gpus
    from harness.run.model_run import plan_model_run

    return plan_model_run(load_catalog().model(model_id), [], limit=None, results=Path(tempfile.gettempdir()),
                          engine=EngineSettings(), machine=Machine.here(detect_gpus()))


def _model(model_id: str) -> Any:
    planned = planned_model(model_id)
    return planned.spec, planned.weights, planned.effective.dtype.as_dict()


def _accuracy(model: Any, items: list[Any], plan: Any, results: dict[str, LLResult]) -> dict[str, Any]:
    from harness.tasks.native import score_task

    cache = {k: GenerationRecord(key=k, doc_id="", kind="loglikelihood", logprob=r.logprob,
                                 prompt_tokens=r.prompt_tokens) for k, r in results.items()}
    scored = score_task(model, plan.task, plan.run_key, items, cache, 1.0)
    return {"n": len(scored.samples), "acc_correct": sum(s.correct for s in scored.samples),
            "acc_norm_correct": sum(bool(s.correct_norm) for s in scored.samples)}


def part_vllm(which: str, model_id: str, start: int, count: int | None) -> dict[str, Any]:
    """`harness`: the runner's `execute()` (what `harness run` calls: forced-decode stream, records
    appended to a run directory); `previous`: the previous path (`prompt_logprobs`). Same engine
    settings, same items and requests."""
    from harness.backends.base import engine_info
    from harness.backends.vllm_backend import VLLMBackend
    from harness.bench.workloads import arc_items
    from harness.run.execute import execute
    from harness.run.progress import QuietProgress
    from harness.store import RunDir

    model, weights, dtype = _model(model_id)
    t0 = time.perf_counter()
    backend = VLLMBackend(model, weights, EngineSettings())
    load_s = time.perf_counter() - t0
    try:
        with tempfile.TemporaryDirectory() as tmp:
            items, requests, plan = arc_items(model, backend.tokenizer, count, Path(tmp), start)
            t0 = time.perf_counter()
            if which == "harness":
                records = execute(backend, RunDir(Path(tmp), plan.run_key), requests, QuietProgress(), TASK)
                results = {k: LLResult(r.logprob or 0.0, r.is_greedy, r.prompt_tokens, r.wall_s)
                           for k, r in records.items()}
            else:
                scores = backend.prompt_logprob_scores([r.request for r in requests.values()])  # type: ignore[misc]
                results = dict(zip(requests, scores, strict=True))
            score_s = time.perf_counter() - t0
            return {"part": which, "model": model_id, "dtype": dtype, "items": [start, start + len(items)],
                    **_accuracy(model, items, plan, results), "load_s": round(load_s, 1),
                    "score_s": round(score_s, 1), "requests": len(requests), "engine": engine_info(backend),
                    "loadavg": os.getloadavg()[0]}
    finally:
        backend.close()


def part_hf(model_id: str, start: int, count: int | None) -> dict[str, Any]:
    from harness.backends.hf_backend import HFBackend
    from harness.bench.workloads import arc_items

    model, weights, dtype = _model(model_id)
    backend = HFBackend(model, weights, EngineSettings())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            items, requests, plan = arc_items(model, backend.tokenizer, count, Path(tmp), start)
            reqs = [r.request for r in requests.values()]
            t0 = time.perf_counter()
            fast = backend.loglikelihood(reqs)  # type: ignore[arg-type]
            fast_s = time.perf_counter() - t0
            t0 = time.perf_counter()
            full = backend.full_forward_scores(reqs)  # type: ignore[arg-type]
            full_s = time.perf_counter() - t0
            diff = max(abs(a.logprob - b.logprob) for a, b in zip(fast, full, strict=True))
            return {"part": "hf", "model": model_id, "dtype": dtype, "items": [start, start + len(items)],
                    "requests": len(reqs), "shared_context_s": round(fast_s, 1), "full_forward_s": round(full_s, 1),
                    "speedup": round(full_s / fast_s, 2), "max_abs_logprob_diff": round(diff, 6),
                    "shared_context": _accuracy(model, items, plan, dict(zip(requests, fast, strict=True))),
                    "full_forward": _accuracy(model, items, plan, dict(zip(requests, full, strict=True)))}
    finally:
        backend.close()


def _lm_eval_task(local: Path) -> Any:
    """lm-eval's `arc_easy` protocol over a local JSON-lines copy of the mirror's file."""
    from lm_eval.api.task import ConfigurableTask

    return ConfigurableTask(config={
        "task": "arc_easy_local", "dataset_path": "json", "dataset_kwargs": {"data_files": {"test": str(local)}},
        "test_split": "test", "output_type": "multiple_choice",
        "doc_to_text": "Question: {{question}}\nAnswer:", "doc_to_choice": "{{choices}}",
        "doc_to_target": "{{gold}}", "metric_list": [{"metric": "acc"}, {"metric": "acc_norm"}],
    })


def part_lm_eval(model_id: str, start: int, count: int | None, batch_size: int) -> dict[str, Any]:
    from lm_eval import simple_evaluate

    from harness.tasks.base import data_dir

    _, weights, dtype = _model(model_id)
    root = data_dir()
    if root is None:
        raise RuntimeError("HARNESS_DATA_DIR is not set")
    rows = [json.loads(x) for x in (root / "arc" / "ARC-Easy-Test.jsonl").read_text().split("\n") if x]
    with tempfile.TemporaryDirectory() as tmp:
        local = Path(tmp) / "arc_easy.jsonl"
        local.write_text("".join(json.dumps({
            "question": r["question"]["stem"], "choices": [c["text"] for c in r["question"]["choices"]],
            "gold": [c["label"] for c in r["question"]["choices"]].index(r["answerKey"]),
        }) + "\n" for r in rows))
        task = _lm_eval_task(local)
        end = min(len(rows), start + count) if count else len(rows)
        t0 = time.perf_counter()
        out = simple_evaluate(
            model="hf", tasks=[task], batch_size=batch_size, samples={"arc_easy_local": list(range(start, end))},
            # Gemma needs its BOS (the converted tokenizer does not add one); float32 as on AVX2 CPUs.
            model_args={"pretrained": weights.location, "dtype": dtype["effective"], "device": "cpu",
                        "add_bos_token": True},
            bootstrap_iters=0, log_samples=False, verbosity="ERROR")
        wall = time.perf_counter() - t0
    result = out["results"]["arc_easy_local"]
    n = end - start
    return {"part": "lm-eval", "model": model_id, "dtype": dtype, "items": [start, end], "n": n,
            "batch_size": batch_size, "acc_correct": round(result["acc,none"] * n),
            "acc_norm_correct": round(result["acc_norm,none"] * n), "wall_s": round(wall, 1)}


def summary(pieces: list[dict[str, Any]]) -> dict[str, Any]:
    """Totals per part: items, accuracy, seconds (pieces of one part add up)."""
    out: dict[str, Any] = {}
    for part in ("harness", "previous", "hf", "lm-eval"):
        rows = [p for p in pieces if p.get("part") == part]
        if not rows:
            continue
        if part == "hf":
            out[part] = {"requests": sum(r["requests"] for r in rows),
                         "shared_context_s": round(sum(r["shared_context_s"] for r in rows), 1),
                         "full_forward_s": round(sum(r["full_forward_s"] for r in rows), 1),
                         "max_abs_logprob_diff": max(r["max_abs_logprob_diff"] for r in rows)}
            continue
        n = sum(r["n"] for r in rows)
        total: dict[str, Any] = {"n": n, "pieces": len(rows),
                                 "acc": round(sum(r["acc_correct"] for r in rows) / n, 4),
                                 "acc_norm": round(sum(r["acc_norm_correct"] for r in rows) / n, 4)}
        if part in ("harness", "previous"):
            # One engine load plus every piece's scoring time: what one uninterrupted run takes.
            total["wall_s"] = round(min(r["load_s"] for r in rows) + sum(r["score_s"] for r in rows), 1)
        else:
            total["wall_s"] = round(sum(r["wall_s"] for r in rows), 1)
        out[part] = total
    if "harness" in out and "lm-eval" in out:
        out["harness_time_over_lm_eval"] = round(out["harness"]["wall_s"] / out["lm-eval"]["wall_s"], 3)
    if "harness" in out and "previous" in out:
        out["acc_points_harness_minus_previous"] = round(100 * (out["harness"]["acc"] - out["previous"]["acc"]), 2)
    return out


def save(piece: dict[str, Any], out_dir: Path | None) -> None:
    if out_dir is None:
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    items = piece.get("items")
    name = f"{piece['part']}" + (f"-{items[0]}-{items[1]}" if items else "") + f"-{os.getpid()}.json"
    (out_dir / name).write_text(json.dumps(piece, indent=2) + "\n")


def load_pieces(out_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(p.read_text()) for p in sorted(out_dir.glob("*.json"))]
