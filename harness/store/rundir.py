"""One run's folder, `<results>/runs/<run_key>/`: manifest, generations (the resume cache),
samples and metrics. Each run writes only its own folder.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

from harness.records import GenerationRecord, MetricRecord, RunManifest, SampleRecord
from harness.store.files import atomic_write_text, write_jsonl
from harness.store.generations import GenerationWriter, engine_wall_s, iter_records, next_session, successful_keys
from harness.store.ids import check_id, id_problem
from harness.store.io import read_json, read_jsonl, read_metrics


class RunDir:
    """The files of one run: `<results>/runs/<run_key>/`."""

    def __init__(self, results: Path, run_key: str) -> None:
        self.results = results
        self.run_key = check_id("run key", run_key)
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

    # -- one process at a time
    @contextlib.contextmanager
    def claim(self, on_wait: Callable[[str], None]) -> Iterator[None]:
        """Hold this run's lock (`<results>/runs/.locks/<run_key>.lock`, `fcntl.flock`) for the block.

        Two `harness run` processes on one results folder would otherwise both run the same requests.
        The second one waits here, saying so, and then finds the work done (or resumes what is left):
        nothing is run twice. The lock ends with its process, so a killed run never leaves it held."""
        path = self.results / "runs" / ".locks" / f"{self.run_key}.lock"
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+", encoding="utf-8") as fh:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                fh.seek(0)
                holder = fh.read(200).strip() or "another process"
                on_wait(f"run {self.run_key} is being run by another harness process ({holder}); waiting for it, "
                        "then its finished requests are reused")
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
            fh.truncate(0)
            fh.write(f"pid {os.getpid()} on {socket.gethostname()}\n")
            fh.flush()
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)

    # -- manifest
    def write_manifest(self, manifest: RunManifest) -> None:
        atomic_write_text(self.manifest_path, manifest.model_dump_json(indent=2) + "\n")

    def read_manifest(self) -> RunManifest | None:
        if not self.manifest_path.is_file():
            return None
        return read_json(self.manifest_path, RunManifest)

    def is_complete(self) -> bool:
        manifest = self.read_manifest()
        return bool(manifest and manifest.status == "complete" and self.metrics_path.is_file())

    # -- generations (the resume cache; see harness.store.generations)
    def cached_generations(self) -> dict[str, GenerationRecord]:
        """Every persisted successful generation by request key (failed requests are retried)."""
        out: dict[str, GenerationRecord] = {}
        for _, rec in iter_records(self.generations_dir):
            if rec.error is None:
                out[rec.key] = rec
        return out

    def generation_keys(self) -> set[str]:
        """Keys of the persisted successful generations; cheaper than `cached_generations` (progress)."""
        return successful_keys(self.generations_dir)

    def generation_wall_s(self) -> float:
        """Engine seconds spent generating this run, over every session that added records."""
        return engine_wall_s(self.generations_dir)

    def open_writer(self, worker: int = 0, session: int | None = None, *, fsync_s: float = 2.0,
                    fsync_every: int = 64) -> GenerationWriter:
        """A writer for a new session file (each finished request is appended as it completes).

        Data-parallel workers of one session pass the same `session` and their own `worker`."""
        index = next_session(self.generations_dir) if session is None else session
        while True:
            try:
                return GenerationWriter(self.generations_dir / f"session-{index:05d}-w{worker}.jsonl",
                                        fsync_s=fsync_s, fsync_every=fsync_every)
            except FileExistsError:  # another writer took this index: never share a file
                if session is not None:
                    raise
                index += 1

    def append_chunk(self, records: list[GenerationRecord]) -> Path:
        """Persist a batch of generations as one new session file (never rewrites an old one)."""
        with self.open_writer() as writer:
            for rec in records:
                writer.append(rec)
        return writer.path

    # -- derived records
    def write_samples(self, samples: list[SampleRecord]) -> None:
        write_jsonl(self.samples_path, samples)

    def read_samples(self) -> list[SampleRecord]:
        if not self.samples_path.is_file():
            return []
        return read_jsonl(self.samples_path, SampleRecord)

    def write_metrics(self, metrics: list[MetricRecord]) -> None:
        payload = [m.model_dump() for m in metrics]
        atomic_write_text(self.metrics_path, json.dumps(payload, indent=2) + "\n")

    def read_metrics(self) -> list[MetricRecord]:
        if not self.metrics_path.is_file():
            return []
        return read_metrics(self.metrics_path)


def iter_runs(results: Path) -> Iterator[RunDir]:
    runs = results / "runs"
    if not runs.is_dir():
        return
    for path in sorted(runs.iterdir()):
        if id_problem(path.name) is None and path.is_dir() and (path / "manifest.json").is_file():
            yield RunDir(results, path.name)
