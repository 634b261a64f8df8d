"""One rule for every id that can become a file name: model ids, task ids and run keys.

Ids come from configs, and come back from records on disk (`manifest.json` of any run in a shared
results folder). The report turns a task id into `report/samples/<task>.html` and the store turns a
run key into `runs/<run_key>/`, so an id read from a record is checked here before it is trusted:
letters, digits and `. _ - + : @ =`, starting with a letter or digit, at most `MAX_ID_BYTES` bytes
(file names stop at 255 bytes, and a suffix is added). No `/`, no `..`, no spaces or control
characters, nothing a shell or a terminal would read as anything but text.
"""

from __future__ import annotations

import re

from harness.errors import InputError

MAX_ID_BYTES = 200
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+:@=-]*")
ID_RULE = f"letters, digits and . _ - + : @ =, starting with a letter or digit, at most {MAX_ID_BYTES} bytes"


def id_problem(value: object) -> str | None:
    """Why `value` is not a valid id, or None when it is."""
    if not isinstance(value, str):
        return f"expected text, got {type(value).__name__}"
    if len(value.encode("utf-8", "surrogatepass")) > MAX_ID_BYTES:
        return f"{len(value.encode('utf-8', 'surrogatepass')):,} bytes long (at most {MAX_ID_BYTES})"
    if not _ID.fullmatch(value) or ".." in value:
        return f"{value[:60]!r} is not an id ({ID_RULE})"
    return None


def check_id(kind: str, value: object, where: str = "") -> str:
    """`value` when it is a valid id; else an InputError naming `kind` (model id, task id, run key)."""
    problem = id_problem(value)
    if problem is not None:
        prefix = f"{where}: " if where else ""
        raise InputError(f"{prefix}invalid {kind}: {problem}", f"ids are {ID_RULE}")
    assert isinstance(value, str)
    return value
