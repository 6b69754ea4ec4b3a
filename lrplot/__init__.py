"""lrplot: see exactly what a PyTorch learning-rate scheduler does before you train.

    import lrplot
    trace = lrplot.simulate("cosine:t_max=50", epochs=100)
    trace.plot().savefig("cosine.png"); trace.to_csv("cosine.csv")

``import lrplot`` is light: its names load on first use (the engine and the
schedules with the first call, numpy with the first computation, matplotlib only
to draw), and the command line (click, rich) only when it runs. So importing one
submodule (``lrplot.errors``, as the ``lrplot`` command does) does not load the
rest. See :mod:`lrplot.api`.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api import Comparison, Trace, compare, load, schedule, simulate, verify
    from .errors import LrplotError
    from .schedules import Schedule

__version__ = "0.1.0"

# each public name -> the module that defines it (PEP 562: imported on first access)
_HOMES = {
    "Comparison": "api",
    "Trace": "api",
    "compare": "api",
    "load": "api",
    "schedule": "api",
    "simulate": "api",
    "verify": "api",
    "LrplotError": "errors",
    "Schedule": "schedules",
}

__all__ = [
    "Comparison",
    "LrplotError",
    "Schedule",
    "Trace",
    "__version__",
    "compare",
    "load",
    "schedule",
    "simulate",
    "verify",
]


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is not None:
        value = getattr(importlib.import_module(f".{home}", __name__), name)
    elif name.isidentifier() and not name.startswith("_") and _submodule(name):
        value = importlib.import_module(f".{name}", __name__)  # a submodule: lrplot.engine
    else:
        raise AttributeError(f"module 'lrplot' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip __getattr__
    return value


def _submodule(name: str) -> bool:
    return importlib.util.find_spec(f"{__name__}.{name}") is not None


def __dir__() -> list[str]:
    return sorted(__all__)
