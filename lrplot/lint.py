"""`lrplot check`: rules that catch a schedule that does not fit its run.

Each rule is a small function ``rule(schedule, settings, trace) -> list[Finding]``
over the bound schedule, the run and the simulated trace. A finding is one line:
what goes wrong, then, after a colon, how to fix it. The CLI only prints them.

Step numbers in messages are scheduler steps of the whole run (rows of the
trace: epochs with ``--interval epoch``, optimizer steps with ``--interval step``);
lengths are the schedule's own parameters, which count scheduler steps too.
A warmup (prefix mode) or a SequentialLR milestone shifts where a schedule's own
step 0 falls in the run: each rule looks at every *part* of the schedule (the
schedule itself, or each child of sequential/chained) over the stretch of the
run it actually drives.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from .engine import RunSettings, Trace
from .params import BOOL, INT_LIST, format_value
from .schedules import Schedule


@dataclass(frozen=True)
class Finding:
    """One problem: ``message`` says what goes wrong and, after a colon, the fix."""

    rule: str
    message: str
    param: str | None = None  # the parameter it is about: one finding per parameter
    part: int | None = None  # the child of sequential/chained it is about

    def __str__(self) -> str:
        return self.message


Rule = Callable[[Schedule, RunSettings, Trace], list[Finding]]


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
        if p.kind == BOOL and getattr(p, "flag", False):
            return p.option if value else "--no-" + p.option[2:]
        if p.kind == INT_LIST:
            return f"{p.option} {','.join(str(v) for v in value)}"
        return f"{p.option} {format_value(value)}"

    def lr(self, trace: Trace) -> np.ndarray:
        """The LR at each of its steps (the run's LR over its stretch)."""
        return trace.sched_lr[self.start : self.start + self.length]


def parts(schedule: Schedule, settings: RunSettings) -> list[Part]:
    """The schedule itself, then each child of a composition, over their stretches."""
    total = settings.scheduler_steps
    warmup = schedule.warmup
    start = min(warmup.steps, total) if warmup is not None and warmup.mode == "prefix" else 0
    own = Part(schedule, start, total - start, total, after_warmup=start > 0)
    out = [own]
    children = (
        schedule.values.get("schedulers") if schedule.name in ("sequential", "chained") else None
    )
    if not children:
        return out
    if schedule.name == "chained":
        return out + [dataclasses.replace(own, schedule=c, child=i) for i, c in enumerate(children)]
    bounds = [0, *schedule.values["milestones"], own.length]
    for i, child in enumerate(children):
        lo, hi = min(bounds[i], own.length), min(max(bounds[i + 1], bounds[i]), own.length)
        out.append(Part(child, start + lo, hi - lo, total, i))
    return out


def _parts_named(
    schedule: Schedule, settings: RunSettings, *names: str
) -> Iterator[tuple[int, Part]]:
    for i, part in enumerate(parts(schedule, settings)):
        if part.schedule.name in names and part.length > 0:
            yield i, part


def _num(value: float) -> str:
    return f"{value:.6g}"


def _run_length(settings: RunSettings, steps: int) -> str:
    """A run of ``steps`` scheduler steps, as the option that gives it."""
    if settings.interval == "epoch":
        return f"--epochs {steps}"
    if steps % settings.steps_per_epoch == 0:
        return f"--epochs {steps // settings.steps_per_epoch}"
    return f"a run of {steps} steps"


def _found(rule: str, part: int, param: str | None, message: str) -> Finding:
    return Finding(rule, message, param, part)


# --- the rules ------------------------------------------------------------------------

# parameters that measure a whole schedule (or its main phase) in scheduler steps
RUN_LENGTHS = ("t_max", "t_0", "total_steps", "total_iters", "num_training_steps", "t_initial")


def epoch_step_units(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A length in optimizer steps for a scheduler stepped per epoch, or the reverse."""
    spe = settings.steps_per_epoch
    if spe <= 1:
        return []
    per_epoch = settings.interval == "epoch"
    out = []
    for i, part in enumerate(parts(schedule, settings)):
        for name in RUN_LENGTHS:
            value = part.values.get(name)
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
            out.append(_found("units", i, name, message))
        milestones = part.values.get("milestones")
        if part.schedule.name == "multistep" and milestones:
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
                        "milestones",
                        f"{part.subject} milestones {ms} count optimizer steps, but the "
                        f"scheduler steps once per epoch ({settings.epochs} in the run): set "
                        f"{part.option('milestones', fixed)}, or --interval step",
                    )
                )
            elif not per_epoch and max(milestones) < settings.epochs:
                fixed = tuple(m * spe for m in milestones)
                out.append(
                    _found(
                        "units",
                        i,
                        "milestones",
                        f"{part.subject} milestones {ms} look like epochs, but the scheduler "
                        f"steps after every optimizer step ({settings.total_steps} in the run): "
                        f"set {part.option('milestones', fixed)}, or --interval epoch",
                    )
                )
    return out


def cosine_length(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CosineAnnealingLR shorter than the run rises again; longer never reaches eta_min."""
    out = []
    for i, part in _parts_named(schedule, settings, "cosine"):
        t_max, eta_min, n = part.values["t_max"], part.values["eta_min"], part.length
        if t_max < n - 1:
            message = (
                f"{part.subject} rises again after step {part.start + t_max} of {part.total}: "
                f"set {part.option('t_max', n)} (or use cosine-restarts)"
            )
        elif t_max > n:
            message = (
                f"{part.subject} never reaches eta_min ({format_value(eta_min)}): t_max {t_max} "
                f"is longer than {part.span} and the LR ends at {_num(part.lr(trace)[-1])}: "
                f"set {part.option('t_max', n)}"
            )
        else:
            continue
        out.append(_found("cosine-length", i, "t_max", message))
    return out


def onecycle_length(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """OneCycleLR's total_steps longer than the run: the anneal never finishes."""
    out = []
    for i, part in _parts_named(schedule, settings, "onecycle"):
        total = part.values["total_steps"]
        if total is None or total <= part.length:
            continue
        p = part.values
        final = p["max_lr"] / p["div_factor"] / p["final_div_factor"]
        out.append(
            _found(
                "onecycle-length",
                i,
                "total_steps",
                f"{part.subject} never finishes its cycle: total_steps {total} is longer than "
                f"{part.span}, so the LR ends at {_num(part.lr(trace)[-1])}, not at "
                f"{_num(final)}: set {part.option('total_steps', part.length)} "
                "(or leave it out)",
            )
        )
    return out


def _periods(t_0: int, t_mult: int, upto: int) -> list[int]:
    """CosineAnnealingWarmRestarts' period ends (restart steps), past ``upto``."""
    ends, length = [t_0], t_0
    while ends[-1] <= upto:
        length *= t_mult
        ends.append(ends[-1] + length)
    return ends


def restarts_length(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CosineAnnealingWarmRestarts: a first period longer than the run, or a run that
    ends in the middle of a period (high LR at the end)."""
    out = []
    for i, part in _parts_named(schedule, settings, "cosine-restarts"):
        t_0, t_mult, n = part.values["t_0"], part.values["t_mult"], part.length
        eta_min = format_value(part.values["eta_min"])
        last = _num(part.lr(trace)[-1])
        if t_0 > n:
            message = (
                f"{part.subject} never reaches eta_min ({eta_min}): t_0 {t_0} is longer than "
                f"{part.span} and the LR ends at {last}: set {part.option('t_0', n)} or less"
            )
        else:
            ends = _periods(t_0, t_mult, n)
            if n in ends or part.child is not None:
                continue
            before = max([e for e in ends if e < n], default=0)
            after = min(e for e in ends if e > n)
            message = (
                f"{part.subject} ends in the middle of a period, at LR {last} (the period "
                f"from step {part.start + before} restarts at step {part.start + after}): "
                f"end the run at a restart, {_run_length(settings, part.start + before)} or "
                f"{_run_length(settings, part.start + after)}"
            )
        out.append(_found("restarts-length", i, "t_0", message))
    return out


def _warmup_of(part: Part) -> tuple[int, str, Schedule] | None:
    """An overlapping warmup: (its steps, the option that switches it to a prefix, the
    schedule without it)."""
    s = part.schedule
    if part.child is None and s.warmup is not None and s.warmup.mode == "overlap":
        return s.warmup.steps, "--warmup-mode prefix", dataclasses.replace(s, warmup=None)
    if (
        s.name in ("timm-cosine", "timm-tanh")
        and s.values["warmup_t"]
        and (not s.values["warmup_prefix"])
    ):
        bare = dataclasses.replace(s, values={**s.values, "warmup_t": 0})
        return s.values["warmup_t"], part.option("warmup_prefix", True), bare
    return None


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
                f"and the LR drops from {_num(lr[steps - 1])} to {_num(lr[steps])}: set "
                f"{prefix} (or a shorter warmup)",
            )
        )
    return out


_HF_TRAINING = (
    "hf-linear",
    "hf-cosine",
    "hf-cosine-with-restarts",
    "hf-polynomial",
    "hf-cosine-with-min-lr",
    "hf-cosine-warmup-with-min-lr",
)


def hf_warmup(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """transformers' num_warmup_steps not shorter than num_training_steps (or the run)."""
    out = []
    names = (*_HF_TRAINING, "hf-constant-with-warmup", "hf-inverse-sqrt")
    for i, part in _parts_named(schedule, settings, *names):
        w = part.values["num_warmup_steps"]
        t = part.values.get("num_training_steps") or part.length
        if w < t or w == 0:
            continue
        out.append(
            _found(
                "warmup",
                i,
                "num_warmup_steps",
                f"{part.subject} warms up for {w} steps, not fewer than its {t} training "
                "steps, so it never gets past the warmup: set "
                f"{part.option('num_warmup_steps', t // 10)} (10% of them) or less",
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
    elif s.name in ("timm-cosine", "timm-tanh") and p["warmup_t"]:
        w = p["warmup_t"]
        cause = "--warmup-lr-init is 0"
        fix = f"set --warmup-lr-init {settings.lr / w:.3g} (lr / warmup_t)"
    elif s.name.startswith("hf-") and p.get("num_warmup_steps"):
        w = p["num_warmup_steps"]
        cause = "transformers' warmup starts at 0"
        fix = (
            "harmless in a long run; to avoid it, replace --num-warmup-steps "
            f"{w} by --warmup {w} --warmup-start {1 / w:.3g}"
        )
    elif s.name == "cyclic":
        cause = "--base-lr is 0"
        fix = f"set --base-lr {p['max_lr'] / 10:.3g} (max_lr / 10)"
    elif s.name in ("lambda", "multiplicative") or "expr" in p:
        cause = "expr is 0 at epoch 0"
        fix = "make expr positive at epoch 0, e.g. (epoch + 1) / 5 instead of epoch / 5"
    else:
        cause = ""
        fix = "start the schedule above 0"
    cause = f" ({cause})" if cause else ""
    return [Finding("zero-start", f"{what}{cause}: {fix}")]


def wsd_phases(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """hf-warmup-stable-decay: warmup + stable + decay not adding up to the run."""
    out = []
    for i, part in _parts_named(schedule, settings, "hf-warmup-stable-decay"):
        p, n = part.values, part.length
        w, d, s, t = (
            p["num_warmup_steps"],
            p["num_decay_steps"],
            p["num_stable_steps"],
            p["num_training_steps"],
        )
        if s is None:
            if t is None or t == n:
                continue
            s, param, fix = t - w - d, "num_training_steps", "leave out --num-training-steps"
        else:
            param = "num_stable_steps"
            fix = (
                f"set {part.option('num_stable_steps', n - w - d)} (or leave it out)"
                if n - w - d >= 0
                else "shorten --num-decay-steps or --num-warmup-steps"
            )
        phases = w + s + d
        if phases == n:
            continue
        lr = part.lr(trace)
        if phases < n:
            then = f"the LR stays at {_num(lr[-1])} for the last {n - phases} steps"
        else:
            then = f"the decay is cut off at LR {_num(lr[-1])}"
        out.append(
            _found(
                "wsd-phases",
                i,
                param,
                f"{part.subject} phases add up to {w} + {s} + {d} = {phases} steps, but "
                f"{part.has}: {then}; {fix}",
            )
        )
    return out


def _floor(part: Part, base_lr: float) -> str:
    """What an HF schedule decays to, in words."""
    p = part.values
    if "lr_end" in p:
        return f"lr_end ({format_value(p['lr_end'])})"
    if p.get("min_lr") is not None:
        return f"min_lr ({format_value(p['min_lr'])})"
    if p.get("min_lr_rate") is not None:
        return f"lr * min_lr_rate ({_num(base_lr * p['min_lr_rate'])})"
    return "0"


def training_steps(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """transformers' num_training_steps not matching the run."""
    out = []
    for i, part in _parts_named(schedule, settings, *_HF_TRAINING):
        t, n = part.values["num_training_steps"], part.length
        if t is None or t == n:
            continue
        lr = part.lr(trace)
        fix = f"set {part.option('num_training_steps', n)} (or leave it out)"
        if t > n:
            message = (
                f"{part.subject} never reaches {_floor(part, settings.lr)}: num_training_steps "
                f"{t} is longer than {part.span} and the LR ends at {_num(lr[-1])}: {fix}"
            )
        else:
            rest = lr[t:]
            if rest.size > 1 and rest.max() > rest[0]:
                then = "then the LR rises again"
            else:
                then = f"the LR then stays at {_num(rest[0])} for the last {n - t} steps"
            message = (
                f"{part.subject} ends its decay at step {part.start + t} of {part.total}, "
                f"{then}: {fix}"
            )
        out.append(_found("training-steps", i, "num_training_steps", message))
    return out


def floor_reached(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A decay longer than the run never reaches its end value (PolynomialLR, LinearLR,
    timm); PolynomialLR, or timm's last cycle to lr_min 0, ending early leaves steps at
    LR 0."""
    out = []
    for i, part in enumerate(parts(schedule, settings)):
        name, p, n = part.schedule.name, part.values, part.length
        if n <= 0:
            continue
        last = _num(part.lr(trace)[-1])
        if name == "polynomial" and p["power"] > 0:
            t = p["total_iters"]
            if t > n:
                message = (
                    f"{part.subject} never reaches 0: total_iters {t} is longer than "
                    f"{part.span} and the LR ends at {last}: set {part.option('total_iters', n)}"
                )
            elif t < n - 1:
                message = (
                    f"{part.subject} reaches 0 at step {part.start + t} of {part.total}, so "
                    f"the last {n - t} steps do nothing: set {part.option('total_iters', n)}"
                )
            else:
                continue
            param = "total_iters"
        elif name == "linear" and p["total_iters"] > n:
            message = (
                f"{part.subject} never reaches end_factor ({format_value(p['end_factor'])}): "
                f"total_iters {p['total_iters']} is longer than {part.span} and the LR ends at "
                f"{last}: set {part.option('total_iters', n)} or less"
            )
            param = "total_iters"
        elif name in ("timm-cosine", "timm-tanh"):
            prefix = p["warmup_t"] if p["warmup_prefix"] else 0
            room = n - prefix
            if room <= 0:
                continue
            lr = part.lr(trace)
            idle = n - int(np.flatnonzero(lr != 0.0)[-1]) - 1 if lr.any() else n
            if p["t_initial"] > room:
                span = f"the {room} steps after the warmup" if prefix else part.span
                message = (
                    f"{part.subject} never reaches lr_min ({format_value(p['lr_min'])}): "
                    f"t_initial {p['t_initial']} is longer than {span} and the LR ends at "
                    f"{last}: set {part.option('t_initial', room)}"
                )
            elif idle > 1 and p["cycle_limit"] > 0:  # cycles over, lr_min 0: LR 0 to the end
                fix = (
                    f"set {part.option('t_initial', room // p['cycle_limit'])}"
                    if p["cycle_mul"] == 1 and room // p["cycle_limit"] > 0
                    else "lengthen --t-initial"
                )
                message = (
                    f"{part.subject} reaches lr_min 0 at step {part.start + n - idle} of "
                    f"{part.total} (after {p['cycle_limit']} cycle"
                    f"{'s' if p['cycle_limit'] > 1 else ''}), so the last {idle} steps do "
                    f"nothing: {fix} (or --lr-min above 0)"
                )
            else:
                continue
            param = "t_initial"
        else:
            continue
        out.append(_found("floor", i, param, message))
    return out


def plateau_room(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """ReduceLROnPlateau whose patience (or cooldown + patience) leaves no room in the
    run for a (second) reduction."""
    out = []
    for i, part in _parts_named(schedule, settings, "plateau"):
        patience, cooldown, n = part.values["patience"], part.values["cooldown"], part.length
        last = part.total - 1
        first = patience + 2  # the earliest reduction: after patience + 1 bad steps
        if first > n - 1:
            fix = (
                f"set {part.option('patience', n - 3)} or less"
                if n >= 3
                else f"the run needs at least {patience + 3} steps for one"
            )
            out.append(
                _found(
                    "plateau-patience",
                    i,
                    "patience",
                    f"{part.subject} can never reduce the LR: with patience {patience} the "
                    f"first reduction comes at step {part.start + first} at the earliest, "
                    f"after the run's last step ({last}): {fix}",
                )
            )
            continue
        second = first + cooldown + patience + 1
        if cooldown > 0 and first + patience + 1 <= n - 1 < second:
            room = n - 1 - first - patience - 1
            out.append(
                _found(
                    "plateau-patience",
                    i,
                    "cooldown",
                    f"{part.subject} has no room for a second reduction: after the earliest "
                    f"first one (step {part.start + first}), cooldown {cooldown} + patience "
                    f"{patience} put the next at step {part.start + second} or later, after "
                    f"the run's last step ({last}): set {part.option('cooldown', room)} or less",
                )
            )
    return out


def milestones_in_run(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """MultiStepLR or SequentialLR milestones at or past the end of the run."""
    out = []
    for i, part in _parts_named(schedule, settings, "multistep", "sequential"):
        n, last = part.length, part.total - 1
        late = sorted({m for m in part.values["milestones"] if m >= n})
        if not late:
            continue
        ms = ",".join(str(m) for m in late)
        longer = _run_length(settings, part.start + late[-1] + 1)
        if part.schedule.name == "sequential":
            kids = part.values["schedulers"]
            idle = [
                f"schedulers[{k}] ({kids[k].name})"
                for k in range(1, len(kids))
                if part.values["milestones"][k - 1] >= n
            ]
            never = f"{', '.join(idle)} never run{'s' if len(idle) == 1 else ''}"
            drop = f"drop {'it' if len(late) == 1 else 'them'} and {', '.join(idle)}"
        else:
            never = "it never applies" if len(late) == 1 else "they never apply"
            drop = f"drop {'it' if len(late) == 1 else 'them'}"
        word = "milestone" if len(late) == 1 else "milestones"
        verb = "is" if len(late) == 1 else "are"
        out.append(
            _found(
                "milestones",
                i,
                "milestones",
                f"{part.subject} {word} {ms} {verb} past the run's last step ({last}), so "
                f"{never}: {drop}, or lengthen the run ({longer})",
            )
        )
    return out


def step_size_in_run(schedule: Schedule, settings: RunSettings, trace: Trace) -> list[Finding]:
    """StepLR whose step_size is the run or longer (never decays); CyclicLR whose
    step_size_up is (never reaches max_lr)."""
    out = []
    for i, part in _parts_named(schedule, settings, "step", "cyclic"):
        n = part.length
        if part.schedule.name == "step":
            size = part.values["step_size"]
            if size < n:
                continue
            message = (
                f"{part.subject} never decays: step_size {size} is not shorter than "
                f"{part.span}: set {part.option('step_size', max(1, n // 3))} (three decays) "
                f"or anything below {n}"
            )
            param = "step_size"
        else:
            up = part.values["step_size_up"]
            if up < n:
                continue
            message = (
                f"{part.subject} never reaches max_lr ({format_value(part.values['max_lr'])}): "
                f"step_size_up {up} is not shorter than {part.span}: set "
                f"{part.option('step_size_up', max(1, n // 2))} or less"
            )
            param = "step_size_up"
        out.append(_found("step-size", i, param, message))
    return out


# in order: a units mix-up first (it explains the length findings it would also cause)
RULES: tuple[Rule, ...] = (
    epoch_step_units,
    first_lr_zero,
    warmup_fit,
    hf_warmup,
    cosine_length,
    onecycle_length,
    restarts_length,
    wsd_phases,
    training_steps,
    floor_reached,
    plateau_room,
    milestones_in_run,
    step_size_in_run,
)


def lint(trace: Trace, rules: Sequence[Rule] = RULES) -> list[Finding]:
    """Every finding of every rule for the trace's schedule and run, at most one per
    parameter (of each part): the first rule's."""
    seen: set[tuple[int | None, str]] = set()
    out = []
    for rule in rules:
        for finding in rule(trace.schedule, trace.settings, trace):
            key = (finding.part, finding.param) if finding.param is not None else None
            if key is not None and key in seen:
                continue
            if key is not None:
                seen.add(key)
            out.append(finding)
    return out
