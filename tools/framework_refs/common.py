"""Shared by the reference runners: read a config, write a trace.

A trace is ``step,lr`` (``step,lr,metric`` with a metric), one row per optimizer
step, floats written with ``repr``: the LR the optimizer used at that step.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any


def load(path: str) -> dict[str, Any]:
    text = Path(path).read_text(encoding="utf-8")
    if path.endswith(".json"):
        return json.loads(text)
    import yaml

    return yaml.safe_load(text)


def metric_from(path: str | None) -> list[float] | None:
    """The metric column of an lrplot CSV (the values plateau schedulers consumed)."""
    if not path:
        return None
    with open(path, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    column = next(k for k in rows[0] if k.endswith("metric"))
    return [float(r[column]) for r in rows]


def write(path: str, lrs: list[float]) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("step,lr\n")
        for i, v in enumerate(lrs):
            f.write(f"{i},{float(v)!r}\n")
