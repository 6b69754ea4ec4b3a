"""The help of lrplot's commands, printed by rich in panels (the look of Typer's help).

The usage line, the help text (its first paragraph, then the rest dimmed), the
arguments and options in panels (an option's ``panel``; "Options" when it has none),
a group's subcommands in panels (each command's ``panel``), then the examples (the
epilog). Help texts are rich markup: a literal bracket is written ``\\[``. Imported
only when help is shown.
"""

from __future__ import annotations

import inspect
import sys

import click
from rich.console import Console, RenderableType
from rich.highlighter import RegexHighlighter
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

ARGUMENTS, OPTIONS, COMMANDS = "Arguments", "Options", "Commands"


class _Switches(RegexHighlighter):
    highlights = [  # noqa: RUF012 - rich's declaration
        r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        r"(?P<usage>Usage: )",
    ]


class _Negative(RegexHighlighter):
    highlights = [  # noqa: RUF012
        r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
    ]


THEME = Theme(
    {
        "option": "bold cyan",
        "switch": "bold green",
        "negative_option": "bold magenta",
        "negative_switch": "bold red",
        "usage": "yellow",
    }
)
SWITCHES, NEGATIVE = _Switches(), _Negative()


def print_help(ctx: click.Context) -> None:
    """The help of ``ctx``'s command, on stdout; piped, without trailing spaces."""
    console = Console(theme=THEME, highlighter=SWITCHES)
    if console.is_terminal:
        _print_help(console, ctx)
        return
    with console.capture() as captured:
        _print_help(console, ctx)
    lines = captured.get().splitlines()
    sys.stdout.write("".join(line.rstrip() + "\n" for line in lines))
    sys.stdout.flush()


def _print_help(console: Console, ctx: click.Context) -> None:
    command = ctx.command
    console.print(Padding(SWITCHES(command.get_usage(ctx)), 1), style="bold")
    if command.help:
        console.print(Padding(_help_text(command.help), (0, 1, 1, 1)))
    panels: dict[str, list[click.Parameter]] = {ARGUMENTS: [], OPTIONS: []}
    for param in command.get_params(ctx):
        if getattr(param, "hidden", False):
            continue
        if isinstance(param, click.Argument):
            panels[ARGUMENTS].append(param)
        else:
            panels.setdefault(getattr(param, "panel", None) or OPTIONS, []).append(param)
    for title, params in panels.items():
        if params:
            console.print(_panel(title, _params_table(params)))
    if isinstance(command, click.Group):
        _print_commands(console, command, ctx)
    if command.epilog:
        console.print(Padding(_markup(command.epilog), 1))


def _help_text(help: str) -> RenderableType:
    first, *rest = inspect.cleandoc(help).split("\n\n")
    text = _markup(first.replace("\n", " ").strip())
    if rest:
        text.append("\n\n")
        text.append(_markup("\n\n".join(rest), style="dim"))
    return text


def _markup(text: str, style: str = "") -> Text:
    return SWITCHES(Text.from_markup(inspect.cleandoc(text), style=style))


def _panel(title: str, table: Table) -> Panel:
    return Panel(table, border_style="dim", title=title, title_align="left")


def _grid(highlight: bool = True) -> Table:
    """A panel's table: no header, no lines, the whole width."""
    return Table(highlight=highlight, show_header=False, expand=True, box=None, pad_edge=False,
                 padding=(0, 1))  # fmt: skip


def _params_table(params: list[click.Parameter]) -> Table:
    table = _grid()
    marked = any(p.required for p in params)
    for _ in range(5 if marked else 4):  # *, names, short names, --no-names, metavar
        table.add_column(no_wrap=True)
    table.add_column(ratio=1)  # the help takes the room left
    for p in params:
        if isinstance(p, click.Argument):
            longs, shorts = [], [p.human_readable_name + ("..." if p.nargs != 1 else "")]
            if p.metavar:
                shorts = [p.metavar]
        else:
            longs = [o for o in p.opts if o.startswith("--")]
            shorts = [o for o in p.opts if not o.startswith("--")]
        negatives = [o for o in getattr(p, "secondary_opts", []) if o.startswith("--")]
        metavar = "" if isinstance(p, click.Argument) or getattr(p, "is_flag", False) else p.metavar
        paragraphs = (getattr(p, "help", None) or "").split("\n\n")
        help = _markup("\n".join(x.replace("\n", " ").strip() for x in paragraphs).strip())
        if p.required:
            help.append(" [required]" if help.plain else "[required]", style="dim red")
        row: list[RenderableType] = [
            SWITCHES(",".join(longs)),
            SWITCHES(",".join(shorts)),
            NEGATIVE(",".join(negatives)),
            Text(metavar or "", style="bold yellow"),
            help,
        ]
        if marked:
            row.insert(0, Text("*" if p.required else "", style="red"))
        table.add_row(*row)
    return table


def _print_commands(console: Console, group: click.Group, ctx: click.Context) -> None:
    panels: dict[str, list[click.Command]] = {COMMANDS: []}
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is not None and not command.hidden:
            panels.setdefault(getattr(command, "panel", None) or COMMANDS, []).append(command)
    width = max((len(c.name or "") for cs in panels.values() for c in cs), default=0)
    for title, commands in panels.items():
        if not commands:
            continue
        table = _grid(highlight=False)
        table.add_column(style="bold cyan", no_wrap=True, width=width)
        table.add_column(ratio=10)
        for command in commands:
            first = inspect.cleandoc(command.help or "").split("\n\n")[0]
            table.add_row(Text(command.name or ""), _markup(first.strip()))
        console.print(_panel(title, table))
