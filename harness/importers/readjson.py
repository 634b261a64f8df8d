"""Reading source files whole: JSON (or a zip holding one JSON file), with one-line errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from harness.importers.base import ImportFormatError


def load_json(path: Path) -> Any:
    """The JSON document in `path`, or in the single .json member of a zip file."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = [n for n in archive.namelist() if n.endswith(".json") and not n.startswith("__MACOSX")]
                if len(members) != 1:
                    raise ImportFormatError(f"{path}: expected one .json file in the zip, found {len(members)}",
                                            "unpack it and import the JSON file itself")
                raw = archive.read(members[0])
        else:
            raw = path.read_bytes()
    except (OSError, zipfile.BadZipFile) as exc:
        raise ImportFormatError(f"{path}: cannot read ({exc})") from None
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: not valid JSON ({exc}); the file may be cut short",
                                "import the complete file") from None


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """JSON objects, one per line; a line that does not parse (a file cut mid-line) is an error."""
    rows: list[dict[str, Any]] = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportFormatError(f"{path}: cannot read as UTF-8 text ({exc})") from None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            cut = " (the file looks cut mid-line)" if lineno == len(text.splitlines()) else ""
            raise ImportFormatError(f"{path}:{lineno}: not a JSON line{cut}: {exc.msg}",
                                    "import the complete file") from None
        if not isinstance(row, dict):
            raise ImportFormatError(f"{path}:{lineno}: expected a JSON object per line, got {type(row).__name__}")
        rows.append(row)
    if not rows:
        raise ImportFormatError(f"{path}: no JSON lines in the file")
    return rows


def text_of(value: Any) -> str:
    """A response field as text: a string, or the first string of a (nested) list."""
    while isinstance(value, list) and value:
        value = value[0]
    if value is None or isinstance(value, list):
        return ""
    return value if isinstance(value, str) else str(value)
