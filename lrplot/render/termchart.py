"""A line chart in the terminal, drawn with Unicode braille through rich.

Each character cell holds 2 x 4 dots. Every dot column covers a bin of steps and
draws the bin's whole range (min to max, joined to the previous column), so a
drop at a milestone or a noisy metric is drawn, never skipped, whatever the length.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rich.text import Text

# braille dot bits, by [row 0..3][column 0..1] inside a cell
_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))
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


def _fmt(v: float) -> str:
    return f"{v:.3g}"


def render(
    series: Sequence[Series],
    width: int = 80,
    height: int = 10,
    log_y: bool = False,
    x_label: str = "epoch",
    x_last: int = 0,
) -> Text:
    """The chart as rich Text: y labels on the left, an x axis and a legend below."""
    all_values = np.concatenate([s.values for s in series])
    if log_y:
        positive = all_values[all_values > 0]
        low, high = (float(positive.min()), float(positive.max())) if positive.size else (1, 1)
    else:
        low, high = float(all_values.min()), float(all_values.max())
    labels = [_fmt(high), _fmt(low)]
    pad = max(len(s) for s in labels) + 1
    cells_w = max(width - pad - 1, 10)
    dots_w, dots_h = cells_w * 2, height * 4

    def to_row(v: np.ndarray) -> np.ndarray:
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
        col_lo, col_hi = _columns(s.values, dots_w)
        top, bottom = to_row(col_hi), to_row(col_lo)
        prev_top, prev_bottom = np.roll(top, 1), np.roll(bottom, 1)
        prev_top[0], prev_bottom[0] = top[0], bottom[0]
        # join each column to its neighbour so a jump is a vertical line, not a gap
        first = np.minimum(top, np.minimum(prev_bottom, bottom))
        last = np.maximum(bottom, np.maximum(prev_top, top))
        for x in range(dots_w):
            for y in range(int(first[x]), int(last[x]) + 1):
                grid[y // 4, x // 2] |= _BITS[y % 4][x % 2]
                owner[y // 4, x // 2] = k

    text = Text()
    for r in range(height):
        label = labels[0] if r == 0 else labels[1] if r == height - 1 else ""
        text.append(label.rjust(pad) + "┤" if label else " " * pad + "│", style="dim")
        for c in range(cells_w):
            bits = int(grid[r, c])
            style = series[owner[r, c]].color if bits else None
            text.append(chr(0x2800 + bits), style=style)
        text.append("\n")
    end = str(x_last)
    axis = " " * pad + "└" + "─" * cells_w
    text.append(axis + "\n", style="dim")
    middle = f"{x_label}{' (log y)' if log_y else ''}"
    gap = max(cells_w - len(end) - len(middle) - 1, 1)
    text.append(
        " " * (pad + 1) + "0" + " " * (gap // 2) + middle + " " * (gap - gap // 2) + end,
        style="dim",
    )
    if len(series) > 1:
        text.append("\n" + " " * (pad + 1))
        for s in series:
            text.append("━━ ", style=s.color)
            text.append(f"{s.label}   ")
    return text
