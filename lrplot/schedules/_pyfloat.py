"""Python's float arithmetic, elementwise: the bits PyTorch's and transformers' schedulers
compute with Python floats, where numpy's vectorised functions may differ by an ulp
(numpy's array ``power`` is not libm's ``pow``)."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np


def py_pow(base: Any, exponent: Any) -> np.ndarray:
    """Python's float ``base ** exponent`` elementwise (PyTorch's bits; a million in
    about 0.1 s), inf where Python overflows."""
    a, b = np.broadcast_arrays(np.asarray(base, dtype=float), np.asarray(exponent, dtype=float))
    xs, ys = a.ravel().tolist(), b.ravel().tolist()
    try:
        values = [x**y for x, y in zip(xs, ys, strict=True)]
    except OverflowError:
        values = [pow_or_inf(x, y) for x, y in zip(xs, ys, strict=True)]
    return np.array(values, dtype=float).reshape(a.shape)


def pow_or_inf(x: float, y: float) -> float:
    try:
        return x**y
    except OverflowError:
        return math.inf
