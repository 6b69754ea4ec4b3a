"""lrplot: see exactly what a PyTorch learning-rate scheduler does before you train.

    import lrplot
    trace = lrplot.simulate("cosine:t_max=50", epochs=100)
    trace.plot().savefig("cosine.png"); trace.to_csv("cosine.csv")

``import lrplot`` is light: numpy loads on first use, matplotlib only to draw, and
the command line (typer, rich) only when it runs. See :mod:`lrplot.api`.
"""

from .api import Comparison, Trace, compare, load, schedule, simulate, verify
from .errors import LrplotError
from .schedules import Schedule

__version__ = "0.1.0"

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
