"""One run's folder, `<results>/runs/<run_key>/`: manifest, generations (the resume cache),
samples and metrics. Each run writes only its own folder.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from harness.records import GenerationRecord, MetricRecord, RunManifest, SampleRecord
from harness.store.files import atomic_write_text, write_jsonl
from harness.store.io import read_json, read_jsonl, read_metrics


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
        return read_json(self.manifest_path, RunManifest)

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
        if path.is_dir() and (path / "manifest.json").is_file():
            yield RunDir(results, path.name)
