"""What a schedule's own check rules work with: the parts of a run and their findings.

A rule declared by a schedule (``@schedule(..., lint=(rule, ...))``) is a function
``rule(part, settings, trace) -> list[Finding]``: ``part`` is the stretch of the run
that schedule drives (the schedule itself, or one child of a composition), and the
rule only looks at it; lrplot.lint runs every part's rules and sets each finding's
``part``. A finding is one line: what goes wrong, then, after a colon, how to fix it.

Step numbers in messages are scheduler steps of the whole run; lengths are the
schedule's own parameters, which count scheduler steps too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..params import BOOL, INT_LIST, format_value

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
    from .base import Schedule


@dataclass(frozen=True)
class Finding:
    """One problem: ``message`` says what goes wrong and, after a colon, the fix."""

    rule: str
    message: str
    param: str | None = None  # the parameter it is about: one finding per parameter
    part: int | None = None  # the child of sequential/chained it is about

    def __str__(self) -> str:
        return self.message


# --- the parts of a schedule, and how to talk about them -----------------------------


@dataclass(frozen=True)
class Part:
    """A schedule, or one child of a composition, over the run steps it drives: its
    own step j is run step ``start + j``, for j < ``length``."""

    schedule: Schedule
    start: int
    length: int
    total: int  # the run's scheduler steps
    child: int | None = None  # index in schedulers[], None for the schedule itself
    after_warmup: bool = False

    @property
    def values(self) -> Any:
        return self.schedule.values

    @property
    def subject(self) -> str:
        """How a message names it: ``cosine``, ``schedulers[1] (cosine)``."""
        if self.child is None:
            return self.schedule.name
        return f"schedulers[{self.child}] ({self.schedule.name})"

    @property
    def has(self) -> str:
        """``the run has 100``: how many steps it drives, as the end of a sentence."""
        if self.child is not None:
            return f"it runs for {self.length}"
        return f"the run has {self.length}" + (" after the warmup" if self.after_warmup else "")

    @property
    def span(self) -> str:
        """The stretch of the run it drives, in words."""
        if self.child is not None:
            return f"its {self.length} steps (steps {self.start} to {self.start + self.length - 1})"
        if self.after_warmup:
            return f"the {self.length} steps after the warmup"
        return f"the run ({self.length} steps)"

    def option(self, name: str, value: Any) -> str:
        """A parameter setting as the user types it: ``--t-max 100`` for the schedule
        itself, ``t_max=100 in schedulers[1]`` for a child."""
        if self.child is not None:
            return f"{name}={format_value(value)} in schedulers[{self.child}]"
        p = self.schedule.definition.param(name)
        if p.kind == BOOL:  # a --name/--no-name flag
            return p.option if value else "--no-" + p.option[2:]
        if p.kind == INT_LIST:
            return f"{p.option} {','.join(str(v) for v in value)}"
        return f"{p.option} {format_value(value)}"

    def lr(self, trace: Trace) -> np.ndarray:
        """The LR at each of its steps (the run's LR over its stretch)."""
        return trace.sched_lr[self.start : self.start + self.length]


def parts(schedule: Schedule, settings: RunSettings) -> list[Part]:
    """The schedule itself, then each child of a composition (its declared ``spans``),
    over the stretches of the run they drive."""
    total = settings.scheduler_steps
    warmup = schedule.warmup
    start = min(warmup.steps, total) if warmup is not None and warmup.mode == "prefix" else 0
    own = Part(schedule, start, total - start, total, after_warmup=start > 0)
    spans = schedule.definition.spans
    if spans is None:
        return [own]
    children = [
        Part(child, start + lo, hi - lo, total, i)
        for i, (child, lo, hi) in enumerate(spans(schedule.values, own.length))
    ]
    return [own, *children]


def num(value: float) -> str:
    """An LR in a message: 6 significant digits."""
    return f"{value:.6g}"


def run_length(settings: RunSettings, steps: int) -> str:
    """A run of ``steps`` scheduler steps, as the option that gives it."""
    if settings.interval == "epoch":
        return f"--epochs {steps}"
    if steps % settings.steps_per_epoch == 0:
        return f"--epochs {steps // settings.steps_per_epoch}"
    return f"a run of {steps} steps"


PartRule = Callable[["Part", "RunSettings", "Trace"], list[Finding]]

__all__ = ["Finding", "Part", "PartRule", "format_value", "num", "parts", "run_length"]


def decay_length(part: Part, floor: str, trace: Trace) -> list[Finding]:
    """A decay whose length (the declaration's first ``run_length``: transformers'
    num_training_steps, axolotl's, rex's total_steps) is not the stretch it drives: it
    never reaches ``floor`` (its end LR, in words), or reaches it early and stays there
    (or rises again)."""
    name = part.schedule.definition.run_length[0]
    t, n = part.values[name], part.length
    if t is None or t == n:
        return []
    lr = part.lr(trace)
    fix = f"set {part.option(name, n)} (or leave it out)"
    if t > n:
        message = (
            f"{part.subject} never reaches {floor}: {name} {t} is longer than {part.span} "
            f"and the LR ends at {num(lr[-1])}: {fix}"
        )
    else:
        rest = lr[t:]
        if rest.size > 1 and rest.max() > rest[0]:
            then = "then the LR rises again"
        else:
            then = f"the LR then stays at {num(rest[0])} for the last {n - t} steps"
        message = (
            f"{part.subject} ends its decay at step {part.start + t} of {part.total}, {then}: {fix}"
        )
    return [Finding("training-steps", message, name)]
