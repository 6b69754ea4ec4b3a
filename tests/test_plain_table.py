"""The piped table is printed without rich's layout (lrplot.render.table._plain_table):
it must be exactly what rich prints, character for character, for every kind of table."""

from __future__ import annotations

import pytest
from conftest import cli_runner

import lrplot.render.table as table
from lrplot.cli import app

LOG = "tests/fixtures/logs/hf-cosine-changed/trainer_state.json"
CASES = [
    ["cosine", "--t-max", "50", "--epochs", "100"],
    ["cosine", "--t-max", "50", "--epochs", "100", "--exact", "--no-chart"],
    ["cosine", "--t-max", "5000", "--epochs", "10000"],  # a selection: gaps
    ["multistep", "--milestones", "30,80", "--epochs", "100", "--gamma", "0.5"],  # marks
    ["step", "--step-size", "3", "--epochs", "20", "--steps-per-epoch", "4", "--interval", "step"],
    ["onecycle", "--max-lr", "0.1", "--total-steps", "200", "--epochs", "200"],  # momentum
    ["plateau", "--patience", "2", "--epochs", "40"],  # metric
    ["cosine", "--t-max", "20", "--epochs", "30", "--group", "backbone=0.1", "--group", "head=1"],
    ["compare", "cosine:t_max=100", "step:step_size=30", "--epochs", "100"],
    [
        "compare",
        "cosine:t_max=10",
        "linear:start_factor=0.5,total_iters=4",
        "exponential:gamma=0.9",
        "--epochs",
        "12",
        "--exact",
    ],
    ["compare", "cosine:t_max=1000", "multistep:milestones=[300,600]", "--epochs", "1000"],
    [
        "hf-cosine",
        "--lr",
        "0.001",
        "--num-warmup-steps",
        "5",
        "--num-training-steps",
        "30",
        "--epochs",
        "3",
        "--steps-per-epoch",
        "10",
        "--interval",
        "step",
        "--against",
        LOG,
    ],
]


def _run(args: list[str]) -> tuple[int, str]:
    result = cli_runner().invoke(app, args)
    return result.exit_code, result.stdout


@pytest.mark.parametrize("args", CASES, ids=lambda a: " ".join(a[:2]))
def test_piped_table_is_what_rich_prints(args: list[str], monkeypatch: pytest.MonkeyPatch):
    made: list[str] = []
    real = table._plain_table

    def spy(*a: object) -> str | None:
        text = real(*a)  # type: ignore[arg-type]
        if text is not None:
            made.append(text)
        return text

    monkeypatch.setattr(table, "_plain_table", spy)
    code, fast = _run(args)
    assert made, "the plain path was not taken"
    monkeypatch.setattr(table, "_plain_table", lambda *a: None)  # rich prints every table
    rich_code, slow = _run(args)
    assert (code, fast) == (rich_code, slow)
    assert code in (0, 1), fast
    assert "─" in fast


def test_plain_path_gives_way_to_rich_with_colours():
    from rich.console import Console

    columns: list[table.Column] = [("epoch", "right", "cyan"), ("", "left", None)]
    console = Console(force_terminal=True, color_system="standard")
    assert table._plain_table(console, columns, [["0", ""]]) is None
