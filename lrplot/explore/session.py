"""What the explorer leaves behind: the ``lrplot`` command and the config file that
reproduce a simulated session, written from its traces (their SPECs and run)."""

from __future__ import annotations

import json
import shlex
from typing import Any

from .. import api, metrics
from ..params import BOOL, INT_LIST, SCHEDULES, TEXT, Param, format_value
from ..schedules import Schedule
from .state import METRIC_PARAMS, PLAN_NAMES, RUN_PARAMS

_DECLARED = {p.name: p for p in (*RUN_PARAMS, *METRIC_PARAMS)}


def command(comparison: api.Comparison) -> str:
    """The shell-quoted command that shows the same traces: ``lrplot NAME --opt ...``
    for one schedule, ``lrplot compare SPEC... --opt ...`` for several."""
    if len(comparison) == 1:
        schedule = comparison[0].schedule
        words = ["lrplot", schedule.name, *_schedule_options(schedule)]
    else:
        words = ["lrplot", "compare", *(t.spec for t in comparison)]
    return shlex.join(words + _run_options(comparison))


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


def run_values(comparison: api.Comparison) -> dict[str, Any]:
    """The run's and the metric's values that differ from their defaults (epochs always)."""
    settings = comparison.settings
    values: dict[str, Any] = {"lr": settings.lr, "epochs": settings.epochs}
    if settings.plan is not None:
        values.update({n: getattr(settings.plan, n) for n in PLAN_NAMES})
    else:
        values["steps_per_epoch"] = settings.steps_per_epoch
    values["interval"] = settings.interval
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


def _run_options(comparison: api.Comparison) -> list[str]:
    return [w for k, v in run_values(comparison).items() for w in _option(_DECLARED[k], v)]


# --- the config file ---------------------------------------------------------------------

_METRIC_KEYS = {"metric_shape": "shape", "metric_noise": "noise", "metric_drops": "drops",
                "seed": "seed", "metric_file": "file", "metric_column": "column"}  # fmt: skip


def config(comparison: api.Comparison) -> str:
    """An lrplot TOML config that ``lrplot run`` turns into the same traces."""
    values = run_values(comparison)
    lines = [
        "# An lrplot explore session: `lrplot run` on this file shows the same schedules.",
        "# " + command(comparison),
    ]
    metric = {_METRIC_KEYS[k]: values.pop(k) for k in list(values) if k in _METRIC_KEYS}
    lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    lines.append("schedules = [")
    lines += [f"    {_toml(t.spec)}," for t in comparison]
    lines.append("]")
    if metric:
        lines += ["", "[metric]", *(f"{k} = {_toml(v)}" for k, v in metric.items())]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # round-trips; TOML reads 1e-05 and 0.1 alike
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


__all__ = ["command", "config", "run_values"]
