"""`lrplot check`: rules that catch a schedule that does not fit its run.

A schedule's own rules live in its module and are registered in its declaration
(``@schedule(..., lint=(rule, ...))``, see lrplot.schedules.rules): this module only
runs them, part by part (the schedule itself, or each child of sequential/chained,
over the stretch of the run it drives). The rules here are the generic ones, driven
by what declarations say, never by a schedule's name: lengths in the wrong unit (a
declaration's ``run_length``), an LR of 0 at the start (its ``zero_start``), a
warmup that does not fit (lrplot's own, or a declared ``inner_warmup``), and, from
the trace alone, an LR that blows up: inf or nan, or a positive LR that underflows
to exactly 0.

A generic rule is ``rule(schedule, settings, trace) -> list[Finding]``; a finding is
one line: what goes wrong, then, after a colon, how to fix it. The CLI only prints
them.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from .engine import RunSettings, Trace
from .params import INT_LIST
from .schedules import REGISTRY, Schedule
from .schedules.rules import Finding, Part, num, parts, run_length

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

__all__ = ["RULES", "Finding", "Part", "apply", "every_rule", "lint", "parts"]

Rule = Callable[[Schedule, RunSettings, Trace], list[Finding]]


def _found(rule: str, part: int, param: str | None, message: str) -> Finding:
    return Finding(rule, message, param, part)


# --- the generic rules -----------------------------------------------------------------


def epoch_step_units(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A length in optimizer steps for a scheduler stepped per epoch, or the reverse."""
    spe = settings.steps_per_epoch
    if spe <= 1:
        return []
    per_epoch = settings.interval == "epoch"
    out = []
    for i, part in enumerate(parts(schedule, settings)):
        d = part.schedule.definition
        for name in d.run_length:
            value = part.values.get(name)
            if d.param(name).kind == INT_LIST:
                out += _milestone_units(part, i, name, settings)
                continue
            if not isinstance(value, int) or isinstance(value, bool):
                continue
            if per_epoch and value == settings.total_steps:
                message = (
                    f"{part.subject} {name} {value} counts optimizer steps "
                    f"({settings.epochs} epochs x {spe}), but the scheduler steps once per "
                    f"epoch: set {part.option(name, value // spe)}, or --interval step"
                )
            elif not per_epoch and value == settings.epochs:
                message = (
                    f"{part.subject} {name} {value} is the number of epochs, but the "
                    f"scheduler steps after every optimizer step ({settings.total_steps} in "
                    f"the run): set {part.option(name, value * spe)}, or --interval epoch"
                )
            else:
                continue
            out.append(Finding("units", message, name, i))
    return out


def unscaled_lengths(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A length that counts the loop's epochs or steps when the scheduler is stepped
    several times per step (Accelerate, once per process) or only every Nth: it ends at
    a fraction (or a multiple) of the run."""
    if settings.plain:
        return []
    units, calls = settings.units, settings.scheduler_steps
    unit = settings.interval
    if settings.calls_per_step > 1:
        k = settings.calls_per_step
        why = (
            f"Accelerate steps the scheduler {k} times per {unit} (once per process, "
            f"{calls} in the run), so it ends at 1/{k} of the run"
        )
        alt = ", or --split-batches (Accelerate's split_batches)"
    else:
        why = (
            f"the scheduler is stepped every {settings.scheduler_every} {unit}s only "
            f"({calls} times in the run), so it ends after the run does"
        )
        alt = ""
    out = []
    for i, part in enumerate(parts(schedule, settings)):
        d = part.schedule.definition
        for name in d.run_length:
            value = part.values.get(name)
            if isinstance(value, bool) or not isinstance(value, int) or value != units:
                continue
            out.append(
                _found(
                    "stepping",
                    i,
                    name,
                    f"{part.subject} {name} {value} counts the run's {units} {unit}s, but "
                    f"{why}: set {part.option(name, calls)}{alt}",
                )
            )
    return out


def _milestone_units(part: Part, i: int, name: str, settings: RunSettings) -> list[Finding]:
    """Milestones (a run_length list) in optimizer steps for a per-epoch scheduler, or
    in epochs for a per-step one."""
    milestones = part.values[name]
    if not milestones:
        return []
    spe = settings.steps_per_epoch
    per_epoch = settings.interval == "epoch"
    out = []
    ms = ",".join(str(m) for m in milestones)
    if (
        per_epoch
        and min(milestones) >= settings.epochs
        and (max(milestones) <= settings.total_steps)
    ):
        fixed = tuple(round(m / spe) for m in milestones)
        out.append(
            _found(
                "units",
                i,
                name,
                f"{part.subject} {name} {ms} count optimizer steps, but the "
                f"scheduler steps once per epoch ({settings.epochs} in the run): set "
                f"{part.option(name, fixed)}, or --interval step",
            )
        )
    elif not per_epoch and max(milestones) < settings.epochs:
        fixed = tuple(m * spe for m in milestones)
        out.append(
            _found(
                "units",
                i,
                name,
                f"{part.subject} {name} {ms} look like epochs, but the scheduler "
                f"steps after every optimizer step ({settings.total_steps} in the run): "
                f"set {part.option(name, fixed)}, or --interval epoch",
            )
        )
    return out


def first_lr_zero(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """LR 0 at step 0: the first optimizer step (or epoch) trains nothing."""
    if trace.sched_lr[0] != 0.0:
        return []
    spe = settings.steps_per_epoch
    if settings.interval == "epoch" and spe > 1:
        what = f"the LR is 0 for all of epoch 0, so its {spe} optimizer steps do nothing"
    else:
        what = "the LR is 0 at step 0, so the first optimizer step does nothing"
    s, p = schedule, schedule.values
    if s.warmup is not None:
        w = s.warmup.steps
        cause = "--warmup-start is 0"
        fix = f"set --warmup-start {1 / w:.3g} (the LR of step 1 at step 0)"
    else:
        declared = s.definition.zero_start
        found = declared(p, settings.lr) if declared is not None else None
        cause, fix = found if found is not None else ("", "start the schedule above 0")
    cause = f" ({cause})" if cause else ""
    return [Finding("zero-start", f"{what}{cause}: {fix}")]


def _warmup_of(part: Part) -> tuple[int, str, Schedule] | None:
    """An overlapping warmup, lrplot's or the schedule's own (declared ``inner_warmup``):
    (its steps, the option that switches it to a prefix, the schedule without it)."""
    s = part.schedule
    if part.child is None and s.warmup is not None and s.warmup.mode == "overlap":
        return s.warmup.steps, "--warmup-mode prefix", dataclasses.replace(s, warmup=None)
    declared = s.definition.inner_warmup
    return declared(part) if declared is not None else None


def warmup_fit(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A warmup as long as the run (the schedule never starts), or an overlapping
    warmup that hides most of the decay (the LR drops where it ends)."""
    out = []
    total = settings.scheduler_steps
    warmup = schedule.warmup
    if warmup is not None and warmup.steps >= total:
        out.append(
            Finding(
                "warmup",
                f"the warmup ({warmup.steps} steps) fills the whole run ({total} steps), so "
                f"{schedule.name} never starts: set --warmup {max(1, total // 10)} (10% of "
                "the run) or less",
                "warmup",
                0,
            )
        )
        return out
    for i, part in enumerate(parts(schedule, settings)):
        found = _warmup_of(part)
        if found is None or part.schedule.needs_metric:
            continue
        steps, prefix, bare = found
        if steps >= part.length:
            continue  # the timm warmup over the whole run: the zero-LR/length rules say it
        main = bare.lr(part.length, settings.lr)
        drop = float(main[0] - main.min())
        hidden = float(main[0] - main[steps]) / drop if drop > 0 else 0.0
        if hidden <= 0.5:
            continue
        lr = part.lr(trace)
        out.append(
            _found(
                "warmup",
                i,
                "warmup",
                f"the warmup overlaps {part.subject}'s decay: when it ends, at step "
                f"{part.start + steps}, {round(hidden * 100)}% of the decay is already done "
                f"and the LR drops from {num(lr[steps - 1])} to {num(lr[steps])}: set "
                f"{prefix} (or a shorter warmup)",
            )
        )
    return out


TINY = 1e-300  # an LR this small is on its way to underflow, not to a schedule's 0


def _until(settings: RunSettings, step: int) -> str:
    """End the run before scheduler step ``step``: the option that does it."""
    return f"or end the run before step {step} ({run_length(settings, max(step, 1))})"


def blow_up(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """An LR that overflows to inf, becomes nan, or underflows to exactly 0 (from a
    positive LR below TINY): every optimizer step from there is wrong or does nothing."""
    lr = trace.sched_lr
    total = len(lr)
    bad = np.flatnonzero(~np.isfinite(lr))
    out = []
    if bad.size:
        at = int(bad[0])
        what = "overflows to inf" if np.isinf(lr[at]) else "becomes nan"
        before = f" (from {num(lr[at - 1])} at step {at - 1})" if at else ""
        out.append(
            Finding(
                "blow-up",
                f"the LR {what} at step {at} of {total}{before}, and training with it "
                f"diverges: make the factor that compounds it 1 or less, {_until(settings, at)}",
            )
        )
    with np.errstate(invalid="ignore"):
        under = np.flatnonzero((lr[1:] == 0.0) & (lr[:-1] > 0.0) & (lr[:-1] < TINY)) + 1
    if under.size:
        at = int(under[0])
        small = int(np.argmax((lr > 0.0) & (lr < TINY)))
        out.append(
            Finding(
                "underflow",
                f"the LR underflows to exactly 0 at step {at} of {total} (it is below "
                f"{TINY:g} from step {small}), and the optimizer steps from there do "
                f"nothing: decay more slowly, {_until(settings, small)}",
            )
        )
    return out


SCALED_WARMUP = 4.0  # batch-size scaling by this much or more wants a warmup


def scaled_no_warmup(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """Batch-size scaling (reference_batch) that multiplies the LR by SCALED_WARMUP or
    more, on a schedule that starts at its peak: no warmup of any kind (lrplot's, a
    declared one, a composition's), since its LR never rises above its first value."""
    plan = settings.plan
    if plan is None or plan.reference_batch is None or settings.reference_lr is None:
        return []
    factor = plan.lr_factor
    lr = trace.sched_lr
    if factor < SCALED_WARMUP or not len(lr) or float(lr.max()) > float(lr[0]):
        return []
    if schedule.definition.no_warmup:
        fix = "use a schedule that warms up"
    else:
        fix = "add --warmup 5ep" if settings.epochs > 10 else "add --warmup 10%"
        fix += " (Goyal et al. ramp up over the first 5 epochs)"
    if plan.scale != "sqrt":  # linear
        fix += ", or scale less (--scale sqrt)"
    message = (
        f"{plan.describe_lr(settings.reference_lr)} multiplies the LR by {factor:g}, and "
        "the schedule starts at that LR with no warmup (a large LR from the first step "
        f"often diverges): {fix}"
    )
    return [_found("scaled-no-warmup", 0, "reference_batch", message)]


# in order: a units mix-up first (it explains the length findings it would also cause)
RULES: tuple[Rule, ...] = (
    unscaled_lengths,
    epoch_step_units,
    first_lr_zero,
    warmup_fit,
    blow_up,
    scaled_no_warmup,
)


def every_rule() -> list[Any]:
    """The generic rules, then every rule a registered schedule declares."""
    out: list[Any] = list(RULES)
    for d in REGISTRY.values():
        out += [rule for rule in d.lint if rule not in out]
    return out


def _declared(trace: Trace, only: Any = None) -> Iterator[Finding]:
    """The findings of each part's own rules (``only``: just that rule)."""
    for i, part in enumerate(parts(trace.schedule, trace.settings)):
        if part.length <= 0:
            continue
        for rule in part.schedule.definition.lint:
            if only is None or rule is only:
                for finding in rule(part, trace.settings, trace):
                    yield dataclasses.replace(finding, part=i)


def apply(rule: Any, trace: Trace) -> list[Finding]:
    """One rule's findings for the trace (a generic rule, or a declared one over the
    parts that declare it)."""
    if rule in RULES:
        return list(rule(trace.schedule, trace.settings, trace))
    return list(_declared(trace, rule))


def lint(trace: Trace, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule for the trace's schedule and run, at most one per
    parameter (of each part): the first rule's. ``rules``: the generic rules to run
    (the declared ones always run, after them)."""
    seen: set[tuple[int | None, str]] = set()
    out = []
    generic = (f for rule in rules for f in rule(trace.schedule, trace.settings, trace))
    for finding in itertools.chain(generic, _declared(trace)):
        key = (finding.part, finding.param) if finding.param is not None else None
        if key is not None and key in seen:
            continue
        if key is not None:
            seen.add(key)
        out.append(finding)
    return out
