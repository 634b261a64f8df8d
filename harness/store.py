"""The results directory: one folder per run, atomic writes, and a lock for shared files.

Each run writes only `runs/<run_key>/`. Files are written to a temporary name in the same folder
and `os.replace`d, so a reader never sees half a file and a killed job leaves either the old
file or the new one. Files shared between runs (the leaderboard) are rewritten under an
exclusive `fcntl.flock`, which works for Slurm array jobs on one shared filesystem (NFSv4, Lustre
and GPFS honour it).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path

from pydantic import BaseModel

from harness.records import GenerationRecord, MetricRecord, RunManifest, SampleRecord


def atomic_write_text(path: Path, text: str) -> None:
    """Write `text` to `path` so that readers see the old or the new file, never a mix."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


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


class RunDir:
    """The files of one run: `<results>/runs/<run_key>/`."""

    def __init__(self, results: Path, run_key: str) -> None:
        self.results = results
        self.run_key = run_key
        self.path = results / "runs" / run_key

    @property
    def manifest_path(self) -> Path:
        return self.path / "manifest.json"

    @property
    def samples_path(self) -> Path:
        return self.path / "samples.jsonl"

    @property
    def metrics_path(self) -> Path:
        return self.path / "metrics.json"

    @property
    def generations_dir(self) -> Path:
        return self.path / "generations"

    # -- manifest
    def write_manifest(self, manifest: RunManifest) -> None:
        atomic_write_text(self.manifest_path, manifest.model_dump_json(indent=2) + "\n")

    def read_manifest(self) -> RunManifest | None:
        if not self.manifest_path.is_file():
            return None
        return RunManifest.model_validate_json(self.manifest_path.read_text(encoding="utf-8"))

    def is_complete(self) -> bool:
        manifest = self.read_manifest()
        return bool(manifest and manifest.status == "complete" and self.metrics_path.is_file())

    # -- generations (the resume cache)
    def cached_generations(self) -> dict[str, GenerationRecord]:
        """Every persisted generation by request key. Chunks are whole files (atomic)."""
        out: dict[str, GenerationRecord] = {}
        if not self.generations_dir.is_dir():
            return out
        for chunk in sorted(self.generations_dir.glob("chunk-*.jsonl")):
            for line in chunk.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    rec = GenerationRecord.model_validate_json(line)
                    if rec.error is None:
                        out[rec.key] = rec
        return out

    def generation_wall_s(self) -> float:
        """Engine time over all persisted chunks (each chunk records its batch's wall time)."""
        total = 0.0
        for chunk in sorted(self.generations_dir.glob("chunk-*.jsonl")):
            walls = [GenerationRecord.model_validate_json(x).wall_s
                     for x in chunk.read_text(encoding="utf-8").splitlines() if x.strip()]
            total += max(walls, default=0.0)
        return total

    def append_chunk(self, records: list[GenerationRecord]) -> Path:
        """Persist one chunk of generations as a new file (never rewrites an old one)."""
        self.generations_dir.mkdir(parents=True, exist_ok=True)
        index = len(list(self.generations_dir.glob("chunk-*.jsonl")))
        while True:
            path = self.generations_dir / f"chunk-{index:05d}.jsonl"
            if not path.exists():
                break
            index += 1
        write_jsonl(path, records)
        return path

    # -- derived records
    def write_samples(self, samples: list[SampleRecord]) -> None:
        write_jsonl(self.samples_path, samples)

    def read_samples(self) -> list[SampleRecord]:
        if not self.samples_path.is_file():
            return []
        lines = self.samples_path.read_text(encoding="utf-8").splitlines()
        return [SampleRecord.model_validate_json(x) for x in lines if x.strip()]

    def write_metrics(self, metrics: list[MetricRecord]) -> None:
        payload = [m.model_dump() for m in metrics]
        atomic_write_text(self.metrics_path, json.dumps(payload, indent=2) + "\n")

    def read_metrics(self) -> list[MetricRecord]:
        if not self.metrics_path.is_file():
            return []
        return [MetricRecord.model_validate(m) for m in json.loads(self.metrics_path.read_text())]


def iter_runs(results: Path) -> Iterator[RunDir]:
    runs = results / "runs"
    if not runs.is_dir():
        return
    for path in sorted(runs.iterdir()):
        if path.is_dir() and (path / "manifest.json").is_file():
            yield RunDir(results, path.name)
