"""`harness tasks --lm-eval`: every lm-eval name the harness can run, from the cached index."""

from __future__ import annotations

import fnmatch
from pathlib import Path

from harness.catalog_view import table
from harness.lm_eval_tasks.catalog import PREFIX, project_root
from harness.lm_eval_tasks.index import BUNDLED, Listed, full_index


def _runs(entry: Listed) -> str:
    if entry.unsafe_code:
        return "no: runs model code"
    if entry.multimodal:
        return "no: images/audio"
    return "yes"


def _what(entry: Listed) -> str:
    if entry.kind in ("group", "tag"):
        size = f"{len(entry.members)} members"
        return f"{size}, aggregated" if entry.aggregate else size
    return entry.output_type or ""


def lm_eval_table(config_dir: Path, pattern: str | None = None) -> str:
    """One row per lm-eval task, group and tag (bundled and project), optionally filtered by a glob."""
    index = full_index(project_root(config_dir))
    names = sorted(n for n in index if pattern is None or fnmatch.fnmatchcase(n, pattern))
    rows = []
    for name in names:
        e = index[name]
        data = ",".join(e.data_files) if e.data_files else (e.dataset or "")
        source = "lm-eval" if e.source == BUNDLED else f"project ({Path(e.source).name})"
        rows.append([f"{PREFIX}{name}", e.kind.replace("py_task", "task (python)"), _what(e),
                     data if len(data) < 50 else data[:47] + "...", source, _runs(e)])
    headers = ["id", "kind", "output type / members", "data", "source", "runs"]
    shown = f" matching '{pattern}'" if pattern else ""
    return table(headers, rows) + f"\n{len(rows)} lm-eval names{shown} (run one with --tasks {PREFIX}<name>)"
