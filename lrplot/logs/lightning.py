"""Lightning's ``CSVLogger`` ``metrics.csv``, as its ``LearningRateMonitor`` writes it.

Lightning 2.x's monitor logs in ``on_train_batch_start`` (``logging_interval`` "step",
or None for a scheduler stepped per step) and in ``on_train_epoch_start`` ("epoch"),
before that batch's ``optimizer.step()``, with ``step=_batches_that_stepped``, the
optimizer steps done so far: the value at step ``s`` is the LR optimizer step ``s``
uses (row = step). It logs when ``(step + 1) % log_every_n_steps == 0``. Its keys:
``lr-<Optimizer>`` (``-1``, ``-2`` for a second one of the same class), ``/pgN`` (1-based)
or the group's ``name`` for several param groups, ``-momentum`` and ``-weight_decay``
beside them, or the scheduler config's ``name``. The CSV's columns are sorted; each
``log_metrics`` call is its own row, with the keys it did not log left empty.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LrplotError
from .common import STEP, Log, choose
from .table import Table

NAME = "metrics.csv"
NOTE = (
    "Lightning's LearningRateMonitor logs before the batch's optimizer.step(), at step = "
    "optimizer steps done: row = step"
)


def locate(path: Path) -> Path:
    if not path.is_dir():
        return path
    if (path / NAME).is_file():
        return path / NAME
    raise LrplotError(f"{path}: no {NAME} in the folder")


def read(path: Path, key: str | None) -> Log:
    file = locate(path)
    table = Table(file)
    if STEP not in table.names:
        raise LrplotError(
            f"{file}: no step column (columns: {', '.join(table.names[:12])}): "
            "not a Lightning CSVLogger metrics.csv"
        )
    choice = choose(file, table.names, key)
    return table.read("lightning", choice, STEP, (NOTE,))
