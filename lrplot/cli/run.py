"""`lrplot run CONFIG`: a config file of one or more schedules."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from ..spec import load_config
from .app import app
from .common import (
    OUTPUT_OPTIONS,
    check_outputs,
    make_command,
    render_outputs,
    simulate_all,
    warmup_defaults,
    warmup_parts,
)

# --- lrplot run -------------------------------------------------------------------


def _run_config(kwargs: dict[str, Any]) -> None:
    cfg = load_config(kwargs["config"], warmup_defaults(kwargs))
    out = kwargs["out"] if kwargs["out"] is not None else cfg.outputs["out"]
    csv = kwargs["csv"] if kwargs["csv"] is not None else cfg.outputs["csv"]
    check_outputs(out, csv)
    traces = simulate_all(cfg.schedules, cfg.settings, cfg.metric)
    log_y = kwargs["log_y"] or cfg.outputs["log_y"]
    render_outputs(traces, out, csv, log_y, kwargs["show_all"], kwargs["exact"], kwargs["quiet"])


ConfigArgument = Annotated[Path, typer.Argument(help="The config file.", metavar="CONFIG")]

app.command(
    "run",
    help="Run a config file (TOML, JSON, or YAML with PyYAML) of one or more schedules.",
    epilog="Examples:\n\n  lrplot run sample_configs/cosine.toml\n\n"
    "  lrplot run sample_configs/compare.toml -o compare.png\n\n"
    "  lrplot run sample_configs/cosine.toml --warmup 5  (for schedules without a warmup key)",
    rich_help_panel="Commands",
)(
    make_command(
        _run_config,
        [("config", ConfigArgument, inspect.Parameter.empty), *warmup_parts(), *OUTPUT_OPTIONS],
    )
)
