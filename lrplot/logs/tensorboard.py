"""TensorBoard event files, read with the ``tensorboard`` package (``lrplot[tensorboard]``).

The path is an event file (``events.out.tfevents.*``) or a folder holding one run's
(a resumed run adds files to it; they are read in name order, which is time order).
A value's step is the ``global_step`` given to ``add_scalar``. What it means depends
on who wrote it, told by the tag:

* ``train/learning_rate``: transformers' TensorBoardCallback, at the Trainer's
  ``global_step``, the same value as ``trainer_state.json`` (see :mod:`.hf`): row = step - 1;
* ``lr-<Optimizer>...``: Lightning's LearningRateMonitor through TensorBoardLogger
  (see :mod:`.lightning`): row = step;
* any other tag: a loop's own ``SummaryWriter.add_scalar(tag, lr, step)``: row = step.

Scalars are stored as float32: the values are widened to float64.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

from ..errors import LrplotError
from . import hf, lightning, table
from .common import Choice, Log, chained, check_size, choose, finish, size_of

MISSING = (
    "reading TensorBoard logs needs the tensorboard package: pip install 'lrplot[tensorboard]'"
)
HF_TAG = hf.TAG
MARK = "tfevents"
# what transformers' TensorBoardCallback writes besides: its TrainingArguments as text
# (on_train_begin), the Trainer's epoch and, at the end, its total_flos
HF_SIGNS = frozenset({"args/text_summary", "train/epoch", "train/total_flos"})
NOTE_NOT_HF = (
    f"{HF_TAG} without transformers' other tags (args, train/epoch): a loop's own "
    "add_scalar, row = step"
)
NOTE_PLAIN = "the step given to add_scalar: row = step"


def is_event_file(path: Path) -> bool:
    return MARK in path.name


def find(folder: Path, depth: int = 4, limit: int = 10_000) -> list[Path]:
    """Event files in ``folder`` and its subfolders, ``depth`` levels down at most (a log
    folder, not a home folder: at most ``limit`` folders are looked at)."""
    found: list[Path] = []
    base = len(folder.parts)
    for seen, (root, dirs, files) in enumerate(os.walk(folder)):
        here = Path(root)
        found += [here / f for f in files if MARK in f and (here / f).is_file()]
        if len(here.parts) - base >= depth:
            dirs.clear()
        if seen >= limit:
            break
    return sorted(found)


def event_files(path: Path) -> list[Path]:
    """The event files of a run: ``path`` itself, or those in one folder under it."""
    if not path.is_dir():
        return [path]
    files = find(path)
    if not files:
        raise LrplotError(f"{path}: no TensorBoard event files (*{MARK}*) in the folder")
    folders = sorted({p.parent for p in files})
    if len(folders) > 1:
        names = ", ".join(str(f.relative_to(path)) or "." for f in folders[:6])
        raise LrplotError(
            f"{path}: TensorBoard logs of {len(folders)} runs ({names}): name one run's folder"
        )
    return files


def run_folders(path: Path) -> list[Path]:
    """The folders of ``path``'s event files when there are several (a resumed run
    writes a new one: Lightning's version_N, the Trainer's runs/<date>), in time order
    (their first event file's name has its creation time); [] when there is one."""
    if not path.is_dir():
        return []
    files = find(path)
    folders = sorted({p.parent for p in files})
    if len(folders) < 2 or any(f in folders for f in (p.parent for p in folders)):
        return []  # one run, or event files beside a folder's: left to event_files
    return sorted(folders, key=lambda f: min(p.name for p in files if p.parent == f))


def _accumulator() -> Any:
    try:
        from tensorboard.backend.event_processing import event_accumulator  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        raise LrplotError(MISSING) from None
    except Exception as err:  # an installed tensorboard too old for this numpy, say
        raise LrplotError(
            f"the installed tensorboard cannot read event files ({type(err).__name__}: {err}): "
            "pip install 'lrplot[tensorboard]'"
        ) from None
    return event_accumulator


def _series(events: Any, tag: str, scalar: bool) -> tuple[list[int], list[float]]:
    steps: list[int] = []
    values: list[float] = []
    if scalar:
        for event in events.Scalars(tag):
            steps.append(int(event.step))
            values.append(float(event.value))
        return steps, values
    from tensorboard.util import tensor_util  # type: ignore[import-not-found,import-untyped,unused-ignore]

    for event in events.Tensors(tag):
        array = tensor_util.make_ndarray(event.tensor_proto)
        if array.size != 1:
            raise LrplotError(f"tag {tag!r} holds tensors of shape {array.shape}, not scalars")
        steps.append(int(event.step))
        values.append(float(array.reshape(())))
    return steps, values


def read(path: Path, key: str | None) -> Log:
    folders = run_folders(path)
    if folders:
        check_size(path, sum(size_of(f) for f in find(path)))
        labels = [str(f.relative_to(path)) for f in folders]
        logs = [read(f, key) for f in folders]
        log = chained(path, logs, labels, "TensorBoard logs", "folder")
        own = tuple(n for n in log.notes if not n.endswith(" event file(s)"))
        return dataclasses.replace(log, notes=(f"{len(find(path))} event file(s)", *own))
    files = event_files(path)
    check_size(path, sum(size_of(f) for f in files))
    module = _accumulator()
    target = files[0] if len(files) == 1 else files[0].parent
    sizes = {module.SCALARS: 0, module.TENSORS: 0}
    try:
        events = module.EventAccumulator(
            str(target), size_guidance=sizes, purge_orphaned_data=False
        )
        events.Reload()
        tags = events.Tags()
    except LrplotError:
        raise
    except Exception as err:  # the reader's own errors on a damaged file
        raise LrplotError(f"{path}: cannot read TensorBoard events: {err}") from None
    scalars = [str(t) for t in tags.get(module.SCALARS, [])]
    tensors = [str(t) for t in tags.get(module.TENSORS, []) if t not in scalars]
    names = scalars + tensors
    if not names:
        raise LrplotError(f"{path}: no scalars in the TensorBoard events")
    choice = choose(path, names, key, "tag")
    try:
        steps, values = _series(events, choice.key, choice.key in scalars)
        moment = table.momentum_key(choice.key)
        moments = None
        if moment in scalars:
            moment_steps, moments = _series(events, moment, True)
            if moment_steps != steps:
                moments = None
    except LrplotError as err:
        raise LrplotError(f"{path}: {err}") from None
    except Exception as err:
        raise LrplotError(f"{path}: cannot read TensorBoard events: {err}") from None
    offset, notes = _rule(choice, set(names))
    notes = (f"{len(files)} event file(s)", *notes, "scalars stored as float32")
    return finish(path, "tensorboard", choice, steps, values, offset, notes, momentum=moments)


def _rule(choice: Choice, tags: set[str]) -> tuple[int, tuple[str, ...]]:
    """Offset from step to row, and why, from the tag's writer."""
    if choice.key == HF_TAG:
        if tags & HF_SIGNS:
            note = f"{HF_TAG} is transformers' TensorBoardCallback; " + hf.NOTE_NEW
            return -1, (note, hf.NOTE_RUN_VERSION)
        return 0, (NOTE_NOT_HF,)
    if choice.key.startswith("lr-"):
        return 0, (lightning.NOTE,)
    return 0, (NOTE_PLAIN,)
