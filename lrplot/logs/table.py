"""Plain tables: a CSV or TSV file with a header, or JSON lines, with a step and an LR.

The step column is the first of :data:`STEP_COLUMNS` the file has; lrplot cannot know
when the loop that wrote it logged, so a value at step ``s`` is taken as the LR
optimizer step ``s`` used (row = step): log it before ``optimizer.step()``, or after
``scheduler.step()`` with the number of the next step. Rows without the LR (a sparse
table, other records of a JSON-lines log) are skipped.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..errors import LrplotError
from ..inputs import open_regular, text_lines
from .common import (
    STEP,
    Choice,
    Log,
    as_step,
    as_value,
    check_size,
    choose,
    element,
    finish,
    list_note,
    size_of,
    split_key,
)

STEP_COLUMNS = (
    STEP,
    "global_step",
    "Step",
    "_step",
    "trainer/global_step",
    "train/global_step",
    "iteration",
    "iter",
    "optimizer_step",
)
NOTE = "{column} as written: row = step (the LR the optimizer step of that number used)"


def momentum_key(key: str) -> str:
    """Lightning's name for a group's momentum: lr-SGD/pg1 -> lr-SGD/pg1-momentum."""
    return f"{key}-momentum"


def step_column(path: Path, names: Sequence[str]) -> str:
    for name in STEP_COLUMNS:
        if name in names:
            return name
    raise LrplotError(
        f"{path}: no step column (columns: {', '.join(names[:12])}); "
        f"lrplot reads one named {', '.join(STEP_COLUMNS[:-1])} or {STEP_COLUMNS[-1]}"
    )


class Table:
    """A delimited text file with a header, read as a stream of rows (csv's reader over
    the file's lines; a quoted field may not span lines)."""

    def __init__(self, path: Path) -> None:
        check_size(path, size_of(path))
        self.path = path
        self.line = 0  # the line of the row last read
        self._lines = self._text()
        header: list[str] | None = None
        for text in self._lines:
            if text.strip():
                self.delimiter = "\t" if "\t" in text else ","
                try:
                    header = next(csv.reader([text], delimiter=self.delimiter))
                except csv.Error as err:
                    raise LrplotError(f"{path}, line {self.line}: {err}") from None
                break
        if header is None:
            raise LrplotError(f"{path}: empty, no header")
        self.names = [h.strip() for h in header]

    def _text(self) -> Iterator[str]:
        """The file's lines, decoded (binary data and text that is not UTF-8 refused)."""
        with open_regular(self.path, "log") as f:
            try:
                for number, raw in enumerate(f, 1):
                    self.line = number
                    if b"\0" in raw:
                        raise LrplotError(f"log {self.path}, line {number}: binary data, not text")
                    if number == 1 and raw.startswith(b"\xef\xbb\xbf"):  # a byte order mark
                        raw = raw[3:]
                    try:
                        yield raw.decode("utf-8")
                    except UnicodeDecodeError:
                        raise LrplotError(
                            f"log {self.path}, line {number}: not UTF-8 text"
                        ) from None
            except OSError as err:
                raise LrplotError(f"cannot read log {self.path}: {err.strerror or err}") from None

    def rows(self) -> Iterator[list[str]]:
        """The rows after the header (blank lines skipped); ``self.line`` is the row's line."""
        try:
            for cells in csv.reader(self._lines, delimiter=self.delimiter):
                if cells and (len(cells) > 1 or cells[0].strip()):
                    yield cells
        except csv.Error as err:
            raise LrplotError(f"{self.path}, line {self.line}: {err}") from None

    def read(
        self,
        fmt: str,
        choice: Choice,
        step_name: str,
        notes: Sequence[str],
        offset: int = 0,
        index: int | None = None,
    ) -> Log:
        """The values of choice.key at step_name, skipping rows where the key is empty
        (``index``: element ``index`` of cells that are lists, ``[0.1, 0.01]``)."""
        size = 0  # the longest list in the column
        names = self.names
        width = len(names)
        at = names.index(choice.key)
        at_step = names.index(step_name)
        moment = momentum_key(choice.key)
        at_moment = names.index(moment) if moment in names else None
        steps: list[int] = []
        values: list[float] = []
        moments: list[float] = []
        for cells in self.rows():
            if len(cells) != width:
                raise LrplotError(
                    f"{self.path}, line {self.line}: {len(cells)} fields, the header has {width}"
                )
            cell = cells[at]
            if not cell or cell.isspace():
                continue
            try:  # the common case, fast; as_step and as_value say what is wrong
                step = int(cells[at_step])
                value = float(cell) if index is None else -1.0
            except ValueError:
                step, value = -1, 0.0
            if step < 0 or index is not None:
                where = f"{self.path}, line {self.line}"
                step = as_step(cells[at_step].strip(), where)
                raw, length = element(cell, index, where, choice.key)
                size = max(size, length)
                value = as_value(raw, where, choice.key)
            steps.append(step)
            values.append(value)
            if at_moment is not None:
                text = cells[at_moment]
                if not text or text.isspace():
                    at_moment = None
                    continue
                try:
                    moments.append(float(text))
                except ValueError:
                    moments.append(as_value(text, f"{self.path}, line {self.line}", moment))
        has_moment = at_moment is not None and len(moments) == len(values)
        if size:
            notes = (*notes, list_note(choice.key, index, size))
        return finish(
            self.path,
            fmt,
            _element_key(choice, index),
            steps,
            values,
            offset,
            notes,
            momentum=moments if has_moment else None,
        )


def _element_key(choice: Choice, index: int | None) -> Choice:
    """The choice, its key named as the element read (``lr[1]``)."""
    if index is None:
        return choice
    return dataclasses.replace(choice, key=f"{choice.key}[{index}]")


def read_csv(path: Path, key: str | None) -> Log:
    table = Table(path)
    column = step_column(path, table.names)
    base, index = split_key(table.names, key)
    choice = choose(path, table.names, base)
    kind = "tab-separated" if table.delimiter == "\t" else "comma-separated"
    notes = (f"a {kind} table; " + NOTE.format(column=f"its {column} column"),)
    return table.read("csv", choice, column, notes, index=index)


# --- JSON lines -------------------------------------------------------------------------


def _parser() -> Callable[[str], Any]:
    """orjson's loads when it is installed (``lrplot[fast]``), else json's."""
    try:
        import orjson
    except ImportError:
        return json.loads
    loads: Callable[[str], Any] = orjson.loads
    return loads


def records(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    check_size(path, size_of(path))
    loads = _parser()
    for number, text in text_lines(path, "log"):
        if not text.strip():
            continue
        try:
            record = loads(text)
        except ValueError as err:  # json's JSONDecodeError and orjson's are ValueErrors
            reason = getattr(err, "msg", None) or str(err).split(":")[0]
            raise LrplotError(f"{path}, line {number}: not JSON: {reason}") from None
        except RecursionError:
            raise LrplotError(f"{path}, line {number}: not JSON: nested too deeply") from None
        if not isinstance(record, dict):
            raise LrplotError(f"{path}, line {number}: not a JSON object")
        yield number, record


def read_jsonl(path: Path, key: str | None) -> Log:
    names: list[str] = []
    seen: set[str] = set()
    for _, record in records(path):
        for name in record:
            if name not in seen:
                seen.add(name)
                names.append(name)
    if not names:
        raise LrplotError(f"{path}: empty, no JSON records")
    column = step_column(path, names)
    base, index = split_key(names, key)
    choice = choose(path, names, base, "key")
    size = 0  # the longest list of LRs
    moment = momentum_key(choice.key)
    steps: list[int] = []
    values: list[float] = []
    moments: list[float] = []
    for number, record in records(path):
        if choice.key not in record or record[choice.key] is None:
            continue
        where = f"{path}, line {number}"
        if column not in record:
            raise LrplotError(f"{where}: {choice.key} without {column}")
        steps.append(as_step(record[column], where))
        raw, length = element(record[choice.key], index, where, choice.key)
        size = max(size, length)
        values.append(as_value(raw, where, choice.key))
        if isinstance(record.get(moment), (int, float)):
            moments.append(float(record[moment]))
    notes: tuple[str, ...] = ("JSON lines; " + NOTE.format(column=f"its {column} key"),)
    if size:
        notes = (*notes, list_note(choice.key, index, size))
    has_moment = len(moments) == len(values)
    return finish(
        path,
        "jsonl",
        _element_key(choice, index),
        steps,
        values,
        0,
        notes,
        momentum=moments if has_moment else None,
    )
