"""The prefetch lock file: what a shared cache holds, with sizes and hashes.

`harness prefetch` writes `<cache>/harness-lock.json`; `harness submit` (on the login node) and
every job (on the compute node, before the engine starts) check that each model and dataset the
job needs is in it and on disk with the recorded sizes. Paths are relative to the cache, except
for local sources (a model directory, the `$HARNESS_DATA_DIR` mirror), which are absolute.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from harness.errors import InputError
from harness.specs import ModelSpec, TaskSpec
from harness.store import atomic_write_text, file_lock

SCHEMA_VERSION = 1


class Record(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LockedFile(Record):
    path: str
    size: int
    sha256: str
    hash_from: Literal["local", "hub"] = Field(
        "local", description="local = computed here; hub = the Hub's LFS sha256 of a large file")


class LockedModel(Record):
    id: str
    source: Literal["hub", "local", "gguf"]
    repo: str | None = None
    revision: str | None = Field(None, description="The revision the model spec pins")
    commit: str | None = Field(None, description="The commit the Hub resolved it to")
    location: str
    files: list[LockedFile]
    total_bytes: int


class LockedData(Record):
    task: str
    source: Literal["hub", "local"]
    dataset: str = Field(description="Hub 'path:name:split', or the mirror folder")
    files: list[LockedFile]
    total_bytes: int


class PrefetchLock(Record):
    schema_version: int = SCHEMA_VERSION
    updated_at: str
    models: dict[str, LockedModel] = Field(default_factory=dict)
    datasets: dict[str, LockedData] = Field(default_factory=dict)


class PrefetchMissingError(InputError):
    """A job needs a model or dataset the shared cache does not hold."""


def read_lock(path: Path) -> PrefetchLock | None:
    if not path.is_file():
        return None
    return PrefetchLock.model_validate_json(path.read_text(encoding="utf-8"))


def update_lock(path: Path, models: Sequence[LockedModel], datasets: Sequence[LockedData], when: str) -> PrefetchLock:
    """Merge entries into the lock file under a file lock (prefetches of several configs share it)."""
    with file_lock(path.with_name(path.name + ".lock")):
        lock = read_lock(path) or PrefetchLock(updated_at=when)
        lock = lock.model_copy(update={
            "updated_at": when,
            "models": {**lock.models, **{m.id: m for m in models}},
            "datasets": {**lock.datasets, **{d.task: d for d in datasets}},
        })
        atomic_write_text(path, lock.model_dump_json(indent=2) + "\n")
    return lock


def _absent(root: Path, files: Sequence[LockedFile]) -> str | None:
    for f in files:
        path = Path(f.path) if os.path.isabs(f.path) else root / f.path
        try:
            size = path.stat().st_size
        except OSError:
            return f"{path} is missing"
        if size != f.size:
            return f"{path} has {size} bytes, the lock says {f.size}"
    return None


def data_source(task: TaskSpec) -> tuple[Literal["hub", "local"], str]:
    """Where a job will read this task from (the same rule as `load_task_data`)."""
    from harness.settings import current

    root = current().data_dir
    if root and task.data.local is not None:
        return "local", str(Path(root).resolve())
    hub = task.data.hub
    return "hub", f"{hub.path}:{hub.name}:{hub.split}" if hub else "none"


def missing(lock: PrefetchLock | None, root: Path, models: Sequence[ModelSpec],
            tasks: Sequence[TaskSpec]) -> list[str]:
    """What of `models` and `tasks` the cache at `root` lacks, one phrase each (empty = all there)."""
    out: list[str] = []
    for m in models:
        entry = lock.models.get(m.id) if lock else None
        if entry is None:
            out.append(f"model {m.id}")
        elif m.source.type == "hub" and (entry.repo, entry.revision) != (m.source.repo, m.source.revision):
            out.append(f"model {m.id} at {m.source.repo}@{m.source.revision} (the lock has "
                       f"{entry.repo}@{entry.revision})")
        elif problem := _absent(root, entry.files):
            out.append(f"model {m.id} ({problem})")
    for t in tasks:
        d = lock.datasets.get(t.id) if lock else None
        source, where = data_source(t)
        if d is None:
            out.append(f"dataset of task {t.id}")
        elif (d.source, d.dataset) != (source, where):
            out.append(f"dataset of task {t.id} from {source} {where} (the lock has {d.source} {d.dataset})")
        elif problem := _absent(root, d.files):
            out.append(f"dataset of task {t.id} ({problem})")
    return out


def check_lock(lock_file: Path, models: Sequence[ModelSpec], tasks: Sequence[TaskSpec]) -> None:
    """PrefetchMissingError naming everything not prefetched into the cache of `lock_file`."""
    absent = missing(read_lock(lock_file), lock_file.parent, models, tasks)
    if absent:
        shown = ", ".join(absent[:4]) + (f" and {len(absent) - 4} more" if len(absent) > 4 else "")
        raise PrefetchMissingError(
            f"not prefetched into {lock_file.parent}: {shown}",
            f"run `harness prefetch CONFIG --cache {lock_file.parent}` on a login node")
