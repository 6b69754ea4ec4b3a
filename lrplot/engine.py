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
from .params import BOOL, CHOICE, FLOAT, INT, LrplotError, Param, bind
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
    Param(
        "scheduler_every",
        INT,
        "call scheduler.step() only after every Nth epoch or optimizer step (of --interval); "
        "1: after each",
        1,
        low=1,
        high=MAX_STEPS,
    ),
    Param(
        "accelerate",
        BOOL,
        "the scheduler is prepared by Accelerate (AcceleratedScheduler): each of its "
        "step() calls steps the wrapped scheduler once per process",
        False,
    ),
    Param(
        "num_processes",
        INT,
        "Accelerate's processes (num_processes); default: --devices",
        None,
        low=1,
        high=4096,
    ),
    Param(
        "split_batches",
        BOOL,
        "Accelerate's split_batches: the batch is split over the processes, so the "
        "scheduler is stepped once per step() call",
        False,
    ),
    *plans.PARAMS,  # the training plan: dataset_size, batch_size, ... -> steps_per_epoch
    *grouping.PARAMS,  # param groups: groups, or layer_decay with num_layers
)
STEPPING = ("scheduler_every", "accelerate", "num_processes", "split_batches")
_OWN = tuple(p.name for p in PARAMS if p.name not in plans.NAMES and p.name not in grouping.NAMES)


@dataclass(frozen=True)
class RunSettings:
    lr: float = 0.1
    epochs: int = 100
    steps_per_epoch: int = 1
    interval: str = "epoch"
    scheduler_every: int = 1
    accelerate: bool = False
    num_processes: int | None = None
    split_batches: bool = False
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
    def units(self) -> int:
        """Epochs (interval epoch) or optimizer steps (interval step) of the run."""
        return self.epochs if self.interval == "epoch" else self.total_steps

    @property
    def processes(self) -> int:
        """Accelerate's processes: --num-processes, else the plan's devices, else 1."""
        if self.num_processes is not None:
            return self.num_processes
        return self.plan.devices if self.plan is not None else 1

    @property
    def calls_per_step(self) -> int:
        """Wrapped scheduler.step() calls per step() call of the loop: Accelerate's
        AcceleratedScheduler makes one per process unless split_batches."""
        return self.processes if self.accelerate and not self.split_batches else 1

    @property
    def plain(self) -> bool:
        """One scheduler.step() per epoch or per optimizer step (the loop's own)."""
        return self.scheduler_every == 1 and self.calls_per_step == 1

    @property
    def scheduler_steps(self) -> int:
        """How many values the scheduler takes over the run (rows of the LR it sets):
        its step() calls, one after each epoch or optimizer step (every
        ``scheduler_every``-th), times Accelerate's calls per step."""
        if self.plain:
            return self.units
        return -(-self.units // self.scheduler_every) * self.calls_per_step

    def unit_index(self, units: np.ndarray) -> np.ndarray:
        """Scheduler-step index of each epoch (interval epoch) or optimizer step."""
        if self.plain:
            return units
        return (units // self.scheduler_every) * self.calls_per_step

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
        return text + self.describe_stepping()

    def describe_stepping(self) -> str:
        """``, stepped every 2nd step``, ``, Accelerate: 4 scheduler steps per step``."""
        text = ""
        if self.scheduler_every > 1:
            text += f", stepped every {_nth(self.scheduler_every)} {self.interval}"
        if self.accelerate:
            k = self.calls_per_step
            unit = self.interval
            if k == 1:
                text += f", Accelerate ({self.processes} processes, split_batches): "
                text += f"1 scheduler step per {unit}"
            else:
                text += f", Accelerate ({k} processes): {k} scheduler steps per {unit}"
        return text


@dataclass(frozen=True)
class Logged:
    """The LR a run logged, beside the simulated one (``--against``): the rows it was
    logged at (sorted, unique), its values there, and which of them differ."""

    rows: np.ndarray
    lr: np.ndarray
    differ: np.ndarray  # bool, per logged row
    rtol: float = 1e-6  # the tolerance they were compared with

    def at(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(logged LR, differs) at each of ``rows``; NaN and False where none was logged."""
        pos = np.searchsorted(self.rows, rows)
        pos = np.minimum(pos, len(self.rows) - 1)
        hit = self.rows[pos] == rows
        return np.where(hit, self.lr[pos], np.nan), hit & self.differ[pos]

    def has(self, rows: np.ndarray) -> np.ndarray:
        pos = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
        return self.rows[pos] == rows


def _nth(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


@dataclass(frozen=True)
class Resumed:
    """How a trace's run was resumed (lrplot.resume): saved after optimizer step
    ``at - 1``, resumed with the scheduler ``mode`` (lrplot.resume.MODES)."""

    at: int
    mode: str
    after: Schedule | None = None  # the schedule built after the resume (None: the same)
    notes: tuple[str, ...] = ()  # what PyTorch does that the user may not expect

    def describe(self) -> str:
        """'resumed at step 40 (fresh scheduler)'."""
        how = {
            "restored": "state restored",
            "fresh": "fresh scheduler",
            "restart": "fresh optimizer and scheduler",
            "unloaded": "scheduler state not loaded",
            "jump": "state restored, steps counted twice",
        }.get(self.mode, "scheduler rebuilt with last_epoch")
        text = f"resumed at step {self.at} ({how})"
        return text if self.after is None else f"{text} as {self.after.spec()}"


@dataclass(frozen=True)
class Trace:
    """One schedule's LR at every optimizer step, plus its metric (plateau)."""

    schedule: Schedule
    settings: RunSettings
    sched_lr: np.ndarray  # LR after j scheduler steps, j = 0 .. scheduler_steps-1
    sched_metric: np.ndarray | None = None  # metric passed to the j-th step(metric)
    metric_source: str | None = None
    sched_momentum: np.ndarray | None = None  # momentum, for schedules that cycle it
    source: MetricSource | None = None  # where a plateau's metric came from
    logged: Logged | None = None  # a run's logged LR to show beside it (--against)
    resumed: Resumed | None = None  # a simulated resume (lrplot.resume)
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
        text = self.settings.describe(with_lr=not self.schedule.definition.sets_lr)
        return text if self.resumed is None else f"{text}; {self.resumed.describe()}"

    def __len__(self) -> int:
        return self.settings.total_steps

    def row_index(self, rows: np.ndarray) -> np.ndarray:
        """Scheduler-step index of each row (optimizer step)."""
        if self.settings.interval == "epoch":
            rows = rows // self.settings.steps_per_epoch
        return self.settings.unit_index(rows)

    @cached_property
    def unit_lr(self) -> np.ndarray:
        """LR per epoch (interval epoch) or per optimizer step (interval step): the
        scheduler's values that the run uses (all of them, unless it is stepped every
        Nth unit or several times per step)."""
        return self.used(self.sched_lr)

    def used(self, values: np.ndarray) -> np.ndarray:
        """A per-scheduler-step array (a param group's LR) at each epoch or step the run
        uses (all of it, unless the scheduler is stepped every Nth or several times)."""
        if self.settings.plain:
            return values
        return values[self.settings.unit_index(np.arange(self.settings.units))]

    @cached_property
    def lr(self) -> np.ndarray:
        """LR per optimizer step (row)."""
        if self.settings.interval == "epoch" and self.settings.steps_per_epoch > 1:
            return np.repeat(self.unit_lr, self.settings.steps_per_epoch)
        return self.unit_lr

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
        lr = self.unit_lr
        changes = np.flatnonzero(lr[1:] != lr[:-1]) + 1
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
        values = trace.used(values)
        changes = int(np.count_nonzero(values[1:] != values[:-1]))
        return Summary(
            float(values[0]), float(values[-1]), float(values.min()), float(values.max()), changes
        )
    lr = trace.unit_lr
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
        k = settings.calls_per_step  # Accelerate passes each metric k times
        values = metric.values(-(-count // k), schedule.values.get("mode", "min"))
        if k > 1:
            values = np.repeat(values, k)
        source = metric.describe()
    schedule = schedule.scaled(settings.lr_factor)  # batch-size scaling of its own LRs
    cap = _accelerate_cap(schedule, settings, count)
    if cap is not None:
        lr, momentum = _capped(schedule, settings.lr, cap, count)
    else:
        lr = schedule.lr(count, settings.lr, values)
        momentum = schedule.momentum(count, settings.lr, values)
    group_lr: tuple[np.ndarray, ...] = ()
    if settings.groups is not None:  # each group: its own base lr, torch's base_lrs
        group_lr = tuple(
            schedule.group_lr(count, settings.lr, scale, values) for scale in settings.groups.scales
        )
    return Trace(
        schedule,
        settings,
        lr,
        values,
        source,
        momentum,
        metric if values is not None else None,
        group_lr=group_lr,
    )


def _accelerate_cap(schedule: Schedule, settings: RunSettings, count: int) -> int | None:
    """The step() calls Accelerate stops at (a OneCycleLR's total_steps), when the run
    would make more; None when it makes no more than the schedule takes."""
    declared = schedule.definition.step_cap
    if settings.calls_per_step == 1 or declared is None:
        return None
    cap = declared(schedule.values)
    if cap is None or count <= cap + 1:
        return None
    if schedule.warmup is not None or settings.groups is not None or schedule.needs_metric:
        raise LrplotError(
            f"{schedule.name}: Accelerate stops stepping it at {cap} calls; lrplot models that "
            "for the schedule alone, without --warmup or param groups"
        )
    return cap


def _capped(
    schedule: Schedule, base_lr: float, cap: int, count: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """The schedule's LR (and momentum) when its step() calls stop after ``cap``: its
    TorchScheduler replayed ``cap`` calls, then the last LR held to ``count``."""
    emulator = schedule.definition.emulator
    if emulator is None:
        raise LrplotError(f"{schedule.name}: Accelerate's step cap needs a step-by-step model")
    group: dict[str, Any] = {"lr": base_lr, "momentum": 0.0}
    stepper = emulator(group, schedule.values)
    first_lr, first_momentum = group["lr"], group.get("momentum", 0.0)
    lrs, moms = stepper.record(cap)
    lr = np.concatenate(([first_lr], lrs, np.full(count - cap - 1, lrs[-1] if cap else first_lr)))
    if schedule.definition.momentum_fn is None or schedule.momentum(1, base_lr) is None:
        return lr, None
    last = moms[-1] if cap else first_momentum
    return lr, np.concatenate(([first_momentum], moms, np.full(count - cap - 1, last)))
