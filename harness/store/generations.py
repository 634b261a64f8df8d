"""The generation log of one run: append-only JSON lines, written as each request finishes.

Layout under `<run>/generations/`:
- `session-<S>-w<W>.jsonl` — one file per engine session S (one `harness run` attempt) and data-
  parallel worker W. A line is written (and handed to the OS) as soon as its request finishes, and
  the file is fsynced every `fsync_s` seconds, every `fsync_every` records and at close, so a
  `kill -9` loses no finished request and a node crash at most a few seconds of them.
- `chunk-<N>.jsonl` — whole-file chunks written by earlier versions; still read.

A file is never reopened for writing: a new session starts a new file, so the only torn line a
kill can leave is the unterminated last line of a file, which readers skip. Lines are split on
"\\n" only (JSON escapes it inside strings; `str.splitlines` would also split on U+2028 and
friends, which JSON does not escape).
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO

from harness.records import GenerationRecord

SESSION_RE = re.compile(r"^session-(\d+)-w(\d+)\.jsonl$")
CHUNK_RE = re.compile(r"^chunk-(\d+)\.jsonl$")


def complete_lines(path: Path) -> list[str]:
    """Every newline-terminated, non-blank line of a log file (a torn tail is dropped)."""
    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    lines.pop()  # after the last "\n": empty, or a line a kill cut short
    return [line for line in lines if line.strip()]


def log_files(directory: Path) -> list[Path]:
    """Generation files in write order: old chunks first, then sessions by index and worker."""
    if not directory.is_dir():
        return []
    return sorted((p for p in directory.iterdir() if CHUNK_RE.match(p.name) or SESSION_RE.match(p.name)), key=_order)


def _order(path: Path) -> tuple[int, int, int]:
    """(0 for an old chunk | 1 for a session, its index, worker)."""
    if m := CHUNK_RE.match(path.name):
        return (0, int(m.group(1)), 0)
    m = SESSION_RE.match(path.name)
    assert m is not None, path
    return (1, int(m.group(1)), int(m.group(2)))


def _numbered_lines(path: Path) -> Iterator[tuple[int, str]]:
    """`complete_lines` with each line's number in the file (for errors that name it)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise _damaged(path, text_line(path, exc.start), "not UTF-8 text") from None
    lines = text.split("\n")
    lines.pop()  # after the last "\n": empty, or a line a kill cut short
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield number, line


def text_line(path: Path, offset: int) -> int:
    """The 1-based line holding byte `offset` of a file."""
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def _damaged(path: Path, number: int, what: str) -> Exception:
    from harness.store.io import ResultsError

    return ResultsError(f"{path}:{number}: damaged generation record ({what})",
                        "delete that line (its request runs again on the next run) or the whole file")


def iter_records(directory: Path) -> Iterator[tuple[Path, GenerationRecord]]:
    """Every complete record of a run's generation log; a damaged line is a ResultsError naming file:line."""
    for path in log_files(directory):
        for number, line in _numbered_lines(path):
            try:
                record = GenerationRecord.model_validate_json(line)
            except ValueError as exc:  # pydantic's ValidationError is a ValueError
                first = str(exc).splitlines()[1 if len(str(exc).splitlines()) > 1 else 0][:120]
                raise _damaged(path, number, first.strip()) from None
            yield path, record


def successful_keys(directory: Path) -> set[str]:
    """Keys of persisted successful generations, without validating whole records (cheap)."""
    keys: set[str] = set()
    for path in log_files(directory):
        for number, line in _numbered_lines(path):
            try:
                row = json.loads(line)
                if row.get("error") is None:
                    keys.add(row["key"])
            except (ValueError, AttributeError, KeyError, TypeError):
                raise _damaged(path, number, "not a JSON record with a key") from None
    return keys


def engine_wall_s(directory: Path) -> float:
    """Engine seconds over all sessions. A record's `wall_s` is the time from its session's start
    to its completion, so a session lasted its largest `wall_s`; data-parallel workers of one
    session ran at the same time, so a session counts once (its slowest worker)."""
    sessions: dict[tuple[int, int], float] = {}
    for path, rec in iter_records(directory):
        session = _order(path)[:2]
        sessions[session] = max(sessions.get(session, 0.0), rec.wall_s)
    return sum(sessions.values())


def next_session(directory: Path) -> int:
    """The index for a new session: one past every session (and chunk) already there."""
    return max((_order(p)[1] for p in log_files(directory) if SESSION_RE.match(p.name)), default=-1) + 1


class GenerationWriter:
    """Appends records to a new session file; each line reaches the OS at once, fsync in batches."""

    def __init__(self, path: Path, *, fsync_s: float = 2.0, fsync_every: int = 64) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.fsync_s = fsync_s
        self.fsync_every = fsync_every
        self.count = 0
        self._unsynced = 0
        self._last_sync = time.monotonic()
        # "x": a session file is never shared or reopened.
        self._fh: IO[str] | None = open(path, "x", encoding="utf-8")  # noqa: SIM115 - closed in close()

    def append(self, record: GenerationRecord) -> None:
        assert self._fh is not None, "writer is closed"
        self._fh.write(record.model_dump_json() + "\n")
        self._fh.flush()  # in the page cache: survives kill -9 of this process
        self.count += 1
        self._unsynced += 1
        if self._unsynced >= self.fsync_every or time.monotonic() - self._last_sync >= self.fsync_s:
            self.sync()

    def sync(self) -> None:
        """Make everything written so far durable (survives a node crash)."""
        if self._fh is not None and self._unsynced:
            os.fsync(self._fh.fileno())
        self._unsynced = 0
        self._last_sync = time.monotonic()

    def close(self) -> None:
        if self._fh is None:
            return
        fh = self._fh
        try:
            self.sync()
        finally:
            # Closed even when the disk is full (fsync or the final flush fails): a file object left to
            # the garbage collector would print "Exception ignored …" at exit.
            self._fh = None
            fh.close()
        if self.count == 0:
            self.path.unlink(missing_ok=True)  # a session that finished nothing leaves no file

    def __enter__(self) -> GenerationWriter:
        return self

    def __exit__(self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None) -> None:
        self.close()
