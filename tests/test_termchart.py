"""The braille terminal chart: dots where the values are, labels that are exact."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import TERMINAL, chart_lines, plain, table_rows, trace

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


def test_infinite_values_are_drawn_at_the_edge_and_labels_stay_finite():
    y = np.array([0.1, 1.0, np.inf, np.inf])
    text = render([Series(y, "exp", "cyan")], width=30, height=4, x_last=3).plain
    lines = text.splitlines()
    assert lines[0].lstrip().startswith("1┤") and lines[3].lstrip().startswith("0.1┤")
    assert _dots(text)[0][-1] != "⠀"  # the inf steps: at the top


def test_labels_use_the_given_format_and_the_title_comes_first():
    y = np.array([0.1, 0.08145062499999998])
    text = render([Series(y, "e", "cyan")], width=40, height=4, fmt=repr, title="lr").plain
    lines = text.splitlines()
    assert lines[0].strip() == "lr"
    assert lines[1].lstrip().startswith("0.1┤")
    assert lines[4].lstrip().startswith("0.08145062499999998┤")


def test_a_long_legend_wraps_within_the_width():
    series = [Series(np.linspace(1, 0, 50) * k, f"schedule-number-{k}", "cyan") for k in (1, 2, 3)]
    text = render(series, width=60, height=4).plain
    assert max(len(line) for line in text.splitlines()) <= 60
    assert all(f"━━ schedule-number-{k}" in text for k in (1, 2, 3))


# --- the chart in the CLI -------------------------------------------------------------


def _y_labels(lines: list[str]) -> list[str]:
    return [line.split("┤")[0].strip() for line in lines if "┤" in line]


def test_cli_shows_the_chart_between_title_and_table(cli):
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "100").stdout
    lines = out.splitlines()
    assert lines[0].startswith("CosineAnnealingLR(T_max=50, eta_min=0)")
    chart = chart_lines(out)
    assert chart[0].strip() == "lr"
    assert _y_labels(chart) == ["0.1", "0"]  # the real max and min LR, as the summary says
    assert "min 0  max 0.1" in out
    assert chart[-1].split() == ["0", "epoch", "99"]  # the first and the last epoch
    assert len(chart) == 1 + 10 + 2  # title, 10 rows, axis and x labels
    assert max(len(line) for line in chart) <= 80  # a 220-column terminal: still 80
    assert len(table_rows(out)) == 100  # the table, every epoch, is below it


def test_cli_chart_width_follows_a_narrow_terminal(cli):
    env = {"COLUMNS": "60", **TERMINAL}
    out = plain(cli("cosine", "--t-max", "50", "--epochs", "100", env=env).stdout)
    assert max(len(line) for line in chart_lines(out)) <= 60


def test_cli_no_chart_quiet_csv_and_out_print_no_chart(cli):
    args = ("step", "--step-size", "2", "--epochs", "5")
    with_chart = cli.ok(*args).stdout
    without = cli.ok(*args, "--no-chart").stdout
    assert "┤" in with_chart and "┤" not in without
    assert chart_lines(without) == []
    assert table_rows(without) == table_rows(with_chart)
    assert cli.ok(*args, "-q").stdout == ""
    assert "┤" not in cli.ok(*args, "--csv", "-").stdout
    pytest.importorskip("matplotlib")
    assert "┤" not in cli.ok(*args, "-o", "s.png").stdout  # a chart file instead


def test_cli_plateau_adds_a_metric_chart_with_exact_labels(cli):
    out = cli.ok("plateau", "--patience", "5", "--epochs", "100", "--seed", "1").stdout
    expected = trace("plateau:patience=5", epochs=100, seed=1)
    chart = chart_lines(out)
    assert [line.strip() for line in chart if line.strip().isalpha()] == ["lr", "metric"]
    metric = expected.sched_metric
    assert _y_labels(chart) == [
        f"{expected.sched_lr.max():.6g}",
        f"{expected.sched_lr.min():.6g}",
        f"{metric.max():.6g}",
        f"{metric.min():.6g}",
    ]


def test_cli_momentum_chart_per_step_x_axis(cli):
    out = cli.ok(
        "onecycle", "--max-lr", "0.1", "--epochs", "10", "--steps-per-epoch", "100",
        "--interval", "step",
    ).stdout  # fmt: skip
    chart = chart_lines(out)
    assert "momentum" in [line.strip() for line in chart]
    assert _y_labels(chart)[2:] == ["0.95", "0.85"]
    x_lines = [line.split() for line in chart if line.split()[1:2] == ["step"]]
    assert x_lines == [["0", "step", "999"], ["0", "step", "999"]]  # lr and momentum


def test_cli_exact_labels_and_log_axis(cli):
    out = cli.ok("exponential", "--gamma", "0.95", "--epochs", "5", "--exact").stdout
    assert _y_labels(chart_lines(out)) == ["0.1", "0.08145062499999998"]
    out = cli.ok("exponential", "--gamma", "0.5", "--epochs", "20", "--log-y").stdout
    assert "epoch (log y)" in chart_lines(out)[-1]


def test_cli_compare_and_run_draw_every_schedule(cli):
    out = cli.ok(
        "compare", "plateau:patience=1", "cosine:t_max=3", "--epochs", "6", "--seed", "2"
    ).stdout
    chart = chart_lines(out)  # piped: no colour, so each series has its letter
    assert any("A  plateau:patience=1" in line and "B  cosine:t_max=3" in line for line in chart)
    coloured = plain(
        cli.ok(
            "compare",
            "plateau:patience=1",
            "cosine:t_max=3",
            "--epochs",
            "6",
            env={**TERMINAL, "NO_COLOR": None},
        ).stdout
    )
    assert any("━━ plateau:patience=1" in line and "━━ cosine:t_max=3" in line for line in
               chart_lines(coloured))  # fmt: skip
    assert "metric: plateau:patience=1" in [line.strip() for line in chart]
    assert (
        "┤"
        not in cli.ok(
            "compare", "cosine:t_max=3", "step:step_size=1", "--epochs", "4", "--no-chart"
        ).stdout
    )
    (cli.folder / "c.toml").write_text('epochs = 5\nschedule = "cosine:t_max=4"\n')
    assert _y_labels(chart_lines(cli.ok("run", "c.toml").stdout)) == ["0.1", "0"]
    assert "┤" not in cli.ok("run", "c.toml", "--no-chart").stdout


def test_cli_chart_of_an_overflowing_lr_does_not_fail(cli):
    out = cli.ok("exponential", "--gamma", "1e308", "--epochs", "4").stdout
    assert _y_labels(chart_lines(out))[1] == "0.1"


def test_panels_start_at_one_column_and_long_runs_read_well(cli):
    out = cli.ok(
        "onecycle", "--max-lr", "0.1", "--epochs", "100", "--steps-per-epoch", "12000",
        "--interval", "step", "--csv", "/dev/null",
    ).stdout  # fmt: skip
    axes = {line.index("└") for line in out.splitlines() if "└" in line}
    assert len(axes) == 1  # the LR and the momentum panel: one plot area column
    ticks = [line for line in out.splitlines() if "step" in line and "1,199,999" in line]
    assert ticks  # thousands separators, not 1199999


def test_log_axis_says_where_the_lr_reaches_zero(cli):
    out = cli.ok("exponential", "--gamma", "0.5", "--epochs", "2000", "--log-y").stdout
    assert "the lr reaches 0 at epoch 1,072 (not drawn on a log axis)" in out
    bottom = next(line for line in chart_lines(out) if line.lstrip().startswith("4.94066e-324┤"))
    plot = bottom.split("┤", 1)[1]
    assert set(plot[len(plot) * 3 // 5 :]) == {"\u2800"}  # nothing drawn where the LR is 0
