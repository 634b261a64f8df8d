"""Files on disk: atomic writes, JSONL writes, and an advisory lock for files shared between runs.

Files are written to a temporary name in the same folder and `os.replace`d, so a reader never sees
half a file and a killed job leaves either the old file or the new one. Files shared between runs
(the leaderboard) are rewritten under an exclusive `fcntl.flock`, which works for Slurm array jobs
on one shared filesystem (NFSv4, Lustre and GPFS honour it).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel


def current_umask() -> int:
    """The process umask. Linux shows it in /proc (thread-safe); elsewhere reading it means setting it
    for an instant."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old or the new file, never a mix.

    The file gets the mode a plain `open()` would give it (0666 less the umask): `mkstemp` creates
    0600 files, which would hide every result from the rest of a team sharing the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def inside(root: Path, *parts: str) -> Path:
    """`root / part / …`, refused (InputError) unless it stays under `root`: each part one plain file
    name (no separator, no `..`, at most 255 bytes) and the resolved path (symlinks followed) inside
    the resolved root. Every path the harness builds from a name it read goes through here."""
    from harness.errors import InputError

    path = root
    for part in parts:
        if (not part or part in (".", "..") or "/" in part or "\\" in part or "\0" in part
                or len(part.encode("utf-8", "surrogatepass")) > 255):
            raise InputError(f"refused to write {part[:60]!r} under {root}: not a plain file name",
                             "ids in records must be plain names; the record may be damaged or crafted")
        path = path / part
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and real_root not in real.parents:
        raise InputError(f"refused to write {path}: it resolves to {real}, outside {real_root}",
                         "remove the symlink that points out of the results folder")
    return path


def writable_dir(path: Path, what: str = "results folder", *, keep: bool = True) -> Path:
    """`path`, created if missing, checked to take a new file: InputError (one line) when it cannot,
    before any work (a file in the way, a dangling or looping symlink, a read-only folder). With
    `keep=False` the folders this check created are removed again, so a command that later stops on
    other bad input leaves nothing behind."""
    from harness.errors import InputError

    created: list[Path] = []
    try:
        missing = path
        while not missing.exists() and not missing.is_symlink() and missing != missing.parent:
            created.append(missing)
            missing = missing.parent
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path, prefix=".harness-write-check-"):
            pass
        if not keep:
            for folder in created:  # deepest first; each was empty when made
                folder.rmdir()
    except OSError as exc:
        raise InputError(f"{what} {path}: {exc.strerror or type(exc).__name__}",
                         "pass a folder you can write (--results DIR)") from None
    except RuntimeError as exc:  # pathlib reports a symlink loop as a RuntimeError
        raise InputError(f"{what} {path}: {exc}", "pass a folder you can write (--results DIR)") from None
    return path


def write_jsonl(path: Path, records: Iterable[BaseModel]) -> None:
    atomic_write_text(path, "".join(r.model_dump_json() + "\n" for r in records))


@contextlib.contextmanager
def file_lock(path: Path) -> Iterator[None]:
    """Exclusive advisory lock held for the duration of the block."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
