"""The explorer's state: schedules as (name, raw field texts), plus the run's raw texts.

Nothing here computes a learning rate: :meth:`State.simulate` hands the texts to
:func:`lrplot.compare` (through the declared parameters' own parsing, so every field
gets the CLI's message) and returns what it gives, or the errors, by field.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .. import api, engine, groups, metrics, plan
from ..errors import LrplotError, ParamError
from ..params import SCHEDULES, TEXT, Param, format_value
from ..schedules import Schedule, ScheduleDef, lookup
from ..schedules.warmup import WARMUP_PARAMS

RUN = "run"  # the scope of the run's fields (a schedule's scope is its index)
# param groups, batch-size scaling and who steps the scheduler (Accelerate) are left
# out: explore draws one curve per schedule at the run's lr
_NOT_EXPLORED = (*groups.NAMES, "reference_batch", "scale", *engine.STEPPING)
RUN_PARAMS: tuple[Param, ...] = tuple(p for p in engine.PARAMS if p.name not in _NOT_EXPLORED)
PLAN_NAMES = tuple(n for n in plan.NAMES if n not in _NOT_EXPLORED)


def refuse_unexplored(options: Mapping[str, Any]) -> None:
    """Param groups, batch-size scaling or Accelerate's stepping given to explore: an
    error naming the first."""
    name = next((n for n in _NOT_EXPLORED if options.get(n) is not None), None)
    if name is not None:
        raise ParamError(
            name,
            f"{name}: explore draws one curve per schedule at the run's lr; param groups, "
            "batch-size scaling and Accelerate's stepping are for lrplot NAME, compare and run",
        )


METRIC_PARAMS: tuple[Param, ...] = metrics.PARAMS  # plateau's metric (and the seed)


def warmup_fields(definition: ScheduleDef) -> tuple[Param, ...]:
    """The warmup fields of a schedule (unless a name is its own), as the CLI has them."""
    own = {p.name for p in definition.params}
    return tuple(p for p in WARMUP_PARAMS if p.name not in own)


def initial_text(p: Param) -> str:
    """A field's text before the user types: its default ('' when it has none)."""
    return "" if p.required or p.default is None else p.default_text()


def given(params: Sequence[Param], texts: Mapping[str, str]) -> dict[str, str]:
    """The fields that say something: not empty and not their default's text."""
    out = {}
    for p in params:
        text = texts.get(p.name, "").strip()
        if text and text != initial_text(p):
            out[p.name] = text
    return out


def text_of(p: Param, value: Any) -> str:
    """A value as the field's text (what a user would type: lrplot's own format)."""
    if value is None:
        return ""
    if p.kind == SCHEDULES:
        return format_value(tuple(value))
    return value if p.kind == TEXT else format_value(value)


@dataclass
class Entry:
    """One schedule of the session: its name and the raw text of each of its fields."""

    name: str
    texts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.name = lookup(self.name).name  # an alias or torch class -> the name
        for p in self.fields:
            self.texts.setdefault(p.name, initial_text(p))

    @property
    def definition(self) -> ScheduleDef:
        return lookup(self.name)

    @property
    def fields(self) -> tuple[Param, ...]:
        """Its own parameters, then the warmup."""
        d = self.definition
        return (*d.params, *warmup_fields(d))

    @classmethod
    def new(
        cls, name: str, values: Mapping[str, Any] | None = None, example: bool = False
    ) -> Entry:
        """A schedule with ``values`` (raw text), the others from its declared example
        (with ``example``; else only the required ones), then their defaults."""
        entry = cls(name, {k: v for k, v in (values or {}).items() if v})
        start = example_values(entry.definition)
        for p in entry.definition.params:
            if (example or p.required) and p.name in start and not values_given(values, p):
                entry.texts[p.name] = start[p.name]
        return entry

    @classmethod
    def of(cls, schedule: Schedule) -> Entry:
        """The fields that rebuild a built schedule (its label aside)."""
        texts = {p.name: text_of(p, v) for p in schedule.definition.params
                 if (v := schedule.values[p.name]) != p.default or p.required}  # fmt: skip
        if schedule.warmup is not None:
            texts.update({k: format_value(v) for k, v in schedule.warmup.items().items()})
        return cls(schedule.name, texts)

    def copy(self) -> Entry:
        return Entry(self.name, dict(self.texts))


def values_given(values: Mapping[str, Any] | None, p: Param) -> bool:
    return bool(values and values.get(p.name))


def example_values(definition: ScheduleDef) -> dict[str, str]:
    """A declaration's example options (``--t-max 50``), by parameter: a starting point."""
    by_option = {p.option: p for p in definition.params}
    tokens = shlex.split(definition.example)
    out: dict[str, str] = {}
    for option, value in zip(tokens[::2], tokens[1::2], strict=False):
        p = by_option.get(option) or (definition.children if option == "--schedule" else None)
        if p is None:
            continue
        if p.kind == SCHEDULES:  # --schedule A --schedule B -> [A; B]
            out[p.name] = out.get(p.name, "[")[:-1] + "; " if p.name in out else "["
            out[p.name] += value + "]"
        else:
            out[p.name] = value
    return out


@dataclass
class Outcome:
    """What one simulation gave: the traces, or the errors (by field, and the rest)."""

    comparison: api.Comparison | None
    errors: dict[tuple[int | str, str], str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.comparison is not None


def message(err: LrplotError) -> str:
    """An error as the command line says it (``invalid value for --t-max: ...``)."""
    from ..cli.app import option_message

    return option_message(err) if isinstance(err, ParamError) else str(err)


@dataclass
class State:
    """The session: its schedules and the run's (and the plateau metric's) field texts."""

    entries: list[Entry] = field(default_factory=list)
    run: dict[str, str] = field(default_factory=dict)
    current: int = 0  # the schedule being edited

    def __post_init__(self) -> None:
        for p in (*RUN_PARAMS, *METRIC_PARAMS):
            self.run.setdefault(p.name, initial_text(p))

    @property
    def needs_metric(self) -> bool:
        return any(e.definition.needs_metric for e in self.entries)

    @property
    def run_fields(self) -> tuple[Param, ...]:
        """The run's fields, and the metric's when a schedule reads one."""
        return (*RUN_PARAMS, *(METRIC_PARAMS if self.needs_metric else ()))

    def copy(self) -> State:
        return State([e.copy() for e in self.entries], dict(self.run), self.current)

    # --- simulating -----------------------------------------------------------------

    def settings(self) -> engine.RunSettings:
        return api.run_settings(given(RUN_PARAMS, self.run))

    def simulate(self) -> Outcome:
        """Every schedule over the run, through :func:`lrplot.compare`; or the errors."""
        out = Outcome(None)
        texts = given(self.run_fields, self.run)
        for p in (p for p in self.run_fields if p.name in texts):
            text = texts[p.name]
            _field_error(out, RUN, lambda p=p, text=text: p.parse(text))
        if out.errors:
            return out
        try:
            settings = self.settings()
        except LrplotError as err:
            _record(out, RUN, err, {p.name for p in RUN_PARAMS})
            return out
        schedules = []
        for i, entry in enumerate(self.entries):
            texts = given(entry.fields, entry.texts)
            for name, text in texts.items():
                p = next(p for p in entry.fields if p.name == name)
                _field_error(out, i, lambda p=p, text=text: p.parse(text, settings))
            if any(scope == i for scope, _ in out.errors):
                continue
            try:
                schedules.append(api.build(entry.name, texts, None, settings))
            except LrplotError as err:
                _record(out, i, err, {p.name for p in entry.fields}, entry.name)
        if out.errors or out.problems or not schedules:
            return out
        try:
            out.comparison = api.compare(schedules, **self.run_options())
        except LrplotError as err:
            _record(out, RUN, err, {p.name for p in self.run_fields})
        return out

    def run_options(self) -> dict[str, Any]:
        """The run's given fields, parsed, as keyword options of :func:`lrplot.compare`."""
        texts = given(self.run_fields, self.run)
        options = {p.name: p.parse(texts[p.name]) for p in self.run_fields if p.name in texts}
        if "metric_file" in options:
            options["metric"] = options.pop("metric_file")
        return options


def _field_error(out: Outcome, scope: int | str, parse: Any) -> None:
    try:
        parse()
    except ParamError as err:
        out.errors[(scope, err.name)] = message(err)
    except LrplotError as err:
        out.problems.append(str(err))


def _record(
    out: Outcome, scope: int | str, err: LrplotError, names: set[str], owner: str = ""
) -> None:
    """An error on the field it names, else one for the whole schedule (or run)."""
    if isinstance(err, ParamError) and err.name in names:
        out.errors[(scope, err.name)] = message(err)
    else:
        out.problems.append(f"{owner}: {message(err)}" if owner else message(err))


# --- states from what the command line gives -------------------------------------------


def from_options(definition: ScheduleDef, options: Mapping[str, Any]) -> State:
    """``lrplot explore NAME --opt ...``: the options a schedule command takes (raw)."""
    own = {
        p.name: _raw(p, options.get(p.name))
        for p in (*definition.params, *warmup_fields(definition))
    }
    entry = Entry.new(definition.name, own)
    return State([entry], _run_texts(options))


def from_specs(specs: Sequence[str], options: Mapping[str, Any]) -> State:
    """``lrplot explore SPEC...``: SPECs (checked now) and compare's run options."""
    run = _run_texts(options)
    state = State([], run)
    settings = state.settings()
    ramp = {p.name: v for p in WARMUP_PARAMS if (v := _raw(p, options.get(p.name)))}
    state.entries = [Entry.of(api.build(spec, {}, ramp, settings)) for spec in specs]
    return state


def from_comparison(comparison: api.Comparison) -> State:
    """A loaded config (``lrplot explore --config FILE``): its schedules and run."""
    settings = comparison.settings
    run = {"lr": format_value(settings.lr), "epochs": str(settings.epochs)}
    run["interval"] = settings.interval
    if settings.plan is not None:
        run.update({n: text_of(_run(n), getattr(settings.plan, n)) for n in PLAN_NAMES})
    else:
        run["steps_per_epoch"] = str(settings.steps_per_epoch)
    source = next((t.source for t in comparison if t.source is not None), None)
    if isinstance(source, metrics.SyntheticMetric):
        run.update(metric_shape=source.shape, seed=str(source.seed))
        run.update(metric_noise=format_value(source.noise), metric_drops=str(source.drops))
    elif isinstance(source, metrics.FileMetric):
        run.update(metric_file=str(source.path.resolve()), metric_column=source.column or "")
    elif source is not None:
        raise LrplotError(f"the explorer cannot hold this metric ({source.describe()})")
    return State([Entry.of(t.schedule) for t in comparison], run)


def _run(name: str) -> Param:
    return next(p for p in (*RUN_PARAMS, *METRIC_PARAMS) if p.name == name)


def _raw(p: Param, value: Any) -> str:
    """A command-line option's value (text, a flag's bool, repeated SPECs) as field text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return format_value(value)
    if isinstance(value, (list, tuple)):
        return "[" + "; ".join(value) + "]"
    return str(value)


def _run_texts(options: Mapping[str, Any]) -> dict[str, str]:
    return {p.name: _raw(p, options.get(p.name)) for p in (*RUN_PARAMS, *METRIC_PARAMS)
            if options.get(p.name) is not None}  # fmt: skip
