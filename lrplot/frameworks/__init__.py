"""Configs from other frameworks, read as data and normalised to lrplot's SPECs.

``lrplot run FILE`` reads lrplot's own configs and the ones training frameworks
already have; :func:`read` tells them apart by their keys (or is told, ``--format``)
and returns the schedules with the run they describe. One module per framework:

* :mod:`.hf`: HuggingFace ``TrainingArguments`` -> ``hf-*`` schedules;
* :mod:`.timm`: timm's train.py config -> ``timm-cosine``/``timm-tanh`` and torch's;
* :mod:`.lightning`: a Lightning ``lr_scheduler`` config -> its torch schedule;
* :mod:`.mmengine`: mmengine's ``param_scheduler`` list -> one, ``chained`` or
  ``sequential``;
* :mod:`.deepspeed`: a DeepSpeed ``ds_config.json`` ``"scheduler"`` -> its ``ds-*``
  schedule (also read from TrainingArguments' ``deepspeed``, by :mod:`.hf`).
* :mod:`.megatron`: a Megatron-LM launch script or args file (text, not data: its
  bash is read by :mod:`.shell`, never run) -> ``megatron``.
* :mod:`.torchtune`: a torchtune recipe config (``_component_`` tables) -> its scheduler;
* :mod:`.axolotl`: an axolotl config -> the schedule its trainer builds.

Nothing in a config is executed: no eval, no import of a class path. A value that
looks like Python is text, and is rejected like any other unknown value.
:func:`command` gives the ``lrplot compare`` command line that shows the same run.
"""

from __future__ import annotations

import importlib
import shlex
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..params import LrplotError, format_value
from .common import Config, Converted, Given

if TYPE_CHECKING:
    from types import ModuleType

# the readers load when a config is read (not on every command: `lrplot --help`)
FORMATS = (
    "lrplot",
    "hf",
    "timm",
    "lightning",
    "mmengine",
    "deepspeed",
    "megatron",
    "torchtune",
    "axolotl",
)
# formats read as text, not as TOML/JSON/YAML data
TEXT_FORMATS = ("megatron",)
# formats told by a mark only they have (their keys overlap the others'): checked first
OWNER_FORMATS = ("torchtune", "axolotl")


def reader(fmt: str) -> ModuleType:
    """The module that reads format ``fmt`` (not lrplot's own)."""
    return importlib.import_module(f"{__name__}.{fmt}")


LRPLOT_SIGNS = frozenset({"schedule", "schedules"})


def detect(path: Path, data: Any) -> str:
    """The format whose keys the config has; an error when none or several match."""
    if not isinstance(data, Mapping):
        raise LrplotError(f"{path}: the top level must be a table of keys")
    owned = [name for name in OWNER_FORMATS if reader(name).owns(data)]
    if len(owned) == 1:
        return owned[0]
    keys = {str(k) for k in data}
    found = [
        name
        for name, signs in (
            ("lrplot", LRPLOT_SIGNS),
            *((name, reader(name).SIGNS) for name in ("hf", "timm", "lightning", "mmengine")),
            ("deepspeed", reader("deepspeed").SIGNS),
        )
        if keys & signs
    ]
    hf, deepspeed = reader("hf"), reader("deepspeed")
    if "deepspeed" in found and "hf" in found and keys & hf.SIGNS <= deepspeed.SHARED:
        found.remove("hf")  # a ds_config's gradient_accumulation_steps
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
            f"(timm), lr_scheduler (lightning), param_scheduler (mmengine), scheduler/"
            f"train_batch_size (deepspeed), _component_ tables (torchtune), "
            f"micro_batch_size/base_model (axolotl): pass {choices}"
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


def detect_text(path: Path) -> str | None:
    """The text format a file is in (a Megatron launch script), or None."""
    megatron = reader("megatron")
    return megatron.FORMAT if megatron.looks_like(path) else None


def read_text(path: Path, fmt: str, given: Given) -> Converted:
    """A text config (``fmt`` one of TEXT_FORMATS) as lrplot schedules and a run."""
    text_reader = reader(fmt)
    return text_reader.convert_text(path, text_reader.read_text(path), given)


def read(path: Path, data: Any, fmt: str, given: Given) -> Converted:
    """A framework config (``fmt`` is not 'lrplot') as lrplot schedules and a run."""
    if not isinstance(data, Mapping):
        raise LrplotError(f"{path}: the top level must be a table of keys")
    config = Config(path, {str(k).replace("-", "_"): v for k, v in data.items()})
    return reader(fmt).convert(config, given)


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


__all__ = [
    "FORMATS",
    "TEXT_FORMATS",
    "Converted",
    "Given",
    "command",
    "detect",
    "detect_text",
    "read",
    "read_text",
    "reader",
]
