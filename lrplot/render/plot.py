"""The chart (matplotlib): imported only when a chart is asked for.

Uses ``matplotlib.figure.Figure`` directly, never pyplot's global state. Long series
are reduced per pixel column to the column's first, lowest, highest and last
point, so a chart of millions of steps draws like one of thousands and looks the same.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from ..engine import Trace
from .output import open_output

FORMATS = (".png", ".svg", ".pdf")
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 150
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
STYLES = ("-", "--", "-.", ":")
MAX_MARKED = 24  # mark each milestone/reduction when there are at most this many
TITLE_CHARS = 95  # wrap longer titles (ReduceLROnPlateau's) instead of clipping them


def decimate(y: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """Indices and values keeping, per bin of rows, the first, min, max and last point.

    With at least one bin per pixel column the drawn line covers the same pixels as
    the full series: every column keeps its extremes and its ends (discontinuities).
    """
    n = len(y)
    if n <= 4 * columns:
        return np.arange(n), y
    size = -(-n // columns)
    bins = -(-n // size)
    padded = np.empty(bins * size)
    padded[:n] = y
    padded[n:] = y[-1]
    grid = padded.reshape(bins, size)
    lo, hi = grid.argmin(axis=1), grid.argmax(axis=1)
    start = np.arange(bins) * size
    idx = np.stack(
        [
            start,
            start + np.minimum(lo, hi),
            start + np.maximum(lo, hi),
            np.minimum(start + size - 1, n - 1),
        ],
        axis=1,
    ).ravel()
    idx = np.minimum(idx, n - 1)
    keep = np.concatenate(([True], idx[1:] != idx[:-1]))
    idx = idx[keep]
    return idx, y[idx]


def draw(
    traces: Sequence[Trace], log_y: bool = False, full: bool = False, ax: Axes | None = None
) -> Figure:
    """Build the chart as a Figure (not saved): one line per trace.

    ``full=True`` draws every point, undecimated (to check that decimation is invisible).
    ``ax``: draw into this Axes (a notebook's own figure): the LR (and a plateau's
    metric on a twin axis), without the momentum panel; its Figure is returned.
    """
    from matplotlib.figure import Figure

    settings = traces[0].settings
    per_step = settings.per_step
    columns = 10**12 if full else int(WIDTH_IN * DPI) * 2
    momentum_ax = None
    if ax is not None:  # the caller's own Axes: no room for a momentum panel
        fig = cast("Figure", ax.figure)
    elif any(t.sched_momentum is not None for t in traces):  # a panel below, same x
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        ax, momentum_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.2])
        momentum_ax.set_ylabel("momentum")
        momentum_ax.grid(True, alpha=0.3)
    else:
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        ax = fig.add_subplot()
    metric_ax = None
    for i, t in enumerate(traces):
        color, style = COLORS[i % len(COLORS)], STYLES[(i // len(COLORS) + i) % len(STYLES)]
        x, y = decimate(t.lr, columns)
        # an LR holds for a whole step: draw stairs; when a pixel column holds many
        # steps the stairs are sub-pixel and a straight line through the kept points
        # draws the same pixels as every stair would
        stairs = "steps-post" if len(x) == len(t.lr) else "default"
        ax.plot(
            x,
            y,
            color=color,
            linestyle=style if len(traces) > 1 else "-",
            drawstyle=stairs,
            linewidth=1.8,
            label=t.label,
            gid=f"lr:{t.label}",
        )
        marks = t.change_rows
        if 0 < len(marks) <= MAX_MARKED:
            ax.plot(
                marks,
                t.lr[marks],
                linestyle="none",
                marker="v" if t.sched_metric is not None else "o",
                markersize=5,
                color=color,
                gid=f"changes:{t.label}",
            )
            if len(traces) == 1:
                for m in marks.tolist():
                    ax.axvline(m, color="0.75", linewidth=0.8, linestyle=":", zorder=0)
        rows = np.arange(settings.total_steps)
        momentum = t.momentum_at(rows)
        if momentum_ax is not None and momentum is not None:
            mx, my = decimate(momentum, columns)
            momentum_ax.plot(
                mx,
                my,
                color=color,
                linestyle=style if len(traces) > 1 else "-",
                linewidth=1.4,
                gid=f"momentum:{t.label}",
            )
        metric = t.metric_at(rows)
        if metric is not None:
            if metric_ax is None:
                metric_ax = ax.twinx()
                metric_ax.set_ylabel("metric", color="0.35")
            mx, my = decimate(metric, columns)
            metric_ax.plot(
                mx,
                my,
                color=color,
                alpha=0.35,
                linewidth=0.9,
                label=f"{t.label} metric" if len(traces) > 1 else "metric",
                gid=f"metric:{t.label}",
            )
    (momentum_ax or ax).set_xlabel("optimizer step" if per_step else "epoch")
    ax.set_ylabel("learning rate")
    if log_y:
        ax.set_yscale("log")
    if per_step:
        spe = settings.steps_per_epoch

        def to_epoch(step: Any) -> Any:
            return step / spe

        def to_step(epoch: Any) -> Any:
            return epoch * spe

        top = ax.secondary_xaxis("top", functions=(to_epoch, to_step))
        top.set_xlabel("epoch")
    ax.set_xlim(0, max(settings.total_steps - 1, 1))
    ax.grid(True, alpha=0.3)
    run = traces[0].describe_run() if len(traces) == 1 else settings.describe()
    if settings.plan is not None:  # the training plan, on its own line(s)
        run += "\n" + textwrap.fill(f"plan: {settings.plan.describe(settings.epochs)}", TITLE_CHARS)
    if len(traces) == 1:
        title = textwrap.fill(traces[0].schedule.title(), TITLE_CHARS)
        ax.set_title(f"{title}\n{run}", fontsize=11)
    else:
        ax.set_title(f"LR schedules compared\n{run}", fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    handles = [h for h, lab in zip(handles, labels, strict=True) if not lab.startswith("_")]
    labels = [lab for lab in labels if not lab.startswith("_")]
    if metric_ax is not None:
        mh, ml = metric_ax.get_legend_handles_labels()
        handles, labels = handles + mh, labels + ml
    if metric_ax is not None:
        # below the plot: loc="best" would only avoid the LR lines, not the metric's
        fig.legend(
            handles, labels, loc="outside lower center", ncols=min(len(labels), 4), fontsize=9
        )
    elif len(traces) > 1:
        ax.legend(handles, labels, loc="best", fontsize=9, framealpha=0.85)
    return fig


def save_chart(traces: Sequence[Trace], dest: str, log_y: bool = False) -> None:
    """Draw and save atomically; the format comes from the file's extension."""
    path = Path(dest)
    fmt = path.suffix.lower().lstrip(".")
    fig = draw(traces, log_y)
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None}}[
        fmt
    ]
    from matplotlib import rc_context

    # a fixed salt makes SVG ids, and so the file, the same on every run
    with open_output(path, "out") as f, rc_context({"svg.hashsalt": "lrplot"}):
        fig.savefig(f, format=fmt, metadata=metadata)
