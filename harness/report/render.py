"""HTML rendering with Jinja2: the report page, and one page per task's samples when they are not
inlined. Jinja2 autoescapes everything by default, which matters here: prompts and model outputs are
untrusted text (they contain `</script>`, tags, links) and must reach the page as text. Styles and
scripts are inlined from `harness/report/static/`; data goes in as JSON with `<`, `>`, `&` escaped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from harness.report.data import CellRow
from harness.report.ranking import rankings
from harness.report.samples import SamplesIndex
from harness.report.views import Heatmap
from harness.store import atomic_write_text
from harness.store.files import inside

HERE = Path(__file__).resolve().parent
CELL_COLUMNS = (
    "model", "task", "suite", "group", "language", "family", "kind", "size", "params_b", "metric", "score", "ci_low",
    "ci_high", "n", "n_samples", "trunc_rate", "n_ungradable", "tokens", "ref_score", "ref_match", "ref_source",
    "ref_setting", "delta", "limit", "run_key", "notes", "other_metrics", "revision", "weights_hash", "data_files",
    "env", "finished_at", "gpu_s", "dry",
)  # fmt: skip


@lru_cache(maxsize=4)
def static(name: str) -> str:
    return (HERE / "static" / name).read_text(encoding="utf-8")


def environment(has_run: Callable[[str, str], bool] | None = None) -> Any:
    """The Jinja2 environment with the report's filters; `has_run` decides which runs are linked."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)  # fmt: skip
    env.filters["signed"] = signed
    env.filters["pvalue"] = pvalue
    env.globals["has_run"] = has_run or (lambda model, task: False)
    return env


def signed(x: float | None, unit: str = "") -> str:
    """An estimate as text: counts (rank, languages) as integers, differences with a sign."""
    if x is None or not math.isfinite(x):
        return "–"
    x += 0.0  # -0.0 (a negated zero) reads "+0.00", not "-0.00"
    return f"{x:.0f}" if unit in ("rank", "languages") else f"{x:+.2f}"


def pvalue(p: float | None) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    return "<0.0001" if p < 1e-4 else f"{p:.3g}"


def safe_json(data: Any) -> str:
    """JSON that cannot end the <script> element it sits in (or open a comment)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _r(x: float | None, digits: int = 5) -> float | None:
    return None if x is None or not math.isfinite(x) else round(x, digits)


def _tokens(r: CellRow) -> float | None:
    """Mean output tokens; None (unknown) for an imported run whose source recorded no token counts."""
    return None if r.imported and not r.mean_output_tokens else _r(r.mean_output_tokens, 1)


def page_data(rows: list[CellRow], samples: SamplesIndex, heatmaps: list[Heatmap]) -> dict[str, Any]:
    """What the page's scripts need: the cells (column-wise), shared environments, the samples index."""
    envs: list[dict[str, Any]] = []
    env_ids: dict[str, int] = {}
    table = []
    for r in rows:
        p = r.provenance
        env = {"packages": p["packages"], "device": p["device"], "git_commit": p["git_commit"],
               "harness_version": p["harness_version"]}  # fmt: skip
        key = json.dumps(env, sort_keys=True)
        if key not in env_ids:
            env_ids[key] = len(envs)
            envs.append(env)
        table.append([
            r.model, r.task, r.suite, r.group, r.language, r.family, r.kind, r.size, r.params_b, r.metric,
            _r(r.score), _r(r.ci_low), _r(r.ci_high), r.n, r.n_samples, _r(r.truncation_rate), r.n_ungradable,
            _tokens(r), r.reference_score, r.reference_protocol_match or None, r.reference_source,
            r.reference_setting, _r(r.delta_vs_reference, 3), r.limit, r.run_key, r.notes,
            {k: _r(v) for k, v in r.other_metrics.items()}, p["model_revision"], p["weights_hash"], p["data_files"],
            env_ids[key], p["finished_at"], _r(r.gpu_seconds_per_item, 3), r.dry,
        ])  # fmt: skip
    return {
        "cells": {"columns": list(CELL_COLUMNS), "rows": table},
        "envs": envs,
        "samples": {t.task: {"counts": t.counts, "page": t.page} for t in samples.tasks.values()},
        "rankings": [{"suite": k.suite, "tasks": k.tasks, "chance": [k.chance[t] for t in k.tasks],
                      "languages": k.languages,
                      "models": [[a.model, a.family, a.size, _r(a.score, 4), _r(a.ci_low, 4), _r(a.ci_high, 4),
                                  a.covered, [_r(a.tasks.get(t), 4) for t in k.tasks],
                                  [_r(a.languages.get(lang), 4) for lang in k.languages], a.dry]
                                 for a in k.models]} for k in rankings(rows)],
        "heat": [{"group": h.group, "title": h.title, "models": h.models, "languages": h.languages,
                  "scores": [[_r(v, 4) for v in row] for row in h.scores], "cells": h.cells,
                  "relative": {m: _r(v, 4) for m, v in h.relative.items()},
                  "difference": {m: [_r(x, 4) for x in v] for m, v in h.difference.items()}} for h in heatmaps],
    }  # fmt: skip


def render_report(context: dict[str, Any], has_run: Callable[[str, str], bool]) -> str:
    env = environment(has_run)
    return env.get_template("report.html.j2").render(
        css=static("report.css"), report_js=static("report.js"), samples_js=static("samples.js"), **context)


def code_version() -> str:
    """A hash of the code that makes a sample page (its packing, templates and static files) and the
    harness version: part of the key under which pages are reused, so changed code rewrites them."""
    import hashlib

    from harness import __version__

    digest = hashlib.sha256(__version__.encode())
    files = [HERE / "samples.py", HERE / "render.py"]
    for folder in ("templates", "static"):
        files += sorted((HERE / folder).iterdir())
    for path in files:
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@lru_cache(maxsize=1)
def _page_template() -> Any:
    """The sample page's template, compiled once per process (a build writes one page per task)."""
    return environment().get_template("samples_page.html.j2")


def write_samples_page(pages_dir: Path, back: str, task: str, blob: str, counts: dict[str, dict[str, int]],
                       stamp: dict[str, Any]) -> Path:  # fmt: skip
    """One self-contained page with a task's samples (`<report>/samples/<task>.html`); its second line
    is a stamp (key, counts, sizes) that lets the next build reuse it (`samples.reuse_page`)."""
    pages_dir.mkdir(parents=True, exist_ok=True)
    stamp_json = json.dumps({**stamp, "counts": counts}, separators=(",", ":")).replace("--", "-\\u002d")
    html = _page_template().render(
        css=static("report.css"), samples_js=static("samples.js"), task=task, blob=blob, back=back,
        counts=counts, n_samples=sum(sum(c.values()) for c in counts.values()), stamp_json=stamp_json,
        index_json=safe_json({task: {"counts": counts, "page": None}}))
    path = inside(pages_dir, f"{task}.html")  # a task id read from a record must not leave the folder
    atomic_write_text(path, html)
    return path
