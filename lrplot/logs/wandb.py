"""A Weights & Biases chart's "Export CSV": ``Step``, ``<run> - <key>`` (and ``__MIN``,
``__MAX`` columns of the same key).

``Step`` is W&B's step: the ``step=`` given to ``wandb.log``, or W&B's own count of
``log`` calls when none was given (transformers' WandbCallback gives none and logs
``train/global_step`` as a metric; a chart plotted against it exports that column
first). The value at a step is taken as the LR of the optimizer step of that number
(row = step). A key names the column (``run-1 - lr``) or, when one run has it, the
metric (``lr``).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LrplotError, ParamError
from . import hf
from .common import Log, choose, is_lr_key
from .table import Table

SEP = " - "
STEP_NAME = "Step"
NOTE = "W&B's {column} as exported: row = step"
NOTE_HF = "transformers' WandbCallback (train/learning_rate), against its train/global_step; "
NOTE_LIGHTNING_STEP = (
    "Lightning's WandbLogger logs without a step: W&B's Step counts its log calls, not "
    "optimizer steps (export the chart against trainer/global_step)"
)
NOTE_HF_STEP = (
    "transformers' WandbCallback logs without a step: W&B's Step counts its log calls, the "
    "optimizer step only with logging_steps=1 (export the chart against train/global_step)"
)


def is_export(names: list[str]) -> bool:
    """A header of W&B's export: Step (or a global_step metric) first, then ``run - key``."""
    return len(names) > 1 and any(SEP in n for n in names[1:]) and _is_step(names[0])


def _is_step(name: str) -> bool:
    return name == STEP_NAME or name.endswith("global_step")


def read(path: Path, key: str | None) -> Log:
    table = Table(path)
    names = table.names
    if not _is_step(names[0]):
        raise LrplotError(
            f"{path}: its first column is {names[0]!r}, not Step: not a W&B export CSV"
        )
    column = names[0]
    series = [n for n in names[1:] if not n.endswith(("__MIN", "__MAX"))]
    if key is not None and key not in series:
        matches = [n for n in series if n.partition(SEP)[2] == key]
        if len(matches) == 1:
            key = matches[0]
        elif matches:
            raise ParamError(
                "log_key", f"{path}: several runs have {key!r}: {', '.join(matches)}; name one"
            )
    choice = choose(path, series, key, is_lr=lambda n: is_lr_key(n.partition(SEP)[2] or n))
    offset = 0
    notes: tuple[str, ...] = (NOTE.format(column=column),)
    if choice.key.partition(SEP)[2] == hf.TAG:  # transformers' WandbCallback
        if _is_step(column) and column != STEP_NAME:
            offset, notes = -1, (NOTE_HF + hf.NOTE_NEW, hf.NOTE_RUN_VERSION)
        else:
            notes = (*notes, NOTE_HF_STEP)
    elif choice.key.partition(SEP)[2].startswith("lr-") and column == STEP_NAME:
        notes = (*notes, NOTE_LIGHTNING_STEP)
    return table.read("wandb", choice, column, notes, offset)
