"""`lrplot list`: every schedule, its formula, parameters and the class it reproduces."""

from __future__ import annotations

from ..schedules import REGISTRY
from .app import LrplotCommand, app

# --- lrplot list ------------------------------------------------------------------


@app.command(
    "list",
    cls=LrplotCommand,
    help="List every schedule: its formula, parameters and the class it reproduces.",
    epilog="Examples:\n\n  lrplot list",
    rich_help_panel="Commands",
)
def list_schedules() -> None:
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_lines=True)
    table.add_column("name", style="bold cyan", no_wrap=True)
    table.add_column("reproduces (library) · lr after n steps")
    table.add_column("parameters (default)")
    for d in REGISTRY.values():
        params = ", ".join(f"{p.name}={p.default_text()}" for p in d.params)
        table.add_row(d.name, f"{d.torch_class} [dim]({d.library})\n{d.formula}[/dim]", params)
    Console().print(table)
