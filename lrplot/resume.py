"""What the LR does when a run is saved and resumed: :func:`resume`.

A run saves a checkpoint after optimizer step ``at - 1`` (rows 0 .. at-1 done): the
optimizer's and the scheduler's ``state_dict()``. A new process builds the model and
the optimizer, and then, by ``mode``:

* ``restored``: builds the scheduler (``after``'s parameters, else the same), then
  ``optimizer.load_state_dict`` and ``scheduler.load_state_dict`` (PyTorch's
  documented order: the scheduler before the optimizer's state). The loaded state
  overwrites the scheduler's ``__dict__``: changed constructor parameters are
  ignored (a note says which), except functions, which are never saved (LambdaLR's
  and MultiplicativeLR's expression: the new one applies). It continues exactly.
* ``fresh``: ``optimizer.load_state_dict``, then a new scheduler on it, its state not
  loaded: ``last_epoch=-1``, ``initial_lr`` already in the group (base LR: the
  original one) and the constructor's initial step on the group's current LR.
* ``last-epoch``: ``optimizer.load_state_dict``, then the scheduler built with
  ``last_epoch = done - 1`` (``done``: scheduler steps so far; every child of a
  ChainedScheduler gets it): the constructor's initial step runs ``get_lr()`` at
  ``last_epoch = done`` on the restored LR (StepLR decays twice at a milestone).
  ReduceLROnPlateau takes no last_epoch.
* ``unloaded``: the scheduler is built on the new optimizer, then the optimizer's
  state is loaded and the scheduler's is not (``scheduler.load_state_dict``
  forgotten: the usual resume bug): the first step after the resume uses the
  restored LR, and the scheduler then starts its own steps over from there.
* ``restart``: only the model's weights are loaded: a new optimizer and a new
  scheduler, so the schedule (``after``, else the same) starts over at step ``at``.
* ``jump``: the scheduler's state is loaded and then stepped once more for every step
  already done (a loop that fast-forwards a restored scheduler): the schedule skips
  ahead by ``at`` steps.

Each mode replays the schedules' TorchSchedulers (their PyTorch classes,
transliterated) on one param group, saved and copied as ``torch.save`` does;
tools/goldens_resume.py records the same runs from torch itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from . import engine
from .errors import ParamError
from .params import CHOICE, INT, TEXT, Param, bind, format_value
from .schedules import REGISTRY, Schedule, TorchScheduler

MODES = ("restored", "fresh", "last-epoch", "restart", "unloaded", "jump")

PARAMS: tuple[Param, ...] = (
    Param(
        "resume_at",
        INT,
        "simulate a resume: the run is saved after this many optimizer steps and resumed",
        None,
        low=1,
    ),
    Param(
        "resume_mode",
        CHOICE,
        "restored: the scheduler's state_dict is loaded; fresh: a new scheduler on the "
        "restored optimizer; last-epoch: a new one built with last_epoch; restart: a new "
        "optimizer and scheduler (the schedule starts over); unloaded: a new scheduler, "
        "then the optimizer's state loaded, not the scheduler's; jump: the state loaded, "
        "then the steps already done counted again",
        "restored",
        choices=MODES,
    ),
    Param(
        "resume_with",
        TEXT,
        "the schedule SPEC built after the resume (default: the same)",
        None,
    ),
)
NAMES = tuple(p.name for p in PARAMS)


def options(given: Mapping[str, Any]) -> tuple[int | None, str, str | None]:
    """(resume_at, resume_mode, resume_with) from raw values (None: not given); a mode
    or SPEC without resume_at is an error naming it."""
    raw = {k: v for k, v in given.items() if v is not None}
    values = bind(PARAMS, raw, "resume")
    if values["resume_at"] is None:
        extra = next((k for k in ("resume_mode", "resume_with") if k in raw), None)
        if extra is not None:
            raise ParamError(extra, f"{extra} needs resume_at (the step the run resumes at)")
    return values["resume_at"], values["resume_mode"], values["resume_with"]


def steps_done(settings: engine.RunSettings, at: int) -> int:
    """Scheduler steps done when the run is saved after ``at`` optimizer steps."""
    total = settings.total_steps
    if not 1 <= at <= total - 1:
        raise ParamError(
            "resume_at",
            f"resume_at must be between 1 and {total - 1} (the run has {total} optimizer "
            f"steps), got {at}",
        )
    spe = settings.steps_per_epoch
    if settings.interval == "epoch":
        if at % spe:
            raise ParamError(
                "resume_at",
                f"resume_at must fall on an epoch boundary (a multiple of steps_per_epoch="
                f"{spe}) when the scheduler steps per epoch, got {at}",
            )
        return int(settings.unit_index(np.asarray(at // spe)))
    return int(settings.unit_index(np.asarray(at)))


def resume(
    trace: engine.Trace, at: int, mode: str = "restored", after: Schedule | None = None
) -> engine.Trace:
    """``trace``'s run saved after ``at`` optimizer steps and resumed by ``mode``
    (module docstring), with ``after`` built instead of the same schedule: a trace
    of the same type whose ``sched_lr`` (and ``sched_momentum``) are the resumed run's
    and whose ``resumed`` says how. Errors are ParamErrors naming resume_at,
    resume_mode or resume_with."""
    if mode not in MODES:
        raise ParamError(
            "resume_mode", f"resume_mode must be one of {', '.join(MODES)}, got {mode!r}"
        )
    settings = trace.settings
    done = steps_done(settings, at)
    count = settings.scheduler_steps
    before = trace.schedule.resolved(count)
    new = (after if after is not None else trace.schedule).resolved(count)
    d, a = before.definition, new.definition
    same = new.values == before.values and new.warmup == before.warmup and a is d
    if mode == "restored" and a is not d:
        raise ParamError(
            "resume_with",
            f"restored loads {d.torch_class}'s saved state: resume_with must be a {d.name} "
            f"schedule too, got {a.name} (resume_mode fresh builds another one)",
        )
    if mode in ("restart", "jump"):  # the schedules' own values, shifted: any schedule
        shown = after if after is not None and not same else None
        resumed = engine.Resumed(at, mode, shown)
        return _shifted(trace, before, new, mode, done, resumed)
    warmed = before.warmup is not None or new.warmup is not None
    if warmed and not (mode == "restored" and same):
        raise ParamError(
            "resume_mode",
            "a schedule with lrplot's warmup resumes only restored with its own "
            "parameters: write the warmup as sequential:schedulers=[linear...;...] to resume it "
            f"{mode}",
        )
    shown = after if after is not None and not same else None
    resumed = engine.Resumed(at, mode, shown, tuple(_overwritten(before, new, mode)))
    if mode == "restored" and same:
        return dataclasses.replace(trace, resumed=resumed)
    if d.stepper is None:
        if d.resume is None:
            return _unmodelled(d, mode, after is not None)
        if a.resume is not d.resume:
            kinds = ", ".join(n for n, x in REGISTRY.items() if x.resume is d.resume)
            raise ParamError(
                "resume_with",
                f"resume_with: {d.name} ({d.torch_class}) resumes as a schedule of its own "
                f"kind ({kinds}), got {a.name}",
            )
        lr = d.resume(mode, before, new, trace, done)
        return dataclasses.replace(trace, sched_lr=lr, resumed=resumed)
    if a.stepper is None:
        raise ParamError(
            "resume_with",
            f"resume_with: {a.name} ({a.torch_class}) has no step-by-step model in lrplot, "
            f"so it cannot be built on the restored optimizer; use one of {_modelled(False)}",
        )
    if a.children is not None and mode == "restored":
        _same_children(before, new)
    lr, momentum = _replay(trace, before, new, mode, done)
    return dataclasses.replace(trace, sched_lr=lr, sched_momentum=momentum, resumed=resumed)


def _shifted(
    trace: engine.Trace,
    before: Schedule,
    new: Schedule,
    mode: str,
    done: int,
    resumed: engine.Resumed,
) -> engine.Trace:
    """restart: the schedule from its start after ``done`` steps; jump: the schedule
    ``done`` steps ahead of where it was."""
    settings = trace.settings
    count, base_lr = settings.scheduler_steps, float(settings.lr)
    metric = trace.sched_metric
    if mode == "jump":
        if new is not before and new.values != before.values:
            raise ParamError(
                "resume_with", "resume_mode jump continues the same schedule: leave resume_with out"
            )
        if metric is not None:
            raise ParamError(
                "resume_mode",
                "resume_mode jump: ReduceLROnPlateau's steps depend on its metric, which "
                "lrplot does not replay twice; use restored, fresh or restart",
            )
        long = before.lr(count + done, base_lr)
        lr = np.concatenate((trace.sched_lr[:done], long[2 * done : count + done]))
        moment = before.momentum(count + done, base_lr)
        momentum = None
        if moment is not None and trace.sched_momentum is not None:
            momentum = np.concatenate((trace.sched_momentum[:done], moment[2 * done :]))
        return dataclasses.replace(trace, sched_lr=lr, sched_momentum=momentum, resumed=resumed)
    rest = count - done
    later = None if metric is None else metric[done:]
    lr = np.concatenate((trace.sched_lr[:done], new.lr(rest, base_lr, later)))
    moment = new.momentum(rest, base_lr, later)
    momentum = None
    if moment is not None:
        start = trace.sched_momentum[:done] if trace.sched_momentum is not None else np.zeros(done)
        momentum = np.concatenate((start, moment))
    return dataclasses.replace(trace, sched_lr=lr, sched_momentum=momentum, resumed=resumed)


def every_mode(
    trace: engine.Trace, at: int, after: Schedule | None = None
) -> dict[str, engine.Trace | ParamError]:
    """The run resumed at ``at`` in each of MODES: its trace, or the ParamError that
    says why that mode cannot be simulated for this schedule."""
    out: dict[str, engine.Trace | ParamError] = {}
    for mode in MODES:
        try:
            out[mode] = resume(trace, at, mode, after)
        except ParamError as err:
            if err.name == "resume_at":
                raise
            out[mode] = err
    return out


def _replay(
    trace: engine.Trace, before: Schedule, new: Schedule, mode: str, done: int
) -> tuple[np.ndarray, np.ndarray | None]:
    settings = trace.settings
    count = settings.scheduler_steps
    base_lr = float(settings.lr)
    moves = trace.sched_momentum is not None or new.momentum(1, base_lr) is not None
    group: dict[str, Any] = {"lr": base_lr, "momentum": 0.0}
    stepper = before.definition.stepper
    assert stepper is not None
    saved = stepper(group, before.values)
    if moves:
        saved.record(done)
    else:
        saved.advance(done)
    restored_group = dict(group)  # optimizer.load_state_dict: the saved param group
    built: TorchScheduler
    if mode == "restored":
        built = saved.restored(restored_group, new.values)
    elif mode == "unloaded":  # built on the new optimizer, whose state is loaded after
        rebuild = new.definition.stepper
        assert rebuild is not None
        fresh: dict[str, Any] = {"lr": base_lr, "momentum": 0.0}
        built = rebuild(fresh, new.values, -1)
        fresh.clear()
        fresh.update(restored_group)  # optimizer.load_state_dict: the saved param group
        restored_group = fresh
    else:
        rebuild = new.definition.stepper
        assert rebuild is not None
        built = rebuild(restored_group, new.values, -1 if mode == "fresh" else done - 1)
    lr = np.empty(count)
    lr[:done] = trace.sched_lr[:done]
    lr[done] = restored_group["lr"]
    rest = count - done - 1
    if not moves:
        lr[done + 1 :] = built.advance(rest)
        return lr, None
    momentum = np.empty(count)
    if trace.sched_momentum is not None:
        momentum[:done] = trace.sched_momentum[:done]
    else:
        momentum[:done] = 0.0
    momentum[done] = restored_group.get("momentum", 0.0)
    lr[done + 1 :], momentum[done + 1 :] = built.record(rest)
    return lr, momentum


def _overwritten(before: Schedule, new: Schedule, mode: str) -> list[str]:
    """restored: the parameters resume_with changes that the loaded state overwrites."""
    if mode != "restored" or new.definition is not before.definition:
        return []
    d = before.definition
    stepper = d.stepper
    unsaved: tuple[str, ...] = stepper.unsaved if stepper is not None else ()
    if stepper is None and not getattr(d.resume, "saves_params", True):
        unsaved = tuple(before.values)  # a LambdaLR: only its step count is saved
    changed = [
        k
        for k in before.values
        if k not in unsaved and new.values[k] != before.values[k] and k != "schedulers"
    ]
    lines = [
        f"restored: the loaded state_dict overwrites {k}: PyTorch continues with "
        f"{k}={format_value(before.values[k])}, not {format_value(new.values[k])} "
        "(resume_mode fresh or last-epoch builds it with the new value)"
        for k in changed
    ]
    kids = before.values.get("schedulers")
    if kids is not None and len(kids) == len(new.values["schedulers"]):
        for i, (old, kid) in enumerate(zip(kids, new.values["schedulers"], strict=True)):
            if old.definition is kid.definition and old.values != kid.values:
                lines += [f"schedulers[{i}]: {line}" for line in _overwritten(old, kid, "restored")]
    return lines


def _same_children(before: Schedule, new: Schedule) -> None:
    old, kids = before.values["schedulers"], new.values["schedulers"]
    if [c.definition for c in old] != [c.definition for c in kids]:
        raise ParamError(
            "resume_with",
            f"restored loads each child's saved state: resume_with must have the same "
            f"children ({', '.join(c.name for c in old)}), got {', '.join(c.name for c in kids)}",
        )


def _modelled(hooks: bool = True) -> str:
    """The schedules lrplot can resume in every mode (``hooks``: or in some, by their
    own resume hook)."""
    return ", ".join(
        n for n, d in REGISTRY.items() if d.stepper is not None or (hooks and d.resume is not None)
    )


def _unmodelled(d: Any, mode: str, with_after: bool) -> engine.Trace:
    if mode == "restored" and with_after:
        raise ParamError(
            "resume_with",
            f"resume_with: {d.name} ({d.torch_class}) has no step-by-step model in lrplot: "
            "restored resumes it only with its own parameters",
        )
    raise ParamError(
        "resume_mode",
        f"resume_mode {mode}: {d.name} ({d.torch_class}) has no step-by-step model in "
        f"lrplot; it resumes only restored (resume_mode {mode} works for {_modelled()})",
    )
