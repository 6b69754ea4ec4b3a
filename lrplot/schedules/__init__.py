"""Schedules: the registry (base) and one module per family, each registering its own.

Import order is listing order (``lrplot list``, ``lrplot --help``).
"""

from . import (
    seed,  # noqa: F401  (registers the seed's five)
    torch_more,  # noqa: F401  (the rest of torch.optim.lr_scheduler)
)
from .base import (
    REGISTRY,
    LrFunction,
    Schedule,
    ScheduleDef,
    TorchScheduler,
    chain,
    lookup,
    schedule,
)

# isort: split
from . import (
    hf,  # noqa: F401  (transformers' schedules, hf-*)
    timm,  # noqa: F401  (timm's cosine and tanh, timm-*)
)

# isort: split
from . import compose  # noqa: F401  (sequential, chained: keep it last)

__all__ = [
    "REGISTRY",
    "LrFunction",
    "Schedule",
    "ScheduleDef",
    "TorchScheduler",
    "chain",
    "lookup",
    "schedule",
]
