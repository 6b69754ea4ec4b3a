"""Metric streams for ReduceLROnPlateau: synthetic (seeded) or read from a file.

A stream gives one value per scheduler step (per epoch, the seed's usage order:
``scheduler.step(val_loss)`` after validation).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from .params import CHOICE, FLOAT, INT, TEXT, LrplotError, Param

SHAPES = ("decay", "plateaus", "flat")

PARAMS: tuple[Param, ...] = (
    Param(
        "metric_shape",
        CHOICE,
        "synthetic metric: decay (falls then flattens), plateaus (a staircase of drops), "
        "flat (noise only)",
        "decay",
        choices=SHAPES,
    ),
    Param(
        "metric_noise",
        FLOAT,
        "noise of the synthetic metric, relative to its range",
        0.01,
        low=0,
        high=10,
    ),
    Param("metric_drops", INT, "number of drops of the plateaus shape", 3, low=1, high=1000),
    Param("seed", INT, "seed of the synthetic metric's noise", 0, low=0, high=2**63 - 1),
    Param("metric_file", TEXT, "read the metric from a file: one number a line, or a CSV", None),
    Param("metric_column", TEXT, "the CSV column holding the metric (by header name)", None),
)

# (start, end) of the noiseless curve: a loss falls, an accuracy rises
_RANGE = {"min": (2.0, 0.2), "max": (0.1, 0.95)}


@dataclass(frozen=True)
class SyntheticMetric:
    shape: str = "decay"
    noise: float = 0.01
    drops: int = 3
    seed: int = 0

    def values(self, count: int, mode: str) -> np.ndarray:
        """``count`` values: a loss-like curve (mode min) or accuracy-like (mode max)."""
        e = np.arange(count, dtype=float)
        span = max(count, 1)
        if self.shape == "decay":
            g = np.exp(-e / (span / 6))
        elif self.shape == "plateaus":
            g = np.zeros(count)
            tau = span / (8 * self.drops)
            for i in range(self.drops):
                start = i * span / self.drops
                g += np.exp(-np.clip(e - start, 0, None) / tau) / self.drops
        else:
            g = np.full(count, 0.5)
        start, end = _RANGE[mode]
        rng = np.random.default_rng(self.seed)
        noise = rng.standard_normal(count) * self.noise * abs(start - end)
        return end + (start - end) * g + noise

    def describe(self) -> str:
        extra = f", drops={self.drops}" if self.shape == "plateaus" else ""
        return f"synthetic {self.shape} metric (noise={self.noise:g}{extra}, seed={self.seed})"


@dataclass(frozen=True)
class FileMetric:
    path: Path
    column: str | None = None

    def values(self, count: int, mode: str) -> np.ndarray:
        data = read_metric_file(self.path, self.column)
        if len(data) < count:
            raise LrplotError(
                f"metric file {self.path} has {len(data)} values but the run needs {count} "
                "(one per scheduler step)"
            )
        return data[:count]

    def describe(self) -> str:
        col = f", column {self.column}" if self.column else ""
        return f"metric from {self.path.name}{col}"


@dataclass(frozen=True)
class ArrayMetric:
    """Values already in memory (a library user's own metric log)."""

    data: tuple[float, ...]
    name: str = "given metric"

    def values(self, count: int, mode: str) -> np.ndarray:
        if len(self.data) < count:
            raise LrplotError(f"{self.name} has {len(self.data)} values but the run needs {count}")
        return np.array(self.data[:count], dtype=float)

    def describe(self) -> str:
        return self.name


MetricSource = SyntheticMetric | FileMetric | ArrayMetric


def from_values(values: Mapping[str, Any], base_dir: Path | None = None) -> MetricSource:
    """Build a metric source from bound PARAMS values (file paths relative to base_dir)."""
    if values.get("metric_file"):
        path = Path(values["metric_file"]).expanduser()
        if base_dir is not None and not path.is_absolute():
            path = base_dir / path
        return FileMetric(path, values.get("metric_column"))
    if values.get("metric_column"):
        raise LrplotError("metric_column needs metric_file")
    return SyntheticMetric(
        values["metric_shape"], values["metric_noise"], values["metric_drops"], values["seed"]
    )


def read_metric_file(path: Path, column: str | None = None) -> np.ndarray:
    """Read metric values: one number a line, or a CSV with a header row.

    Blank lines and lines starting with '#' are skipped. Errors name the file and line.
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as err:
        raise LrplotError(f"cannot read metric file {path}: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise LrplotError(f"metric file {path} is not UTF-8 text") from None
    lines = [
        (i + 1, line)
        for i, line in enumerate(text.splitlines())
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if not lines:
        raise LrplotError(f"metric file {path} holds no values")
    first = lines[0][1]
    if column is not None or "," in first or not _is_number(first.strip()):
        return _read_csv(path, lines, column)
    return _numbers(path, ((n, line.strip()) for n, line in lines))


def _read_csv(path: Path, lines: list[tuple[int, str]], column: str | None) -> np.ndarray:
    rows = list(csv.reader(io.StringIO("\n".join(line for _, line in lines))))
    if len(rows) != len(lines):  # a quoted cell ran over a line end
        raise LrplotError(f"metric file {path}: a quoted cell spans lines (unclosed quote?)")
    header = [h.strip() for h in rows[0]]
    if column is None:
        if len(header) != 1:
            raise LrplotError(
                f"metric file {path} has columns {', '.join(header)}: name one with --metric-column"
            )
        index = 0
    elif column in header:
        index = header.index(column)
    else:
        raise LrplotError(
            f"metric file {path} has no column {column!r} (columns: {', '.join(header)})"
        )
    cells = []
    for (number, _), row in zip(lines[1:], rows[1:], strict=True):
        if index >= len(row):
            raise LrplotError(
                f"metric file {path}, line {number}: no value in column {header[index]!r}"
            )
        cells.append((number, row[index].strip()))
    if not cells:
        raise LrplotError(f"metric file {path} has a header but no values")
    return _numbers(path, cells)


def _numbers(path: Path, cells: Any) -> np.ndarray:
    out = []
    for number, cell in cells:
        try:
            value = float(cell)
        except ValueError:
            raise LrplotError(
                f"metric file {path}, line {number}: {cell!r} is not a number"
            ) from None
        if not math.isfinite(value):
            raise LrplotError(f"metric file {path}, line {number}: {cell!r} is not a finite number")
        out.append(value)
    return np.array(out, dtype=float)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
