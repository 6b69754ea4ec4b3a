"""The Typer app: one line and exit code 2 for every user error, the version flag."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Any

import typer
from typer import _click as click

from .. import __version__
from ..params import LrplotError


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


def main() -> None:
    app()
