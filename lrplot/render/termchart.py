"""A line chart in the terminal, drawn with Unicode braille through rich.

Each character cell holds 2 x 4 dots. Every dot column covers a bin of steps and
draws the bin's whole range (min to max, joined to the previous column), so a
drop at a milestone or a noisy metric is drawn, never skipped, whatever the length.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from rich.console import Group
from rich.text import Text

from ..engine import Trace

# braille dot bits, by [row 0..3][column 0..1] inside a cell
_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
_KEYS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 4  # series' letters without colour
COLORS = ("cyan", "red", "green", "yellow", "magenta", "blue", "bright_white", "bright_black")


@dataclass(frozen=True)
class Series:
    values: np.ndarray
    label: str
    color: str


def _columns(values: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Per dot column: (low, high) of the values it covers."""
    n = len(values)
    if n >= width:
        starts = (np.arange(width) * n) // width
        return np.minimum.reduceat(values, starts), np.maximum.reduceat(values, starts)
    picked = values[np.round(np.linspace(0, n - 1, width)).astype(np.int64)]
    return picked, picked


def value_range(series: Sequence[Series], log_y: bool = False) -> tuple[float, float]:
    """The lowest and highest finite values drawn (positive ones on a log axis)."""
    values = np.concatenate([s.values for s in series])
    finite = values[np.isfinite(values)]
    if log_y:
        finite = finite[finite > 0]
    return (float(finite.min()), float(finite.max())) if finite.size else (1.0, 1.0)


def _fmt(v: float) -> str:
    """The table's format: 6 significant digits, so a label reads as the table's min/max."""
    return f"{v:.6g}"


def render(
    series: Sequence[Series],
    width: int = 80,
    height: int = 10,
    log_y: bool = False,
    x_label: str = "epoch",
    x_last: int = 0,
    fmt: Callable[[float], str] = _fmt,
    title: str = "",
    colour: bool = True,
    pad: int = 0,
) -> Text:
    """The chart as rich Text: a title, y labels on the left, an x axis and a legend below.

    The y labels are the highest and lowest value drawn (the lowest positive one on a
    log axis), formatted by ``fmt``; infinite values are drawn at the edge, NaN at the bottom.
    Without ``colour`` (NO_COLOR, a pipe), several series are told apart by letters:
    each writes its letter (A, B, ...) on its own curve, and the legend says which is which.
    ``pad``: the width of the y labels at least (panels stacked under one another share
    it, so that their plot areas start at the same column). On a log axis an LR of 0 (an
    underflow) is not drawn: a line under the chart says where it starts.
    """
    low, high = value_range(series, log_y)
    labels = [fmt(high), fmt(low)]
    pad = max(pad, max(len(s) for s in labels) + 1)
    cells_w = max(width - pad - 1, 10)
    dots_w, dots_h = cells_w * 2, height * 4

    def to_row(v: np.ndarray) -> np.ndarray:
        v = np.clip(v, low, high)  # inf (and, on a log axis, 0) at the edge
        if log_y:
            v = np.log10(np.clip(v, low, None))
            lo, hi = math.log10(low), math.log10(high)
        else:
            lo, hi = low, high
        span = hi - lo
        if span <= 0:
            return np.full(v.shape, dots_h // 2, dtype=np.int64)
        return np.round((hi - v) / span * (dots_h - 1)).astype(np.int64)

    grid = np.zeros((height, cells_w), dtype=np.int64)
    owner = np.full((height, cells_w), -1, dtype=np.int64)
    for k, s in enumerate(series):
        values = s.values
        drawn = None  # dot columns holding something a log axis can draw (an LR > 0)
        if log_y and (values <= 0).any():
            drawn = _columns((values > 0).astype(float), dots_w)[1] > 0
            # each value <= 0 takes the last one above it: a column where the LR
            # reaches 0 draws down to its last positive value, and no further
            last = np.maximum.accumulate(np.where(values > 0, np.arange(len(values)), 0))
            values = values[last]
        if np.isnan(values).any():
            values = np.where(np.isnan(values), low, values)
        col_lo, col_hi = _columns(values, dots_w)
        top, bottom = to_row(col_hi), to_row(col_lo)
        prev_top, prev_bottom = np.roll(top, 1), np.roll(bottom, 1)
        prev_top[0], prev_bottom[0] = top[0], bottom[0]
        # join each column to its neighbour so a jump is a vertical line, not a gap
        first = np.minimum(top, np.minimum(prev_bottom, bottom))
        last = np.maximum(bottom, np.maximum(prev_top, top))
        for x in range(dots_w):
            if drawn is not None and not drawn[x]:
                continue
            for y in range(int(first[x]), int(last[x]) + 1):
                grid[y // 4, x // 2] |= _BITS[y % 4][x % 2]
                owner[y // 4, x // 2] = k

    letters: dict[tuple[int, int], int] = {}
    if not colour and len(series) > 1:  # each series' letter on its curve, spread along x
        for k, s in enumerate(series):
            c = min(cells_w - 1, (2 * k + 1) * cells_w // (2 * len(series)))
            rows = np.flatnonzero(owner[:, c] == k)  # where its curve shows in that column
            if not len(rows):  # hidden under another's: where it would be
                rows = to_row(_columns(s.values, dots_w)[1])[2 * c : 2 * c + 1] // 4
            letters[(int(rows[0]), c)] = k

    text = Text()
    if title:
        text.append(" " * (pad + 1) + title + "\n", style="bold")
    for r in range(height):
        label = labels[0] if r == 0 else labels[1] if r == height - 1 else ""
        text.append(label.rjust(pad) + "┤" if label else " " * pad + "│", style="dim")
        for c in range(cells_w):
            if (r, c) in letters:
                text.append(_KEYS[letters[r, c]], style="bold")
                continue
            bits = int(grid[r, c])
            style = series[owner[r, c]].color if bits else None
            text.append(chr(0x2800 + bits), style=style)
        text.append("\n")
    end = f"{x_last:,}"
    axis = " " * pad + "└" + "─" * cells_w
    text.append(axis + "\n", style="dim")
    middle = f"{x_label}{' (log y)' if log_y else ''}"
    gap = max(cells_w - len(end) - len(middle) - 1, 1)
    text.append(
        " " * (pad + 1) + "0" + " " * (gap // 2) + middle + " " * (gap - gap // 2) + end,
        style="dim",
    )
    if log_y:
        for s in series:
            zero = np.flatnonzero(s.values == 0)
            if len(zero):
                name = f"{s.label}: " if len(series) > 1 else ""
                text.append(
                    f"\n{' ' * (pad + 1)}{name}the {title or 'value'} reaches 0 at {x_label} "
                    f"{int(zero[0]):,} (not drawn on a log axis)",
                    style="dim",
                )
    if len(series) > 1:  # the legend, wrapped at the chart's width
        used = width
        for k, s in enumerate(series):
            entry = len(s.label) + 6
            if used + entry > width and used > pad + 1:
                text.append("\n" + " " * (pad + 1))
                used = pad + 1
            text.append("━━ " if colour else f"{_KEYS[k]}  ", style=s.color if colour else "bold")
            text.append(s.label)
            text.append("   ")
            used += entry
    return text


LR_HEIGHT = 10  # rows of the LR chart
SIDE_HEIGHT = 4  # rows of the momentum and metric charts below it
MAX_WIDTH = 80  # the charts never get wider than this, however wide the terminal


def _per_row(trace: Trace, values: np.ndarray) -> np.ndarray:
    """A per-scheduler-step array (momentum, metric) at every row, like ``Trace.lr``."""
    settings = trace.settings
    if not settings.plain:  # stepped every Nth unit, or several times per step
        return values[trace.row_index(np.arange(settings.total_steps))]
    if settings.interval == "epoch" and settings.steps_per_epoch > 1:
        return np.repeat(values, settings.steps_per_epoch)
    return values


def _lr_series(traces: Sequence[Trace]) -> list[tuple[Trace, str, np.ndarray]]:
    """Each trace's LR, or its param groups' (the first and last of many)."""
    out = []
    for t in traces:
        if t.settings.groups is None:
            out.append((t, t.label, t.sched_lr))
            continue
        prefix = "" if len(traces) == 1 else f"{t.label} "
        out += [(t, prefix + name, values) for name, values in t.lr_columns(brief=True)]
    return out


def chart_traces(
    traces: Sequence[Trace],
    width: int,
    log_y: bool = False,
    exact: bool = False,
    colour: bool = True,
    height: int = LR_HEIGHT,
) -> Group:
    """The LR of every trace, one chart; below it, smaller, the momentum of schedules
    that cycle it and the metric of plateau schedules (each on its own y axis).

    The x axis is the table's first column (the optimizer step, or the epoch)."""
    settings = traces[0].settings
    width = min(width, MAX_WIDTH)
    x_label = "step" if settings.per_step else "epoch"
    x_last = settings.total_steps - 1
    fmt: Callable[[float], str] = repr if exact else _fmt
    single = len(traces) == 1

    def color(i: int, own: str) -> str:
        return own if single else COLORS[i % len(COLORS)]

    every_row = np.arange(settings.total_steps)
    named = _lr_series(traces)
    lr = [
        Series(
            t.values_at(values, every_row),
            label,
            "cyan" if len(named) == 1 else COLORS[k % len(COLORS)],
        )
        for k, (t, label, values) in enumerate(named)
    ]
    side_height = max(2, height * SIDE_HEIGHT // LR_HEIGHT)
    panels: list[tuple[list[Series], bool, str, int]] = [(lr, log_y, "lr", height)]
    for title, own in (("momentum", "green"), ("metric", "magenta")):
        series = [
            Series(_per_row(t, values), t.label, color(i, own))
            for i, t in enumerate(traces)
            if (values := getattr(t, f"sched_{title}")) is not None
        ]
        if series:
            if len(series) == 1 and not single:  # no legend: the title names the schedule
                title = f"{title}: {series[0].label}"
            panels.append((series, False, title, side_height))
    # one width of y labels for every panel: their plot areas start at the same column
    pad = max(len(fmt(v)) + 1 for s, log, _, _ in panels for v in value_range(s, log))
    charts: list[Text] = []
    for series, log, title, rows in panels:
        if charts:
            charts.append(Text())
        charts.append(render(series, width, rows, log, x_label, x_last, fmt, title, colour, pad))
    return Group(*charts)
