"""ZeroEval result files (yuchenlin/ZeroEval `result_dirs/<task>/<model>.json`).

One JSON array; each element has `id`/`session_id`, `question` or `problem`, `answer` (gold),
`model_input` (the templated prompt), `output` (a list with the raw generation), `generator`
and `configs` (engine, temperature, max_tokens). ZeroEval keeps no per-item verdict: its
summaries give accuracy per model only, so `source_correct` is None here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from harness.importers.base import ImportedItem, ImportFormatError, SourceFile
from harness.importers.readjson import load_json, text_of
from harness.tasks.base import file_sha256

# ZeroEval's dataset names → the harness's task ids.
TASKS = {"gsm": "gsm8k", "math-l5": "math_l5", "mmlu-redux": "mmlu_redux", "crux": "crux", "zebra-grid": "zebra"}
_GSM_ID = re.compile(r"#(\d+)$")


def looks_like(data: Any) -> bool:
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict)
            and "output" in data[0] and ("generator" in data[0] or "model_input" in data[0]))


def read(path: Path, data: Any | None = None) -> SourceFile:
    data = load_json(path) if data is None else data
    if not looks_like(data):
        raise ImportFormatError(f"{path}: not a ZeroEval result file (a JSON array of objects with "
                                "`output` and `generator`)", "pass --format to name the right format")
    items = []
    for row, rec in enumerate(data):
        if not isinstance(rec, dict) or "output" not in rec:
            raise ImportFormatError(f"{path}: element {row} has no `output`")
        ident = rec.get("id", rec.get("session_id"))
        gold = rec.get("answer")
        if isinstance(gold, str) and gold.startswith("# "):  # ZeroEval's GSM gold is "# 18"
            gold = gold[2:]
        index = _GSM_ID.search(str(ident)) if ident is not None else None
        items.append(ImportedItem(
            row=row, response=text_of(rec.get("output")), source_id=None if ident is None else str(ident),
            question=rec.get("question") or rec.get("problem"), gold=None if gold is None else str(gold).strip(),
            prompt=rec.get("model_input") or None,
            meta={"index": int(index.group(1))} if index else {},
        ))
    first = data[0]
    configs = first.get("configs") if isinstance(first.get("configs"), dict) else {}
    settings = {k: configs[k] for k in ("engine", "temperature", "top_p", "repetition_penalty", "max_tokens")
                if k in configs}
    dataset = str(first.get("dataset") or "")
    return SourceFile(
        format="zeroeval", path=path, sha256=file_sha256(path), items=items,
        model_hint=str(first.get("generator") or path.stem), model_aliases=(path.stem,),
        task_hint=TASKS.get(dataset, dataset or None),
        settings=settings,
        protocol={"harness": "ZeroEval", "prompt": "zero-shot, answer as JSON {\"reasoning\", \"answer\"}",
                  "shots": 0, "chat_template": True, "dataset": dataset},
    )
