"""`lrplot run CONFIG`: a config file of one or more schedules: lrplot's own, or a
training framework's (HuggingFace, timm, Lightning, mmengine; see lrplot.frameworks)."""

from __future__ import annotations

import dataclasses
import inspect
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from .. import engine, frameworks, plan
from ..params import CHOICE, LrplotError, Param, ParamError
from ..schedules.warmup import WARMUP_PARAMS
from ..spec import RunConfig, load_config, read_config_data
from .app import app
from .common import (
    OUTPUT_OPTIONS,
    Outputs,
    cli_error,
    make_command,
    pick,
    plan_parts,
    simulate_all,
    warmup_parts,
)

# --- lrplot run -------------------------------------------------------------------


def _run_config(kwargs: dict[str, Any]) -> None:
    cfg, header = _load(kwargs)
    given = Outputs.from_options(kwargs)  # the command line wins over the config
    outputs = dataclasses.replace(
        given,
        out=given.out if given.out is not None else cfg.outputs["out"],
        csv=given.csv if given.csv is not None else cfg.outputs["csv"],
        log_y=given.log_y or cfg.outputs["log_y"],
    )
    outputs.check()
    try:
        traces = simulate_all(cfg.schedules, cfg.settings, cfg.metric)
    except LrplotError as err:
        if header is None:
            raise
        raise LrplotError(f"{kwargs['config']}: {err}") from None
    if header is not None:  # the equivalent compare command, once the run is known to work
        sys.stderr.write(header)
        sys.stderr.flush()
    outputs.render(traces, cfg.metric)


def _load(kwargs: dict[str, Any]) -> tuple[RunConfig, str | None]:
    """lrplot's own config, or a framework's (recognised by its keys, or --format).

    A framework config is normalised to SPECs; the second value is then the text to
    print on stderr: comment lines ('#') saying how, and the equivalent `lrplot
    compare` command (None for lrplot's own configs)."""
    path = kwargs["config"]
    if path.suffix.lower() == ".py":
        raise LrplotError(
            f"{path}: Python configs are not read (lrplot never runs a config): dump it to "
            'JSON or YAML first, e.g. for mmengine: python -c "from mmengine import Config; '
            f"Config.fromfile('{path}').dump('{path.with_suffix('.json')}')\""
        )
    fmt = _option(FORMAT, kwargs["format"])
    overrides = {p.name: _option(p, kwargs[p.name]) for p in RUN_OVERRIDES}
    overrides = {k: v for k, v in overrides.items() if v is not None}
    data = None
    if fmt is None:
        data = read_config_data(path)
        fmt = frameworks.detect(path, data)
    if fmt == "lrplot":
        # the --warmup and plan options are checked against the run the config describes
        config = load_config(
            path, pick(kwargs, WARMUP_PARAMS), {**pick(kwargs, plan.PARAMS), **overrides}
        )
        return config, None
    ramp = [p.option for p in WARMUP_PARAMS if kwargs.get(p.name) is not None]
    if ramp:
        raise LrplotError(
            f"{ramp[0]} applies to lrplot configs: {path} is a {fmt} config, which sets its "
            "own warmup"
        )
    given = frameworks.Given(
        lr=overrides.get("lr"),
        epochs=overrides.get("epochs"),
        steps_per_epoch=overrides.get("steps_per_epoch"),
        plan={p.name: _option(p, kwargs[p.name]) for p in plan.PARAMS},
    )
    if data is None:
        data = read_config_data(path)
    converted = frameworks.read(path, data, fmt, given)
    lines = [f"# {path} ({converted.framework} config) is this lrplot run:"]
    lines += [f"#   {note}" for note in converted.notes]
    lines.append(frameworks.command(converted))
    config = RunConfig(
        converted.schedules,
        converted.settings,
        converted.metric,
        {"out": None, "csv": None, "log_y": False},
    )
    return config, "\n".join(lines) + "\n"


def _option(param: Param, raw: Any) -> Any:
    """A command-line value checked by its declared parameter (None: not given)."""
    if raw is None:
        return None
    try:
        return param.parse(raw)
    except ParamError as err:
        raise cli_error(err) from None


FORMAT = Param(
    "format",
    CHOICE,
    "the config's format; default: recognised by its keys",
    None,
    choices=frameworks.FORMATS,
)
# run options a command line may give to override the config's (or supply them)
RUN_OVERRIDES = tuple(p for p in engine.PARAMS if p.name in ("lr", "epochs", "steps_per_epoch"))
PANEL_CONFIG = "Config"


_OVERRIDE_HELP = {
    "lr": "Base learning rate (the optimizer's lr), instead of the config's.",
    "epochs": "Epochs, instead of the config's (HF: num_train_epochs; timm: epochs; "
    "Lightning/mmengine: max_epochs).",
    "steps_per_epoch": "Optimizer steps per epoch, for a framework config that needs them "
    "(or give --dataset-size and --batch-size).",
}


def _config_parts() -> list[tuple[str, Any, Any]]:
    """--format, and the run options that override a config's."""
    format_option = typer.Option(
        "--format",
        "-f",
        help="The config's format: lrplot's own, or hf (HuggingFace TrainingArguments), "
        "timm (train.py), lightning (an lr_scheduler config), mmengine (param_scheduler). "
        "\\[default: recognised by its keys]",
        metavar="FORMAT",
        show_default=False,
        rich_help_panel=PANEL_CONFIG,
    )
    parts: list[tuple[str, Any, Any]] = [
        ("format", Annotated[Optional[str], format_option], None)  # noqa: UP045
    ]
    for p in RUN_OVERRIDES:
        option = typer.Option(
            p.option,
            help=_OVERRIDE_HELP[p.name],
            metavar=p.metavar,
            show_default=False,
            rich_help_panel=PANEL_CONFIG,
        )
        parts.append((p.name, Annotated[Optional[str], option], None))  # noqa: UP045
    return parts


ConfigArgument = Annotated[Path, typer.Argument(help="The config file.", metavar="CONFIG")]

app.command(
    "run",
    help="Run a config file (TOML, JSON, or YAML with PyYAML) of one or more schedules: "
    "lrplot's own, or a training framework's (HuggingFace TrainingArguments, timm, "
    "Lightning, mmengine), shown as the lrplot run it amounts to.",
    epilog="Examples:\n\n  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot run sample_configs/compare.toml -o compare.png\n\n"
    "  lrplot run sample_configs/cosine.toml --warmup 5  (for schedules without a warmup key)"
    "\n\n  lrplot run sample_configs/hf_trainer.json --dataset-size 50000",
    rich_help_panel="Commands",
)(
    make_command(
        _run_config,
        [
            ("config", ConfigArgument, inspect.Parameter.empty),
            *_config_parts(),
            *warmup_parts(),
            *plan_parts(),
            *OUTPUT_OPTIONS,
        ],
    )
)
