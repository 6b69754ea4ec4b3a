"""``--emit``: Python code that builds the same schedule in PyTorch, transformers or Lightning
(and, by lrplot.emit_deepspeed, a DeepSpeed ds_config snippet).

:func:`emit` turns one simulated run (a :class:`~lrplot.engine.Trace`) into a snippet:

* ``torch``: a dummy parameter, SGD (with momentum when the schedule cycles it), the
  scheduler built from ``torch.optim.lr_scheduler``, and the seed's training loop:
  ``optimizer.step()`` then ``scheduler.step()`` after every batch or every epoch,
  ``scheduler.step(metric)`` after validation for ReduceLROnPlateau. Run as it is, it
  prints ``optimizer.param_groups[0]["lr"]`` before every optimizer step, one ``repr``
  a line: the ``lr`` column of lrplot's CSV, to diff against.
* ``hf``: the same loop around transformers' ``get_*_schedule*`` function, for the
  ``hf-*`` schedules, ReduceLROnPlateau (``get_reduce_on_plateau_schedule``), and the
  PyTorch schedules that a transformers schedule reproduces (cosine, cosine with
  eta_min, linear decay to 0, polynomial, cosine restarts): lrplot's model of that
  transformers schedule must give the run's LRs within ``RTOL``, or it is not offered.
* ``lightning``: a ``LightningModule`` whose ``configure_optimizers`` returns the
  optimizer and ``{"scheduler", "interval", "frequency"}`` (plus ``"monitor"`` for
  ReduceLROnPlateau), with the torch scheduler (or the transformers one).

timm's schedulers are not ``torch.optim`` objects: ``--emit torch`` writes them as a
``LambdaLR`` over timm's own ``_get_lr(t)``, transliterated (exact up to LambdaLR's one
rounding: it multiplies ``lr * (lr_t / lr)``).

Warmup (lrplot's ``warmup=N``, any schedule):

* ``prefix``: ``SequentialLR([warmup, main], milestones=[N])``. The warmup child is a
  ``LinearLR`` (a linear ramp from a start > 0) when lrplot's step-by-step model of
  SequentialLR (the composition emulators) shows that it gives the run's LRs bit for bit
  (LinearLR's recurrence often rounds differently); else a ``LambdaLR`` with lrplot's
  ramp formula in lrplot's operation order, so the same bits (the whole run checked the
  same way, within ``RTOL``: PyTorch restarts the main schedule at the milestone; exact
  by construction when the main schedule is itself a LambdaLR, as transformers' and the
  timm formulas are). transformers' own warmup
  (``num_warmup_steps``) is lrplot's linear prefix warmup from 0, used when it fits.
* otherwise (``overlap`` mode; ReduceLROnPlateau or a composition as the main schedule;
  a main schedule that SequentialLR would not restart at its own step 0) the training
  loop sets the warmup LR itself and keeps the schedule's own LR aside meanwhile. This
  needs a hand-written loop, so Lightning cannot take it.

ReduceLROnPlateau's metric: read from the user's metric file (the same rules as
lrplot's reader), else the values lrplot used, as a list literal, or packed into a
base85 string of float64s beyond ``LIST_MAX`` values (exact, and short).
"""

from __future__ import annotations

import ast
import base64
import contextlib
import dataclasses
import keyword
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from . import expr as expressions
from .engine import Trace
from .errors import ParamError
from .groups import Groups
from .metrics import FileMetric, MetricSource
from .params import LrplotError
from .schedules import Schedule, known, lookup
from .schedules.warmup import Warmup

TARGETS = ("torch", "hf", "lightning", "deepspeed", "megatron")
FLAGS = TARGETS[4]  # Megatron-LM: its flags (an args file), not Python
RTOL = 1e-12  # "the same LRs": relative tolerance of every equivalence this module checks
WIDTH = 88  # line length of the emitted code
LIST_MAX = 200  # metric values written as a list literal up to this many; packed beyond

_MATH_NAMES = frozenset(expressions.FUNCTIONS) - {"min", "max", "abs"} | set(expressions.CONSTANTS)
_RESERVED = frozenset(
    {"optimizer", "scheduler", "param", "group", "epoch", "batch", "t", "warmup", "f", "lines"}
)


class _Unavailable(Exception):
    """This target cannot build this schedule (the message says why)."""


# --- public ------------------------------------------------------------------------------


def check_request(target: str | None) -> None:
    """Reject an unknown target before any work (a ParamError naming ``emit``)."""
    if target is None or target in TARGETS:
        return
    bare = f"{target!r} is not a target; use one of {', '.join(TARGETS)}"
    raise ParamError("emit", f"emit: {bare}", bare)


def emit_traces(traces: Sequence[Trace], target: str, metric: MetricSource | None = None) -> str:
    """The snippet of a run of one schedule (compare and run may hold several: refused)."""
    check_request(target)
    if len(traces) != 1:
        labels = ", ".join(t.label for t in traces[:3]) + (", ..." if len(traces) > 3 else "")
        raise LrplotError(
            f"--emit writes the code of one schedule, but this run has {len(traces)} "
            f"({labels}): give one schedule, e.g. lrplot compare '{traces[0].schedule.spec()}' "
            f"--emit {target}"
        )
    return emit(traces[0], target, metric)


def emit(trace: Trace, target: str, metric: MetricSource | None = None) -> str:
    """The ``target`` snippet that builds ``trace``'s schedule in its run."""
    check_request(target)
    try:
        return _emit(trace, target, metric)
    except _Unavailable as err:
        others = [t for t in targets(trace, metric) if t != target]
        where = ", ".join(others) if others else "none (lrplot cannot write it as code)"
        raise LrplotError(f"--emit {target}: {err}; targets for this schedule: {where}") from None


def targets(trace: Trace, metric: MetricSource | None = None) -> list[str]:
    """The targets that can build ``trace``'s schedule."""
    out = []
    for target in TARGETS:
        try:
            _emit(trace, target, metric)
        except _Unavailable:
            continue
        out.append(target)
    return out


# --- pieces of code ------------------------------------------------------------------------


@dataclass
class _Code:
    """Statements (at indent 0; the last assigns the scheduler), with what they need."""

    lines: list[str] = field(default_factory=list)
    imports: set[tuple[str, str]] = field(default_factory=set)  # (module, name or "")
    helpers: dict[str, list[str]] = field(default_factory=dict)  # top-level blocks, by name

    def add(self, other: _Code) -> None:
        self.lines += other.lines
        self.imports |= other.imports
        self.helpers.update(other.helpers)


@dataclass
class _Main:
    """The code of the main schedule, and how it steps."""

    code: _Code
    kind: str  # "class", "lambdalr" (a LambdaLR), "metric" (steps on it), "composite"
    emulated: Schedule | None = None  # lrplot's model of it (to check a SequentialLR)


def _py(value: Any) -> str:
    """A value as Python source (floats by repr: the same number)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, str):
        text = repr(value)
        if text.startswith("'") and '"' not in value and "\\" not in text:
            text = '"' + text[1:-1] + '"'
        return text
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _call(target: str, func: str, args: Sequence[str], indent: int = 0) -> str:
    """``target = func(args)``: on one line if it fits, else one argument a line."""
    one = f"{target} = {func}({', '.join(args)})"
    if indent + len(one) <= WIDTH:
        return one
    pad = " " * 4
    return f"{target} = {func}(\n" + "".join(f"{pad}{a},\n" for a in args) + ")"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _var(name: str, taken: set[str]) -> str:
    """A Python variable named after a schedule, unique among ``taken``."""
    base = name.replace("-", "_")
    if keyword.iskeyword(base) or base in _RESERVED:
        base += "_"
    var, n = base, 2
    while var in taken:
        var, n = f"{base}{n}", n + 1
    taken.add(var)
    return var


def _expression(text: str, code: _Code) -> str:
    """lrplot's expression in ``epoch`` as Python source (it is Python's syntax and
    semantics, checked by lrplot's whitelist), importing the math names it uses."""
    tree = ast.parse(text.strip(), mode="eval")
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in _MATH_NAMES:
            code.imports.add(("math", node.id))
    return ast.unparse(tree)


def _close(a: np.ndarray, b: np.ndarray) -> bool:
    """The same LRs: equal length, within RTOL relative (no absolute slack)."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RTOL, atol=0.0, equal_nan=True))


def _same_lrs(schedule: Schedule, count: int, base_lr: float, lr: np.ndarray) -> bool:
    """Does ``schedule`` (lrplot's model of it) give these LRs?"""
    try:
        return _close(schedule.lr(count, base_lr), lr)
    except (LrplotError, ArithmeticError):
        return False


def _resolved(schedule: Schedule, count: int) -> Schedule:
    """The schedule with the run-dependent defaults written out (count scheduler steps):
    its declared ``emit.run_defaults`` (OneCycleLR's total_steps, transformers'
    num_training_steps)."""
    values = dict(schedule.values)
    for name in schedule.definition.emit.run_defaults:
        if values.get(name, 0) is None:
            values[name] = count
    return dataclasses.replace(schedule, values=values)


def _is_transformers(schedule: Schedule) -> bool:
    """A schedule of transformers itself (its torch_class is a transformers function)."""
    return schedule.definition.library == "transformers"


# --- PyTorch -------------------------------------------------------------------------------


def _torch_main(schedule: Schedule, count: int, var: str, grouped: bool = False) -> _Main:
    """``var = <torch scheduler>(optimizer, ...)`` (children first for a composition):
    as the declaration's ``emit.torch`` says. ``grouped``: on several param groups
    (``GROUPS``), the declared ``group_lrs`` as per-group lists."""
    d = schedule.definition
    form = d.emit
    if not form.torch:
        why = form.no_torch.format(torch_class=d.torch_class) or f"{d.reproduces} has no torch form"
        raise _Unavailable(f"{schedule.label} is {why}")
    if form.torch == "code" and form.torch_code is not None:
        if grouped:
            raise _Unavailable(
                f"{schedule.label} is written as a LambdaLR of the run's own LR, which "
                "would not give each param group its LRs"
            )
        return _code_main(schedule, var)
    if form.compose is not None:
        return _composite(schedule, count, var, grouped)
    if d.emulator is None and not d.needs_metric:  # pragma: no cover - every torch class has one
        raise _Unavailable(f"lrplot has no PyTorch form of {schedule.label}")
    schedule = _resolved(schedule, count)
    code = _Code()
    code.imports.add((d.library, d.torch_class))
    args = ["optimizer"]
    for p in d.params:
        value = schedule.values[p.name]
        if value is None:  # not given: PyTorch's own default (scale_mode, step_size_down)
            continue
        if p.check is expressions.check:  # an expression in epoch: a lambda
            args.append(f"{p.torch_name}=lambda epoch: {_expression(value, code)}")
        elif grouped and p.name in d.group_lrs:  # PyTorch's per-group list
            args.append(f"{p.torch_name}=[{_py(value)} * scale for scale in GROUPS.values()]")
        else:
            args.append(f"{p.torch_name}={_py(value)}")
    code.lines.append(_call(var, d.torch_class, args))
    if d.needs_metric:
        return _Main(code, "metric")
    return _Main(code, "lambdalr" if form.torch == "lambdalr" else "class", emulated=schedule)


def _composite(schedule: Schedule, count: int, var: str, grouped: bool = False) -> _Main:
    d = schedule.definition
    assert d.emit.compose is not None and d.children is not None
    code = _Code()
    code.imports.add((d.library, d.torch_class))
    taken = {var}
    names = []
    for child in schedule.values[d.children.name]:
        name = _var(child.name, taken)
        code.add(_torch_main(child, count, name, grouped).code)
        names.append(name)
    children = "[" + ", ".join(names) + "]"
    code.lines.append(_call(var, d.torch_class, d.emit.compose(schedule.values, children)))
    return _Main(code, "composite")


def _code_main(schedule: Schedule, var: str) -> _Main:
    """A schedule that is not a torch class, written by its declared ``torch_code``
    (timm's as a LambdaLR over its own _get_lr)."""
    coder = schedule.definition.emit.torch_code
    assert coder is not None
    written = coder(schedule, _py)
    code = _Code()
    code.imports |= set(written.imports)
    for i, (name, lines) in enumerate(written.helpers.items()):
        comment = _comment(written.comment) if i == 0 and written.comment else []
        code.helpers[name] = [*comment, *lines]
    code.lines.append(_call(var, written.call, list(written.args)))
    return _Main(code, "lambdalr")


# --- transformers ----------------------------------------------------------------------------


def _hf_main(schedule: Schedule, count: int, var: str, base_lr: float) -> _Main:
    """``var = get_..._schedule...(optimizer, ...)``: a transformers schedule, one whose
    declaration names a transformers function (``emit.hf_function``: ReduceLROnPlateau),
    or a PyTorch schedule that a transformers schedule reproduces (``emit.hf``, checked)."""
    d = schedule.definition
    code = _Code()
    if d.emit.hf_function:
        fn = d.emit.hf_function
        given = {p.torch_name: schedule.values[p.name] for p in d.params}
        code.imports.add(("transformers", fn))
        code.lines += _get_scheduler_comment(d.known_as.get("hf", fn), given)
        code.lines.append(
            _call(var, fn, ["optimizer", *(f"{k}={_py(v)}" for k, v in given.items())])
        )
        return _Main(code, "metric" if d.needs_metric else "lambdalr")
    if not _is_transformers(schedule):
        equivalent = _hf_equivalent(schedule, 0, count)
        if equivalent is None or not _same_lrs(
            equivalent, count, base_lr, schedule.lr(count, base_lr)
        ):
            raise _Unavailable(f"no transformers schedule gives the LRs of {schedule.label}")
        schedule = equivalent
        d = schedule.definition
    schedule = _resolved(schedule, count)
    given = {
        p.name: schedule.values[p.name] for p in d.params if schedule.values[p.name] is not None
    }
    code.imports.add(("transformers", d.torch_class))
    code.lines += _get_scheduler_comment(d.known_as.get("hf", d.name), given)
    code.lines.append(
        _call(var, d.torch_class, ["optimizer", *(f"{k}={_py(v)}" for k, v in given.items())])
    )
    return _Main(code, "lambdalr")


def _get_scheduler_comment(kind: str, given: dict[str, Any]) -> list[str]:
    """The same schedule through transformers' get_scheduler (what the Trainer calls)."""
    args = ["optimizer"]
    specific = dict(given)
    for key in ("num_warmup_steps", "num_training_steps"):
        if key in specific:
            args.append(f"{key}={_py(specific.pop(key))}")
    if specific:
        items = ", ".join(f'"{k}": {_py(v)}' for k, v in specific.items())
        args.append(f"scheduler_specific_kwargs={{{items}}}")
    return _comment(f'= get_scheduler("{kind}", {", ".join(args)})', indent="  ")


def _hf_equivalent(schedule: Schedule, warmup: int, count: int) -> Schedule | None:
    """The transformers schedule with ``warmup`` steps of HF's linear warmup, then the
    PyTorch ``schedule`` (no warmup of its own), if its declaration names one
    (``emit.hf``; to be checked)."""
    hint = schedule.definition.emit.hf
    form = hint(schedule.values, warmup, count) if hint is not None else None
    target = known("hf", form.hf_type) if form is not None else None
    if form is None or target is None:
        return None
    try:
        return target.build(dict(form.values))
    except LrplotError:
        return None


# --- warmup ----------------------------------------------------------------------------------


def _ramp(warmup: Warmup, x: str, steps: str) -> str:
    """lrplot's ramp factor at warmup step ``x`` of ``steps``, in lrplot's operation order
    (so ``lr * factor`` is lrplot's LR bit for bit); s = 0 drops exact no-ops."""
    s, frac = warmup.start, f"({x} / {steps})"
    if warmup.shape == "linear":
        return f"{x} / {steps}" if s == 0.0 else f"{s!r} + (1 - {s!r}) * {frac}"
    if warmup.shape == "cosine":
        wave = f"(1 - cos(pi * {frac})) / 2"
        return wave if s == 0.0 else f"{s!r} + (1 - {s!r}) * {wave}"
    return f"{s!r} ** (1 - {x} / {steps})"


def _ramp_imports(warmup: Warmup) -> set[tuple[str, str]]:
    return {("math", "cos"), ("math", "pi")} if warmup.shape == "cosine" else set()


def _sequential_warmup(trace: Trace, warmup: Warmup, main: _Main, main_var: str) -> _Code | None:
    """``SequentialLR([warmup, main], milestones=[N])`` if it gives the run's LRs."""
    n = warmup.steps
    count = trace.settings.scheduler_steps
    base_lr = trace.settings.lr
    # torch's classes that can write the warmup: LinearLR (a ramp from a start > 0),
    # else LambdaLR with lrplot's ramp formula
    candidates: list[tuple[str, dict[str, Any]]] = []
    if warmup.shape == "linear" and warmup.start > 0.0:
        candidates.append(
            ("LinearLR", {"start_factor": warmup.start, "end_factor": 1.0, "total_iters": n})
        )
    candidates.append(("LambdaLR", {"expr": _ramp(warmup, "epoch", str(n))}))
    sequential = lookup("SequentialLR")
    for cls, values in candidates:
        if main.emulated is not None:  # lrplot's model of PyTorch's SequentialLR decides
            child = lookup(cls).build(values)
            p = {"schedulers": (child, main.emulated), "milestones": (n,)}
            try:
                lr = sequential.lr_fn(count, base_lr, p, None)
            except (LrplotError, ArithmeticError):
                continue
            # LinearLR only where it rounds as lrplot's ramp does (bit for bit): LambdaLR
            # computes the ramp itself, so it is the exact form otherwise
            same = np.array_equal if cls == "LinearLR" else _close
            if not same(lr, trace.sched_lr) or not _groups_same(trace, sequential, p, same):
                continue
        elif not (main.kind == "lambdalr" and cls == "LambdaLR"):
            continue  # a LambdaLR main restarts exactly at the milestone: base_lr * f(0)
        code = _Code()
        if cls == "LinearLR":
            code.imports.add(("torch.optim.lr_scheduler", "LinearLR"))
            args = ["optimizer", *(f"{k}={_py(v)}" for k, v in values.items())]
            line = _call("warmup", "LinearLR", args)
        else:
            code.imports.add(("torch.optim.lr_scheduler", "LambdaLR"))
            code.imports |= _ramp_imports(warmup)
            line = _call(
                "warmup", "LambdaLR", ["optimizer", f"lr_lambda=lambda epoch: {values['expr']}"]
            )
        code.lines += _comment(
            f"{warmup.describe()}: {n} scheduler steps, then the schedule from its step 0"
        )
        code.lines.append(line)
        code.add(main.code)
        code.imports.add(("torch.optim.lr_scheduler", "SequentialLR"))
        args = ["optimizer", f"schedulers=[warmup, {main_var}]", f"milestones=[{n}]"]
        code.lines.append(_call("scheduler", "SequentialLR", args))
        return code
    return None


def _groups_same(trace: Trace, sequential: Any, p: dict[str, Any], same: Any) -> bool:
    """SequentialLR([warmup, main]) gives every param group its LRs too."""
    groups = trace.settings.groups
    if groups is None:
        return True
    count, base_lr = trace.settings.scheduler_steps, trace.settings.lr
    warmup, main = p["schedulers"]
    for scale, expected in zip(groups.scales, trace.group_lr, strict=True):
        values = {**p, "schedulers": (warmup, main.scaled(scale))}
        try:
            lr = sequential.lr_fn(count, base_lr * scale, values, None)
        except (LrplotError, ArithmeticError):
            return False
        if not same(lr, expected):
            return False
    return True


# --- the plan: what builds the scheduler, and how the loop steps it ------------------------


@dataclass
class _Plan:
    code: _Code
    plateau: bool = False  # scheduler.step(metric)
    manual: Warmup | None = None  # the loop sets the warmup LR itself
    flavour: str = "torch"
    reason: str = ""  # why the warmup is set by hand


def _plan(trace: Trace, flavour: str) -> _Plan:
    """How ``flavour`` ("torch" or "hf") builds the run's schedule."""
    schedule = trace.schedule
    settings = trace.settings
    count, base_lr = settings.scheduler_steps, settings.lr
    warmup = schedule.warmup
    grouped = settings.groups is not None
    if grouped and flavour != "torch" and (warmup is not None or not _is_transformers(schedule)):
        # transformers' own schedules are LambdaLRs on every group as lrplot has them; an
        # equivalent of another schedule is checked on the run's lr only
        raise _Unavailable(
            "param groups are written with transformers' own schedules only (hf-*, "
            "without --warmup)"
        )

    def main_of(s: Schedule, n: int, var: str) -> _Main:
        if flavour == "torch":
            return _torch_main(s, n, var, grouped)
        return _hf_main(s, n, var, base_lr)

    if warmup is None:
        main = main_of(schedule, count, "scheduler")
        return _Plan(main.code, main.kind == "metric", flavour=flavour)
    core = dataclasses.replace(schedule, warmup=None, label_given=None)
    if flavour == "hf" and not _is_transformers(core) and not core.needs_metric:
        native = _hf_native(trace, core, warmup)
        if native is not None:
            return _Plan(_hf_main(native, count, "scheduler", base_lr).code, flavour=flavour)
    torch_class = core.definition.torch_class
    if warmup.mode == "prefix":
        main_count = max(count - warmup.steps, 1)
        var = _var(core.name, set())
        main = main_of(core, main_count, var)
        if main.kind in ("class", "lambdalr"):
            code = _sequential_warmup(trace, warmup, main, var)
            if code is not None:
                return _Plan(code, flavour=flavour)
            reason = (
                f"SequentialLR([warmup, {torch_class}]) would not give these LRs (it restarts "
                f"{torch_class} on the warmup's last LR or from its closed form)"
            )
        elif main.kind == "metric":
            reason = "ReduceLROnPlateau cannot be a child of SequentialLR"
        else:
            reason = f"{torch_class} would have to be nested in a SequentialLR"
    else:
        main_count = count
        reason = "in overlap mode the schedule runs from step 0 under the warmup"
    if grouped:
        raise _Unavailable(
            f"{warmup.describe()} would be set by hand in the loop ({reason}), which "
            "lrplot writes for one param group only"
        )
    main = main_of(core, main_count, "scheduler")
    return _Plan(main.code, main.kind == "metric", warmup, flavour, reason)


def _hf_native(trace: Trace, core: Schedule, warmup: Warmup) -> Schedule | None:
    """A transformers schedule whose own warmup is the run's (linear from 0, prefix)."""
    if warmup.shape != "linear" or warmup.start != 0.0 or warmup.mode != "prefix":
        return None
    count = trace.settings.scheduler_steps
    equivalent = _hf_equivalent(core, warmup.steps, count)
    if equivalent is None or not _same_lrs(equivalent, count, trace.settings.lr, trace.sched_lr):
        return None
    return equivalent


def _emit(trace: Trace, target: str, metric: MetricSource | None) -> str:
    if target == "lightning" and trace.settings.calls_per_step > 1:
        raise _Unavailable(
            "Lightning steps its scheduler itself, never once per process as Accelerate does"
        )
    if target == "deepspeed":  # a ds_config snippet, not Python: its own module
        from . import emit_deepspeed

        if not trace.settings.plain:
            raise _Unavailable(
                "DeepSpeed steps its scheduler once per optimizer step, not every Nth or "
                "once per process"
            )
        if trace.settings.groups is not None:
            raise _Unavailable(
                "a ds_config has no param groups: its schedulers give every group the "
                "scheduler's LR"
            )
        try:
            return emit_deepspeed.snippet(trace)
        except emit_deepspeed.NoDeepSpeedForm as err:
            raise _Unavailable(str(err)) from None
    if target == FLAGS:
        return _flags(trace)
    if target == "lightning":  # the torch scheduler, else transformers': one that fits
        try:
            plan = _plan(trace, "torch")
        except _Unavailable:
            plan = _plan(trace, "hf")
        if plan.manual is not None and plan.flavour == "torch":
            with contextlib.suppress(_Unavailable):
                plan = _plan(trace, "hf")
        if plan.manual is not None:
            raise _Unavailable(
                f"configure_optimizers cannot hold {plan.manual.describe()} + "
                f"{trace.schedule.definition.torch_class}: the training loop must set that "
                f"warmup by hand ({plan.reason})"
            )
        return _lightning(trace, plan)
    return _script(trace, _plan(trace, target), metric)


def _flags(trace: Trace) -> str:
    """``--emit megatron``: the flags of a Megatron-LM run, as an args file."""
    writer = trace.schedule.definition.emit.megatron
    if writer is None:
        raise _Unavailable(f"{trace.label} is not a schedule Megatron-LM runs")
    try:
        lines = writer(trace)
    except ValueError as err:
        raise _Unavailable(str(err)) from None
    head = _comment(
        f"Megatron-LM flags for {trace.schedule.title()}, {trace.settings.describe()}. "
        "Written by lrplot --emit megatron; lrplot run FILE --format megatron reads them."
    )
    return "\n".join([*head, *lines]) + "\n"


# --- writing the snippet ---------------------------------------------------------------------


def _imports(imports: set[tuple[str, str]], first: Sequence[str] = ()) -> list[str]:
    """Import lines, sorted as isort does: the standard library, then the rest."""
    stdlib = {"base64", "csv", "math", "struct"}
    froms: dict[str, list[str]] = {}
    plain = set()
    for module, name in imports:
        if name:
            froms.setdefault(module, []).append(name)
        else:
            plain.add(module)

    def section(modules: set[str]) -> list[str]:
        lines = [f"import {m}" for m in sorted(plain & modules)]
        for m in sorted(set(froms) & modules):
            names = sorted(set(froms[m]), key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
            line = f"from {m} import {', '.join(names)}"
            if len(line) > WIDTH:
                line = f"from {m} import (\n" + "".join(f"    {n},\n" for n in names) + ")"
            lines.append(line)
        return lines

    every = plain | set(froms)
    std = section(every & stdlib)
    rest = [*first, *section(every - stdlib)]
    return [*std, *([""] if std and rest else []), *rest]


def _comment(text: str, indent: str = "") -> list[str]:
    """A comment wrapped to the emitted code's width."""
    return textwrap.wrap(
        text,
        WIDTH - len(indent),
        initial_indent="# ",
        subsequent_indent="# " + indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def _header(trace: Trace, target: str) -> list[str]:
    settings = trace.settings
    schedule = _resolved(trace.schedule, settings.scheduler_steps)
    note = f"Written by lrplot --emit {target}."
    if target != "lightning":
        note += (
            " Run as it is, it prints the LR of every optimizer step, one a line: the lr "
            "column of lrplot's CSV."
        )
    groups = [] if settings.groups is None else _comment(settings.groups.describe())
    if settings.groups is not None and target != "lightning":
        note = note.replace(
            "the LR of every optimizer step, one a line: the lr column of lrplot's CSV",
            "the LRs of every optimizer step, one line each, a column per param group: "
            "the lr[NAME] columns of lrplot's CSV",
        )
    return [
        *_comment(schedule.title()),
        f"# {settings.describe()}: {settings.scheduler_steps} scheduler steps",
        *groups,
        *_comment(note),
    ]


def _script(trace: Trace, plan: _Plan, metric: MetricSource | None) -> str:
    """The torch/hf snippet: the scheduler in the seed's training loop, printing each LR."""
    settings = trace.settings
    code = plan.code
    out = _header(trace, plan.flavour)
    metric_lines = _metric(trace, metric, code) if plan.plateau else []
    if plan.manual is not None:
        code.imports |= _ramp_imports(plan.manual)
    out += ["", *_imports(code.imports | {("torch", "")})]
    out += ["", f"LR = {settings.lr!r}", f"EPOCHS = {settings.epochs}"]
    out.append(f"STEPS_PER_EPOCH = {settings.steps_per_epoch}")
    if plan.manual is not None:
        out.append(f"WARMUP = {plan.manual.steps}  # {plan.manual.describe()}: scheduler steps")
    for helper in code.helpers.values():
        out += ["", *helper]
    if plan.manual is not None:
        out += [
            "",
            "",
            "def warmup_factor(t):",
            f"    return {_ramp(plan.manual, 't', 'WARMUP')}",
        ]
    if code.helpers or plan.manual is not None:
        out.append("")
    if metric_lines:
        out += ["", *metric_lines]
    momentum = ", momentum=0.9" if trace.sched_momentum is not None else ""
    if settings.groups is None:
        out += [
            "",
            "param = torch.nn.Parameter(torch.zeros(1))  # stands in for model.parameters()",
            f"optimizer = torch.optim.SGD([param], lr=LR{momentum})",
        ]
        lr = 'optimizer.param_groups[0]["lr"]'
    else:
        out += ["", *_groups_code(settings.groups, momentum)]
        lr = '",".join(repr(group["lr"]) for group in optimizer.param_groups)'
    out += code.lines
    if not settings.plain and plan.manual is not None:
        raise _Unavailable(
            f"the loop would set {plan.manual.describe()} by hand ({plan.reason}), which "
            "lrplot does not write together with --scheduler-every or --accelerate"
        )
    if not settings.plain:
        out += ["t = 0  # scheduler.step() calls so far"]
    if plan.manual is not None:
        lr = 'group["lr"]'
        what = "at its step 0" if plan.manual.mode == "prefix" else "kept aside under the warmup"
        out += [
            "",
            *_comment(f"{plan.manual.describe()}, set by hand: {plan.reason}."),
            "group = optimizer.param_groups[0]",
            f'schedule_lr = group["lr"]  # the schedule\'s own LR, {what}',
            'group["lr"] = LR * warmup_factor(0)',
            "t = 0  # scheduler steps so far",
        ]
    per_step = settings.interval == "step"
    out += [
        "",
        "for epoch in range(EPOCHS):",
        "    for batch in range(STEPS_PER_EPOCH):",
        f"        print({lr})" + ("" if settings.groups else "  # the LR of this optimizer step"),
        "        optimizer.step()  # after loss.backward()",
    ]
    index = "epoch * STEPS_PER_EPOCH + batch" if per_step else "epoch"
    step = _stepping(settings, _scheduler_step(plan, "t" if not settings.plain else index), index)
    if per_step:
        out += _indented(step, 8)
    else:
        if plan.plateau:
            out.append("    # ... validation: its metric goes to ReduceLROnPlateau")
        out += _indented(step, 4)
    return "\n".join(out) + "\n"


def _stepping(settings: Any, step: list[str], index: str) -> list[str]:
    """The scheduler step, every Nth unit and once per Accelerate process (``t`` counts
    the calls: the metric of a plateau's is looked up by it)."""
    if settings.plain:
        return step
    calls = settings.calls_per_step
    body = [*step, "t += 1"]
    if calls > 1:
        body = [f"for _ in range({calls}):  # Accelerate: once per process", *_indented(body, 4)]
    every = settings.scheduler_every
    if every > 1:
        body = [f"if ({index} + 1) % {every} == 0:", *_indented(body, 4)]
    return body


def _groups_table(groups: Groups) -> list[str]:
    """``GROUPS``: each param group's name and the scale of its LR."""
    if groups.layer_decay is not None:
        top = len(groups) - 1
        return [
            f"# layer-wise LR decay (timm's layer_decay {_py(groups.layer_decay)}, "
            f"{groups.num_layers} blocks): layer_0 the stem .. layer_{top} the head",
            f'GROUPS = {{f"layer_{{i}}": {_py(groups.layer_decay)} ** ({top} - i) '
            f"for i in range({top + 1})}}",
        ]
    pairs = list(zip(groups.names, groups.scales, strict=True))
    items = ", ".join(f"{_py(n)}: {_py(s)}" for n, s in pairs)
    line = f"GROUPS = {{{items}}}  # param group: the scale of its LR"
    if len(line) <= WIDTH:
        return [line]
    return [
        "GROUPS = {  # param group: the scale of its LR",
        *(f"    {_py(n)}: {_py(s)}," for n, s in pairs),
        "}",
    ]


def _groups_code(groups: Groups, momentum: str) -> list[str]:
    """GROUPS and an optimizer with a param group each."""
    return [
        *_groups_table(groups),
        "params = {name: torch.nn.Parameter(torch.zeros(1)) for name in GROUPS}  # your layers",
        "optimizer = torch.optim.SGD(",
        '    [{"params": [params[name]], "lr": LR * scale} for name, scale in GROUPS.items()],',
        f"    lr=LR{momentum},",
        ")",
    ]


def _indented(lines: list[str], spaces: int) -> list[str]:
    return [(" " * spaces + line) if line else line for line in lines]


def _scheduler_step(plan: _Plan, index: str) -> list[str]:
    """The loop's scheduler step: plain, with the metric, or around a hand-set warmup."""
    if plan.manual is None:
        if plan.plateau:
            return [f"scheduler.step(VAL_METRIC[{index}])"]
        return ["scheduler.step()"]
    step = "scheduler.step(VAL_METRIC[t - 1])" if plan.plateau else "scheduler.step()"
    if plan.manual.mode == "prefix":
        return [
            "t += 1",
            "if t < WARMUP:",
            '    group["lr"] = LR * warmup_factor(t)',
            "elif t == WARMUP:  # the warmup is over: the schedule starts at its step 0",
            '    group["lr"] = schedule_lr',
            "else:",
            f"    {step}",
        ]
    return [
        "t += 1",
        "if t <= WARMUP:  # the schedule steps on its own LR, under the warmup",
        '    group["lr"] = schedule_lr',
        step,
        "if t < WARMUP:",
        '    schedule_lr = group["lr"]',
        '    group["lr"] = LR * warmup_factor(t)',
    ]


def _lightning(trace: Trace, plan: _Plan) -> str:
    """A LightningModule whose configure_optimizers returns this scheduler."""
    settings = trace.settings
    code = plan.code
    out = _header(trace, "lightning")
    out += ["", *_imports(code.imports | {("torch", "")}, first=["import lightning as L"])]
    out += ["", f"LR = {settings.lr!r}"]
    groups = settings.groups
    if groups is not None:
        out += ["", *_groups_table(groups)]
    for helper in code.helpers.values():
        out += ["", *helper]
    momentum = ", momentum=0.9" if trace.sched_momentum is not None else ""
    if groups is None:
        layers = (
            "        self.param = torch.nn.Parameter(torch.zeros(1))  # stands in for your layers"
        )
        optimizer = [f"        optimizer = torch.optim.SGD(self.parameters(), lr=LR{momentum})"]
    else:
        layers = (
            "        self.params = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(1)) "
            "for _ in GROUPS)"
        )
        optimizer = [
            "        groups = zip(self.params, GROUPS.values())  # your layers, group by group",
            "        optimizer = torch.optim.SGD(",
            '            [{"params": [p], "lr": LR * scale} for p, scale in groups],',
            f"            lr=LR{momentum},",
            "        )",
        ]
    entries = [
        '"scheduler": scheduler,',
        f'"interval": "{settings.interval}",  # scheduler.step() after every '
        + ("optimizer step" if settings.interval == "step" else "epoch"),
        f'"frequency": {settings.scheduler_every},',
    ]
    if plan.plateau:
        entries.append('"monitor": "val_loss",  # the metric for ReduceLROnPlateau')
    build = [_indent(line, 8) for line in code.lines]
    out += [
        "",
        "",
        "class LitModel(L.LightningModule):",
        "    def __init__(self):",
        "        super().__init__()",
        layers,
        "",
        "    def configure_optimizers(self):",
        *optimizer,
        *build,
        "        return {",
        '            "optimizer": optimizer,',
        '            "lr_scheduler": {',
        *(" " * 16 + entry for entry in entries),
        "            },",
        "        }",
    ]
    if plan.plateau:
        out += [
            "",
            "    # ReduceLROnPlateau steps on the logged metric:",
            '    # in validation_step, self.log("val_loss", loss)',
        ]
    batches = f"of {settings.steps_per_epoch} batches " if settings.steps_per_epoch > 1 else ""
    out += [
        "",
        "",
        f"# L.Trainer(max_epochs={settings.epochs}).fit(LitModel(), train_loader)  "
        f"# a loader {batches}per epoch",
    ]
    return "\n".join(out) + "\n"


# --- the metric of ReduceLROnPlateau ---------------------------------------------------------


def _metric(trace: Trace, metric: MetricSource | None, code: _Code) -> list[str]:
    """``VAL_METRIC``: one value per scheduler step, the ones lrplot used."""
    if isinstance(metric, FileMetric):
        lines = _metric_file(metric, code)
        k = trace.settings.calls_per_step
        if k > 1:  # Accelerate passes each metric to each of its k step() calls
            lines.append(f"VAL_METRIC = [v for v in VAL_METRIC for _ in range({k})]")
        return lines
    values = [] if trace.sched_metric is None else trace.sched_metric.tolist()
    what = trace.metric_source or "the metric"
    lines = [f"# {what}: one value per scheduler step", "# (in training: your validation metric)"]
    if len(values) <= LIST_MAX:
        lines.append("VAL_METRIC = [")
        row = ""
        for text in (repr(float(v)) + "," for v in values):
            if row and 4 + len(row) + 1 + len(text) > WIDTH:
                lines.append("    " + row)
                row = ""
            row = f"{row} {text}" if row else text
        if row:
            lines.append("    " + row)
        return [*lines, "]"]
    # long: float64s packed in base85 (exact, about half the length of their reprs)
    code.imports |= {("base64", ""), ("struct", "")}
    blob = base64.b85encode(np.asarray(values, dtype="<f8").tobytes()).decode("ascii")
    chunk = WIDTH - 12
    parts = [blob[i : i + chunk] for i in range(0, len(blob), chunk)]
    return [
        *lines,
        f"# ({len(values)} float64 values, packed: print(VAL_METRIC[:5]) to see them)",
        "VAL_METRIC = struct.unpack(",
        f'    "<{len(values)}d",',
        "    base64.b85decode(",
        *(f'        "{part}"' for part in parts),
        "    ),",
        ")",
    ]


def _metric_file(metric: FileMetric, code: _Code) -> list[str]:
    """Read the user's metric file, with lrplot's rules (blank and # lines skipped;
    one number a line, or a CSV with a header row)."""
    path = str(metric.path)
    lines = [
        f"# the metric: {metric.describe().removeprefix('metric from ')}, one value per "
        "scheduler step",
        f'with open({_py(path)}, encoding="utf-8-sig") as f:',
        "    lines = f.read().splitlines()",
        'lines = [s for s in lines if s.strip() and not s.lstrip().startswith("#")]',
    ]
    if not _is_csv(metric):
        return [*lines, "VAL_METRIC = [float(s) for s in lines]"]
    code.imports.add(("csv", ""))
    index = "0"
    if metric.column is not None:
        index = f"[h.strip() for h in rows[0]].index({_py(metric.column)})"
    return [
        *lines,
        "rows = list(csv.reader(lines))",
        f"column = {index}",
        "VAL_METRIC = [float(row[column]) for row in rows[1:]]",
    ]


def _is_csv(metric: FileMetric) -> bool:
    """lrplot's reader's choice (metrics.read_metric_file): a CSV when a column is named,
    or the first value line has a comma or is not a number."""
    if metric.column is not None:
        return True
    try:
        text = Path(metric.path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):  # pragma: no cover - lrplot has just read it
        return True
    first = next((s for s in text.splitlines() if s.strip() and not s.lstrip().startswith("#")), "")
    if "," in first:
        return True
    try:
        float(first.strip())
    except ValueError:
        return True
    return False
