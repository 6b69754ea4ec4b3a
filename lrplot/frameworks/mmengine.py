"""mmengine's ``param_scheduler`` (a config dumped to JSON/YAML; Python configs are not
read) -> lrplot schedules, with mmengine's semantics (mmengine 0.10,
``optim/scheduler/param_scheduler.py``, ``hooks/param_scheduler_hook.py``):

* every scheduler works on the current LR in its chainable form, and only while
  ``begin <= step < end`` (its own step counts from ``begin``); all of them are built
  (and take their step 0) in list order, and after each iteration the per-iteration
  ones step in list order, after each epoch the per-epoch ones;
* ``end`` defaults to the loop's max_epochs (by_epoch) or max_iters;
  ``convert_to_iter_based`` multiplies begin, end, T_max, step_size and milestones by
  the iterations per epoch; LinearLR/ConstantLR/PolyLR last ``end - begin - 1`` steps;
  CosineAnnealingLR's T_max defaults to ``end - begin``.

Each scheduler is the torch scheduler with the same chainable formula (LinearLR,
ConstantLR, CosineAnnealingLR, ExponentialLR, StepLR, MultiStepLR: the same float
operations; PolyLR: PolynomialLR, the same values up to rounding; PolyLR with
eta_min > 0 alone: hf-polynomial). The list becomes:

* one scheduler: itself (followed by a hold, ``multiplicative:expr=1``, when it stops
  before the run ends and keeps changing the LR otherwise);
* all beginning at 0: ``chained`` (torch's ChainedScheduler steps every child on the
  shared LR, in order, as mmengine does; a child must then not need to stop early);
* ranges that do not overlap: ``sequential`` with a milestone at each begin (holds
  fill the gaps). torch's SequentialLR starts each child from the base LR, mmengine
  from the LR the previous ones left: so every scheduler but the last must end where
  it started (LinearLR with end_factor 1, ConstantLR), else it is refused;
* anything else (overlapping ranges that do not all begin at 0, per-epoch LinearLR /
  CosineAnnealingLR / PolyLR under per-iteration ones, OneCycleLR, CosineRestartLR,
  ReduceOnPlateauLR) is refused with the reason.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from ..params import LrplotError
from ..schedules import Schedule, ScheduleDef, known
from .common import (
    BOOL,
    FLOAT,
    INT,
    INT_LIST,
    Config,
    Converted,
    Given,
    build,
    plan_steps,
    settings,
    unknown_message,
)

NAME = "mmengine"
INF = int(1e9)
SIGNS = frozenset({"param_scheduler"})
TYPES: dict[str, dict[str, Any]] = {
    "LinearLR": {"start_factor": 1.0 / 3, "end_factor": 1.0},
    "ConstantLR": {"factor": 1.0 / 3},
    "CosineAnnealingLR": {"T_max": None, "eta_min": None, "eta_min_ratio": None},
    "ExponentialLR": {"gamma": None},
    "StepLR": {"step_size": None, "gamma": 0.1},
    "MultiStepLR": {"milestones": None, "gamma": 0.1},
    "PolyLR": {"eta_min": 0.0, "power": 1.0},
}
UNSUPPORTED = {
    "OneCycleLR": "lrplot has no model of mmengine's OneCycleLR",
    "CosineRestartLR": "lrplot has no model of mmengine's CosineRestartLR",
    "ReduceOnPlateauLR": "lrplot has no model of mmengine's ReduceOnPlateauLR",
}
COMMON = ("type", "by_epoch", "begin", "end", "convert_to_iter_based", "last_step", "verbose")
MAX_MILESTONES = 10_000
HOLD = "MultiplicativeLR"  # with expr=1 it keeps the LR where the last one left it


@dataclass
class Entry:
    """One scheduler on the run's clock: its lrplot schedule and its [begin, end)."""

    key: str
    kind: str
    schedule: Schedule | None  # None: it never changes the LR (dropped)
    begin: int
    end: int  # exclusive; the run's length when the range runs past it
    stops: bool  # True: it keeps changing the LR past `end`, so it must be stopped there
    end_factor: float | None  # the LR it leaves, as a factor of the LR it found (None: varies)
    per_epoch: bool  # stepped after epochs (in a per-iteration run)
    alone: bool = False  # modelled only on its own (PolyLR with eta_min > 0)


def convert(cfg: Config, given: Given) -> Converted:
    notes: list[str] = []
    raw = cfg.raw("param_scheduler")
    if isinstance(raw, Mapping) and "type" not in raw:
        raise cfg.error(
            "param_scheduler", "not supported: schedulers of several optimizers (a dict of lists)"
        )
    items = raw if isinstance(raw, list) else [raw]
    if not items or not all(isinstance(i, Mapping) for i in items):
        raise cfg.error("param_scheduler", "must be a list of tables with 'type'")

    lr = _lr(cfg, given)
    loop = _loop(cfg, given)
    iters = any(
        not Config(cfg.path, dict(i)).value("by_epoch", BOOL, True)
        or Config(cfg.path, dict(i)).value("convert_to_iter_based", BOOL, False)
        for i in items
    )
    per_epoch, how = _iters_per_epoch(cfg, given)
    if how:
        notes.append(how)
    if loop["iter_loop"]:
        length = loop["max_iters"]
        clock = "iter"
        per_epoch = length  # one 'epoch' of max_iters iterations
    elif iters:
        if per_epoch is None:
            raise cfg.error(
                "param_scheduler",
                "per-iteration schedulers need the iterations per epoch (len of the train "
                "dataloader): give --steps-per-epoch, or --dataset-size (and --batch-size)",
            )
        length = loop["max_epochs"] * per_epoch
        clock = "iter"
    else:
        length = loop["max_epochs"]
        clock = "epoch"

    entries = []
    for i, item in enumerate(items):
        key = f"param_scheduler[{i}]" if isinstance(raw, list) else "param_scheduler"
        entry = _entry(cfg, key, dict(item), clock, per_epoch, loop, length, lr, notes)
        if entry is not None:
            entries.append(entry)
    schedule = _compose(cfg, entries, length)
    if clock == "iter" and not loop["iter_loop"]:
        run = settings(cfg, lr, loop["max_epochs"], per_epoch or 1, "step")
    elif clock == "iter":
        run = settings(cfg, lr, 1, length, "step")
    else:
        run = settings(cfg, lr, length, per_epoch or 1, "epoch")
    return Converted(NAME, [schedule], run, notes=notes)


def _lr(cfg: Config, given: Given) -> float:
    if given.lr is not None:
        return given.lr
    wrapper = cfg.table("optim_wrapper", None)
    optimizer = wrapper.table("optimizer", None) if wrapper else cfg.table("optimizer", None)
    if optimizer is None:
        key = "optim_wrapper.optimizer.lr"
        raise cfg.error(key, "missing: the optimizer's lr is needed (or give --lr)")
    return optimizer.value("lr", FLOAT, low=0, low_open=True)


def _loop(cfg: Config, given: Given) -> dict[str, Any]:
    train = cfg.table("train_cfg", None)
    if train is None:
        if given.epochs is None:
            raise cfg.error(
                "train_cfg", "missing: the train loop's max_epochs is needed (or --epochs)"
            )
        return {"iter_loop": False, "max_epochs": given.epochs}
    kind = train.raw("type")
    if kind is None:
        iter_loop = not train.value("by_epoch", BOOL, True)
    elif kind in ("EpochBasedTrainLoop", "IterBasedTrainLoop"):
        iter_loop = kind == "IterBasedTrainLoop"
    else:
        raise train.error(
            "type",
            unknown_message(str(kind), ["EpochBasedTrainLoop", "IterBasedTrainLoop"], "loop"),
        )
    if iter_loop:
        if given.epochs is not None:
            raise cfg.fail("--epochs does not apply to an IterBasedTrainLoop (max_iters)")
        return {"iter_loop": True, "max_iters": train.value("max_iters", INT, low=1)}
    epochs = given.epochs if given.epochs is not None else train.value("max_epochs", INT, low=1)
    return {"iter_loop": False, "max_epochs": epochs}


def _iters_per_epoch(cfg: Config, given: Given) -> tuple[int | None, str | None]:
    if given.steps_per_epoch is not None:
        return given.steps_per_epoch, None
    loader = cfg.table("train_dataloader", None)
    batch = loader.value("batch_size", INT, None, low=1) if loader else None
    try:
        return plan_steps(given, {"batch_size": batch})
    except LrplotError as err:
        raise cfg.fail(str(err)) from None


def _entry(
    cfg: Config,
    key: str,
    item: dict[str, Any],
    clock: str,
    per_epoch: int | None,
    loop: dict[str, Any],
    length: int,
    lr: float,
    notes: list[str],
) -> Entry | None:
    node = Config(cfg.path, {str(k): v for k, v in item.items()}, f"{key}.")
    kind = node.value("type", "text")
    kind = kind.rsplit(".", 1)[-1]  # a registry scope: mmpretrain.CosineAnnealingLR
    if kind.endswith("Momentum"):
        notes.append(f"{key}: {kind} schedules momentum, not the LR: left out")
        return None
    if kind in UNSUPPORTED:
        raise node.error("type", f"{kind!r} is not supported: {UNSUPPORTED[kind]}")
    if kind not in TYPES:
        raise node.error("type", unknown_message(kind, [*TYPES, *UNSUPPORTED], "scheduler type"))
    own = TYPES[kind]
    for name in node.data:
        if name not in own and name not in COMMON and name != "_scope_":
            raise node.error(
                name, f"{kind} takes no argument {name!r} (it takes: {', '.join(own)})"
            )
    if node.value("last_step", INT, -1) != -1:
        raise node.error("last_step", "not supported: a resumed scheduler (not -1)")

    by_epoch = node.value("by_epoch", BOOL, True)
    convert_ = node.value("convert_to_iter_based", BOOL, False)
    if convert_ and not by_epoch:
        raise node.error(
            "convert_to_iter_based",
            "only a by_epoch scheduler can be converted (mmengine asserts it)",
        )
    if loop["iter_loop"] and by_epoch:
        raise node.error(
            "by_epoch",
            "not supported: a per-epoch scheduler in an IterBasedTrainLoop (set by_epoch=False)",
        )
    begin = node.value("begin", INT, 0, low=0)
    default_end = (
        loop["max_epochs"]
        if by_epoch
        else (loop["max_iters"] if loop["iter_loop"] else loop["max_epochs"] * (per_epoch or 0))
    )
    end = node.value("end", INT, default_end, low=1)
    if end <= begin:
        raise node.error("end", f"must be larger than begin ({begin}), as mmengine requires")
    scale = 1
    epoch_stepped = False
    if clock == "iter" and by_epoch:
        assert per_epoch is not None
        scale = per_epoch
        epoch_stepped = not convert_
        begin, end = int(begin * scale), (int(end * scale) if end != INF else INF)
    span = end - begin  # steps in its range, on the run's clock
    stop = min(end, length)  # where it stops acting within the run
    in_run = stop - begin  # steps it is active within the run (may be <= 0)
    if in_run <= 0:
        notes.append(f"{key}: {kind} begins at {begin}, after the run: left out")
        return None

    def arg(name: str, kind_: str, **bounds: Any) -> Any:
        return node.value(name, kind_, own[name], **bounds)

    entry = Entry(key, kind, None, begin, stop, False, 1.0, epoch_stepped)
    if kind == "LinearLR":
        if epoch_stepped:
            raise _staircase(node, kind)
        start_f = arg("start_factor", FLOAT, low=0, high=1)
        end_f = arg("end_factor", FLOAT, low=0, high=1)
        total = span - 1
        if total < 1:
            raise node.error("end", "not supported: a LinearLR one step long (end = begin + 1)")
        values = {"start_factor": start_f, "end_factor": end_f, "total_iters": total}
        entry.schedule = build(_known("LinearLR"), values, node, "type")
        entry.end_factor = end_f if in_run >= span else None
    elif kind == "ConstantLR":
        factor = arg("factor", FLOAT, low=0, high=1)
        total = (end // scale - begin // scale - 1) * scale if epoch_stepped else span - 1
        if total < 1:
            raise node.error("end", "not supported: a ConstantLR one step long (end = begin + 1)")
        if factor == 0:
            raise node.error("factor", "not supported: factor 0 (mmengine then divides by 0)")
        entry.schedule = build(
            _known("ConstantLR"), {"factor": factor, "total_iters": total}, node, "type"
        )
        entry.end_factor = 1.0 if in_run >= span else None
    elif kind == "CosineAnnealingLR":
        if epoch_stepped:
            raise _staircase(node, kind)
        t_max = node.value("T_max", INT, None, low=0)
        if t_max:
            t_max *= scale
        else:
            t_max = span
        eta_min = node.value("eta_min", FLOAT, None, low=0)
        ratio = node.value("eta_min_ratio", FLOAT, None, low=0)
        if eta_min is not None and ratio is not None:
            raise node.error(
                "eta_min_ratio", "conflicts with eta_min: give one of them (mmengine asserts it)"
            )
        if ratio is not None:
            eta_min = lr * ratio  # mmengine: base_value * eta_min_ratio
        values = {"t_max": t_max, "eta_min": eta_min or 0.0}
        entry.schedule = build(_known("CosineAnnealingLR"), values, node, "type")
        entry.stops = stop < length
        entry.end_factor = None
    elif kind == "ExponentialLR":
        gamma = node.value("gamma", FLOAT, low=0, low_open=True)
        step = scale if epoch_stepped else 1
        entry.schedule = _decays(node, "ExponentialLR", step, gamma, in_run, stop < length)
        entry.end_factor = _power(gamma, (in_run - 1) // step)
    elif kind == "StepLR":
        size = node.value("step_size", INT, low=1)
        step = size * scale
        gamma = arg("gamma", FLOAT, low=0)
        entry.schedule = _decays(node, "StepLR", step, gamma, in_run, stop < length)
        entry.end_factor = _power(gamma, (in_run - 1) // step)
    elif kind == "MultiStepLR":
        milestones = node.value("milestones", INT_LIST, min_items=0)
        gamma = arg("gamma", FLOAT, low=0)
        kept = [m * scale for m in milestones if m * scale < in_run]
        if not kept:
            notes.append(f"{key}: MultiStepLR has no milestone inside the run: left out")
            return None
        entry.schedule = build(
            _known("MultiStepLR"), {"milestones": kept, "gamma": gamma}, node, "type"
        )
        entry.end_factor = _power(gamma, len(kept))
    else:  # PolyLR
        if epoch_stepped:
            raise _staircase(node, kind)
        eta_min = arg("eta_min", FLOAT, low=0)
        power = arg("power", FLOAT, low=0)
        total = span - 1
        if total < 1:
            raise node.error("end", "not supported: a PolyLR one step long (end = begin + 1)")
        if eta_min == 0:
            values = {"total_iters": total, "power": power}
            entry.schedule = build(_known("PolyLR"), values, node, "type")
        else:
            values = {"num_training_steps": total, "lr_end": eta_min, "power": power}
            entry.schedule = build(_hf_polynomial(), values, node, "type")
            entry.alone = True
        entry.end_factor = None if eta_min or in_run < span else 0.0
    return entry


def _power(gamma: float, times: int) -> float:
    """gamma ** times, inf where Python's float power overflows."""
    try:
        return gamma**times
    except OverflowError:
        return math.inf


def _staircase(node: Config, kind: str) -> Exception:
    return node.error(
        "by_epoch",
        f"not supported: a per-epoch {kind} in a run of per-iteration schedulers (its LR "
        "changes once an epoch: a staircase lrplot does not model); set "
        "convert_to_iter_based=True, or make them all per-epoch",
    )


def _decays(node: Config, name: str, every: int, gamma: float, steps: int, stops: bool) -> Schedule:
    """StepLR/ExponentialLR (decay every `every` steps) over `steps` steps: itself when it
    runs to the end of the run, else the same decays as a MultiStepLR."""
    if name == "ExponentialLR" and every == 1 and not stops:
        return build("ExponentialLR", {"gamma": gamma}, node, "type")
    if not stops:
        return build("StepLR", {"step_size": every, "gamma": gamma}, node, "type")
    milestones = list(range(every, steps, every))
    if len(milestones) > MAX_MILESTONES:
        raise node.error("end", "not supported: too many decays before its end")
    if not milestones:
        return build("ConstantLR", {"factor": 1.0}, node, "type")
    return build("MultiStepLR", {"milestones": milestones, "gamma": gamma}, node, "type")


def _known(kind: str) -> ScheduleDef:
    """The lrplot schedule whose declaration says mmengine calls it ``kind``."""
    found = known("mmengine", kind)
    assert found is not None, f"lrplot declares mmengine's {kind}"
    return found


def _hf_polynomial() -> ScheduleDef:
    """transformers' polynomial decay (to lr_end > 0), which PolyLR with eta_min is."""
    found = known("hf", "polynomial")
    assert found is not None, "lrplot declares transformers' polynomial schedule"
    return found


def _hold(cfg: Config) -> Schedule:
    return build(HOLD, {"expr": "1"}, cfg, "param_scheduler")


def _compose(cfg: Config, entries: list[Entry], length: int) -> Schedule:
    if not entries:
        return build("ConstantLR", {"factor": 1.0}, cfg, "param_scheduler")
    key = "param_scheduler"
    lone = [e for e in entries if e.alone]
    if lone and (len(entries) > 1 or entries[0].begin > 0):
        raise cfg.error(
            lone[0].key,
            "not supported: PolyLR with eta_min > 0 together with other schedulers or a "
            "begin > 0 (lrplot models it only on its own)",
        )
    if len(entries) > 1 and all(e.begin == 0 for e in entries):
        for e in entries:
            if e.stops:
                raise cfg.error(
                    e.key,
                    f"not supported: {e.kind} stops at {e.end} while the others go on (in "
                    "lrplot's chained every child runs to the end)",
                )
        if any(e.per_epoch for e in entries) and not all(e.per_epoch for e in entries):
            # mmengine steps the per-iteration schedulers first, then the per-epoch ones
            entries = sorted(entries, key=lambda e: e.per_epoch)
        return build("ChainedScheduler", {"schedulers": [e.schedule for e in entries]}, cfg, key)

    ordered = sorted(entries, key=lambda e: e.begin)
    for a, b in pairwise(ordered):
        if b.begin < a.end:
            raise cfg.error(
                b.key,
                f"not supported: its range [{b.begin}, {b.end}) overlaps {a.key}'s "
                f"[{a.begin}, {a.end}), and they do not all begin at 0",
            )
    children: list[Schedule] = []
    milestones: list[int] = []
    factor: float | None = 1.0  # the LR the schedulers so far leave, as a factor of lr
    previous: Entry | None = None
    for e in ordered:
        if previous is None and e.begin > 0:
            children.append(_hold(cfg))  # lr itself until the first one begins
        elif previous is not None and previous.stops and e.begin > previous.end:
            milestones.append(previous.end)
            children.append(_hold(cfg))  # keep the LR where the previous one stopped
        if children:
            milestones.append(e.begin)
            if factor is None or abs(factor - 1.0) > 1e-12:
                left = "a factor that varies" if factor is None else f"{factor:g} x lr"
                raise cfg.error(
                    e.key,
                    f"not supported: mmengine's {e.kind} at step {e.begin} continues from the "
                    f"LR the schedulers before it left ({left}); lrplot's sequential (torch's "
                    "SequentialLR) starts it from lr itself",
                )
        children.append(e.schedule)  # type: ignore[arg-type]
        factor = None if factor is None or e.end_factor is None else factor * e.end_factor
        previous = e
    if previous is not None and previous.stops and previous.end < length:
        milestones.append(previous.end)
        children.append(_hold(cfg))
    if len(children) == 1:
        return children[0]
    return build("SequentialLR", {"schedulers": children, "milestones": milestones}, cfg, key)


__all__ = ["NAME", "SIGNS", "convert"]
