"""`lrplot explore [NAME --opt ... | SPEC... | --config FILE]`: the interactive explorer.

A schedule's options are parsed by the same generated options as its own command
(``schedule_parts``), SPECs' run options by compare's; then the Textual app (the
optional extra ``lrplot[explore]``, imported only here, only when it runs) opens on
that state. On quit the equivalent command is printed on the normal screen.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import LrplotError
from ..schedules import lookup
from .app import Argument, Option, command, register

INSTALL = "lrplot explore needs Textual: pip install 'lrplot[explore]'"


def _parse(name: str, parts: list[click.Parameter], tokens: list[str]) -> dict[str, Any]:
    """``tokens`` parsed as the options ``parts`` declare (click's own errors)."""
    found: list[dict[str, Any]] = []
    parser = command(name, found.append, parts)
    code = parser.main(tokens, prog_name=f"lrplot explore {name}".strip(), standalone_mode=False)
    if not found:  # --help: shown; nothing to explore
        raise click.exceptions.Exit(code if isinstance(code, int) else 0)
    return found[0]


def _state(items: list[str], config: Path | None) -> Any:
    from .. import api
    from ..explore import state
    from .common import metric_parts, run_parts, warmup_parts
    from .schedules import schedule_parts

    if config is not None:
        if items:
            raise LrplotError("give --config or schedules, not both")
        return state.from_comparison(api.load(config))
    if not items:
        return state.State()
    first = next((i for i, t in enumerate(items) if t.startswith("-")), len(items))
    positional, options = items[:first], items[first:]
    if len(positional) == 1 and ":" not in positional[0]:  # NAME --opt ...
        definition = lookup(positional[0])
        kwargs = _parse(definition.name, schedule_parts(definition), options)
        state.refuse_unexplored(kwargs)
        return state.from_options(definition, kwargs)
    if not positional:
        raise LrplotError("give a schedule NAME or SPECs before the options")
    kwargs = _parse("", [*warmup_parts(), *run_parts(), *metric_parts()], options)
    state.refuse_unexplored(kwargs)
    return state.from_specs(positional, kwargs)


def interactive() -> bool:
    """A terminal to draw on and read keys from (not a pipe, nor a test's runner)."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def _explore(items: list[str] | None, config: Path | None) -> None:
    session = _state(list(items or []), config)  # first: --help and mistakes need no Textual
    if importlib.util.find_spec("textual") is None:
        raise LrplotError(INSTALL)
    if not interactive():
        raise LrplotError("lrplot explore is interactive: run it in a terminal")
    from ..explore.app import ExploreApp

    printed = ExploreApp(session).run()
    if printed:
        sys.stdout.write(printed + "\n")


HELP = (
    "Explore schedules interactively in the terminal: a form of each schedule's "
    "parameters and the run, a live chart, the summary and check's findings. On quit (q) "
    "it prints the equivalent lrplot command; s saves a config, e exports, c shows the "
    "torch code. Needs Textual: pip install 'lrplot\\[explore]'."
)
EPILOG = (
    "Examples:\n\n  lrplot explore\n\n  lrplot explore cosine --t-max 50 --epochs 100"
    "\n\n  lrplot explore cosine:t_max=100 step:step_size=30 --epochs 100"
    "\n\n  lrplot explore --config sample_configs/compare.toml"
)


def _build() -> click.Command:
    items = Argument(
        ["items"],
        nargs=-1,
        metavar="[NAME [OPTIONS] | SPEC... [OPTIONS]]",
        help="A schedule NAME and its options (those of `lrplot NAME`), or SPECs and "
        "compare's run options; none: pick a schedule in the explorer.",
    )
    config = Option(
        ["--config"],
        type=click.Path(path_type=Path),
        default=None,
        metavar="FILE",
        help="Open any config `lrplot run` reads.",
    )
    return command(
        "explore",
        lambda kwargs: _explore(kwargs["items"], kwargs["config"]),
        [items, config],
        help=HELP,
        epilog=EPILOG,
        panel="Commands",
        context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
    )


register("explore", HELP, "Commands", _build)
