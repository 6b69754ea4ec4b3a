"""The ``lrplot`` command group (click): one line and exit code 2 for every user error,
the version flag, and subcommands built only when they run.

lrplot's commands are generated from declarations (a command per schedule, options
from declared parameters), so they are built with click's public API: Typer would
convert every one of a command's ~40 options through pydantic on each run, the
largest part of a short command's start-up. The help is rich's (cli/help.py).
"""

from __future__ import annotations

import difflib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import click

from .. import __version__
from ..errors import LrplotError, MissingParam, ParamError

CONTEXT = {"help_option_names": ["-h", "--help"]}


class Option(click.Option):
    """An option shown in the help panel ``panel`` (rich_help_panel in Typer's words)."""

    def __init__(self, *args: Any, panel: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel


class Argument(click.Argument):
    """An argument with a help text (click's arguments have none; the help shows it)."""

    def __init__(self, *args: Any, help: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.help = help


class RichHelp:
    """A command or group whose help rich prints (cli/help.py), on stdout; ``panel``:
    the panel of its group's help that lists it."""

    def __init__(self, *args: Any, panel: str | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.panel = panel

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.callback = _show_help
        return option  # type: ignore[no-any-return]

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        from .help import print_help

        print_help(ctx)


def _show_help(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        ctx.get_help()  # printed by format_help: nothing is left to echo
        ctx.exit()


class LrplotCommand(RichHelp, click.Command):
    """Every lrplot subcommand."""


@dataclass(frozen=True)
class LazyCommand:
    """A subcommand built only when it is run or its own help is asked for.

    lrplot has a subcommand per schedule (and per schedule under ``check``), each
    with dozens of generated options: building them all would make every start,
    ``--help`` included, pay for all of them.
    """

    help: str
    panel: str
    build: Callable[[], click.Command]


COMMANDS: dict[str, LazyCommand] = {}
"""Every subcommand of ``lrplot``, in the order of its help: the commands (each module
of this package registers its own), then a command per schedule (cli/schedules.py)."""


def register(name: str, help: str, panel: str, build: Callable[[], click.Command]) -> None:
    """A subcommand of ``lrplot``, built by ``build`` only when it runs or its own help
    is asked for: ``lrplot --help`` needs only its name, help and panel."""
    COMMANDS[name] = LazyCommand(help, panel, build)


def command(
    name: str,
    fn: Callable[[dict[str, Any]], Any],
    params: Sequence[click.Parameter],
    **settings: Any,
) -> LrplotCommand:
    """A command whose options are ``params``; it calls ``fn`` with their values by
    name (those of a repeatable option or argument as a list; given no times, None,
    like any option not given)."""
    many = {p.name for p in params if p.name and (getattr(p, "multiple", False) or p.nargs == -1)}

    def callback(**values: Any) -> Any:
        for key in many:  # a list, as the library takes it
            values[key] = list(values[key]) if values[key] else None
        return fn(values)

    context = {**CONTEXT, **settings.pop("context_settings", {})}  # -h too, run on its own
    return LrplotCommand(
        name, params=list(params), callback=callback, context_settings=context, **settings
    )


class LrplotGroup(RichHelp, click.Group):
    """Turns every user error into one line on stderr and exit code 2, and builds
    lazy subcommands (``lazy``, set by :func:`lazy_group`) on first use."""

    lazy: ClassVar[dict[str, LazyCommand]] = {}
    _listing = False

    @staticmethod
    def alias(name: str) -> str | None:
        """Another name of a command -> its own, or None (replaced by :func:`lazy_group`)."""
        return None

    def list_commands(self, ctx: click.Context) -> list[str]:
        # declaration order, not alphabetical
        return [*self.commands, *(n for n in self.lazy if n not in self.commands)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = self.commands.get(cmd_name)
        if command is None and cmd_name not in self.lazy:
            cmd_name = self.alias(cmd_name) or cmd_name  # e.g. wsd, cos, CosineAnnealingLR
            command = self.commands.get(cmd_name)
        lazy = self.lazy.get(cmd_name)
        if command is None and lazy is not None:
            if self._listing:  # the group's help needs only the name, help and panel
                return LrplotCommand(cmd_name, help=lazy.help, panel=lazy.panel)
            command = self.commands[cmd_name] = lazy.build()
        return command

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except click.UsageError as err:
            if args and "Did you mean" not in err.message:  # lazy names count too
                close = difflib.get_close_matches(args[0], self.list_commands(ctx))
                if close:
                    names = ", ".join(repr(name) for name in close)
                    message = f"{err.message.rstrip('.')}. Did you mean {names}?"
                    raise click.UsageError(message, ctx=err.ctx) from None
            raise

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        with _endings():  # --help runs here
            # no command: the help, then exit code 2 (the same with every click)
            if not args and self.no_args_is_help and not ctx.resilient_parsing:
                ctx.get_help()  # printed by format_help
                ctx.exit(2)
            return list(super().parse_args(ctx, args))

    def format_help(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False

    def invoke(self, ctx: click.Context) -> Any:
        with _endings():
            return super().invoke(ctx)

    def main(  # type: ignore[override]
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        try:
            code = super().main(
                args, prog_name, complete_var, False, **extra
            )  # not standalone: errors come here, to be one line each
        except click.UsageError as err:
            hint = f" (see '{err.ctx.command_path} --help')" if err.ctx else ""
            _fail(err.format_message().replace("\n", " ") + hint, 2)
        except click.ClickException as err:
            _fail(err.format_message(), err.exit_code)
        except click.Abort:
            _fail("aborted", 130)
        except ParamError as err:  # the one place parameter names become options
            _fail(option_message(err), err.exit_code)
        except LrplotError as err:
            _fail(str(err), err.exit_code)
        except BrokenPipeError:
            _closed_pipe()
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


def lazy_group(
    commands: dict[str, LazyCommand], alias: Callable[[str], str | None] | None = None
) -> type[LrplotGroup]:
    """A group class whose lazy subcommands are ``commands`` (filled in later);
    ``alias`` maps another name of a command to its own (or None)."""
    fields = {"lazy": commands, "alias": staticmethod(alias or LrplotGroup.alias)}
    return type("LazyLrplotGroup", (LrplotGroup,), fields)


def schedule_alias(name: str) -> str | None:
    """A schedule's alias or PyTorch class name -> its command (``wsd``, ``cos``)."""
    from ..schedules import lookup

    try:
        return lookup(name).name
    except LrplotError:
        return None


def option_message(err: ParamError) -> str:
    """A library error about a parameter, as the command line says it: the option
    that gave the value (``--t-max``; ``--schedule`` for a composition's children)."""
    from ..params import SCHEDULES
    from ..schedules import REGISTRY

    children = {p.name for d in REGISTRY.values() for p in d.params if p.kind == SCHEDULES}
    option = "--schedule" if err.name in children else "--" + err.name.replace("_", "-")
    if err.name == "groups":  # param groups: --group NAME=SCALE, repeated
        option = "--group"
    if isinstance(err, MissingParam):
        return f"missing option {option}: {err.bare}"
    return f"invalid value for {option}: {err.bare}"


def _fail(message: str, code: int) -> None:
    sys.stderr.write(f"Error: {message}\n")
    sys.stderr.flush()
    sys.exit(code)


@contextmanager
def _endings() -> Iterator[None]:
    """The two endings that click's main would answer itself, as lrplot answers them:
    a closed pipe (``lrplot ... | head``: the reader is done; click would exit 1) and
    Ctrl-C (click: a blank line, then Abort): see :func:`_closed_pipe`, and one line."""
    try:
        yield
    except BrokenPipeError:
        _closed_pipe()
    except KeyboardInterrupt:
        _fail("interrupted", 130)


def _closed_pipe() -> None:
    """End quietly, with the status of a process killed by SIGPIPE (as `yes | head`)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())  # what is still buffered goes nowhere
    sys.exit(128 + signal.SIGPIPE)


def _version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    if value and not ctx.resilient_parsing:
        print(f"lrplot {__version__}")
        ctx.exit()


app = lazy_group(COMMANDS, schedule_alias)(
    name="lrplot",
    help="See what a PyTorch learning-rate scheduler does, step by step, before you train."
    "\n\nEvery LR equals what torch.optim.lr_scheduler gives for the same parameters.",
    epilog="Examples:\n\n"
    "  lrplot cosine --t-max 50 --epochs 100\n\n"
    "  lrplot compare cosine:t_max=100 step:step_size=30 --epochs 100 -o lr.png\n\n"
    "  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot list",
    no_args_is_help=True,
    context_settings=CONTEXT,
    params=[
        Option(
            ["--version"],
            is_flag=True,
            expose_value=False,
            is_eager=True,
            callback=_version,
            help="Show the version.",
        )
    ],
)


def main() -> None:
    """The ``lrplot`` command (and ``python -m lrplot``)."""
    # lrplot's numpy does no linear algebra (elementwise maths, cumprod, searchsorted),
    # but importing numpy starts OpenBLAS's thread pool, one thread per core: on a
    # machine whose cores are busy that costs some 50 ms of a 0.17 s table. One thread,
    # unless the user chose otherwise (set before numpy is imported: it loads lazily).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    app.main()
