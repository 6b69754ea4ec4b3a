"""`lrplot list`: an index of the schedules; `lrplot list --all` (or `lrplot explain
NAME`) for their formulas and parameters."""

from __future__ import annotations

from typing import Any

import click

from ..schedules import REGISTRY
from .app import Option, command, register

SUMMARY_MIN = 30  # the fewest characters of a summary worth showing beside its class

# --- lrplot list ------------------------------------------------------------------


HELP = (
    "List the schedules: a line each, with the class it reproduces and what it does. "
    "--all adds each one's library, formula and parameters; lrplot explain NAME tells "
    "everything about one."
)


def _build() -> click.Command:
    show_all = Option(
        ["--all", "show_all"],
        is_flag=True,
        default=False,
        help="Also each schedule's library, formula and parameters.",
    )
    epilog = "Examples:\n\n  lrplot list\n\n  lrplot list --all\n\n  lrplot explain onecycle"
    return command("list", _list, [show_all], help=HELP, epilog=epilog, panel="Commands")


register("list", HELP, "Commands", _build)


def _list(kwargs: dict[str, Any]) -> None:
    show_all = kwargs["show_all"]
    from ..render.console import stdout_console

    with stdout_console() as console:
        if show_all:
            console.print(_details())
            return
        for line in _index(console.width if console.is_terminal else None):
            console.print(line, highlight=False)


def _index(width: int | None) -> list[str]:
    """A line per schedule: its name, the class it reproduces and the first clause of
    its summary (whole when piped; cut to a terminal's width). On a terminal too narrow
    for a readable summary beside them, the summary goes on a line of its own, indented.
    Names and classes are never cut."""
    from rich.markup import escape

    rows = [(d.name, d.torch_class, d.summary.split(";")[0]) for d in REGISTRY.values()]
    nw = max(len(name) for name, _, _ in rows)
    cw = max(len(cls) for _, cls, _ in rows)
    beside = width is None or width - nw - cw - 4 >= SUMMARY_MIN

    def cut(text: str, room: int | None) -> str:
        return text if room is None or len(text) <= room else text[: max(room - 1, 0)] + "…"

    lines = []
    for name, cls, what in rows:
        head = f"[bold cyan]{escape(name.ljust(nw))}[/bold cyan]  "
        if beside:
            room = None if width is None else width - nw - cw - 4
            lines.append(f"{head}{escape(cls.ljust(cw))}  {escape(cut(what, room))}")
            continue
        width = width or 0  # not beside: a terminal's width
        if nw + 2 + len(cls) <= width:
            lines.append(head + escape(cls))
        else:
            lines += [head.rstrip(), " " * 4 + escape(cls)]
        lines.append("[dim]    " + escape(cut(what, width - 4)) + "[/dim]")
    lines.append(
        "[dim]lrplot list --all: formulas, parameters · lrplot explain NAME: all of one[/dim]"
    )
    return lines


def _details() -> object:
    """The full table: names and aliases, class and library, summary and formula,
    parameters with their defaults (wrapped, never cut)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_lines=True, pad_edge=False, padding=(0, 1))
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("reproduces (library)", overflow="fold")
    table.add_column("what it does · lr after n steps", overflow="fold")
    table.add_column("parameters (default)", overflow="fold")
    for d in REGISTRY.values():
        params = ", ".join(f"{p.name}={p.default_text()}" for p in d.params)
        table.add_row(
            escape(d.name + "".join(f"\n{a}" for a in d.aliases)),
            escape(f"{d.torch_class}\n({d.library})"),
            escape(d.summary) + f"\n[dim]{escape(d.formula)}[/dim]",
            escape(params),
        )
    return table
