"""The chart (matplotlib): imported only when a chart is asked for.

Uses ``matplotlib.figure.Figure`` directly, never pyplot's global state. Long series
are reduced per pixel column to the column's first, lowest, highest and last
point, so a chart of millions of steps draws like one of thousands and looks the same.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, cast

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

from ..engine import Logged, Trace
from .output import open_output

FORMATS = (".png", ".svg", ".pdf")
WIDTH_IN, HEIGHT_IN, DPI = 10.0, 5.6, 150
COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")
STYLES = ("-", "--", "-.", ":")
MAX_MARKED = 24  # mark each milestone/reduction when there are at most this many
TITLE_CHARS = 95  # wrap longer titles (ReduceLROnPlateau's) instead of clipping them
LEGEND_CHARS = 110  # the legend below the chart: wider labels wrap
SHORT_LABEL = 40  # a legend of labels this short fits inside the axes
METRIC_COLOR = "0.45"  # a plateau's metric: grey


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


LOGGED_COLOR = "#d62728"  # the logged LR: red points over the schedule's line


def _draw_logged(ax: Axes, diff_ax: Axes | None, trace: Trace, logged: Logged) -> None:
    """The logged LR as points over the schedule (the differing ones in red, the rest
    hollow), and their relative difference in the panel below."""
    x = logged.rows + 0.5  # an LR holds for its whole step [k, k+1): its middle
    step = max(1, len(x) // 2000)  # at most a few thousand points: a sample of the rest
    keep = np.zeros(len(x), dtype=bool)
    keep[::step] = True
    keep |= logged.differ & (np.cumsum(logged.differ) <= 2000)
    same, differ = keep & ~logged.differ, keep & logged.differ
    hollow: dict[str, Any] = {"markerfacecolor": "none", "markeredgecolor": "0.25"}
    ax.plot(x[same], logged.lr[same], linestyle="none", marker="o", markersize=4, **hollow,
            label="logged", gid="logged")  # fmt: skip
    if differ.any():
        ax.plot(x[differ], logged.lr[differ], linestyle="none", marker="x", markersize=5,
                color=LOGGED_COLOR, label="logged, differs", gid="logged:differs")  # fmt: skip
    if diff_ax is None:
        return
    expected = trace.lr_at(logged.rows)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.abs(np.where(logged.lr == expected, 0.0, logged.lr / expected - 1))
    rel = np.where(np.isfinite(rel), rel, np.nan)
    # log scale: equal values (0) sit on the floor, a decade under the tolerance's line
    floor = logged.rtol / 10
    shown = np.maximum(rel, floor)
    diff_ax.set_yscale("log")
    diff_ax.axhline(logged.rtol, color="0.5", linewidth=0.9, linestyle="--", label="rtol")
    diff_ax.plot(x[same], shown[same], linestyle="none", marker=".", markersize=3,
                 color="0.25", gid="logged:rel")  # fmt: skip
    if differ.any():
        diff_ax.plot(x[differ], shown[differ], linestyle="none", marker="x", markersize=4,
                     color=LOGGED_COLOR)  # fmt: skip
    top = float(np.nanmax(shown)) if np.isfinite(shown).any() else logged.rtol
    diff_ax.set_ylim(floor / 2, max(top, logged.rtol) * 3)


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
    momentum_ax = diff_ax = None
    logged = traces[0].logged if len(traces) == 1 else None
    if ax is not None:  # the caller's own Axes: no room for a momentum panel
        fig = cast("Figure", ax.figure)
    elif logged is not None:  # the logged LR's relative difference, in a panel below
        fig = Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")
        ax, diff_ax = fig.subplots(2, 1, sharex=True, height_ratios=[3, 1.2])
        diff_ax.set_ylabel("|logged / lr - 1|")
        diff_ax.grid(True, alpha=0.3)
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
        if t.settings.groups is not None:  # a line per param group, or a band for many
            _draw_groups(ax, t, len(traces), i, columns)
        else:
            _draw_lr(ax, t, len(traces), color, style, columns)
        rows = np.arange(settings.total_steps)
        momentum = t.momentum_at(rows)
        if momentum_ax is not None and momentum is not None:
            mx, my = _stairs(momentum, columns)
            momentum_ax.plot(
                mx,
                my,
                color=color,
                linestyle=style if len(traces) > 1 else "-",
                drawstyle="steps-post" if len(mx) == len(momentum) + 1 else "default",
                linewidth=1.4,
                gid=f"momentum:{t.label}",
            )
        metric = t.metric_at(rows)
        if metric is not None:
            if metric_ax is None:
                metric_ax = ax.twinx()
                metric_ax.set_ylabel("metric", color="0.35")
            mx, my = _stairs(metric, columns)
            # its own colour and style: a thin grey line (a compare's in its schedule's
            # colour, thin and pale), drawn under the LR. Solid: a dash pattern would
            # not survive decimation
            metric_ax.plot(
                mx,
                my,
                color=METRIC_COLOR if len(traces) == 1 else color,
                drawstyle="steps-post" if len(mx) == len(metric) + 1 else "default",
                linewidth=0.9,
                alpha=0.6 if len(traces) == 1 else 0.45,
                label=f"{t.label} metric" if len(traces) > 1 else "metric",
                gid=f"metric:{t.label}",
            )
            metric_ax.set_zorder(ax.get_zorder() - 1)
            ax.set_frame_on(False)  # the LR axes, now on top, must not hide the metric
    if logged is not None:
        _draw_logged(ax, diff_ax, traces[0], logged)
    (momentum_ax or diff_ax or ax).set_xlabel("optimizer step" if per_step else "epoch")
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
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    ax.set_xlim(0, settings.total_steps)  # the last step's LR holds until the run's end
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: short_number(v)))
    ax.grid(True, alpha=0.3)
    if log_y:
        _log_limits(ax, traces)
    run = traces[0].describe_run() if len(traces) == 1 else settings.describe()
    if len(traces) > 1 and traces[0].resumed is not None:
        run += "; " + traces[0].resumed.describe()
    plan_line = settings.plan_line()
    if plan_line is not None:  # the training plan, on its own line(s)
        run += "\n" + textwrap.fill(f"plan: {plan_line}", TITLE_CHARS)
    if settings.groups is not None:
        run += "\n" + textwrap.fill(settings.groups.describe(), TITLE_CHARS)
    if len(traces) == 1:
        title = textwrap.fill(traces[0].title(), TITLE_CHARS)
        ax.set_title(f"{title}\n{run}", fontsize=11)
    else:
        ax.set_title(f"LR schedules compared\n{run}", fontsize=11)
    handles, labels = ax.get_legend_handles_labels()
    handles = [h for h, lab in zip(handles, labels, strict=True) if not lab.startswith("_")]
    labels = [lab for lab in labels if not lab.startswith("_")]
    if metric_ax is not None:
        mh, ml = metric_ax.get_legend_handles_labels()
        handles, labels = handles + mh, labels + ml
    longest = max((len(label) for label in labels), default=0)
    if metric_ax is not None or (labels and (longest > SHORT_LABEL or len(labels) > 4)):
        # below the plot, in as many columns as fit the width (long labels wrapped):
        # loc="best" would only avoid the LR lines, and long labels would be clipped
        wrapped = [textwrap.fill(label, LEGEND_CHARS) for label in labels]
        widest = min(max(len(line) for w in wrapped for line in w.splitlines()), LEGEND_CHARS)
        ncols = max(1, min(len(labels), 4, LEGEND_CHARS // (widest + 6)))
        fig.legend(handles, wrapped, loc="outside lower center", ncols=ncols, fontsize=9)
    elif len(traces) > 1 or settings.groups is not None:
        ax.legend(handles, labels, loc="best", fontsize=9, framealpha=0.85)
    return fig


def _draw_lr(ax: Axes, t: Trace, count: int, color: str, style: str, columns: int) -> None:
    """A trace's LR line, and its changes marked when they are few."""
    x, y = _stairs(t.lr, columns)
    # an LR holds for a whole step, [k, k+1): stairs, the last one to the end of the
    # run; when a pixel column holds many steps the stairs are sub-pixel and a
    # straight line through the kept points draws the same pixels as every stair
    stairs = "steps-post" if len(x) == len(t.lr) + 1 else "default"
    ax.plot(
        x,
        y,
        color=color,
        linestyle=style if count > 1 else "-",
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
        if count == 1:
            for m in marks.tolist():
                ax.axvline(m, color="0.75", linewidth=0.8, linestyle=":", zorder=0)


def _draw_groups(ax: Axes, t: Trace, count: int, i: int, columns: int) -> None:
    """A trace's param groups: a line each (a legend entry each) when they are few;
    for many (layer decay), the band they span and its first and last group's lines."""
    groups = t.settings.groups
    assert groups is not None
    rows = np.arange(len(t))
    named = t.lr_columns()
    prefix = "" if count == 1 else f"{t.label} "
    shown = [named[0], named[-1]] if groups.many else named
    if groups.many:
        stacked = np.vstack([values for _, values in named])
        lo = t.values_at(stacked.min(axis=0), rows)
        hi = t.values_at(stacked.max(axis=0), rows)
        x, y_lo = _stairs(lo, columns)
        y_hi = np.append(hi[x[:-1]], hi[-1])  # at the same points as the lower edge
        ax.fill_between(
            x,
            y_lo,
            y_hi,
            step="post" if len(x) == len(lo) + 1 else None,
            color=COLORS[i % len(COLORS)],
            alpha=0.18,
            linewidth=0,
            label=f"{prefix}{len(groups)} groups ({groups.names[0]} .. {groups.names[-1]})",
            gid=f"band:{t.label}",
        )
    for j, (name, values) in enumerate(shown):
        y_rows = t.values_at(values, rows)
        x, y = _stairs(y_rows, columns)
        ax.plot(
            x,
            y,
            color=COLORS[i % len(COLORS)] if groups.many else COLORS[(i + j * count) % len(COLORS)],
            linestyle=STYLES[j % len(STYLES)] if groups.many else STYLES[i % len(STYLES)],
            drawstyle="steps-post" if len(x) == len(y_rows) + 1 else "default",
            linewidth=1.8 if not groups.many else 1.2,
            label=f"{prefix}{name}",
            gid=f"lr:{prefix}{name}",
        )


def short_number(value: float) -> str:
    """An axis tick as a person reads it: 800, 12k, 1.5M."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size and abs(value) >= 10_000:
            return f"{value / size:.4g}{suffix}"
    return f"{value:.4g}"


def _stairs(values: np.ndarray, columns: int) -> tuple[np.ndarray, np.ndarray]:
    """The decimated points of a per-step series, plus the end of its last step."""
    x, y = decimate(values, columns)
    return np.append(x, len(values)), np.append(y, values[-1])


def _log_limits(ax: Axes, traces: Sequence[Trace]) -> None:
    """A log axis spans the positive LRs only (from the lowest to the highest, with a
    margin); an LR that reaches 0 (underflow) is said in words, not drawn at -inf."""
    lr = np.concatenate([values for t in traces for _, values in t.lr_columns()])
    positive = lr[np.isfinite(lr) & (lr > 0)]
    if not len(positive):
        return
    low, high = float(positive.min()), float(positive.max())
    ax.set_ylim(low / 2 if low / 2 > 0 else low, high * 2)
    from matplotlib.ticker import LogLocator

    ax.yaxis.set_major_locator(LogLocator(numticks=8))
    zero = [t for t in traces if (t.sched_lr == 0).any()]
    if zero:
        t = zero[0]
        row = int(np.flatnonzero(t.lr == 0)[0])
        unit = "step" if t.settings.per_step else "epoch"
        name = "" if len(traces) == 1 else f"{t.label}: "
        ax.text(
            0.99, 0.02, f"{name}the LR reaches 0 at {unit} {row:,} (not on a log axis)",
            transform=ax.transAxes, ha="right", va="bottom", fontsize=9, color="0.3",
        )  # fmt: skip


def save_chart(traces: Sequence[Trace], dest: str, log_y: bool = False) -> None:
    """Draw and save atomically; the format comes from the file's extension."""
    path = Path(dest)
    fmt = path.suffix.lower().lstrip(".")
    fig = draw(traces, log_y)
    with open_output(path, "out") as f:
        write_chart(fig, f, fmt)


# no date or version in a file: the same chart makes the same bytes on every run
METADATA: dict[str, dict[str, Any]] = {
    "png": {"Software": None},
    "svg": {"Date": None},
    "pdf": {"CreationDate": None},
}


def write_chart(fig: Figure, stream: BinaryIO, fmt: str = "png") -> None:
    """The figure as a PNG, SVG or PDF (``fmt``), the same bytes on every run.

    The same file as ``fig.savefig(stream, format=fmt)``, drawn once instead of twice:
    with a layout engine, savefig first draws with rendering off only to run the
    layout, which the real draw runs too. Under a matplotlibrc that changes how
    savefig saves (its dpi, colours, transparency, bbox), savefig saves it.
    """
    from matplotlib import rc_context
    from matplotlib import rcParams as rc

    plain = (  # savefig's defaults: it saves the figure as it is drawn
        rc["savefig.dpi"] == "figure"
        and rc["savefig.facecolor"] == "auto"
        and rc["savefig.edgecolor"] == "auto"
        and not rc["savefig.transparent"]
        and rc["savefig.bbox"] is None
    )
    metadata = METADATA[fmt]
    # a fixed salt makes SVG ids, and so the file, the same on every run
    with rc_context({"svg.hashsalt": "lrplot"}):
        if not plain:
            fig.savefig(stream, format=fmt, metadata=metadata)
        elif fmt == "png":
            from matplotlib.backends.backend_agg import FigureCanvasAgg

            FigureCanvasAgg(fig).print_png(stream, metadata=metadata)
        elif fmt == "svg":
            from matplotlib.backends.backend_svg import FigureCanvasSVG

            FigureCanvasSVG(fig).print_svg(stream, metadata=metadata)
        else:
            from matplotlib.backends.backend_pdf import FigureCanvasPdf

            FigureCanvasPdf(fig).print_pdf(stream, metadata=metadata)
