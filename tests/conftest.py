"""Shared fixtures: a CLI runner that works in a private folder, and reference traces."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lrplot import engine, metrics
from lrplot.cli import app
from lrplot.params import bind
from lrplot.spec import parse_spec

# A wide, colourless terminal: table rows and help text are never wrapped or styled.
ENV = {
    "COLUMNS": "220",
    "LINES": "60",
    "NO_COLOR": "1",
    "TERM": "dumb",
    "FORCE_COLOR": None,
    "TTY_COMPATIBLE": None,
    "TTY_INTERACTIVE": None,
    "LRPLOT_TRACEBACK": None,
}

# A terminal for rich (FORCE_COLOR makes it one; NO_COLOR keeps it colourless, but
# bold and dim remain: plain() takes them off): the view fits COLUMNS x LINES.
TERMINAL = {"FORCE_COLOR": "1"}
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def plain(text: str) -> str:
    """Text printed to a (forced) terminal, without its escape codes."""
    return ANSI.sub("", text)


ROW = re.compile(r"^\s*\d+\s")
# the table's header rule; the terminal chart above the table has its own lines (y labels
# end in ┤, the x axis starts with └), so they are never mistaken for it
RULE = re.compile(r"^\s*─+\s*$")


def cli_runner(env: dict[str, str | None] = ENV) -> CliRunner:
    """A CLI runner that keeps stdout and stderr apart, as a terminal shows them: click
    8.2+ always does; before 8.2 only when told ``mix_stderr=False``."""
    try:
        return CliRunner(env=env, mix_stderr=False)  # type: ignore[call-arg]
    except TypeError:  # click 8.2+: no such argument, stderr is always apart
        return CliRunner(env=env)


class Cli:
    """Runs ``lrplot`` in-process, in ``folder`` (the current directory)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.runner = cli_runner()

    def __call__(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        return self.runner.invoke(app, list(args), env=env)

    def ok(self, *args: str, env: dict[str, str | None] | None = None) -> Result:
        """Run; the command must succeed and print nothing that looks like a failure."""
        result = self(*args, env=env)
        assert result.exit_code == 0, result.output
        assert "Error:" not in result.output, result.output
        assert "Traceback" not in result.output, result.output
        return result

    def fail(self, *args: str, fragments: Sequence[str] = ()) -> str:
        """Run; it must be a user error: exit 2, one 'Error:' line, nothing else printed."""
        result = self(*args)
        assert result.exit_code == 2, result.output
        assert "Traceback" not in result.output, result.output
        assert result.stdout == "", result.output
        lines = result.stderr.splitlines()
        assert len(lines) == 1, result.stderr
        line = lines[0]
        assert line.startswith("Error: "), line
        for fragment in fragments:
            assert fragment in line, f"{fragment!r} not in {line!r}"
        return line

    def files(self) -> set[str]:
        """Every entry of the folder, hidden (temporary) files included."""
        return {p.name for p in self.folder.iterdir()}


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Cli:
    monkeypatch.chdir(tmp_path)
    return Cli(tmp_path)


@pytest.fixture(params=["orjson", "repr"])
def csv_writer(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a CSV test with each float formatter: orjson when installed, and plain repr."""
    from lrplot.render import export

    if request.param == "orjson":
        if getattr(export, "orjson", None) is None:
            pytest.skip("orjson is not installed")
    else:
        monkeypatch.setattr(export, "orjson", None, raising=False)
    return request.param


def table_rows(output: str) -> list[list[str]]:
    """The data rows of a printed table, split into cells (the gap rows dropped); the
    terminal chart above it is skipped."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if RULE.match(line)) + 1
    rows = []
    for line in lines[start:]:
        if not line.strip():
            break
        if ROW.match(line):
            rows.append(line.split())
    return rows


def chart_lines(output: str) -> list[str]:
    """The terminal chart(s) printed between the title line and the table (no blank
    lines); [] when there is none."""
    lines = output.splitlines()
    rule = next(i for i, line in enumerate(lines) if RULE.match(line))
    return [line for line in lines[1 : rule - 1] if line.strip()]


def read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    rows = list(csv.reader(io.StringIO(text)))
    return rows[0], rows[1:]


def trace(spec: str, **options: object) -> engine.Trace:
    """The engine's trace for a SPEC, run settings and metric options (lr=, epochs=,
    seed=, metric_shape=, ...): the values the CLI must show."""
    run_names = {p.name for p in engine.PARAMS}
    settings = engine.RunSettings.from_values({k: v for k, v in options.items() if k in run_names})
    metric_values = bind(
        metrics.PARAMS, {k: v for k, v in options.items() if k not in run_names}, "metric"
    )
    schedule = parse_spec(spec, run=settings)  # durations (3ep, 10%) count this run's steps
    return engine.simulate(schedule, settings, metrics.from_values(metric_values))


def case_settings(case: dict) -> engine.RunSettings:
    """The run a golden file's case describes (its lr, epochs, steps_per_epoch, interval)."""
    return engine.RunSettings(
        lr=case["lr"],
        epochs=case["epochs"],
        steps_per_epoch=case["steps_per_epoch"],
        interval=case["interval"],
    )
