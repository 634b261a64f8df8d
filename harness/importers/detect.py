"""Which files to import and in which format: `--format`, else detected from the content."""

from __future__ import annotations

import json
from pathlib import Path

from harness.errors import InputError
from harness.importers import jsonl, lm_eval, mmlu_pro, zeroeval
from harness.importers.base import ImportFormatError, SourceFile
from harness.importers.readjson import load_json

FORMATS = ("lm-eval", "zeroeval", "mmlu-pro", "jsonl")
_SUFFIXES = (".json", ".jsonl", ".zip")


def expand(paths: list[Path]) -> list[Path]:
    """Files to import: each file given, and under each directory every .json/.jsonl/.zip file
    except lm-eval's results JSONs (read beside their samples file)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            found = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix in _SUFFIXES
                           and not p.name.startswith(("results_", ".")))
            if not found:
                raise InputError(f"{path}: no .json, .jsonl or .zip files under it")
            out.extend(found)
        elif path.is_file():
            out.append(path)
        else:
            raise InputError(f"{path}: no such file or directory")
    return list(dict.fromkeys(out))


def _first_line(path: Path) -> object:
    with path.open("rb") as fh:
        line = fh.readline()
    try:
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def read_source(path: Path, fmt: str | None, fields: dict[str, str] | None = None) -> SourceFile:
    """Parse one file in `fmt` (or the detected format); ImportFormatError when it is not that."""
    if fmt is not None and fmt not in FORMATS:
        raise InputError(f"unknown --format '{fmt}'", f"one of {', '.join(FORMATS)}")
    if fmt == "jsonl" or fields:
        return jsonl.read(path, fields)
    if fmt == "lm-eval" or (fmt is None and path.suffix == ".jsonl" and lm_eval.looks_like(_first_line(path))):
        return lm_eval.read(path)
    if path.suffix == ".jsonl":
        if fmt is not None:
            raise ImportFormatError(f"{path}: a JSONL file cannot be --format {fmt}",
                                    "use --format lm-eval or jsonl")
        return jsonl.read(path)
    data = load_json(path)
    if fmt == "zeroeval" or (fmt is None and zeroeval.looks_like(data)):
        return zeroeval.read(path, data)
    if fmt == "mmlu-pro" or (fmt is None and mmlu_pro.looks_like(data)):
        return mmlu_pro.read(path, data)
    if isinstance(data, list) and data and all(isinstance(r, dict) for r in data):
        return jsonl.read(path)
    raise ImportFormatError(f"{path}: not a per-sample log the harness knows (lm-eval --log_samples, ZeroEval, "
                            "MMLU-Pro, or JSON lines)", f"pass --format ({', '.join(FORMATS)}) and --field mappings")
