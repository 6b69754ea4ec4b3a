"""The seed's five: StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR, ReduceLROnPlateau.

Exactness: each function reproduces PyTorch's own arithmetic. Where PyTorch
multiplies the current LR step after step (StepLR, MultiStepLR, ExponentialLR)
the chain is replayed with ``np.cumprod``, which performs the same sequence of
double multiplications and so gives the same bits. CosineAnnealingLR is a
recurrence too: with eta_min = 0 it is a product chain (``np.cumprod`` again, per
stretch between restarts); with eta_min > 0 it is affine, ``factor * (lr - eta_min) +
eta_min``, and is replayed step by step at any length (its closed form drifts from
PyTorch's rounding by up to 1e-10 relative near eta_min, even before T_max).
tests/test_parity.py checks every schedule against traces recorded from PyTorch.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from .. import plateau
from ..params import FLOAT, INT, INT_LIST, REQUIRED, LrplotError, Param, ParamError
from .base import REGISTRY, ScheduleDef, TorchScheduler, chain, schedule
from .declare import EITHER, EPOCH, METRIC, Emit, Explain, HfForm
from .rules import Finding, Part, format_value, num, run_length

LISTING = 10  # where its schedules come in `lrplot list` (lrplot.schedules)


def _gamma(default: float | None = 0.1, help: str = "multiplicative factor of decay") -> Param:
    return Param(
        "gamma", FLOAT, help, REQUIRED if default is None else default, low=0, low_open=True
    )


# --- PyTorch's classes, step by step (for sequential/chained; see base.TorchScheduler)


class StepLR(TorchScheduler):
    def get_lr(self) -> float:
        step_size, gamma = self.values["step_size"], self.values["gamma"]
        if (self.last_epoch == 0) or (self.last_epoch % step_size != 0):
            return self.group["lr"]
        return self.group["lr"] * gamma

    def closed_form(self) -> float:
        step_size, gamma = self.values["step_size"], self.values["gamma"]
        return self.base_lr * gamma ** (self.last_epoch // step_size)

    def factors(self, lo: int, hi: int) -> np.ndarray:
        t = np.arange(lo, hi)
        step_size = self.values["step_size"]
        return np.where((t != 0) & (t % step_size == 0), self.values["gamma"], 1.0)


class MultiStepLR(TorchScheduler):
    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        self.milestones = Counter(values["milestones"])
        super().__init__(group, values, last_epoch)

    def get_lr(self) -> float:
        if self.last_epoch not in self.milestones:
            return self.group["lr"]
        return self.group["lr"] * self.values["gamma"] ** self.milestones[self.last_epoch]

    def closed_form(self) -> float:
        milestones = sorted(self.milestones.elements())
        return self.base_lr * self.values["gamma"] ** bisect_right(milestones, self.last_epoch)

    def factors(self, lo: int, hi: int) -> np.ndarray:
        f = np.ones(hi - lo)
        for m, c in self.milestones.items():
            if lo <= m < hi:
                f[m - lo] = self.values["gamma"] ** c
        return f


class ExponentialLR(TorchScheduler):
    def get_lr(self) -> float:
        if self._is_initial:
            return self.group["lr"]
        return self.group["lr"] * self.values["gamma"]

    def closed_form(self) -> float:
        return self.base_lr * self.values["gamma"] ** self.last_epoch

    def factors(self, lo: int, hi: int) -> np.ndarray:
        return np.full(hi - lo, self.values["gamma"])


class CosineAnnealingLR(TorchScheduler):
    def get_lr(self) -> float:
        t_max, eta_min, lr = self.values["t_max"], self.values["eta_min"], self.group["lr"]
        if self._is_initial:
            return lr
        if self._step_count == 1 and self.last_epoch > 0:
            return (
                eta_min
                + (self.base_lr - eta_min) * (1 + math.cos((self.last_epoch) * math.pi / t_max)) / 2
            )
        if (self.last_epoch - 1 - t_max) % (2 * t_max) == 0:
            return lr + (self.base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
        return (1 + math.cos(math.pi * self.last_epoch / t_max)) / (
            1 + math.cos(math.pi * (self.last_epoch - 1) / t_max)
        ) * (lr - eta_min) + eta_min

    def closed_form(self) -> float:
        t_max, eta_min = self.values["t_max"], self.values["eta_min"]
        return (
            eta_min
            + (self.base_lr - eta_min) * (1 + math.cos(math.pi * self.last_epoch / t_max)) / 2
        )

    def _ratios(self, lo: int, hi: int) -> np.ndarray:
        """PyTorch's factor of steps lo .. hi-1; NaN at restart steps (lr + rise)."""
        t_max = self.values["t_max"]
        ratios = _cosine_factors(0, hi - lo, t_max, out=np.empty(hi - lo), first=lo)
        t = np.arange(lo, hi)
        ratios[(t - 1 - t_max) % (2 * t_max) == 0] = np.nan
        return ratios

    def factors(self, lo: int, hi: int) -> np.ndarray | None:
        if self.values["eta_min"] != 0.0 or self._step_count < 1:
            return None  # an affine recurrence, not a product (see advance)
        return self._ratios(lo, hi)  # factor * (lr - 0.0) + 0.0 is factor * lr

    def advance(self, count: int) -> np.ndarray:
        eta_min = self.values["eta_min"]
        if eta_min == 0.0 or self._step_count < 1:
            return super().advance(count)
        # PyTorch's recurrence, replayed in a tight loop (the same operations)
        lo = self.last_epoch + 1
        rise = (self.base_lr - eta_min) * (1 - math.cos(math.pi / self.values["t_max"])) / 2
        value = self.group["lr"]
        values = []
        for r in self._ratios(lo, lo + count).tolist():
            value = value + rise if r != r else r * (value - eta_min) + eta_min
            values.append(value)
        self.last_epoch += count
        self._step_count += count
        self.group["lr"] = value
        return np.array(values, dtype=float)


# --- check rules (lrplot check): each looks at one part of the run (schedules.rules)


def cosine_length(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CosineAnnealingLR shorter than the run rises again; longer never reaches eta_min."""
    t_max, eta_min, n = part.values["t_max"], part.values["eta_min"], part.length
    if t_max < n - 1:
        message = (
            f"{part.subject} rises again after step {part.start + t_max} of {part.total}: "
            f"set {part.option('t_max', n)} (or use cosine-restarts)"
        )
    elif t_max > n:
        message = (
            f"{part.subject} never reaches eta_min ({format_value(eta_min)}): t_max {t_max} "
            f"is longer than {part.span} and the LR ends at {num(part.lr(trace)[-1])}: "
            f"set {part.option('t_max', n)}"
        )
    else:
        return []
    return [Finding("cosine-length", message, "t_max")]


def plateau_room(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """ReduceLROnPlateau whose patience (or cooldown + patience) leaves no room in the
    run for a (second) reduction."""
    patience, cooldown, n = part.values["patience"], part.values["cooldown"], part.length
    last = part.total - 1
    first = patience + 2  # the earliest reduction: after patience + 1 bad steps
    if first > n - 1:
        fix = (
            f"set {part.option('patience', n - 3)} or less"
            if n >= 3
            else f"the run needs at least {patience + 3} steps for one"
        )
        return [
            Finding(
                "plateau-patience",
                f"{part.subject} can never reduce the LR: with patience {patience} the "
                f"first reduction comes at step {part.start + first} at the earliest, "
                f"after the run's last step ({last}): {fix}",
                "patience",
            )
        ]
    second = first + cooldown + patience + 1
    if cooldown > 0 and first + patience + 1 <= n - 1 < second:
        room = n - 1 - first - patience - 1
        return [
            Finding(
                "plateau-patience",
                f"{part.subject} has no room for a second reduction: after the earliest "
                f"first one (step {part.start + first}), cooldown {cooldown} + patience "
                f"{patience} put the next at step {part.start + second} or later, after "
                f"the run's last step ({last}): set {part.option('cooldown', room)} or less",
                "cooldown",
            )
        ]
    return []


def milestones_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """MultiStepLR milestones at or past the end of the run."""
    late = sorted({m for m in part.values["milestones"] if m >= part.length})
    if not late:
        return []
    ms = ",".join(str(m) for m in late)
    longer = run_length(settings, part.start + late[-1] + 1)
    never = "it never applies" if len(late) == 1 else "they never apply"
    drop = f"drop {'it' if len(late) == 1 else 'them'}"
    word = "milestone" if len(late) == 1 else "milestones"
    verb = "is" if len(late) == 1 else "are"
    return [
        Finding(
            "milestones",
            f"{part.subject} {word} {ms} {verb} past the run's last step ({part.total - 1}), "
            f"so {never}: {drop}, or lengthen the run ({longer})",
            "milestones",
        )
    ]


def step_size_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """StepLR whose step_size is the run or longer: it never decays."""
    n, size = part.length, part.values["step_size"]
    if size < n:
        return []
    return [
        Finding(
            "step-size",
            f"{part.subject} never decays: step_size {size} is not shorter than "
            f"{part.span}: set {part.option('step_size', max(1, n // 3))} (three decays) "
            f"or anything below {n}",
            "step_size",
        )
    ]


def gamma_grows(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """StepLR/MultiStepLR with gamma above 1: a 'decay' that multiplies the LR up."""
    gamma = part.values["gamma"]
    if gamma <= 1.0:
        return []
    lr = part.lr(trace)
    return [
        Finding(
            "gamma",
            f"{part.subject} grows the LR: gamma {format_value(gamma)} is above 1, so each "
            f"decay multiplies it by {format_value(gamma)} (from {num(lr[0])} to "
            f"{num(lr[-1])}): set {part.option('gamma', float(f'{1 / gamma:.3g}'))} (1 / "
            "gamma) to decay",
            "gamma",
        )
    ]


def cosine_eta_min(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CosineAnnealingLR with eta_min above the LR it starts from: it rises, not anneals."""
    eta_min, start = part.values["eta_min"], float(part.lr(trace)[0])
    if not eta_min > start:
        return []
    return [
        Finding(
            "eta-min",
            f"{part.subject} rises instead of annealing: eta_min {format_value(eta_min)} is "
            f"above the LR it starts from ({num(start)}), so it climbs to "
            f"{format_value(eta_min)}: set {part.option('eta_min', 0.0)} (or any value below "
            f"{num(start)}), or raise --lr",
            "eta_min",
        )
    ]


# --- --emit hf: the transformers schedule that gives the same LRs (emit checks it)


def _cosine_as_hf(p: Mapping[str, Any], w: int, count: int) -> HfForm:
    given = {"num_warmup_steps": w, "num_training_steps": w + p["t_max"]}
    if p["eta_min"] == 0.0:
        return HfForm("cosine", given)
    return HfForm("cosine_with_min_lr", {**given, "min_lr": p["eta_min"]})


# --- stepped every few steps (Lightning's frequency), as one stepped every step


def _step_every(p: Mapping[str, Any], frequency: int) -> dict[str, Any]:
    return {**p, "step_size": p["step_size"] * frequency}


def _multistep_every(p: Mapping[str, Any], frequency: int) -> dict[str, Any]:
    return {**p, "milestones": [m * frequency for m in p["milestones"]]}


def _exponential_every(p: Mapping[str, Any], frequency: int) -> tuple[ScheduleDef, dict[str, Any]]:
    """ExponentialLR every ``frequency`` steps is a StepLR of that step_size."""
    return REGISTRY["step"], {"step_size": frequency, "gamma": p["gamma"]}


# --- the seed's five ---------------------------------------------------------


@schedule(
    "step",
    "StepLR",
    "decay the LR by gamma every step_size steps",
    "lr = lr0 * gamma ** (n // step_size)",
    (
        Param("step_size", INT, "period of LR decay, in scheduler steps", low=1, length=True),
        _gamma(),
    ),
    example="--step-size 30 --gamma 0.1 --epochs 100",
    emulator=StepLR,
    explain=Explain(
        EPOCH,
        (
            "step_size counts scheduler steps: stepped per batch, step_size=30 decays every "
            "30 batches, not every 30 epochs.",
            "A step_size as long as the run never decays at all.",
            "gamma multiplies the LR at every decay: three decays with gamma=0.1 end at lr / 1000.",
        ),
    ),
    lint=(step_size_in_run, gamma_grows),
    known_as={"lightning": "torch.optim.lr_scheduler.StepLR", "mmengine": "StepLR"},
    every=_step_every,
)
def _step(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    n = np.arange(count)
    levels = chain(base_lr, np.full((count - 1) // p["step_size"], p["gamma"]))
    return levels[n // p["step_size"]]


@schedule(
    "multistep",
    "MultiStepLR",
    "decay the LR by gamma at each milestone (repeated milestones multiply)",
    "lr = lr0 * gamma ** (number of milestones <= n)",
    (
        Param(
            "milestones",
            INT_LIST,
            "scheduler steps at which to decay, e.g. 30,80 (a repeated one decays twice)",
            length=True,
        ),
        _gamma(),
    ),
    example="--milestones 30,80 --gamma 0.1 --epochs 100",
    emulator=MultiStepLR,
    explain=Explain(
        EPOCH,
        (
            "Milestones past the last scheduler step never apply; milestones in epochs with a "
            "scheduler stepped per batch all fire in the first epochs.",
            "A repeated milestone (30,30) decays twice; a milestone 0 decays before the first "
            "step.",
            "gamma applies per milestone: two milestones with gamma=0.1 end at lr / 100.",
        ),
    ),
    lint=(milestones_in_run, gamma_grows),
    run_length=("milestones",),
    known_as={
        "lightning": "torch.optim.lr_scheduler.MultiStepLR",
        "mmengine": "MultiStepLR",
    },
    every=_multistep_every,
)
def _multistep(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    counts = sorted(Counter(p["milestones"]).items())
    at = np.array([m for m, _ in counts], dtype=np.int64)
    # PyTorch: lr * gamma ** milestones[n]; ** is Python's (libm) pow, once per milestone
    factors = np.array([p["gamma"] ** c for _, c in counts], dtype=float)
    levels = chain(base_lr, factors)
    return levels[np.searchsorted(at, np.arange(count), side="right")]


@schedule(
    "exponential",
    "ExponentialLR",
    "multiply the LR by gamma every step",
    "lr = lr0 * gamma ** n",
    (_gamma(None, "multiplicative factor of decay, applied every scheduler step"),),
    example="--gamma 0.95 --epochs 100",
    emulator=ExponentialLR,
    explain=Explain(
        EITHER,
        (
            "gamma applies at every scheduler step: stepped per batch, gamma=0.95 halves the "
            "LR every 14 batches; use gamma ** (1 / steps_per_epoch) for the same decay per "
            "epoch.",
            "There is no floor: the LR keeps shrinking towards 0; check the final value.",
        ),
    ),
    known_as={"lightning": "torch.optim.lr_scheduler.ExponentialLR", "mmengine": "ExponentialLR"},
    every=_exponential_every,
)
def _exponential(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return chain(base_lr, np.full(count - 1, p["gamma"]))


@schedule(
    "cosine",
    "CosineAnnealingLR",
    "cosine from lr0 down to eta_min over t_max steps, then back up (PyTorch keeps going)",
    "lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * n / t_max)) / 2",
    (
        Param(
            "t_max",
            INT,
            "half-period: steps from lr0 down to eta_min",
            low=1,
            torch="T_max",
            length=True,
        ),
        Param("eta_min", FLOAT, "minimum learning rate", 0.0, low=0),
    ),
    aliases=("cos",),
    example="--t-max 50 --epochs 100",
    emulator=CosineAnnealingLR,
    explain=Explain(
        EITHER,
        (
            "t_max shorter than the run: PyTorch's cosine does not stop at eta_min, it rises "
            "back to lr at 2 x t_max (and keeps oscillating); set t_max to the run's "
            "scheduler steps, or use cosine-restarts.",
            "t_max in epochs with a scheduler stepped per batch (or the reverse): the cosine "
            "ends far too early (or is barely started at the end).",
            "After a warmup (SequentialLR or --warmup), t_max counts from the end of the "
            "warmup: a 100-step run with a 5-step warmup needs t_max=95.",
            "eta_min is an LR, not a fraction of lr.",
        ),
    ),
    lint=(cosine_length, cosine_eta_min),
    run_length=("t_max",),
    emit=Emit(hf=_cosine_as_hf),
    known_as={
        "lightning": "torch.optim.lr_scheduler.CosineAnnealingLR",
        "mmengine": "CosineAnnealingLR",
    },
)
def _cosine(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    eta_min, t_max = p["eta_min"], p["t_max"]
    base_lr = float(base_lr)
    # replay the recurrence: lr = [base_lr, factor of step 1, factor of step 2, ...]
    lr = _cosine_factors(1, count, t_max, out=np.empty(count))
    lr[0] = base_lr
    if eta_min == 0.0:
        return _cosine_products(lr, t_max)
    return _cosine_replay(lr, float(eta_min), t_max)


def _cosine_factors(lo: int, hi: int, t_max: int, out: np.ndarray, first: int = 0) -> np.ndarray:
    """PyTorch's factor of steps t = lo .. hi-1, c(t) / c(t-1) with c(t) = 1 + cos(pi * t /
    T_max), the same operations (np.cos gives math.cos's bits), written to out[lo:hi].
    c is 0 at a minimum: the step after it is a restart step, whose factor is unused.
    ``first`` shifts the steps: out[i] is then the factor of step first + i."""
    c = np.arange(first + lo - 1, first + hi, dtype=float)
    c *= math.pi
    c /= t_max
    np.cos(c, out=c)
    c += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        np.divide(c[1:], c[:-1], out=out[lo:hi])
    return out


def _restart_rise(base_lr: float, eta_min: float, t_max: int) -> float:
    """PyTorch's restart step, at t = T_max + 1 + 2k T_max: lr += this."""
    return (base_lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2


def _cosine_products(lr: np.ndarray, t_max: int) -> np.ndarray:
    """eta_min = 0: PyTorch's ``factor * (lr - 0.0) + 0.0`` is the product ``factor * lr``,
    so each stretch between restarts is a ``np.cumprod`` (in place): the same bits.

    ``lr`` holds [base_lr, factor of step 1, ...] and becomes the LRs.
    """
    count = len(lr)
    first = min(count, t_max + 1)  # steps 0 .. T_max: the first descent
    np.cumprod(lr[:first], out=lr[:first])
    if count == first:
        return lr
    # then stretches of 2 T_max steps, each from a restart step lr_min + rise
    rise = _restart_rise(float(lr[0]), 0.0, t_max)
    period = 2 * t_max
    starts = np.arange(first, count, period)
    full = (count - first) // period
    # A minimum's LR is 0.0 (c is 0 there), so a stretch starts at exactly `rise`:
    # all stretches at once, then checked below.
    lr[starts] = rise
    body = lr[first : first + full * period].reshape(full, period)
    np.cumprod(body, axis=1, out=body)
    tail = lr[first + full * period :]
    np.cumprod(tail, out=tail)
    wrong = np.flatnonzero(lr[starts - 1] + rise != lr[starts])
    if wrong.size:  # a minimum above 0.0 (never seen): redo those stretches in order
        for lo in starts[wrong[0] :].tolist():
            start = lr[lo - 1] + rise
            if start != lr[lo]:
                hi = min(lo + period, count)
                _cosine_factors(lo + 1, hi, t_max, out=lr)
                lr[lo] = start
                np.cumprod(lr[lo:hi], out=lr[lo:hi])
    return lr


_REPLAY_CHUNK = 1 << 16


def _cosine_replay(lr: np.ndarray, eta_min: float, t_max: int) -> np.ndarray:
    """eta_min != 0: PyTorch's recurrence, one scheduler step at a time (2M steps in
    about 0.15 s).

    Near eta_min, ``lr - eta_min`` keeps few significant bits, so PyTorch's LR drifts
    from the closed form before T_max already (2.6e-12 relative at step 1.87M of a
    2M-step run with eta_min = 1e-6; 6.4e-11 from step 7 with eta_min above lr), and
    the rise after each minimum amplifies it past T_max (4e-8 for T_max = 1e5); only
    the same operations in the same order give its values: ``factor * (lr - eta_min)
    + eta_min``, and ``lr + rise`` at each restart step.

    ``lr`` holds [base_lr, factor of step 1, ...] and becomes the LRs.
    """
    count = len(lr)
    value = float(lr[0])
    rise = _restart_rise(value, eta_min, t_max)
    restart = t_max + 1  # the next restart step
    for lo in range(1, count, _REPLAY_CHUNK):
        hi = min(lo + _REPLAY_CHUNK, count)
        factors = lr[lo:hi].tolist()  # factors[i] belongs to step lo + i
        values: list[float] = []
        t = lo
        while t < hi:
            end = min(hi, restart)
            for f in factors[t - lo : end - lo]:
                value = f * (value - eta_min) + eta_min
                values.append(value)
            t = end
            if t == restart and t < hi:
                value = value + rise
                values.append(value)
                restart += 2 * t_max
                t += 1
        lr[lo:hi] = values
    return lr


def _plateau_resume(mode: str, before: Any, after: Any, trace: Trace, done: int) -> np.ndarray:
    """ReduceLROnPlateau resumed: its state_dict holds every parameter (restored
    continues as saved); a fresh one (or one built before the optimizer's state was
    loaded: it sets no LR) starts from the restored LR with its counters and best reset;
    it takes no last_epoch."""
    lr, metric = trace.sched_lr, trace.sched_metric
    if mode == "restored":
        return lr.copy()
    if mode not in ("fresh", "unloaded") or metric is None:  # unloaded: the same here
        raise ParamError(
            "resume_mode",
            "resume_mode last-epoch: ReduceLROnPlateau takes no last_epoch; use restored or fresh",
        )
    out = lr.copy()
    out[done:] = plateau.simulate(metric[done:], float(lr[done]), **after.values)
    return out


@schedule(
    "plateau",
    "ReduceLROnPlateau",
    "multiply the LR by factor when the metric stops improving for patience steps",
    "lr = max(lr * factor, min_lr) after more than patience bad steps",
    plateau.PARAMS,
    needs_metric=True,
    aliases=("reduce-on-plateau",),
    example="--patience 5 --epochs 100 --seed 1",
    explain=Explain(
        METRIC,
        (
            "step() needs the metric: pass the validation metric, not the last batch's "
            "training loss.",
            "mode must match the metric: min for a loss, max for an accuracy; the wrong mode "
            "takes every improvement for a bad epoch and keeps cutting the LR.",
            "The LR drops after patience + 1 bad steps, not patience; after a drop, cooldown "
            "+ patience + 1 more steps pass before the next.",
            "Stepped per batch, patience and cooldown count batches.",
        ),
    ),
    lint=(plateau_room,),
    emit=Emit(hf_function="get_reduce_on_plateau_schedule"),
    resume=_plateau_resume,
    known_as={
        "lightning": "torch.optim.lr_scheduler.ReduceLROnPlateau",
        "hf": "reduce_lr_on_plateau",
    },
)
def _plateau(
    count: int, base_lr: float, p: Mapping[str, Any], metric: np.ndarray | None
) -> np.ndarray:
    if metric is None:
        raise LrplotError("plateau needs a metric stream")
    return plateau.simulate(metric[:count], base_lr, **p)
