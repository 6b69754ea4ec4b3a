"""Compositions: SequentialLR (``sequential``) and ChainedScheduler (``chained``).

Both replay PyTorch exactly, oddities included, by running each child's
:class:`~lrplot.schedules.base.TorchScheduler` (its PyTorch class, transliterated)
on one shared param group, in the order PyTorch calls them:

* the user builds each child on the optimizer, in order: every constructor runs
  its own initial step on the shared LR (so ChainedScheduler's step 0 is the
  product of the children's initial steps, e.g. ConstantLR's factor);
* ``SequentialLR.__init__`` then resets the LR to ``initial_lr``, takes one step
  back from every child (``recursive_undo``) and re-runs ``_initial_step`` of the
  child active at step 0 (the first, or a later one when milestones are 0);
* at step t, SequentialLR's active child is ``bisect_right(milestones, t)``; at a
  milestone it is restarted with ``_update_lr(0)`` (its closed form at epoch 0
  from its base LR when PyTorch has one, else ``get_lr()`` at epoch 0 on the
  current LR: MultiplicativeLR then multiplies the previous child's last LR by
  ``lr_lambda(0)``), otherwise stepped;
* ChainedScheduler steps every child, in order, on the shared LR.

Speed: between milestones a SequentialLR child advances with its vectorized
``advance``; ChainedScheduler of children with ``factors`` is one ``np.cumprod``
over their interleaved factors (the same multiplications in the same order as
PyTorch, so the same bits). Anything else is replayed step by step.
"""

from __future__ import annotations

import copy
import dataclasses
from bisect import bisect_right
from collections.abc import Mapping
from itertools import pairwise
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

    from ..engine import RunSettings, Trace
else:
    from .._lazy import np

from ..params import INT, INT_LIST, SCHEDULES, LrplotError, Param, ParamError, format_value
from .base import Schedule, TorchScheduler, chain, schedule
from .declare import Emit, Explain, Stepping
from .rules import Finding, Part, run_length

LISTING = 90  # where its schedules come in `lrplot list` (lrplot.schedules)

_CHUNK = 1 << 18  # chained: steps per block of factors


def _schedulers(what: str) -> Param:
    return Param(
        "schedulers", SCHEDULES, f"the child schedules, in order, {what} (in a SPEC: [a; b; ...])"
    )


MILESTONES = Param(
    "milestones",
    INT_LIST,
    "scheduler steps at which the next child takes over: one fewer than the children, "
    "non-decreasing",
    (),
    min_items=0,
    length=True,
)


def _check_children(values: Mapping[str, Any], torch_class: str) -> None:
    for i, child in enumerate(values["schedulers"]):
        d = child.definition
        where = f"schedulers[{i}]: {child.spec()}"
        if d.needs_metric:
            raise ParamError(
                "schedulers",
                f"{where}: {d.torch_class} cannot be a child: PyTorch's {torch_class} "
                "refuses it (its step() needs a metric)",
            )
        if d.children is not None:  # a composition itself
            raise ParamError(
                "schedulers", f"{where}: {d.torch_class} cannot be nested in {torch_class}"
            )
        if d.emulator is None:
            raise ParamError(
                "schedulers",
                f"{where}: {d.torch_class} cannot be a child yet "
                "(lrplot has no step-by-step model of it)",
            )
        if child.warmup is not None:
            raise ParamError(
                "schedulers",
                f"{where}: a child cannot have a warmup; give warmup to the {torch_class} itself",
            )


def _check_sequential(values: Mapping[str, Any]) -> None:
    _check_children(values, "SequentialLR")
    milestones = values["milestones"]
    n = len(values["schedulers"])
    if len(milestones) != n - 1:
        need = f"{n - 1} milestone{'s' if n != 2 else ''}"
        got = format_value(milestones) if milestones else "none"
        raise ParamError(
            "milestones",
            f"milestones must list {need} (one fewer than the {n} schedulers), got {got}",
        )
    if any(b < a for a, b in pairwise(milestones)):
        raise ParamError(
            "milestones",
            f"milestones must be non-decreasing, got {format_value(milestones)}",
        )


def _check_chained(values: Mapping[str, Any]) -> None:
    _check_children(values, "ChainedScheduler")


def _build(
    children: tuple[Schedule, ...], base_lr: float | dict[str, Any], last_epoch: int = -1
) -> tuple[dict, list[TorchScheduler]]:
    """The user's code: an SGD optimizer (or the param group given), then each child
    built on it, in order."""
    group: dict[str, Any] = (
        base_lr if isinstance(base_lr, dict) else {"lr": float(base_lr), "momentum": 0.0}
    )
    built = []
    for child in children:
        emulator = child.definition.emulator
        assert emulator is not None  # checked when the composition was built
        built.append(emulator(group, child.values, last_epoch))
    return group, built


# --- the compositions as TorchSchedulers: what lrplot.resume saves, restores and rebuilds


class SequentialLR(TorchScheduler):
    """SequentialLR(optimizer, children, milestones, last_epoch): the children built
    first, on the same group, each with last_epoch=-1 (as its user writes them)."""

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        _, self.children = _build(values["schedulers"], group)
        self.group, self.values = group, values
        self.milestones: tuple[int, ...] = tuple(values["milestones"])
        self.last_epoch = last_epoch + 1
        self.base_lr = group["initial_lr"]
        self._step_count = 0
        self._is_initial = False
        group["lr"] = group["initial_lr"]
        for child in self.children:
            child.last_epoch -= 1
        self.children[bisect_right(self.milestones, 0)]._initial_step()

    def step(self) -> None:
        self.last_epoch += 1
        idx = bisect_right(self.milestones, self.last_epoch)
        child = self.children[idx]
        if idx > 0 and self.milestones[idx - 1] == self.last_epoch:
            child._update_lr(0)
        else:
            child.step()

    def advance(self, count: int) -> np.ndarray:
        out = np.empty(count)
        lo = self.last_epoch + 1
        hi = lo + count
        t = lo
        for m in [*sorted({m for m in self.milestones if lo <= m < hi}), hi]:
            if m > t:  # steps t .. m-1: one child, stepped
                child = self.children[bisect_right(self.milestones, t)]
                out[t - lo : m - lo] = child.advance(m - t)
                self.last_epoch = m - 1
            if m < hi:  # a milestone
                self.step()
                out[m - lo] = self.group["lr"]
                t = m + 1
        return out

    def restored(self, group: dict[str, Any], values: Mapping[str, Any]) -> TorchScheduler:
        clone = copy.deepcopy(self, {id(self.group): group})
        clone.children = [
            child.restored(group, new.values)
            for child, new in zip(self.children, values["schedulers"], strict=True)
        ]
        return clone


class ChainedScheduler(TorchScheduler):
    """ChainedScheduler(children): no last_epoch of its own; ``last_epoch`` (a resume
    with last_epoch) is given to every child's constructor."""

    def __init__(
        self, group: dict[str, Any], values: Mapping[str, Any], last_epoch: int = -1
    ) -> None:
        _, self.children = _build(values["schedulers"], group, last_epoch)
        self.group, self.values = group, values
        self.base_lr = group["initial_lr"]
        self.last_epoch = self.children[0].last_epoch
        self._step_count = 0
        self._is_initial = False

    def step(self) -> None:
        for child in self.children:
            child.step()
        self.last_epoch += 1

    def advance(self, count: int) -> np.ndarray:
        out = np.empty(count)
        k = len(self.children)
        for lo in range(0, count, _CHUNK):
            hi = min(lo + _CHUNK, count)
            factors = [
                c.factors(c.last_epoch + 1, c.last_epoch + 1 + hi - lo) for c in self.children
            ]
            if any(f is None for f in factors):
                for t in range(lo, hi):
                    self.step()
                    out[t] = self.group["lr"]
                continue
            table = np.stack([f for f in factors if f is not None], axis=1)
            bad = np.flatnonzero(np.isnan(table).any(axis=1)).tolist()
            done = 0
            for stop in [*bad, hi - lo]:
                if stop > done:
                    lrs = chain(self.group["lr"], table[done:stop].ravel())[k::k]
                    out[lo + done : lo + stop] = lrs
                    for child in self.children:
                        child.last_epoch += stop - done
                        child._step_count += stop - done
                    self.last_epoch += stop - done
                    self.group["lr"] = float(lrs[-1])
                if stop < hi - lo:
                    self.step()
                    out[lo + stop] = self.group["lr"]
                done = stop + 1
        return out

    def restored(self, group: dict[str, Any], values: Mapping[str, Any]) -> TorchScheduler:
        clone = copy.deepcopy(self, {id(self.group): group})
        clone.children = [
            child.restored(group, new.values)
            for child, new in zip(self.children, values["schedulers"], strict=True)
        ]
        return clone


def _torch_fails(torch_class: str, err: ArithmeticError) -> LrplotError:
    return LrplotError(
        f"{torch_class} fails here in PyTorch too: a child raises "
        f"{type(err).__name__} ({err}) with these parameters"
    )


def _cycles_momentum(children: tuple[Schedule, ...], base_lr: float) -> bool:
    """True when a child cycles the optimizer's momentum (CyclicLR, OneCycleLR)."""
    return any(
        c.definition.momentum_fn is not None
        and c.definition.momentum_fn(1, base_lr, c.values, None) is not None
        for c in children
    )


def _sequential_momentum(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray | None:
    if not _cycles_momentum(p["schedulers"], base_lr):
        return None
    try:
        return _run_sequential(count, base_lr, p["schedulers"], p["milestones"], momentum=True)
    except ArithmeticError as err:
        raise _torch_fails("SequentialLR", err) from None


# --- what lrplot check needs: the children's stretches, and the milestones rule


def _sequential_spans(values: Mapping[str, Any], n: int) -> list[tuple[Schedule, int, int]]:
    """Child i drives its own steps from milestone i-1 to milestone i (within n)."""
    bounds = [0, *values["milestones"], n]
    return [
        (child, min(bounds[i], n), min(max(bounds[i + 1], bounds[i]), n))
        for i, child in enumerate(values["schedulers"])
    ]


def _sequential_lengths(values: Mapping[str, Any]) -> list[tuple[str, int, Any]]:
    """--against's lengths: each milestone (moving it moves the children's lengths on
    both sides, so the later child still ends where it did), then each child's own
    integer parameters."""
    milestones, kids = list(values["milestones"]), list(values["schedulers"])
    out: list[tuple[str, int, Any]] = []
    for i, m in enumerate(milestones):
        prev = milestones[i - 1] if i else 0
        nxt = milestones[i + 1] if i + 1 < len(milestones) else None

        def moved(w: int, i: int = i, m: int = m, prev: int = prev, nxt: int | None = nxt) -> Any:
            if w <= prev or (nxt is not None and w >= nxt):
                raise LrplotError(f"milestone {w} out of order")
            children = list(kids)
            children[i] = _lengthened(kids[i], m - prev, w - prev)
            if i + 1 < len(kids):
                children[i + 1] = _lengthened(kids[i + 1], None, m - w)
            return {**values, "milestones": (*milestones[:i], w, *milestones[i + 1 :]),
                    "schedulers": children}  # fmt: skip

        what = f"milestones[{i}]" + (" (the first child's length: a warmup's)" if i == 0 else "")
        out.append((what, m, moved))
    for i, child in enumerate(kids):
        for p in child.definition.params:
            value = child.values.get(p.name)
            if p.kind != INT or isinstance(value, bool) or not isinstance(value, int) or value < 1:
                continue

            def rebuilt(new: int, i: int = i, name: str = p.name) -> Any:
                children = list(kids)
                children[i] = _rebuilt(kids[i], {name: new})
                return {**values, "schedulers": children}

            out.append((f"schedulers[{i}].{p.name}", value, rebuilt))
    return out


def _rebuilt(child: Schedule, changes: Mapping[str, Any]) -> Schedule:
    built = child.definition.build({**child.values, **changes})
    return dataclasses.replace(built, warmup=child.warmup, label_given=child.label_given)


def _lengthened(child: Schedule, old: int | None, new_or_delta: int) -> Schedule:
    """``child`` with its run-length parameters that were ``old`` set to ``new_or_delta``
    (``old`` None: each moved by ``new_or_delta``); unchanged when it has none."""
    changes = {}
    for name in child.definition.run_length:
        value = child.values.get(name)
        if isinstance(value, bool) or not isinstance(value, int):
            continue
        if old is None:
            changes[name] = value + new_or_delta
        elif value == old:
            changes[name] = new_or_delta
    return _rebuilt(child, changes) if changes else child


def _chained_spans(values: Mapping[str, Any], n: int) -> list[tuple[Schedule, int, int]]:
    """Every child drives every step."""
    return [(child, 0, n) for child in values["schedulers"]]


def milestones_in_run(part: Part, settings: RunSettings, trace: Trace) -> list[Finding]:
    """SequentialLR milestones at or past the end of the run: later children never run."""
    n, last = part.length, part.total - 1
    milestones = part.values["milestones"]
    late = sorted({m for m in milestones if m >= n})
    if not late:
        return []
    ms = ",".join(str(m) for m in late)
    longer = run_length(settings, part.start + late[-1] + 1)
    kids = part.values["schedulers"]
    idle = [
        f"schedulers[{k}] ({kids[k].name})" for k in range(1, len(kids)) if milestones[k - 1] >= n
    ]
    never = f"{', '.join(idle)} never run{'s' if len(idle) == 1 else ''}"
    drop = f"drop {'it' if len(late) == 1 else 'them'} and {', '.join(idle)}"
    word = "milestone" if len(late) == 1 else "milestones"
    verb = "is" if len(late) == 1 else "are"
    return [
        Finding(
            "milestones",
            f"{part.subject} {word} {ms} {verb} past the run's last step ({last}), so "
            f"{never}: {drop}, or lengthen the run ({longer})",
            "milestones",
        )
    ]


# --- --emit: the constructors' arguments, given the children as a list literal


def _sequential_args(values: Mapping[str, Any], children: str) -> list[str]:
    milestones = "[" + ", ".join(str(m) for m in values["milestones"]) + "]"
    return ["optimizer", f"schedulers={children}", f"milestones={milestones}"]


def _chained_args(values: Mapping[str, Any], children: str) -> list[str]:
    return [children, "optimizer=optimizer"]


COMPOSE_STEPPING = Stepping(
    "Step the SequentialLR/ChainedScheduler itself, never its children, after "
    "optimizer.step(): once per epoch or after every batch, like the children.",
    "    scheduler.step()                # the composite only, never a child",
)


@schedule(
    "sequential",
    "SequentialLR",
    "run child schedules one after another: at each milestone the next one takes over",
    "lr = the LR of child k, which starts at milestone k-1 (at its closed form at step 0)",
    (_schedulers("one after another"), MILESTONES),
    example='--schedule "linear:start_factor=0.1,total_iters=5" --schedule "cosine:t_max=95" '
    "--milestones 5",
    momentum=_sequential_momentum,
    check=_check_sequential,
    explain=Explain(
        COMPOSE_STEPPING,
        (
            "Step the SequentialLR only, never its children; milestones count its steps.",
            "A child starts at its own step 0 at its milestone and its lengths count from "
            "there: a cosine after a 5-step warmup in a 100-step run needs t_max=95.",
            "Build every child on the same optimizer; ReduceLROnPlateau cannot be a child "
            "(PyTorch refuses it).",
        ),
    ),
    lint=(milestones_in_run,),
    spans=_sequential_spans,
    lengths=_sequential_lengths,
    resumer=SequentialLR,
    emit=Emit(compose=_sequential_args),
    known_as={"lightning": "torch.optim.lr_scheduler.SequentialLR"},
)
def _sequential(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    try:
        return _run_sequential(count, base_lr, p["schedulers"], p["milestones"])
    except ArithmeticError as err:
        raise _torch_fails("SequentialLR", err) from None


def _run_sequential(
    count: int,
    base_lr: float,
    children: tuple[Schedule, ...],
    milestones: tuple[int, ...],
    momentum: bool = False,
) -> np.ndarray:
    """The LR after each step; with ``momentum``, the momentum instead (step by step)."""
    group, built = _build(children, base_lr)
    # SequentialLR.__init__: back to initial_lr, undo every child's step, re-run the
    # initial step of the child active at step 0
    group["lr"] = group["initial_lr"]
    for child in built:
        child.last_epoch -= 1
    active = built[bisect_right(milestones, 0)]
    active._initial_step()
    out = np.empty(count)
    key = "momentum" if momentum else "lr"
    out[0] = group[key]

    def steps(lo: int, hi: int) -> None:  # steps lo .. hi-1: active.step()
        if not momentum:
            out[lo:hi] = active.advance(hi - lo)
            return
        for t in range(lo, hi):
            active.step()
            out[t] = group[key]

    t = 1  # the next step to fill
    for m in sorted(set(milestones)):
        if m < 1:
            continue
        if m >= count:
            break
        steps(t, m)
        active = built[bisect_right(milestones, m)]
        active._update_lr(0)  # the milestone: a restart
        out[m] = group[key]
        t = m + 1
    steps(t, count)
    return out


def _chained_momentum(
    count: int, base_lr: float, p: Mapping[str, Any], metric: Any
) -> np.ndarray | None:
    if not _cycles_momentum(p["schedulers"], base_lr):
        return None
    try:
        return _run_chained(count, base_lr, p["schedulers"], momentum=True)
    except ArithmeticError as err:
        raise _torch_fails("ChainedScheduler", err) from None


@schedule(
    "chained",
    "ChainedScheduler",
    "step every child schedule at every step, each acting on the LR the previous one set",
    "lr = each child's own step applied in turn to the current LR (effects compound)",
    (_schedulers("each stepped in turn"),),
    example='--schedule "constant:factor=0.5,total_iters=10" --schedule "exponential:gamma=0.95"',
    momentum=_chained_momentum,
    check=_check_chained,
    explain=Explain(
        COMPOSE_STEPPING,
        (
            "Every child steps at every step and their effects multiply: two decays compound.",
            "Each child's constructor already applies its step 0 (ConstantLR's factor, "
            "LinearLR's start_factor) to the shared LR.",
        ),
    ),
    spans=_chained_spans,
    resumer=ChainedScheduler,
    emit=Emit(compose=_chained_args),
    known_as={"lightning": "torch.optim.lr_scheduler.ChainedScheduler"},
)
def _chained(count: int, base_lr: float, p: Mapping[str, Any], metric: Any) -> np.ndarray:
    try:
        return _run_chained(count, base_lr, p["schedulers"])
    except ArithmeticError as err:
        raise _torch_fails("ChainedScheduler", err) from None


def _run_chained(
    count: int, base_lr: float, children: tuple[Schedule, ...], momentum: bool = False
) -> np.ndarray:
    """The LR after each step; with ``momentum``, the momentum instead (step by step)."""
    group, built = _build(children, base_lr)  # step 0: after every constructor
    out = np.empty(count)
    key = "momentum" if momentum else "lr"
    out[0] = group[key]
    k = len(built)
    for lo in range(1, count, _CHUNK):
        hi = min(lo + _CHUNK, count)
        factors: list[np.ndarray | None] = (
            [None] if momentum else [child.factors(lo, hi) for child in built]
        )
        if any(f is None for f in factors):
            for t in range(lo, hi):
                for child in built:
                    child.step()
                out[t] = group[key]
            continue
        table = np.stack([f for f in factors if f is not None], axis=1)  # row: a step
        bad = np.flatnonzero(np.isnan(table).any(axis=1)).tolist()
        done = 0
        for stop in [*bad, hi - lo]:
            if stop > done:  # steps lo+done .. lo+stop-1: products, in PyTorch's order
                lrs = chain(group["lr"], table[done:stop].ravel())[k::k]
                out[lo + done : lo + stop] = lrs
                for child in built:
                    child.last_epoch += stop - done
                    child._step_count += stop - done
                group["lr"] = float(lrs[-1])
            if stop < hi - lo:  # a step that is not a product for some child
                for child in built:
                    child.step()
                out[lo + stop] = group["lr"]
            done = stop + 1
    return out
