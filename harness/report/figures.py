"""Report figures with matplotlib: written as PNG and SVG next to the report, and inlined into it.

matplotlib because its static output is what papers and slides need (vector SVG with editable
text, PNG), it needs no browser or JavaScript runtime to render, and it is imported only here, when
a report is built. Output is deterministic (fixed SVG id salt, no dates in the metadata), so a
rebuilt report differs only where the results do.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure as MplFigure

# Okabe–Ito (Okabe & Ito 2008), told apart by readers with any common colour-vision deficiency. It has
# eight colours; more categories (nine model families and up) also change the marker, so that no two
# categories share a colour and a marker (`styles_for`), rather than adding colours that collapse
# into one another under deuteranopia.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")
STYLE = {
    "font.size": 8.5, "axes.titlesize": 9.5, "axes.labelsize": 8.5, "axes.spines.top": False,
    "axes.spines.right": False, "axes.grid": True, "grid.alpha": 0.25, "legend.frameon": False,
    "legend.fontsize": 7.5, "svg.fonttype": "none", "svg.hashsalt": "harness-report", "figure.dpi": 100,
    "font.family": "DejaVu Sans", "figure.constrained_layout.use": True,
}  # fmt: skip


MAX_PNG_PIXELS = 4000


@dataclass(frozen=True)
class Figure:
    """A written figure: its files (relative to the report) and the SVG to inline."""

    name: str
    title: str
    png: str
    svg: str
    data_uri: str
    alt: str


class FigureWriter:
    """Saves matplotlib figures under `<report dir>/<folder>/` and keeps the inline SVG."""

    def __init__(self, report_path: Path, folder: str) -> None:
        self.report_dir = report_path.parent
        self.folder = folder
        self.dir = self.report_dir / folder
        self.dir.mkdir(parents=True, exist_ok=True)

    def save(self, fig: MplFigure, name: str, title: str, alt: str) -> Figure:
        import matplotlib.pyplot as plt

        svg = io.BytesIO()
        # Constrained layout runs at the first draw; the second format reuses it (text layout is most
        # of the cost). No `bbox_inches="tight"`, which would draw each format twice.
        fig.savefig(svg, format="svg", metadata={"Date": None})
        fig.set_layout_engine("none")
        (self.dir / f"{name}.svg").write_bytes(svg.getvalue())
        dpi = min(150.0, MAX_PNG_PIXELS / max(fig.get_size_inches()))  # wide heatmaps: a bounded raster
        fig.savefig(self.dir / f"{name}.png", format="png", dpi=dpi, metadata={"Software": None})
        plt.close(fig)
        uri = "data:image/svg+xml;base64," + base64.b64encode(svg.getvalue()).decode("ascii")
        return Figure(name, title, f"{self.folder}/{name}.png", f"{self.folder}/{name}.svg", uri, alt)


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend (no display), imported on first use."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(STYLE)
    return plt


def colors_for(keys: list[str]) -> dict[str, str]:
    """A stable colour per key (sorted), cycling the palette (pair it with `styles_for`'s markers)."""
    return {k: PALETTE[i % len(PALETTE)] for i, k in enumerate(sorted(set(keys)))}


def styles_for(keys: list[str]) -> dict[str, tuple[str, str]]:
    """A stable (colour, marker) per key (sorted): the palette's colours with one marker for the
    first eight keys, the next marker for the next eight, so no two keys look alike."""
    return {k: (PALETTE[i % len(PALETTE)], MARKERS[(i // len(PALETTE)) % len(MARKERS)])
            for i, k in enumerate(sorted(set(keys)))}  # fmt: skip


def plain_log_axis(ax: Axes) -> None:
    """Log x axis labelled with plain numbers at 1, 2 and 5 of each decade, none on minor ticks."""
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    ax.set_xscale("log")
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}" if v >= 1 else f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


def annotate_heat(ax: Axes, values: list[list[float | None]], fontsize: float) -> None:
    """Write each value (in percent) on its heatmap cell, white on dark cells."""
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v is not None:
                ax.text(j, i, f"{100 * v:.0f}", ha="center", va="center", fontsize=fontsize,
                        color="white" if v < 0.45 else "black")  # fmt: skip
