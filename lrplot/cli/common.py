"""Options and steps shared by the commands: declared params become options; render outputs."""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from rich.markup import escape

from .. import api, engine, groups, metrics, plan
from ..errors import LrplotError
from ..params import BOOL, GROUPS, SCHEDULES, TEXT, Param
from ..schedules import ScheduleDef
from ..schedules.warmup import WARMUP_PARAMS
from .app import Option

if TYPE_CHECKING:
    from ..against import Verdict
    from ..logs import Log

CHART_FORMATS = (".png", ".svg", ".pdf")
PANEL_SCHEDULE = "Schedule parameters"
PANEL_RUN = "Run"
PANEL_PLAN = "Training plan (gives --steps-per-epoch)"
PANEL_GROUPS = "Param groups (one LR curve each)"
PANEL_METRIC = "Metric (ReduceLROnPlateau)"
PANEL_WARMUP = "Warmup (any schedule)"
PANEL_OUTPUT = "Output"
PANEL_RESUME = "Resume (what if the run is saved and resumed)"


# --- options shared by the commands -------------------------------------------------


def _output(*names: str, help: str, metavar: str | None = None) -> Option:
    """An output option: a value (FILE, TARGET) when it has a metavar, else a flag."""
    if metavar is None:
        return Option(list(names), is_flag=True, default=False, help=help, panel=PANEL_OUTPUT)
    return Option(list(names), default=None, metavar=metavar, help=help, panel=PANEL_OUTPUT)


def output_options() -> list[click.Parameter]:
    """-o, --csv, the table's options, --emit and --against's (every command that
    shows a run has them)."""
    return [
        _output("--out", "-o", help="Save a chart: .png, .svg or .pdf.", metavar="FILE"),
        _output(
            "--csv", help="Write the LR of every step as CSV ('-' for stdout).", metavar="FILE"
        ),
        _output("--log-y", help="Logarithmic LR axis on the chart."),
        Option(
            ["--all", "show_all"],
            is_flag=True,
            default=False,
            help="Show every row of the table, however long.",
            panel=PANEL_OUTPUT,
        ),
        _output("--exact", help="Show values with full precision (round-trip repr)."),
        _output("--quiet", "-q", help="Print no table (files are still written)."),
        _output("--no-chart", help="Print no terminal chart above the table."),
        _output(
            "--emit",
            help="Print the code that builds this schedule, instead of the table; TARGET is "
            "torch (a runnable training loop printing each step's LR, to diff with --csv), hf "
            "(transformers' get_*_schedule), lightning (configure_optimizers), deepspeed (a "
            "ds_config.json scheduler and optimizer lr) or megatron (Megatron-LM's flags, for "
            "the megatron schedule).",
            metavar="TARGET",
        ),
        *against_parts(),
    ]


def declared_option(p: Param, panel: str) -> click.Option:
    """A text option generated from a declared parameter; parsed by the Param itself.

    Child schedules (a SCHEDULES parameter) are a repeatable --schedule SPEC; a BOOL
    is a --name/--no-name flag (None when not given: the declared default applies)."""
    text = sentence(p.help)
    if p.kind == SCHEDULES:
        text += ": repeat --schedule SPEC, once per child."
    elif p.kind == GROUPS:
        text += ", e.g. --group backbone=0.1 --group head=1."
    elif p.kind in (TEXT, BOOL):  # "text" and "true or false" say nothing here
        text += "."
    else:
        text += f"; {p.allowed(brief=True)}."
    text = text.replace("[", "\\[")  # rich markup: brackets are literal
    if p.kind == BOOL:
        text += f" \\[default: {p.option if p.default else '--no-' + p.option[2:]}]"
    elif p.required:
        text += " \\[required]"
    elif p.default is not None:
        text += f" \\[default: {p.default_text()}]"
    if p.kind in (SCHEDULES, GROUPS):  # repeatable
        names = [*option_names(p), p.name]
        return Option(names, multiple=True, help=text, metavar=p.metavar, panel=panel)
    if p.kind == BOOL:
        flag = f"{p.option}/--no-{p.option[2:]}"
        return Option([flag, p.name], default=None, help=text, panel=panel)
    return Option([p.option, p.name], default=None, help=text, metavar=p.metavar, panel=panel)


def sentence(text: str) -> str:
    """A help text as a sentence: its first word capitalised, unless that word is a
    name (``new_lr = lr * factor``, ``min: ...``, ``lr``), which keeps its spelling."""
    word = re.match(r"[a-z]+(?=[ ,;(]|$)", text)
    if word is None or word.group() in _NAMES:
        return text
    return text[:1].upper() + text[1:]


_NAMES = frozenset({"lr", "min", "max", "rel", "abs", "cos", "linear", "epoch", "step"})


PANEL_AGAINST = "Check a run's log"
_AGAINST_METAVARS = {"against": "LOG", "log_format": "FORMAT", "log_key": "KEY",
                     "log_offset": "N", "rtol": "X"}  # fmt: skip


def _against_option(p: Param) -> click.Option:
    text = sentence(p.help) + "."
    if p.default is not None:
        text += f" \\[default: {p.default_text()}]"
    metavar = _AGAINST_METAVARS[p.name]
    return Option([p.option, p.name], default=None, help=text, metavar=metavar, panel=PANEL_AGAINST)


def against_parts() -> list[click.Parameter]:
    from ..against import PARAMS

    return [_against_option(p) for p in PARAMS]


def option_names(p: Param) -> tuple[str, ...]:
    """A parameter's command-line names: its own, and --schedule for child schedules;
    param groups are --group, one NAME=SCALE each."""
    if p.kind == GROUPS:
        return ("--group",)
    return ("--schedule", p.option) if p.kind == SCHEDULES else (p.option,)


def run_parts() -> list[click.Parameter]:
    def panel(p: Param) -> str:
        if p.name in plan.NAMES:
            return PANEL_PLAN
        return PANEL_GROUPS if p.name in groups.NAMES else PANEL_RUN

    return [declared_option(p, panel(p)) for p in engine.PARAMS]


def plan_parts() -> list[click.Parameter]:
    """`run`: the plan options, which replace a config file's."""
    return [declared_option(p, PANEL_PLAN) for p in plan.PARAMS]


def resume_parts() -> list[click.Parameter]:
    """--resume-at, --resume-mode, --resume-with (lrplot.resume)."""
    from ..resume import PARAMS

    return [declared_option(p, PANEL_RESUME) for p in PARAMS]


def resume_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """The resume options given (raw text), for api.resumed."""
    from ..resume import NAMES

    return {name: kwargs.get(name) for name in NAMES}


def group_parts() -> list[click.Parameter]:
    """`run`: the param group options, which replace a config's."""
    return [declared_option(p, PANEL_GROUPS) for p in groups.PARAMS]


def metric_parts() -> list[click.Parameter]:
    return [declared_option(p, PANEL_METRIC) for p in metrics.PARAMS]


def warmup_params(definition: ScheduleDef | None = None) -> tuple[Param, ...]:
    """The warmup options (every schedule has them, unless a name is its own)."""
    own = {p.name for p in definition.params} if definition is not None else set()
    return tuple(p for p in WARMUP_PARAMS if p.name not in own)


def warmup_parts(definition: ScheduleDef | None = None) -> list[click.Parameter]:
    return [declared_option(p, PANEL_WARMUP) for p in warmup_params(definition)]


def pick(kwargs: dict[str, Any], params: Sequence[Param]) -> dict[str, Any]:
    """The options of ``params`` that were given (raw text: the library parses it)."""
    return {p.name: kwargs[p.name] for p in params if kwargs.get(p.name) is not None}


def run_settings(kwargs: dict[str, Any]) -> engine.RunSettings:
    return api.run_settings(pick(kwargs, engine.PARAMS))


def metric_source(kwargs: dict[str, Any]) -> metrics.MetricSource:
    """The plateau metric the --metric-* options (and --seed) describe."""
    options = pick(kwargs, [p for p in metrics.PARAMS if p.name != "metric_file"])
    return api.metric_source(kwargs.get("metric_file"), options)


PROGRESS_MIN_ROWS = 500_000  # show progress on a TTY for runs at least this long


@dataclass(frozen=True)
class Outputs:
    """What the output options ask for (output_options), checked before any work."""

    out: str | None = None
    csv: str | None = None
    log_y: bool = False
    show_all: bool = False
    exact: bool = False
    quiet: bool = False
    chart: bool = True
    emit: str | None = None
    against: dict[str, Any] = field(default_factory=dict)  # --against and its options given
    log: Log | None = None  # the log --against reads (once checked)

    @classmethod
    def from_options(cls, kwargs: dict[str, Any]) -> Outputs:
        from ..against import PARAMS

        return cls(
            kwargs["out"],
            kwargs["csv"],
            kwargs["log_y"],
            kwargs["show_all"],
            kwargs["exact"],
            kwargs["quiet"],
            not kwargs["no_chart"],
            kwargs["emit"],
            pick(kwargs, PARAMS),
        )

    def checked(self) -> Outputs:
        """Reject a bad output (and a bad log) before doing any work; the log read."""
        self.check()
        if not self.against:
            return self
        from ..against import check_rtol
        from ..logs import read_log

        given = dict(self.against)
        if "against" not in given:
            names = ", ".join(f"--{k.replace('_', '-')}" for k in given)
            raise LrplotError(f"{names} without --against: give the log to compare with")
        check_rtol(given.get("rtol", 1e-6))
        log = read_log(given["against"], format=given.get("log_format"), key=given.get("log_key"))
        return dataclasses.replace(self, log=log)

    def check(self) -> None:
        """Reject a bad output before doing any work."""
        from ..emit import check_request
        from ..render.output import check_writable

        check_request(self.emit)
        if self.emit is not None and self.csv == "-":
            raise LrplotError(
                "--emit and --csv - both write to stdout: write the CSV to a file (--csv FILE)"
            )
        if self.out is not None:
            if Path(self.out).suffix.lower() not in CHART_FORMATS:
                raise LrplotError(
                    f"invalid value for --out: {self.out!r} has an unknown extension; "
                    f"use {', '.join(CHART_FORMATS)}"
                )
            check_writable(Path(self.out), "out")
        if self.csv is not None and self.csv != "-":
            check_writable(Path(self.csv), "csv")

    def render(self, traces: Sequence[api.Trace], notes: bool = False) -> None:
        """Write the requested files, then show the table (unless the CSV is on stdout),
        with the terminal chart above it when ``chart`` and no chart file is asked for.
        With ``emit``, print the code of the schedule instead of the table (a plateau's
        code reads the same metric file). ``notes``: what ``lrplot check`` finds, one
        dim line each under the table.

        Long work shows progress on stderr, only when stderr is a terminal.
        """
        from rich.console import Console

        out, csv, log_y, exact = self.out, self.csv, self.log_y, self.exact
        verdict, header = None, ""
        if self.log is not None:  # first: the log may not fit the run (exit 2, nothing written)
            traces, verdict = self._against(traces)
            header = log_header(self.log)
            sys.stderr.write(header)
            sys.stderr.flush()
        code = None
        if self.emit is not None and any(t.resumed is not None for t in traces):
            raise LrplotError(
                "--emit writes the schedule's code, not a resume: drop --resume-at to emit it"
            )
        if self.emit is not None:  # first: a schedule the target cannot build writes no file
            from ..emit import emit_traces

            code = emit_traces(traces, self.emit, traces[0].source)
        err = Console(stderr=True)
        total = traces[0].settings.total_steps
        show_progress = err.is_terminal and total >= PROGRESS_MIN_ROWS
        if csv is not None:
            from ..render.export import write_csv

            if show_progress:
                from rich.progress import Progress

                with Progress(console=err, transient=True) as progress:
                    task = progress.add_task(f"writing {csv}", total=total)
                    write_csv(traces, csv, lambda n: progress.advance(task, n))
            else:
                write_csv(traces, csv)
            if csv != "-":
                err.print(f"wrote [bold]{escape(csv)}[/bold] ({total} rows)")
        if out is not None:
            from ..render.plot import save_chart

            if show_progress:
                with err.status(f"drawing {escape(out)}"):
                    save_chart(traces, out, log_y)
            else:
                save_chart(traces, out, log_y)
            err.print(f"wrote [bold]{escape(out)}[/bold]")
        if code is not None:
            sys.stdout.write(code)
            sys.stdout.flush()
        elif not self.quiet and csv != "-":
            from ..render.console import stdout_console
            from ..render.table import View, render_table

            view = View.of(Console())
            with stdout_console() as console:
                drawing = None
                if self.chart and out is None:
                    from functools import partial

                    from ..render.termchart import chart_traces

                    colour = console.is_terminal and not console.no_color
                    width = view.width or console.width
                    drawing = partial(chart_traces, traces, width, log_y, exact, colour)
                found = _notes(traces) if notes and verdict is None else []
                reserve = 0
                if verdict is not None and view.width:  # the verdict's lines, wrapped
                    lines = verdict.lines(self._against_words())
                    if err.is_terminal:  # and the log's header, above the view on that screen
                        lines += header.splitlines()
                    reserve = sum(-(-max(len(line), 1) // view.width) for line in lines)
                render_table(traces, console, self.show_all, exact, drawing, view, found, reserve)
        if verdict is not None:
            self._verdict(verdict, to_stderr=code is not None or csv == "-")

    def _against(self, traces: Sequence[api.Trace]) -> tuple[list[api.Trace], Verdict]:
        from ..diagnose import verify

        assert self.log is not None
        if len(traces) != 1:
            labels = ", ".join(t.label for t in traces[:3]) + (", ..." if len(traces) > 3 else "")
            raise LrplotError(
                f"--against compares one schedule with the log, but this run has "
                f"{len(traces)} ({labels}): give the one the run was configured with"
            )
        given = self.against
        verdict = verify(traces[0], self.log, given.get("rtol", 1e-6), given.get("log_offset", 0))
        return [api.Trace.of(verdict.shown())], verdict

    def _against_words(self) -> list[str]:
        """The --against options given, as the try: command repeats them."""
        words = [w for k, v in self.against.items() if k != "against"
                 for w in (f"--{k.replace('_', '-')}", str(v))]  # fmt: skip
        return ["--against", str(self.against["against"]), *words]

    def _verdict(self, verdict: Verdict, to_stderr: bool) -> None:
        """The verdict's lines (stdout, unless stdout holds the CSV or the code); exit
        code 1 when the log differs."""
        from ..render.console import stdout_console

        lines = verdict.lines(self._against_words())
        if to_stderr:
            from rich.console import Console

            err = Console(stderr=True, highlight=False)
            for line in lines:
                err.print(escape(line), soft_wrap=True)
        else:
            with stdout_console() as console:
                for line in lines:
                    console.print(escape(line), soft_wrap=True, highlight=False)
        if not verdict.matches:
            raise click.exceptions.Exit(1)


def log_header(log: Log) -> str:
    """Comment lines: the log read, its key, and how its steps were read."""
    from ..logs import FORMAT_NAMES

    what = FORMAT_NAMES.get(log.format, log.format)
    lines = [f"# {log.path}: {what}, {log.key}"]
    lines += [f"#   {note}" for note in log.notes]
    return "\n".join(lines) + "\n"


def _notes(traces: Sequence[api.Trace]) -> list[str]:
    from ..lint import lint

    found = [f"note: {escape(f.message)}" for t in traces for f in lint(t)]
    return found + [
        f"note: {escape(n)}" for t in traces if t.resumed is not None for n in t.resumed.notes
    ]
