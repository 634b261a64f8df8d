"""MMLU-Pro result files (TIGER-AI-Lab/MMLU-Pro `eval_results/model_outputs_<model>_<k>shots.zip`).

One JSON array (zipped or not); each element has `question_id`, `question`, `options`, `answer`
(gold letter), `category`, `pred` (the source's extracted letter, null when none) and
`generated_text` (the k-shot chain-of-thought continuation; `model_outputs` in the files of API
models, whose `options` are a list written as a string). The source's verdict is `pred == answer`.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

from harness.importers.base import ImportedItem, ImportFormatError, SourceFile
from harness.importers.readjson import load_json, text_of
from harness.tasks.base import file_sha256

_NAME = re.compile(r"model_outputs_(?P<model>.+?)_(?P<shots>\d+)shots?$")
# A k-shot continuation may run on into a next exemplar; the answer is in the first one.
_NEXT_QUESTION = re.compile(r"\n\s*Question:")


_RESPONSE_FIELDS = ("generated_text", "model_outputs")


def looks_like(data: Any) -> bool:
    return (isinstance(data, list) and bool(data) and isinstance(data[0], dict) and "question_id" in data[0]
            and "options" in data[0] and any(f in data[0] for f in _RESPONSE_FIELDS))


def _options(value: Any) -> tuple[str, ...]:
    """The option list; API models' files write it as a Python list literal."""
    if isinstance(value, str):
        try:
            value = ast.literal_eval(value)  # a literal only: never evaluates code
        except (ValueError, SyntaxError):
            return ()
    return tuple(str(o) for o in value) if isinstance(value, (list, tuple)) else ()


def read(path: Path, data: Any | None = None) -> SourceFile:
    data = load_json(path) if data is None else data
    if not looks_like(data):
        raise ImportFormatError(f"{path}: not an MMLU-Pro output file (a JSON array of objects with "
                                "`question_id`, `options`, `generated_text`)", "pass --format to name the right format")
    items = []
    for row, rec in enumerate(data):
        field = next((f for f in _RESPONSE_FIELDS if isinstance(rec, dict) and f in rec), None)
        if field is None:
            raise ImportFormatError(f"{path}: element {row} has no `generated_text` or `model_outputs`")
        response = text_of(rec[field])
        cut = _NEXT_QUESTION.search(response)
        pred = rec.get("pred")
        gold = rec.get("answer")
        items.append(ImportedItem(
            row=row, response=response[: cut.start()] if cut else response,
            source_id=None if rec.get("question_id") is None else str(rec["question_id"]),
            question=rec.get("question"), gold=None if gold is None else str(gold),
            choices=_options(rec.get("options")),
            source_extracted=None if pred is None else str(pred),
            source_correct=(pred is not None and gold is not None and str(pred) == str(gold)),
            meta={"subject": rec.get("category"), "cut_at_next_question": bool(cut)},
        ))
    stem = re.sub(r"(\.json)?(\.zip)?$", "", path.name)
    named = _NAME.match(stem)
    shots = int(named.group("shots")) if named else None
    return SourceFile(
        format="mmlu-pro", path=path, sha256=file_sha256(path), items=items,
        model_hint=named.group("model") if named else stem, task_hint="mmlu_pro",
        settings={},  # the file states no sampling settings
        protocol={"harness": "MMLU-Pro (TIGER-Lab evaluate_from_*)", "prompt": f"{shots}-shot chain of thought, "
                  "'The answer is (X)'", "shots": shots},
    )
