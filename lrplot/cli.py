"""The command line: parse -> simulate -> render. Thin glue, no LR math.

Each schedule's subcommand and its options are generated from the schedule's
declared parameters (lrplot.schedules), so nothing is declared twice.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from typer import _click as click

from . import __version__, engine, metrics
from .params import SCHEDULES, LrplotError, Param, ParamError
from .schedules import REGISTRY, Schedule, ScheduleDef
from .schedules.warmup import WARMUP_PARAMS, Warmup
from .spec import load_config, parse_spec

CHART_FORMATS = (".png", ".svg", ".pdf")
PANEL_SCHEDULE = "Schedule parameters"
PANEL_RUN = "Run"
PANEL_METRIC = "Metric (ReduceLROnPlateau)"
PANEL_WARMUP = "Warmup (any schedule)"
PANEL_OUTPUT = "Output"


class LrplotGroup(typer.core.TyperGroup):
    """Turns every user error into one line on stderr and exit code 2."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(self.commands)  # declaration order, not alphabetical

    def main(self, *args: Any, standalone_mode: bool = True, **kwargs: Any) -> Any:
        try:
            code = super().main(*args, standalone_mode=False, **kwargs)
        except click.exceptions.NoArgsIsHelpError as err:
            if err.message.strip():  # rich has usually printed the help already
                print(err.message)
            sys.exit(err.exit_code)
        except click.exceptions.UsageError as err:
            hint = f" (see '{err.ctx.command_path} --help')" if err.ctx else ""
            _fail(err.format_message().replace("\n", " ") + hint, 2)
        except click.exceptions.ClickException as err:
            _fail(err.format_message(), err.exit_code)
        except typer.Abort:
            _fail("aborted", 130)
        except LrplotError as err:
            _fail(str(err), err.exit_code)
        except KeyboardInterrupt:
            _fail("interrupted", 130)
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(1)
        except Exception as err:  # a bug in lrplot: still one line, unless asked for more
            if os.environ.get("LRPLOT_TRACEBACK"):
                raise
            _fail(
                f"internal error: {type(err).__name__}: {err} "
                "(set LRPLOT_TRACEBACK=1 to see where)",
                1,
            )
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


def _quiet_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _version(value: bool) -> None:
    if value:
        print(f"lrplot {__version__}")
        raise typer.Exit()


app = typer.Typer(
    cls=LrplotGroup,
    name="lrplot",
    help="See what a PyTorch learning-rate scheduler does, step by step, before you train."
    "\n\nEvery LR equals what torch.optim.lr_scheduler gives for the same parameters.",
    epilog="Examples:\n\n"
    "  lrplot cosine --t-max 50 --epochs 100\n\n"
    "  lrplot compare cosine:t_max=100 step:step_size=30 --epochs 100 -o lr.png\n\n"
    "  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot list",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_enable=False,
)


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    pass


# --- options shared by the commands -------------------------------------------------

OutOption = Annotated[
    Optional[str],  # noqa: UP045 - typer needs the runtime object
    typer.Option(
        "--out",
        "-o",
        help="Save a chart: .png, .svg or .pdf.",
        metavar="FILE",
        rich_help_panel=PANEL_OUTPUT,
    ),
]
CsvOption = Annotated[
    Optional[str],  # noqa: UP045
    typer.Option(
        "--csv",
        help="Write the LR of every step as CSV ('-' for stdout).",
        metavar="FILE",
        rich_help_panel=PANEL_OUTPUT,
    ),
]
LogYOption = Annotated[
    bool,
    typer.Option("--log-y", help="Logarithmic LR axis on the chart.", rich_help_panel=PANEL_OUTPUT),
]
AllOption = Annotated[
    bool,
    typer.Option(
        "--all", help="Show every row of the table, however long.", rich_help_panel=PANEL_OUTPUT
    ),
]
ExactOption = Annotated[
    bool,
    typer.Option(
        "--exact",
        help="Show values with full precision (round-trip repr).",
        rich_help_panel=PANEL_OUTPUT,
    ),
]
QuietOption = Annotated[
    bool,
    typer.Option(
        "--quiet",
        "-q",
        help="Print no table (files are still written).",
        rich_help_panel=PANEL_OUTPUT,
    ),
]

_OUTPUT_PARAMS = [
    ("out", OutOption, None),
    ("csv", CsvOption, None),
    ("log_y", LogYOption, False),
    ("show_all", AllOption, False),
    ("exact", ExactOption, False),
    ("quiet", QuietOption, False),
]


def _declared_option(p: Param, panel: str) -> tuple[str, Any, Any]:
    """A text option generated from a declared parameter; parsed by the Param itself.

    Child schedules (a SCHEDULES parameter) are a repeatable --schedule SPEC."""
    help_text = f"{p.help[:1].upper()}{p.help[1:]}; {p.allowed()}."
    if p.kind == SCHEDULES:
        help_text = f"{p.help[:1].upper()}{p.help[1:]}: repeat --schedule SPEC, once per child."
    help_text = help_text.replace("[", "\\[")  # rich markup: brackets are literal
    if p.required:
        help_text += " \\[required]"
    elif p.default is not None:
        help_text += f" \\[default: {p.default_text()}]"
    if p.kind == SCHEDULES:
        option = typer.Option(
            *_option_names(p), help=help_text, metavar="SPEC", show_default=False,
            rich_help_panel=panel,
        )  # fmt: skip
        return (p.name, Annotated[Optional[list[str]], option], None)  # noqa: UP045
    option = typer.Option(
        p.option, help=help_text, metavar=p.metavar, show_default=False, rich_help_panel=panel
    )
    return (p.name, Annotated[Optional[str], option], None)  # noqa: UP045


def _option_names(p: Param) -> tuple[str, ...]:
    """A parameter's command-line names: its own, and --schedule for child schedules."""
    return ("--schedule", p.option) if p.kind == SCHEDULES else (p.option,)


def _command(
    fn: Callable[[dict[str, Any]], None],
    parts: Sequence[tuple[str, Any, Any]],
) -> Callable[..., None]:
    """A function whose signature Typer reads, built from (name, annotation, default)."""

    def command(**kwargs: Any) -> None:
        fn(kwargs)

    params = [
        inspect.Parameter(
            name, inspect.Parameter.KEYWORD_ONLY, default=default, annotation=annotation
        )
        for name, annotation, default in parts
    ]
    command.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    command.__annotations__ = {name: annotation for name, annotation, _ in parts}
    return command


def _run_parts() -> list[tuple[str, Any, Any]]:
    return [_declared_option(p, PANEL_RUN) for p in engine.PARAMS]


def _metric_parts() -> list[tuple[str, Any, Any]]:
    return [_declared_option(p, PANEL_METRIC) for p in metrics.PARAMS]


def _warmup_params(definition: ScheduleDef | None = None) -> tuple[Param, ...]:
    """The warmup options (every schedule has them, unless a name is its own)."""
    own = {p.name for p in definition.params} if definition is not None else set()
    return tuple(p for p in WARMUP_PARAMS if p.name not in own)


def _warmup_parts(definition: ScheduleDef | None = None) -> list[tuple[str, Any, Any]]:
    return [_declared_option(p, PANEL_WARMUP) for p in _warmup_params(definition)]


def _warmup_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    """compare/run: the --warmup options, checked, as defaults for every schedule."""
    given = _pick(kwargs, WARMUP_PARAMS)
    try:
        Warmup.from_values(given)
    except ParamError as err:
        raise _cli_error(err) from None
    return given


def _pick(kwargs: dict[str, Any], params: Sequence[Param]) -> dict[str, Any]:
    return {p.name: kwargs[p.name] for p in params if kwargs.get(p.name) is not None}


def _cli_error(err: ParamError, params: Sequence[Param] = ()) -> LrplotError:
    option = "--" + err.name.replace("_", "-")
    option = next((_option_names(p)[0] for p in params if p.name == err.name), option)
    return LrplotError(f"invalid value for {option}: {err.bare}")


def _settings(kwargs: dict[str, Any]) -> engine.RunSettings:
    try:
        return engine.RunSettings.from_values(_pick(kwargs, engine.PARAMS))
    except ParamError as err:
        raise _cli_error(err) from None


def _metric(kwargs: dict[str, Any]) -> metrics.MetricSource:
    try:
        from .params import bind

        values = bind(metrics.PARAMS, _pick(kwargs, metrics.PARAMS), "metric")
    except ParamError as err:
        raise _cli_error(err) from None
    return metrics.from_values(values)


def _check_outputs(out: str | None, csv: str | None) -> None:
    """Reject a bad output before doing any work."""
    from .render.output import check_writable

    if out is not None:
        if Path(out).suffix.lower() not in CHART_FORMATS:
            raise LrplotError(
                f"invalid value for --out: {out!r} has an unknown extension; "
                f"use {', '.join(CHART_FORMATS)}"
            )
        check_writable(Path(out), "--out")
    if csv is not None and csv != "-":
        check_writable(Path(csv), "--csv")


PROGRESS_MIN_ROWS = 500_000  # show progress on a TTY for runs at least this long


def _render(
    traces: Sequence[engine.Trace],
    out: str | None,
    csv: str | None,
    log_y: bool,
    show_all: bool,
    exact: bool,
    quiet: bool,
) -> None:
    """Write the requested files, then show the table (unless the CSV is on stdout).

    Long work shows progress on stderr, only when stderr is a terminal.
    """
    from rich.console import Console

    err = Console(stderr=True)
    total = traces[0].settings.total_steps
    show_progress = err.is_terminal and total >= PROGRESS_MIN_ROWS
    if csv is not None:
        from .render.export import write_csv

        if show_progress:
            from rich.progress import Progress

            with Progress(console=err, transient=True) as progress:
                task = progress.add_task(f"writing {csv}", total=total)
                write_csv(traces, csv, lambda n: progress.advance(task, n))
        else:
            write_csv(traces, csv)
        if csv != "-":
            err.print(f"wrote [bold]{csv}[/bold] ({total} rows)")
    if out is not None:
        from .render.plot import save_chart

        if show_progress:
            with err.status(f"drawing {out}"):
                save_chart(traces, out, log_y)
        else:
            save_chart(traces, out, log_y)
        err.print(f"wrote [bold]{out}[/bold]")
    if not quiet and csv != "-":
        from .render.table import render_table

        render_table(traces, Console(), show_all=show_all, exact=exact)


def _simulate_all(
    schedules: Sequence[Schedule],
    settings: engine.RunSettings,
    metric: metrics.MetricSource | None,
) -> list[engine.Trace]:
    traces = [engine.simulate(s, settings, metric) for s in schedules]
    _unique_labels(traces)
    return traces


def _unique_labels(traces: list[engine.Trace]) -> None:
    seen: dict[str, int] = {}
    for i, t in enumerate(traces):
        label = t.label
        if label in seen:
            seen[label] += 1
            schedule = dataclasses.replace(t.schedule, label_given=f"{label} #{seen[label]}")
            traces[i] = dataclasses.replace(t, schedule=schedule)
        else:
            seen[label] = 1


# --- lrplot <schedule> ------------------------------------------------------------


def _schedule_runner(definition: ScheduleDef) -> Callable[[dict[str, Any]], None]:
    def run(kwargs: dict[str, Any]) -> None:
        _check_outputs(kwargs["out"], kwargs["csv"])
        params = (*definition.params, *_warmup_params(definition))
        try:
            schedule = definition.build(_pick(kwargs, params))
        except ParamError as err:
            raise _cli_error(err, params) from None
        settings = _settings(kwargs)
        metric = _metric(kwargs) if definition.needs_metric else None
        traces = _simulate_all([schedule], settings, metric)
        _render(
            traces,
            kwargs["out"],
            kwargs["csv"],
            kwargs["log_y"],
            kwargs["show_all"],
            kwargs["exact"],
            kwargs["quiet"],
        )

    return run


def _register_schedule(definition: ScheduleDef) -> None:
    parts = [_declared_option(p, PANEL_SCHEDULE) for p in definition.params]
    parts += _warmup_parts(definition)
    parts += _run_parts()
    if definition.needs_metric:
        parts += _metric_parts()
    parts += _OUTPUT_PARAMS
    example = f"lrplot {definition.name} {definition.example}".strip()
    epilog = (
        f"Examples:\n\n  {example}\n\n  {example} -o {definition.name}.png\n\n  {example} --csv -"
    )
    if any(p.kind == SCHEDULES for p in definition.params):
        epilog += _composite_epilog(definition)
    app.command(
        definition.name,
        help=f"{definition.torch_class}: {definition.summary}.\n\n"
        f"lr after n scheduler steps: {definition.formula}",
        epilog=epilog,
        rich_help_panel="Schedules",
    )(_command(_schedule_runner(definition), parts))


def _composite_epilog(definition: ScheduleDef) -> str:
    """The example again as a SPEC (for compare and config files), built from it."""
    import shlex

    tokens = shlex.split(definition.example)
    by_option = {name: p for p in definition.params for name in _option_names(p)}
    given: dict[str, Any] = {}
    for option, value in zip(tokens[::2], tokens[1::2], strict=False):
        p = by_option.get(option)
        if p is not None and p.kind == SCHEDULES:
            given.setdefault(p.name, []).append(value)
        elif p is not None:
            given[p.name] = value
    try:
        spec = definition.build(given).spec()
    except LrplotError:  # a child schedule that this build does not have
        return ""
    return (
        "\n\nAs a SPEC, for compare and config files (children in brackets, separated by ;):"
        f"\n\n  lrplot compare '{spec}' 'cosine:t_max=100,warmup=5'"
    ).replace("[", "\\[")


for _definition in REGISTRY.values():
    _register_schedule(_definition)


# --- lrplot compare ---------------------------------------------------------------


def _compare(kwargs: dict[str, Any]) -> None:
    _check_outputs(kwargs["out"], kwargs["csv"])
    defaults = _warmup_defaults(kwargs)
    schedules = [parse_spec(text, defaults) for text in kwargs["specs"]]
    settings = _settings(kwargs)
    metric = _metric(kwargs) if any(s.needs_metric for s in schedules) else None
    traces = _simulate_all(schedules, settings, metric)
    _render(
        traces,
        kwargs["out"],
        kwargs["csv"],
        kwargs["log_y"],
        kwargs["show_all"],
        kwargs["exact"],
        kwargs["quiet"],
    )


SpecsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Schedules as SPECs: name[:key=value,...], e.g. "
        "cosine:t_max=50,eta_min=1e-4 or 'multistep:milestones=[30,80],label=ms'.",
        metavar="SPEC...",
    ),
]

app.command(
    "compare",
    help="Several schedules on one chart, side by side in the table, and in one wide CSV.",
    epilog="Examples:\n\n"
    "  lrplot compare cosine:t_max=100 step:step_size=30 exponential:gamma=0.95 --epochs 100\n\n"
    "  lrplot compare 'multistep:milestones=[30,80],label=paper' cosine:t_max=100 -o cmp.png\n\n"
    "  lrplot compare cosine:t_max=10 'cosine:t_max=10,eta_min=0.01' --csv cmp.csv",
    rich_help_panel="Commands",
)(
    _command(
        _compare,
        [
            ("specs", SpecsArgument, inspect.Parameter.empty),
            *_warmup_parts(),
            *_run_parts(),
            *_metric_parts(),
            *_OUTPUT_PARAMS,
        ],
    )
)


# --- lrplot run -------------------------------------------------------------------


def _run_config(kwargs: dict[str, Any]) -> None:
    cfg = load_config(kwargs["config"], _warmup_defaults(kwargs))
    out = kwargs["out"] if kwargs["out"] is not None else cfg.outputs["out"]
    csv = kwargs["csv"] if kwargs["csv"] is not None else cfg.outputs["csv"]
    _check_outputs(out, csv)
    traces = _simulate_all(cfg.schedules, cfg.settings, cfg.metric)
    log_y = kwargs["log_y"] or cfg.outputs["log_y"]
    _render(traces, out, csv, log_y, kwargs["show_all"], kwargs["exact"], kwargs["quiet"])


ConfigArgument = Annotated[Path, typer.Argument(help="The config file.", metavar="CONFIG")]

app.command(
    "run",
    help="Run a config file (TOML, JSON, or YAML with PyYAML) of one or more schedules.",
    epilog="Examples:\n\n  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot run sample_configs/compare.toml -o compare.png\n\n"
    "  lrplot run sample_configs/cosine.toml --warmup 5  (for schedules without a warmup key)",
    rich_help_panel="Commands",
)(
    _command(
        _run_config,
        [("config", ConfigArgument, inspect.Parameter.empty), *_warmup_parts(), *_OUTPUT_PARAMS],
    )
)


# --- lrplot list ------------------------------------------------------------------


@app.command(
    "list",
    help="List every schedule: its formula, parameters and PyTorch class.",
    epilog="Examples:\n\n  lrplot list",
    rich_help_panel="Commands",
)
def list_schedules() -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("reproduces (torch.optim.lr_scheduler) · lr after n steps")
    table.add_column("parameters (default)")
    for d in REGISTRY.values():
        params = ", ".join(f"{p.name}={p.default_text()}" for p in d.params)
        table.add_row(d.name, f"{d.torch_class}\n[dim]{d.formula}[/dim]", params)
    Console().print(table)


def main() -> None:
    app()
