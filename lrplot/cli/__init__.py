"""The command line: parse -> simulate -> render. Thin glue, no LR math.

Each schedule's subcommand and its options are generated from the schedule's
declared parameters (lrplot.schedules), so nothing is declared twice. One module
per command; importing them registers the commands, in this order, by name and help
only: each is built (its options generated, the engine imported) when it runs.
"""

from . import compare, run, listing, check, explain, explore, schedules  # noqa: F401, I001  (registers the commands)
from .app import app, main

__all__ = ["app", "main"]
