"""Durations with units (``500``, ``3ep``, ``10%``) as scheduler steps of a run.

A duration is a number of scheduler steps (``500``), of epochs (``3ep``: one
scheduler step per epoch with interval epoch, steps_per_epoch with interval step;
it must come to a whole number of scheduler steps) or a percentage of the run's
scheduler steps (``10%``, rounded to the nearest step, halves up).

This module sits just above lrplot.errors: params (which parses length parameters)
and plan (which re-exports it) both import it, and it imports neither.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Protocol

from .errors import ParamError


class Run(Protocol):
    """What a duration needs of a run (engine.RunSettings)."""

    @property
    def scheduler_steps(self) -> int: ...

    steps_per_epoch: int
    interval: str


FORMS = "scheduler steps (500), epochs (3ep) or a percentage of the run (10%)"
# a plain decimal number (no sign, no exponent, at most 20 digits a side) and a unit
_UNIT = re.compile(r"^\s*(\d{1,20}(?:\.\d{0,20})?|\.\d{1,20})\s*(ep|epochs?|%)\s*$", re.IGNORECASE)
MAX_STEPS = 2**53  # a resolved duration beyond this is not a number of steps


def is_duration(value: Any) -> bool:
    """True for text with a unit: '3ep', '10%'."""
    return isinstance(value, str) and _UNIT.match(value) is not None


def resolve(value: str, name: str, run: Run | None) -> int:
    """'3ep' / '10%' as scheduler steps of ``run``. Raises ParamError naming ``name``."""
    match = _UNIT.match(value)
    if match is None:
        raise ParamError(name, f"{name}={value!r} is not a duration: give {FORMS}")
    number, unit = Fraction(match.group(1)), match.group(2).lower()
    shown = value.strip()
    if run is None:
        raise ParamError(
            name,
            f"{name}={shown} needs a run to count scheduler steps (epochs, steps per epoch, "
            "interval): give a plain number of scheduler steps, or build the schedule with "
            "run=RunSettings(...)",
        )
    if unit == "%":
        exact = number * run.scheduler_steps / 100
        steps = int(exact + Fraction(1, 2))  # nearest step, halves up (exact arithmetic)
    else:
        per_epoch = run.steps_per_epoch if run.interval == "step" else 1
        exact = number * per_epoch
        if exact.denominator != 1:
            one = (
                "1 epoch = 1 scheduler step with interval epoch"
                if run.interval == "epoch"
                else f"1 epoch = {per_epoch} scheduler steps"
            )
            raise ParamError(
                name,
                f"{name}={shown} is {float(exact):g} scheduler steps ({one}): "
                "give a whole number of steps",
            )
        steps = int(exact)
    if steps >= MAX_STEPS:
        raise ParamError(name, f"{name}={shown} is too long ({steps} scheduler steps)")
    return steps
