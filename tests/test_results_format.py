"""The documented results format: committed JSON Schema = the records, and a reader outside the harness."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from harness.cli import app
from harness.records import SCHEMA_VERSION
from harness.schema import record_schemas, render
from harness.store import Results

from claims_fixtures.builders import write_run

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "docs" / "schema" / f"v{SCHEMA_VERSION}"


def test_committed_schema_matches_the_records() -> None:
    committed = {p.name for p in SCHEMA_DIR.glob("*.schema.json")}
    assert committed == set(record_schemas()), "run `harness schema --out docs/schema`"
    for name, schema in record_schemas().items():
        assert (SCHEMA_DIR / name).read_text(encoding="utf-8") == render(schema), (
            f"docs/schema/v{SCHEMA_VERSION}/{name} is stale: run `harness schema --out docs/schema`")


def test_schema_command_prints_every_record(tmp_path: Path) -> None:
    out = CliRunner().invoke(app, ["schema"])
    assert out.exit_code == 0
    printed = json.loads(out.stdout)
    assert sorted(printed) == ["generation.schema.json", "manifest.schema.json", "metric.schema.json",
                               "sample.schema.json"]
    assert printed["sample.schema.json"]["properties"]["doc_id"]["type"] == "string"
    assert printed["sample.schema.json"]["additionalProperties"] is False


def test_pandas_reader_outside_the_harness_agrees_with_the_store(tmp_path: Path) -> None:
    results = tmp_path / "results"
    rng = np.random.default_rng(7)
    write_run(results, "m1", "t1", (rng.random((50, 4)) < 0.6).astype(float), finished_at="2026-01-02T00:00:00Z")
    write_run(results, "m2", "t1", (rng.random(40) < 0.3).astype(float), finished_at="2026-01-02T00:00:00Z")
    # A later, limited run must not replace the full one.
    limited = write_run(results, "m2", "t1", np.ones(10), finished_at="2026-02-01T00:00:00Z")
    manifest = results / "runs" / limited / "manifest.json"
    data = json.loads(manifest.read_text())
    data["run_settings"] = {"limit": 10}
    manifest.write_text(json.dumps(data))
    reader = Results(results)
    expected = {}
    for (model, task), sel in reader.selections().items():
        samples = reader.samples(sel.chosen)
        by_item: dict[str, list[float]] = {}
        for s in samples:
            by_item.setdefault(s.doc_id, []).append(s.score)
        expected[(model, task)] = (sum(sum(v) / len(v) for v in by_item.values()) / len(by_item), len(by_item))
    proc = subprocess.run([sys.executable, str(ROOT / "docs" / "read_results.py"), str(results), "--check"],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.strip().split("\n")
    got = {}
    for line in lines[:-1]:
        model, task, acc, n = line.split("\t")
        got[(model, task)] = (float(acc.split("=")[1]), int(n.split("=")[1]))
    assert got.keys() == expected.keys() == {("m1", "t1"), ("m2", "t1")}
    for key, (acc, n) in expected.items():
        assert got[key] == (round(acc, 4), n)
    assert got[("m2", "t1")][1] == 40
    # 3 runs: 3 manifests + 200 + 40 + 10 samples + 3 metrics
    assert lines[-1] == "valid records: 256"
