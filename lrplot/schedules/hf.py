"""HuggingFace transformers' schedules (``transformers.get_scheduler`` types), prefixed ``hf-``.

Every one of them is a ``torch.optim.lr_scheduler.LambdaLR``: after j scheduler
steps the LR is ``base_lr * lr_lambda(j)``, with ``lr_lambda`` one of the
``_get_*_lr_lambda`` functions of ``transformers/optimization.py``. Each function
below evaluates that lambda over the whole step array with numpy, in transformers'
own operation order on doubles (Python floats), so the LRs match PyTorch's to the
last bit or within an ulp (``np.cos``/``np.sqrt`` give ``math``'s bits here).

Parameters keep transformers' names and defaults, except ``num_training_steps``,
which defaults to the run's own number of scheduler steps (``count``): the
``Trainer`` passes the number of optimizer steps, and so does lrplot unless told
otherwise. transformers' own ValueErrors become one-line :class:`LrplotError`\\ s.
tests/test_parity.py checks every schedule against traces recorded from the real
package (tools/goldens_hf.py).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from ..params import CHOICE, FLOAT, INT, REQUIRED, Param, ParamError
from ._pyfloat import py_pow
from .base import lambda_resume, schedule
from .declare import Emit, Explain, Stepping
from .rules import Finding, Part, decay_length, format_value, num

LISTING = 30  # where its schedules come in `lrplot list` (lrplot.schedules)

# --- shared parameters and pieces -----------------------------------------------------


def _warmup(help: str = "steps of linear warmup from 0 up to lr") -> Param:
    return Param("num_warmup_steps", INT, help, 0, low=0, length=True)


_TRAINING = Param(
    "num_training_steps",
    INT,
    "total number of training (scheduler) steps; default: the run's own number of scheduler steps",
    None,
    low=1,
    length=True,
)


def _cycles(default: float, help: str) -> Param:
    return Param("num_cycles", FLOAT, help, default, low=0)


def _min_lr_params() -> tuple[Param, ...]:
    return (
        Param(
            "min_lr",
            FLOAT,
            "the LR at the end of the cosine (give this or min_lr_rate)",
            None,
            low=0,
        ),
        Param(
            "min_lr_rate",
            FLOAT,
            "the LR at the end of the cosine, as a fraction of lr (give this or min_lr)",
            None,
            low=0,
        ),
    )


def _one_min_lr(values: Mapping[str, Any]) -> None:
    """transformers: exactly one of min_lr and min_lr_rate."""
    if values["min_lr"] is not None and values["min_lr_rate"] is not None:
        raise ParamError("min_lr", "give only one of min_lr or min_lr_rate, not both")
    if values["min_lr"] is None and values["min_lr_rate"] is None:
        raise ParamError("min_lr", "give min_lr or min_lr_rate (exactly one of them)")


def _min_lr_rate(p: Mapping[str, Any], base_lr: float) -> float:
    # transformers: min_lr_rate = min_lr / optimizer.defaults["lr"]
    return p["min_lr_rate"] if p["min_lr"] is None else p["min_lr"] / base_lr


def _training(p: Mapping[str, Any], count: int) -> int:
    t = p["num_training_steps"]
    return count if t is None else t


def _steps(count: int) -> np.ndarray:
    """float(current_step) for every step: exact (count <= 1e8 < 2**53)."""
    return np.arange(count, dtype=float)


def _positive(x: np.ndarray) -> np.ndarray:
    """Python's ``max(0.0, x)``, element-wise: x if x > 0 else 0.0 (0.0 for NaN too)."""
    return np.where(x > 0.0, x, 0.0)


def _linear_warmup(n: np.ndarray, warmup: int) -> np.ndarray:
    """``float(current_step) / float(max(1, num_warmup_steps))``."""
    return n / float(max(1, warmup))


def _warmed(count: int, w: int, after: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """The factor of every step: the linear warmup while n < w, then ``after(n)`` (for
    the steps n >= w): the shape of every transformers schedule with warmup."""
    n = _steps(count)
    k = min(w, count)
    f = np.empty(count)
    f[:k] = _linear_warmup(n[:k], w)
    f[k:] = after(n[k:])
    return f


def _lr(base_lr: float, factor: np.ndarray) -> np.ndarray:
    """LambdaLR: ``base_lr * lmbda(last_epoch)``."""
    with np.errstate(over="ignore", invalid="ignore"):
        return base_lr * factor


Factor = Callable[[int, float, Mapping[str, Any]], "np.ndarray"]  # a string: no numpy at import


def _on_group(factor: Factor) -> Callable[..., np.ndarray]:
    """A param group's LR for a lambda that reads ``optimizer.defaults["lr"]`` (the run's
    lr, shared by the groups): the group's own base lr times the lambda of the run's lr."""

    def group_lr(
        count: int, lr: float, group_lr: float, p: Mapping[str, Any], metric: Any
    ) -> np.ndarray:
        return _lr(group_lr, factor(count, lr, p))

    return group_lr


# --- check rules (lrplot check): each looks at one part of the run (schedules.rules)


def warmup_longer(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """transformers' num_warmup_steps not shorter than num_training_steps (or the run)."""
    w = part.values["num_warmup_steps"]
    t = part.values.get("num_training_steps") or part.length
    if w < t or w == 0:
        return []
    return [
        Finding(
            "warmup",
            f"{part.subject} warms up for {w} steps, not fewer than its {t} training "
            "steps, so it never gets past the warmup: set "
            f"{part.option('num_warmup_steps', t // 10)} (10% of them) or less",
            "num_warmup_steps",
        )
    ]


def _floor(part: Part, base_lr: float) -> str:
    """What a transformers schedule decays to, in words."""
    p = part.values
    if "lr_end" in p:
        return f"lr_end ({format_value(p['lr_end'])})"
    if p.get("min_lr") is not None:
        return f"min_lr ({format_value(p['min_lr'])})"
    if p.get("min_lr_rate") is not None:
        return f"lr * min_lr_rate ({num(base_lr * p['min_lr_rate'])})"
    return "0"


def training_steps(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """transformers' num_training_steps not matching the run."""
    return decay_length(part, _floor(part, settings.lr), trace)


def wsd_phases(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """warmup + stable + decay not adding up to the run."""
    p, n = part.values, part.length
    w, d, s, t = (
        p["num_warmup_steps"],
        p["num_decay_steps"],
        p["num_stable_steps"],
        p["num_training_steps"],
    )
    if s is None:
        if t is None or t == n:
            return []
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
        return []
    lr = part.lr(trace)
    if phases < n:
        then = f"the LR stays at {num(lr[-1])} for the last {n - phases} steps"
    else:
        then = f"the decay is cut off at LR {num(lr[-1])}"
    return [
        Finding(
            "wsd-phases",
            f"{part.subject} phases add up to {w} + {s} + {d} = {phases} steps, but "
            f"{part.has}: {then}; {fix}",
            param,
        )
    ]


def _zero_start(p: Mapping[str, Any], lr: float) -> tuple[str, str] | None:
    """transformers' warmups start at LR 0."""
    w = p.get("num_warmup_steps")
    if not w:
        return None
    return (
        "transformers' warmup starts at 0",
        "harmless in a long run; to avoid it, replace --num-warmup-steps "
        f"{w} by --warmup {w} --warmup-start {1 / w:.3g}",
    )


# --emit torch: none (a transformers function, not a torch.optim.lr_scheduler class)
_NO_TORCH = "transformers' {torch_class}, not a torch.optim.lr_scheduler class"

# the rules of the schedules that decay over num_training_steps
_DECAYS = (warmup_longer, training_steps)


# --- the schedules ---------------------------------------------------------------------


HF_STEPPING = Stepping(
    "After every optimizer.step() (the Trainer does this): num_warmup_steps and "
    "num_training_steps count optimizer steps, after gradient accumulation (lrplot: "
    "--interval step).",
    "        scheduler.step()            # after every optimizer step",
)
_HF_MIN_LR = "Give exactly one of min_lr (an LR) and min_lr_rate (a fraction of lr)."
_HF_TRAINING = (
    "num_training_steps must be the run's optimizer steps (epochs x steps per epoch, after "
    "gradient accumulation): too large and the decay never finishes, too small and the LR "
    "sits at its end value (or rises again)."
)
_WARMUP_ZERO = (
    "The warmup starts at LR 0, so the first optimizer step does nothing (lrplot check says so)."
)


@schedule(
    "hf-linear",
    "get_linear_schedule_with_warmup",
    "transformers' linear: warm up from 0 to lr, then decay linearly to 0 at "
    "num_training_steps (and stay there)",
    "lr = lr0 * n/w while n < w, then lr0 * max(0, (T - n) / (T - w))",
    (_warmup(), _TRAINING),
    example="--num-warmup-steps 10 --epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_TRAINING,
            _WARMUP_ZERO,
            "From num_training_steps on the LR is 0.",
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "linear"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _linear(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    f = _warmed(count, w, lambda n: _positive((t - n) / float(max(1, t - w))))
    return _lr(base_lr, f)


def _cosine_factor(n: np.ndarray, w: int, t: int, cycles: float) -> np.ndarray:
    """transformers' cosine after warmup, before max(0, .):
    ``0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))``."""
    progress = (n - w) / float(max(1, t - w))
    return 0.5 * (1.0 + np.cos(math.pi * float(cycles) * 2.0 * progress))


@schedule(
    "hf-cosine",
    "get_cosine_schedule_with_warmup",
    "transformers' cosine: warm up from 0 to lr, then a half cosine (num_cycles=0.5) "
    "to 0 at num_training_steps; past it the cosine keeps going",
    "lr = lr0 * n/w while n < w, then lr0 * (1 + cos(2 pi c (n - w) / (T - w))) / 2",
    (
        _warmup(),
        _TRAINING,
        _cycles(0.5, "number of cosine waves over the decay (0.5: from lr down to 0)"),
    ),
    example="--num-warmup-steps 10 --epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_TRAINING,
            "num_cycles=0.5 is one half cosine down to 0; a larger value is more waves (they "
            "rise again), not restarts (see hf-cosine-with-restarts).",
            "Past num_training_steps the cosine keeps going and the LR rises again.",
            _WARMUP_ZERO,
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    # torchtune's own copy of transformers' v4.23 lambda: the same LRs, bit for bit
    known_as={
        "hf": "cosine",
        "torchtune": "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup",
    },
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _cosine(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    # transformers' lambda also does factor * (1 - 0.0) + 0.0 (min_lr_rate=0): no change
    f = _warmed(count, w, lambda n: _positive(_cosine_factor(n, w, t, p["num_cycles"])))
    return _lr(base_lr, f)


@schedule(
    "hf-cosine-with-restarts",
    "get_cosine_with_hard_restarts_schedule_with_warmup",
    "transformers' cosine with hard restarts: warm up, then num_cycles cosines from lr "
    "to 0, each restarting at lr; 0 from num_training_steps on",
    "lr = lr0 * (1 + cos(pi * ((c * (n - w) / (T - w)) % 1))) / 2 after warmup, 0 from T",
    (
        _warmup(),
        _TRAINING,
        _cycles(1, "number of cosine cycles (hard restarts); 2.5 ends half way down a third"),
    ),
    aliases=("hf-cosine-with-hard-restarts",),
    example="--num-warmup-steps 10 --num-cycles 3 --epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_TRAINING,
            "num_cycles counts cosines, each restarting at lr; a fraction (2.5) ends part "
            "way down the last one, which then drops to 0 at num_training_steps.",
            "From num_training_steps on the LR is 0.",
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "cosine_with_restarts"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _restarts(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)

    def after(n: np.ndarray) -> np.ndarray:
        progress = (n - w) / float(max(1, t - w))
        wave = (float(p["num_cycles"]) * progress) % 1.0
        cosine = _positive(0.5 * (1.0 + np.cos(math.pi * wave)))
        return np.where(progress >= 1.0, 0.0, cosine)

    return _lr(base_lr, _warmed(count, w, after))


def _check_polynomial(values: Mapping[str, Any]) -> None:
    if values["num_training_steps"] == values["num_warmup_steps"]:
        raise ParamError(
            "num_training_steps",
            f"num_training_steps ({values['num_training_steps']}) must differ from "
            f"num_warmup_steps: transformers divides by their difference",
        )


@schedule(
    "hf-polynomial",
    "get_polynomial_decay_schedule_with_warmup",
    "transformers' polynomial decay: warm up, then decay from lr to lr_end as "
    "(remaining fraction) ** power; lr_end from num_training_steps on",
    "lr = (lr0 - lr_end) * (1 - (n - w) / (T - w)) ** power + lr_end after warmup",
    (
        _warmup(),
        _TRAINING,
        Param("lr_end", FLOAT, "the final LR (must be below lr)", 1e-7, low=0),
        Param("power", FLOAT, "power of the polynomial (1: linear)", 1.0, low=0),
    ),
    example="--num-warmup-steps 10 --power 2 --epochs 100",
    check=_check_polynomial,
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_TRAINING,
            "lr_end is an LR and must be below the optimizer's lr (transformers raises "
            "otherwise); the default is 1e-7.",
            "From num_training_steps on the LR stays at lr_end.",
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "polynomial"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
    group_fn=_on_group(lambda count, lr, p: _polynomial_factor(count, lr, p)),
)
def _polynomial(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _lr(base_lr, _polynomial_factor(count, base_lr, p))


def _polynomial_factor(count: int, defaults_lr: float, p: Mapping[str, Any]) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    lr_end, power = p["lr_end"], p["power"]
    lr_init = defaults_lr  # optimizer.defaults["lr"]
    if not (lr_init > lr_end):
        raise ParamError(
            "lr_end",
            f"hf-polynomial: lr_end ({lr_end!r}) must be smaller than the initial lr ({lr_init!r})",
        )
    n = _steps(count)
    k = min(w, count)
    f = np.empty(count)
    f[:k] = _linear_warmup(n[:k], w)
    hi = min(max(t + 1, k), count)  # steps k .. t decay; past t: lr_end / lr_init
    if hi > k:
        decay_steps = t - w
        pct_remaining = 1 - (n[k:hi] - w) / decay_steps
        # Python's float ** (libm's pow), as transformers computes it: numpy's array
        # power differs in the last bit on some steps
        f[k:hi] = ((lr_init - lr_end) * py_pow(pct_remaining, power) + lr_end) / lr_init
    f[hi:] = lr_end / lr_init
    return f


@schedule(
    "hf-constant",
    "get_constant_schedule",
    "transformers' constant: the LR never changes",
    "lr = lr0",
    (),
    example="--epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        ("It never changes the LR: for a warmup use hf-constant-with-warmup or --warmup.",),
    ),
    zero_start=_zero_start,
    known_as={"hf": "constant"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=()),
)
def _constant(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return np.full(count, base_lr * 1)


@schedule(
    "hf-constant-with-warmup",
    "get_constant_schedule_with_warmup",
    "transformers' constant with warmup: warm up linearly from 0 to lr, then constant",
    "lr = lr0 * n/w while n < w, then lr0",
    (_warmup(),),
    example="--num-warmup-steps 10 --epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _WARMUP_ZERO,
            "num_warmup_steps counts optimizer steps, after gradient accumulation.",
        ),
    ),
    lint=(warmup_longer,),
    zero_start=_zero_start,
    known_as={"hf": "constant_with_warmup"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=()),
)
def _constant_warmup(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w = p["num_warmup_steps"]
    k = min(w, count)
    f = np.ones(count)
    f[:k] = _steps(k) / float(max(1.0, w))
    return _lr(base_lr, f)


@schedule(
    "hf-inverse-sqrt",
    "get_inverse_sqrt_schedule",
    "transformers' inverse square root: warm up, then lr / sqrt((n + timescale - w) / timescale)",
    "lr = lr0 * n/w while n < w, then lr0 / sqrt((n + s - w) / s), s = timescale",
    (
        _warmup(),
        Param(
            "timescale",
            INT,
            "time scale of the decay; default: num_warmup_steps, or 10000 without warmup",
            None,
            low=1,
            length=True,
        ),
    ),
    example="--num-warmup-steps 10 --epochs 100",
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            "Without a warmup, timescale defaults to 10000 steps: the decay starts very slowly.",
            "There is no floor: the LR keeps falling as 1 / sqrt(step).",
        ),
    ),
    lint=(warmup_longer,),
    zero_start=_zero_start,
    known_as={"hf": "inverse_sqrt"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=()),
)
def _inverse_sqrt(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w = p["num_warmup_steps"]
    timescale = p["timescale"] if p["timescale"] is not None else (w or 10_000)
    shift = timescale - w
    f = _warmed(count, w, lambda n: 1.0 / np.sqrt((n + shift) / timescale))
    return _lr(base_lr, f)


@schedule(
    "hf-cosine-with-min-lr",
    "get_cosine_with_min_lr_schedule_with_warmup",
    "transformers' cosine to a floor: warm up, then a half cosine from lr down to min_lr "
    "(or lr * min_lr_rate) at num_training_steps",
    "lr = lr0 * (r + (1 - r) * (1 + cos(2 pi c (n - w) / (T - w))) / 2) after warmup",
    (
        _warmup(),
        _TRAINING,
        _cycles(0.5, "number of cosine waves over the decay (0.5: from lr down to min_lr)"),
        *_min_lr_params(),
    ),
    example="--num-warmup-steps 10 --min-lr-rate 0.1 --epochs 100",
    check=_one_min_lr,
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_MIN_LR,
            _HF_TRAINING,
            "Past num_training_steps the cosine rises again.",
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "cosine_with_min_lr"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
    group_fn=_on_group(lambda count, lr, p: _cosine_min_lr_factor(count, lr, p)),
)
def _cosine_min_lr(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return _lr(base_lr, _cosine_min_lr_factor(count, base_lr, p))


def _cosine_min_lr_factor(count: int, defaults_lr: float, p: Mapping[str, Any]) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    rate = _min_lr_rate(p, defaults_lr)

    def after(n: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return _positive(_cosine_factor(n, w, t, p["num_cycles"]) * (1 - rate) + rate)

    return _warmed(count, w, after)


@schedule(
    "hf-cosine-warmup-with-min-lr",
    "get_cosine_with_min_lr_schedule_with_warmup_lr_rate",
    "transformers' cosine_warmup_with_min_lr: warmup that starts above 0 (at 1/w, or "
    "warmup_lr_rate), then a cosine reaching min_lr at step T-1",
    "lr = lr0 * (n+1)/w while n < w, then lr0 * (r + (1 - r) * (1 + cos(2 pi c "
    "(n - w + 1) / (T - w))) / 2)",
    (
        _warmup(),
        _TRAINING,
        _cycles(0.5, "number of cosine waves over the decay (0.5: from lr down to min_lr)"),
        *_min_lr_params(),
        Param(
            "warmup_lr_rate",
            FLOAT,
            "the first warmup LR as a fraction of lr; default: (n + 1) / num_warmup_steps",
            None,
            low=0,
        ),
    ),
    example="--num-warmup-steps 10 --min-lr-rate 0.1 --epochs 100",
    check=_one_min_lr,
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            _HF_MIN_LR,
            "Unlike the other transformers warmups it starts above 0 (lr / num_warmup_steps, "
            "or warmup_lr_rate), and the cosine reaches its floor at step num_training_steps "
            "- 1.",
            _HF_TRAINING,
        ),
    ),
    lint=_DECAYS,
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "cosine_warmup_with_min_lr"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
    group_fn=_on_group(lambda count, lr, p: _cosine_warmup_min_lr_factor(count, lr, p)),
)
def _cosine_warmup_min_lr(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray:
    return _lr(base_lr, _cosine_warmup_min_lr_factor(count, base_lr, p))


def _cosine_warmup_min_lr_factor(
    count: int, defaults_lr: float, p: Mapping[str, Any]
) -> np.ndarray:
    w, t = float(p["num_warmup_steps"]), float(_training(p, count))
    rate, wr = _min_lr_rate(p, defaults_lr), p["warmup_lr_rate"]
    n = _steps(count)
    k = min(p["num_warmup_steps"], count)
    f = np.empty(count)
    if wr is None:
        f[:k] = (n[:k] + 1.0) / max(1.0, w)
    else:
        f[:k] = wr + (1.0 - wr) * n[:k] / max(1, w - 1)
    progress = (n[k:] - w + 1.0) / max(1.0, t - w)
    with np.errstate(invalid="ignore"):
        factor = 0.5 * (1.0 + np.cos(math.pi * p["num_cycles"] * 2.0 * progress))
        factor = factor * (1 - rate) + rate
    f[k:] = _positive(factor)
    return f


_SHAPES = ("linear", "cosine", "1-sqrt")


def _check_wsd(values: Mapping[str, Any]) -> None:
    t = values["num_training_steps"]
    if values["num_stable_steps"] is None and t is not None:
        _stable_steps(values, t)


def _stable_steps(p: Mapping[str, Any], t: int) -> int:
    """transformers: num_stable_steps, else num_training_steps - warmup - decay."""
    if p["num_stable_steps"] is not None:
        return p["num_stable_steps"]
    w, d = p["num_warmup_steps"], p["num_decay_steps"]
    if w + d > t:
        raise ParamError(
            "num_decay_steps",
            f"num_warmup_steps + num_decay_steps ({w} + {d}) exceed num_training_steps "
            f"({t}): give a shorter decay or warmup, a larger num_training_steps, or "
            f"num_stable_steps",
        )
    return t - w - d


@schedule(
    "hf-warmup-stable-decay",
    "get_wsd_schedule",
    "transformers' warmup-stable-decay (trapezoidal, WSD): warm up, hold lr, then decay "
    "(linear, cosine or 1-sqrt) to lr * min_lr_ratio and stay there",
    "lr = lr0 after warmup until w + s, then lr0 * (m + (1 - m) * decay((n - w - s) / d)), "
    "decay 1-sqrt: 1 - sqrt(x)",
    (
        _warmup("steps of warmup from lr * min_lr_ratio up to lr"),
        Param("num_decay_steps", INT, "steps of the final decay", REQUIRED, low=0, length=True),
        Param(
            "num_training_steps",
            INT,
            "total steps, giving num_stable_steps = num_training_steps - num_warmup_steps - "
            "num_decay_steps; default: the run's own number of scheduler steps",
            None,
            low=1,
            length=True,
        ),
        Param(
            "num_stable_steps",
            INT,
            "steps at lr between warmup and decay (if given, num_training_steps is not used)",
            None,
            low=0,
            length=True,
        ),
        Param("warmup_type", CHOICE, "shape of the warmup", "linear", choices=_SHAPES),
        Param("decay_type", CHOICE, "shape of the decay", "cosine", choices=_SHAPES),
        Param(
            "min_lr_ratio",
            FLOAT,
            "the LR before warmup and after decay, as a fraction of lr",
            0.0,
            low=0,
            high=1,
        ),
        _cycles(0.5, "number of cosine waves in a cosine decay (0.5: a half cosine)"),
    ),
    aliases=("wsd", "hf-wsd"),
    example="--num-warmup-steps 10 --num-decay-steps 20 --decay-type 1-sqrt --epochs 100",
    check=_check_wsd,
    library="transformers",
    explain=Explain(
        HF_STEPPING,
        (
            "num_warmup_steps + num_stable_steps + num_decay_steps should add up to the run; "
            "when num_stable_steps is given, num_training_steps is not used.",
            "min_lr_ratio is a fraction of lr (the LR before the warmup and after the decay), "
            "not an LR.",
            "With min_lr_ratio 0 the warmup starts at LR 0: the first optimizer step does nothing.",
        ),
    ),
    lint=(wsd_phases,),
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"hf": "warmup_stable_decay"},
    resume=lambda_resume,
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _wsd(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, d = p["num_warmup_steps"], p["num_decay_steps"]
    try:
        stable = _stable_steps(p, _training(p, count))
    except ParamError as err:
        raise err.within("hf-warmup-stable-decay") from None
    m, cycles = p["min_lr_ratio"], p["num_cycles"]
    n = _steps(count)
    f = np.full(count, float(m))  # past the decay: min_lr_ratio
    a = min(w, count)
    b = min(w + stable, count)
    c = min(w + stable + d, count)
    progress = n[:a] / float(max(1, w))
    if p["warmup_type"] == "linear":
        factor = progress
    elif p["warmup_type"] == "cosine":
        factor = 0.5 * (1.0 - np.cos(math.pi * progress))
    else:
        factor = 1.0 - np.sqrt(1.0 - progress)
    f[:a] = _positive(factor * (1.0 - m) + m)
    f[a:b] = 1.0
    progress = (n[b:c] - w - stable) / float(max(1, d))
    if p["decay_type"] == "linear":
        factor = 1.0 - progress
    elif p["decay_type"] == "cosine":
        factor = 0.5 * (1.0 + np.cos(math.pi * float(cycles) * 2.0 * progress))
    else:
        factor = 1.0 - np.sqrt(progress)
    f[b:c] = _positive(factor * (1.0 - m) + m)
    return _lr(base_lr, f)
