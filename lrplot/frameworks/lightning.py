"""Lightning: an ``lr_scheduler`` config, as ``configure_optimizers`` returns it or as
a LightningCLI YAML holds it, -> the lrplot schedule of its torch class.

Accepted shapes (YAML or JSON)::

    lr_scheduler:                       # configure_optimizers' dict
      scheduler: {class_path: torch.optim.lr_scheduler.StepLR, init_args: {step_size: 30}}
      interval: epoch                   # or step
      frequency: 1
    lr_scheduler: {class_path: ..., init_args: ...}   # LightningCLI: interval epoch
    optimizer: {class_path: torch.optim.SGD, init_args: {lr: 0.1}}
    trainer: {max_epochs: 90, max_steps: -1, accumulate_grad_batches: 1}

A list of schedulers on the one optimizer is stepped in order each time: lrplot's
``chained``. How Lightning steps them (lightning 2.6,
``_TrainingEpochLoop._update_learning_rates``): after each epoch, or after each
optimizer step, when ``(index + 1) % frequency == 0``, where index is the epoch, or
the batch index *within the epoch*. A frequency above 1 steps the scheduler every
``frequency`` epochs/steps; that is modelled exactly where it is a torch schedule
again (StepLR, MultiStepLR, ExponentialLR, ConstantLR with their step counts times
the frequency) and refused otherwise (the LR would be a staircase).

Class paths are names: the ones lrplot's declarations give (``known_as["lightning"]``:
torch.optim.lr_scheduler's classes, also as ``lightning.pytorch.cli.X`` or just ``X``,
and ``torch.optim.swa_utils.SWALR``) are known; nothing is imported. What a class
needs besides its arguments (OneCycleLR's epochs x steps_per_epoch, a frequency above
1) is its declaration's to say (``from_torch``, ``every``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..engine import MAX_STEPS
from ..params import LrplotError, ParamError
from ..schedules import Schedule, ScheduleDef, known_names
from .common import FLOAT, INT, TEXT, Config, Converted, Given, build, plan_steps, settings

NAME = "Lightning"
MODULES = (
    "torch.optim.lr_scheduler.",
    "lightning.pytorch.cli.",
    "pytorch_lightning.cli.",
    "lightning.cli.",
)
CONFIG_KEYS = (
    "scheduler",
    "interval",
    "frequency",
    "monitor",
    "strict",
    "name",
    "reduce_on_plateau",
)
SIGNS = frozenset({"lr_scheduler"})
_CODE = "is Python code; lrplot reads configs as data and never runs code"


def convert(cfg: Config, given: Given) -> Converted:
    notes: list[str] = []
    raw = cfg.raw("lr_scheduler")
    if raw is None:
        raise cfg.error("lr_scheduler", "missing: the scheduler config is needed")
    items = raw if isinstance(raw, list) else [raw]
    if not items:
        raise cfg.error("lr_scheduler", "is an empty list")
    trainer = cfg.table("trainer", None)
    accum = trainer.value("accumulate_grad_batches", INT, 1, low=1) if trainer else 1

    entries = []
    for i, item in enumerate(items):
        key = "lr_scheduler" if not isinstance(raw, list) else f"lr_scheduler[{i}]"
        entries.append(_entry(cfg, key, item))
    intervals = {e[1] for e in entries}
    if len(intervals) > 1:
        raise cfg.error("lr_scheduler", "not supported: schedulers with different intervals")
    interval = intervals.pop()

    per_epoch, how = _steps_per_epoch(cfg, given, accum)
    if how:
        notes.append(how)
    if interval == "step" and per_epoch is None:
        raise cfg.error(
            "lr_scheduler.interval",
            "interval step needs the optimizer steps per epoch: give --steps-per-epoch, or "
            "--dataset-size with --batch-size",
        )
    schedules = []
    for where, _, frequency, schedule in entries:
        if frequency > 1:
            schedule = _every(cfg, where, schedule, frequency, interval, per_epoch, accum)
        schedules.append(schedule)
    schedule = (
        schedules[0]
        if len(schedules) == 1
        else build("ChainedScheduler", {"schedulers": schedules}, cfg, "lr_scheduler")
    )

    epochs, steps = _length(cfg, trainer, given, per_epoch, notes)
    lr = _lr(cfg, given, schedule)
    run = settings(cfg, lr, epochs, steps, interval)
    return Converted(NAME, [schedule], run, notes=notes)


def _entry(cfg: Config, key: str, item: Any) -> tuple[str, str, int, Schedule]:
    """(key, interval, frequency, schedule) of one lr_scheduler item."""
    if not isinstance(item, Mapping):
        raise cfg.error(key, "must be a table: {scheduler: {class_path, init_args}, interval, ...}")
    item = {str(k): v for k, v in item.items()}
    if "class_path" in item:  # LightningCLI: the scheduler itself, interval epoch
        return key, "epoch", 1, _scheduler(cfg, key, item)
    entry = Config(cfg.path, item, f"{key}.")
    entry.typos(CONFIG_KEYS, CONFIG_KEYS)
    if "scheduler" not in entry:
        raise cfg.error(f"{key}.scheduler", "missing: Lightning needs the scheduler")
    interval = entry.choice("interval", ("epoch", "step"), "epoch")
    frequency = entry.value("frequency", INT, 1, low=1, high=MAX_STEPS)
    sched = entry.raw("scheduler")
    if not isinstance(sched, Mapping) or "class_path" not in sched:
        raise cfg.error(f"{key}.scheduler", "must be a table with class_path and init_args")
    return key, interval, frequency, _scheduler(cfg, f"{key}.scheduler", dict(sched))


def _scheduler(cfg: Config, key: str, item: Mapping[str, Any]) -> Schedule:
    """A {class_path, init_args} table -> the lrplot schedule of that torch class."""
    item = {str(k): v for k, v in item.items()}
    node = Config(cfg.path, item, f"{key}.")
    node.typos(("class_path", "init_args", "dict_kwargs"), ("class_path", "init_args"))
    path = node.value("class_path", TEXT)
    definition = _class(node, path)
    name = definition.torch_class
    args = node.table("init_args", None)
    given: dict[str, Any] = {}
    data = dict(args.data) if args else {}
    for arg in ("lr_lambda", "scale_fn"):
        if arg in data:
            raise node.error(f"init_args.{arg}", _CODE)
    data.pop("optimizer", None)  # LightningCLI links the optimizer in
    data.pop("verbose", None)
    data.pop("monitor", None)  # lightning.pytorch.cli.ReduceLROnPlateau's metric name
    if data.get("last_epoch", -1) != -1:
        raise node.error("init_args.last_epoch", "not supported: a resumed scheduler (not -1)")
    data.pop("last_epoch", None)
    if definition.from_torch is not None:  # torch arguments lrplot reads another way
        try:
            data = definition.from_torch(data)
        except ParamError as err:
            raise node.error(f"init_args.{err.name}", err.bare) from None
    children = definition.children
    if children is not None:
        kids = data.pop(children.name, None)
        if not isinstance(kids, list):
            raise node.error(
                f"init_args.{children.name}", "must be a list of {class_path, init_args}"
            )
        given[children.name] = [
            _scheduler(cfg, f"{key}.init_args.{children.name}[{i}]", c)
            if isinstance(c, Mapping)
            else _not_table(node, f"init_args.{children.name}[{i}]")
            for i, c in enumerate(kids)
        ]
    by_torch = {p.torch_name: p.name for p in definition.params}
    by_torch.update({p.name: p.name for p in definition.params})
    for arg, value in data.items():
        if arg not in by_torch:
            known = ", ".join(p.torch_name for p in definition.params)
            raise node.error(
                f"init_args.{arg}", f"{name} takes no argument {arg!r} (it takes: {known})"
            )
        given[by_torch[arg]] = value
    return build(definition, given, node, "init_args" if data else "class_path")


def _not_table(node: Config, key: str) -> Schedule:
    raise node.error(key, "must be a table with class_path and init_args")


def classes() -> dict[str, ScheduleDef]:
    """The class paths lrplot reads: every declaration's known_as["lightning"]."""
    return known_names("lightning")


def _class(node: Config, path: str) -> ScheduleDef:
    """The schedule of a class path: a declared one (``torch.optim.swa_utils.SWALR``),
    or a torch.optim.lr_scheduler class as Lightning also names it (``lightning.pytorch
    .cli.StepLR``) or bare (``StepLR``)."""
    known = classes()
    name = path.strip()
    if name in known:
        return known[name]
    for module in MODULES:
        if name.startswith(module):
            name = name[len(module) :]
            break
    bare = {p.rpartition(".")[2]: d for p, d in known.items()}
    if name in bare:
        return bare[name]
    if "." in name or "(" in name or not name.isidentifier():
        raise node.error(
            "class_path",
            f"not supported: {path!r} is not a torch.optim.lr_scheduler class nor another "
            "scheduler lrplot knows (lrplot reads configs as data: it never imports a class)",
        )
    from .common import unknown_message

    raise node.error("class_path", unknown_message(name, list(bare), "scheduler class"))


def _every(
    cfg: Config,
    key: str,
    schedule: Schedule,
    frequency: int,
    interval: str,
    per_epoch: int | None,
    accum: int,
) -> Schedule:
    """The schedule stepped every ``frequency`` epochs/steps, as one stepped every time."""
    where = f"{key}.frequency"
    if interval == "step":
        if accum > 1:
            raise cfg.error(
                where,
                "not supported with accumulate_grad_batches > 1 (Lightning counts batches, "
                "not optimizer steps, for the frequency)",
            )
        assert per_epoch is not None
        if per_epoch % frequency:
            raise cfg.error(
                where,
                f"not supported: {per_epoch} steps per epoch are not a multiple of {frequency} "
                "(Lightning restarts the count every epoch)",
            )
    d = schedule.definition
    stepped = d.every(schedule.values, frequency) if d.every is not None else None
    if stepped is None:
        able = [c.torch_class for c in classes().values() if c.every is not None]
        listed = ", ".join(able[:-1]) + f" and {able[-1]}" if len(able) > 1 else "".join(able)
        raise cfg.error(
            where,
            f"not supported: {d.torch_class} stepped every {frequency} "
            f"{interval}s is a staircase lrplot does not model (frequency 1 is; so are "
            f"{listed} at any frequency)",
        )
    if isinstance(stepped, tuple):  # another schedule: (its declaration, its values)
        return build(stepped[0], stepped[1], cfg, where)
    return build(d, stepped, cfg, where)


def _steps_per_epoch(cfg: Config, given: Given, accum: int) -> tuple[int | None, str | None]:
    if given.steps_per_epoch is not None:
        return given.steps_per_epoch, None
    try:
        return plan_steps(given, {"grad_accum": accum})
    except LrplotError as err:
        raise cfg.fail(str(err)) from None


def _length(
    cfg: Config, trainer: Config | None, given: Given, per_epoch: int | None, notes: list[str]
) -> tuple[int, int]:
    """(epochs, steps per epoch) the Trainer runs: max_epochs (Lightning's default 1000
    when neither it nor max_steps is set), cut at max_steps optimizer steps."""
    max_epochs = trainer.value("max_epochs", INT, None, low=-1) if trainer else None
    max_steps = trainer.value("max_steps", INT, -1, low=-1) if trainer else -1
    if given.epochs is not None:
        max_epochs = given.epochs
    if max_epochs == -1:
        max_epochs = None
    if max_epochs is None and max_steps == -1:
        if trainer is None or "max_epochs" not in trainer:
            notes.append("trainer.max_epochs not given: Lightning's default, 1000 epochs")
            max_epochs = 1000
        else:
            raise cfg.error("trainer.max_epochs", "-1 (endless) is not a run lrplot can show")
    steps = per_epoch or 1
    if max_steps > 0:
        if per_epoch is None:
            raise cfg.error(
                "trainer.max_steps",
                "needs the optimizer steps per epoch: give --steps-per-epoch, or "
                "--dataset-size with --batch-size",
            )
        total = max_steps if max_epochs is None else min(max_steps, max_epochs * per_epoch)
        if total % per_epoch:
            raise cfg.error(
                "trainer.max_steps",
                f"not supported: {max_steps} steps end inside an epoch of {per_epoch} steps",
            )
        return total // per_epoch, steps
    assert max_epochs is not None
    if max_epochs < 1:
        raise cfg.error("trainer.max_epochs", "must be at least 1")
    return max_epochs, steps


def _lr(cfg: Config, given: Given, schedule: Schedule) -> float:
    if given.lr is not None:
        return given.lr
    optimizer = cfg.table("optimizer", None)
    lr = None
    if optimizer is not None:
        args = optimizer.table("init_args", None)
        lr = (args or optimizer).value("lr", FLOAT, None, low=0, low_open=True)
    if lr is None:
        children = schedule.values.get("schedulers", ())
        sets_lr = schedule.definition.sets_lr
        if sets_lr or (children and all(c.definition.sets_lr for c in children)):
            return 0.1  # not used: the schedule sets the LR itself
        raise cfg.error(
            "optimizer.init_args.lr",
            "missing: the optimizer's lr is needed (or give --lr)",
        )
    return lr


__all__ = ["NAME", "SIGNS", "convert"]
