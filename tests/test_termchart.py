"""The braille terminal chart: dots where the values are, labels that are exact."""

from __future__ import annotations

import numpy as np

from lrplot.render.termchart import Series, render


def _dots(text: str) -> list[str]:
    """Chart rows only (the lines with the y axis), as characters after the axis."""
    return [line.split("┤", 1)[-1].split("│", 1)[-1] for line in text.splitlines()[:-2]]


def test_constant_line_fills_one_row_and_labels_are_its_value():
    text = render([Series(np.full(100, 0.5), "c", "cyan")], width=40, height=5).plain
    lines = text.splitlines()
    assert len(lines) == 7  # 5 rows, axis, x labels
    rows = _dots(text)
    filled = [i for i, row in enumerate(rows) if any(ch != "⠀" for ch in row)]
    assert len(filled) == 1
    assert lines[-1].split() == ["0", "epoch", "0"]


def test_decreasing_line_goes_from_top_left_to_bottom_right():
    text = render(
        [Series(np.linspace(1.0, 0.0, 1000), "lin", "cyan")], width=50, height=8, x_last=999
    ).plain
    lines = text.splitlines()
    assert lines[0].lstrip().startswith("1┤")
    assert lines[7].lstrip().startswith("0┤")
    rows = _dots(text)
    assert rows[0][0] != "⠀" and rows[-1][-1] != "⠀"
    assert rows[0][-1] == "⠀" and rows[-1][0] == "⠀"
    assert lines[-1].split()[-1] == "999"


def test_a_single_step_spike_in_a_million_is_drawn():
    y = np.zeros(1_000_000)
    y[654_321] = 1.0
    text = render([Series(y, "spike", "red")], width=60, height=6).plain
    top = _dots(text)[0]
    assert sum(ch != "⠀" for ch in top) == 1  # one column reaches the top: the spike


def test_width_is_respected_and_legend_names_each_series():
    a, b = np.linspace(1, 0, 300), np.linspace(0, 1, 300)
    text = render([Series(a, "down", "cyan"), Series(b, "up", "red")], width=80, height=6).plain
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "━━ down" in text and "━━ up" in text


def test_log_axis_labels_the_positive_range():
    y = np.array([1e-1, 1e-2, 1e-3, 1e-4])
    text = render([Series(y, "exp", "cyan")], width=30, height=4, log_y=True).plain
    assert text.splitlines()[0].lstrip().startswith("0.1┤")
    assert text.splitlines()[3].lstrip().startswith("0.0001┤")
    assert "(log y)" in text
