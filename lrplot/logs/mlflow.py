"""An MLflow file store's metric: ``mlruns/<experiment>/<run>/metrics/<key>``.

Each line of a metric file is ``<timestamp> <value> <step>`` (MLflow's FileStore; an
old two-field line has step 0), appended in the order the run logged them; a key with
``/`` is a file in a subfolder. The path is one metric file, a run's folder or its
``metrics`` folder (then the key is chosen like a column). The step is the ``step=``
given to ``log_metric``: row = step.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LrplotError, ParamError
from ..inputs import text_lines
from . import hf, table
from .common import Choice, Log, as_step, as_value, check_size, choose, finish, size_of

METRICS = "metrics"
NOTE = "MLflow's step as logged: row = step"
# transformers' MLflowCallback logs the Trainer's logs at step=global_step, with the
# TrainingArguments as the run's params (and its end-of-training metrics)
HF_SIGNS = ("params/lr_scheduler_type", "metrics/total_flos", "metrics/train_steps_per_second")
NOTE_HF = (
    "a transformers Trainer's run (MLflowCallback: its TrainingArguments among the params), "
    "logged at step = global_step; "
)


def metrics_folder(path: Path) -> Path | None:
    """The metrics folder of a run folder, a metrics folder, or a metric file's."""
    if path.is_dir():
        if (path / METRICS).is_dir():
            return path / METRICS
        return path if path.name == METRICS else None
    for parent in path.parents:
        if parent.name == METRICS:
            return parent
    return None


def metric_keys(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def is_metric_line(text: str) -> bool:
    """``<int> <float> <int>`` (or the first two): a line of an MLflow metric file."""
    fields = text.split()
    if len(fields) not in (2, 3) or "," in text:
        return False
    try:
        int(fields[0])
        float(fields[1])
        if len(fields) == 3:
            int(fields[2])
    except ValueError:
        return False
    return True


def read(path: Path, key: str | None) -> Log:
    folder = metrics_folder(path)
    if path.is_dir():
        if folder is None:
            raise LrplotError(f"{path}: no {METRICS} folder: not an MLflow run's folder")
        names = metric_keys(folder)
        choice = choose(path, names, key, "metric")
        file = folder / choice.key
    else:
        file = path
        name = file.relative_to(folder).as_posix() if folder else file.name
        others: tuple[str, ...] = ()
        if folder is not None:
            others = tuple(choose(folder, metric_keys(folder), name, "metric").others)
        if key is not None and key != name:
            raise ParamError(
                "log_key", f"{path}: is the metric {name!r}, not {key!r}: name the run's folder"
            )
        choice = Choice(name, others, ())
    steps, values = _series(file, choice.key)
    momentum = None
    beside = file.parent / table.momentum_key(file.name)
    if beside.is_file():
        moment_steps, moments = _series(beside, beside.name)
        momentum = moments if moment_steps == steps else None
    run = folder.parent if folder is not None else None
    if choice.key == hf.KEY and run is not None and any((run / s).is_file() for s in HF_SIGNS):
        notes = (NOTE_HF + hf.NOTE_NEW, hf.NOTE_RUN_VERSION)
        return finish(file, "mlflow", choice, steps, values, -1, notes, momentum=momentum)
    return finish(file, "mlflow", choice, steps, values, 0, (NOTE,), momentum=momentum)


def _series(file: Path, key: str) -> tuple[list[int], list[float]]:
    """The steps and values of one metric file, in the order they were written."""
    check_size(file, size_of(file))
    steps: list[int] = []
    values: list[float] = []
    for number, text in text_lines(file, "log"):
        if not text.strip():
            continue
        fields = text.split()
        where = f"{file}, line {number}"
        if len(fields) not in (2, 3):
            raise LrplotError(
                f"{where}: {len(fields)} fields, an MLflow metric line is 'timestamp value step'"
            )
        values.append(as_value(fields[1], where, key))
        steps.append(as_step(fields[2], where) if len(fields) == 3 else 0)
    return steps, values
