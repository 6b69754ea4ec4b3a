"""ReduceLROnPlateau: the one stateful scheduler, replayed exactly as PyTorch steps it.

A plain loop over scheduler steps (epochs), with PyTorch's own comparisons in the
same order: the new value is "better" than the best so far by ``threshold``
(relative or absolute), bad steps during cooldown are ignored, and a reduction
that changes the LR by no more than ``eps`` is skipped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from .params import CHOICE, FLOAT, INT, Param

PARAMS: tuple[Param, ...] = (
    Param(
        "mode",
        CHOICE,
        "min: the metric should fall (a loss); max: rise (an accuracy)",
        "min",
        choices=("min", "max"),
    ),
    Param(
        "factor", FLOAT, "new_lr = lr * factor", 0.1, low=0, low_open=True, high=1, high_open=True
    ),
    Param("patience", INT, "bad steps tolerated before the LR is reduced", 10, low=0, length=True),
    Param("threshold", FLOAT, "how much better counts as an improvement", 1e-4, low=0),
    Param(
        "threshold_mode",
        CHOICE,
        "rel: best * (1 -/+ threshold); abs: best -/+ threshold",
        "rel",
        choices=("rel", "abs"),
    ),
    Param(
        "cooldown",
        INT,
        "steps to wait after a reduction before counting again",
        0,
        low=0,
        length=True,
    ),
    Param("min_lr", FLOAT, "lower bound on the LR", 0.0, low=0),
    Param("eps", FLOAT, "reductions smaller than this are ignored", 1e-8, low=0),
)


def simulate(
    metric: np.ndarray,
    base_lr: float,
    *,
    mode: str,
    factor: float,
    patience: int,
    threshold: float,
    threshold_mode: str,
    cooldown: int,
    min_lr: float,
    eps: float,
) -> np.ndarray:
    """LR after j calls of ``scheduler.step(metric[j-1])``, for j = 0 .. len(metric)-1."""
    count = len(metric)
    if count == 0:
        return np.empty(0)
    # mode max is mode min on the negated metric: negation is exact, so
    # -a < (-best) * (threshold + 1.0) is PyTorch's a > best * (threshold + 1.0) bit
    # for bit (likewise best + threshold). The bar to beat changes only with best.
    sign = 1.0 if mode == "min" else -1.0
    rel = 1.0 - threshold if mode == "min" else threshold + 1.0
    relative = threshold_mode == "rel"
    best = math.inf
    bar = best * rel if relative else best - threshold
    lr = float(base_lr)
    bad = 0
    cooling = 0
    starts, levels = [0], [lr]  # the LR holds from starts[i] on: few changes, a fast loop
    values = (metric * sign).tolist() if sign < 0 else metric.tolist()
    for j in range(1, count):
        current = values[j - 1]
        if current < bar:
            best = current
            bar = best * rel if relative else best - threshold
            bad = 0
        else:
            bad += 1
        if cooling > 0:
            cooling -= 1
            bad = 0
        if bad > patience:
            new_lr = max(lr * factor, min_lr)
            if lr - new_lr > eps:
                lr = new_lr
                starts.append(j)
                levels.append(lr)
            cooling = cooldown
            bad = 0
    return np.repeat(np.array(levels), np.diff([*starts, count]))
