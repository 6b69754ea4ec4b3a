"""The schedule registry: what a schedule is, and how one is declared and found.

Every schedule is declared once, with :func:`schedule`. Its function receives the
number of scheduler steps ``count`` and returns, as a float64 array of that
length, ``lr[j]``: the optimizer's learning rate after ``j`` calls to
``scheduler.step()`` (``lr[0]`` is the LR right after the scheduler is built).
The declaration's parameters drive the CLI options, SPEC and config parsing,
validation, help and ``lrplot list``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np

from ..params import LrplotError, Param, ParamError, bind, format_value

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
    momentum_fn: LrFunction | None = None  # schedules that also cycle momentum

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

    def momentum(
        self, count: int, base_lr: float, metric: np.ndarray | None = None
    ) -> np.ndarray | None:
        """Momentum after j scheduler steps (None for schedules that leave it alone)."""
        fn = self.definition.momentum_fn
        return None if fn is None else fn(count, base_lr, self.values, metric)


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
    momentum: LrFunction | None = None,
) -> Callable[[LrFunction], LrFunction]:
    """Register a schedule. The decorated function computes its LR array."""

    def register(fn: LrFunction) -> LrFunction:
        REGISTRY[name] = ScheduleDef(
            name,
            torch_class,
            summary,
            formula,
            params,
            fn,
            needs_metric,
            aliases,
            example,
            momentum,
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
    with np.errstate(over="ignore"):  # overflow gives inf, as Python floats do: no warning
        return np.cumprod(out, out=out)
