"""`lrplot explain NAME`: one schedule explained, from its declaration."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from ..schedules import lookup
from .app import Argument, command, register

if TYPE_CHECKING:
    from rich.console import Group

    from ..schedules import ScheduleDef

# --- lrplot explain ---------------------------------------------------------------


def library_of(definition: ScheduleDef) -> str:
    """The class (or function) it reproduces, e.g. torch.optim.lr_scheduler.StepLR."""
    return definition.reproduces


def explanation(definition: ScheduleDef) -> Group:
    """The page: class, formula, parameters, when to step it, mistakes, examples."""
    from rich import box
    from rich.console import Group
    from rich.markup import escape
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    from ..explain import loop, page_of
    from .common import option_names, warmup_params

    d = definition
    entry = page_of(d)
    parts: list = []

    head = Text.assemble((d.name, "bold cyan"))
    if d.aliases:
        head.append(f"  (also: {', '.join(d.aliases)})", style="dim")
    parts.append(head)
    parts.append(Text.assemble("reproduces ", (library_of(d), "bold")))
    parts.append(Text(f"{d.summary[:1].upper()}{d.summary[1:]}."))

    def section(title: str) -> None:
        parts.append(Text())
        parts.append(Text(title, style="bold"))

    def body(renderable: Any, indent: int = 2) -> None:
        parts.append(Padding(renderable, (0, 0, 0, indent)))

    section("Formula (lr after n scheduler steps)")
    body(Text(d.formula))

    section("Parameters")
    if d.params:
        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, padding=(0, 1))
        table.add_column("option", style="cyan", no_wrap=True)
        table.add_column("default", no_wrap=True)
        table.add_column("meaning; allowed values", ratio=1)
        for p in d.params:
            table.add_row(
                option_names(p)[0],
                "-" if p.default is None else p.default_text(),
                f"{escape(p.help)}; [dim]{escape(p.allowed())}[/dim]",
            )
        body(table)
    else:
        body(Text("none (only the run's --lr)"))
    warmups = ", ".join(option_names(p)[0] for p in warmup_params(d))
    body(Text(f"Every schedule also takes {warmups} (lrplot {d.name} --help).", style="dim"))

    section("When to step it")
    body(Text(entry.stepping.text))
    parts.append(Text())
    body(Text(loop(entry.stepping)), 4)

    section("Common mistakes")
    mistakes = Table.grid(padding=(0, 1))
    mistakes.add_column(no_wrap=True)
    mistakes.add_column(ratio=1)
    for text in entry.mistakes:
        mistakes.add_row("•", Text(text))
    body(mistakes)
    section("Try it")
    example = f"{d.name} {d.example}".strip()
    body(Text(f"lrplot {example}\nlrplot check {example}", style="green"))
    if entry.notes:
        section("Good to know")
        for text in entry.notes:
            body(Text(text))

    if d.known_as:
        from ..schedules.declare import FRAMEWORKS

        section("In other frameworks")
        names = Table.grid(padding=(0, 1))
        names.add_column(no_wrap=True)
        names.add_column(ratio=1)
        for framework, known in d.known_as.items():
            names.add_row(Text(FRAMEWORKS[framework], "dim"), Text(known, style="cyan"))
        body(names)
    return Group(*parts)


HELP = (
    "Explain a schedule: its formula, parameters, the class it matches, when to "
    "step it in the training loop, and the usual mistakes."
)


def _build() -> click.Command:
    name = Argument(
        ["name"],
        metavar="NAME",
        help="A schedule: its name, an alias or its class, in any case (lrplot list).",
    )
    epilog = (
        "Examples:\n\n  lrplot explain cosine\n\n  lrplot explain OneCycleLR\n\n"
        "  lrplot explain wsd"
    )
    return command("explain", _explain, [name], help=HELP, epilog=epilog, panel="Commands")


register("explain", HELP, "Commands", _build)


def _explain(kwargs: dict[str, Any]) -> None:
    from ..render.console import stdout_console

    definition = lookup(kwargs["name"])  # an unknown name: exit 2, with the nearest name
    with stdout_console() as console:  # piped: unwrapped (a command stays on its line)
        console.print(explanation(definition))
