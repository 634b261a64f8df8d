"""`build_report`: results directory → `report.html` (+ figures and, for large results, sample pages).

Stages: read the evidence runs (`Results`), join published references, evaluate the claims ledger
(unless the caller already has verdicts), draw the figures, pack the samples, render. Everything is
derived from the records; no GPU, no network. Files written:

    <out>                              the report (self-contained)
    <out without suffix>/figures/      every figure as PNG and SVG
    <out without suffix>/samples/      one page per task, only when samples are too many to inline

Sample pages of runs that have not changed since the last build are reused (see
`harness.report.samples.page_key`). Builds into the same place take turns (a file lock), so Slurm
array jobs that finish together each leave a whole report.
"""

from __future__ import annotations

import datetime as dt
import os
import time
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import __version__
from harness.report import claims_view as cv
from harness.report.data import (
    CellRow,
    attach_references,
    best_references,
    collect_cells,
    default_references,
    score_book,
)
from harness.report.figures import Figure, FigureWriter
from harness.report.jobs import executor
from harness.report.render import code_version, page_data, render_report, safe_json, write_samples_page
from harness.report.samples import (
    INLINE_MAX_BYTES,
    INLINE_MAX_SAMPLES,
    TEXT_BUDGET,
    Reader,
    RunRef,
    TaskSamples,
    finish_index,
    pack_task,
    page_key,
    plan_samples,
    read_run_samples,
    reuse_page,
)
from harness.report.views import (
    DEFAULT_TOLERANCE,
    VariantGroup,
    heatmaps,
    reasoning_rows,
    reproduction,
    variant_groups,
)
from harness.store import Results, atomic_write_text, file_lock
from harness.store.files import inside
from harness.store.results import describe_problems

if TYPE_CHECKING:
    from harness.claims import Ledger, Verdict
    from harness.config import Catalog

PARALLEL_MIN_SAMPLES = 100_000  # below this, starting worker processes costs more than it saves
NO_LEDGER = "No claims ledger found (seeds/claims.yaml); pass --claims to include the claims."


@dataclass
class ReportSummary:
    """What was written, with counts a caller (or a test) can check, and seconds per stage."""

    path: Path
    files_dir: Path
    figures: list[Path]
    sample_pages: list[Path]
    n_models: int
    n_tasks: int
    n_cells: int
    n_samples: int
    n_claims: int
    bytes: int
    seconds: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def default_ledger() -> Path | None:
    """`seeds/claims.yaml` in the working directory, else in the harness checkout."""
    from harness.config import PACKAGE_ROOT

    for path in (Path("seeds/claims.yaml"), PACKAGE_ROOT / "seeds" / "claims.yaml"):
        if path.is_file():
            return path
    return None


def _clear(folder: Path, pattern: str) -> None:
    """Remove what an earlier build wrote (only our own file types), so nothing stale is linked."""
    if folder.is_dir():
        for old in folder.glob(pattern):
            if old.is_file():
                old.unlink()


def _reusable_pages(pages_dir: Path, refs: dict[str, list[RunRef]], cell_budget: int, root: Path,
                    inline: bool) -> tuple[dict[str, TaskSamples], dict[str, str]]:  # fmt: skip
    """Sample pages of an earlier build whose runs are unchanged (reused as they are), and the key of
    every task's page. Pages of tasks no longer in the results are removed."""
    if pages_dir.is_dir():
        for old in pages_dir.glob("*.html"):
            if inline or old.stem not in refs:
                old.unlink()
    if inline:
        return {}, {}
    code = code_version()
    keys = {task: page_key(task, rs, cell_budget, root, code) for task, rs in refs.items()}
    reused = {}
    for task, key in keys.items():
        found = reuse_page(inside(pages_dir, f"{task}.html"), key)
        if found is not None:
            reused[task] = found
    return reused, keys


def _variant_rows(rows: list[CellRow], groups: list[VariantGroup]) -> list[dict[str, Any]]:
    """Per group and reasoning task (every task when none is from the reasoning suite), the scores in order."""
    by = {(r.model, r.task): r for r in rows}
    tasks = {r.task for r in reasoning_rows(rows)} or {r.task for r in rows}
    out = []
    for g in groups:
        for task in sorted({r.task for r in rows if r.model in g.models and r.task in tasks}):
            points = [(m, by[(m, task)].score, by[(m, task)].mean_output_tokens) for m in g.models if (m, task) in by]
            if len(points) >= 2:
                out.append({"weights": g.weights.split("@")[0], "kind": g.kind, "task": task, "points": points})
    return out


def _section_figures(rows: list[CellRow], writer: FigureWriter, tolerance: float) -> dict[str, Any]:
    from harness.report.plots import heatmap_figure, reasoning_figure, relative_figure, reproduction_figure

    maps = heatmaps(rows)
    out: dict[str, Any] = {"heatmaps": [], "reasoning_figs": []}
    for h in maps:
        alt = f"{h.title} heatmap: {len(h.models)} models × {len(h.languages)} languages"
        out["heatmaps"].append((h, writer.save(heatmap_figure(h), f"heatmap-{h.group}", f"{h.title} by language", alt)))
    rel = relative_figure(maps)
    out["relative"] = rel and writer.save(rel, "multilingual-relative", "Non-English relative to English",
                                          "non-English minus English accuracy per model, with 95% intervals")
    reasoning = reasoning_rows(rows)
    groups = variant_groups(rows)
    fig = reasoning_figure(reasoning, groups, "tokens")
    if fig is not None:
        out["reasoning_figs"].append(writer.save(fig, "reasoning-tokens", "Accuracy vs mean output tokens",
                                                 "accuracy against output tokens per reasoning task"))
    fig = reasoning_figure(reasoning, groups, "gpu_seconds")
    if fig is not None:
        out["reasoning_figs"].append(writer.save(fig, "reasoning-gpu-seconds", "Accuracy vs GPU-seconds per item",
                                                 "accuracy against GPU-seconds per item per reasoning task"))
    out["gpu_note"] = ("" if fig is not None or not reasoning else
                       "No reasoning run was measured on GPUs, so there is no GPU-seconds plot yet.")
    out["variants"] = _variant_rows(rows, groups)
    repro = reproduction(rows, tolerance)
    fig = reproduction_figure(repro)
    out["repro"], out["repro_fig"] = repro, fig and writer.save(
        fig, "reproduction", "Measured vs published", "scatter of measured against published scores")
    return out


def _forest_figures(articles: list[cv.ArticleView] | None, writer: FigureWriter) -> dict[str, Figure]:
    from harness.report.forest import forest_figure

    out = {}
    for claim in (c for a in articles or [] for c in a.claims):
        fig = forest_figure(claim)
        if fig is not None:
            out[claim.id] = writer.save(fig, f"forest-{claim.id}", f"Forest plot of {claim.id}",
                                        f"estimates and 95% intervals of {claim.id} against its margin")
    return out


def build_report(results_dir: Path, out: Path | None = None, *, catalog: Catalog | None = None,
                 ledger_path: Path | None = None, verdicts: tuple[list[Verdict], Ledger] | None = None,
                 gpu: str = "h100-80gb", gpus_per_node: int = 8, tolerance: float = DEFAULT_TOLERANCE,
                 inline_max_samples: int = INLINE_MAX_SAMPLES, inline_max_bytes: int = INLINE_MAX_BYTES,
                 text_budget: int = TEXT_BUDGET, workers: int | None = None) -> ReportSummary:  # fmt: skip
    """Build the report of `results_dir` into `out` (default `<results_dir>/report.html`).

    `verdicts`: (verdicts, ledger) already evaluated (as `harness claims` has them); otherwise the
    ledger at `ledger_path` (default `default_ledger()`) is evaluated here; with no ledger at all the
    claims section says so. With many samples (`PARALLEL_MIN_SAMPLES`) the claims and the samples are
    worked on in `workers` processes (default: the CPU count, at most 8) while the figures are drawn.
    Raises InputError (from the store or the ledger) on bad input.
    """
    from harness.config import load_catalog

    opts = Options(gpu, gpus_per_node, tolerance, inline_max_samples, inline_max_bytes, text_budget, workers)
    out = out or results_dir / "report.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(out.parent / f".{out.name}.lock"):
        return _build(results_dir, out, catalog or load_catalog(), ledger_path, verdicts, opts)


@dataclass(frozen=True)
class Options:
    gpu: str
    gpus_per_node: int
    tolerance: float
    inline_max_samples: int
    inline_max_bytes: int
    text_budget: int
    workers: int | None


class Stopwatch:
    """Seconds per stage of a build, for the caller (`ReportSummary.seconds`)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self._clock = time.perf_counter()

    def lap(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._clock, 3)
        self._clock = now


def _build(results_dir: Path, out: Path, catalog: Catalog, ledger_path: Path | None,
           verdicts: tuple[list[Verdict], Ledger] | None, opts: Options) -> ReportSummary:
    watch = Stopwatch()
    lap = watch.lap
    files_dir = out.with_suffix("")
    reader = Results(results_dir, catalog)
    selections = reader.selections()
    refs, inline, cell_budget = plan_samples(selections, inline_max_samples=opts.inline_max_samples,
                                             text_budget=opts.text_budget)  # fmt: skip
    writer = FigureWriter(out, f"{files_dir.name}/figures")
    _clear(writer.dir, "*.png")
    _clear(writer.dir, "*.svg")
    pages_dir = files_dir / "samples"
    page_writer = partial(write_samples_page, pages_dir, f"../../{out.name}")
    reused, keys = _reusable_pages(pages_dir, refs, cell_budget, results_dir, inline)
    to_pack = {task: rs for task, rs in refs.items() if task not in reused}
    n_samples = sum(r.n_samples for rs in to_pack.values() for r in rs)
    workers = opts.workers
    if workers is None:  # worker processes pay off only for many samples
        workers = min(os.cpu_count() or 1, 8) if n_samples >= PARALLEL_MIN_SAMPLES else 1
    ledger = None if verdicts is not None else ledger_path or default_ledger()
    lap("select runs")
    with executor(workers) as pool:
        # Claims and samples go to the workers first; the cells are read and the figures drawn here meanwhile.
        claims_job = pool.submit(cv.evaluate_claims, ledger, results_dir, catalog) if ledger else None
        read: Reader = (partial(read_run_samples, results_dir) if workers > 1
                        else (lambda key: reader.samples(key, cache=False)))  # fmt: skip
        sample_jobs = [pool.submit(pack_task, task, rs, read, cell_budget, None if inline else page_writer,
                                   keys.get(task, "")) for task, rs in to_pack.items()]  # fmt: skip
        lap("jobs submitted (in-process: claims and samples done)" if workers <= 1 else "jobs submitted")
        rows = collect_cells(reader)
        references = best_references(default_references(catalog))
        attach_references(rows, references)
        lap("read cells")
        figs = _section_figures(rows, writer, opts.tolerance)
        lap("figures")
        if claims_job is not None:
            verdicts = claims_job.result()
        articles = None if verdicts is None else cv.claims_view(verdicts[0], verdicts[1], catalog, gpu=opts.gpu,
                                                                gpus_per_node=opts.gpus_per_node,
                                                                scores=score_book(rows, references))  # fmt: skip
        claims_note = "" if articles is not None else NO_LEDGER
        lap("claims (wait)")
        figs["forest"] = _forest_figures(articles, writer)
        lap("forest plots")
        packed = [job.result() for job in sample_jobs] + list(reused.values())
    samples = finish_index(sorted(packed, key=lambda t: t.task), inline, cell_budget, page_writer,
                           lambda task: f"{files_dir.name}/samples/{task}.html", opts.inline_max_bytes)
    lap(f"samples (wait; {len(reused)} of {len(refs)} task pages reused)")
    available = {(m, t) for t, info in samples.tasks.items() for m in info.counts}
    problems = describe_problems(reader.problems, limit=200)
    n = {"models": len({r.model for r in rows}), "tasks": len({r.task for r in rows}), "cells": len(rows),
         "samples": samples.n_samples, "claims": sum(len(a.claims) for a in articles or []),
         "synthetic": sum(r.synthetic for r in rows), "dry": sum(r.dry for r in rows),
         "imported": sum(r.imported for r in rows)}  # fmt: skip
    context = {
        "generated_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), "results_dir": str(results_dir),
        "version": __version__, "n": n, "articles": articles, "claims_note": claims_note, "gpu": opts.gpu,
        "verdicts": [v for v in cv.VERDICT_ORDER if any(a.counts.get(v) for a in articles or [])],
        "dry_cells": [(r.model, r.task) for r in rows if r.dry], "problems": problems, "samples": samples,
        "samples_dir": f"{files_dir.name}/samples",
        "sample_texts_left_out": samples.texts_left_out, "cell_text_kib": samples.cell_text_budget // 1024,
        "inline_samples": [(t.task, t.blob) for t in samples.tasks.values() if t.blob],
        "data_json": safe_json(page_data(rows, samples, [h for h, _ in figs["heatmaps"]])), **figs,
    }  # fmt: skip
    html = render_report(context, lambda m, t: (m, t) in available)
    atomic_write_text(out, html)
    lap("render")
    figures = [writer.report_dir / f for fig in _all_figures(figs) for f in (fig.png, fig.svg)]
    pages = sorted(pages_dir.glob("*.html")) if not samples.inline else []
    return ReportSummary(out, files_dir, figures, pages, n["models"], n["tasks"], n["cells"], n["samples"],
                         n["claims"], len(html.encode("utf-8")), watch.seconds, problems)  # fmt: skip


def _all_figures(figs: dict[str, Any]) -> list[Figure]:
    found = [f for _, f in figs["heatmaps"]] + list(figs["reasoning_figs"]) + list(figs["forest"].values())
    return found + [f for f in (figs.get("relative"), figs.get("repro_fig")) if f]
