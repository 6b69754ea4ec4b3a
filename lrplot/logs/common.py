"""What every log reader shares: the result, bounded reading, key choice, step clean-up.

A reader turns a framework's log into (step as written, value) pairs of one key and
gives them to :func:`finish`, with the offset from a logged step to lrplot's row (the
optimizer step whose LR the value is) under that framework's rules. :func:`finish`
keeps the last value of a step logged twice (a resumed run), sorts by step and says
how often the run logged.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import LrplotError, ParamError
from ..inputs import read_at_most

if TYPE_CHECKING:
    import numpy as np
else:
    from .._lazy import np

MAX_LOG = 256 * 1024 * 1024  # bytes: a log is read up to this size (all its files together)
SHOWN = 12  # keys named in a message, at most
STEP = "step"  # the step key of HF, Lightning and most tables


@dataclass(frozen=True)
class Log:
    """The LR a run logged, one key, with the lrplot row each value should equal."""

    path: Path
    format: str  # one of FORMATS
    key: str  # the key, column or tag whose values these are
    logged_step: np.ndarray  # int64: the step numbers as the log writes them
    row: np.ndarray  # int64: lrplot row (0-based optimizer step) each value should equal
    lr: np.ndarray  # float64 (float32-stored formats widened)
    others: tuple[str, ...]  # other LR-like keys of the log (param groups, optimizers)
    notes: tuple[str, ...]  # how it was read, one line each
    momentum: np.ndarray | None = None  # for the same rows, when the log has it
    info: Mapping[str, Any] = field(default_factory=dict)  # run facts the log records

    def __len__(self) -> int:
        return len(self.lr)


def size_of(path: Path) -> int:
    try:
        return os.stat(path).st_size
    except OSError as err:
        raise LrplotError(f"cannot read log {path}: {err.strerror or err}") from None


def _mib(count: int) -> str:
    return f"{count / 1024 / 1024:.4g} MiB" if count >= 1024 * 1024 else f"{count} bytes"


def check_size(path: Path, total: int) -> None:
    """Refuse a log (all its files: ``total`` bytes) larger than MAX_LOG."""
    if total > MAX_LOG:
        raise LrplotError(
            f"{path}: the log is {_mib(total)}: lrplot reads logs of at most "
            f"{_mib(MAX_LOG)}; is it the right file?"
        )


def read_bytes(path: Path) -> bytes:
    """A whole log file (a regular file of at most MAX_LOG bytes)."""
    data = read_at_most(path, "log", MAX_LOG)
    check_size(path, len(data))
    return data


def read_text(path: Path) -> str:
    """A whole log file as UTF-8 text (binary data refused)."""
    data = read_bytes(path)
    if b"\0" in data:
        raise LrplotError(f"{path}: binary data, not a text log")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise LrplotError(f"{path}, line {line}: not UTF-8 text") from None


# --- LR-like keys -----------------------------------------------------------------------

_LR_WORD = re.compile(r"(?:^|[/\s.:_-])(?:lr|learning[_ -]?rate)(?:$|[/\s.:_-])", re.IGNORECASE)
_NOT_LR = re.compile(r"momentum|betas?\b|weight[_ -]?decay|__min$|__max$", re.IGNORECASE)
# a param group's index at the end of a key: lr-SGD/pg1, lr_group_0, lr/1
_GROUP = re.compile(r"^(?P<base>.*?)[/_ -]?(?:pg|param_group|group|g)?[_-]?(?P<index>\d+)$")


def is_lr_key(name: str) -> bool:
    """A key that names a learning rate: lr, learning_rate, lr-SGD/pg1, train/learning_rate,
    base_lr; not its momentum or weight decay (lr-SGD-momentum)."""
    return bool(_LR_WORD.search(name)) and not _NOT_LR.search(name)


def shown(names: Sequence[str]) -> str:
    text = ", ".join(names[:SHOWN])
    return (text + ", ...") if len(names) > SHOWN else (text or "none")


def _group_zero(keys: Sequence[str]) -> str | None:
    """The key of the lowest param group, when ``keys`` are one optimizer's groups."""
    parsed = [_GROUP.match(k) for k in keys]
    if not all(parsed):
        return None
    bases = {m.group("base") for m in parsed if m}
    if len(bases) != 1:
        return None
    indices = [int(m.group("index")) for m in parsed if m]
    if len(set(indices)) != len(indices):
        return None
    return keys[indices.index(min(indices))]


@dataclass(frozen=True)
class Choice:
    key: str
    others: tuple[str, ...]
    notes: tuple[str, ...]


def choose(
    path: Path,
    names: Sequence[str],
    key: str | None,
    what: str = "column",
    lr_keys: Iterable[str] = (),
    is_lr: Callable[[str], bool] = is_lr_key,
    prefer: str | None = None,
) -> Choice:
    """The key to read among ``names`` (all keys of the log, in the log's order): ``key``
    when given; else the one LR-like key, or param group 0 of one optimizer's groups.

    ``lr_keys``: LR keys the format knows besides the LR-like names; ``prefer``: the
    format's own LR key, read by default when other LR-like keys are there too."""
    extra = set(lr_keys)
    found = [n for n in names if n in extra or is_lr(n)]
    if key is not None:
        if key not in names:
            raise ParamError(
                "log_key",
                f"{path}: no {what} {key!r} (LR-like: {shown(found)}; all: {shown(list(names))})",
            )
        return Choice(key, tuple(n for n in found if n != key), ())
    if not found:
        raise LrplotError(f"{path}: no LR {what} ({what}s: {shown(list(names))}); pass --log-key")
    if len(found) == 1:
        return Choice(found[0], (), ())
    if prefer in found:  # the format's own LR key, beside others a user logged
        return Choice(prefer, tuple(n for n in found if n != prefer), ())
    first = _group_zero(found)
    if first is None:
        raise LrplotError(f"{path}: several LR keys ({shown(found)}): pass --log-key")
    others = tuple(n for n in found if n != first)
    note = f"{len(found)} param groups: read {first} (group 0); the others: {shown(others)}"
    return Choice(first, others, (note + " (--log-key picks one)",))


# --- a resumed run logged into several folders ----------------------------------------------


def chained(path: Path, logs: Sequence[Log], labels: Sequence[str], what: str, one: str) -> Log:
    """Several runs' logs (in time order) read as one resumed run: each later one goes
    on from a step after the first one's first (a run started over logs its first step
    again: separate runs, and lrplot asks for one), with the same key."""
    listed = ", ".join(labels[:6])

    def several(why: str) -> LrplotError:
        return LrplotError(
            f"{path}: {what} of {len(logs)} runs ({listed}){why}: name one run's {one}"
        )

    start = int(logs[0].logged_step[0])
    again = next((log for log in logs[1:] if int(log.logged_step[0]) <= start), None)
    if again is not None:
        raise several(f", a later one from step {int(again.logged_step[0])} again (not a resume)")
    if len({log.key for log in logs}) > 1:
        raise several(f", with other LR keys ({', '.join(log.key for log in logs)})")
    first = logs[0]
    offset = int(first.row[0] - first.logged_step[0])
    steps = np.concatenate([log.logged_step for log in logs]).tolist()
    values = np.concatenate([log.lr for log in logs]).tolist()
    momenta = [log.momentum for log in logs if log.momentum is not None]
    momentum = np.concatenate(momenta).tolist() if len(momenta) == len(logs) else None
    own = [  # the first log's notes on how it is read (not on its values)
        n for n in first.notes[:-1] if "logged more than once" not in n and " value(s) at " not in n
    ]
    note = f"{len(logs)} runs ({', '.join(labels)}) read as one resumed run, in time order"
    choice = Choice(first.key, first.others, ())
    return finish(
        path, first.format, choice, steps, values, offset, (*own, note), momentum=momentum
    )


# --- lists: scheduler.get_last_lr() logged as it is ---------------------------------------

ELEMENT = re.compile(r"(.+)\[(\d+)\]")


def split_key(names: Sequence[str], key: str | None) -> tuple[str | None, int | None]:
    """``--log-key 'lr[1]'``: element 1 of the list logged under ``lr`` (when ``lr[1]``
    is not itself a key of the log)."""
    if key is None or key in names:
        return key, None
    match = ELEMENT.fullmatch(key)
    if match and match.group(1) in names:
        return match.group(1), int(match.group(2))
    return key, None


def element(value: Any, index: int | None, where: str, key: str) -> tuple[Any, int]:
    """(the value, the list's length: 0 when not a list): element ``index`` (default 0)
    of a list of LRs, one per param group, as ``scheduler.get_last_lr()`` returns it
    (a JSON list, or its ``str`` in a CSV cell)."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            value = [v.strip() for v in text[1:-1].split(",") if v.strip()]
    if isinstance(value, list):
        i = index or 0
        if i >= len(value):
            raise LrplotError(f"{where}: {key} has {len(value)} value(s), no element {i}")
        return value[i], len(value)
    if index is not None:
        raise LrplotError(f"{where}: {key} {value!r} is not a list: no element {index}")
    return value, 0


def list_note(key: str, index: int | None, size: int) -> str:
    """The note of a key read from lists (``size``: the longest list)."""
    i = index or 0
    more = f" (--log-key '{key}[1]' reads group 1)" if index is None and size > 1 else ""
    return (
        f"{key} is a list of {size} LR(s), one per param group (scheduler.get_last_lr()): "
        f"read element {i}, group {i}{more}"
    )


# --- numbers ----------------------------------------------------------------------------


def as_step(value: Any, where: str) -> int:
    """A logged step: a whole number >= 0 (3, 3.0, "3")."""
    if isinstance(value, bool):
        raise LrplotError(f"{where}: step {value!r} is not a whole number >= 0")
    if isinstance(value, int):
        number = value
    else:
        try:
            real = float(value)
        except (TypeError, ValueError):
            raise LrplotError(f"{where}: step {value!r} is not a whole number >= 0") from None
        if not real.is_integer():
            raise LrplotError(f"{where}: step {value!r} is not a whole number >= 0")
        number = int(real)
    if not 0 <= number < 2**62:
        raise LrplotError(f"{where}: step {value!r} is not a whole number >= 0")
    return number


def as_value(value: Any, where: str, key: str) -> float:
    """A logged number (an LR, a momentum)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise LrplotError(f"{where}: {key} {value!r} is not a number")
    try:
        return float(value)
    except ValueError:
        raise LrplotError(f"{where}: {key} {value!r} is not a number") from None


# --- the result ---------------------------------------------------------------------------


def _cadence(steps: np.ndarray) -> str:
    if len(steps) == 1:
        return f"one value, at step {int(steps[0])}"
    gaps = np.diff(steps)
    low, high = int(gaps.min()), int(gaps.max())
    span = f"steps {int(steps[0])}..{int(steps[-1])}"
    if low == high:
        every = "every step" if low == 1 else f"every {low} steps"
        return f"{len(steps)} values, {every} ({span})"
    return f"{len(steps)} values, at irregular steps ({span}, {low} to {high} apart)"


def finish(
    path: Path,
    fmt: str,
    choice: Choice,
    steps: Sequence[int],
    values: Sequence[float],
    offset: int,
    notes: Iterable[str],
    momentum: Sequence[float] | None = None,
    info: Mapping[str, Any] | None = None,
    end: tuple[int, str] | None = None,
) -> Log:
    """The Log of (step, value) pairs in log order: the last value of a step logged more
    than once is kept, sorted by step; row = step + offset. ``end``: (the run's number
    of optimizer steps, what says it): rows from there on are left out."""
    if not steps:
        raise LrplotError(f"{path}: {choice.key} has no values")
    logged = np.asarray(steps, dtype=np.int64)
    lr = np.asarray(values, dtype=np.float64)
    moment = None if momentum is None else np.asarray(momentum, dtype=np.float64)
    out = [*choice.notes, *notes]
    # np.unique on the reversed steps finds each step's last occurrence
    unique, first_rev = np.unique(logged[::-1], return_index=True)
    keep = len(logged) - 1 - first_rev
    if len(unique) < len(logged):
        where = np.searchsorted(unique, logged)
        counts = np.bincount(where)
        last = lr[keep]
        differ = np.flatnonzero((counts > 1) & (np.bincount(where, lr != last[where]) > 0))
        again = unique[counts > 1]
        if len(differ):
            out.append(
                f"{len(again)} step(s) logged more than once, with different values from "
                f"step {int(unique[differ[0]])} (a resumed run?): kept the last value of each"
            )
        else:
            out.append(
                f"{len(again)} step(s) logged more than once with the same value (from step "
                f"{int(again[0])}; each batch of an accumulated step, or a resumed run)"
            )
    elif np.any(np.diff(logged) < 0):
        out.append("the steps are not in order: sorted")
    logged, lr = logged[keep], lr[keep]
    moment = None if moment is None else moment[keep]
    row = logged + offset
    if offset < 0 and row[0] < 0:
        dropped = int(np.count_nonzero(row < 0))
        out.append(f"{dropped} value(s) at step {-offset - 1} or lower have no row: left out")
        valid = row >= 0
        logged, lr, row = logged[valid], lr[valid], row[valid]
        moment = None if moment is None else moment[valid]
        if not len(lr):
            raise LrplotError(f"{path}: {choice.key} has no values after step {-offset - 1}")
    if end is not None and row[-1] >= end[0]:
        valid = row < end[0]
        out.append(
            f"{int(np.count_nonzero(~valid))} value(s) at step {end[0] - offset} or later are "
            f"the LR after the run's last optimizer step ({end[1]} {end[0]}): left out"
        )
        logged, lr, row = logged[valid], lr[valid], row[valid]
        moment = None if moment is None else moment[valid]
        if not len(lr):
            raise LrplotError(f"{path}: {choice.key} has no values before the run's end")
    out.append(_cadence(logged))
    return Log(
        path=path,
        format=fmt,
        key=choice.key,
        logged_step=logged,
        row=row,
        lr=lr,
        others=choice.others,
        notes=tuple(out),
        momentum=moment,
        info=dict(info or {}),
    )
