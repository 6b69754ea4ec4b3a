"""CSV export: one row per optimizer step, floats that read back bit-identical.

Rows go out in chunks (bounded memory), each chunk formatted and written in one
call. Float-to-text is the cost that matters, so:

* with orjson installed (``pip install lrplot[fast]``) a whole chunk is one
  ``orjson.dumps`` of a 2-D array: orjson prints each float as the shortest text
  that reads back to the same double (like ``repr``), about 10x faster;
* without it, each distinct value of a chunk is formatted once with ``repr``
  (piecewise schedules have few) and reused.

To a regular file, a chunk is written on a thread while the next one is formatted
(a write releases the GIL; formatting holds it): the writing costs no time but the
last chunk's. A pipe or a device is written in turn: its reader may stall, and
Ctrl-C must still stop the command at once.
"""

from __future__ import annotations

import contextlib
import os
import queue
import stat
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from typing import Any, BinaryIO

import numpy as np

from ..engine import Trace
from .output import open_output, stdout_errors

CHUNK = 1 << 18

orjson: Any
try:  # optional accelerator
    import orjson
except ImportError:  # pragma: no cover - exercised by forcing the fallback in tests
    orjson = None


def csv_header(traces: Sequence[Trace]) -> list[str]:
    """``step,epoch,lr[,metric]`` for one trace; ``step,epoch,<label>...`` for several.
    With param groups, a column per group: ``lr[backbone]`` (``<label> lr[backbone]``)."""
    single = len(traces) == 1
    cols = ["step", "epoch"]
    for t in traces:
        if t.settings.groups is None:
            cols.append("lr" if single else t.label)
        else:
            cols += [name if single else f"{t.label} {name}" for name, _ in t.lr_columns()]
        if t.logged is not None:
            cols.append("logged" if single else f"{t.label} logged")
        if t.sched_momentum is not None:
            cols.append("momentum" if single else f"{t.label} momentum")
        if t.sched_metric is not None:
            cols.append("metric" if single else f"{t.label} metric")
    return cols


def _quote(cell: str) -> str:
    if any(c in cell for c in ',"\n\r') or cell != cell.strip():
        return '"' + cell.replace('"', '""') + '"'
    return cell


def _columns(
    traces: Sequence[Trace], rows: np.ndarray
) -> tuple[list[np.ndarray], dict[int, np.ndarray]]:
    """The columns of these rows, and the cells left empty (a logged LR's column has
    values only at the logged rows): column index -> mask of empty cells."""
    cols = [rows, rows // traces[0].settings.steps_per_epoch]
    empty: dict[int, np.ndarray] = {}
    for t in traces:
        cols += [t.values_at(values, rows) for _, values in t.lr_columns()]
        if t.logged is not None:
            values, _ = t.logged.at(rows)
            empty[len(cols)] = ~t.logged.has(rows)
            cols.append(values)
        for extra in (t.momentum_at(rows), t.metric_at(rows)):
            if extra is not None:
                cols.append(extra)
    return cols, empty


def _chunk_fast(cols: list[np.ndarray]) -> bytes:
    """The rows, from one ``orjson.dumps`` of the chunk's cells in row order: a flat
    JSON list ``[s0,e0,v0,...,s1,e1,v1,...]``, whose bytes numpy then edits in place of
    text replaces (which cost more than the formatting): every k-th comma becomes a
    newline, and the step and epoch, exact in float64 and printed as ``12.0``, lose
    their ``.0``. The LR cells are as orjson writes them (shortest round-trip)."""
    grid = np.column_stack(cols).astype(np.float64, copy=False)
    k = grid.shape[1]  # step, epoch, then at least one LR column
    text = orjson.dumps(grid.ravel(), option=orjson.OPT_SERIALIZE_NUMPY)
    body = np.frombuffer(text, dtype=np.uint8)[1:-1].copy()  # without the brackets
    commas = np.flatnonzero(body == ord(","))  # n*k - 1 of them: the cells' ends
    body[commas[k - 1 :: k]] = ord("\n")
    keep = np.ones(len(body), dtype=bool)
    for column in (0, 1):  # step and epoch: the ".0" before their comma
        end = commas[column::k]
        keep[end - 2] = keep[end - 1] = False
    return body[keep].tobytes() + b"\n"


def _format_floats(values: np.ndarray) -> np.ndarray:
    """repr of each value, computing each distinct value's text once (distinct bits:
    -0.0 is not 0.0)."""
    values = np.ascontiguousarray(values, dtype=np.float64)
    _, first, inverse = np.unique(values.view(np.uint64), return_index=True, return_inverse=True)
    texts = np.array(list(map(repr, values[first].tolist())), dtype=object)
    return texts[inverse]


def _chunk_plain(cols: list[np.ndarray], empty: dict[int, np.ndarray] | None = None) -> bytes:
    parts = [list(map(str, cols[0].tolist())), list(map(str, cols[1].tolist()))]
    for i, c in enumerate(cols[2:], 2):
        texts = _format_floats(c)
        if empty and i in empty:
            texts[empty[i]] = ""
        parts.append(texts.tolist())
    return ("\n".join(map(",".join, zip(*parts, strict=True))) + "\n").encode()


def write_rows(
    traces: Sequence[Trace],
    out: BinaryIO,
    fast: bool | None = None,
    on_rows: Callable[[int], None] | None = None,
    background: bool | None = None,
) -> None:
    """Write the header and every row to a binary stream; ``on_rows(n)`` after each chunk.
    ``background``: write on a thread (default: when ``out`` is a regular file)."""
    fast = orjson is not None if fast is None else fast
    background = _regular_file(out) if background is None else background
    with _writer(out) if background else nullcontext(out.write) as write:
        write((",".join(_quote(c) for c in csv_header(traces)) + "\n").encode())
        total = traces[0].settings.total_steps
        for start in range(0, total, CHUNK):
            rows = np.arange(start, min(start + CHUNK, total))
            cols, empty = _columns(traces, rows)
            # orjson writes inf/nan as null: such chunks take the repr path ('inf'), and
            # so do chunks with empty cells
            finite = fast and not empty and all(np.isfinite(c).all() for c in cols[2:])
            write(_chunk_fast(cols) if finite else _chunk_plain(cols, empty))
            if on_rows is not None:
                on_rows(len(rows))


def _regular_file(out: BinaryIO) -> bool:
    try:
        return stat.S_ISREG(os.fstat(out.fileno()).st_mode)
    except (OSError, ValueError, AttributeError):  # no file descriptor: a buffer
        return False


@contextmanager
def _writer(out: BinaryIO) -> Iterator[Callable[[bytes], Any]]:
    """``write(data)``: ``data`` written to ``out`` by a thread, in order, at most one
    chunk waiting. A failed write (a full disk, a closed pipe) is raised by the next
    ``write`` or on leaving; an error of the caller's stops the writing."""
    waiting: queue.Queue[bytes | None] = queue.Queue(maxsize=1)
    failed: list[BaseException] = []
    stop = threading.Event()

    def run() -> None:
        while (data := waiting.get()) is not None:
            if failed or stop.is_set():
                continue  # drain, so that the caller never waits on a full queue
            try:
                out.write(data)
            except BaseException as err:  # handed to the caller
                failed.append(err)

    def write(data: bytes) -> None:
        if failed:
            raise failed[0]
        waiting.put(data)

    thread = threading.Thread(target=run, name="lrplot-csv", daemon=True)
    thread.start()
    try:
        yield write
    except BaseException:
        stop.set()
        with contextlib.suppress(queue.Empty):  # the chunk waiting is not written
            waiting.get_nowait()
        raise
    finally:
        waiting.put(None)  # never waits: the queue is empty or the thread is taking its item
        thread.join()  # at most the write under way (to a regular file)
    if failed:
        raise failed[0]


def write_csv(
    traces: Sequence[Trace], dest: str, on_rows: Callable[[int], None] | None = None
) -> None:
    """Write to ``dest``: a path (see render.output: atomically for a regular file) or
    '-' for stdout."""
    if dest == "-":
        with stdout_errors():
            sys.stdout.flush()
            write_rows(traces, sys.stdout.buffer, on_rows=on_rows)
            sys.stdout.buffer.flush()
        return
    with open_output(dest, "csv") as f:
        write_rows(traces, f, on_rows=on_rows)
