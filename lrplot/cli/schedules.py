"""`lrplot <schedule>`: one subcommand per registered schedule, generated from its params.

Importing this module registers the commands by name and help only (``lrplot --help``
needs no more); a command's options are generated, and the engine imported, when it
runs. So the engine and the shared options (.common) are imported inside the functions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

import click

from ..schedules import REGISTRY, ScheduleDef
from .app import command, register

if TYPE_CHECKING:
    from .. import api

# --- lrplot <schedule> ------------------------------------------------------------


def schedule_parts(definition: ScheduleDef) -> list[click.Parameter]:
    """A schedule command's options, output options aside: its own parameters, the
    warmup, the run and (plateau) the metric. ``lrplot check`` takes the same."""
    from .common import PANEL_SCHEDULE, declared_option, metric_parts, run_parts, warmup_parts

    parts: list[click.Parameter] = [declared_option(p, PANEL_SCHEDULE) for p in definition.params]
    parts += warmup_parts(definition)
    parts += run_parts()
    if definition.needs_metric:
        parts += metric_parts()
    return parts


def simulate_schedule(definition: ScheduleDef, kwargs: dict[str, Any]) -> list[api.Trace]:
    """The schedule and run given by a schedule command's options, simulated."""
    from .. import api
    from .common import metric_source, pick, resume_options, run_settings, warmup_params

    params = (*definition.params, *warmup_params(definition))
    settings = run_settings(kwargs)  # first: durations (3ep, 10%) count the run's steps
    schedule = definition.build(pick(kwargs, params), run=settings)
    metric = metric_source(kwargs) if definition.needs_metric else None
    return [api.resumed(api.trace(schedule, settings, metric), **resume_options(kwargs))]


def _schedule_runner(definition: ScheduleDef) -> Callable[[dict[str, Any]], None]:
    def run(kwargs: dict[str, Any]) -> None:
        from .common import Outputs

        outputs = Outputs.from_options(kwargs)
        outputs = outputs.checked()
        outputs.render(simulate_schedule(definition, kwargs), notes=True)

    return run


def _build_command(definition: ScheduleDef) -> click.Command:
    from ..params import SCHEDULES
    from .common import output_options, resume_parts

    parts = schedule_parts(definition) + resume_parts() + output_options()
    example = f"lrplot {definition.name} {definition.example}".strip()
    epilog = (
        f"Examples:\n\n  {example}\n\n  {example} -o {definition.name}.png\n\n  {example} --csv -"
    )
    if any(p.kind == SCHEDULES for p in definition.params):
        epilog += _composite_epilog(definition)
    return command(
        definition.name,
        _schedule_runner(definition),
        parts,
        help=_help(definition),
        epilog=epilog,
        panel="Schedules",
    )


def _help(definition: ScheduleDef) -> str:
    return (
        f"{definition.torch_class}: {definition.summary}.\n\n"
        f"lr after n scheduler steps: {definition.formula}"
    )


def _composite_epilog(definition: ScheduleDef) -> str:
    """The example again as a SPEC (for compare and config files), built from it."""
    import shlex

    from ..errors import LrplotError
    from ..params import SCHEDULES
    from .common import option_names

    tokens = shlex.split(definition.example)
    by_option = {name: p for p in definition.params for name in option_names(p)}
    given: dict[str, Any] = {}
    for option, value in zip(tokens[::2], tokens[1::2], strict=False):
        p = by_option.get(option)
        if p is not None and p.kind == SCHEDULES:
            given.setdefault(p.name, []).append(value)
        elif p is not None:
            given[p.name] = value
    try:
        spec = definition.build(given).spec()
    except LrplotError:  # a child schedule that this build does not have
        return ""
    return (
        "\n\nAs a SPEC, for compare and config files (children in brackets, separated by ;):"
        f"\n\n  lrplot compare '{spec}' 'cosine:t_max=100,warmup=5'"
    ).replace("[", "\\[")


for _definition in REGISTRY.values():
    register(
        _definition.name, _help(_definition), "Schedules", partial(_build_command, _definition)
    )
