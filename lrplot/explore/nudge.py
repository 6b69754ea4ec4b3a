"""Up/Down on a field: the next value a user would try (text in, text out, no LR math).

Numbers: x1.1 (or /1.1) for a real number such as an LR, +-1 for a count (keeping a
unit: 3ep -> 4ep); choices and switches cycle. Anything else (lists, expressions,
SPECs) is left alone: None.
"""

from __future__ import annotations

import re

from ..params import BOOL, CHOICE, FLOAT, INT, Param

FACTOR = 1.1
_COUNT = re.compile(r"^\s*(-?\d+)\s*(%|ep|epoch|epochs)?\s*$", re.IGNORECASE)


def nudge(p: Param, text: str, up: bool) -> str | None:
    """The field's text one notch up (or down), or None when there is no notch."""
    text = text.strip() or ("" if p.required or p.default is None else p.default_text())
    if p.kind in (CHOICE, BOOL):
        options = list(p.choices) if p.kind == CHOICE else ["false", "true"]
        current = text.lower()
        i = options.index(current) if current in options else -1
        return options[(i + (1 if up else -1)) % len(options)]
    if p.kind == INT:
        match = _COUNT.match(text or "0")
        if match is None:
            return None
        number = int(match.group(1)) + (1 if up else -1)
        if p.low is not None and number < p.low:
            return None
        return f"{number}{match.group(2) or ''}"
    if p.kind == FLOAT:
        try:
            real = float(text or "0")
        except ValueError:
            return None
        if real == 0:
            return "0.001" if up else None
        real = real * FACTOR if up else real / FACTOR
        if p.high is not None and real > p.high:
            real = float(p.high)
        return f"{real:.4g}"
    return None
