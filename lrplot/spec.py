"""SPEC strings and config files -> schedules and run settings.

A SPEC is ``name[:key=value,key=value,...]``, e.g. ``cosine:t_max=50,eta_min=1e-4``
or ``multistep:milestones=[30,80],gamma=0.1``. Values may be quoted ('...' or
"..."); lists go in brackets; ``label=...`` names the curve. Config files (TOML,
JSON, and YAML when PyYAML is installed) hold the same things as native data.

A composition's children are a bracketed list of SPECs separated by ``;``::

    sequential:schedulers=[linear:start_factor=0.1,total_iters=5; cosine:t_max=95],milestones=[5]

The outer SPEC's splitter keeps the bracket whole (its commas are inside it); the
list is split on ``;`` outside nested brackets and quotes, and each child is a SPEC
again. In a config file the children are a list of SPEC strings or tables
(``schedulers = [{type = "linear", total_iters = 5}, "cosine:t_max=95"]``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import engine, metrics
from .groups import NAMES as GROUP_NAMES
from .inputs import read_config_bytes
from .params import (
    BOOL,
    PARSERS,
    SCHEDULES,
    TEXT,
    LrplotError,
    Param,
    ParamError,
    bind,
    format_value,
    unknown_name_message,
)
from .schedules import Schedule, lookup
from .schedules.warmup import WARMUP_PARAMS, Warmup

OUTPUT_PARAMS: tuple[Param, ...] = (
    Param("out", TEXT, "chart file (.png, .svg or .pdf)", None),
    Param("csv", TEXT, "CSV file of the LR per step ('-' for stdout)", None),
    Param("log_y", BOOL, "logarithmic LR axis", False),
)


class SpecError(LrplotError):
    pass


def parse_spec(text: str, defaults: Mapping[str, Any] | None = None, run: Any = None) -> Schedule:
    """Parse one SPEC string into a validated Schedule.

    ``defaults``: raw values for keys the SPEC does not give (the command line's
    --warmup options for compare/run); never passed on to a composition's children.
    ``run`` (engine.RunSettings) resolves durations (t_max=3ep, warmup=10%)."""
    name, given, label = spec_items(text)
    definition = lookup(name)
    if defaults:
        given = {**defaults, **given}
    try:
        return definition.build(given, label or None, run)
    except ParamError as err:
        raise SpecError(f"SPEC {text!r}: {err}") from None


def spec_items(text: str) -> tuple[str, dict[str, Any], str | None]:
    """A SPEC's schedule name, its raw ``key=value`` items and its label (unchecked)."""
    if not isinstance(text, str) or not text.strip():
        raise SpecError("empty schedule SPEC (expected name[:key=value,...])")
    name, sep, rest = text.strip().partition(":")
    if not name.strip():
        raise SpecError(f"SPEC {text!r} has no schedule name (expected name[:key=value,...])")
    given: dict[str, Any] = {}
    label = None
    if sep:
        for item in _split_items(text, rest):
            key, eq, value = item.partition("=")
            key = key.strip().lower().replace("-", "_")
            if not eq or not key:
                raise SpecError(f"SPEC {text!r}: {item.strip()!r} is not key=value")
            value = _unquote(text, value.strip())
            if key in given or (key == "label" and label is not None):
                raise SpecError(f"SPEC {text!r}: {key} is given twice")
            if key == "label":
                label = value
            else:
                given[key] = value
    return name, given, label


def parse_schedule_list(value: Any, param: Param, run: Any = None) -> tuple[Schedule, ...]:
    """Child schedules (a SCHEDULES parameter): SPEC text ``[a:...; b:...]``, or a list
    of SPEC strings / config tables / Schedules (repeated --schedule, config files).
    Durations in children (10%, 3ep) count the whole run's steps, like the parent's."""
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        try:
            items: list[Any] = _split_items(value, text, ";") if text.strip() else []
            items = [_unquote(value, item.strip()) for item in items]
        except SpecError as err:
            raise ParamError(param.name, f"{param.name}: {err}") from None
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ParamError(
            param.name, f"{param.name} must be {param.allowed()}, got {format_value(value)!r}"
        )
    out = []
    for i, item in enumerate(items):
        try:
            out.append(item if isinstance(item, Schedule) else schedule_from_entry(item, run=run))
        except LrplotError as err:
            raise ParamError(param.name, f"{param.name}[{i}]: {err}") from None
    if len(out) < param.min_items:
        raise ParamError(
            param.name, f"{param.name} needs at least {param.min_items} schedule, got none"
        )
    return tuple(out)


PARSERS[SCHEDULES] = parse_schedule_list  # params' hook: it never imports spec


def _split_items(text: str, rest: str, sep: str = ",") -> list[str]:
    """Split on ``sep`` outside brackets and quotes."""
    what = "two commas, or a trailing comma" if sep == "," else f"two {sep!r}, or a trailing one"
    items, depth, quote, current = [], 0, "", []
    for ch in rest:
        if quote:
            current.append(ch)
            if ch == quote:
                quote = ""
            continue
        if ch in "'\"":
            quote = ch
        elif ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth < 0:
                raise SpecError(f"SPEC {text!r}: unbalanced ']'")
        elif ch == sep and depth == 0:
            items.append("".join(current))
            current = []
            continue
        current.append(ch)
    if quote:
        raise SpecError(f"SPEC {text!r}: unclosed quote {quote}")
    if depth:
        raise SpecError(f"SPEC {text!r}: unclosed '['")
    items.append("".join(current))
    if any(not item.strip() for item in items):
        raise SpecError(f"SPEC {text!r}: empty item ({what})")
    return items


def _unquote(text: str, value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value and (value[0] in "'\"" or value[-1] in "'\""):
        raise SpecError(f"SPEC {text!r}: badly quoted value {value!r}")
    return value


@dataclass
class RunConfig:
    """Everything a config file says: schedules, run settings, metric and outputs."""

    schedules: list[Schedule]
    settings: engine.RunSettings
    metric: metrics.MetricSource
    outputs: dict[str, Any] = field(default_factory=dict)
    resume: dict[str, Any] = field(default_factory=dict)  # resume_at, ... (lrplot.resume)


RESUME_KEYS = ("resume_at", "resume_mode", "resume_with")


def load_config(
    path: Path,
    defaults: Mapping[str, Any] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> RunConfig:
    """Read a TOML/JSON/YAML config. Errors name the file and the key.

    ``defaults``: raw values for keys a schedule entry does not give (the command
    line's --warmup...); top-level warmup keys are defaults too, below the command
    line's. ``overrides``: run keys from the command line (the plan options:
    dataset_size, batch_size, ...); they win over the file's, and when one is given
    the file's steps_per_epoch gives way to the plan. Durations (3ep, 10%) count the
    run's steps."""
    data = _read_config(path)
    where = str(path)
    if not isinstance(data, dict):
        raise LrplotError(f"{where}: the top level must be a table of keys")
    data = dict(data)
    ramp = {p.name: data.pop(p.name) for p in WARMUP_PARAMS if p.name in data}
    raw = data.pop("schedules", None)
    single = data.pop("schedule", None)
    metric_raw = data.pop("metric", {})
    resume = {k: data.pop(k) for k in RESUME_KEYS if k in data}

    run_names = [p.name for p in engine.PARAMS]
    out_names = [p.name for p in OUTPUT_PARAMS]
    for key in data:
        if key not in run_names + out_names:
            msg = unknown_name_message(
                key,
                [
                    *run_names,
                    *out_names,
                    "schedules",
                    "metric",
                    *(p.name for p in WARMUP_PARAMS),
                    *RESUME_KEYS,
                ],
                "the config",
            )
            raise LrplotError(f"{where}: {msg}")
    run_given = {k: data[k] for k in run_names if k in data}
    overrides = {k: v for k, v in (overrides or {}).items() if v is not None}
    if overrides:  # the command line's plan keys win, and the plan gives steps_per_epoch
        if any(k in overrides for k in GROUP_NAMES):  # its param groups replace the file's
            run_given = {k: v for k, v in run_given.items() if k not in GROUP_NAMES}
        run_given.update(overrides)
        if run_given.get("dataset_size") is not None:
            run_given.pop("steps_per_epoch", None)
    try:
        settings = engine.RunSettings.from_values(run_given)
        outputs = bind(OUTPUT_PARAMS, {k: data[k] for k in out_names if k in data}, "output")
    except ParamError as err:
        raise LrplotError(f"{where}: {err.name}: {err}") from None
    except LrplotError as err:
        raise LrplotError(f"{where}: {err}") from None

    try:
        Warmup.from_values(ramp, settings)
    except ParamError as err:
        raise LrplotError(f"{where}: {err.name}: {err}") from None
    Warmup.from_values(defaults or {}, settings)  # the caller's own: errors name the parameter
    defaults = {**ramp, **(defaults or {})}
    if raw is not None and single is not None:
        raise LrplotError(f"{where}: give 'schedule' or 'schedules', not both")
    if raw is None:
        raw = [single] if single is not None else None
    if raw is None:
        raise LrplotError(f"{where}: no 'schedule' (or 'schedules' list) found")
    if not isinstance(raw, list) or not raw:
        raise LrplotError(f"{where}: 'schedules' must be a non-empty list")
    schedules = [
        _schedule_entry(entry, f"{where}: schedules[{i}]", defaults, settings)
        for i, entry in enumerate(raw)
    ]

    if not isinstance(metric_raw, dict):
        raise LrplotError(f"{where}: 'metric' must be a table")
    metric_given = {_metric_key(k): v for k, v in metric_raw.items()}
    try:
        metric_values = bind(metrics.PARAMS, metric_given, "metric")
    except ParamError as err:
        raise LrplotError(f"{where}: metric.{_short(err.name)}: {err}") from None
    try:
        metric = metrics.from_values(metric_values, base_dir=path.parent)
    except LrplotError as err:
        raise LrplotError(f"{where}: metric: {err}") from None
    return RunConfig(schedules, settings, metric, outputs, resume)


def _metric_key(key: str) -> str:
    """In a config's [metric] table the 'metric_' prefix may be left out."""
    key = key.lower().replace("-", "_")
    names = {p.name for p in metrics.PARAMS}
    return key if key in names or f"metric_{key}" not in names else f"metric_{key}"


def _short(name: str) -> str:
    return name.removeprefix("metric_")


def _schedule_entry(
    entry: Any, where: str, defaults: Mapping[str, Any] | None, run: Any = None
) -> Schedule:
    try:
        return schedule_from_entry(entry, defaults, run)
    except LrplotError as err:
        raise LrplotError(f"{where}: {err}") from None


def schedule_from_entry(
    entry: Any, defaults: Mapping[str, Any] | None = None, run: Any = None
) -> Schedule:
    """A schedule from a config entry: a SPEC string, or a table with 'type'.

    ``run`` resolves durations with units (see parse_spec)."""
    if isinstance(entry, str):
        return parse_spec(entry, defaults, run)
    if not isinstance(entry, Mapping):
        raise LrplotError("must be a SPEC string or a table with 'type'")
    entry = {str(k).lower().replace("-", "_"): v for k, v in entry.items()}
    name = entry.pop("type", None) or entry.pop("name", None)
    if not isinstance(name, str):
        raise LrplotError("needs 'type', the schedule's name (e.g. type = \"cosine\")")
    label = entry.pop("label", None)
    if label is not None and not isinstance(label, str):
        raise LrplotError("label must be text")
    return lookup(name).build({**(defaults or {}), **entry}, label, run)


def read_config_data(path: Path) -> Any:
    """A config file's data (TOML, JSON or YAML), unchecked; errors name the file.

    Data only: YAML is read with ``yaml.safe_load`` (no Python tags)."""
    return _read_config(path)


def _read_config(path: Path) -> Any:
    import json  # here: a SPEC or a child schedule, which every run parses, needs neither
    import tomllib

    suffix = path.suffix.lower()
    raw = read_config_bytes(path)
    kind = {".toml": "TOML", ".json": "JSON", ".yaml": "YAML", ".yml": "YAML"}.get(suffix)
    try:
        if kind == "TOML":
            return tomllib.loads(raw.decode("utf-8"))  # TOML itself refuses duplicate keys
        if kind == "JSON":
            return json.loads(raw.decode("utf-8"), object_pairs_hook=_unique_keys)
        if kind == "YAML":
            return _load_yaml(path, raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise LrplotError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise LrplotError(f"{path}: invalid {kind}: nested too deeply") from None
    except tomllib.TOMLDecodeError as err:
        raise LrplotError(f"{path}: invalid TOML: {err}") from None
    except json.JSONDecodeError as err:
        raise LrplotError(f"{path}: invalid JSON: {err}") from None
    except _DuplicateKey as err:
        raise LrplotError(f"{path}: invalid {kind}: key {err.args[0]!r} is given twice") from None
    raise LrplotError(
        f"{path}: unknown config type {suffix or '(none)'!r}; use .toml, .json or .yaml"
    )


class _DuplicateKey(Exception):
    pass


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object, refusing a key given twice (JSON itself keeps the last)."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKey(key)
        out[key] = value
    return out


def _load_yaml(path: Path, text: str) -> Any:
    """YAML as data only (safe_load's loader), refusing a key given twice."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise LrplotError(
            f"{path}: YAML configs need PyYAML (pip install pyyaml); TOML and JSON work as they are"
        ) from None

    class Loader(yaml.SafeLoader):  # type: ignore[misc]
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                if key in seen:
                    raise _DuplicateKey(key)
                seen.add(key)
            return super().construct_mapping(node, deep=deep)

    try:
        return yaml.load(text, Loader=Loader)  # a SafeLoader: data only
    except yaml.YAMLError as err:
        raise LrplotError(f"{path}: invalid YAML: {str(err).splitlines()[0]}") from None
