"""`lrplot explore`: the state, the command and config it leaves, and the app (Textual's
run_test with a Pilot; SVG snapshots of the main screen)."""

from __future__ import annotations

import asyncio
import importlib.metadata
import importlib.util
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from lrplot.explore import session, state
from lrplot.schedules import lookup

ROOT = Path(__file__).resolve().parent.parent
HAS_TEXTUAL = importlib.util.find_spec("textual") is not None
TEXTUAL = importlib.metadata.version("textual") if HAS_TEXTUAL else None
needs_textual = pytest.mark.skipif(
    not HAS_TEXTUAL, reason="Textual is not installed (lrplot[explore], lrplot[dev])"
)


def cosine() -> state.State:
    return state.from_options(lookup("cosine"), {"t_max": "50", "epochs": "100"})


# --- the state: fields in, the library's traces (or the CLI's messages) out -------------


def test_a_field_error_is_the_cli_message_on_that_field() -> None:
    s = cosine()
    s.entries[0].texts["t_max"] = "0"
    s.run["epochs"] = "ten"
    outcome = s.simulate()
    assert outcome.comparison is None
    assert outcome.errors == {
        ("run", "epochs"): "invalid value for --epochs: epochs must be an integer in "
        "[1, 100000000], got 'ten'"
    }
    s.run["epochs"] = "100"
    outcome = s.simulate()
    assert list(outcome.errors) == [(0, "t_max")]
    assert outcome.errors[0, "t_max"].startswith("invalid value for --t-max: t_max must be")


def test_cross_field_errors_are_shown_not_raised() -> None:
    s = state.State([state.Entry.new("cyclic", {"base_lr": "0.1", "max_lr": "0.01"})])
    s.run.update(dataset_size="100")
    outcome = s.simulate()
    assert outcome.comparison is None and (outcome.errors or outcome.problems)


@pytest.mark.parametrize(
    "argv",
    [
        ["cosine", "--t-max", "50", "--epochs", "100", "--warmup", "5"],
        [
            "cosine",
            "--t-max",
            "10%",
            "--epochs",
            "30",
            "--steps-per-epoch",
            "7",
            "--interval",
            "step",
        ],
        ["lambda", "--expr", "0.9 ** epoch", "--epochs", "20"],
        [
            "plateau",
            "--patience",
            "3",
            "--epochs",
            "40",
            "--metric-shape",
            "plateaus",
            "--seed",
            "3",
        ],
        [
            "sequential",
            "--schedule",
            "linear:start_factor=0.1,total_iters=5",
            "--schedule",
            "cosine:t_max=95",
            "--milestones",
            "5",
        ],
        [
            "onecycle",
            "--max-lr",
            "0.1",
            "--epochs",
            "10",
            "--dataset-size",
            "1000",
            "--batch-size",
            "64",
            "--drop-last",
            "--interval",
            "step",
        ],
        ["cosine:t_max=20", "step:step_size=3,gamma=0.5", "--epochs", "30", "--lr", "0.05"],
    ],
)
def test_printed_command_and_saved_config_give_the_explorers_csv(argv, cli, tmp_path) -> None:
    from lrplot.cli.explore import _state

    outcome = _state(argv, None).simulate()
    assert outcome.ok, outcome
    shown = outcome.comparison.to_csv()
    printed = session.command(outcome.comparison)
    words = shlex.split(printed)
    assert words[0] == "lrplot"
    result = cli(*[*words[1:], "--csv", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == shown
    config = tmp_path / "saved.toml"
    config.write_text(session.config(outcome.comparison), encoding="utf-8")
    tomllib.loads(config.read_text(encoding="utf-8"))
    result = cli(*["run", str(config), "--csv", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout == shown
    # and the config opens in the explorer as the same state
    again = _state([], config).simulate()
    assert again.ok and again.comparison.to_csv() == shown


SAMPLES = sorted(
    p.name for p in (ROOT / "sample_configs").iterdir() if p.is_file() and p.suffix != ".csv"
)


@pytest.mark.parametrize("name", SAMPLES)
def test_every_sample_config_opens_and_its_command_gives_its_lrs(name, cli) -> None:
    """--config FILE (lrplot's own or a framework's): the explorer's state gives the
    config's LRs (labels aside: a curve is named by its SPEC), and so does its command."""
    import lrplot
    from lrplot.cli.explore import _state

    path = ROOT / "sample_configs" / name
    outcome = _state([], path).simulate()
    assert outcome.ok, outcome

    def lrs(text: str) -> list[list[str]]:
        return [row.split(",")[2:] for row in text.splitlines()[1:]]

    assert lrs(outcome.comparison.to_csv()) == lrs(lrplot.load(path).to_csv())
    result = cli(*shlex.split(session.command(outcome.comparison))[1:], "--csv", "-")
    assert result.exit_code == 0, result.output
    assert result.stdout == outcome.comparison.to_csv()


def test_nudges() -> None:
    from lrplot.engine import PARAMS
    from lrplot.explore.nudge import nudge

    lr = next(p for p in PARAMS if p.name == "lr")
    interval = next(p for p in PARAMS if p.name == "interval")
    t_max = lookup("cosine").param("t_max")
    assert nudge(lr, "0.1", True) == "0.11"
    assert nudge(lr, "0.1", False) == "0.09091"
    assert nudge(t_max, "50", True) == "51"
    assert nudge(t_max, "3ep", False) == "2ep"
    assert nudge(t_max, "1", False) is None  # below its range: no notch
    assert nudge(interval, "epoch", True) == "step"
    assert nudge(lookup("multistep").param("milestones"), "30,80", True) is None


def test_no_textual_import_on_other_paths() -> None:
    code = (
        "import sys; from lrplot.cli import app\n"
        "for argv in (['--help'], ['explore', '--help'], ['cosine', '--t-max', '5']):\n"
        "    try: app(argv)\n"
        "    except SystemExit: pass\n"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip().splitlines()[-1] == "False", out.stderr


def test_without_textual_the_command_says_how_to_install(cli, monkeypatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "textual" else real(name, *a)
    )
    result = cli(*["explore", "cosine", "--t-max", "5"])
    assert result.exit_code == 2
    assert "pip install 'lrplot[explore]'" in result.stderr


def test_unknown_option_is_the_cli_error(cli) -> None:
    result = cli(*["explore", "cosine", "--t-maxx", "5"])
    assert result.exit_code == 2
    # click's words: "No such option: --t-maxx" (click < 8.5), "No such option '--t-maxx'."
    assert re.search(r"No such option:? '?--t-maxx", result.stderr), result.stderr
    assert result.stderr.count("\n") == 1


# --- the app, headless -------------------------------------------------------------------


async def settle(app, pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


@needs_textual
def test_pilot_change_t_max_add_log_quit() -> None:
    asyncio.run(_change_t_max_add_log_quit())


async def _change_t_max_add_log_quit() -> None:
    from lrplot.explore.app import ExploreApp
    from lrplot.explore.widgets import FieldInput

    app = ExploreApp(cosine())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert isinstance(app.focused, FieldInput) and app.focused.param.name == "t_max"
        await pilot.press("up", "up", "down")  # nudge: +1 +1 -1
        await settle(app, pilot)
        assert app.state.entries[0].texts["t_max"] == "51"
        await pilot.press("+", "+", "-")  # a count: + and - nudge too
        await settle(app, pilot)
        assert app.state.entries[0].texts["t_max"] == "52"
        await pilot.press("down")
        assert app.comparison is not None and app.comparison.labels == ["cosine:t_max=51"]
        await pilot.press("ctrl+a", "ctrl+k", "4", "0", "enter")  # type a value
        await settle(app, pilot)
        assert app.comparison.labels == ["cosine:t_max=40"]
        await pilot.press("backspace", "backspace", "0")  # an invalid value: shown inline
        await settle(app, pilot)
        error = app.query_one(".field.invalid")
        assert "invalid value for --t-max" in str(error.error.render())
        assert app.comparison.labels == ["cosine:t_max=4"]  # the last valid value (as typed)
        await pilot.press("1", "5")  # "015"
        await settle(app, pilot)
        await pilot.press("escape", "l")
        assert app.chart.log_y
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("down", "enter")  # the second schedule: multistep
        await settle(app, pilot)
        assert [e.name for e in app.state.entries] == ["cosine", "multistep"]
        assert app.state.current == 1
        await pilot.press("escape", "right", "right", "q")
    assert app.return_value == (
        "lrplot compare cosine:t_max=15 'multistep:milestones=[30,80]' --epochs 100"
    )


@needs_textual
def test_pilot_duplicate_remove_switch_and_cursor() -> None:
    asyncio.run(_duplicate_remove_switch_and_cursor())


async def _duplicate_remove_switch_and_cursor() -> None:
    from lrplot.explore.app import ExploreApp

    app = ExploreApp(cosine())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("escape", "d")
        await settle(app, pilot)
        assert len(app.state.entries) == 2 and app.state.current == 1
        await pilot.press("up")  # the duplicate's t_max
        await settle(app, pilot)
        assert app.comparison.labels == ["cosine:t_max=50", "cosine:t_max=51"]
        await pilot.press("escape", "n")
        assert app.state.current == 0
        await settle(app, pilot)  # switching focuses the schedule's first field
        await pilot.press("escape", "end")
        assert app.chart.cursor == 99
        readout = str(app.query_one("#readout").render())
        assert "step 99" in readout and repr(float(app.comparison[0].lr[99])) in readout
        await pilot.press("x")
        await settle(app, pilot)
        assert [t.label for t in app.comparison] == ["cosine:t_max=51"]
        await pilot.press("escape", "q")
    assert app.return_value == "lrplot cosine --t-max 51 --epochs 100"


@needs_textual
def test_pilot_save_and_export(cli, tmp_path) -> None:
    asyncio.run(_save_and_export(cli, tmp_path))


async def _save_and_export(cli, tmp_path) -> None:
    from lrplot.explore.app import ExploreApp

    app = ExploreApp(cosine())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        for key, name in (("s", "saved.toml"), ("e", "lr.csv"), ("e", "lr.svg")):
            await pilot.press("escape", key)
            await pilot.pause()
            field = app.screen.query_one("#path")
            field.value = str(tmp_path / name)
            await pilot.press("enter")
            await pilot.pause()
        await pilot.press("escape", "c")
        await pilot.pause()
        assert "CosineAnnealingLR" in str(app.screen.query_one("#code Static").render())
        await pilot.press("escape", "q")
    csv = app.comparison.to_csv()
    assert (tmp_path / "lr.csv").read_text() == csv
    assert (tmp_path / "lr.svg").read_text().startswith("<?xml")
    result = cli(*["run", str(tmp_path / "saved.toml"), "--csv", "-"])
    assert result.stdout == csv


# --- snapshots: the main screen at 80x24 and 120x40 ------------------------------------

SNAPSHOT_TEXTUAL = "8.2.8"  # the snapshots were drawn by this Textual


@needs_textual
@pytest.mark.skipif(
    importlib.util.find_spec("pytest_textual_snapshot") is None,
    reason="pytest-textual-snapshot is not installed (lrplot[dev] has it)",
)
@pytest.mark.skipif(
    TEXTUAL != SNAPSHOT_TEXTUAL,
    reason=f"snapshots are of Textual {SNAPSHOT_TEXTUAL} (this is {TEXTUAL})",
)
@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
def test_main_screen_snapshot(snap_compare, size) -> None:
    from lrplot.explore.app import ExploreApp

    specs = ["cosine:t_max=50", "step:step_size=30"]
    app = ExploreApp(state.from_specs(specs, {}), colour=True)

    async def run_before(pilot) -> None:
        await settle(app, pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@needs_textual
def test_quitting_prints_the_command_on_the_normal_screen(cli, monkeypatch) -> None:
    from lrplot.explore.app import ExploreApp

    opened = []

    def run(self):  # the app, quit at once: it returns the command of its state
        opened.append(self.state)
        return session.command(self.state.simulate().comparison)

    monkeypatch.setattr(ExploreApp, "run", run)
    monkeypatch.setattr("lrplot.cli.explore.interactive", lambda: True)
    result = cli("explore", "cosine", "--t-max", "5", "--epochs", "20")
    assert result.exit_code == 0, result.output
    assert result.stdout == "lrplot cosine --t-max 5 --epochs 20\n"
    assert opened[0].entries[0].texts["t_max"] == "5"


@needs_textual
def test_without_a_terminal_it_says_so(cli) -> None:
    result = cli("explore", "cosine", "--t-max", "5")
    assert result.exit_code == 2
    assert result.stderr == "Error: lrplot explore is interactive: run it in a terminal\n"


def test_a_schedules_help_inside_explore(cli) -> None:
    result = cli("explore", "cosine", "--help")
    assert result.exit_code == 0, result.output
    assert "--t-max" in result.stdout and "--warmup" in result.stdout
