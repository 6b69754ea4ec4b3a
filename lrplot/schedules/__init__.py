"""Schedules: the registry (base) and one module per family, each registering its own.

Every module of this package is imported here, found on disk (pkgutil): a new
schedule is one new module and registers itself with ``@schedule``; nothing else
has to list it. ``lrplot list`` and ``lrplot --help`` show the schedules in the
order of their modules' ``LISTING`` number (then in declaration order); a module
without one lists last.
"""

import importlib
import pkgutil
import sys

from .base import (
    REGISTRY,
    LrFunction,
    Schedule,
    ScheduleDef,
    TorchScheduler,
    chain,
    known,
    known_names,
    lookup,
    schedule,
)

LAST = 1000  # the LISTING of a module that gives none


def _load_all() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")

    def listing(item: tuple[int, ScheduleDef]) -> tuple[int, int]:
        index, d = item
        return getattr(sys.modules[d.lr_fn.__module__], "LISTING", LAST), index

    ordered = [d for _, d in sorted(enumerate(REGISTRY.values()), key=listing)]
    REGISTRY.clear()
    REGISTRY.update((d.name, d) for d in ordered)


_load_all()

__all__ = [
    "REGISTRY",
    "LrFunction",
    "Schedule",
    "ScheduleDef",
    "TorchScheduler",
    "chain",
    "known",
    "known_names",
    "lookup",
    "schedule",
]
