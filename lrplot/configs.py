"""Config files -> schedules and a run: lrplot's own, or a training framework's.

:func:`load` is what ``lrplot run CONFIG`` and ``lrplot.load(path)`` both read:
lrplot's TOML/JSON/YAML configs (:mod:`lrplot.spec`) and the configs training
frameworks already have (HuggingFace, timm, Lightning, mmengine, Megatron-LM's launch
scripts, read as text:
:mod:`lrplot.frameworks`), told apart by their keys or by ``format``. A framework
config comes back with the notes that say how its numbers were worked out and the
equivalent ``lrplot compare`` command.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import engine, frameworks, groups, metrics, plan
from .errors import LrplotError, ParamError
from .params import CHOICE, Param, format_value
from .schedules import Schedule
from .schedules.warmup import WARMUP_PARAMS
from .spec import load_config, read_config_data

FORMAT = Param(
    "format",
    CHOICE,
    "the config's format; default: recognised by its keys",
    None,
    choices=frameworks.FORMATS,
)
# run keys a caller may give to override a config's (or to supply them)
OVERRIDES = tuple(p for p in engine.PARAMS if p.name in ("lr", "epochs", "steps_per_epoch"))


@dataclass
class Loaded:
    """What a config file describes, ready to simulate."""

    path: Path
    format: str  # one of frameworks.FORMATS
    schedules: list[Schedule]
    settings: engine.RunSettings
    metric: metrics.MetricSource
    outputs: dict[str, Any] = field(default_factory=dict)  # out, csv, log_y
    framework: str | None = None  # a framework config's name ("HuggingFace TrainingArguments")
    notes: list[str] = field(default_factory=list)  # how its numbers were worked out
    command: str | None = None  # the equivalent `lrplot compare ...` command
    resume: dict[str, Any] = field(default_factory=dict)  # resume_at, ... (lrplot.resume)

    def header(self) -> str | None:
        """Comment lines for a framework config: what it is, how it was read, and the
        equivalent command (None for lrplot's own configs)."""
        if self.framework is None:
            return None
        lines = [f"# {self.path} ({self.framework} config) is this lrplot run:"]
        lines += [f"#   {note}" for note in self.notes]
        lines.append(self.command or "")
        return "\n".join(lines) + "\n"


def load(
    path: str | os.PathLike[str],
    format: str | None = None,
    warmup: Mapping[str, Any] | None = None,
    run: Mapping[str, Any] | None = None,
) -> Loaded:
    """Read a config file (see the module docstring). Nothing in it is ever run.

    ``warmup``: raw warmup values (warmup, warmup_start, ...) for the schedules of an
    lrplot config that do not give their own; ``run``: raw run values (lr, epochs,
    steps_per_epoch and the plan: dataset_size, batch_size, devices, grad_accum,
    drop_last) that win over the config's. Errors name the file and the key."""
    path = Path(path)
    if path.suffix.lower() == ".py":
        raise LrplotError(
            f"{path}: Python configs are not read (lrplot never runs a config): dump it to "
            'JSON or YAML first, e.g. for mmengine: python -c "from mmengine import Config; '
            f"Config.fromfile('{path}').dump('{path.with_suffix('.json')}')\""
        )
    fmt = FORMAT.parse(format) if format is not None else None
    given = {k: v for k, v in (run or {}).items() if v is not None}
    known = {p.name for p in (*OVERRIDES, *plan.PARAMS, *groups.PARAMS)}
    for key in given:
        if key not in known:
            raise ParamError(key, f"a config's run has no key {key!r} (keys: {', '.join(known)})")
    overrides = {p.name: p.parse(given[p.name]) for p in OVERRIDES if p.name in given}
    plan_given = {p.name: p.parse(given[p.name]) for p in plan.PARAMS if p.name in given}
    groups_given = {p.name: p.parse(given[p.name]) for p in groups.PARAMS if p.name in given}
    ramp = {k: v for k, v in (warmup or {}).items() if v is not None}
    data = None
    if fmt is None:
        fmt = frameworks.detect_text(path)  # a launch script: text, not data
    if fmt is None:
        data = read_config_data(path)
        fmt = frameworks.detect(path, data)
    if fmt == "lrplot":
        # the warmup and plan given are checked against the run the config describes
        cfg = load_config(path, ramp, {**plan_given, **groups_given, **overrides})
        return Loaded(
            path, fmt, cfg.schedules, cfg.settings, cfg.metric, cfg.outputs, resume=cfg.resume
        )
    if ramp:
        name = next(p.name for p in WARMUP_PARAMS if p.name in ramp)
        bare = (
            f"applies to lrplot configs only: {path} is a {fmt} config, which sets its own warmup"
        )
        raise ParamError(name, f"{name} {bare}", bare)
    scaled = next((n for n in ("reference_batch", "scale") if n in plan_given), None)
    if scaled is not None:  # the framework's reader sets the run's lr from its own keys
        bare = f"applies to lrplot configs only: {path} is a {fmt} config, which sets its own lr"
        raise ParamError(scaled, f"{scaled} {bare}", bare)
    run_given = frameworks.Given(
        lr=overrides.get("lr"),
        epochs=overrides.get("epochs"),
        steps_per_epoch=overrides.get("steps_per_epoch"),
        plan={p.name: plan_given.get(p.name) for p in plan.PARAMS},
    )
    if fmt in frameworks.TEXT_FORMATS:
        converted = frameworks.read_text(path, fmt, run_given)
    else:
        if data is None:
            data = read_config_data(path)
        converted = frameworks.read(path, data, fmt, run_given)
    decay = converted.layer_decay  # the config's own (timm's layer_decay)
    if decay is not None and not groups_given:
        converted.notes.append(
            f"layer_decay {format_value(decay)}: one LR curve per layer with --num-layers "
            "(the model's blocks, e.g. 12 for ViT-B)"
        )
    elif decay is not None and set(groups_given) == {"num_layers"}:
        groups_given = {**groups_given, "layer_decay": decay}
    if groups_given:  # param groups over the framework's run
        found = groups.Groups.from_values(groups_given)
        converted = dataclasses.replace(
            converted, settings=dataclasses.replace(converted.settings, groups=found)
        )
    return Loaded(
        path,
        fmt,
        converted.schedules,
        converted.settings,
        converted.metric,
        {"out": None, "csv": None, "log_y": False},
        converted.framework,
        list(converted.notes),
        frameworks.command(converted),
    )
