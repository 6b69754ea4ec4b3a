"""What every framework reader shares: typed reading of a config's keys, with errors
that name the file and the key, the command line's run options, and the result.

A config is data. Readers look values up by key and check their type and range;
nothing in a config is ever evaluated, imported or run (a class path is a name to
look up in lrplot's own registry, a string is a string).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import engine, metrics
from ..params import (
    BOOL,
    FLOAT,
    INT,
    INT_LIST,
    TEXT,
    LrplotError,
    Param,
    ParamError,
    format_value,
)
from ..schedules import Schedule, ScheduleDef, lookup

MISSING: Any = object()


@dataclass(frozen=True)
class Given:
    """The command line's run options for a framework config (None: not given).

    ``plan``: the training-plan options that were given (dataset_size, batch_size,
    devices, grad_accum, drop_last), already checked."""

    lr: float | None = None
    epochs: int | None = None
    steps_per_epoch: int | None = None
    plan: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Converted:
    """A config, normalised: lrplot schedules and the run that shows them."""

    framework: str  # "HuggingFace Trainer", ...
    schedules: list[Schedule]
    settings: engine.RunSettings
    metric: metrics.MetricSource = field(default_factory=metrics.SyntheticMetric)
    notes: list[str] = field(default_factory=list)  # how the numbers were worked out
    outputs: dict[str, Any] = field(default_factory=dict)  # lrplot configs: out, csv, log_y
    # layer-wise LR decay the config asks for (timm's layer_decay): param groups once the
    # model's blocks are known (--num-layers)
    layer_decay: float | None = None


class Config:
    """A config's top-level table (or a nested one), read key by key.

    Every error is one line: ``FILE: KEY: message``; nested keys are dotted
    (``lr_scheduler.init_args.T_max``)."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path = path
        self.data = data
        self.prefix = prefix

    def key(self, name: str) -> str:
        return f"{self.prefix}{name}"

    def error(self, name: str, message: str) -> LrplotError:
        return LrplotError(f"{self.path}: {self.key(name)}: {message}")

    def fail(self, message: str) -> LrplotError:
        where = f"{self.path}: {self.prefix.rstrip('.')}" if self.prefix else str(self.path)
        return LrplotError(f"{where}: {message}")

    def __contains__(self, name: str) -> bool:
        return name in self.data and self.data[name] is not None

    def raw(self, name: str, default: Any = None) -> Any:
        value = self.data.get(name, default)
        return default if value is None else value

    def value(self, name: str, kind: str, default: Any = MISSING, **bounds: Any) -> Any:
        """The value of ``name`` as ``kind`` (params.INT, FLOAT, BOOL, TEXT, INT_LIST),
        checked against ``bounds`` (Param's low/high/...); ``default`` when absent or
        null. Without a default, a missing key is an error."""
        if name not in self:
            if default is MISSING:
                raise self.error(name, "missing: this key is needed")
            return default
        raw = self.data[name]
        if kind in (INT, FLOAT) and isinstance(raw, (list, tuple, dict)):
            raise self.error(name, f"must be a number, got {_shown(raw)}")
        if kind == TEXT and not isinstance(raw, str):
            raise self.error(name, f"must be text, got {_shown(raw)}")
        if kind == INT_LIST and isinstance(raw, dict):
            raise self.error(name, f"must be a list of integers, got {_shown(raw)}")
        param = Param(name, kind, "", None, **bounds)
        try:
            return param.parse(raw)
        except ParamError as err:
            message = str(err)
            if message.startswith(name + " "):
                message = message[len(name) + 1 :]
            raise self.error(name, message) from None

    def table(self, name: str, default: Any = MISSING) -> Config | None:
        """A nested table (mapping); None when absent and ``default`` is None."""
        if name not in self:
            if default is MISSING:
                raise self.error(name, "missing: this table is needed")
            return None
        raw = self.data[name]
        if not isinstance(raw, Mapping):
            raise self.error(name, f"must be a table of keys, got {_shown(raw)}")
        return Config(self.path, {str(k): v for k, v in raw.items()}, f"{self.key(name)}.")

    def choice(self, name: str, choices: Iterable[str], default: Any = MISSING) -> Any:
        """Text that must be one of ``choices`` (case-insensitive); suggests the closest."""
        if name not in self:
            if default is MISSING:
                raise self.error(name, "missing: this key is needed")
            return default
        raw = self.data[name]
        known = list(choices)
        if not isinstance(raw, str):
            raise self.error(name, f"must be one of {', '.join(known)}; got {_shown(raw)}")
        text = raw.strip().lower()
        if text in known:
            return text
        raise self.error(name, unknown_message(raw, known))

    def typos(self, known: Iterable[str], read: Iterable[str]) -> None:
        """Reject a key that is not one of ``known`` but looks like one of the keys
        this reader uses (``read``): a typo would otherwise be silently ignored."""
        known_set, read = set(known), list(read)
        for key in self.data:
            if key in known_set:
                continue
            close = difflib.get_close_matches(key, read, n=1, cutoff=0.88)
            if close:
                raise self.error(
                    key, f"unknown key; did you mean {close[0]!r}? (lrplot reads {close[0]})"
                )


def _shown(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else format_value(value)
    return text if len(text) <= 60 else text[:57] + "..."


def unknown_message(raw: str, known: Sequence[str], what: str = "value") -> str:
    lower = {k.lower(): k for k in known}
    close = difflib.get_close_matches(raw.strip().lower(), list(lower), n=1, cutoff=0.6)
    hint = f"; did you mean {lower[close[0]]!r}?" if close else ""
    return f"unknown {what} {_shown(raw)}{hint} (known: {', '.join(known)})"


def build(name: str | ScheduleDef, values: Mapping[str, Any], where: Config, key: str) -> Schedule:
    """An lrplot schedule: a declaration, or one looked up by the class it reproduces
    (``"StepLR"``; readers never name lrplot's schedules). A value lrplot rejects is an
    error naming the config's key."""
    try:
        definition = name if isinstance(name, ScheduleDef) else lookup(name)
        return definition.build(dict(values))
    except LrplotError as err:
        raise where.error(key, str(err)) from None


def settings(
    where: Config, lr: float, epochs: int, steps_per_epoch: int, interval: str
) -> engine.RunSettings:
    """The run, checked like the command line's run options."""
    try:
        return engine.RunSettings.from_values(
            {
                "lr": lr,
                "epochs": epochs,
                "steps_per_epoch": steps_per_epoch,
                "interval": interval,
            }
        )
    except LrplotError as err:
        raise where.fail(f"the run it describes is not one lrplot can show: {err}") from None


def plan_steps(given: Given, config: Mapping[str, Any]) -> tuple[int | None, str | None]:
    """Optimizer steps per epoch from a training plan: the command line's plan options
    over the config's (``config``: dataset_size, batch_size, devices, grad_accum,
    drop_last, as the framework names them). (None, None) without a dataset size.

    Returns (steps_per_epoch, how) where ``how`` describes the plan."""
    from .. import plan as plans

    values: dict[str, Any] = {
        "dataset_size": None,
        "batch_size": None,
        "devices": 1,
        "grad_accum": 1,
        "drop_last": False,
    }
    values.update({k: v for k, v in config.items() if v is not None})
    values.update({k: v for k, v in given.plan.items() if v is not None})
    if values["dataset_size"] is None:
        return None, None
    if values["batch_size"] is None:
        raise LrplotError("a dataset size needs a batch size too (--batch-size)")
    plan = plans.Plan(
        values["dataset_size"],
        values["batch_size"],
        values["devices"],
        values["grad_accum"],
        values["drop_last"],
    )
    if plan.batches_per_epoch == 0:
        raise LrplotError(
            f"dataset_size {plan.dataset_size:,} is less than one batch of "
            f"{plan.global_batch:,} samples with drop_last: an epoch would have no batch"
        )
    return plan.steps_per_epoch, plan.per_epoch()


__all__ = [
    "BOOL",
    "FLOAT",
    "INT",
    "INT_LIST",
    "MISSING",
    "TEXT",
    "Config",
    "Converted",
    "Given",
    "build",
    "plan_steps",
    "settings",
    "unknown_message",
]
