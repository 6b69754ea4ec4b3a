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
from .common import STEP, Log, chained, choose, is_lr_key
from .table import Table

NAME = "metrics.csv"
NOTE = (
    "Lightning's LearningRateMonitor logs before the batch's optimizer.step(), at step = "
    "optimizer steps done: row = step"
)


def find(folder: Path) -> list[Path]:
    """The ``metrics.csv`` files of a folder, as CSVLogger lays them out
    (``save_dir/name/version_N/metrics.csv``): the folder's own, else its
    ``version_N`` folders', else those of ``*/version_N`` (in version order)."""
    own = folder / NAME
    if own.is_file():
        return [own]
    for pattern in (f"version_*/{NAME}", f"*/version_*/{NAME}"):
        files = [p for p in folder.glob(pattern) if p.is_file()]
        if files:
            return sorted(files, key=_version)
    return []


def _version(path: Path) -> tuple[str, int, str]:
    number = path.parent.name.removeprefix("version_")
    return (str(path.parent.parent), int(number) if number.isdigit() else -1, number)


def files_of(path: Path) -> list[Path]:
    """``path`` itself, or the metrics.csv files of a folder (several: CSVLogger's
    ``version_N`` folders)."""
    if not path.is_dir():
        return [path]
    files = find(path)
    if not files:
        raise LrplotError(f"{path}: no {NAME} in the folder or its version_N folders")
    return files


def read(path: Path, key: str | None) -> Log:
    files = files_of(path)
    if len(files) > 1:
        return _resumed(path, files, key)
    file = files[0]
    table = Table(file)
    if STEP not in table.names:
        raise LrplotError(
            f"{file}: no step column (columns: {', '.join(table.names[:12])}): "
            "not a Lightning CSVLogger metrics.csv"
        )
    if key is None and not any(is_lr_key(n) for n in table.names):
        raise LrplotError(
            f"{file}: no LR column (columns: {', '.join(table.names[:12])}): Lightning logs "
            "the LR with a LearningRateMonitor callback, every log_every_n_steps (default "
            "50) optimizer steps; pass --log-key for another column"
        )
    choice = choose(file, table.names, key)
    return table.read("lightning", choice, STEP, (NOTE,))


def _resumed(path: Path, files: list[Path], key: str | None) -> Log:
    """Several versions of one fit: ``fit(ckpt_path=...)`` logs into a new version_N,
    from its checkpoint's step on (see :func:`lrplot.logs.common.chained`)."""
    labels = [str(f.parent.relative_to(path)) for f in files]
    logs = [read(f, key) for f in files]
    return chained(path, logs, labels, "Lightning CSVLogger logs", NAME)
