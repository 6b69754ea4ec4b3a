"""The LR a real run logged, read from its log, with the lrplot row of every value.

:func:`read_log` tells the format from the file (or is told, ``format``) and returns a
:class:`Log`: one key's values, the steps as the log wrote them, and ``row``, the
lrplot row (0-based optimizer step, see :mod:`lrplot.engine`) each value equals when
the run did what it was configured to do, under that format's own rules of when it
logs. One module per format:

* :mod:`.hf`: transformers' ``trainer_state.json`` (``hf``; ``hf-4.50`` for
  transformers 4.50 and older, which logged the next step's LR);
* :mod:`.lightning`: Lightning's CSVLogger ``metrics.csv``;
* :mod:`.tensorboard`: event files (the ``tensorboard`` package, an optional extra);
* :mod:`.mlflow`: an MLflow file store's metric files;
* :mod:`.wandb`: a W&B chart's CSV export;
* :mod:`.table`: a plain CSV/TSV (``csv``) or JSON-lines (``jsonl``) file.

Reads are bounded (:data:`MAX_LOG` bytes) and streamed where the format allows; every
bad input is an :class:`~lrplot.errors.LrplotError` of one line naming the file.
"""

from __future__ import annotations

import csv
import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from ..errors import LrplotError, ParamError
from ..inputs import text_lines
from . import hf, lightning, mlflow, table, tensorboard, wandb
from .common import MAX_LOG, STEP, Log, is_lr_key

FORMATS: tuple[str, ...] = (
    "hf",
    "hf-4.50",
    "lightning",
    "tensorboard",
    "mlflow",
    "wandb",
    "csv",
    "jsonl",
)
READERS: dict[str, Callable[[Path, str | None], Log]] = {
    "hf": hf.read,
    "hf-4.50": lambda path, key: hf.read(path, key, legacy=True),
    "lightning": lightning.read,
    "tensorboard": tensorboard.read,
    "mlflow": mlflow.read,
    "wandb": wandb.read,
    "csv": table.read_csv,
    "jsonl": table.read_jsonl,
}
# what each format is, in a header line
FORMAT_NAMES = {
    "hf": "transformers trainer_state.json",
    "hf-4.50": "transformers (4.50 or older) trainer_state.json",
    "lightning": "Lightning CSVLogger metrics.csv",
    "tensorboard": "TensorBoard events",
    "mlflow": "MLflow metric file",
    "wandb": "W&B export CSV",
    "csv": "CSV",
    "jsonl": "JSON lines",
}
LABELS = {
    "hf": "transformers trainer_state.json",
    "lightning": "Lightning metrics.csv",
    "tensorboard": "TensorBoard event files",
    "mlflow": "an MLflow run's metrics",
}


def read_log(
    path: str | os.PathLike[str], *, format: str | None = None, key: str | None = None
) -> Log:
    """The LR that the log at ``path`` (a file or a run's folder) recorded.

    ``format``: one of :data:`FORMATS` (default: told from the file); ``key``: the
    key, column or tag to read (default: the one LR key, or param group 0)."""
    where = Path(path)
    if format is not None and format not in FORMATS:
        raise ParamError("log_format", f"must be one of {', '.join(FORMATS)}, got {format!r}")
    if key is not None and not key.strip():
        raise ParamError("log_key", "must name a key, column or tag, got ''")
    if not where.exists():
        raise LrplotError(f"cannot read log {where}: no such file or folder")
    if format is None:
        format, also = detect(where)
    else:
        also = ()
    log = READERS[format](where, key)
    if also:
        log = dataclasses.replace(log, notes=(*log.notes, *also))
    return log


def detect(path: Path) -> tuple[str, tuple[str, ...]]:
    """The format of the log at ``path``, and notes on other logs a folder holds."""
    if path.is_dir():
        return _detect_folder(path)
    if tensorboard.is_event_file(path):
        return "tensorboard", ()
    if path.name == hf.NAME:
        return "hf", ()
    first = _first_line(path)
    if first.startswith("{"):
        try:
            import json

            record = json.loads(first)
        except (ValueError, RecursionError):
            return "hf", ()  # a JSON document over several lines: a trainer_state.json
        return ("hf" if isinstance(record, dict) and hf.HISTORY in record else "jsonl"), ()
    if first.startswith("["):
        raise LrplotError(
            f"{path}: a JSON list: lrplot reads transformers' {hf.NAME} or JSON lines"
        )
    if mlflow.is_metric_line(first):
        return "mlflow", ()
    try:
        header = next(csv.reader([first], delimiter="\t" if "\t" in first else ","))
    except csv.Error:
        return "csv", ()  # its reader says what is wrong, and where
    names = [h.strip() for h in header]
    if wandb.is_export(names):
        return "wandb", ()
    if STEP in names and (path.name == lightning.NAME or any(n.startswith("lr-") for n in names)):
        return "lightning", ()
    return "csv", ()


def _first_line(path: Path) -> str:
    for _, text in text_lines(path, "log"):
        if text.strip():
            return text.strip()
    raise LrplotError(f"{path}: empty, no log in it")


def _detect_folder(path: Path) -> tuple[str, tuple[str, ...]]:
    found = []
    try:
        hf.locate(path)
        found.append("hf")
    except LrplotError:
        pass
    if lightning.find(path):
        found.append("lightning")
    if (path / mlflow.METRICS).is_dir() or path.name == mlflow.METRICS:
        found.append("mlflow")
    if tensorboard.find(path):
        found.append("tensorboard")
    if not found:
        raise LrplotError(
            f"{path}: no log in the folder (lrplot looks for {hf.NAME}, {lightning.NAME}, "
            f"TensorBoard event files, an MLflow run's {mlflow.METRICS} folder)"
        )
    also = tuple(
        f"the folder also has {LABELS[f]} (--log-format {f} reads them)" for f in found[1:]
    )
    return found[0], also


__all__ = ["FORMATS", "FORMAT_NAMES", "MAX_LOG", "Log", "detect", "is_lr_key", "read_log"]
