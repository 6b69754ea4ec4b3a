"""Output that fits: piped, never wrapped or padded; on a terminal, the whole view fits
its width and height; a value is never cut."""

from __future__ import annotations

import pytest
from conftest import TERMINAL, plain, table_rows

COSINES = ["cosine:t_max=50", "cosine:t_max=50,eta_min=0.01", "cosine:t_max=100", "cosine:t_max=7"]


def test_piped_lines_are_never_wrapped_or_padded(cli):
    out = cli.ok(
        "exponential", "--gamma", "0.95", "--epochs", "5", "--exact", "--no-chart",
        env={"COLUMNS": "80"},
    ).stdout  # fmt: skip
    lines = out.splitlines()
    assert all(line == line.rstrip() for line in lines)
    assert lines[-1] == (
        "initial 0.1  final 0.08145062499999998  min 0.08145062499999998  max 0.1  changes 4"
    )


def test_piped_headers_are_whole(cli):
    out = cli.ok(
        "chained", "--schedule", "exponential:gamma=0.9", "--schedule", "step:step_size=3",
        "--schedule", "cosine:t_max=30,eta_min=0.001", "--epochs", "30", env={"COLUMNS": "80"},
    ).stdout  # fmt: skip
    assert out.splitlines()[0] == (
        "ChainedScheduler(schedulers=[ExponentialLR(gamma=0.9), StepLR(step_size=3), "
        "CosineAnnealingLR(T_max=30, eta_min=0.001)])  lr=0.1, 30 epochs"
    )


def test_piped_compare_carries_whole_labels_and_values(cli):
    out = cli.ok("compare", *COSINES, "--exact", "--no-chart", env={"COLUMNS": "80"}).stdout
    assert "…" not in out
    header = next(line for line in out.splitlines() if line.strip().startswith("epoch"))
    assert header.split() == ["epoch", *COSINES]
    rows = table_rows(out)
    assert len(rows) == 100 and rows[1][1] == "0.09990133642141358"


def test_the_headline_fits_a_terminal(cli):
    out = plain(cli.ok("cosine", "--t-max", "50", "--epochs", "100",
                       env={**TERMINAL, "COLUMNS": "80", "LINES": "50"}).stdout)  # fmt: skip
    lines = out.splitlines()
    assert len(lines) <= 49  # and the prompt after it
    assert max(len(line) for line in lines) <= 80
    assert "showing" in out and "--all shows every row" in out
    rows = table_rows(out)
    assert rows[0][:2] == ["0", "0.1"] and rows[-1][:2] == ["99", "0.0999013"]


@pytest.mark.parametrize(("columns", "lines"), [(80, 24), (120, 40), (80, 50)])
def test_compare_fits_a_terminal_and_never_cuts(cli, columns, lines):
    env = {**TERMINAL, "COLUMNS": str(columns), "LINES": str(lines)}
    out = plain(cli.ok("compare", *COSINES, "step:step_size=10", "--exact", env=env).stdout)
    shown = out.splitlines()
    if lines >= 40:
        assert len(shown) <= lines - 1
    else:  # five exact columns, their legend and summaries cannot fit 24 lines: no chart
        assert "(no chart: the terminal has 24 lines; -o FILE draws it)" in shown
    assert max(len(line) for line in shown) <= columns
    assert "…" not in out
    if any(f"A = {COSINES[0]}" == line for line in shown):  # keys, with their legend
        assert f"B = {COSINES[1]}" in shown and "E = step:step_size=10" in shown


def test_all_shows_every_row_on_a_terminal(cli):
    env = {**TERMINAL, "COLUMNS": "80", "LINES": "30"}
    out = plain(cli.ok("cosine", "--t-max", "50", "--epochs", "100", "--all", env=env).stdout)
    assert len(table_rows(out)) == 100
