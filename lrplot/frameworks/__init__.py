"""Configs from other frameworks, read as data and normalised to lrplot's SPECs.

``lrplot run FILE`` reads lrplot's own configs and the ones training frameworks
already have; :func:`read` tells them apart by their keys (or is told, ``--format``)
and returns the schedules with the run they describe. One module per framework:

* :mod:`.hf`: HuggingFace ``TrainingArguments`` -> ``hf-*`` schedules;
* :mod:`.timm`: timm's train.py config -> ``timm-cosine``/``timm-tanh`` and torch's;
* :mod:`.lightning`: a Lightning ``lr_scheduler`` config -> its torch schedule;
* :mod:`.mmengine`: mmengine's ``param_scheduler`` list -> one, ``chained`` or
  ``sequential``.

Nothing in a config is executed: no eval, no import of a class path. A value that
looks like Python is text, and is rejected like any other unknown value.
:func:`command` gives the ``lrplot compare`` command line that shows the same run.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..params import LrplotError, format_value
from . import hf, lightning, mmengine, timm
from .common import Config, Converted, Given

FORMATS = ("lrplot", "hf", "timm", "lightning", "mmengine")
READERS = {"hf": hf, "timm": timm, "lightning": lightning, "mmengine": mmengine}
LRPLOT_SIGNS = frozenset({"schedule", "schedules"})


def detect(path: Path, data: Any) -> str:
    """The format whose keys the config has; an error when none or several match."""
    if not isinstance(data, Mapping):
        raise LrplotError(f"{path}: the top level must be a table of keys")
    keys = {str(k) for k in data}
    found = [
        name
        for name, signs in (
            ("lrplot", LRPLOT_SIGNS),
            ("hf", hf.SIGNS),
            ("timm", timm.SIGNS),
            ("lightning", lightning.SIGNS),
            ("mmengine", mmengine.SIGNS),
        )
        if keys & signs
    ]
    if len(found) == 1:
        return found[0]
    choices = "--format " + "|".join(FORMATS)
    if not found and (path.suffix.lower() == ".toml" or keys & _lrplot_keys()):
        return "lrplot"  # its own checks say what is missing
    if not found:
        shown = ", ".join(sorted(keys)[:8]) + (", ..." if len(keys) > 8 else "")
        raise LrplotError(
            f"{path}: cannot tell which framework wrote it (its keys: {shown or 'none'}); "
            f"lrplot knows schedule(s) (lrplot), lr_scheduler_type/learning_rate (hf), sched "
            f"(timm), lr_scheduler (lightning), param_scheduler (mmengine): pass {choices}"
        )
    raise LrplotError(
        f"{path}: its keys fit {' and '.join(found)}: pass {choices} to say which it is"
    )


def _lrplot_keys() -> set[str]:
    """Top-level keys of lrplot's own configs besides schedule(s)."""
    from .. import engine
    from ..schedules.warmup import WARMUP_PARAMS
    from ..spec import OUTPUT_PARAMS

    return {p.name for p in (*engine.PARAMS, *OUTPUT_PARAMS, *WARMUP_PARAMS)} | {"metric"}


def read(path: Path, data: Any, fmt: str, given: Given) -> Converted:
    """A framework config (``fmt`` is not 'lrplot') as lrplot schedules and a run."""
    if not isinstance(data, Mapping):
        raise LrplotError(f"{path}: the top level must be a table of keys")
    config = Config(path, {str(k).replace("-", "_"): v for k, v in data.items()})
    return READERS[fmt].convert(config, given)


def command(converted: Converted) -> str:
    """The ``lrplot compare`` command that shows the same run (shell-quoted)."""
    run = converted.settings
    args = ["lrplot", "compare", *(s.spec() for s in converted.schedules)]
    args += ["--lr", format_value(run.lr), "--epochs", str(run.epochs)]
    if run.steps_per_epoch != 1:
        args += ["--steps-per-epoch", str(run.steps_per_epoch)]
    if run.interval != "epoch":
        args += ["--interval", run.interval]
    if run.groups is not None:  # param groups given with the config
        args += run.groups.options()
    return " ".join(shlex.quote(a) for a in args)


__all__ = ["FORMATS", "Converted", "Given", "command", "detect", "read"]
