"""Read a harness results directory with pandas alone (no harness import): a worked example.

    python docs/read_results.py results/            # prints one line per evidence run
    python docs/read_results.py results/ --check    # also validates every record (needs `jsonschema`)

It follows docs/results-format.md: every run folder holds manifest.json, samples.jsonl and
metrics.json; only `status: complete` runs are evidence; JSONL is split on "\\n" only.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path

import pandas as pd

SUPPORTED_VERSION = 3


def read_jsonl(path: Path) -> list[dict]:
    # Split on "\n" only: str.splitlines() would also split on U+2028/U+0085 inside JSON strings.
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def load(results: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(runs, samples, metrics) frames over every complete run under `results/runs/`."""
    runs, samples, metrics = [], [], []
    for manifest_path in sorted((results / "runs").glob("*/manifest.json")):
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("schema_version", 1) > SUPPORTED_VERSION:
            sys.exit(f"{manifest_path}: schema {manifest['schema_version']} is newer than this script")
        if manifest["status"] != "complete":
            continue
        folder = manifest_path.parent
        runs.append({
            "run_key": manifest["run_key"], "model": manifest["model"], "task": manifest["task"],
            "limit": manifest["run_settings"].get("limit"), "n_requests": manifest.get("n_requests", 0),
            "finished_at": datetime.fromisoformat(manifest["finished_at"].replace("Z", "+00:00")),
        })
        if (folder / "samples.jsonl").is_file():
            samples.extend(read_jsonl(folder / "samples.jsonl"))
        if (folder / "metrics.json").is_file():
            metrics.extend({**m, "run_key": manifest["run_key"]}
                           for m in json.loads((folder / "metrics.json").read_text(encoding="utf-8")))
    return pd.DataFrame(runs), pd.DataFrame(samples), pd.DataFrame(metrics)


def evidence_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """One run per model × task, chosen as the harness does: full runs, then more requests, then latest."""
    ranked = runs.assign(full=runs["limit"].isna()).sort_values(
        ["model", "task", "full", "n_requests", "finished_at"], ascending=[True, True, False, False, False])
    return ranked.drop_duplicates(["model", "task"]).drop(columns="full")


def check(results: Path, schema_dir: Path) -> int:
    """Validate every record against the JSON Schema; returns the number of records checked."""
    import jsonschema

    schemas = {name: json.loads((schema_dir / f"{name}.schema.json").read_text()) for name in
               ("manifest", "sample", "metric")}
    count = 0
    for folder in sorted(p for p in (results / "runs").iterdir() if (p / "manifest.json").is_file()):
        jsonschema.validate(json.loads((folder / "manifest.json").read_text()), schemas["manifest"])
        count += 1
        for rec in read_jsonl(folder / "samples.jsonl") if (folder / "samples.jsonl").is_file() else []:
            jsonschema.validate(rec, schemas["sample"])
            count += 1
        for rec in json.loads((folder / "metrics.json").read_text()) if (folder / "metrics.json").is_file() else []:
            jsonschema.validate(rec, schemas["metric"])
            count += 1
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", type=Path)
    parser.add_argument("--check", action="store_true", help="validate every record against docs/schema/")
    args = parser.parse_args()
    runs, samples, metrics = load(args.results)
    if runs.empty:
        print("no complete runs")
        return
    chosen = evidence_runs(runs)
    used = samples[samples["run_key"].isin(chosen["run_key"])]
    per_item = used.groupby(["model", "task", "doc_id"])["score"].mean()  # k samples of an item = one cluster
    accuracy = per_item.groupby(["model", "task"]).agg(["mean", "size"])
    for (model, task), row in accuracy.iterrows():
        print(f"{model}\t{task}\taccuracy={row['mean']:.4f}\tn={int(row['size'])}")
    if args.check:
        schema_dir = Path(__file__).resolve().parent / "schema" / f"v{SUPPORTED_VERSION}"
        print(f"valid records: {check(args.results, schema_dir)}")


if __name__ == "__main__":
    main()
