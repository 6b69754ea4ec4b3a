"""Schedules: the registry (base) and one module per family, each registering its own.

Import order is listing order (``lrplot list``, ``lrplot --help``).
"""

from . import seed  # noqa: F401  (registers the seed's five)
from .base import REGISTRY, LrFunction, Schedule, ScheduleDef, chain, lookup, schedule

__all__ = ["REGISTRY", "LrFunction", "Schedule", "ScheduleDef", "chain", "lookup", "schedule"]
