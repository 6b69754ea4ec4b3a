"""The ``lrplot`` command line that shows given traces: what the explorer prints when it
quits, and the ``try:`` line of ``--against``'s diagnosis. The words are the options
the CLI generates from the declarations (lrplot.cli), written from a trace's SPEC and
run."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from typing import Any

from . import engine, metrics, plan
from .engine import Trace
from .params import BOOL, INT_LIST, SCHEDULES, TEXT, Param, format_value
from .schedules import Schedule

_DECLARED = {p.name: p for p in (*engine.PARAMS, *metrics.PARAMS)}


def command(comparison: Sequence[Trace], extra: Sequence[str] = ()) -> str:
    """The shell-quoted command that shows the same traces: ``lrplot NAME --opt ...``
    for one schedule, ``lrplot compare SPEC... --opt ...`` for several."""
    if len(comparison) == 1:
        schedule = comparison[0].schedule
        words = ["lrplot", schedule.name, *_schedule_options(schedule)]
    else:
        words = ["lrplot", "compare", *(t.schedule.spec() for t in comparison)]
    return shlex.join(
        [
            *words,
            *_run_options(comparison),
            *_group_options(comparison),
            *_resume_options(comparison),
            *extra,
        ]
    )


def _group_options(comparison: Sequence[Trace]) -> list[str]:
    """--group NAME=SCALE ... or --layer-decay D --num-layers L (lrplot.groups)."""
    found = comparison[0].settings.groups
    if found is None:
        return []
    if found.layer_decay is not None:
        return ["--layer-decay", format_value(found.layer_decay), "--num-layers",
                str(found.num_layers)]  # fmt: skip
    return [w for n, s in zip(found.names, found.scales, strict=True)
            for w in ("--group", f"{n}={format_value(s)}")]  # fmt: skip


def _resume_options(comparison: Sequence[Trace]) -> list[str]:
    """--resume-at/--resume-mode/--resume-with of a resumed trace (lrplot.resume)."""
    resumed = comparison[0].resumed
    if resumed is None:
        return []
    words = ["--resume-at", str(resumed.at)]
    if resumed.mode != "restored":
        words += ["--resume-mode", resumed.mode]
    if resumed.after is not None:
        words += ["--resume-with", resumed.after.spec()]
    return words


def _option(p: Param, value: Any) -> list[str]:
    if p.kind == SCHEDULES:
        return [w for child in value for w in ("--schedule", child.spec())]
    if p.kind == BOOL:  # a --name/--no-name flag
        return [p.option if value else f"--no-{p.option[2:]}"]
    if p.kind == INT_LIST:  # as the option's help writes it: 30,80
        return [p.option, ",".join(str(v) for v in value)]
    return [p.option, value if p.kind == TEXT else format_value(value)]


def _schedule_options(schedule: Schedule) -> list[str]:
    d = schedule.definition
    words = []
    for p in d.params:
        value = schedule.values[p.name]
        if p.required or value != p.default:
            words += _option(p, value)
    if schedule.warmup is not None:
        for name, value in schedule.warmup.items().items():
            words += [f"--{name.replace('_', '-')}", format_value(value)]
    return words


def run_values(comparison: Sequence[Trace]) -> dict[str, Any]:
    """The run's and the metric's values that differ from their defaults (epochs always)."""
    settings = comparison[0].settings
    lr = settings.reference_lr if settings.reference_lr is not None else settings.lr
    values: dict[str, Any] = {"lr": lr, "epochs": settings.epochs}
    if settings.plan is not None:
        values.update({n: getattr(settings.plan, n) for n in plan.NAMES})
    else:
        values["steps_per_epoch"] = settings.steps_per_epoch
    values["interval"] = settings.interval
    values.update({n: getattr(settings, n) for n in engine.STEPPING})
    source = next((t.source for t in comparison if t.source is not None), None)
    if isinstance(source, metrics.SyntheticMetric):
        values.update(metric_shape=source.shape, metric_noise=source.noise)
        values.update(metric_drops=source.drops, seed=source.seed)
    elif isinstance(source, metrics.FileMetric):
        values["metric_file"] = str(source.path.resolve())
        values["metric_column"] = source.column
    return {
        k: v for k, v in values.items() if v is not None and (k == "epochs" or v != _default(k))
    }


def _default(name: str) -> Any:
    return _DECLARED[name].default


def _run_options(comparison: Sequence[Trace]) -> list[str]:
    return [w for k, v in run_values(comparison).items() for w in _option(_DECLARED[k], v)]
