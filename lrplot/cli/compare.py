"""`lrplot compare SPEC...`: several schedules on one chart, table and CSV."""

from __future__ import annotations

import inspect
from typing import Annotated, Any

import typer

from .. import api, engine, metrics, plan
from ..schedules.warmup import WARMUP_PARAMS
from .app import LrplotCommand, app
from .common import (
    OUTPUT_OPTIONS,
    Outputs,
    make_command,
    metric_parts,
    pick,
    resume_options,
    resume_parts,
    run_parts,
    warmup_parts,
)

# --- lrplot compare ---------------------------------------------------------------


def _compare(kwargs: dict[str, Any]) -> None:
    outputs = Outputs.from_options(kwargs)
    outputs = outputs.checked()
    options = {**pick(kwargs, WARMUP_PARAMS), **pick(kwargs, plan.PARAMS)}
    options.update(pick(kwargs, [p for p in metrics.PARAMS if p.name not in ("seed",)]))
    metric = options.pop("metric_file", None)
    run = pick(kwargs, [p for p in engine.PARAMS if p.name not in plan.NAMES])
    traces = api.compare(
        kwargs["specs"],
        seed=kwargs["seed"],
        metric=metric,
        **run,
        **options,
        **resume_options(kwargs),
    )
    outputs.render(list(traces))


SpecsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Schedules as SPECs: name[:key=value,...], e.g. "
        "cosine:t_max=50,eta_min=1e-4 or 'multistep:milestones=[30,80],label=ms'.",
        metavar="SPEC",
    ),
]

app.command(
    "compare",
    cls=LrplotCommand,
    help="Several schedules on one chart, side by side in the table, and in one wide CSV.",
    epilog="Examples:\n\n"
    "  lrplot compare cosine:t_max=100 step:step_size=30 exponential:gamma=0.95 --epochs 100\n\n"
    "  lrplot compare 'multistep:milestones=[30,80],label=paper' cosine:t_max=100 -o cmp.png\n\n"
    "  lrplot compare cosine:t_max=10 'cosine:t_max=10,eta_min=0.01' --csv cmp.csv",
    rich_help_panel="Commands",
)(
    make_command(
        _compare,
        [
            ("specs", SpecsArgument, inspect.Parameter.empty),
            *warmup_parts(),
            *run_parts(),
            *metric_parts(),
            *resume_parts(),
            *OUTPUT_OPTIONS,
        ],
    )
)
