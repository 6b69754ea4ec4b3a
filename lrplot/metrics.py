"""Metric streams for ReduceLROnPlateau: synthetic (seeded) or read from a file.

A stream gives one value per scheduler step (per epoch, the seed's usage order:
``scheduler.step(val_loss)`` after validation).
"""

from __future__ import annotations

import csv
import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from .errors import LrplotError, MissingParam
from .inputs import text_lines
from .params import CHOICE, FLOAT, INT, TEXT, Param

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
        data = read_metric_file(self.path, self.column, count)
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
        bare = "a column needs a metric file to read it from"
        raise MissingParam("metric_file", f"metric_column: {bare} (metric_file)", bare)
    return SyntheticMetric(
        values["metric_shape"], values["metric_noise"], values["metric_drops"], values["seed"]
    )


def read_metric_file(path: Path, column: str | None = None, limit: int | None = None) -> np.ndarray:
    """Read metric values: one number a line, or a CSV with a header row.

    Blank lines and lines starting with '#' are skipped, and so are a CSV's empty cells
    in the column (Lightning's metrics.csv writes each metric on rows of its own). The
    file is read as a stream (lrplot.inputs: a regular file, bounded lines, no binary
    data) and only up to
    ``limit`` values. ``nan`` and ``inf`` are values (a diverged run): PyTorch's
    ReduceLROnPlateau counts them as "not better". Errors name the file and line.
    """
    lines = (
        (n, line)
        for n, line in text_lines(path, "metric file")
        if line.strip() and not line.lstrip().startswith("#")
    )
    first = next(lines, None)
    if first is None:
        raise LrplotError(f"metric file {path} holds no values")
    if column is not None or "," in first[1] or not _is_number(first[1].strip()):
        cells = _csv_cells(path, first, lines, column)
    else:
        cells = itertools.chain([(first[0], first[1].strip())], ((n, t.strip()) for n, t in lines))
    values = _numbers(path, cells, limit)
    if not len(values):
        raise LrplotError(f"metric file {path} has a header but no values")
    return values


def _csv_row(path: Path, number: int, line: str) -> list[str]:
    try:
        return next(csv.reader([line], strict=True))
    except csv.Error:
        raise LrplotError(
            f"metric file {path}, line {number}: a quoted cell spans lines (unclosed quote?)"
        ) from None


def _csv_cells(
    path: Path,
    first: tuple[int, str],
    lines: Iterator[tuple[int, str]],
    column: str | None,
) -> Iterator[tuple[int, str]]:
    header = [h.strip() for h in _csv_row(path, *first)]
    if column is None:
        if len(header) != 1:
            bare = f"metric file {path} has columns {', '.join(header)}: name one"
            raise MissingParam("metric_column", f"{bare} with metric_column", bare)
        index = 0
    elif column in header:
        index = header.index(column)
    else:
        raise LrplotError(
            f"metric file {path} has no column {column!r} (columns: {', '.join(header)})"
        )
    for number, line in lines:
        row = _csv_row(path, number, line)
        if index >= len(row):
            raise LrplotError(
                f"metric file {path}, line {number}: no value in column {header[index]!r}"
            )
        cell = row[index].strip()
        if cell:  # an empty cell: a row of other metrics (Lightning's metrics.csv)
            yield number, cell


def _numbers(path: Path, cells: Iterable[tuple[int, str]], limit: int | None) -> np.ndarray:
    out: list[float] = []
    for number, cell in cells:
        if limit is not None and len(out) >= limit:
            break
        try:
            out.append(float(cell))
        except ValueError:
            raise LrplotError(
                f"metric file {path}, line {number}: {cell!r} is not a number"
            ) from None
    return np.array(out, dtype=float)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
