"""The report's section figures: multilingual heatmaps, relative-to-English, reasoning cost,
reproduction of published numbers. Each function returns a matplotlib figure (or None when there
is nothing to draw); `harness.report.figures.FigureWriter` saves it."""

from __future__ import annotations

import math
from typing import Any

from harness.report.data import CellRow
from harness.report.figures import MARKERS, PALETTE, annotate_heat, plain_log_axis, pyplot, styles_for
from harness.report.views import Heatmap, Reproduction, VariantGroup

MAX_PANELS = 9
MAX_ANNOTATED = 300  # heatmap cells written as numbers; larger maps have the HTML table for numbers
LABEL_POINTS = 10  # name the points of a panel when it has at most this many models


def heatmap_figure(h: Heatmap) -> Any:
    """Models × languages, accuracy in percent (grey where a model has no run for a language)."""
    import numpy as np

    plt = pyplot()
    n_models, n_langs = len(h.models), len(h.languages)
    values = np.array([[np.nan if v is None else 100 * v for v in row] for row in h.scores], dtype=float)
    # Wide enough for the title and colour bar with two languages; at most 48 inches with 120.
    fig, ax = plt.subplots(figsize=(min(max(2.2 + 0.36 * n_langs, 5.0), 48), 0.9 + 0.26 * n_models))
    cmap = plt.get_cmap("viridis").with_extremes(bad="#dddddd")
    # interpolation "none": SVG embeds the models × languages array itself (drawn pixelated, i.e. as cells)
    # instead of a raster resampled to the figure size, which was most of a wide heatmap's cost and bytes.
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0.0, vmax=100.0, aspect="auto",
                      interpolation="none")
    ax.set_xticks(range(n_langs), h.languages, rotation=90 if n_langs > 30 else 0)
    ax.set_yticks(range(n_models), h.models)
    ax.grid(False)
    ax.set_title(f"{h.title}: accuracy (%) by language")
    if n_langs * n_models <= MAX_ANNOTATED:
        annotate_heat(ax, h.scores, 6.5 if n_langs > 15 else 7.5)
    fig.colorbar(image, ax=ax, fraction=0.025, pad=0.01, label="accuracy (%)")
    return fig


def relative_figure(heatmaps: list[Heatmap]) -> Any:
    """Per model and benchmark, mean non-English accuracy minus English accuracy (points) with its
    95% interval: a difference, unlike a ratio, stays finite and readable when English is near chance."""
    usable = [h for h in heatmaps if h.difference]
    if not usable:
        return None
    plt = pyplot()
    models = sorted({m for h in usable for m in h.difference})
    fig, ax = plt.subplots(figsize=(6.5, 0.9 + 0.24 * len(models)))
    for k, h in enumerate(usable):
        names = sorted(h.difference)
        ys = [models.index(m) + (k - (len(usable) - 1) / 2) * 0.15 for m in names]
        xs = [100 * h.difference[m][0] for m in names]
        err = [[100 * (h.difference[m][0] - h.difference[m][1]) for m in names],
               [100 * (h.difference[m][2] - h.difference[m][0]) for m in names]]
        ax.errorbar(xs, ys, xerr=err, fmt=MARKERS[k % len(MARKERS)], ms=4, color=PALETTE[k % len(PALETTE)],
                    elinewidth=0.8, capsize=0, label=h.title, zorder=3)  # fmt: skip
    ax.axvline(0, color="#555555", lw=1, ls="--")
    ax.set_yticks(range(len(models)), models)
    ax.set_xlabel("non-English − English accuracy (points), 95% interval; 0 = as good as English")
    ax.set_title("Non-English relative to English, per model")
    fig.legend(loc="outside upper center", ncol=min(len(usable), 4))
    ax.invert_yaxis()
    return fig


def _panel_grid(n: int) -> tuple[int, int]:
    cols = min(3, n)
    return math.ceil(n / cols), cols


def reasoning_figure(rows: list[CellRow], groups: list[VariantGroup], x: str = "tokens") -> Any:
    """Accuracy vs mean output tokens (or GPU-seconds per item) per task; lines join models that share
    weights: thinking off → on (dashed), reasoning effort low → medium → high (solid)."""
    def xval(r: CellRow) -> float | None:
        return r.mean_output_tokens if x == "tokens" else r.gpu_seconds_per_item

    rows = [r for r in rows if (xval(r) or 0) > 0]
    tasks = sorted({r.task for r in rows})[:MAX_PANELS]
    if not tasks:
        return None
    plt = pyplot()
    n_rows, n_cols = _panel_grid(len(tasks))
    fig, axes = plt.subplots(n_rows, n_cols, figsize=(3.6 * n_cols, 3.0 * n_rows), squeeze=False)
    styles = styles_for([r.family for r in rows])
    colors = {f: c for f, (c, _) in styles.items()}
    for ax, task in zip(axes.flat, tasks, strict=False):
        mine = {r.model: r for r in rows if r.task == task}
        for g in groups:
            pts = [mine[m] for m in g.models if m in mine]
            if len(pts) >= 2:
                ax.plot([xval(p) for p in pts], [100 * p.score for p in pts], color=colors[pts[0].family],
                        ls="--" if g.kind == "thinking" else "-", lw=1.2, alpha=0.8, zorder=2)  # fmt: skip
        for family in sorted({r.family for r in mine.values()}):  # one call per colour: far fewer artists
            pts = [r for r in mine.values() if r.family == family]
            ax.errorbar([xval(r) or 0.0 for r in pts], [100 * r.score for r in pts],
                        yerr=[[100 * (r.score - r.ci_low) for r in pts], [100 * (r.ci_high - r.score) for r in pts]],
                        fmt=styles[family][1], ms=4, color=colors[family], elinewidth=0.8, capsize=0,
                        zorder=3)  # fmt: skip
        for r in mine.values():
            v = xval(r) or 0.0
            label = r.variant.effort[0].upper() if r.variant.effort else ""
            if len(mine) <= LABEL_POINTS:  # few enough models to name each point
                label = r.model
            if label:
                ax.annotate(label, (v, 100 * r.score), textcoords="offset points", xytext=(4, 3), fontsize=6)
        plain_log_axis(ax)
        ax.set_title(task)
        ax.set_ylim(-2, 102)
        ax.set_xlabel("mean output tokens" if x == "tokens" else "GPU-seconds per item")
        ax.set_ylabel("accuracy (%)")
    for ax in list(axes.flat)[len(tasks):]:
        ax.set_visible(False)
    handles = [plt.Line2D([], [], marker=mk, ls="", color=c, label=f) for f, (c, mk) in styles.items()]
    handles += [plt.Line2D([], [], ls="--", color="#444444", label="thinking off → on"),
                plt.Line2D([], [], ls="-", color="#444444", label="effort low → high")]  # fmt: skip
    fig.legend(handles=handles, loc="outside upper center", ncol=min(len(handles), 6))
    return fig


def reproduction_figure(repro: Reproduction) -> Any:
    """Measured vs published score (percent), identity line, ± tolerance band, colour = protocol match."""
    if not repro.rows:
        return None
    plt = pyplot()
    fig, ax = plt.subplots(figsize=(5.2, 5.0))
    ax.plot([0, 100], [0, 100], color="#333333", lw=1)
    ax.fill_between([0, 100], [-repro.tolerance, 100 - repro.tolerance], [repro.tolerance, 100 + repro.tolerance],
                    color="#999999", alpha=0.2, lw=0, label=f"± {repro.tolerance:g} points")  # fmt: skip
    styles = {"yes": ("#009E73", "protocol matches"), "unknown": ("#999999", "protocol unknown"),
              "no": ("#D55E00", "protocol differs")}  # fmt: skip
    for key, (color, label) in styles.items():
        mine = [r for r in repro.rows if r.reference_protocol_match == key]
        if not mine:
            continue
        ax.errorbar([r.reference_score or 0.0 for r in mine], [100 * r.score for r in mine],
                    yerr=[[100 * (r.score - r.ci_low) for r in mine], [100 * (r.ci_high - r.score) for r in mine]],
                    fmt="o" if key == "yes" else "s", ms=4, color=color, elinewidth=0.7, capsize=0,
                    label=f"{label} ({len(mine)})")  # fmt: skip
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_aspect("equal")
    ax.set_xlabel("published (%)")
    ax.set_ylabel("measured here (%)")
    ax.set_title(f"{repro.within} of {len(repro.rows)} within ± {repro.tolerance:g} points of the published value")
    ax.legend(loc="upper left")
    return fig
