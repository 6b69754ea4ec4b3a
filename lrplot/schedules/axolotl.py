"""axolotl's own schedules (``axolotl.utils.schedulers``, axolotl 0.21.0), prefixed ``axolotl-``.

axolotl's trainer (``SchedulerMixin.create_scheduler``) builds one of these instead
of transformers' schedule when the config asks for it (lrplot.frameworks.axolotl
reads which): ``lr_scheduler: cosine`` with ``lr_quadratic_warmup``, with
``cosine_min_lr_ratio`` (and ``cosine_constant_lr_ratio``), or ``lr_scheduler: rex``.
The three cosines are ``LambdaLR``\\ s: after j scheduler steps the LR is ``base_lr *
lr_lambda(j)``; each function below evaluates axolotl's lambda over the step array
with numpy, in its own operation order on doubles. ``RexLR`` is an ``LRScheduler`` of
its own, built with ``last_epoch=0``: its first LR is already its step 1 (below).
The three cosines also have emulators (their lambdas line by line, in a LambdaLR), so
they can be children of ``sequential`` and ``chained``; RexLR, built at
``last_epoch=0``, has none.

Parameters keep axolotl's names; ``num_training_steps`` (``total_steps`` for rex)
defaults to the run's own number of scheduler steps, as the trainer passes its
optimizer steps. tests/test_parity.py checks every schedule against traces recorded
from axolotl's schedulers.py (tools/goldens_llmstacks.py).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np

from ..params import FLOAT, INT, REQUIRED, LrplotError, Param, ParamError
from .base import TorchScheduler, schedule
from .declare import Emit, Explain, HfForm
from .hf import HF_STEPPING, warmup_longer
from .rules import Finding, Part, decay_length, num

if TYPE_CHECKING:
    from ..engine import RunSettings, Trace

LISTING = 32  # after transformers' own (lrplot.schedules)

LIBRARY = "axolotl.utils.schedulers"
_NO_TORCH = (
    "axolotl's {torch_class} (axolotl.utils.schedulers), not a torch.optim.lr_scheduler class"
)


def _warmup() -> Param:
    return Param(
        "num_warmup_steps",
        INT,
        "steps of warmup from 0 up to lr (axolotl: warmup_steps, or warmup_ratio of the steps)",
        0,
        low=0,
        length=True,
    )


_TRAINING = Param(
    "num_training_steps",
    INT,
    "total number of training (scheduler) steps; default: the run's own number of scheduler steps",
    None,
    low=1,
    length=True,
)
_CYCLES = Param(
    "num_cycles",
    FLOAT,
    "number of cosine waves over the decay (0.5: a half cosine down to the floor)",
    0.5,
    low=0,
)


def _ratio(name: str, help: str, default: Any = REQUIRED) -> Param:
    return Param(name, FLOAT, help, default, low=0, high=1)


def _training(p: Mapping[str, Any], count: int, name: str = "num_training_steps") -> int:
    t = p[name]
    return count if t is None else t


def _steps(count: int) -> np.ndarray:
    return np.arange(count, dtype=float)


def _lr(base_lr: float, factor: np.ndarray) -> np.ndarray:
    """LambdaLR: ``base_lr * lmbda(last_epoch)``."""
    with np.errstate(over="ignore", invalid="ignore"):
        return base_lr * factor


def _progress(n: np.ndarray, w: int, t: int) -> np.ndarray:
    """``float(current_step - num_warmup_steps) / float(max(1, num_training_steps - w))``."""
    return (n - w) / float(max(1, t - w))


# --- check rules (lrplot check) and the zero start ------------------------------------------


def _floor(part: Part, base_lr: float) -> str:
    p = part.values
    if "min_lr_ratio" in p:
        return f"lr * min_lr_ratio ({num(base_lr * p['min_lr_ratio'])})"
    if "min_lr" in p:
        return f"min_lr ({num(p['min_lr'])})"
    return "0"


def run_length(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """num_training_steps (total_steps for rex) not matching the run."""
    return decay_length(part, _floor(part, settings.lr), trace)


def _zero_start(p: Mapping[str, Any], lr: float) -> tuple[str, str] | None:
    """axolotl's cosine warmups (transformers' copies) start at LR 0."""
    w = p.get("num_warmup_steps")
    if not w:
        return None
    return (
        "axolotl's warmup starts at 0",
        "harmless in a long run (axolotl's warmup has no start value to set)",
    )


_MIN_RATIO = (
    "min_lr_ratio is a fraction of lr (axolotl: cosine_min_lr_ratio), not an LR; "
    "cosine_min_lr_ratio 0 is not this schedule: axolotl then builds transformers' cosine."
)
_TRAINING_TEXT = (
    "num_training_steps must be the run's optimizer steps: axolotl passes max_steps, or "
    "the steps it counts from the dataset (ceil(samples x num_epochs / batch))."
)


# --- the emulators: LambdaLR with axolotl's lambdas, transliterated (compositions) ---------


class _AxolotlLambda(TorchScheduler):
    """torch's LambdaLR (``base_lr * lr_lambda(last_epoch)``) with one of axolotl's lambdas,
    line by line. As a child of a composition it needs num_training_steps (axolotl
    always passes it)."""

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        if values["num_training_steps"] is None:
            raise LrplotError(
                f"{self.name}: as a child of a composition it needs num_training_steps "
                "(axolotl always passes it)"
            )
        self.values = values
        self.reloaded()
        super().__init__(group, values, last_epoch)

    # a LambdaLR of a partial: its state_dict holds none of the lambda's parameters
    @property
    def unsaved(self) -> tuple[str, ...]:  # type: ignore[override]
        return tuple(self.values)

    def reloaded(self) -> None:
        self.w: int = self.values["num_warmup_steps"]
        self.t: int = self.values["num_training_steps"]

    name = ""  # the schedule's

    def get_lr(self) -> float:
        return self.base_lr * self.lmbda(self.last_epoch)

    def lmbda(self, current_step: int) -> float:
        raise NotImplementedError


class CosineMinLr(_AxolotlLambda):
    """_get_cosine_schedule_with_min_lr_lambda."""

    name = "axolotl-cosine-min-lr"

    def lmbda(self, current_step: int) -> float:
        w, t, r = self.w, self.t, self.values["min_lr_ratio"]
        if current_step < w:
            return float(current_step) / float(max(1, w))
        progress = float(current_step - w) / float(max(1, t - w))
        scaling = 0.5 * (1.0 + math.cos(math.pi * progress))
        return (1 - r) * scaling + r


class CosineConstant(_AxolotlLambda):
    """_get_cosine_schedule_with_warmup_decay_constant_lr_lambda."""

    name = "axolotl-cosine-constant"

    def lmbda(self, current_step: int) -> float:
        w, t, p = self.w, self.t, self.values
        if current_step < w:
            return float(current_step) / float(max(1, w))
        num_constant_steps = int(t * p["constant_lr_ratio"])
        current_step = min(current_step, num_constant_steps)
        progress = float(current_step - w) / float(max(1, num_constant_steps - w))
        m = p["min_lr_ratio"]
        cosine = (1 - m) * 0.5 * (1.0 + math.cos(math.pi * float(p["num_cycles"]) * 2.0 * progress))
        return max(0, cosine) + m


class CosineQuadratic(_AxolotlLambda):
    """_get_cosine_schedule_with_quadratic_warmup_lr_lambda."""

    name = "axolotl-cosine-quadratic"

    def lmbda(self, current_step: int) -> float:
        w, t = self.w, self.t
        if current_step < w:
            return (float(current_step) / float(max(1, w))) ** 2
        progress = float(current_step - w) / float(max(1, t - w))
        cycles = float(self.values["num_cycles"])
        return max(0.0, 0.5 * (1.0 + math.cos(math.pi * cycles * 2.0 * progress)))


def _min_lr_as_hf(p: Mapping[str, Any], w: int, count: int) -> HfForm | None:
    """transformers' cosine_with_min_lr (num_cycles 0.5, min_lr_rate = min_lr_ratio) is the
    same lambda: pi * 0.5 * 2.0 is pi exactly, and max(0, .) never bites (emit checks it)."""
    if w:
        return None
    values = {
        "num_warmup_steps": p["num_warmup_steps"],
        "num_training_steps": _training(p, count),
        "min_lr_rate": p["min_lr_ratio"],
    }
    return HfForm("cosine_with_min_lr", values)


@schedule(
    "axolotl-cosine-min-lr",
    "get_cosine_schedule_with_min_lr",
    "axolotl's cosine to a floor: warm up from 0 to lr, then a half cosine down to "
    "lr * min_lr_ratio at num_training_steps (past it the cosine rises again)",
    "lr = lr0 * n/w while n < w, then lr0 * ((1 - r) * (1 + cos(pi (n - w) / (T - w))) / 2 + r)",
    (
        _warmup(),
        _TRAINING,
        _ratio("min_lr_ratio", "the floor, as a fraction of lr (cosine_min_lr_ratio)", 0.0),
    ),
    example="--num-warmup-steps 10 --min-lr-ratio 0.1 --epochs 100",
    emulator=CosineMinLr,
    library=LIBRARY,
    explain=Explain(
        HF_STEPPING,
        (
            _MIN_RATIO,
            _TRAINING_TEXT,
            "There is no num_cycles and no max(0, .): past num_training_steps the cosine "
            "rises again.",
        ),
        notes=(
            "axolotl builds it for lr_scheduler: cosine (its default) with "
            "cosine_min_lr_ratio > 0 and no cosine_constant_lr_ratio.",
        ),
    ),
    lint=(warmup_longer, run_length),
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"axolotl": "cosine + cosine_min_lr_ratio"},
    emit=Emit(torch="", no_torch=_NO_TORCH, hf=_min_lr_as_hf, run_defaults=("num_training_steps",)),
)
def _cosine_min_lr(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t, r = p["num_warmup_steps"], _training(p, count), p["min_lr_ratio"]
    n = _steps(count)
    k = min(w, count)
    f = np.empty(count)
    f[:k] = n[:k] / float(max(1, w))
    scaling = 0.5 * (1.0 + np.cos(math.pi * _progress(n[k:], w, t)))
    f[k:] = (1 - r) * scaling + r
    return _lr(base_lr, f)


@schedule(
    "axolotl-cosine-constant",
    "get_cosine_schedule_with_warmup_decay_constant",
    "axolotl's warmup, cosine decay, constant: warm up from 0 to lr, a cosine down to "
    "lr * min_lr_ratio until num_training_steps * constant_lr_ratio, then constant",
    "lr = lr0 * n/w while n < w, then lr0 * (max(0, (1 - r) (1 + cos(2 pi c (m - w) / (C - w))) "
    "/ 2) + r), m = min(n, C), C = int(T * constant_lr_ratio)",
    (
        _warmup(),
        _TRAINING,
        _ratio(
            "constant_lr_ratio",
            "share of num_training_steps the cosine lasts; the LR is constant after it "
            "(cosine_constant_lr_ratio)",
        ),
        _ratio("min_lr_ratio", "the floor, as a fraction of lr (cosine_min_lr_ratio)"),
        _CYCLES,
    ),
    example="--num-warmup-steps 10 --constant-lr-ratio 0.8 --min-lr-ratio 0.1 --epochs 100",
    emulator=CosineConstant,
    library=LIBRARY,
    explain=Explain(
        HF_STEPPING,
        (
            _MIN_RATIO,
            "The cosine ends at step int(num_training_steps x constant_lr_ratio); the LR "
            "then stays at lr * min_lr_ratio to the end of the run.",
            _TRAINING_TEXT,
        ),
        notes=(
            "axolotl builds it for lr_scheduler: cosine with both cosine_min_lr_ratio > 0 "
            "and cosine_constant_lr_ratio > 0 (Gupta et al. 2023, continual pre-training).",
        ),
    ),
    lint=(warmup_longer,),  # past its num_training_steps it only holds its floor
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"axolotl": "cosine + cosine_min_lr_ratio + cosine_constant_lr_ratio"},
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _cosine_constant(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    m, cycles = p["min_lr_ratio"], float(p["num_cycles"])
    constant = int(t * p["constant_lr_ratio"])
    n = _steps(count)
    k = min(w, count)
    f = np.empty(count)
    f[:k] = n[:k] / float(max(1, w))
    progress = (np.minimum(n[k:], constant) - w) / float(max(1, constant - w))
    x = (1 - m) * 0.5 * (1.0 + np.cos(math.pi * cycles * 2.0 * progress))
    f[k:] = np.where(x > 0, x, 0.0) + m  # Python's max(0, x) + min_lr_ratio
    return _lr(base_lr, f)


@schedule(
    "axolotl-cosine-quadratic",
    "get_cosine_schedule_with_quadratic_warmup",
    "axolotl's cosine with a quadratic warmup: the LR rises as (n / w)^2 from 0 to lr, "
    "then a half cosine to 0 at num_training_steps",
    "lr = lr0 * (n/w)^2 while n < w, then lr0 * max(0, (1 + cos(2 pi c (n - w) / (T - w))) / 2)",
    (_warmup(), _TRAINING, _CYCLES),
    example="--num-warmup-steps 20 --epochs 100",
    emulator=CosineQuadratic,
    library=LIBRARY,
    explain=Explain(
        HF_STEPPING,
        (
            "The warmup is quadratic: half way through it the LR is a quarter of lr.",
            _TRAINING_TEXT,
            "Past num_training_steps the cosine keeps going and the LR rises again.",
        ),
        notes=(
            "axolotl builds it for lr_scheduler: cosine with lr_quadratic_warmup: true (it "
            "wins over cosine_min_lr_ratio).",
        ),
    ),
    lint=(warmup_longer, run_length),
    run_length=("num_training_steps",),
    zero_start=_zero_start,
    known_as={"axolotl": "cosine + lr_quadratic_warmup"},
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("num_training_steps",)),
)
def _cosine_quadratic(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, t = p["num_warmup_steps"], _training(p, count)
    n = _steps(count)
    k = min(w, count)
    f = np.empty(count)
    # Python's x ** 2 is libm's pow(x, 2.0), not always numpy's x * x (one ulp, at some x)
    f[:k] = np.fromiter((x**2 for x in (n[:k] / float(max(1, w))).tolist()), float, k)
    x = 0.5 * (1.0 + np.cos(math.pi * float(p["num_cycles"]) * 2.0 * _progress(n[k:], w, t)))
    f[k:] = np.where(x > 0.0, x, 0.0)
    return _lr(base_lr, f)


def _check_rex(values: Mapping[str, Any]) -> None:
    lo, hi = values["min_lr"], values["max_lr"]
    if hi is not None and lo > hi:
        raise ParamError("min_lr", f"min_lr ({lo:g}) must not exceed max_lr ({hi:g}): RexLR raises")
    t, w = values["total_steps"], values["num_warmup_steps"]
    if t is not None and w > t:
        raise ParamError(
            "num_warmup_steps",
            f"num_warmup_steps ({w}) must not exceed total_steps ({t}): RexLR raises",
        )


@schedule(
    "axolotl-rex",
    "RexLR",
    "axolotl's REX (reflected exponential): warm up from lr/w to lr, then decay as "
    "z / (0.1 + 0.9 z) to min_lr, z the share of the decay left",
    "lr = lr0 * (n+1)/w while n+1 <= w, then lr0 * (a + (1 - a) * z / (0.1 + 0.9 z)), "
    "z = (T - n - 1) / (T - w), a = min_lr / max_lr; min_lr from n = T - 1",
    (
        Param(
            "max_lr",
            FLOAT,
            "the peak LR (axolotl: learning_rate); default: the run's lr",
            None,
            low=0,
            low_open=True,
        ),
        Param(
            "min_lr",
            FLOAT,
            "the final LR (axolotl: learning_rate * cosine_min_lr_ratio, else 0)",
            0.0,
            low=0,
        ),
        Param(
            "total_steps",
            INT,
            "total number of training steps; default: the run's own number of scheduler steps",
            None,
            low=0,
            length=True,
        ),
        Param("num_warmup_steps", INT, "steps of linear warmup up to lr", 0, low=0, length=True),
    ),
    example="--num-warmup-steps 10 --epochs 100",
    check=_check_rex,
    library=LIBRARY,
    explain=Explain(
        HF_STEPPING,
        (
            "RexLR is built with last_epoch=0, so its first LR is already its step 1: the "
            "warmup starts at lr / num_warmup_steps and reaches lr one step early, and the "
            "last step of a run of total_steps is at min_lr.",
            "min_lr is an LR (axolotl: learning_rate x cosine_min_lr_ratio), not a ratio.",
        ),
        notes=("axolotl builds it for lr_scheduler: rex.",),
    ),
    lint=(run_length,),
    run_length=("total_steps",),
    known_as={"axolotl": "rex"},
    emit=Emit(torch="", no_torch=_NO_TORCH, run_defaults=("total_steps",)),
)
def _rex(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    w, total = p["num_warmup_steps"], _training(p, count, "total_steps")
    max_lr = base_lr if p["max_lr"] is None else p["max_lr"]
    min_lr = p["min_lr"]
    if min_lr > max_lr:
        raise ParamError("min_lr", f"axolotl-rex: min_lr ({min_lr:g}) exceeds max_lr ({max_lr:g})")
    if w > total:
        raise ParamError(
            "num_warmup_steps",
            f"axolotl-rex: num_warmup_steps ({w}) exceeds total_steps ({total})",
        )
    step = np.arange(1, count + 1)  # last_step after j step() calls: j + 1 (built at 0)
    out = np.full(count, float(min_lr))
    warm = (step >= 1) & (step <= w)
    with np.errstate(over="ignore", invalid="ignore"):
        out[warm] = base_lr * step[warm].astype(float) / w
        after = step - w
        remaining = total - w
        decays = ~warm & (after < remaining) & (after != -1) & (remaining > 0)
        if decays.any():
            mod_iter = after[decays] % remaining
            z = (remaining - mod_iter) / remaining
            ratio = min_lr / max_lr
            factor = ratio + (1.0 - ratio) * (z / (0.1 + 0.9 * z))
            out[decays] = base_lr * factor
    return out
