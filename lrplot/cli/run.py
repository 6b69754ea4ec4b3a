"""`lrplot run CONFIG`: a config file of one or more schedules: lrplot's own, or a
training framework's (HuggingFace, timm, Lightning, mmengine; see lrplot.frameworks)."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path
from typing import Any

import click

from .app import Argument, Option, command, register

# --- lrplot run -------------------------------------------------------------------
# (the engine, the config readers and the shared options are imported when the command
# runs: lrplot --help needs only its help)

HELP = (
    "Run a config file (TOML, JSON, or YAML with PyYAML) of one or more schedules: "
    "lrplot's own, or a training framework's (HuggingFace TrainingArguments, timm, "
    "Lightning, mmengine), shown as the lrplot run it amounts to."
)


def _run_config(kwargs: dict[str, Any]) -> None:
    from .. import api, configs, groups, plan
    from ..schedules.warmup import WARMUP_PARAMS
    from .common import Outputs, pick, resume_options

    run = {p.name: kwargs[p.name] for p in (*configs.OVERRIDES, *plan.PARAMS, *groups.PARAMS)}
    loaded = configs.load(kwargs["config"], kwargs["format"], pick(kwargs, WARMUP_PARAMS), run)
    given = Outputs.from_options(kwargs)  # the command line wins over the config
    outputs = dataclasses.replace(
        given,
        out=given.out if given.out is not None else loaded.outputs["out"],
        csv=given.csv if given.csv is not None else loaded.outputs["csv"],
        log_y=given.log_y or loaded.outputs["log_y"],
    )
    outputs = outputs.checked()
    resume = resume_options(kwargs)  # the command line wins over the config
    loaded.resume.update({k: v for k, v in resume.items() if v is not None})
    traces = api.simulate_loaded(loaded)
    header = loaded.header()
    if header is not None:  # the equivalent compare command, once the run is known to work
        sys.stderr.write(header)
        sys.stderr.flush()
    outputs.render(list(traces))


PANEL_CONFIG = "Config"


_OVERRIDE_HELP = {
    "lr": "Base learning rate (the optimizer's lr), instead of the config's.",
    "epochs": "Epochs, instead of the config's (HF: num_train_epochs; timm: epochs; "
    "Lightning/mmengine: max_epochs).",
    "steps_per_epoch": "Optimizer steps per epoch, for a framework config that needs them "
    "(or give --dataset-size and --batch-size).",
}


def _config_parts() -> list[click.Parameter]:
    """--format, and the run options that override a config's."""
    from .. import configs

    format_option = Option(
        ["--format", "-f"],
        default=None,
        help="The config's format: lrplot's own, or hf (HuggingFace TrainingArguments), "
        "timm (train.py), lightning (an lr_scheduler config), mmengine (param_scheduler), "
        "deepspeed (a ds_config.json). "
        "\\[default: recognised by its keys]",
        metavar="FORMAT",
        panel=PANEL_CONFIG,
    )
    parts: list[click.Parameter] = [format_option]
    for p in configs.OVERRIDES:
        help = _OVERRIDE_HELP[p.name]
        parts.append(
            Option(
                [p.option, p.name], default=None, help=help, metavar=p.metavar, panel=PANEL_CONFIG
            )
        )
    return parts


EPILOG = (
    "Examples:\n\n  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot run sample_configs/compare.toml -o compare.png\n\n"
    "  lrplot run sample_configs/cosine.toml --warmup 5  (for schedules without a warmup key)"
    "\n\n  lrplot run sample_configs/hf_trainer.json --dataset-size 50000"
)


def _build() -> click.Command:
    from .common import group_parts, output_options, plan_parts, resume_parts, warmup_parts

    config = Argument(
        ["config"], type=click.Path(path_type=Path), metavar="CONFIG", help="The config file."
    )
    parts = [
        config,
        *_config_parts(),
        *warmup_parts(),
        *plan_parts(),
        *resume_parts(),
        *group_parts(),
        *output_options(),
    ]
    return command("run", _run_config, parts, help=HELP, epilog=EPILOG, panel="Commands")


register("run", HELP, "Commands", _build)
