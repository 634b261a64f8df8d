"""Generic per-sample JSONL (or a JSON array): one object per response, fields named by a mapping.

Without a mapping each field is looked up under its usual names (`DEFAULT_FIELDS`); `--field
response=completion` (repeatable) names the source field for one of them. `model` and `task`
fields, when present, name the model and task unless `--model` / `--task` are given.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from harness.importers.base import ImportedItem, ImportFormatError, SourceFile
from harness.importers.readjson import load_json, read_jsonl, text_of
from harness.tasks.base import file_sha256

DEFAULT_FIELDS: dict[str, tuple[str, ...]] = {
    "id": ("id", "doc_id", "question_id", "idx", "item_id"),
    "question": ("question", "problem", "input", "query"),
    "response": ("response", "output", "completion", "generation", "prediction", "model_output", "generated_text"),
    "gold": ("gold", "answer", "target", "reference", "label"),
    "correct": ("correct", "is_correct", "score", "acc", "exact_match"),
    "extracted": ("extracted", "pred", "parsed_answer", "extracted_answer"),
    "prompt": ("prompt", "model_input"),
    "choices": ("choices", "options"),
    "sample": ("sample_idx", "sample"),
    "model": ("model", "generator"),
    "task": ("task", "dataset"),
}


def parse_fields(pairs: list[str]) -> dict[str, str]:
    """`name=source_field` pairs → mapping; unknown names and bad pairs are input errors."""
    out = {}
    for pair in pairs:
        name, sep, source = pair.partition("=")
        if not sep or not name.strip() or not source.strip():
            raise ImportFormatError(f"--field {pair!r}: expected NAME=SOURCE_FIELD, e.g. response=completion")
        if name.strip() not in DEFAULT_FIELDS:
            raise ImportFormatError(f"--field {pair!r}: unknown name '{name.strip()}'",
                                    f"names: {', '.join(DEFAULT_FIELDS)}")
        out[name.strip()] = source.strip()
    return out


def _get(rec: dict[str, Any], name: str, fields: dict[str, str]) -> Any:
    if name in fields:
        return rec.get(fields[name])
    return next((rec[k] for k in DEFAULT_FIELDS[name] if k in rec), None)


def _verdict(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value >= 1
    if isinstance(value, str) and value.strip().lower() in ("true", "false", "1", "0", "1.0", "0.0"):
        return value.strip().lower() in ("true", "1", "1.0")
    return None


def read(path: Path, fields: dict[str, str] | None = None) -> SourceFile:
    fields = fields or {}
    if path.suffix == ".jsonl":
        rows = read_jsonl(path)
    else:
        data = load_json(path)
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data) or not data:
            raise ImportFormatError(f"{path}: expected JSON lines, or a JSON array of objects")
        rows = data
    if "response" in fields and fields["response"] not in rows[0]:
        raise ImportFormatError(f"{path}: no field '{fields['response']}' (from --field response=…) in the first "
                                f"object; it has: {', '.join(sorted(rows[0])[:20])}")
    items = []
    for row, rec in enumerate(rows):
        response = _get(rec, "response", fields)
        if response is None:
            raise ImportFormatError(f"{path}: object {row + 1} has no response field "
                                    f"({'/'.join(DEFAULT_FIELDS['response'])})", "name it with --field response=NAME")
        ident, gold, extracted = _get(rec, "id", fields), _get(rec, "gold", fields), _get(rec, "extracted", fields)
        choices = _get(rec, "choices", fields)
        sample = _get(rec, "sample", fields)
        items.append(ImportedItem(
            row=row, response=text_of(response), source_id=None if ident is None else str(ident),
            question=None if _get(rec, "question", fields) is None else str(_get(rec, "question", fields)),
            gold=None if gold is None else str(gold),
            choices=tuple(str(c) for c in choices) if isinstance(choices, list) else (),
            prompt=None if _get(rec, "prompt", fields) is None else text_of(_get(rec, "prompt", fields)),
            sample_idx=sample if isinstance(sample, int) and sample >= 0 else 0,
            source_extracted=None if extracted is None else str(extracted),
            source_correct=_verdict(_get(rec, "correct", fields)),
        ))
    first = rows[0]
    model, task = _get(first, "model", fields), _get(first, "task", fields)
    return SourceFile(format="jsonl", path=path, sha256=file_sha256(path), items=items,
                      model_hint=None if model is None else str(model), task_hint=None if task is None else str(task),
                      protocol={"harness": "unknown (generic JSONL)", "field_map": fields or "defaults"})
