"""`lrplot compare SPEC...`: several schedules on one chart, table and CSV."""

from __future__ import annotations

from typing import Any

import click

from .app import Argument, command, register

# --- lrplot compare ---------------------------------------------------------------
# (the engine and the shared options are imported when the command runs: lrplot --help
# needs only its help)

HELP = "Several schedules on one chart, side by side in the table, and in one wide CSV."


def _compare(kwargs: dict[str, Any]) -> None:
    from .. import api, engine, metrics, plan
    from ..schedules.warmup import WARMUP_PARAMS
    from .common import Outputs, pick, resume_options

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


SPECS_HELP = (
    "Schedules as SPECs: name[:key=value,...], e.g. "
    "cosine:t_max=50,eta_min=1e-4 or 'multistep:milestones=[30,80],label=ms'."
)

EPILOG = (
    "Examples:\n\n"
    "  lrplot compare cosine:t_max=100 step:step_size=30 exponential:gamma=0.95 --epochs 100\n\n"
    "  lrplot compare 'multistep:milestones=[30,80],label=paper' cosine:t_max=100 -o cmp.png\n\n"
    "  lrplot compare cosine:t_max=10 'cosine:t_max=10,eta_min=0.01' --csv cmp.csv"
)


def _build() -> click.Command:
    from .common import metric_parts, output_options, resume_parts, run_parts, warmup_parts

    specs = Argument(["specs"], nargs=-1, required=True, metavar="SPEC...", help=SPECS_HELP)
    parts = [
        specs,
        *warmup_parts(),
        *run_parts(),
        *metric_parts(),
        *resume_parts(),
        *output_options(),
    ]
    return command("compare", _compare, parts, help=HELP, epilog=EPILOG, panel="Commands")


register("compare", HELP, "Commands", _build)
