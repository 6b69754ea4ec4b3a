"""timm's cosine and tanh schedulers (``timm.scheduler``), prefixed ``timm-``.

timm's schedulers are not ``torch.optim.lr_scheduler`` objects: the training loop
passes the step number itself, ``scheduler.step(epoch)`` after each epoch (or
``scheduler.step_update(num_updates)`` after each optimizer step, with
``t_in_epochs=False``), and the scheduler sets the LR to ``_get_lr(t)``. So after
j scheduler steps the LR is ``_get_lr(j)``, and right after construction it is
``warmup_lr_init`` (with a warmup) or the optimizer's lr. Each function below
evaluates ``_get_lr`` over the whole step array in timm's operation order; the
cycle index of ``cycle_mul != 1`` (``floor(log(x, cycle_mul))``) uses ``math.log``
wherever ``np.log``'s last bit could move the floor, and each cycle's length and
offset are computed with Python floats, as timm does. Noise (``noise_range_t``) is
not modelled: it is off by default.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from ..params import BOOL, FLOAT, INT, Param, ParamError
from .base import Schedule, schedule
from .declare import Emit, Explain, Stepping, TorchCode
from .rules import Finding, Part, format_value, num

LISTING = 40  # where its schedules come in `lrplot list` (lrplot.schedules)

# curve(t_curr, lr_min, lr_max, t_i, t_i ** k_decay, params): the LR inside a cycle
Curve = Callable[..., Any]  # (t, lr, ...) -> np.ndarray


def _params(extra: tuple[Param, ...] = ()) -> tuple[Param, ...]:
    return (
        Param(
            "t_initial", INT, "length of the first cycle, in scheduler steps", low=1, length=True
        ),
        *extra,
        Param("lr_min", FLOAT, "the LR at the end of each cycle", 0.0, low=0),
        Param(
            "cycle_mul",
            FLOAT,
            "each cycle is this many times longer than the one before",
            1.0,
            low=0,
            low_open=True,
        ),
        Param(
            "cycle_decay",
            FLOAT,
            "each cycle's peak LR is this many times the one before",
            1.0,
            low=0,
            low_open=True,
        ),
        Param(
            "cycle_limit",
            INT,
            "number of cycles; after them the LR stays at lr_min",
            1,
            low=0,
        ),
        Param("warmup_t", INT, "steps of linear warmup from warmup_lr_init", 0, low=0, length=True),
        Param("warmup_lr_init", FLOAT, "the LR at the start of the warmup", 0.0, low=0),
        Param(
            "warmup_prefix",
            BOOL,
            "true: the cycles start after the warmup; false: the warmup overlays them",
            False,
        ),
    )


def _fail(name: str, param: str, message: str) -> ParamError:
    return ParamError(param, f"{name}: {message}")


def _get_lr(
    name: str, t: np.ndarray, base_lr: float, p: Mapping[str, Any], curve: Curve, gamma_all: bool
) -> np.ndarray:
    """timm's ``_get_lr(t)`` past the warmup, for an int64 array of steps t."""
    if p["warmup_prefix"]:
        t = t - p["warmup_t"]
    t0, m = p["t_initial"], p["cycle_mul"]
    cd, lr_min, limit = p["cycle_decay"], p["lr_min"], p["cycle_limit"]
    k = p.get("k_decay", 1.0)
    if m != 1:
        with np.errstate(invalid="ignore", divide="ignore"):
            x = 1 - t / t0 * (1 - m)
            bad = np.flatnonzero(~(x > 0))
            if bad.size:
                first = int(t[bad[0]]) + (p["warmup_t"] if p["warmup_prefix"] else 0)
                raise _fail(
                    name,
                    "cycle_mul",
                    f"with cycle_mul < 1 the cycles add up to t_initial / (1 - cycle_mul) = "
                    f"{t0 / (1 - m):g} steps, and timm fails from step {first} on (math "
                    "domain error): run fewer steps or use cycle_mul >= 1",
                )
            q = np.log(x) / math.log(m)  # math.log(x, m) is log(x) / log(m)
        i = np.floor(q)
        # np.log may differ from math.log in the last bit: redo the floor near integers
        near = np.flatnonzero(np.abs(q - np.rint(q)) <= 1e-9 * np.maximum(1.0, np.abs(q)))
        for j in near.tolist():
            i[j] = math.floor(math.log(float(x[j]), m))
        cycles, where = np.unique(i.astype(np.int64), return_inverse=True)
        t_i, offset = [], []
        try:
            for c in cycles.tolist():
                t_i.append(m**c * t0)
                offset.append((1 - m**c) / (1 - m) * t0)
        except OverflowError:
            raise _fail(name, "cycle_mul", "cycle_mul ** cycle overflows (timm fails)") from None
        if 0.0 in t_i:
            raise _fail(name, "cycle_mul", "cycle_mul ** cycle underflows to 0 (timm fails)")
        t_i_k: Any = np.array([_power(name, v, k) for v in t_i])[where]
        t_i_steps: Any = np.array(t_i)[where]
        t_curr = t - np.array(offset)[where]
        i = cycles[where]
    else:
        i = t // t0
        t_i_steps = t0
        t_i_k = _power(name, t0, k)
        t_curr = t - t0 * i
    inside = i < limit
    out = np.full(len(t), float(lr_min))
    checked = i if gamma_all else i[inside]
    if cd > 1 and checked.size:
        try:
            cd ** int(checked.max())  # timm's `cycle_decay ** i`: OverflowError past a float
        except OverflowError:
            raise _fail(
                name, "cycle_decay", "cycle_decay ** cycle overflows (timm fails)"
            ) from None
    if not inside.any():
        return out
    with np.errstate(under="ignore"):
        gamma = np.power(cd, i[inside].astype(float))
    lr_max = base_lr * gamma
    if not np.isscalar(t_i_steps):
        t_i_steps, t_i_k = t_i_steps[inside], t_i_k[inside]
    out[inside] = curve(t_curr[inside].astype(float), lr_min, lr_max, t_i_steps, t_i_k, p)
    return out


def _run(
    name: str, count: int, base_lr: float, p: Mapping[str, Any], curve: Curve, gamma_all: bool
) -> np.ndarray:
    """LR after j steps: the construction value, then ``_get_lr(j)``."""
    w, init = p["warmup_t"], p["warmup_lr_init"]
    t = np.arange(count, dtype=np.int64)
    lr = np.empty(count)
    k = min(w, count)
    if w:
        if name == "timm-tanh" and not p["warmup_prefix"]:  # warms up to _get_lr(warmup_t)
            target = float(_get_lr(name, np.array([w]), base_lr, p, curve, gamma_all)[0])
        else:
            target = base_lr
        s = (target - init) / w
        lr[:k] = init + t[:k] * s
    lr[k:] = _get_lr(name, t[k:], base_lr, p, curve, gamma_all)
    lr[:1] = init if w else base_lr  # right after construction
    return lr


def _power(name: str, t_i: float, k: float) -> float:
    """timm's ``t_i ** k`` (a Python float power: OverflowError past a float)."""
    try:
        return t_i**k
    except OverflowError:
        raise _fail(name, "k_decay", "t_i ** k_decay overflows (timm fails)") from None


def _cosine_curve(
    t_curr: np.ndarray,
    lr_min: float,
    lr_max: np.ndarray,
    t_i: Any,
    t_i_k: Any,
    p: Mapping[str, Any],
) -> np.ndarray:
    k = p["k_decay"]
    return lr_min + 0.5 * (lr_max - lr_min) * (1 + np.cos(math.pi * t_curr**k / t_i_k))


# --- check rules (lrplot check): each looks at one part of the run (schedules.rules)


def floor_reached(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """A t_initial longer than the run never reaches lr_min; the last cycle to lr_min 0
    ending early leaves steps at LR 0."""
    p, n = part.values, part.length
    prefix = p["warmup_t"] if p["warmup_prefix"] else 0
    room = n - prefix
    if room <= 0:
        return []
    lr = part.lr(trace)
    last = num(lr[-1])
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
        return []
    return [Finding("floor", message, "t_initial")]


def _zero_start(p: Mapping[str, Any], lr: float) -> tuple[str, str] | None:
    w = p["warmup_t"]
    if not w:
        return None
    return "--warmup-lr-init is 0", f"set --warmup-lr-init {lr / w:.3g} (lr / warmup_t)"


def _inner_warmup(part: Part) -> tuple[int, str, Schedule] | None:
    """timm's own warmup, when it overlays the schedule (warmup_prefix false)."""
    s = part.schedule
    if not s.values["warmup_t"] or s.values["warmup_prefix"]:
        return None
    bare = dataclasses.replace(s, values={**s.values, "warmup_t": 0})
    return s.values["warmup_t"], part.option("warmup_prefix", True), bare


# --- --emit torch: timm's _get_lr(t) as a LambdaLR (timm/scheduler/cosine_lr.py,
# tanh_lr.py), for one param group, in timm's own words

_TIMM_WARMUP = {
    "cosine": """\
    if t < WARMUP_T:
        return WARMUP_LR_INIT + t * ((LR - WARMUP_LR_INIT) / WARMUP_T)""",
    "tanh": """\
    if t < WARMUP_T:  # without warmup_prefix, the warmup climbs to the LR at WARMUP_T
        target = LR if WARMUP_PREFIX else timm_lr(WARMUP_T)
        return WARMUP_LR_INIT + t * ((target - WARMUP_LR_INIT) / WARMUP_T)""",
}
_TIMM_CYCLES = """\
    if WARMUP_PREFIX:
        t = t - WARMUP_T
    if CYCLE_MUL != 1:
        i = floor(log(1 - t / T_INITIAL * (1 - CYCLE_MUL), CYCLE_MUL))
        t_i = CYCLE_MUL**i * T_INITIAL
        t_curr = t - (1 - CYCLE_MUL**i) / (1 - CYCLE_MUL) * T_INITIAL
    else:
        i = t // T_INITIAL
        t_i = T_INITIAL
        t_curr = t - (T_INITIAL * i)"""
_TIMM_CURVE = {
    "cosine": """\
    lr_max = LR * CYCLE_DECAY**i
    if i >= CYCLE_LIMIT:
        return LR_MIN
    return LR_MIN + 0.5 * (lr_max - LR_MIN) * (1 + cos(pi * t_curr**K_DECAY / t_i**K_DECAY))""",
    "tanh": """\
    if i >= CYCLE_LIMIT:
        return LR_MIN
    lr_max = LR * CYCLE_DECAY**i
    tr = t_curr / t_i
    return LR_MIN + 0.5 * (lr_max - LR_MIN) * (1 - tanh(LB * (1.0 - tr) + UB * tr))""",
}
_TIMM_IMPORTS = {
    "cosine": ("cos", "floor", "log", "pi"),
    "tanh": ("floor", "log", "tanh"),
}


def _torch_code(key: str) -> Callable[[Schedule, Callable[[Any], str]], TorchCode]:
    """timm's scheduler as a LambdaLR: after t steps timm sets the LR to _get_lr(t)."""

    def write(schedule: Schedule, py: Callable[[Any], str]) -> TorchCode:
        d, values = schedule.definition, schedule.values
        args = ", ".join(f"{p.name}={py(values[p.name])}" for p in d.params)
        constants = [f"{p.name.upper()} = {py(values[p.name])}" for p in d.params]
        body = "\n".join((_TIMM_WARMUP[key], _TIMM_CYCLES, _TIMM_CURVE[key]))
        helper = (
            *constants,
            "",
            "",
            "def timm_lr(t):",
            f'    """{d.torch_class}._get_lr(t), for one param group."""',
            body,
        )
        return TorchCode(
            "LambdaLR",
            ("optimizer", "lr_lambda=lambda t: timm_lr(t) / LR"),
            frozenset(
                {("torch.optim.lr_scheduler", "LambdaLR")}
                | {("math", name) for name in _TIMM_IMPORTS[key]}
            ),
            {"timm_lr": helper},
            f"timm's {d.torch_class}({args}) as a LambdaLR: after t scheduler steps, timm "
            "sets the LR to its _get_lr(t), this function (timm.scheduler, noise off). With "
            "timm installed you can use timm's class instead, with scheduler.step(epoch + 1) "
            "after each epoch (or, with t_in_epochs=False, scheduler.step_update(steps) after "
            "each optimizer step).",
        )

    return write


# what both timm schedules declare besides their curve
_DECLARED: dict[str, Any] = {
    "library": "timm.scheduler",
    "lint": (floor_reached,),
    "run_length": ("t_initial",),
    "zero_start": _zero_start,
    "inner_warmup": _inner_warmup,
}


TIMM_STEPPING = Stepping(
    "timm schedulers are told the step number: scheduler.step(epoch + 1) after each epoch "
    "(lengths in epochs), or scheduler.step_update(num_updates) after each optimizer step "
    "with t_in_epochs=False (lengths in optimizer steps).",
    "        num_updates += 1\n"
    "        scheduler.step_update(num_updates)  # per step, or\n"
    "    scheduler.step(epoch + 1)       # per epoch",
)
_TIMM = (
    "timm schedulers do not count: pass the epoch (scheduler.step(epoch + 1)) or the update "
    "count (step_update, t_in_epochs=False); t_initial must be in that same unit."
)


@schedule(
    "timm-cosine",
    "CosineLRScheduler",
    "timm's cosine with warmup and restarts: cycles of t_initial steps (times cycle_mul "
    "each), peak lr (times cycle_decay each), then lr_min after cycle_limit cycles",
    "lr = lr_min + (lr0 * d^i - lr_min) * (1 + cos(pi * t_cur^k / t_i^k)) / 2 in cycle i",
    _params(
        (
            Param(
                "k_decay",
                FLOAT,
                "k-decay exponent: the cosine runs on t_cur**k / t_i**k",
                1.0,
                low=0,
                low_open=True,
            ),
        )
    ),
    example="--t-initial 50 --warmup-t 5 --epochs 100",
    **_DECLARED,
    explain=Explain(
        TIMM_STEPPING,
        (
            _TIMM,
            "With warmup_prefix false (the default) the warmup overlays the start of the "
            "cosine: a long warmup hides its top.",
            "cycle_limit=1 holds lr_min after t_initial; a t_initial longer than the run "
            "never reaches lr_min.",
        ),
    ),
    emit=Emit(torch="code", torch_code=_torch_code("cosine")),
    known_as={"timm": "cosine"},
    scale_after=True,
)
def _timm_cosine(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _run("timm-cosine", count, base_lr, p, _cosine_curve, gamma_all=True)


_TANH_EXACT_ABOVE = 2.5  # see _tanh_curve


def _tanh_curve(
    t_curr: np.ndarray,
    lr_min: float,
    lr_max: np.ndarray,
    t_i: Any,
    t_i_k: Any,
    p: Mapping[str, Any],
) -> np.ndarray:
    lb, ub = p["lb"], p["ub"]
    tr = t_curr / t_i
    z = lb * (1.0 - tr) + ub * tr
    th = np.tanh(z)
    # 1 - tanh(z) magnifies np.tanh's last-bit differences from math.tanh by e**(2z) / 2:
    # take math.tanh's own bits where that would exceed ~1e-14 relative
    big = np.flatnonzero(z > _TANH_EXACT_ABOVE)
    if big.size:
        th[big] = [math.tanh(v) for v in z[big].tolist()]
    return lr_min + 0.5 * (lr_max - lr_min) * (1 - th)


def _check_tanh(values: Mapping[str, Any]) -> None:
    if not values["lb"] < values["ub"]:
        raise ParamError("lb", f"lb ({values['lb']!r}) must be below ub ({values['ub']!r})")


@schedule(
    "timm-tanh",
    "TanhLRScheduler",
    "timm's hyperbolic-tangent decay with warmup and restarts: cycles like timm-cosine, "
    "each a tanh from lb to ub",
    "lr = lr_min + (lr0 * d^i - lr_min) * (1 - tanh(lb * (1 - r) + ub * r)) / 2, r = t_cur / t_i",
    _params(
        (
            Param("lb", FLOAT, "tanh argument at the start of a cycle", -7.0),
            Param("ub", FLOAT, "tanh argument at the end of a cycle (above lb)", 3.0),
        )
    ),
    example="--t-initial 100 --epochs 100",
    check=_check_tanh,
    **_DECLARED,
    explain=Explain(
        TIMM_STEPPING,
        (
            _TIMM,
            "lb must be below ub; the tanh is flat near both ends, so most of the decay "
            "happens mid-cycle.",
            "With warmup_prefix false (the default) the warmup overlays the start of the cycle.",
        ),
    ),
    emit=Emit(torch="code", torch_code=_torch_code("tanh")),
    known_as={"timm": "tanh"},
    scale_after=True,
)
def _timm_tanh(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _run("timm-tanh", count, base_lr, p, _tanh_curve, gamma_all=False)
