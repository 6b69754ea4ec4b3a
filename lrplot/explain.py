"""`lrplot explain NAME`: what a schedule's declaration says, as one page of text parts.

Everything comes from the declaration (lrplot.schedules): the class it reproduces,
its formula and parameters, and its ``explain`` (declare.Explain: where step() goes
and the usual mistakes), which lives in the schedule's own module.
tests/test_explain.py checks that every registered schedule declares one.
"""

from __future__ import annotations

from .schedules import ScheduleDef
from .schedules.declare import LOOP_HEAD, Explain, Stepping

__all__ = ["LOOP_HEAD", "Explain", "Stepping", "loop", "page_of"]


def loop(stepping: Stepping) -> str:
    """The training loop with ``scheduler.step()`` where it goes."""
    return LOOP_HEAD + stepping.loop


def page_of(definition: ScheduleDef) -> Explain:
    """The schedule's explain texts (an error names a schedule that declares none)."""
    if definition.explain is None:
        raise LookupError(f"schedule {definition.name!r} declares no explain texts")
    return definition.explain
