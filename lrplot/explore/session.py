"""What the explorer leaves behind: the ``lrplot`` command and the config file that
reproduce a simulated session, written from its traces (their SPECs and run)."""

from __future__ import annotations

import json
from typing import Any

from .. import api
from ..commands import command, run_values

# --- the config file ---------------------------------------------------------------------

_METRIC_KEYS = {"metric_shape": "shape", "metric_noise": "noise", "metric_drops": "drops",
                "seed": "seed", "metric_file": "file", "metric_column": "column"}  # fmt: skip


def config(comparison: api.Comparison) -> str:
    """An lrplot TOML config that ``lrplot run`` turns into the same traces."""
    values = run_values(comparison)
    lines = [
        "# An lrplot explore session: `lrplot run` on this file shows the same schedules.",
        "# " + command(comparison),
    ]
    metric = {_METRIC_KEYS[k]: values.pop(k) for k in list(values) if k in _METRIC_KEYS}
    lines += [f"{k} = {_toml(v)}" for k, v in values.items()]
    lines.append("schedules = [")
    lines += [f"    {_toml(t.spec)}," for t in comparison]
    lines.append("]")
    if metric:
        lines += ["", "[metric]", *(f"{k} = {_toml(v)}" for k, v in metric.items())]
    return "\n".join(lines) + "\n"


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # round-trips; TOML reads 1e-05 and 0.1 alike
    return json.dumps(str(value), ensure_ascii=False)  # a TOML basic string


__all__ = ["command", "config", "run_values"]
