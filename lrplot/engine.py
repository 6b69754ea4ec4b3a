"""Run a schedule through the seed's training loop and record the LR of every step.

Row k of a trace is the LR that optimizer step k uses: the optimizer's
``param_groups[0]['lr']`` before its k-th ``optimizer.step()``, for
k = 0 .. epochs * steps_per_epoch - 1, with ``scheduler.step()`` called after each
epoch (interval ``epoch``) or after each optimizer step (interval ``step``).

With several param groups (``RunSettings.groups``, lrplot.groups) the trace also
holds each group's LR (``Trace.group_lr``: the schedule on the group's base lr
``lr * scale``, or as its declaration says); ``sched_lr`` stays the schedule at the
run's own lr. With batch-size scaling (the plan's ``reference_batch``) ``lr`` is the
scaled LR, and the schedule's own LRs (``group_lrs``) get the same factor.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from . import groups as grouping
from . import plan as plans
from .groups import Groups
from .metrics import MetricSource, SyntheticMetric
from .params import CHOICE, FLOAT, INT, LrplotError, Param, bind
from .plan import Plan
from .schedules import Schedule

MAX_STEPS = 100_000_000

PARAMS: tuple[Param, ...] = (
    Param("lr", FLOAT, "base learning rate (the optimizer's lr)", 0.1, low=0, low_open=True),
    Param("epochs", INT, "number of epochs to simulate", 100, low=1, high=MAX_STEPS),
    Param(
        "steps_per_epoch",
        INT,
        "optimizer steps (batches) per epoch; or derive it from --dataset-size and --batch-size",
        1,
        low=1,
        high=MAX_STEPS,
    ),
    Param(
        "interval",
        CHOICE,
        "call scheduler.step() after every epoch or every optimizer step",
        "epoch",
        choices=("epoch", "step"),
    ),
    *plans.PARAMS,  # the training plan: dataset_size, batch_size, ... -> steps_per_epoch
    *grouping.PARAMS,  # param groups: groups, or layer_decay with num_layers
)
_OWN = tuple(p.name for p in PARAMS if p.name not in plans.NAMES and p.name not in grouping.NAMES)


@dataclass(frozen=True)
class RunSettings:
    lr: float = 0.1
    epochs: int = 100
    steps_per_epoch: int = 1
    interval: str = "epoch"
    plan: Plan | None = None  # when steps_per_epoch comes from a training plan
    groups: Groups | None = None  # several param groups: one LR curve each
    reference_lr: float | None = None  # the lr given, before batch-size scaling (plan)

    def __post_init__(self) -> None:
        """Built directly (``RunSettings(epochs=0)``), the values get the same checks."""
        ints = isinstance(self.epochs, int) and isinstance(self.steps_per_epoch, int)
        if ints and self.total_steps > MAX_STEPS:
            raise LrplotError(
                f"epochs * steps_per_epoch must be at most {MAX_STEPS}, "
                f"got {self.epochs} * {self.steps_per_epoch} = {self.total_steps}"
            )
        own = {name: getattr(self, name) for name in _OWN}
        bind(PARAMS, own, "run")
        grouping.check_sizes(self.groups, self.total_steps, MAX_STEPS)

    @classmethod
    def from_values(cls, given: Mapping[str, Any]) -> RunSettings:
        """Validate raw values (text or native) against PARAMS.

        A plan (dataset_size and batch_size, with devices, grad_accum, drop_last)
        gives steps_per_epoch; a steps_per_epoch given too must agree with it."""
        values = bind(PARAMS, given, "run")
        plan = Plan.from_values(values, given)
        own = {k: values[k] for k in _OWN}
        reference = None
        if plan is not None:
            plans.check_steps_per_epoch(
                plan, given.get("steps_per_epoch"), values["steps_per_epoch"]
            )
            own["steps_per_epoch"] = plan.steps_per_epoch
            if plan.reference_batch is not None:  # batch-size scaling: the lr it gives
                reference = own["lr"]
                own["lr"] = plan.scaled_lr(reference)
        groups = Groups.from_values(values)
        return cls(**own, plan=plan, groups=groups, reference_lr=reference)

    @property
    def lr_factor(self) -> float:
        """What batch-size scaling multiplies every LR by (1.0 without it)."""
        return 1.0 if self.plan is None else self.plan.lr_factor

    def plan_line(self) -> str | None:
        """The plan (``50,000 samples / batch 64 = ...``), with the batch-size scaling of
        the lr (``; lr 0.1 at batch 256 -> 1.6 at batch 4096 (linear)``); None without."""
        if self.plan is None:
            return None
        text = self.plan.describe(self.epochs)
        if self.reference_lr is not None:
            text += "; " + self.plan.describe_lr(self.reference_lr)
        return text

    @property
    def total_steps(self) -> int:
        return self.epochs * self.steps_per_epoch

    @property
    def scheduler_steps(self) -> int:
        """How many values the scheduler takes over the run (rows of the LR it sets)."""
        return self.epochs if self.interval == "epoch" else self.total_steps

    @property
    def per_step(self) -> bool:
        """True when rows are optimizer steps rather than epochs (x axis: step)."""
        return self.steps_per_epoch > 1

    def describe(self, with_lr: bool = True) -> str:
        """'lr=0.1, 100 epochs x 10 steps, ...' (without lr for schedules that set their own)."""
        epochs = "1 epoch" if self.epochs == 1 else f"{self.epochs} epochs"
        text = (f"lr={self.lr:g}, " if with_lr else "") + epochs
        if self.steps_per_epoch > 1:
            text += f" x {self.steps_per_epoch} steps, stepped per {self.interval}"
        return text


@dataclass(frozen=True)
class Trace:
    """One schedule's LR at every optimizer step, plus its metric (plateau)."""

    schedule: Schedule
    settings: RunSettings
    sched_lr: np.ndarray  # LR after j scheduler steps, j = 0 .. scheduler_steps-1
    sched_metric: np.ndarray | None = None  # metric passed to the j-th step(metric)
    metric_source: str | None = None
    sched_momentum: np.ndarray | None = None  # momentum, for schedules that cycle it
    # with several param groups (settings.groups): each group's LR after j scheduler
    # steps; sched_lr is then the schedule at the run's own lr (scale 1)
    group_lr: tuple[np.ndarray, ...] = ()

    @property
    def label(self) -> str:
        return self.schedule.label

    def title(self) -> str:
        """The schedule's constructor as this run builds it (run-length defaults filled in:
        ``OneCycleLR(max_lr=0.1, total_steps=100, ...)``)."""
        return self.schedule.resolved(self.settings.scheduler_steps).title()

    def describe_run(self) -> str:
        """The run's settings as the title shows them (no lr where the schedule sets it)."""
        return self.settings.describe(with_lr=not self.schedule.definition.sets_lr)

    def __len__(self) -> int:
        return self.settings.total_steps

    def row_index(self, rows: np.ndarray) -> np.ndarray:
        """Scheduler-step index of each row (optimizer step)."""
        if self.settings.interval == "epoch":
            return rows // self.settings.steps_per_epoch
        return rows

    @cached_property
    def lr(self) -> np.ndarray:
        """LR per optimizer step (row)."""
        if self.settings.interval == "epoch" and self.settings.steps_per_epoch > 1:
            return np.repeat(self.sched_lr, self.settings.steps_per_epoch)
        return self.sched_lr

    def lr_at(self, rows: np.ndarray) -> np.ndarray:
        return self.sched_lr[self.row_index(rows)]

    def lr_columns(self, brief: bool = False) -> list[tuple[str, np.ndarray]]:
        """The LR columns of the CSV, as (name, LR per scheduler step): ``lr``, or one
        ``lr[NAME]`` per param group. ``brief`` (the table, the charts): of many groups
        (groups.FEW), the first and the last only (layer decay: the stem and the head)."""
        groups = self.settings.groups
        if groups is None:
            return [("lr", self.sched_lr)]
        columns = [(groups.column(i), lr) for i, lr in enumerate(self.group_lr)]
        return [columns[0], columns[-1]] if brief and groups.many else columns

    def scaling_note(self) -> str | None:
        """Batch-size scaling of a schedule that sets the LR itself (the run's lr is
        unused): which of its own LRs got the factor; None otherwise."""
        factor, d = self.settings.lr_factor, self.schedule.definition
        if factor == 1.0 or not d.sets_lr or not d.group_lrs:
            return None
        return (
            f"{d.name} sets the LR itself: batch-size scaling multiplies its "
            f"{' and '.join(d.group_lrs)} by {factor:g}"
        )

    def values_at(self, values: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """A per-scheduler-step array (an lr_columns one) at each row."""
        return values[self.row_index(rows)]

    def metric_at(self, rows: np.ndarray) -> np.ndarray | None:
        """Metric of the scheduler step each row belongs to (None without a metric)."""
        if self.sched_metric is None:
            return None
        return self.sched_metric[self.row_index(rows)]

    def momentum_at(self, rows: np.ndarray) -> np.ndarray | None:
        """Momentum at each row (None when the schedule leaves momentum alone)."""
        if self.sched_momentum is None:
            return None
        return self.sched_momentum[self.row_index(rows)]

    @cached_property
    def change_rows(self) -> np.ndarray:
        """Rows whose LR differs from the previous row's (milestones, reductions)."""
        changes = np.flatnonzero(self.sched_lr[1:] != self.sched_lr[:-1]) + 1
        if self.settings.interval == "epoch":
            return changes * self.settings.steps_per_epoch
        return changes


@dataclass(frozen=True)
class Summary:
    initial: float
    final: float
    low: float
    high: float
    changes: int


def summarize(trace: Trace, values: np.ndarray | None = None) -> Summary:
    """Initial, final, min and max LR of the run, and how often it changes; ``values``:
    of another LR per scheduler step than ``sched_lr`` (a param group's)."""
    if values is not None:
        changes = int(np.count_nonzero(values[1:] != values[:-1]))
        return Summary(
            float(values[0]), float(values[-1]), float(values.min()), float(values.max()), changes
        )
    lr = trace.sched_lr
    return Summary(
        float(lr[0]), float(lr[-1]), float(lr.min()), float(lr.max()), len(trace.change_rows)
    )


def simulate(
    schedule: Schedule,
    settings: RunSettings,
    metric: MetricSource | None = None,
) -> Trace:
    """The LR of every optimizer step of the run (see the module docstring)."""
    count = settings.scheduler_steps
    values = None
    source = None
    if schedule.needs_metric:
        metric = metric or SyntheticMetric()
        values = metric.values(count, schedule.values.get("mode", "min"))
        source = metric.describe()
    schedule = schedule.scaled(settings.lr_factor)  # batch-size scaling of its own LRs
    lr = schedule.lr(count, settings.lr, values)
    momentum = schedule.momentum(count, settings.lr, values)
    group_lr: tuple[np.ndarray, ...] = ()
    if settings.groups is not None:  # each group: its own base lr, torch's base_lrs
        group_lr = tuple(
            schedule.group_lr(count, settings.lr, scale, values) for scale in settings.groups.scales
        )
    return Trace(schedule, settings, lr, values, source, momentum, group_lr)
