"""Warmup, an option of every schedule: the first N scheduler steps ramp up to the base LR.

N counts scheduler steps, like every other schedule parameter: epochs with
``--interval epoch``, optimizer steps with ``--interval step``. Warmup step j
(j = 0 .. N-1) has the LR ``lr * w(j / N)``, with ``s = warmup_start``:

* ``linear``: ``w(x) = s + (1 - s) * x`` (with s = 0, HF's warmup: ``lr * j / N``);
* ``cosine``: ``w(x) = s + (1 - s) * (1 - cos(pi * x)) / 2``;
* ``exponential``: ``w(x) = s ** (1 - x)``, geometric from ``s * lr`` to ``lr``
  (needs s > 0).

Step N is the first step of the main schedule. ``warmup_mode`` says which of its
steps that is:

* ``prefix`` (HF, and PyTorch's ``SequentialLR([warmup, main], milestones=[N])``):
  the main schedule starts at its own step 0 after the warmup, so row N + n is the
  main schedule's step n;
* ``overlap`` (timm's ``warmup_prefix=False``): the main schedule counts from row 0
  and the warmup replaces its first N rows, so row N is the main schedule's step N.

It is vectorized: the warmup ramp and the main schedule's own array, joined.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np

from ..params import CHOICE, FLOAT, INT, Param, ParamError, bind, format_value

SHAPES = ("linear", "cosine", "exponential")
MODES = ("prefix", "overlap")

WARMUP_PARAMS: tuple[Param, ...] = (
    Param("warmup", INT, "warmup length in scheduler steps (0: no warmup)", 0, low=0, length=True),
    Param(
        "warmup_start",
        FLOAT,
        "LR at the first warmup step, as a factor of the base LR",
        0.0,
        low=0,
        high=1,
    ),
    Param(
        "warmup_shape",
        CHOICE,
        "ramp: linear, cosine, or exponential (geometric from warmup_start, which must be > 0)",
        "linear",
        choices=SHAPES,
    ),
    Param(
        "warmup_mode",
        CHOICE,
        "prefix: the schedule starts after the warmup (HF, SequentialLR); "
        "overlap: the warmup replaces the schedule's first steps (timm)",
        "prefix",
        choices=MODES,
    ),
)
NAMES = frozenset(p.name for p in WARMUP_PARAMS)


@dataclass(frozen=True)
class Warmup:
    steps: int
    start: float = 0.0
    shape: str = "linear"
    mode: str = "prefix"

    @classmethod
    def from_values(cls, given: Mapping[str, Any], run: Any = None) -> Warmup | None:
        """Parse and check the warmup keys (raw text or native); None without warmup.

        ``run`` resolves a warmup given in epochs or percent (5ep, 10%)."""
        values = bind(WARMUP_PARAMS, given, "warmup", run)
        warmup = cls(
            values["warmup"], values["warmup_start"], values["warmup_shape"], values["warmup_mode"]
        )
        if warmup.shape == "exponential" and warmup.start == 0.0:
            raise ParamError(
                "warmup_start",
                "warmup_start must be > 0 with warmup_shape exponential "
                "(the ramp grows geometrically from warmup_start * lr to lr)",
            )
        return warmup if warmup.steps > 0 else None

    def items(self) -> dict[str, Any]:
        """The non-default warmup keys, for a SPEC."""
        out: dict[str, Any] = {"warmup": self.steps}
        for p in WARMUP_PARAMS[1:]:
            value = getattr(self, p.name.removeprefix("warmup_"))
            if value != p.default:
                out[p.name] = value
        return out

    def describe(self) -> str:
        """``warmup 5 (linear, prefix)``, or ``warmup 5 (cosine from 0.1, overlap)``."""
        start = f" from {format_value(self.start)}" if self.start else ""
        return f"warmup {self.steps} ({self.shape}{start}, {self.mode})"

    def ramp(self, count: int, base_lr: float) -> np.ndarray:
        """The LR of warmup steps 0 .. count-1 (count <= steps)."""
        x = np.arange(count, dtype=float) / self.steps
        s = self.start
        if self.shape == "linear":
            w = s + (1 - s) * x
        elif self.shape == "cosine":
            w = s + (1 - s) * (1 - np.cos(math.pi * x)) / 2
        else:
            w = s ** (1 - x)
        return base_lr * w

    def apply(
        self, count: int, base_lr: float, main: Callable[[int, Any], np.ndarray], metric: Any
    ) -> np.ndarray:
        """Join the ramp and ``main(n, metric)``, the main schedule's first n values."""
        n = min(self.steps, count)
        if self.mode == "prefix":
            out = np.empty(count)
            if count > n:
                out[n:] = main(count - n, None if metric is None else metric[n:])
        else:
            out = np.array(main(count, metric), dtype=float)
        out[:n] = self.ramp(n, base_lr)
        return out

    def shift(
        self, count: int, main: Callable[[int, Any], np.ndarray | None], metric: np.ndarray | None
    ) -> np.ndarray | None:
        """A curve that the warmup does not replace (momentum): delayed by the warmup in
        prefix mode (the first value held during it), unchanged in overlap mode."""
        if self.mode == "overlap":
            return main(count, metric)
        n = min(self.steps, count)
        values = main(max(count - n, 1), None if metric is None else metric[n:])
        if values is None:
            return None
        return np.concatenate([np.full(n, values[0]), values[: count - n]])
