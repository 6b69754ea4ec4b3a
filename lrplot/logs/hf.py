"""transformers' ``Trainer``: ``trainer_state.json``, its ``log_history``.

After optimizer step ``s - 1`` (0-based) the Trainer increments ``global_step`` to ``s``
and, every ``logging_steps``, appends ``{"learning_rate": ..., "step": s}`` (group 0's
LR, ``_get_learning_rate``). Which LR that is changed in transformers 4.51
(PR #36973, issues #28124 and #35942): from 4.51 it is read after ``optimizer.step()``
and before ``scheduler.step()``, the LR step ``s - 1`` used (row ``s - 1``); up to
4.50 it was read after ``scheduler.step()``, the next step's LR (row ``s``).
``trainer_state.json`` does not record the version: format ``hf`` reads it as 4.51 or
newer, ``hf-4.50`` as 4.50 or older.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import LrplotError
from .common import STEP, Log, as_step, as_value, choose, finish, read_text

KEY = "learning_rate"
HISTORY = "log_history"
TAG = "train/learning_rate"  # the key of its TensorBoard and W&B callbacks (rewrite_logs)
NAME = "trainer_state.json"
NOTE_NEW = (
    "transformers >= 4.51 logs at step s the LR optimizer step s-1 used (read before "
    "scheduler.step(), PR #36973): row = step - 1"
)
NOTE_OLD = (
    "transformers <= 4.50 logs at step s the LR after scheduler.step(), the next step's "
    "(issue #28124): row = step"
)
NOTE_ASSUMED = (
    "trainer_state.json does not record the transformers version: read as 4.51 or newer "
    "(--log-format hf-4.50 for older)"
)
NOTE_RUN_VERSION = "the log does not record the transformers version: read as 4.51 or newer"
INFO_KEYS = ("max_steps", "logging_steps", "num_train_epochs", "train_batch_size", "global_step")


def locate(path: Path) -> Path:
    """trainer_state.json in a folder, else in its last checkpoint-N folder."""
    if not path.is_dir():
        return path
    if (path / NAME).is_file():
        return path / NAME
    checkpoints = []
    for child in path.iterdir():
        match = re.fullmatch(r"checkpoint-(\d+)", child.name)
        if match and (child / NAME).is_file():
            checkpoints.append((int(match.group(1)), child / NAME))
    if checkpoints:
        return max(checkpoints)[1]
    raise LrplotError(f"{path}: no {NAME} in the folder or its checkpoint-N folders")


def history(path: Path, text: str) -> tuple[list[Any], dict[str, Any]]:
    """``log_history`` and the state's other keys, from a trainer_state.json's text."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise LrplotError(f"{path}, line {err.lineno}: not JSON: {err.msg}") from None
    except RecursionError:
        raise LrplotError(f"{path}: not JSON: nested too deeply") from None
    if not isinstance(data, dict) or not isinstance(data.get(HISTORY), list):
        raise LrplotError(f"{path}: no log_history list: not a transformers Trainer's {NAME}")
    return data[HISTORY], data


def read(path: Path, key: str | None, legacy: bool = False) -> Log:
    file = locate(path)
    entries, state = history(file, read_text(file))
    names: list[str] = []
    for entry in entries:
        if isinstance(entry, dict):
            names += [str(k) for k in entry if k not in names]
    if key is None and KEY not in names:
        _too_rare(file, state)
    choice = choose(file, names, key, "key", lr_keys=(KEY,), prefer=KEY)
    steps: list[int] = []
    values: list[float] = []
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or choice.key not in entry:
            continue
        where = f"{file}: log_history[{i}]"
        if STEP not in entry:
            raise LrplotError(f"{where}: {choice.key} without a step")
        steps.append(as_step(entry[STEP], where))
        values.append(as_value(entry[choice.key], where, choice.key))
    info = {
        k: state[k]
        for k in INFO_KEYS
        if isinstance(state.get(k), (int, float)) and not isinstance(state[k], bool)
    }
    notes_from: tuple[str, ...] = ()
    if file.parent.name.startswith("checkpoint-") and file.parent.parent == path:
        notes_from = (f"read {file.parent.name}/{NAME}: the log up to that checkpoint",)
    if choice.key != KEY:
        notes: tuple[str, ...] = (NOTE_OLD if legacy else NOTE_NEW,)
    else:
        notes = (NOTE_OLD,) if legacy else (NOTE_NEW, NOTE_ASSUMED)
    max_steps = info.get("max_steps")
    end = (max_steps, "max_steps") if isinstance(max_steps, int) and max_steps > 0 else None
    fmt = "hf-4.50" if legacy else "hf"
    offset = 0 if legacy else -1
    notes = (*notes_from, *notes)
    return finish(file, fmt, choice, steps, values, offset, notes, info=info, end=end)


def _too_rare(file: Path, state: dict[str, Any]) -> None:
    """No ``learning_rate`` logged because the run was shorter than ``logging_steps``
    (its default is 500): say so, rather than that the log has no LR key."""
    every, done = state.get("logging_steps"), state.get("global_step")
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in (every, done)):
        return
    assert isinstance(every, int) and isinstance(done, int)
    if every > done:
        raise LrplotError(
            f"{file}: no learning_rate logged: the Trainer logs every logging_steps={every:,} "
            f"steps and the run took {done:,} (set logging_steps to {done:,} or fewer, e.g. 1)"
        )
