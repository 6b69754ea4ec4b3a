"""Click's classes, as far as lrplot's CLI needs them, through Typer's public names only.

Typer builds lrplot's commands on click: on the click package up to Typer 0.25, on a copy
of click inside Typer (a private module) from 0.26 on, which exports none of its
classes. So lrplot imports neither: ``typer.BadParameter`` is public in every release, and
click's ``UsageError`` and ``ClickException`` are its bases, whichever click it is.

The command, context and help-formatter classes have no public name in Typer 0.26+; for a
type checker they are ``Any``.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import typer

Command: TypeAlias = Any
Context: TypeAlias = Any
HelpFormatter: TypeAlias = Any


def _base(cls: type, name: str) -> Any:
    base = cls.__mro__[1]
    if base.__name__ != name:
        from importlib.metadata import version

        raise ImportError(
            f"typer {version('typer')}: expected {cls.__name__} to derive from click's {name}, "
            f"found {base.__module__}.{base.__name__}"
        )
    return base


UsageError: Any = _base(typer.BadParameter, "UsageError")  # exit code 2, has .ctx
ClickException: Any = _base(UsageError, "ClickException")  # .exit_code, .format_message()
