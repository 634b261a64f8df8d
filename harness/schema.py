"""The results format as JSON Schema: one file per record type, versioned with `SCHEMA_VERSION`.

`harness schema --out docs/schema` writes `docs/schema/v<N>/<record>.schema.json`; a test keeps the
committed files equal to what the records say, so the documentation cannot drift from the code.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from harness.records import SCHEMA_VERSION, GenerationRecord, MetricRecord, Record, RunManifest, SampleRecord

# File name → (record class, where it lives in a run folder, how it is stored).
RECORDS: dict[str, tuple[type[Record], str, str]] = {
    "manifest": (RunManifest, "runs/<run_key>/manifest.json", "one JSON object"),
    "sample": (SampleRecord, "runs/<run_key>/samples.jsonl", "one JSON object per line"),
    "metric": (MetricRecord, "runs/<run_key>/metrics.json", "a JSON list of objects"),
    "generation": (GenerationRecord, "runs/<run_key>/generations/*.jsonl", "one JSON object per line"),
}


def record_schemas() -> dict[str, dict[str, Any]]:
    """`<name>.schema.json` → its JSON Schema (draft 2020-12)."""
    out = {}
    for name, (cls, where, layout) in RECORDS.items():
        schema = cls.model_json_schema()
        schema = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": f"harness/results/v{SCHEMA_VERSION}/{name}.schema.json",
            **schema,
            "description": f"{schema.get('description', '')} Stored at {where} ({layout}).".strip(),
        }
        out[f"{name}.schema.json"] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_schemas(out_dir: Path) -> list[Path]:
    """Write every record's schema under `out_dir/v<SCHEMA_VERSION>/`; returns the paths."""
    target = out_dir / f"v{SCHEMA_VERSION}"
    target.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, schema in record_schemas().items():
        path = target / name
        path.write_text(render(schema), encoding="utf-8")
        paths.append(path)
    return paths
