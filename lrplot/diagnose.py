"""Why a run's logged LR differs from its schedule: the usual mistakes, tried in turn.

:func:`diagnose` takes a :class:`lrplot.against.Verdict` that differs and returns the
first :class:`Cause` whose run reproduces the log exactly (within the verdict's
rtol), with that run as an ``lrplot`` command (``try:``): run with ``--against LOG``,
it matches. The families, in order (each family is one function of FAMILIES, and a
candidate is only reported once its whole trace has been compared with the log):

* the scheduler stepped per epoch instead of per batch, or the reverse;
* stepped k times per optimizer step (Accelerate on k processes), or once every k;
* each logged value is the LR of the next (or previous) step: a logging offset;
* the LR scaled by a constant (the world size; an override of the optimizer's LR);
* an integer parameter with another value (a length: t_max, total_steps,
  num_training_steps, a warmup; the usual devices / accumulation mistakes are k x
  or 1/k of the configured value, tried first);
* a resume (lrplot.resume): the schedule restarted at step R (a new scheduler, its
  state not loaded), or it jumped (steps counted twice).

Every candidate is one vectorised simulation (or an index shift of the configured
one): a 100k-step log takes well under a second per family.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from .logs import Log
else:
    from ._lazy import np

from . import engine
from .against import RTOL, Cause, Verdict, agree, compare, expected_at, peak_of
from .errors import LrplotError
from .params import INT
from .schedules import Schedule

MAX_K = 16  # processes / accumulation steps tried


@dataclass(frozen=True)
class Search:
    """What the families need: the configured trace, the log, and how to compare."""

    verdict: Verdict

    @property
    def trace(self) -> engine.Trace:
        return self.verdict.trace

    @property
    def log(self) -> Log:
        return self.verdict.log

    @property
    def settings(self) -> engine.RunSettings:
        return self.trace.settings

    def reproduces(self, trace: engine.Trace, offset: int = 0) -> bool:
        """Whether ``trace`` gives the logged LR at every logged step."""
        rows = self.verdict.rows + offset
        expected = expected_at(trace, rows)
        inside = ~np.isnan(expected)
        if not inside.any():
            return False
        peak = max(peak_of(trace), peak_of(self.trace))
        return bool(agree(self.log.lr[inside], expected[inside], self.verdict.rtol, peak).all())

    def simulate(self, schedule: Schedule | None = None, **settings: Any) -> engine.Trace | None:
        """The configured run with another schedule or settings; None when that run
        cannot be built (it is not a candidate)."""
        try:
            run = dataclasses.replace(self.settings, **settings) if settings else self.settings
            return engine.simulate(schedule or self.trace.schedule, run, self.trace.source)
        except LrplotError:
            return None

    def first(self, candidates: Iterator[tuple[str, engine.Trace | None]]) -> Cause | None:
        for text, trace in candidates:
            if trace is not None and self.reproduces(trace):
                return Cause(text, trace)
        return None


Family = Callable[[Search], "Cause | None"]


def interval(s: Search) -> Cause | None:
    """Stepped per epoch instead of per batch, or the reverse."""
    if s.settings.steps_per_epoch <= 1:
        return None
    if s.settings.interval == "epoch":
        text = (
            "the scheduler was stepped after every optimizer step, not once per epoch "
            "(its lengths count epochs)"
        )
        return s.first(iter([(text, s.simulate(interval="step"))]))
    text = (
        "the scheduler was stepped once per epoch, not after every optimizer step (e.g. "
        "Lightning's default interval 'epoch'; its lengths count steps)"
    )
    return s.first(iter([(text, s.simulate(interval="epoch"))]))


def several_calls(s: Search) -> Cause | None:
    """Stepped k times per optimizer step: Accelerate steps a prepared scheduler once
    per process, and the schedule's lengths were not scaled for it."""
    unit = "optimizer step" if s.settings.interval == "step" else "epoch"

    def candidates() -> Iterator[tuple[str, engine.Trace | None]]:
        for k in range(2, MAX_K + 1):
            if s.settings.accelerate and k == s.settings.calls_per_step:
                continue
            text = (
                f"the scheduler was stepped {k} times per {unit}: Accelerate on {k} "
                "processes steps a prepared scheduler once per process, so a schedule "
                f"whose lengths count {unit}s ends at 1/{k} of the run (scale them by {k}, "
                "or use split_batches)"
            )
            yield text, s.simulate(accelerate=True, num_processes=k, split_batches=False)

    return s.first(candidates())


def every_k(s: Search) -> Cause | None:
    """Stepped once every k optimizer steps (or epochs)."""
    unit = "optimizer step" if s.settings.interval == "step" else "epoch"

    def candidates() -> Iterator[tuple[str, engine.Trace | None]]:
        for k in range(2, MAX_K + 1):
            if k == s.settings.scheduler_every:
                continue
            text = (
                f"the scheduler was stepped once every {k} {unit}s, not after each (e.g. "
                "stepped only at gradient-accumulation boundaries when the optimizer steps "
                "already count them: accumulation applied twice)"
            )
            yield text, s.simulate(scheduler_every=k)

    return s.first(candidates())


def offset(s: Search) -> Cause | None:
    """Each logged value is the LR of a later (or earlier) step: a logging offset."""
    for d in (1, -1, 2, -2):
        if s.reproduces(s.trace, d):
            version = _hf_version(s, d)
            if version is not None:
                return version
            which = (
                "next"
                if d == 1
                else "previous"
                if d == -1
                else f"{abs(d)} steps {'later' if d > 0 else 'earlier'}"
            )
            text = (
                f"each logged value is the LR of the {which} step: the logger reads the LR "
                + ("after scheduler.step()" if d > 0 else "before the previous step")
                + ", a logging offset, not a schedule bug"
                if abs(d) == 1
                else f"each logged value is the LR {which}: a logging offset, not a schedule bug"
            )
            return Cause(text, s.trace, ("--log-offset", str(s.verdict.offset + d)))
    return None


def _hf_version(s: Search, d: int) -> Cause | None:
    """A trainer_state.json read as the other transformers: 4.50 and older logged the
    next step's LR (one step later than 4.51 and newer)."""
    fmt = s.log.format
    if s.verdict.offset != 0 or (fmt, d) not in (("hf", 1), ("hf-4.50", -1)):
        return None
    if fmt == "hf":
        text = (
            "each logged value is the LR of the next step: transformers 4.50 and older "
            "logged the LR after scheduler.step() (issue #28124), and trainer_state.json "
            "does not say which transformers wrote it: read it as 4.50's (a logging offset, "
            "not a schedule bug)"
        )
        return Cause(text, s.trace, ("--log-format", "hf-4.50"))
    text = (
        "each logged value is the LR of the previous step: this trainer_state.json is "
        "transformers 4.51's or newer (it logs the LR before scheduler.step(), PR #36973), "
        "not 4.50's (a logging offset, not a schedule bug)"
    )
    return Cause(text, s.trace, ("--log-format", "hf"))


def scaled(s: Search) -> Cause | None:
    """The LR a constant times the configured one (lr *= world_size, an override); for
    a schedule that sets the LR itself (CyclicLR, OneCycleLR), its LR parameters
    (``group_lrs``) times the constant."""
    schedule = s.trace.schedule
    sets_lr = schedule.definition.sets_lr
    if sets_lr and not schedule.definition.group_lrs:
        return None  # its peak is a parameter of its own: the parameter family tries it
    expected = s.verdict.expected
    logged = s.log.lr
    ok = np.isfinite(expected) & (expected > 0) & np.isfinite(logged) & (logged > 0)
    if not ok.any():
        return None
    ratios = logged[ok] / expected[ok]
    tried = set()
    for ratio in (float(np.median(ratios)), float(ratios[0]), float(ratios.max())):
        factor = _nice(ratio)
        if factor is None or factor in tried or math.isclose(factor, 1.0):
            continue
        tried.add(factor)
        if sets_lr:
            cause = _scaled_params(s, schedule, factor)
            if cause is not None:
                return cause
            continue
        for lr in dict.fromkeys((_tidy(s.settings.lr * factor), s.settings.lr * factor)):
            trace = s.simulate(lr=lr)
            if trace is not None and s.reproduces(trace):
                return Cause(
                    f"the LR is {_times(factor)} the configured one: the base LR was scaled "
                    f"(lr {s.settings.lr:g} -> {lr:g}; e.g. multiplied by the world size, or "
                    "overridden by another config's LR)",
                    trace,
                )
    return None


def _scaled_params(s: Search, schedule: Schedule, factor: float) -> Cause | None:
    """A schedule that sets the LR itself, its LR parameters times ``factor`` (tidied
    to 12 significant digits when that still reproduces the log)."""
    names = schedule.definition.group_lrs
    product = schedule.scaled(factor)
    tidy = {n: _tidy(float(product.values[n])) for n in names}
    for candidate in (_with_values(schedule, tidy), product):
        if candidate is None:
            continue
        trace = s.simulate(candidate)
        if trace is not None and s.reproduces(trace):
            moved = ", ".join(
                f"{n} {float(schedule.values[n]):g} -> {float(candidate.values[n]):g}"
                for n in names
            )
            return Cause(
                f"the LR is {_times(factor)} the configured one: the base LR was scaled "
                f"({moved}; e.g. multiplied by the world size, or overridden by another "
                "config's LR)",
                trace,
            )
    return None


def _with_values(schedule: Schedule, values: dict[str, float]) -> Schedule | None:
    try:
        built = schedule.definition.build({**schedule.values, **values})
    except LrplotError:
        return None
    return dataclasses.replace(built, warmup=schedule.warmup, label_given=schedule.label_given)


def _tidy(value: float) -> float:
    """``value`` to 12 significant digits: 0.1 * 0.9 is 0.09, not 0.09000000000000001."""
    return float(f"{value:.12g}")


def _nice(ratio: float) -> float | None:
    """The simple factor a ratio is: an integer, 1/n, a simple fraction or sqrt(n)."""
    if not math.isfinite(ratio) or ratio <= 0:
        return None
    for candidate in (round(ratio), 1 / round(1 / ratio) if ratio < 1 else None):
        if candidate and math.isclose(ratio, candidate, rel_tol=1e-4):
            return float(candidate)
    frac = Fraction(ratio).limit_denominator(64)
    if math.isclose(ratio, float(frac), rel_tol=1e-6):
        return float(frac)
    square = round(ratio * ratio)
    if square and math.isclose(ratio, math.sqrt(square), rel_tol=1e-6):
        return math.sqrt(square)
    return ratio


def _times(factor: float) -> str:
    if factor >= 1 and factor == int(factor):
        return f"{int(factor)} times"
    if factor < 1 and (1 / factor) == round(1 / factor):
        return f"1/{round(1 / factor)} of"
    return f"{factor:.6g} times"


def parameter(s: Search) -> Cause | None:
    """An integer parameter (a length, a warmup) with another value: k x or 1/k of the
    configured one first (devices, accumulation, epochs vs steps), then the run's own
    lengths."""
    for name, value, new, why, changed in _changed_schedules(s):
        trace = s.simulate(changed)
        if trace is not None and s.reproduces(trace):
            return Cause(f"{name} was {new:,}, not {value:,}{why}", trace)
    return None


def _changed_schedules(s: Search) -> Iterator[tuple[str, int, int, str, Schedule]]:
    """The configured schedule with each integer parameter (or length) changed, simplest
    changes first: (name, value, new value, why it is a likely one, the schedule)."""
    settings = s.settings
    schedule = s.trace.schedule.resolved(settings.scheduler_steps)  # run-length defaults
    lengths = {settings.units, settings.scheduler_steps, settings.total_steps, settings.epochs}
    for name, value, rebuild in _int_params(schedule):
        for new, why in _values(value, lengths):
            try:
                changed = rebuild(new)
            except LrplotError:
                continue
            yield name, value, new, why, changed


def _int_params(schedule: Schedule) -> Iterator[tuple[str, int, Callable[[int], Schedule]]]:
    """(name, value, value -> schedule with it) of each integer parameter, and of
    lrplot's warmup."""
    d = schedule.definition
    if d.lengths is not None:  # lengths that move several parameters together
        for name, value, moved in d.lengths(schedule.values):

            def rebuild_all(new: int, moved: Any = moved) -> Schedule:
                built = d.build(moved(new))
                return dataclasses.replace(
                    built, warmup=schedule.warmup, label_given=schedule.label_given
                )

            yield name, value, rebuild_all
        return
    for p in d.params:
        value = schedule.values.get(p.name)
        if p.kind != INT or not isinstance(value, int) or isinstance(value, bool) or value < 1:
            continue

        def rebuild(new: int, name: str = p.name) -> Schedule:
            built = d.build({**schedule.values, name: new})
            return dataclasses.replace(
                built, warmup=schedule.warmup, label_given=schedule.label_given
            )

        yield p.name, value, rebuild
    if schedule.warmup is not None and schedule.warmup.steps >= 1:
        warmup = schedule.warmup

        def rewarm(new: int) -> Schedule:
            return dataclasses.replace(schedule, warmup=dataclasses.replace(warmup, steps=new))

        yield "warmup", warmup.steps, rewarm


def _values(value: int, lengths: set[int]) -> Iterator[tuple[int, str]]:
    """Values to try for an integer parameter, simplest first."""
    seen = {value}
    ratios = sorted(
        {Fraction(a, b) for a in range(1, MAX_K + 1) for b in range(1, MAX_K + 1)} - {1},
        key=lambda f: (f.numerator + f.denominator, f),
    )
    for f in ratios:
        new = value * f
        if new.denominator != 1 or new in seen or new < 1:
            continue
        seen.add(int(new))
        k = f.numerator if f.denominator == 1 else f.denominator
        what = f"{f.numerator} x" if f.denominator == 1 else f"1/{f.denominator} of"
        if f.denominator != 1 and f.numerator != 1:
            what = f"{f} x"
        simple = f.numerator == 1 or f.denominator == 1
        hint = ": the devices / accumulation mistake" if simple and k > 1 else ""
        yield int(new), f" ({what} the configured value{hint})"
    for length in sorted(lengths):
        if length not in seen and length >= 1:
            seen.add(length)
            yield length, " (the run's length)"


RESUMES = {
    "restart": "with a new optimizer and scheduler (only the model's weights loaded): the "
    "schedule started over",
    "unloaded": "with the optimizer's state loaded but not the scheduler's (a new scheduler "
    "built first, scheduler.load_state_dict forgotten): it started its steps over",
    "fresh": "with a newly built scheduler whose state_dict was not loaded (the optimizer's was)",
    "jump": "and its restored scheduler was stepped again for every step already done: the "
    "schedule skipped ahead",
    "last-epoch": "with a scheduler rebuilt with last_epoch={last} instead of its state_dict "
    "(PyTorch's constructor steps it once more, on the restored LR)",
}
CHANGED = {
    "restored": "its state_dict loaded",
    "fresh": "a new scheduler",
    "last-epoch": "a scheduler rebuilt with last_epoch={last}",
}
MAX_AT = 64  # resume steps tried between two logged steps
QUICK_LOOK = 20_000  # runs longer than this get a quick look before each changed resume


def _resume_steps(s: Search) -> list[int]:
    """The steps the run may have resumed at: after the last logged step that agrees, up
    to the first that differs (on an epoch boundary when it steps per epoch)."""
    i = s.verdict.first
    if i is None:
        return []
    rows = s.verdict.rows
    # one step earlier too: a restored scheduler's first step still uses the saved LR
    lo = int(rows[i - 1]) if i > 0 else 1
    hi = int(rows[i])
    settings = s.settings
    steps = [
        at
        for at in range(max(lo, 1), min(hi, settings.total_steps - 1) + 1)
        if settings.interval == "step" or at % settings.steps_per_epoch == 0
    ]
    if len(steps) > MAX_AT:  # the latest first: a resume is usually just before a log
        steps = steps[-MAX_AT:]
    return steps[::-1]


def resumed(s: Search) -> Cause | None:
    """A resume at step R: the schedule restarted, jumped, or was rebuilt."""
    from .resume import resume, steps_done

    if s.trace.resumed is not None:
        return None
    steps = _resume_steps(s)
    for mode, how in RESUMES.items():
        for at in steps:
            try:
                trace = resume(s.trace, at, mode)
            except LrplotError:
                break  # this schedule does not resume this way
            if s.reproduces(trace):
                how = how.format(last=steps_done(s.settings, at) - 1)
                return Cause(f"the run was resumed at step {at:,} {how}", trace)
    return _changed(s, steps) or _changed_before(s)


def _changed(s: Search, steps: list[int]) -> Cause | None:
    """A resume at step R with a parameter changed: the new value applies from R."""
    from .resume import resume, steps_done

    if not steps:
        return None
    settings = s.settings
    after_rows = s.verdict.rows[s.verdict.first :]
    for name, value, new, _, after in _changed_schedules(s):
        for mode in ("restored", "last-epoch", "fresh"):
            for at in steps[:4]:
                if not _may_be(s, after, at, mode, after_rows):
                    continue
                try:
                    trace = resume(s.trace, at, mode, after)
                except LrplotError:
                    break
                if s.reproduces(trace):
                    how = CHANGED[mode].format(last=steps_done(settings, at) - 1)
                    return Cause(
                        f"the run was resumed at step {at:,} ({how}) with {name} "
                        f"{new:,} instead of {value:,}",
                        trace,
                    )
    return None


def _changed_before(s: Search) -> Cause | None:
    """A resume at step R with a parameter changed, the config being the resumed run's
    (trained longer: more epochs, a larger num_training_steps): the log differs up to
    R, where it followed the first run's value, and agrees from there on."""
    from .resume import resume, steps_done

    bad = np.flatnonzero(~s.verdict.close)
    rows = s.verdict.rows
    if not bad.size or bad[-1] + 1 >= len(rows):
        return None  # the log ends differing: not this
    last = int(bad[-1])
    head = rows[: last + 1]
    lo, hi = int(rows[last]), int(rows[last + 1])
    settings = s.settings
    steps = [
        at
        for at in range(max(lo, 1), min(hi, settings.total_steps - 1) + 1)
        if settings.interval == "step" or at % settings.steps_per_epoch == 0
    ][:MAX_AT]
    if not steps:
        return None
    schedule = s.trace.schedule.resolved(settings.scheduler_steps)
    for name, value, new, _, started in _changed_schedules(s):
        before = s.simulate(started)
        if before is None or not _follows(s, before, head):
            continue  # the first run's part of the log is not this value's
        for mode in ("restored", "last-epoch", "fresh"):
            for at in steps:
                try:
                    trace = resume(before, at, mode, schedule)
                except LrplotError:
                    break
                if s.reproduces(trace):
                    how = CHANGED[mode].format(last=steps_done(settings, at) - 1)
                    return Cause(
                        f"the run was resumed at step {at:,} ({how}) with {name} "
                        f"{value:,}, as configured, instead of the {new:,} it was "
                        "started with (the config is the resumed run's)",
                        trace,
                    )
    return None


def _follows(s: Search, trace: engine.Trace, rows: np.ndarray) -> bool:
    """Whether the log's first ``len(rows)`` values are ``trace``'s."""
    expected = expected_at(trace, rows)
    if np.isnan(expected).any():
        return False
    peak = max(peak_of(trace), peak_of(s.trace))
    return bool(agree(s.log.lr[: len(rows)], expected, s.verdict.rtol, peak).all())


def _may_be(s: Search, after: Schedule, at: int, mode: str, rows: np.ndarray) -> bool:
    """A quick look before a full resume, for long runs: do the last logged values
    follow ``after`` (continued at the same step, or started over at ``at``)? It
    misses the recursive forms rebuilt mid-run (a CosineAnnealingLR with last_epoch),
    which short runs try in full."""
    if len(s.trace) <= QUICK_LOOK:
        return True
    probe = s.simulate(after)
    if probe is None:
        return False
    tail = rows[-3:]
    shift = at if mode == "fresh" else 0
    if (tail - shift < 0).any():
        return False
    logged = s.log.lr[-len(tail) :]
    expected = expected_at(probe, tail - shift)
    peak = max(peak_of(probe), peak_of(s.trace))
    return bool(agree(logged, expected, s.verdict.rtol * 10, peak).all())


FAMILIES: tuple[Family, ...] = (
    interval,
    several_calls,
    every_k,
    offset,
    scaled,
    parameter,
    resumed,
)


def verify(trace: engine.Trace, log: Log, rtol: float = RTOL, offset: int = 0) -> Verdict:
    """Compare ``log`` with ``trace`` (lrplot.against.compare) and, when they differ,
    find the likely cause."""
    verdict = compare(trace, log, rtol, offset)
    if verdict.matches:
        return verdict
    return dataclasses.replace(verdict, cause=diagnose(verdict), diagnosed=True)


def diagnose(verdict: Verdict) -> Cause | None:
    """The first family's cause that reproduces the log (None: no known mistake)."""
    search = Search(verdict)
    for family in FAMILIES:
        cause = family(search)
        if cause is not None:
            return _or_length(search, family, cause)
    return None


def _or_length(s: Search, family: Family, cause: Cause) -> Cause:
    """Stepping k times per step (or once every k) gives the same LRs as lengths k
    times shorter (or longer) for many schedules (a CosineAnnealingLR's t_max): when a
    length reproduces the log too, the cause says both."""
    if family not in (several_calls, every_k):
        return cause
    other = parameter(s)
    if other is None:
        return cause
    return dataclasses.replace(cause, text=f"{cause.text}; or, with the same LRs, {other.text}")
