"""Loaders for the upstream release files in the local mirror ($HARNESS_DATA_DIR).

Each loader reads the files a TaskSpec names and returns normalised Docs. Formats are described
in the mirror's MANIFEST.md. Loaders are registered by name; YAML task specs refer to them.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from harness.errors import DataMissingError
from harness.specs import TaskSpec
from harness.tasks.base import Doc, TaskData, register_loader

LETTERS = "ABCDEFGHIJ"


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = []
    for lineno, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError as exc:
            raise DataMissingError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    return rows


def _files(task: TaskSpec, root: Path) -> tuple[list[Path], list[Path]]:
    assert task.data.local is not None
    return (
        [root / f for f in task.data.local.files],
        [root / f for f in task.data.local.fewshot_files],
    )


# ---------------------------------------------------------------- GSM8K

_GSM_CALC = re.compile(r"<<[^>]*>>")


def gsm8k_doc(row: dict[str, Any], doc_id: str) -> Doc:
    solution, _, final = row["answer"].rpartition("####")
    return Doc(
        doc_id=doc_id,
        question=row["question"],
        gold=final.strip().replace(",", ""),
        solution=_GSM_CALC.sub("", solution).strip(),
    )


@register_loader("gsm8k_jsonl")
def load_gsm8k(task: TaskSpec, root: Path) -> TaskData:
    files, shots = _files(task, root)
    docs = [gsm8k_doc(r, str(i)) for f in files for i, r in enumerate(read_jsonl(f))]
    pool = [gsm8k_doc(r, f"train-{i}") for f in shots for i, r in enumerate(read_jsonl(f))]
    return TaskData(docs, pool)


# ---------------------------------------------------------------- ARC


def arc_doc(row: dict[str, Any]) -> Doc:
    choices = row["question"]["choices"]
    labels = [c["label"] for c in choices]
    gold_index = labels.index(row["answerKey"])
    return Doc(
        doc_id=row["id"],
        question=row["question"]["stem"],
        gold=LETTERS[gold_index],
        choices=tuple(c["text"] for c in choices),
    )


@register_loader("arc_jsonl")
def load_arc(task: TaskSpec, root: Path) -> TaskData:
    files, shots = _files(task, root)
    docs = [arc_doc(r) for f in files for r in read_jsonl(f)]
    pool = [arc_doc(r) for f in shots for r in read_jsonl(f)]
    return TaskData(docs, pool)
