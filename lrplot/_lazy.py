"""numpy, imported on first use, so that `lrplot --help` never pays for it.

Modules on the start-up path write::

    if TYPE_CHECKING:
        import numpy as np
    else:
        from ._lazy import np
"""

from __future__ import annotations

import importlib
from typing import Any


class _LazyModule:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        value = getattr(importlib.import_module(self._name), attr)
        setattr(self, attr, value)  # later lookups skip __getattr__
        return value


np = _LazyModule("numpy")
