"""The rest of PyTorch's catalog: LinearLR, ConstantLR, PolynomialLR,
CosineAnnealingWarmRestarts, CyclicLR, OneCycleLR, LambdaLR and MultiplicativeLR.

Exactness: each function reproduces torch.optim.lr_scheduler's own arithmetic,
in its order. Where PyTorch multiplies the current LR step after step (LinearLR,
ConstantLR, PolynomialLR, MultiplicativeLR) the chain is replayed with
:func:`~lrplot.schedules.base.chain` (``np.cumprod``: the same multiplications).
Where PyTorch computes each LR afresh (CosineAnnealingWarmRestarts, CyclicLR,
OneCycleLR, LambdaLR) the same expression is evaluated over all steps at once;
``np.cos`` gives ``math.cos``'s bits, and ``**`` is Python's own pow at every
length (numpy's ``power`` is 1 ulp off C's ``pow`` on about 5% of inputs).

Where PyTorch would raise during the run (OneCycleLR stepped past total_steps,
a phase of length zero, CyclicLR's triangular2/exp_range scale overflowing, a
lambda that divides by zero), lrplot says so instead of drawing a curve. The run's
last ``scheduler.step()`` (after the last row) counts: PyTorch evaluates it too.

Each class also has its step-by-step model (a :class:`TorchScheduler`, used when it
is a child of sequential/chained): a line-by-line transliteration of PyTorch's.
tests/test_parity.py checks every schedule against traces recorded from PyTorch
(tools/goldens_torch_more.py), momentum included.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from .. import expr as expressions
from ..params import BOOL, CHOICE, FLOAT, INT, REQUIRED, TEXT, LrplotError, Param, ParamError
from ._pyfloat import py_pow as _pow
from .base import TorchScheduler, chain, schedule
from .declare import BATCH, EITHER, Emit, Explain, HfForm
from .rules import Finding, Part, format_value, num, run_length

LISTING = 20  # where its schedules come in `lrplot list` (lrplot.schedules)

LONGEST = 10**15  # bound of step counts PyTorch turns into floats (runs are <= 1e8 steps)


def _quiet(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Overflow gives inf, as Python floats do in PyTorch's code: no numpy warning."""

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args)

    return wrapper


def _fraction(name: str, help: str, default: float, low_open: bool = False) -> Param:
    return Param(name, FLOAT, help, default, low=0, low_open=low_open, high=1)


def _total_iters(help: str) -> Param:
    return Param("total_iters", INT, help, 5, low=1, length=True)


def _momentum(name: str, help: str, default: float) -> Param:
    return Param(name, FLOAT, help, default, low=0, high=1)


CYCLE_MOMENTUM = Param(
    "cycle_momentum",
    BOOL,
    "also cycle the optimizer's momentum, inversely to the LR (SGD with momentum)",
    True,
)


# --- check rules (lrplot check): each looks at one part of the run (schedules.rules)


def onecycle_length(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """OneCycleLR's total_steps longer than the run: the anneal never finishes."""
    p = part.values
    total = p["total_steps"]
    if total is None or total <= part.length:
        return []
    final = p["max_lr"] / p["div_factor"] / p["final_div_factor"]
    return [
        Finding(
            "onecycle-length",
            f"{part.subject} never finishes its cycle: total_steps {total} is longer than "
            f"{part.span}, so the LR ends at {num(part.lr(trace)[-1])}, not at "
            f"{num(final)}: set {part.option('total_steps', part.length)} "
            "(or leave it out)",
            "total_steps",
        )
    ]


def _periods(t_0: int, t_mult: int, upto: int) -> list[int]:
    """CosineAnnealingWarmRestarts' period ends (restart steps), past ``upto``."""
    ends, length = [t_0], t_0
    while ends[-1] <= upto:
        length *= t_mult
        ends.append(ends[-1] + length)
    return ends


def restarts_length(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CosineAnnealingWarmRestarts: a first period longer than the run, or a run that
    ends in the middle of a period (high LR at the end)."""
    t_0, t_mult, n = part.values["t_0"], part.values["t_mult"], part.length
    eta_min = format_value(part.values["eta_min"])
    last = num(part.lr(trace)[-1])
    if t_0 > n:
        message = (
            f"{part.subject} never reaches eta_min ({eta_min}): t_0 {t_0} is longer than "
            f"{part.span} and the LR ends at {last}: set {part.option('t_0', n)} or less"
        )
    else:
        ends = _periods(t_0, t_mult, n)
        if n in ends or part.child is not None:
            return []
        before = max([e for e in ends if e < n], default=0)
        after = min(e for e in ends if e > n)
        message = (
            f"{part.subject} ends in the middle of a period, at LR {last} (the period "
            f"from step {part.start + before} restarts at step {part.start + after}): "
            f"end the run at a restart, {run_length(settings, part.start + before)} or "
            f"{run_length(settings, part.start + after)}"
        )
    return [Finding("restarts-length", message, "t_0")]


def polynomial_floor(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """PolynomialLR longer than the run never reaches 0; shorter leaves steps at LR 0."""
    p, n = part.values, part.length
    if p["power"] <= 0:
        return []
    t = p["total_iters"]
    last = num(part.lr(trace)[-1])
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
        return []
    return [Finding("floor", message, "total_iters")]


def linear_floor(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """LinearLR longer than the run never reaches end_factor."""
    p, n = part.values, part.length
    if p["total_iters"] <= n:
        return []
    return [
        Finding(
            "floor",
            f"{part.subject} never reaches end_factor ({format_value(p['end_factor'])}): "
            f"total_iters {p['total_iters']} is longer than {part.span} and the LR ends at "
            f"{num(part.lr(trace)[-1])}: set {part.option('total_iters', n)} or less",
            "total_iters",
        )
    ]


def cyclic_step_size(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CyclicLR whose step_size_up is the run or longer: it never reaches max_lr."""
    n, up = part.length, part.values["step_size_up"]
    if up < n:
        return []
    return [
        Finding(
            "step-size",
            f"{part.subject} never reaches max_lr ({format_value(part.values['max_lr'])}): "
            f"step_size_up {up} is not shorter than {part.span}: set "
            f"{part.option('step_size_up', max(1, n // 2))} or less",
            "step_size_up",
        )
    ]


def cyclic_inverted(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """CyclicLR with base_lr above max_lr: the cycle is upside down."""
    low, high = part.values["base_lr"], part.values["max_lr"]
    if not low > high:
        return []
    and_ = "" if part.child is None else " and"
    return [
        Finding(
            "inverted",
            f"{part.subject} is upside down: base_lr {format_value(low)} is above max_lr "
            f"{format_value(high)}, so the LR dips from {format_value(low)} to "
            f"{format_value(high)} (and the momentum cycles the wrong way): swap them, "
            f"{part.option('base_lr', high)}{and_} {part.option('max_lr', low)}",
            "base_lr",
        )
    ]


def _cyclic_zero(p: Mapping[str, Any], lr: float) -> tuple[str, str]:
    return "--base-lr is 0", f"set --base-lr {p['max_lr'] / 10:.3g} (max_lr / 10)"


def _expr_zero(p: Mapping[str, Any], lr: float) -> tuple[str, str]:
    return (
        "expr is 0 at epoch 0",
        "make expr positive at epoch 0, e.g. (epoch + 1) / 5 instead of epoch / 5",
    )


# --- --emit hf: the transformers schedules that give the same LRs (emit checks them)


def _linear_as_hf(p: Mapping[str, Any], w: int, count: int) -> HfForm | None:
    if p["start_factor"] != 1.0 or p["end_factor"] != 0.0:
        return None
    return HfForm("linear", {"num_warmup_steps": w, "num_training_steps": w + p["total_iters"]})


def _polynomial_as_hf(p: Mapping[str, Any], w: int, count: int) -> HfForm:
    given = {"num_warmup_steps": w, "num_training_steps": w + p["total_iters"]}
    return HfForm("polynomial", {**given, "lr_end": 0.0, "power": p["power"]})


def _restarts_as_hf(p: Mapping[str, Any], w: int, count: int) -> HfForm | None:
    if p["t_mult"] != 1 or p["eta_min"] != 0.0:
        return None
    cycles = max(1, math.ceil((count - w) / p["t_0"]))  # enough cycles for the run
    return HfForm(
        "cosine_with_restarts",
        {"num_warmup_steps": w, "num_training_steps": w + cycles * p["t_0"], "num_cycles": cycles},
    )


# --- how other frameworks' torch arguments read (Lightning's init_args)

_EPOCHS = Param("epochs", INT, "OneCycleLR's epochs (with steps_per_epoch)", low=1)
_PER_EPOCH = Param("steps_per_epoch", INT, "OneCycleLR's steps per epoch", low=1)


def _onecycle_from_torch(args: dict[str, Any]) -> dict[str, Any]:
    """OneCycleLR(epochs=E, steps_per_epoch=S) is total_steps = E * S."""
    if "epochs" not in args and "steps_per_epoch" not in args:
        return args
    args = dict(args)
    epochs, per_epoch = args.pop("epochs", None), args.pop("steps_per_epoch", None)
    if args.get("total_steps") is None:
        for p, value in ((_EPOCHS, epochs), (_PER_EPOCH, per_epoch)):
            if value is None:
                raise ParamError(p.name, "missing: this key is needed")
        args["total_steps"] = _EPOCHS.parse(epochs) * _PER_EPOCH.parse(per_epoch)
    return args


def _constant_every(p: Mapping[str, Any], frequency: int) -> dict[str, Any]:
    """ConstantLR stepped every ``frequency`` steps: total_iters times frequency."""
    return {**p, "total_iters": p["total_iters"] * frequency}


# --- LinearLR ------------------------------------------------------------------------


class LinearLR(TorchScheduler):
    def get_lr(self) -> float:
        start, end, total = (self.values[k] for k in ("start_factor", "end_factor", "total_iters"))
        if self.last_epoch == 0:
            return self.group["lr"] * start
        if self._is_initial or self.last_epoch > total:
            return self.group["lr"]
        return self.group["lr"] * (
            1.0 + (end - start) / (total * start + (self.last_epoch - 1) * (end - start))
        )

    def closed_form(self) -> float:
        start, end, total = (self.values[k] for k in ("start_factor", "end_factor", "total_iters"))
        return self.base_lr * (start + (end - start) * min(total, self.last_epoch) / total)

    def factors(self, lo: int, hi: int) -> np.ndarray:
        return _linear_factors(self.values, lo, hi)


def _linear_factors(p: Mapping[str, Any], lo: int, hi: int) -> np.ndarray:
    """LinearLR's factor at steps lo .. hi-1 (non-initial): PyTorch's expression."""
    start, end, total = p["start_factor"], p["end_factor"], p["total_iters"]
    f = np.ones(hi - lo)
    a, b = max(lo, 1), min(hi, total + 1)  # the ramp: steps 1 .. total_iters
    if b > a:
        e = np.arange(a - 1, b - 1, dtype=float)  # last_epoch - 1
        e *= end - start
        e += total * start
        np.divide(end - start, e, out=e)
        e += 1.0
        f[a - lo : b - lo] = e
    if lo == 0 and hi > 0:
        f[0] = start
    return f


_MOMENTUM = (
    "cycle_momentum (on by default) writes base_momentum..max_momentum into the optimizer's "
    "momentum (Adam: beta1), replacing your own; turn it off if you tuned momentum."
)


@schedule(
    "linear",
    "LinearLR",
    "scale the LR by a factor moving linearly from start_factor to end_factor over "
    "total_iters steps, then hold it",
    "lr = lr0 * (start_factor + (end_factor - start_factor) * min(n, total_iters) / total_iters)",
    (
        _fraction(
            "start_factor",
            "the factor at step 0 (the LR starts at lr * start_factor)",
            1.0 / 3,
            low_open=True,
        ),
        _fraction("end_factor", "the factor reached at step total_iters, and kept", 1.0),
        _total_iters("steps from start_factor to end_factor"),
    ),
    example="--start-factor 0.1 --total-iters 10 --epochs 30",
    emulator=LinearLR,
    explain=Explain(
        EITHER,
        (
            "start_factor and end_factor are factors of lr, not LRs; start_factor must be "
            "above 0 (a warmup from exactly 0 needs LambdaLR).",
            "After total_iters the factor stays at end_factor: to decay after a warmup, "
            "follow it with another schedule (sequential).",
        ),
    ),
    lint=(linear_floor,),
    run_length=("total_iters",),
    emit=Emit(hf=_linear_as_hf),
    known_as={"lightning": "torch.optim.lr_scheduler.LinearLR", "mmengine": "LinearLR"},
)
@_quiet
def _linear(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    stop = min(count - 1, p["total_iters"])  # steps 1 .. stop change the LR
    lr = np.empty(count)
    lr[: stop + 1] = chain(float(base_lr) * p["start_factor"], _linear_factors(p, 1, stop + 1))
    lr[stop + 1 :] = lr[stop]
    return lr


# --- ConstantLR ----------------------------------------------------------------------


class ConstantLR(TorchScheduler):
    def get_lr(self) -> float:
        factor, total = self.values["factor"], self.values["total_iters"]
        if self.last_epoch == 0:
            return self.group["lr"] * factor
        if self.last_epoch != total:
            return self.group["lr"]
        return self.group["lr"] * (1.0 / factor)

    def closed_form(self) -> float:
        factor, total = self.values["factor"], self.values["total_iters"]
        return self.base_lr * (factor + (self.last_epoch >= total) * (1 - factor))

    def factors(self, lo: int, hi: int) -> np.ndarray:
        t = np.arange(lo, hi)
        f = np.ones(hi - lo)
        f[t == self.values["total_iters"]] = 1.0 / self.values["factor"]
        f[t == 0] = self.values["factor"]
        return f


@schedule(
    "constant",
    "ConstantLR",
    "scale the LR by factor for the first total_iters steps, then restore it",
    "lr = lr0 * factor for n < total_iters, then lr0 * factor * (1 / factor)",
    (
        _fraction("factor", "the factor of the first total_iters steps", 1.0 / 3, low_open=True),
        _total_iters("steps at the reduced LR"),
    ),
    example="--factor 0.5 --total-iters 10 --epochs 30",
    emulator=ConstantLR,
    explain=Explain(
        EITHER,
        (
            "ConstantLR is not a constant schedule: it scales lr by factor for total_iters "
            "steps, then jumps back to lr.",
            "total_iters defaults to 5: only the first 5 scheduler steps are scaled.",
        ),
    ),
    run_length=("total_iters",),
    known_as={"lightning": "torch.optim.lr_scheduler.ConstantLR", "mmengine": "ConstantLR"},
    every=_constant_every,
)
@_quiet
def _constant(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    factor, total = p["factor"], p["total_iters"]
    low = float(base_lr) * factor
    lr = np.full(count, low)
    lr[total:] = low * (1.0 / factor)  # PyTorch multiplies back by 1 / factor
    return lr


# --- PolynomialLR --------------------------------------------------------------------


class PolynomialLR(TorchScheduler):
    def get_lr(self) -> float:
        total, power = self.values["total_iters"], self.values["power"]
        if self._is_initial or self.last_epoch > total:
            return self.group["lr"]
        decay_factor = (
            (1.0 - self.last_epoch / total) / (1.0 - (self.last_epoch - 1) / total)
        ) ** power
        return self.group["lr"] * decay_factor

    def closed_form(self) -> float:
        total, power = self.values["total_iters"], self.values["power"]
        return self.base_lr * (1.0 - min(total, self.last_epoch) / total) ** power

    def factors(self, lo: int, hi: int) -> np.ndarray:
        return _polynomial_factors(self.values, np.arange(lo, hi))


def _polynomial_factors(p: Mapping[str, Any], t: np.ndarray) -> np.ndarray:
    """PolynomialLR's factor at steps t (non-initial): 1.0 past total_iters."""
    total = p["total_iters"]
    f = np.ones(len(t))
    on = t <= total
    e = t[on].astype(float)
    f[on] = _pow((1.0 - e / total) / (1.0 - (e - 1) / total), p["power"])
    return f


@schedule(
    "polynomial",
    "PolynomialLR",
    "decay the LR polynomially to 0 over total_iters steps, then hold it",
    "lr = lr0 * (1 - min(n, total_iters) / total_iters) ** power",
    (
        _total_iters("steps until the LR reaches 0"),
        Param("power", FLOAT, "the power of the polynomial (1: linear)", 1.0, low=0),
    ),
    aliases=("poly",),
    example="--total-iters 80 --power 2 --epochs 100",
    emulator=PolynomialLR,
    explain=Explain(
        EITHER,
        (
            "total_iters defaults to 5: the LR reaches 0 after 5 scheduler steps and stays "
            "there; set it to the run's scheduler steps.",
            "It decays to 0, not to a floor (hf-polynomial has lr_end).",
        ),
    ),
    lint=(polynomial_floor,),
    run_length=("total_iters",),
    emit=Emit(hf=_polynomial_as_hf),
    known_as={
        "lightning": "torch.optim.lr_scheduler.PolynomialLR",
        "mmengine": "PolyLR",
    },
)
@_quiet
def _polynomial(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    stop = min(count - 1, p["total_iters"])
    lr = np.empty(count)
    lr[: stop + 1] = chain(float(base_lr), _polynomial_factors(p, np.arange(1, stop + 1)))
    lr[stop + 1 :] = lr[stop]
    return lr


# --- CosineAnnealingWarmRestarts -----------------------------------------------------


class CosineAnnealingWarmRestarts(TorchScheduler):
    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        self.T_0 = self.T_i = values["t_0"]
        self.T_mult = values["t_mult"]
        self.eta_min = values["eta_min"]
        self.T_cur = last_epoch
        super().__init__(group, values, last_epoch)

    def get_lr(self) -> float:
        return (
            self.eta_min
            + (self.base_lr - self.eta_min) * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2
        )

    def step(self) -> None:  # PyTorch's own step(), without its epoch argument
        epoch: int | None = None
        if self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:  # epoch 0 (< T_0)
            self.T_i = self.T_0
            self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        self.group["lr"] = self.get_lr()


@schedule(
    "cosine-restarts",
    "CosineAnnealingWarmRestarts",
    "cosine from lr0 down towards eta_min over t_0 steps, then restart at lr0; each "
    "period t_mult times longer than the last (SGDR)",
    "lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * t_cur / t_i)) / 2, t_i = t_0 * t_mult**k",
    (
        Param(
            "t_0",
            INT,
            "steps until the first restart",
            low=1,
            high=LONGEST,
            torch="T_0",
            length=True,
        ),
        Param(
            "t_mult",
            INT,
            "factor by which each period grows after a restart",
            1,
            low=1,
            torch="T_mult",
        ),
        Param("eta_min", FLOAT, "minimum learning rate", 0.0, low=0),
    ),
    aliases=("sgdr", "warm-restarts", "cosine-warm-restarts"),
    example="--t-0 10 --t-mult 2 --epochs 70",
    emulator=CosineAnnealingWarmRestarts,
    explain=Explain(
        EITHER,
        (
            "Every restart jumps back to lr: end the run at a restart (t_0, t_0 + t_0 * "
            "t_mult, ...), or it stops in the middle of a period at a high LR.",
            "t_mult is an integer >= 1: the periods grow by whole multiples.",
            "Stepped per batch, PyTorch's docs pass fractional epochs (scheduler.step(epoch + "
            "i / iters)); lrplot steps whole steps, so give t_0 in optimizer steps with "
            "--interval step.",
        ),
    ),
    lint=(restarts_length,),
    run_length=("t_0",),
    emit=Emit(hf=_restarts_as_hf),
    known_as={"lightning": "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts"},
)
@_quiet
def _restarts(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    t_0, t_mult, eta_min = p["t_0"], p["t_mult"], p["eta_min"]
    j = np.arange(count)
    if t_mult == 1:
        t_cur = (j % t_0).astype(float)
        t_i: Any = float(t_0)
    else:  # periods t_0 * t_mult**k start at t_0 * (t_mult**k - 1) / (t_mult - 1)
        starts, lengths = [0], [t_0]
        while starts[-1] + lengths[-1] < count:
            starts.append(starts[-1] + lengths[-1])
            lengths.append(lengths[-1] * t_mult)
        k = np.searchsorted(np.array(starts, dtype=np.int64), j, side="right") - 1
        t_cur = (j - np.array(starts, dtype=np.int64)[k]).astype(float)
        t_i = np.array([float(n) for n in lengths])[k]  # Python's int -> float rounding
    c = math.pi * t_cur
    c /= t_i
    np.cos(c, out=c)
    c += 1
    return eta_min + (float(base_lr) - eta_min) * c / 2


# --- CyclicLR ------------------------------------------------------------------------

SCALE_MODE_OF = {"triangular": "cycle", "triangular2": "cycle", "exp_range": "iterations"}


def _check_cyclic(p: Mapping[str, Any]) -> None:
    mode, scale_mode = p["mode"], p["scale_mode"]
    if scale_mode is not None and scale_mode != SCALE_MODE_OF[mode]:
        raise ParamError(
            "scale_mode",
            f"scale_mode={scale_mode} has no effect with mode={mode}: PyTorch scales "
            f"{mode} by {SCALE_MODE_OF[mode]} (scale_mode only applies to a custom "
            "scale_fn); leave scale_mode out",
        )
    if p["gamma"] != 1.0 and mode != "exp_range":
        raise ParamError(
            "gamma", f"gamma only applies to mode=exp_range (PyTorch ignores it with mode={mode})"
        )


def _cyclic_shape(count: int, p: Mapping[str, Any]) -> tuple[np.ndarray, Any]:
    """CyclicLR's scale_factor (position in the triangle) and scale_fn value at steps
    0 .. count-1; raises where PyTorch's scale_fn overflows (steps 0 .. count)."""
    up = float(p["step_size_up"])
    down = float(p["step_size_down"]) if p["step_size_down"] is not None else up
    total = up + down
    ratio = up / total
    j = np.arange(count + 1, dtype=float)  # + the run's last step() call
    x = j / total
    x += 1  # 1 + n / total_size
    cycle = np.floor(x)
    x -= cycle  # (1.0 + n / total_size) - cycle
    factor = x / ratio
    falling = x > ratio
    factor[falling] = (x[falling] - 1) / (ratio - 1)
    mode = p["mode"]
    scale: Any = 1.0
    if mode == "triangular2":  # 1 / (2.0 ** (cycle - 1)); 2.0 ** 1024 overflows
        if cycle[-1] - 1 >= 1024:
            step = int(np.argmax(cycle - 1 >= 1024))
            raise LrplotError(
                f"cyclic: triangular2 halves the amplitude every cycle and PyTorch overflows "
                f"(OverflowError in 2.0 ** 1024) at step {step}, cycle 1025; use fewer steps"
            )
        scale = np.ldexp(1.0, -(cycle[:-1] - 1).astype(np.int64))  # exact powers of two
    elif mode == "exp_range":  # gamma ** n, n = the step (scale_mode iterations)
        scale = _pow(p["gamma"], j)
        if np.isinf(scale).any():
            step = int(np.argmax(np.isinf(scale)))
            raise LrplotError(
                f"cyclic: gamma ** step overflows at step {step} (PyTorch raises "
                f"OverflowError): use gamma <= 1 or fewer steps"
            )
        scale = scale[:-1]
    return factor[:-1], scale


class _ClosedRange(TorchScheduler):
    """A scheduler whose LR (and momentum) over steps lo .. hi-1 has a closed form
    (``_range``; None: step by step): ``advance`` and ``record`` use it, leaving the
    state as that many step() calls would (CyclicLR, OneCycleLR)."""

    def _range(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        return None

    def advance(self, count: int) -> np.ndarray:
        return self.record(count)[0]

    def record(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        lo = self.last_epoch + 1
        got = self._range(lo, lo + count) if count else None
        if got is None:
            return super().record(count)
        lr, momentum = got
        self.last_epoch += count
        self._step_count += count
        self.group["lr"] = float(lr[-1])
        if momentum is None:
            momentum = np.full(count, self.group.get("momentum", 0.0))
        else:
            self.group["momentum"] = float(momentum[-1])
        return lr, momentum


class CyclicLR(_ClosedRange):
    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        if last_epoch == -1:
            group["lr"] = values["base_lr"]
        self.max_lr = values["max_lr"]
        step_size_up = float(values["step_size_up"])
        down = values["step_size_down"]
        step_size_down = float(down) if down is not None else step_size_up
        self.total_size = step_size_up + step_size_down
        self.step_ratio = step_size_up / self.total_size
        self.mode, self.gamma = values["mode"], values["gamma"]
        self.scale_mode = SCALE_MODE_OF[self.mode]
        self.cycle_momentum = values["cycle_momentum"]
        if self.cycle_momentum:
            self.base_momentum = values["base_momentum"]
            self.max_momentum = values["max_momentum"]
            if last_epoch == -1:
                group["momentum"] = self.max_momentum
                group["max_momentum"] = self.max_momentum
                group["base_momentum"] = self.base_momentum
        super().__init__(group, values, last_epoch)
        self.base_lr = values["base_lr"]

    def scale_fn(self, x: int) -> float:
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma**x

    def get_lr(self) -> float:
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        if x <= self.step_ratio:
            scale_factor = x / self.step_ratio
        else:
            scale_factor = (x - 1) / (self.step_ratio - 1)
        at = cycle if self.scale_mode == "cycle" else self.last_epoch
        base_height = (self.max_lr - self.base_lr) * scale_factor
        lr = self.base_lr + base_height * self.scale_fn(at)
        if self.cycle_momentum:
            base_height = (self.max_momentum - self.base_momentum) * scale_factor
            self.group["momentum"] = self.max_momentum - base_height * self.scale_fn(at)
        return lr

    @_quiet
    def _range(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """get_lr() (and the momentum it sets) at last_epoch = lo .. hi-1, the same
        operations elementwise; None where PyTorch would overflow (the loop raises)."""
        j = np.arange(lo, hi, dtype=float)
        x = j / self.total_size
        x += 1
        cycle = np.floor(x)
        x -= cycle
        factor = x / self.step_ratio
        falling = x > self.step_ratio
        factor[falling] = (x[falling] - 1) / (self.step_ratio - 1)
        scale: Any = 1.0
        if self.mode == "triangular2":
            if hi > lo and cycle[-1] - 1 >= 1024:
                return None
            scale = 1 / np.ldexp(1.0, (cycle - 1).astype(np.int64))
        elif self.mode == "exp_range":
            scale = _pow(self.gamma, j)
            if not np.isfinite(scale).all():
                return None
        lr = self.base_lr + (self.max_lr - self.base_lr) * factor * scale
        if not self.cycle_momentum:
            return lr, None
        high = self.max_momentum
        return lr, high - (high - self.base_momentum) * factor * scale


_CYCLIC_PARAMS = (
    Param("base_lr", FLOAT, "the lower LR of the cycle (replaces the run's --lr)", low=0),
    Param("max_lr", FLOAT, "the upper LR of the cycle", low=0, low_open=True),
    Param(
        "step_size_up",
        INT,
        "steps from base_lr up to max_lr",
        2000,
        low=1,
        high=LONGEST,
        length=True,
    ),
    Param(
        "step_size_down",
        INT,
        "steps from max_lr down to base_lr (default: step_size_up; 0: a sawtooth, up to "
        "one step short of max_lr, then back to base_lr at once)",
        None,
        low=0,
        high=LONGEST,
        length=True,
    ),
    Param(
        "mode",
        CHOICE,
        "triangular: constant amplitude; triangular2: halved every cycle; exp_range: "
        "scaled by gamma**step",
        "triangular",
        choices=tuple(SCALE_MODE_OF),
    ),
    Param("gamma", FLOAT, "the factor per step of mode exp_range", 1.0, low=0, low_open=True),
    Param(
        "scale_mode",
        CHOICE,
        "what the amplitude scaling counts; PyTorch fixes it by mode (cycle for the "
        "triangular modes, iterations for exp_range)",
        None,
        choices=("cycle", "iterations"),
    ),
    CYCLE_MOMENTUM,
    _momentum("base_momentum", "the momentum at the LR's peak", 0.8),
    _momentum("max_momentum", "the momentum at the LR's trough (and at step 0)", 0.9),
)


@_quiet
def _cyclic_momentum(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray | None:
    if not p["cycle_momentum"]:
        return None
    factor, scale = _cyclic_shape(count, p)
    high = p["max_momentum"]
    return high - (high - p["base_momentum"]) * factor * scale


@schedule(
    "cyclic",
    "CyclicLR",
    "cycle the LR between base_lr and max_lr in triangles (and the momentum the other "
    "way); sets the LR itself: the run's --lr is ignored",
    "lr = base_lr + (max_lr - base_lr) * triangle(n) * scale (1, 1/2**(cycle-1) or gamma**n)",
    _CYCLIC_PARAMS,
    aliases=("clr",),
    example="--base-lr 0.001 --max-lr 0.1 --step-size-up 10 --mode triangular2 --epochs 60",
    momentum=_cyclic_momentum,
    emulator=CyclicLR,
    check=_check_cyclic,
    sets_lr=True,
    group_lrs=("base_lr", "max_lr"),
    explain=Explain(
        BATCH,
        (
            "It sets the LR itself, from base_lr to max_lr: the optimizer's lr (--lr) is ignored.",
            "step_size_up counts batches and defaults to 2000, often longer than a short run: "
            "the LR then never reaches max_lr.",
            _MOMENTUM,
        ),
    ),
    lint=(cyclic_step_size, cyclic_inverted),
    zero_start=_cyclic_zero,
    known_as={"lightning": "torch.optim.lr_scheduler.CyclicLR"},
)
@_quiet
def _cyclic(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    factor, scale = _cyclic_shape(count, p)
    low = p["base_lr"]
    return low + (p["max_lr"] - low) * factor * scale


# --- OneCycleLR ----------------------------------------------------------------------

_TWO_PHASES = (
    ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
    ("max_lr", "min_lr", "base_momentum", "max_momentum"),
)
_THREE_PHASES = (
    ("initial_lr", "max_lr", "max_momentum", "base_momentum"),
    ("max_lr", "initial_lr", "base_momentum", "max_momentum"),
    ("initial_lr", "min_lr", "max_momentum", "max_momentum"),
)


# PyTorch's SequentialLR([LinearLR, OneCycleLR]) ramps from OneCycleLR's initial_lr
# (LinearLR scales the group's LR, which OneCycleLR set), [LambdaLR, OneCycleLR] from
# the optimizer's lr (LambdaLR kept it as its base): no one meaning for a warmup
_ONECYCLE_NO_WARMUP = (
    "a warmup before OneCycleLR has no one meaning in PyTorch (SequentialLR with LinearLR "
    "ramps from max_lr / div_factor, with LambdaLR from the optimizer's lr): use "
    "onecycle's own warmup (pct_start), or write the SequentialLR you mean: sequential "
    "--schedule linear:start_factor=0.1,total_iters=N --schedule onecycle:max_lr=... "
    "--milestones N"
)


def _onecycle_ends(p: Mapping[str, Any], total: int) -> list[float]:
    """PyTorch's phase end steps."""
    pct = p["pct_start"]
    if p["three_phase"]:
        return [float(pct * total) - 1, float(2 * pct * total) - 2, total - 1]
    return [float(pct * total) - 1, total - 1]


def _onecycle_group(p: Mapping[str, Any]) -> dict[str, float]:
    """The values OneCycleLR keeps in the param group."""
    initial = p["max_lr"] / p["div_factor"]
    return {
        "initial_lr": initial,
        "max_lr": p["max_lr"],
        "min_lr": initial / p["final_div_factor"],
        "max_momentum": p["max_momentum"],
        "base_momentum": p["base_momentum"],
    }


def _anneal(strategy: str, start: Any, end: Any, pct: Any) -> Any:
    if strategy == "cos":
        cos_out = np.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out
    return (end - start) * pct + start


def _onecycle_total(count: int, p: Mapping[str, Any]) -> int:
    total = p["total_steps"]
    if total is None:
        return count
    if total < count:
        raise LrplotError(
            f"onecycle: total_steps={total} is less than the run's {count} scheduler steps: "
            f"PyTorch raises ValueError at step {total + 1} ('Tried to step {total + 1} "
            "times'); give total_steps >= the scheduler steps, or leave it out (it defaults "
            "to them)"
        )
    return total


def _onecycle_curve(count: int, p: Mapping[str, Any], momentum: bool) -> np.ndarray:
    total = _onecycle_total(count, p)
    ends = _onecycle_ends(p, total)
    group = _onecycle_group(p)
    table = _THREE_PHASES if p["three_phase"] else _TWO_PHASES
    k = 2 if momentum else 0
    out = np.empty(count)
    lo, start_step = 0, 0.0
    for i, end_step in enumerate(ends):
        # PyTorch takes the first phase with step <= end_step (else the last): as the step
        # grows that phase never goes back, so each phase is one range of steps
        last = i == len(ends) - 1  # the last phase runs to the run's last step() call
        hi = count + 1 if last else min(max(lo, math.floor(end_step) + 1), count + 1)
        if hi > lo:
            span = end_step - start_step
            if span == 0:
                raise LrplotError(
                    f"onecycle: phase {i + 1} of the schedule is empty (it ends at step "
                    f"{end_step!r}, where it starts) with total_steps={total} and "
                    f"pct_start={p['pct_start']!r}: PyTorch divides by zero at step {lo}; "
                    "change pct_start"
                )
            stop = min(hi, count)
            pct = np.arange(lo, stop, dtype=float)
            pct -= start_step
            pct /= span
            row = table[i]
            out[lo:stop] = _anneal(p["anneal_strategy"], group[row[k]], group[row[k + 1]], pct)
        lo, start_step = hi, end_step
    return out


class OneCycleLR(_ClosedRange):
    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        if values["total_steps"] is None:
            raise LrplotError(
                "onecycle: as a child of a composition it needs total_steps "
                "(PyTorch's OneCycleLR needs it, or epochs and steps_per_epoch)"
            )
        self.total_steps = values["total_steps"]
        self.phases = list(
            zip(
                _onecycle_ends(values, self.total_steps),
                _THREE_PHASES if values["three_phase"] else _TWO_PHASES,
                strict=True,
            )
        )
        self.strategy = values["anneal_strategy"]
        own = _onecycle_group(values)
        if last_epoch == -1:
            for key in ("initial_lr", "max_lr", "min_lr"):
                group[key] = own[key]
        self.cycle_momentum = values["cycle_momentum"]
        if self.cycle_momentum and last_epoch == -1:
            group["momentum"] = values["max_momentum"]
            group["max_momentum"] = values["max_momentum"]
            group["base_momentum"] = values["base_momentum"]
        super().__init__(group, values, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.strategy == "cos":
            cos_out = math.cos(math.pi * pct) + 1
            return end + (start - end) / 2.0 * cos_out
        return (end - start) * pct + start

    def get_lr(self) -> float:
        step_num = self.last_epoch
        if step_num > self.total_steps:
            raise LrplotError(
                f"onecycle: stepped {step_num} times, past total_steps={self.total_steps} "
                "(PyTorch raises ValueError)"
            )
        group = self.group
        start_step = 0.0
        for i, (end_step, (lr0, lr1, m0, m1)) in enumerate(self.phases):
            if step_num <= end_step or i == len(self.phases) - 1:
                pct = (step_num - start_step) / (end_step - start_step)
                lr = self._anneal(group[lr0], group[lr1], pct)
                if self.cycle_momentum:
                    group["momentum"] = self._anneal(group[m0], group[m1], pct)
                return lr
            start_step = end_step
        raise AssertionError("unreachable")  # pragma: no cover

    def _range(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None] | None:
        """get_lr() (and the momentum it sets) at last_epoch = lo .. hi-1, the same
        operations elementwise; None where PyTorch raises (the loop raises it)."""
        if hi - 1 > self.total_steps:
            return None
        t = np.arange(lo, hi)
        lr = np.empty(hi - lo)
        momentum = np.empty(hi - lo) if self.cycle_momentum else None
        free = np.ones(hi - lo, dtype=bool)
        start_step = 0.0
        group = self.group
        for i, (end_step, (lr0, lr1, m0, m1)) in enumerate(self.phases):
            here = free if i == len(self.phases) - 1 else free & (t <= end_step)
            if here.any():
                if end_step - start_step == 0:
                    return None  # ZeroDivisionError in PyTorch
                pct = (t[here].astype(float) - start_step) / (end_step - start_step)
                lr[here] = _anneal(self.strategy, group[lr0], group[lr1], pct)
                if momentum is not None:
                    momentum[here] = _anneal(self.strategy, group[m0], group[m1], pct)
                free &= ~here
            start_step = end_step
        return lr, momentum


@_quiet
def _onecycle_momentum(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray | None:
    return _onecycle_curve(count, p, momentum=True) if p["cycle_momentum"] else None


@schedule(
    "onecycle",
    "OneCycleLR",
    "1cycle: warm up from max_lr/div_factor to max_lr, then anneal far below (and the "
    "momentum the other way); sets the LR itself: the run's --lr is ignored",
    "lr = anneal(max_lr/div_factor -> max_lr over pct_start of total_steps, "
    "-> max_lr/div_factor/final_div_factor after)",
    (
        Param("max_lr", FLOAT, "the peak LR", low=0, low_open=True),
        Param(
            "total_steps",
            INT,
            "steps in the cycle (default: the run's scheduler steps; at least those)",
            None,
            low=1,
            high=LONGEST,
            length=True,
        ),
        Param(
            "pct_start",
            FLOAT,
            "fraction of the cycle spent warming up (0: no warmup, as PyTorch allows)",
            0.3,
            low=0,
            high=1,
        ),
        Param(
            "anneal_strategy",
            CHOICE,
            "the shape of both phases",
            "cos",
            choices=("cos", "linear"),
        ),
        CYCLE_MOMENTUM,
        _momentum("base_momentum", "the momentum at the LR's peak", 0.85),
        _momentum("max_momentum", "the momentum at the start and end", 0.95),
        Param(
            "div_factor",
            FLOAT,
            "the LR starts at max_lr / div_factor",
            25.0,
            low=0,
            low_open=True,
        ),
        Param(
            "final_div_factor",
            FLOAT,
            "the LR ends at max_lr / div_factor / final_div_factor",
            1e4,
            low=0,
            low_open=True,
        ),
        Param(
            "three_phase",
            BOOL,
            "warm up, come back down to the start symmetrically, then anneal (the paper's)",
            False,
        ),
    ),
    aliases=("one-cycle", "1cycle"),
    example="--max-lr 0.1 --epochs 10 --steps-per-epoch 100 --interval step",
    momentum=_onecycle_momentum,
    emulator=OneCycleLR,
    step_cap=lambda p: p["total_steps"],
    sets_lr=True,
    group_lrs=("max_lr",),
    explain=Explain(
        BATCH,
        (
            "Step it after every batch: total_steps (or epochs x steps_per_epoch) counts "
            "optimizer steps, and stepping it more than total_steps times raises ValueError.",
            "The LR starts at max_lr / div_factor, not at the optimizer's lr (ignored), and "
            "ends at max_lr / div_factor / final_div_factor.",
            "total_steps longer than the run leaves the anneal unfinished: the LR ends far "
            "above its final value.",
            _MOMENTUM,
        ),
    ),
    lint=(onecycle_length,),
    run_length=("total_steps",),
    no_warmup=_ONECYCLE_NO_WARMUP,
    emit=Emit(run_defaults=("total_steps",)),
    known_as={"lightning": "torch.optim.lr_scheduler.OneCycleLR"},
    from_torch=_onecycle_from_torch,
)
@_quiet
def _onecycle(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _onecycle_curve(count, p, momentum=False)


# --- LambdaLR and MultiplicativeLR -------------------------------------------------

_EXPR_SYNTAX = (
    "numbers, epoch, pi, e, + - * / // % **, comparisons, a if c else b, and/or/not, "
    "min max abs floor ceil exp log sqrt cos sin tanh"
)


def _expr_param(what: str) -> Param:
    return Param(
        "expr",
        TEXT,
        f"{what} as an expression in epoch (PyTorch's last_epoch: scheduler steps so far), "
        f"e.g. 0.95**epoch, made of {_EXPR_SYNTAX}",
        REQUIRED,
        torch="lr_lambda",
        check=expressions.check,
    )


def _expr_error(name: str, err: expressions.ExprError, where: str = "") -> LrplotError:
    """'lambda: expr: 1 / 0 divides by zero at epoch 3', 'lambda: expr gives inf at ...'."""
    text = str(err)
    return LrplotError(f"{name}: expr{' ' if text.startswith('gives ') else ': '}{text}{where}")


def _factor(name: str, fn: expressions.Expr, epoch: int) -> float:
    """One factor, as PyTorch's lambda gives it (checked: finite, not negative)."""
    try:
        value = fn.at(epoch)
    except expressions.ExprError as err:
        raise _expr_error(name, err) from None
    if not expressions.is_finite(value) or value < 0:
        _bad_factor(name, value, epoch)
    return value


def _bad_factor(name: str, value: Any, epoch: int) -> None:
    why = "not a finite number" if not expressions.is_finite(value) else "the LR would be negative"
    raise LrplotError(f"{name}: expr gives {value!r} at epoch {epoch} ({why})")


def _factors(name: str, text: str, first: int, count: int, last_step: bool = True) -> np.ndarray:
    """The factor at epochs first .. count-1 (checked: finite, not negative); with
    ``last_step``, the factor at epoch ``count`` is evaluated too, as PyTorch does in
    the run's last step() (only for what Python raises: that LR is never used)."""
    fn = expressions.parse(text)
    epochs = np.arange(first, count)
    try:
        values = fn.values(epochs)
    except expressions.ExprError as err:
        raise _expr_error(name, err) from None
    negative = np.flatnonzero(values < 0)
    if negative.size:
        i = int(negative[0])
        _bad_factor(name, float(values[i]), int(epochs[i]))
    if not last_step:
        return values
    try:
        fn.at(count)
    except expressions.ExprError as err:
        where = ", in the run's last scheduler.step() (PyTorch evaluates it)"
        raise _expr_error(name, err, where) from None
    return values


class LambdaLR(TorchScheduler):
    unsaved = ("expr",)  # PyTorch saves no function: the new lambda applies

    def reloaded(self) -> None:
        self.fn = expressions.parse(self.values["expr"])

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        self.fn = expressions.parse(values["expr"])
        super().__init__(group, values, last_epoch)

    def get_lr(self) -> float:
        return self.base_lr * _factor("lambda", self.fn, self.last_epoch)

    def advance(self, count: int) -> np.ndarray:
        lo = self.last_epoch + 1
        out = float(self.base_lr) * _factors(
            "lambda", self.values["expr"], lo, lo + count, last_step=False
        )
        if count:
            self.last_epoch += count
            self._step_count += count
            self.group["lr"] = float(out[-1])
        return out


@schedule(
    "lambda",
    "LambdaLR",
    "the LR is lr0 times a factor you write as an expression in epoch",
    "lr = lr0 * expr(epoch=n)",
    (_expr_param("the factor of the initial LR"),),
    example='--expr "min(1, (epoch + 1) / 5) * 0.95**epoch" --epochs 50',
    emulator=LambdaLR,
    explain=Explain(
        EITHER,
        (
            "The expression is a factor of lr, not an LR: 0.1 means lr * 0.1.",
            "It is evaluated at epoch 0 when the scheduler is built: epoch / 5 gives LR 0 at "
            "the first step; (epoch + 1) / 5 does not.",
            "'epoch' is the number of scheduler steps so far: stepped per batch, it counts "
            "batches.",
        ),
    ),
    zero_start=_expr_zero,
    emit=Emit(torch="lambdalr"),
    known_as={"lightning": "torch.optim.lr_scheduler.LambdaLR"},
)
@_quiet
def _lambda(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return float(base_lr) * _factors("lambda", p["expr"], 0, count)


class MultiplicativeLR(TorchScheduler):
    unsaved = ("expr",)

    def reloaded(self) -> None:
        self.fn = expressions.parse(self.values["expr"])

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        self.fn = expressions.parse(values["expr"])
        super().__init__(group, values, last_epoch)

    def get_lr(self) -> float:
        if not self._is_initial:
            return self.group["lr"] * _factor("multiplicative", self.fn, self.last_epoch)
        return self.group["lr"]

    def factors(self, lo: int, hi: int) -> np.ndarray:
        return _factors("multiplicative", self.values["expr"], lo, hi, last_step=False)


@schedule(
    "multiplicative",
    "MultiplicativeLR",
    "multiply the LR, at every step, by a factor you write as an expression in epoch",
    "lr = lr0 * expr(1) * expr(2) * ... * expr(n)",
    (_expr_param("the factor applied at each step"),),
    example='--expr "0.9 if epoch % 10 == 0 else 1" --epochs 50',
    emulator=MultiplicativeLR,
    explain=Explain(
        EITHER,
        (
            "The factor multiplies the current LR at every step, compounding: 0.95 every step "
            "is ExponentialLR; return 1 where the LR should stay.",
            "It is not applied when the scheduler is built: the first factor used is expr at "
            "epoch 1.",
        ),
    ),
    zero_start=_expr_zero,
    known_as={"lightning": "torch.optim.lr_scheduler.MultiplicativeLR"},
)
@_quiet
def _multiplicative(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return chain(float(base_lr), _factors("multiplicative", p["expr"], 1, count))
