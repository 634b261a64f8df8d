"""Argument checks and dispatch for `harness bench` (the CLI only parses and prints)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.errors import InputError

WORKLOADS = ("short", "reasoning", "loglikelihood", "engine", "kill", "arc")
ARC_PARTS = ("harness", "previous", "hf", "lm-eval", "summary")


def parse_items(text: str | None) -> tuple[int, int | None]:
    if not text:
        return 0, None
    start, _, end = text.partition(":")
    try:
        a, b = int(start or 0), (int(end) if end else None)
    except ValueError:
        raise InputError(f"--items {text!r} is not START:END", "e.g. --items 0:600") from None
    if a < 0 or (b is not None and b <= a):
        raise InputError(f"--items {text!r} is an empty range", "e.g. --items 0:600")
    return a, (b - a if b is not None else None)


def bench_main(workload: str, model: str, prompts: int | None, rounds: int, part: str, items: str | None,
               batch_size: int, seed: int, out: Path | None) -> dict[str, Any]:
    if workload not in WORKLOADS:
        raise InputError(f"unknown workload '{workload}'", f"use one of {', '.join(WORKLOADS)}")
    if workload in ("short", "reasoning", "loglikelihood", "engine"):
        from harness.bench import ENGINE_WORKLOADS, engine_benchmarks

        chosen = list(ENGINE_WORKLOADS) if workload == "engine" else [workload]
        return engine_benchmarks(model, chosen, prompts, rounds)
    if workload == "kill":
        from harness.bench.kill import kill_and_resume

        return kill_and_resume(model, limit=prompts or 48, seed=seed)
    if part not in ARC_PARTS:
        raise InputError(f"unknown --part '{part}'", f"use one of {', '.join(ARC_PARTS)}")
    from harness.bench import arc

    if part == "summary":
        if out is None or not out.is_dir():
            raise InputError("--part summary needs --out, the folder the pieces were saved in")
        return arc.summary(arc.load_pieces(out))
    start, count = parse_items(items)
    if part in ("harness", "previous"):
        piece = arc.part_vllm(part, model, start, count)
    elif part == "hf":
        piece = arc.part_hf(model, start, count)
    else:
        piece = arc.part_lm_eval(model, start, count, batch_size)
    arc.save(piece, out)
    return piece
