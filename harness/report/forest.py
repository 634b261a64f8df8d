"""Forest plot of one claim: each cell's estimate and 95% interval, the claim's own estimate (a
diamond, top row), and the margin the claim is tested against (dashed red), with zero marked."""

from __future__ import annotations

from typing import Any

from harness.report.claims_view import CellView, ClaimView
from harness.report.figures import pyplot

MAX_ROWS = 40
WIDTH_IN = 6.4
LABEL_PT = 7.5  # row label size; with MAX_LABEL it sets the left margin
MAX_LABEL = 46  # characters of a row label: longer ones are shortened rather than pushed off the figure
SUPPORT_SHADE = "#009E73"  # Okabe–Ito green: the region where an estimate supports the claim
VERDICT_COLORS = {"supported": "#1a7f37", "refuted": "#cf222e", "inconclusive": "#9a6700", "not_run": "#6e7781",
                  "deferred": "#8250df", "untestable": "#6e7781"}  # fmt: skip


def _rows(claim: ClaimView) -> tuple[list[CellView], int]:
    """Cells with an estimate; when there are too many, the headline cell and those with the
    smallest p-values (the ones that can decide), in ledger order."""
    cells = [c for c in claim.cells if c.estimate is not None]
    if len(cells) <= MAX_ROWS:
        return cells, 0
    keep = {id(c) for c in cells if c.headline}
    ranked = sorted(cells, key=lambda c: c.p_adjusted if c.p_adjusted is not None else (c.p_value or 1.0))
    for c in ranked:
        if len(keep) >= MAX_ROWS:
            break
        keep.add(id(c))
    return [c for c in cells if id(c) in keep], len(cells) - MAX_ROWS


def _shorten(label: str) -> str:
    """A row label within `MAX_LABEL` characters, cut in the middle so the task at its end stays."""
    if len(label) <= MAX_LABEL:
        return label
    head = (MAX_LABEL - 1) // 2
    return label[:head] + "…" + label[len(label) - (MAX_LABEL - 1 - head):]


def signed_number(x: float) -> str:
    """A margin with its sign, shortest form; zero as +0 (a "less than 0" margin is stored as -0.0)."""
    return f"{x + 0.0:+g}"


def has_forest(claim: ClaimView) -> bool:
    """Whether the claim has anything to plot: an estimate of its own (not for coverage claims, whose
    estimate counts languages) or of a cell."""
    own = claim.test_type != "coverage" and any(e.estimate is not None for e in claim.evidence)
    return own or any(c.estimate is not None for c in claim.cells)


def forest_figure(claim: ClaimView) -> Any:
    """The claim's forest plot, or None when nothing has been estimated yet."""
    if not has_forest(claim):
        return None
    plt = pyplot()
    cells, hidden = _rows(claim)
    coverage = claim.test_type == "coverage"  # its estimate counts languages; the cells are points
    labels: list[str] = []
    # A fixed layout (margins from the longest label) rather than constrained layout: measuring every
    # tick label for it was a third of a forest plot's cost, and a report draws one per claim.
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.0 + 0.22 * (len(cells) + len(claim.evidence))), layout="none")
    y = 0
    for e in [] if coverage else claim.evidence:
        if e.estimate is None:
            continue
        color = VERDICT_COLORS.get(e.verdict, "#333333")
        if e.ci_low is not None and e.ci_high is not None:
            ax.plot([e.ci_low, e.ci_high], [y, y], color=color, lw=2.2, solid_capstyle="butt")
        ax.plot([e.estimate], [y], marker="D", ms=7, color=color, ls="")
        labels.append(f"claim ({e.kind}): {e.verdict}")
        y += 1
    for c in cells:
        hollow = c.status != "ok"
        if c.ci_low is not None and c.ci_high is not None:
            ax.plot([c.ci_low, c.ci_high], [y, y], color="#444444", lw=1.1)
        ax.plot([c.estimate], [y], marker="o", ms=4.5, ls="", color="#444444",
                markerfacecolor="white" if hollow else "#444444")  # fmt: skip
        label = ("★ " if c.headline else "") + c.label + (f" ({c.status})" if hollow else "")
        labels.append(_shorten(label))
        y += 1
    for t in claim.thresholds:
        ax.axvline(t, color="#cf222e", ls="--", lw=1)
    if claim.unit != "rank":
        ax.axvline(0, color="#888888", lw=0.8)
    _mark_support(ax, claim)
    ax.set_yticks(range(len(labels)), labels)
    ax.set_ylim(len(labels) - 0.5, -0.5)
    ax.grid(axis="y", visible=False)
    unit = "points above chance" if coverage else claim.unit or "points"
    if claim.lower_is_better:
        dashed = "; dashed: k = " + ", ".join(f"{t:g}" for t in claim.thresholds)
    else:
        dashed = "; dashed: margin " + ", ".join(signed_number(t) for t in claim.thresholds)
    ax.set_xlabel(f"{unit} (lower is better){dashed}" if claim.lower_is_better else f"{unit}, 95% interval{dashed}")
    more = f" ({hidden} more cells in the table)" if hidden else ""
    ax.set_title(f"{claim.id}{more}", loc="left", pad=12)
    ax.tick_params(axis="y", labelsize=LABEL_PT)
    _place(fig, ax, labels)
    return fig


def _place(fig: Any, ax: Any, labels: list[str]) -> None:
    """Axes position leaving room for the row labels (left), the title (top) and the x label (bottom)."""
    width, height = fig.get_size_inches()
    left = min(0.2 + max((len(x) for x in labels), default=0) * LABEL_PT * 0.52 / 72, width / 2)
    bottom, top, right = 0.5, 0.45, 0.2
    ax.set_position((left / width, bottom / height, 1 - (left + right) / width, 1 - (bottom + top) / height))


def _mark_support(ax: Any, claim: ClaimView) -> None:
    """Shade the side of the margin that supports the claim and say so on the axis."""
    if not claim.thresholds:
        return
    left, right = ax.get_xlim()
    lo, hi = min(claim.thresholds), max(claim.thresholds)
    span = {"right": (hi, max(right, hi)), "left": (min(left, lo), lo), "between": (lo, hi)}.get(claim.supports)
    if span is None:
        return
    ax.axvspan(*span, color=SUPPORT_SHADE, alpha=0.12, lw=0, zorder=0)
    ax.set_xlim(left, right)
    where = {"right": (0.99, "right", "supports the claim →"), "left": (0.01, "left", "← supports the claim"),
             "between": ((lo + hi) / 2, "center", "supports the claim")}[claim.supports]  # fmt: skip
    x, align, text = where
    transform = ax.get_xaxis_transform() if claim.supports == "between" else ax.transAxes
    ax.text(x, 1.0, text, transform=transform, ha=align, va="bottom", fontsize=7, color="#1a7f37")
