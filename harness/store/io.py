"""Reading records back: JSON and JSONL files validated against the versioned records.

A file that exists but does not parse or validate raises `ResultsError` (exit 2): one line naming
the file (and line), what is wrong and how to fix it. Records written by a newer harness (a higher
`schema_version`) are refused rather than misread.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from harness.errors import InputError
from harness.records import SCHEMA_VERSION, MetricRecord

R = TypeVar("R", bound=BaseModel)


class ResultsError(InputError):
    """A results file that exists but cannot be read as the documented records."""


def _check_version(data: Any, path: Path, where: str) -> None:
    version = data.get("schema_version") if isinstance(data, dict) else None
    if isinstance(version, int) and version > SCHEMA_VERSION:
        raise ResultsError(
            f"{where}: written with results schema {version}, this harness reads up to {SCHEMA_VERSION}",
            "upgrade the harness to read these results",
        )


def validate_record(cls: type[R], data: Any, path: Path, where: str) -> R:
    _check_version(data, path, where)
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(record)"
        raise ResultsError(
            f"{where}: not a valid {cls.__name__}: {loc}: {first['msg']}",
            f"the file is damaged; delete {path.parent} and run that model × task again",
        ) from None


def read_json(path: Path, cls: type[R]) -> R:
    """One JSON document validated as `cls` (ResultsError naming the file when it is not)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: unreadable JSON ({exc.__class__.__name__}: {exc})",
                           f"the file is damaged; delete {path.parent} and run that model × task again") from None
    return validate_record(cls, data, path, str(path))


def read_jsonl(path: Path, cls: type[R]) -> list[R]:
    """Every line of a JSONL file validated as `cls`.

    Lines are split on "\\n" only: JSON strings may hold U+2028 or U+0085, which `str.splitlines`
    would wrongly treat as line breaks.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ResultsError(f"{path}: unreadable ({exc.__class__.__name__})",
                           f"the file is damaged; delete {path.parent} and run that model × task again") from None
    out = []
    for number, line in enumerate(text.split("\n"), start=1):
        if not line or line.isspace():  # (no strip: it would copy every line)
            continue
        try:
            # Parsing and validating in one pass (pydantic-core) is 2-3x faster than json.loads and then
            # validating; a line that fails is read again the slow way to name what is wrong.
            record = cls.model_validate_json(line)
        except ValidationError:
            out.append(_read_line(cls, line, path, number))
            continue
        if getattr(record, "schema_version", 0) > SCHEMA_VERSION:
            _check_version(record.model_dump(), path, f"{path}:{number}")
        out.append(record)
    return out


def _read_line(cls: type[R], line: str, path: Path, number: int) -> R:
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ResultsError(f"{path}:{number}: not JSON ({exc})",
                           f"the file is damaged; delete {path.parent} and run that model × task again") from None
    return validate_record(cls, data, path, f"{path}:{number}")


def read_metrics(path: Path) -> list[MetricRecord]:
    """A run's `metrics.json`: a JSON list of MetricRecord."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ResultsError(f"{path}: unreadable JSON ({exc.__class__.__name__})",
                           f"the file is damaged; delete {path.parent} and run that model × task again") from None
    if not isinstance(data, list):
        raise ResultsError(f"{path}: expected a list of metric records",
                           f"the file is damaged; delete {path.parent} and run that model × task again")
    return [validate_record(MetricRecord, m, path, f"{path}[{i}]") for i, m in enumerate(data)]
