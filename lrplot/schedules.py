"""Schedule definitions: parameters, validation, and the LR after n scheduler steps.

Every schedule is declared once, with :func:`schedule`. Its function receives the
number of scheduler steps ``count`` and returns, as a float64 array of that
length, ``lr[j]``: the optimizer's learning rate after ``j`` calls to
``scheduler.step()`` (``lr[0]`` is the LR right after the scheduler is built).

Exactness: each function reproduces PyTorch's own arithmetic. Where PyTorch
multiplies the current LR step after step (StepLR, MultiStepLR, ExponentialLR)
the chain is replayed with ``np.cumprod``, which performs the same sequence of
double multiplications and so gives the same bits; where PyTorch's recurrence
telescopes to a closed form (CosineAnnealingLR) the closed form is evaluated with
PyTorch's operation order (measured within 1e-13 relative of the recurrence).
"""

from __future__ import annotations

import difflib
import math
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from . import plateau
from .params import (
    FLOAT,
    INT,
    INT_LIST,
    LrplotError,
    Param,
    ParamError,
    bind,
    format_value,
)

LrFunction = Callable[[int, float, Mapping[str, Any], Any], Any]  # -> np.ndarray


@dataclass(frozen=True)
class ScheduleDef:
    """A kind of schedule: its name, its parameters and how its LR is computed."""

    name: str
    torch_class: str
    summary: str
    formula: str
    params: tuple[Param, ...]
    lr_fn: LrFunction
    needs_metric: bool = False
    aliases: tuple[str, ...] = ()
    example: str = ""

    def param(self, name: str) -> Param:
        return next(p for p in self.params if p.name == name)

    def build(self, given: Mapping[str, Any], label: str | None = None) -> Schedule:
        """Validate raw values (text or native) and return a bound Schedule."""
        try:
            values = bind(self.params, given, self.name)
        except ParamError as err:
            raise err.within(self.name) from None
        return Schedule(self, values, label)


@dataclass(frozen=True)
class Schedule:
    """A schedule with all its parameters bound and checked."""

    definition: ScheduleDef
    values: Mapping[str, Any]
    label_given: str | None = None

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def needs_metric(self) -> bool:
        return self.definition.needs_metric

    def non_defaults(self) -> dict[str, Any]:
        return {
            p.name: self.values[p.name]
            for p in self.definition.params
            if p.required or self.values[p.name] != p.default
        }

    def spec(self) -> str:
        """The SPEC string that rebuilds this schedule (label not included)."""
        items = self.non_defaults()
        if not items:
            return self.name
        return self.name + ":" + ",".join(f"{k}={format_value(v)}" for k, v in items.items())

    @property
    def label(self) -> str:
        return self.label_given or self.spec()

    def title(self) -> str:
        """PyTorch-style constructor, e.g. ``CosineAnnealingLR(T_max=50, eta_min=0)``."""
        args = ", ".join(
            f"{p.torch_name}={format_value(self.values[p.name])}" for p in self.definition.params
        )
        return f"{self.definition.torch_class}({args})"

    def lr(self, count: int, base_lr: float, metric: np.ndarray | None = None) -> np.ndarray:
        """LR after j scheduler steps, for j = 0 .. count-1."""
        return self.definition.lr_fn(count, base_lr, self.values, metric)


REGISTRY: dict[str, ScheduleDef] = {}


def schedule(
    name: str,
    torch_class: str,
    summary: str,
    formula: str,
    params: tuple[Param, ...],
    needs_metric: bool = False,
    aliases: tuple[str, ...] = (),
    example: str = "",
) -> Callable[[LrFunction], LrFunction]:
    """Register a schedule. The decorated function computes its LR array."""

    def register(fn: LrFunction) -> LrFunction:
        REGISTRY[name] = ScheduleDef(
            name, torch_class, summary, formula, params, fn, needs_metric, aliases, example
        )
        return fn

    return register


def lookup(name: str) -> ScheduleDef:
    """Find a schedule by its name, an alias or its PyTorch class (any case)."""
    key = name.strip().lower().replace("_", "-")
    for d in REGISTRY.values():
        names = (d.name, d.torch_class.lower(), *d.aliases)
        if key in names:
            return d
    close = difflib.get_close_matches(key, list(REGISTRY), n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise LrplotError(f"unknown schedule {name!r}{hint} (known: {', '.join(REGISTRY)})")


def chain(first: float, factors: np.ndarray) -> np.ndarray:
    """[first, first*f1, (first*f1)*f2, ...]: the same multiplications, in the same
    order, as PyTorch's ``group['lr'] * factor`` step after step."""
    out = np.empty(len(factors) + 1)
    out[0] = first
    out[1:] = factors
    return np.cumprod(out, out=out)


def _gamma(default: float | None = 0.1, help: str = "multiplicative factor of decay") -> Param:
    from .params import REQUIRED

    return Param(
        "gamma", FLOAT, help, REQUIRED if default is None else default, low=0, low_open=True
    )


# --- the seed's five ---------------------------------------------------------


@schedule(
    "step",
    "StepLR",
    "decay the LR by gamma every step_size steps",
    "lr = lr0 * gamma ** (n // step_size)",
    (
        Param("step_size", INT, "period of LR decay, in scheduler steps", low=1),
        _gamma(),
    ),
    example="--step-size 30 --gamma 0.1 --epochs 100",
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
        ),
        _gamma(),
    ),
    example="--milestones 30,80 --gamma 0.1 --epochs 100",
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
)
def _exponential(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    return chain(base_lr, np.full(count - 1, p["gamma"]))


@schedule(
    "cosine",
    "CosineAnnealingLR",
    "cosine from lr0 down to eta_min over t_max steps, then back up (PyTorch keeps going)",
    "lr = eta_min + (lr0 - eta_min) * (1 + cos(pi * n / t_max)) / 2",
    (
        Param("t_max", INT, "half-period: steps from lr0 down to eta_min", low=1, torch="T_max"),
        Param("eta_min", FLOAT, "minimum learning rate", 0.0, low=0),
    ),
    aliases=("cos",),
    example="--t-max 50 --epochs 100",
)
def _cosine(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    eta_min, t_max = p["eta_min"], p["t_max"]
    n = np.arange(count, dtype=float)
    # PyTorch's closed form, same operation order: math.pi * n / T_max
    lr = eta_min + (base_lr - eta_min) * (1 + np.cos(math.pi * n / t_max)) / 2
    lr[:1] = base_lr  # PyTorch leaves the LR untouched at step 0 (the closed form can be 1 ulp off)
    return lr


@schedule(
    "plateau",
    "ReduceLROnPlateau",
    "multiply the LR by factor when the metric stops improving for patience steps",
    "lr = max(lr * factor, min_lr) after more than patience bad steps",
    plateau.PARAMS,
    needs_metric=True,
    aliases=("reduce-on-plateau",),
    example="--patience 5 --epochs 100 --seed 1",
)
def _plateau(
    count: int, base_lr: float, p: Mapping[str, Any], metric: np.ndarray | None
) -> np.ndarray:
    if metric is None:
        raise LrplotError("plateau needs a metric stream")
    return plateau.simulate(metric[:count], base_lr, **p)
