"""The Python API: build a schedule, simulate a run, look at it, export it.

    import lrplot
    trace = lrplot.simulate("cosine:t_max=50", epochs=100)
    trace.plot().savefig("cosine.png"); trace.to_csv("cosine.csv")

Everything the command line shows comes from here: ``lrplot NAME ...``,
``lrplot compare`` and ``lrplot run`` build their traces with these functions and
write them with the same renderers, so the API and the CLI give the same bytes.
Errors are :class:`lrplot.LrplotError` (a ``ValueError``) with one-line messages
that name the parameter; nothing here prints or exits. matplotlib is imported
only by :meth:`Trace.plot` (and the PNG display), rich only by the HTML display.
"""

from __future__ import annotations

import dataclasses
import io
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from . import configs
    from .against import Verdict
    from .lint import Finding
    from .logs import Log
else:
    from ._lazy import np

from . import engine, groups, metrics, plan
from .errors import LrplotError, ParamError
from .params import bind, unknown_name_message
from .schedules import Schedule, lookup
from .schedules.warmup import WARMUP_PARAMS, Warmup
from .spec import SpecError, parse_spec, spec_items  # and registers the child-schedule parser

METRIC_OPTIONS = tuple(p for p in metrics.PARAMS if p.name not in ("seed", "metric_file"))
STEPPING_OPTIONS = tuple(p for p in engine.PARAMS if p.name in engine.STEPPING)
# the plan, the param groups and who steps the scheduler: run settings
_RUN_OPTIONS = (*plan.PARAMS, *groups.PARAMS, *STEPPING_OPTIONS)
_OPTIONS = {p.name: p for p in (*_RUN_OPTIONS, *WARMUP_PARAMS, *METRIC_OPTIONS)}


# --- traces ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True, repr=False, eq=False)
class Trace(engine.Trace):
    """One schedule's LR at every optimizer step of a run (and its metric, momentum).

    Arrays have one entry per optimizer step (``len(trace)`` of them): ``lr``,
    ``step``, ``epoch``, and ``metric`` / ``momentum`` (None when the schedule has
    none). ``events`` are the steps where the LR changes (milestones, reductions).
    """

    @classmethod
    def of(cls, trace: engine.Trace, source: metrics.MetricSource | None = None) -> Trace:
        fields = {f.name: getattr(trace, f.name) for f in dataclasses.fields(engine.Trace)}
        if source is not None:
            fields["source"] = source
        return cls(**fields)

    @cached_property
    def step(self) -> np.ndarray:
        """Optimizer step of each row: 0 .. len(trace)-1."""
        return np.arange(len(self))

    @cached_property
    def epoch(self) -> np.ndarray:
        """Epoch of each row."""
        return self.step // self.settings.steps_per_epoch

    @cached_property
    def metric(self) -> np.ndarray | None:
        """The metric passed to ``step(metric)`` for each row (plateau), else None."""
        return self.metric_at(self.step)

    @cached_property
    def groups(self) -> dict[str, np.ndarray]:
        """Each param group's LR at every optimizer step, by group name (``groups=`` or
        ``layer_decay=``); empty without groups (``lr`` is then the one LR)."""
        names = self.settings.groups.names if self.settings.groups is not None else ()
        rows = self.step
        return {n: self.values_at(v, rows) for n, v in zip(names, self.group_lr, strict=True)}

    @cached_property
    def momentum(self) -> np.ndarray | None:
        """Momentum of each row (OneCycleLR, CyclicLR), else None."""
        return self.momentum_at(self.step)

    @property
    def events(self) -> np.ndarray:
        """Steps whose LR differs from the step before (milestones, reductions)."""
        return self.change_rows

    @property
    def spec(self) -> str:
        """A SPEC string that rebuilds the schedule (``lrplot.schedule(trace.spec)``)."""
        return self.schedule.spec()

    def summary(self) -> engine.Summary:
        """Initial, final, min and max LR, and how many times it changes."""
        return engine.summarize(self)

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str | None:
        """The CSV ``--csv`` writes: returned as text without ``path``, else written
        (atomically) to ``path``."""
        return _csv([self], path)

    def to_code(self, kind: str = "torch") -> str:
        """What ``--emit KIND`` prints: torch (a runnable loop), hf, lightning, or
        deepspeed (a ds_config snippet)."""
        from .emit import emit

        _not_resumed([self])
        return emit(self, kind, self.source)

    def to_torch(self) -> str:
        """A runnable torch script that builds this schedule and prints each step's LR."""
        return self.to_code("torch")

    def against(
        self,
        log: str | os.PathLike[str] | Log,
        *,
        format: str | None = None,
        key: str | None = None,
        rtol: float = 1e-6,
        offset: int = 0,
    ) -> Verdict:
        """Compare with the LR a real run logged (a log's path, or a
        :class:`lrplot.logs.Log`): :func:`lrplot.verify`."""
        return verify(self, log, format=format, key=key, rtol=rtol, offset=offset)

    def check(self) -> list[Finding]:
        """``lrplot check``'s findings for this schedule in this run (empty: none)."""
        from .lint import lint

        return lint(self)

    def plot(self, ax: Axes | None = None, log_y: bool = False) -> Figure:
        """The chart ``-o`` saves, as a matplotlib Figure (no pyplot); with ``ax``,
        drawn into that Axes (the LR only) and its Figure returned."""
        return _plot([self], ax, log_y)

    def __repr__(self) -> str:
        s = self.summary()
        return (
            f"<Trace {self.label}: {self.describe_run()}; "
            f"lr {s.initial:.6g} -> {s.final:.6g} (min {s.low:.6g}, max {s.high:.6g})>"
        )

    def _repr_png_(self) -> bytes:
        return _png([self])

    def _repr_html_(self) -> str:
        return _html([self])


class Comparison(Sequence[Trace]):
    """Several traces of one run: a sequence of :class:`Trace`, shown together.

    From :func:`compare` and :func:`load`; for a framework config, ``notes`` say how
    its numbers were worked out and ``command`` is the equivalent ``lrplot compare``.
    """

    def __init__(
        self,
        traces: Iterable[Trace],
        notes: Sequence[str] = (),
        command: str | None = None,
        framework: str | None = None,
    ) -> None:
        self.traces: tuple[Trace, ...] = tuple(traces)
        if not self.traces:
            raise LrplotError("a comparison needs at least one schedule")
        self.notes = tuple(notes)
        self.command = command
        self.framework = framework

    @overload
    def __getitem__(self, index: int) -> Trace: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Trace]: ...
    def __getitem__(self, index: int | slice) -> Trace | Sequence[Trace]:
        return self.traces[index]

    def __len__(self) -> int:
        return len(self.traces)

    def __iter__(self) -> Iterator[Trace]:
        return iter(self.traces)

    @property
    def labels(self) -> list[str]:
        return [t.label for t in self.traces]

    @property
    def settings(self) -> engine.RunSettings:
        return self.traces[0].settings

    def summary(self) -> dict[str, engine.Summary]:
        """Each trace's summary, by label."""
        return {t.label: t.summary() for t in self.traces}

    def to_csv(self, path: str | os.PathLike[str] | None = None) -> str | None:
        """The wide CSV (``step,epoch,<label>...``) ``--csv`` writes; see Trace.to_csv."""
        return _csv(self.traces, path)

    def to_code(self, kind: str = "torch") -> str:
        """What ``--emit KIND`` prints (one schedule only: several are refused)."""
        from .emit import emit_traces

        _not_resumed(self.traces)
        return emit_traces(self.traces, kind, self.traces[0].source)

    def plot(self, ax: Axes | None = None, log_y: bool = False) -> Figure:
        """Every schedule on one chart, as ``-o`` saves it; see Trace.plot."""
        return _plot(self.traces, ax, log_y)

    def __repr__(self) -> str:
        return f"<Comparison of {len(self)}: {', '.join(self.labels)}; {self.settings.describe()}>"

    def _repr_png_(self) -> bytes:
        return _png(self.traces)

    def _repr_html_(self) -> str:
        return _html(self.traces)


# --- building and simulating ------------------------------------------------------------


def verify(
    trace: engine.Trace,
    log: str | os.PathLike[str] | Log,
    *,
    format: str | None = None,
    key: str | None = None,
    rtol: float = 1e-6,
    offset: int = 0,
) -> Verdict:
    """Check a real run: the LR its log recorded against ``trace``, the schedule it was
    configured with, at every logged step.

    ``log``: a trainer_state.json, a Lightning metrics.csv, TensorBoard events, an
    MLflow run, a W&B CSV export or a plain CSV/JSON-lines file (or a run's folder; a
    :class:`lrplot.logs.Log` already read); ``format``/``key``: its format and LR key
    (default: told from the file). The :class:`lrplot.against.Verdict` says whether it
    ``matches``; when not, its ``cause`` is the usual mistake that reproduces the log
    (``verdict.lines()`` is what ``--against`` prints)."""
    from .diagnose import verify as compare_log
    from .logs import read_log

    if isinstance(log, str | os.PathLike):
        log = read_log(log, format=format, key=key)
    return compare_log(trace, log, rtol, offset)


def schedule(name_or_spec: str | Schedule, /, **params: Any) -> Schedule:
    """A validated schedule: ``schedule("cosine", t_max=50)``, or a SPEC string
    (``schedule("multistep:milestones=[30,80],gamma=0.1")``), or both (a key may not
    be given twice). ``label=`` names the curve. Durations in epochs or percent
    (``t_max="10%"``) need the run: give them to :func:`simulate` in a SPEC."""
    return build(name_or_spec, params)


def simulate(
    schedule_or_spec: str | Schedule,
    *,
    epochs: int = 100,
    steps_per_epoch: int | None = None,
    interval: str = "epoch",
    lr: float = 0.1,
    seed: int = 0,
    metric: Sequence[float] | str | os.PathLike[str] | None = None,
    resume_at: int | None = None,
    resume_mode: str | None = None,
    resume_with: str | Schedule | None = None,
    **options: Any,
) -> Trace:
    """Run the schedule through the seed's training loop: the LR of every optimizer
    step, exactly as ``torch.optim.lr_scheduler`` gives it.

    ``resume_at``: the run is saved after that many optimizer steps and resumed, with
    the scheduler's state restored (``resume_mode="restored"``, the default), a
    ``"fresh"`` scheduler, or one built with ``last_epoch`` (``"last-epoch"``);
    ``resume_with``: the schedule (a SPEC) built after the resume (lrplot.resume).

    ``steps_per_epoch`` (default 1, or derived from a plan), ``interval``: call
    ``scheduler.step()`` per ``"epoch"`` or per optimizer ``"step"``. ``options``:
    the training plan (dataset_size, batch_size, devices, grad_accum, drop_last; and
    batch-size scaling of lr: reference_batch, scale), param groups (``groups={"backbone":
    0.1, "head": 1.0}``, or ``layer_decay=0.65, num_layers=12``: one LR curve each,
    ``trace.groups``), a
    warmup (warmup, warmup_start, warmup_shape, warmup_mode; a SPEC's own wins), and
    the synthetic metric (metric_shape, metric_noise, metric_drops; ``seed``).
    ``metric``: the plateau metric, a sequence of numbers (one per scheduler step) or
    the path of a metric file (one number a line, or a CSV: ``metric_column=``)."""
    planned, ramp, metric_given = _split(options, "simulate")
    settings = run_settings(
        {"lr": lr, "epochs": epochs, "steps_per_epoch": steps_per_epoch, "interval": interval},
        planned,
    )
    built = build(schedule_or_spec, {}, ramp, settings)
    source = metric_source(metric, {"seed": seed, **metric_given}) if built.needs_metric else None
    if source is None:
        _no_metric(metric, metric_given, [built])
    return resumed(trace(built, settings, source), resume_at, resume_mode, resume_with)


def compare(
    specs: Iterable[str | Schedule] | str | Schedule,
    *,
    epochs: int = 100,
    steps_per_epoch: int | None = None,
    interval: str = "epoch",
    lr: float = 0.1,
    seed: int = 0,
    metric: Sequence[float] | str | os.PathLike[str] | None = None,
    resume_at: int | None = None,
    resume_mode: str | None = None,
    resume_with: str | Schedule | None = None,
    **options: Any,
) -> Comparison:
    """Several schedules over one run (options as for :func:`simulate`; a warmup
    given here applies to every schedule whose SPEC has none; a resume, to every
    schedule)."""
    items = [specs] if isinstance(specs, (str, Schedule)) else list(specs)
    if not items:
        raise ParamError("specs", "compare needs at least one schedule SPEC")
    planned, ramp, metric_given = _split(options, "compare")
    settings = run_settings(
        {"lr": lr, "epochs": epochs, "steps_per_epoch": steps_per_epoch, "interval": interval},
        planned,
    )
    Warmup.from_values(ramp, settings)  # once, naming the parameter, not in every SPEC
    built = [build(item, {}, ramp, settings) for item in items]
    source = None
    if any(s.needs_metric for s in built):
        source = metric_source(metric, {"seed": seed, **metric_given})
    else:
        _no_metric(metric, metric_given, built)
    traces = [trace(s, settings, source) for s in built]
    traces = [resumed(t, resume_at, resume_mode, resume_with) for t in traces]
    return Comparison(unique_labels(traces))


def load(
    path: str | os.PathLike[str],
    format: str | None = None,
    resume_at: int | None = None,
    resume_mode: str | None = None,
    resume_with: str | Schedule | None = None,
    **run: Any,
) -> Comparison:
    """Every config ``lrplot run`` reads: lrplot's own (TOML, JSON, YAML) and
    HuggingFace TrainingArguments, timm, Lightning and mmengine configs (told apart
    by their keys, or by ``format``). ``run``: lr, epochs, steps_per_epoch, the plan
    (dataset_size, batch_size, ...) and a warmup (lrplot configs), which win over the
    config's; a resume (as for :func:`simulate`) applies to every schedule. Nothing in
    a config is run."""
    from . import configs  # the config readers (json, tomllib) load with the first config

    ramp = {k: run.pop(k) for k in list(run) if k in {p.name for p in WARMUP_PARAMS}}
    loaded = configs.load(path, format, ramp, run)
    given = {"resume_at": resume_at, "resume_mode": resume_mode, "resume_with": resume_with}
    loaded.resume.update({k: v for k, v in given.items() if v is not None})
    return simulate_loaded(loaded)


def resumed(
    given: Trace,
    resume_at: Any = None,
    resume_mode: Any = None,
    resume_with: str | Schedule | None = None,
) -> Trace:
    """``given`` resumed (lrplot.resume) as the options say (raw text or native; None:
    not given); ``given`` itself without resume_at."""
    from . import resume

    spec = resume_with if isinstance(resume_with, str) or resume_with is None else None
    at, mode, text = resume.options(
        {"resume_at": resume_at, "resume_mode": resume_mode, "resume_with": spec}
    )
    if isinstance(resume_with, Schedule):
        if at is None:
            raise ParamError(
                "resume_with", "resume_with needs resume_at (the step the run resumes at)"
            )
        after: Schedule | None = resume_with
    else:
        try:
            after = build(text, {}, None, given.settings) if text is not None else None
        except LrplotError as err:
            raise ParamError("resume_with", str(err)) from None
    if at is None:
        return given
    out = resume.resume(given, at, mode, after)
    assert isinstance(out, Trace)
    return out


def simulate_loaded(loaded: configs.Loaded) -> Comparison:
    """The traces of a loaded config (errors of a framework config name its file)."""
    try:
        traces = [trace(s, loaded.settings, loaded.metric) for s in loaded.schedules]
        traces = [resumed(t, **loaded.resume) for t in traces]
    except ParamError as err:  # a key of the file (e.g. its metric's column)
        raise LrplotError(f"{loaded.path}: {err}") from None
    except LrplotError as err:
        if loaded.framework is None:
            raise
        raise LrplotError(f"{loaded.path}: {err}") from None
    return Comparison(unique_labels(traces), loaded.notes, loaded.command, loaded.framework)


# --- the pieces (the CLI calls these with its options' raw text) ----------------------------


def run_settings(
    run: Mapping[str, Any], planned: Mapping[str, Any] | None = None
) -> engine.RunSettings:
    """Run settings from raw values (text or native; None: not given)."""
    given = {k: v for k, v in {**run, **(planned or {})}.items() if v is not None}
    return engine.RunSettings.from_values(given)


def build(
    item: str | Schedule,
    params: Mapping[str, Any],
    defaults: Mapping[str, Any] | None = None,
    run: engine.RunSettings | None = None,
) -> Schedule:
    """A schedule from a name or SPEC plus keyword values (or a built Schedule).

    ``defaults``: raw values for keys neither gives (a warmup); ``run`` resolves
    durations with units (3ep, 10%)."""
    given = {str(k).lower().replace("-", "_"): v for k, v in params.items()}
    label = given.pop("label", None)
    if isinstance(item, str) and not given and label is None:  # a SPEC: errors quote it
        return parse_spec(item, defaults, run)
    if isinstance(item, Schedule):
        if not given and label is None and not defaults:
            return item
        name, own = item.name, {**item.values, **(item.warmup.items() if item.warmup else {})}
        label = label if label is not None else item.label_given
    elif isinstance(item, str):
        name, own, spec_label = spec_items(item)
        if label is not None and spec_label is not None:
            raise SpecError(f"SPEC {item!r}: label is given twice (in the SPEC and as label=)")
        label = label if label is not None else spec_label
    else:
        raise ParamError(
            "schedule",
            f"a schedule is a name, a SPEC string or a Schedule, got {type(item).__name__}",
        )
    twice = sorted(own.keys() & given.keys())
    if twice and not isinstance(item, Schedule):
        key = twice[0]
        raise SpecError(f"SPEC {item!r}: {key} is given twice (in the SPEC and as {key}=)")
    values = {**(defaults or {}), **own, **given}
    return lookup(name).build(values, label, run)


def metric_source(
    metric: Sequence[float] | str | os.PathLike[str] | None, options: Mapping[str, Any]
) -> metrics.MetricSource:
    """Where a plateau's metric comes from: numbers, a file, or the synthetic curve
    (``options``: seed, metric_shape, metric_noise, metric_drops, metric_column)."""
    if isinstance(metric, (str, os.PathLike)):
        values = bind(metrics.PARAMS, {**options, "metric_file": os.fspath(metric)}, "metric")
        return metrics.from_values(values)
    if metric is not None:
        column = options.get("metric_column")
        if column is not None:
            raise ParamError("metric_column", "metric_column names a column of a metric file")
        try:
            data = np.asarray(metric, dtype=float)
        except (TypeError, ValueError):
            raise ParamError(
                "metric", "metric must be a sequence of numbers or the path of a metric file"
            ) from None
        if data.ndim != 1:  # nan and inf are values: torch counts them as "not better"
            raise ParamError("metric", "metric must be a flat sequence of numbers")
        return metrics.ArrayMetric(tuple(data.tolist()))
    return metrics.from_values(bind(metrics.PARAMS, options, "metric"))


def trace(
    built: Schedule, settings: engine.RunSettings, source: metrics.MetricSource | None
) -> Trace:
    source = source if built.needs_metric else None
    return Trace.of(engine.simulate(built, settings, source), source)


def unique_labels(traces: list[Trace]) -> list[Trace]:
    """Traces whose labels repeat get '#2', '#3' ... (columns and legends tell them apart)."""
    seen: dict[str, int] = {}
    out = []
    for t in traces:
        label = t.label
        if label in seen:
            seen[label] += 1
            renamed = dataclasses.replace(t.schedule, label_given=f"{label} #{seen[label]}")
            t = dataclasses.replace(t, schedule=renamed)
        else:
            seen[label] = 1
        out.append(t)
    return out


def _split(options: Mapping[str, Any], owner: str) -> tuple[dict[str, Any], ...]:
    """Keyword options -> (plan, warmup, metric) values; unknown names are errors."""
    parts: tuple[dict[str, Any], ...] = ({}, {}, {})
    for key, value in options.items():
        p = _OPTIONS.get(key)
        if p is None:
            known = ["epochs", "steps_per_epoch", "interval", "lr", "seed", "metric", *_OPTIONS]
            raise ParamError(key, unknown_name_message(key, known, owner))
        if value is None:
            continue
        index = 0 if p in _RUN_OPTIONS else 1 if p in WARMUP_PARAMS else 2
        parts[index][key] = value
    return parts


def _no_metric(metric: Any, given: Mapping[str, Any], built: Sequence[Schedule]) -> None:
    """A metric given to schedules that read none is a mistake, not a no-op."""
    if metric is not None or given:
        name = "metric" if metric is not None else next(iter(given))
        labels = ", ".join(s.label for s in built)
        raise ParamError(
            name,
            f"{name} is for schedules stepped on a metric (plateau); {labels} reads none",
        )


def _not_resumed(traces: Sequence[Trace]) -> None:
    if any(t.resumed is not None for t in traces):
        raise LrplotError(
            "to_code writes the schedule's code, not a resume: simulate it without "
            "resume_at to get its code"
        )


def _csv(traces: Sequence[Trace], path: str | os.PathLike[str] | None) -> str | None:
    from .render.export import write_csv, write_rows

    if path is None:
        buffer = io.BytesIO()
        write_rows(traces, buffer)
        return buffer.getvalue().decode()
    write_csv(traces, os.fspath(path))
    return None


def _plot(traces: Sequence[Trace], ax: Axes | None, log_y: bool) -> Figure:
    from .render.plot import draw

    return draw(traces, log_y, ax=ax)


def _png(traces: Sequence[Trace]) -> bytes:
    from .render.plot import write_chart

    buffer = io.BytesIO()
    write_chart(_plot(traces, None, False), buffer)
    return buffer.getvalue()


HTML_ROWS = 12  # rows of the notebook table (and every change, when there are few)


def _html(traces: Sequence[Trace]) -> str:
    """A small table for Jupyter: the title, a few rows (and the changes), the summary."""
    first = traces[0]
    total = first.settings.total_steps
    changes = np.unique(np.concatenate([t.change_rows for t in traces]))
    rows = np.unique(np.linspace(0, total - 1, min(total, HTML_ROWS)).round().astype(int))
    if len(changes) <= HTML_ROWS:
        rows = np.union1d(rows, np.concatenate([changes - 1, changes]))
        rows = rows[(rows >= 0) & (rows < total)]
    title = first.title() if len(traces) == 1 else f"{len(traces)} schedules"
    run = first.describe_run() if len(traces) == 1 else first.settings.describe()
    from html import escape as e

    columns = [(t, name, values) for t in traces for name, values in _html_columns(t, traces)]
    head = "<th>step</th><th>epoch</th>" + "".join(f"<th>{e(name)}</th>" for _, name, _ in columns)
    body = []
    for row in rows.tolist():
        cells = [str(row), str(row // first.settings.steps_per_epoch)]
        cells += [f"{float(t.values_at(v, np.array([row]))[0]):.6g}" for t, _, v in columns]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    summary = "".join(
        f"<li>{e(t.label)}: initial {s.initial:.6g}, final {s.final:.6g}, min {s.low:.6g}, "
        f"max {s.high:.6g}, changes {s.changes}</li>"
        for t in traces
        for s in [t.summary()]
    )
    return (
        f"<div><p><b>{e(title)}</b> <small>{e(run)}</small></p>"
        f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"<ul>{summary}</ul></div>"
    )


def _html_columns(t: Trace, traces: Sequence[Trace]) -> list[tuple[str, np.ndarray]]:
    """The notebook table's LR columns of a trace: lr (its label in a comparison), or
    its param groups' (the first and the last of many)."""
    if t.settings.groups is None:
        return [("lr" if len(traces) == 1 else t.label, t.sched_lr)]
    prefix = "" if len(traces) == 1 else f"{t.label} "
    return [(prefix + name, values) for name, values in t.lr_columns(brief=True)]


__all__ = [
    "Comparison",
    "Trace",
    "compare",
    "load",
    "schedule",
    "simulate",
]
