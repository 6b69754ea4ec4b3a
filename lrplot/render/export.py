"""CSV export: one row per optimizer step, floats that read back bit-identical.

Rows are written in chunks (bounded memory); each chunk is formatted and written
in one call. ``repr`` of a Python float is the shortest text that round-trips.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import numpy as np

from ..engine import Trace
from .output import atomic_path

CHUNK = 65536


def csv_header(traces: Sequence[Trace]) -> list[str]:
    """``step,epoch,lr[,metric]`` for one trace; ``step,epoch,<label>...`` for several."""
    if len(traces) == 1:
        return ["step", "epoch", "lr"] + (["metric"] if traces[0].sched_metric is not None else [])
    cols = ["step", "epoch"]
    for t in traces:
        cols.append(t.label)
        if t.sched_metric is not None:
            cols.append(f"{t.label} metric")
    return cols


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\n\r') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _format(values: np.ndarray) -> list[str]:
    return list(map(repr, values.tolist()))


def write_rows(traces: Sequence[Trace], out: TextIO) -> None:
    """Write the header and every row to an open text stream."""
    out.write(",".join(_quote(c) for c in csv_header(traces)) + "\n")
    settings = traces[0].settings
    total, per_epoch = settings.total_steps, settings.steps_per_epoch
    for start in range(0, total, CHUNK):
        rows = np.arange(start, min(start + CHUNK, total))
        columns = [list(map(str, rows.tolist())), list(map(str, (rows // per_epoch).tolist()))]
        for t in traces:
            columns.append(_format(t.lr_at(rows)))
            metric = t.metric_at(rows)
            if metric is not None:
                columns.append(_format(metric))
        out.write("\n".join(map(",".join, zip(*columns, strict=True))) + "\n")


def write_csv(traces: Sequence[Trace], dest: str) -> None:
    """Write to ``dest``, a path (atomically) or '-' for stdout."""
    if dest == "-":
        write_rows(traces, sys.stdout)
        sys.stdout.flush()
        return
    path = Path(dest)
    with atomic_path(path, "--csv") as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        write_rows(traces, f)
