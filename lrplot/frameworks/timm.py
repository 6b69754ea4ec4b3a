"""timm's training config (``train.py --config x.yaml``, or the ``args.yaml`` it saves)
-> lrplot schedules, as ``timm.scheduler.scheduler_kwargs`` and ``create_scheduler_v2``
(timm 1.0.31) build them and ``train.py`` steps them.

* Keys a config leaves out take train.py's argparse defaults (below), as
  ``train.py --config`` does (the YAML only replaces the parser's defaults).
* ``lr`` absent or 0: train.py's ``lr = lr_base * global_batch / lr_base_size``
  (square root of the ratio for optimizers named ``*ada*``/``*lamb*``, or with
  ``lr_base_scale: sqrt``), global batch = batch_size x devices x grad_accum_steps.
* ``sched_on_updates``: every length is multiplied by the optimizer updates per epoch,
  ``(len(loader) + grad_accum_steps - 1) // grad_accum_steps`` with train.py's
  loader (``drop_last`` for training): a dataset size is needed (``dataset_size`` in
  the config, or ``--dataset-size``), or ``--steps-per-epoch``.
* The run lasts as long as train.py trains: ``num_epochs`` from create_scheduler_v2
  (cycles and cooldown for cosine/tanh/poly, plus the warmup with warmup_prefix).

cosine and tanh are lrplot's timm-cosine/timm-tanh (timm's own code). step,
multistep, constant, poly and plateau become the torch schedules they equal, with
lrplot's warmup (timm's linear warmup from ``warmup_lr``; ``warmup_prefix`` false is
lrplot's overlap mode): the same LRs up to float rounding (timm computes
``lr * decay_rate ** k``, torch multiplies step by step), except where said.
"""

from __future__ import annotations

import math
from typing import Any

from ..engine import MAX_STEPS
from ..params import LrplotError
from ..schedules import ScheduleDef, known
from .common import (
    BOOL,
    FLOAT,
    INT,
    INT_LIST,
    TEXT,
    Config,
    Converted,
    Given,
    build,
    plan_steps,
    settings,
)

NAME = "timm train.py"

# train.py's argparse defaults (timm 1.0.x) for the keys lrplot reads
DEFAULTS: dict[str, Any] = {
    "sched": "cosine",
    "sched_on_updates": False,
    "lr": None,
    "lr_base": 0.1,
    "lr_base_size": 256,
    "lr_base_scale": "",
    "lr_noise": None,
    "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5,
    "lr_cycle_limit": 1,
    "lr_k_decay": 1.0,
    "warmup_lr": 1e-5,
    "min_lr": 0.0,
    "epochs": 300,
    "decay_milestones": [90, 180, 270],
    "decay_epochs": 90.0,
    "warmup_epochs": 5,
    "warmup_prefix": False,
    "cooldown_epochs": 0,
    "patience_epochs": 10,
    "decay_rate": 0.1,
    "batch_size": 128,
    "grad_accum_steps": 1,
    "opt": "sgd",
    "eval_metric": "top1",
    "start_epoch": None,
}
SCHEDS = ("cosine", "tanh", "step", "multistep", "constant", "none", "poly", "plateau")
UNSUPPORTED = {
    "wsd": "lrplot has no model of timm's WSDLRScheduler",
    "rsqrt": "lrplot has no model of timm's WSDLRScheduler (rsqrt)",
}
# timm's own words a config compares against (some equal lrplot names: they are timm's)
WORDS = frozenset({*SCHEDS, *UNSUPPORTED, "linear", "sqrt"})  # sched, lr_base_scale
SIGNS = frozenset(
    {
        "sched",
        "sched_on_updates",
        "warmup_epochs",
        "cooldown_epochs",
        "lr_cycle_limit",
        "lr_cycle_mul",
        "lr_cycle_decay",
        "lr_k_decay",
        "decay_epochs",
        "decay_milestones",
        "lr_base",
    }
)
MAX_MILESTONES = 10_000
LAYER_DECAY_EXTRAS = ("layer_decay_min_scale", "layer_decay_no_opt_scale")


def convert(cfg: Config, given: Given) -> Converted:
    notes: list[str] = []
    cfg.typos(
        [
            *DEFAULTS,
            "t_in_epochs",
            "dataset_size",
            "lr_noise_pct",
            "lr_noise_std",
            "layer_decay",
            *LAYER_DECAY_EXTRAS,
        ],
        [*DEFAULTS, "t_in_epochs", "dataset_size", "layer_decay"],
    )
    sched = cfg.choice("sched", [*SCHEDS, *UNSUPPORTED], DEFAULTS["sched"])
    if sched in UNSUPPORTED:
        raise cfg.error("sched", f"{sched!r} is not supported: {UNSUPPORTED[sched]}")
    if cfg.raw("lr_noise") not in (None, [], 0):
        raise cfg.error("lr_noise", "not supported: lrplot does not model timm's LR noise")
    start = cfg.value("start_epoch", INT, None, low=0)
    if start:
        raise cfg.error("start_epoch", "not supported: lrplot shows a run from its start")

    on_updates = _on_updates(cfg)
    epochs = cfg.value("epochs", INT, DEFAULTS["epochs"], low=1, high=MAX_STEPS)
    if given.epochs is not None:
        epochs = given.epochs
    warmup_epochs = cfg.value(
        "warmup_epochs", INT, DEFAULTS["warmup_epochs"], low=0, high=MAX_STEPS
    )
    cooldown_epochs = cfg.value(
        "cooldown_epochs", INT, DEFAULTS["cooldown_epochs"], low=0, high=MAX_STEPS
    )
    warmup_prefix = cfg.value("warmup_prefix", BOOL, False)
    warmup_lr = cfg.value("warmup_lr", FLOAT, DEFAULTS["warmup_lr"], low=0)
    min_lr = cfg.value("min_lr", FLOAT, DEFAULTS["min_lr"], low=0)
    decay_rate = cfg.value("decay_rate", FLOAT, DEFAULTS["decay_rate"], low=0)
    lr = _lr(cfg, given, notes)

    per_epoch, how = _updates_per_epoch(cfg, given)
    if on_updates and per_epoch is None:
        raise cfg.error(
            "sched_on_updates",
            "stepping per update needs the updates per epoch: give dataset_size in the "
            "config or --dataset-size (with batch_size), or --steps-per-epoch",
        )
    if how:
        notes.append(how)
    scale = per_epoch if on_updates and per_epoch is not None else 1
    t_initial = epochs * scale
    warmup_t = warmup_epochs * scale
    cooldown_t = cooldown_epochs * scale

    if sched in ("cosine", "tanh", "poly"):
        cycle_mul = cfg.value("lr_cycle_mul", FLOAT, 1.0, low=0, low_open=True)
        cycle_decay = cfg.value("lr_cycle_decay", FLOAT, DEFAULTS["lr_cycle_decay"], low=0)
        cycle_limit = cfg.value("lr_cycle_limit", INT, 1, low=0)
        k_decay = cfg.value("lr_k_decay", FLOAT, 1.0, low=0, low_open=True)
        try:
            length = _cycle_length(t_initial, cycle_mul, cycle_limit, warmup_t, warmup_prefix)
        except OverflowError:
            raise cfg.error(
                "lr_cycle_limit", "the cycles add up to more steps than a float holds"
            ) from None
        total = length + cooldown_t
        num_epochs = total if not on_updates else total // per_epoch
        if sched == "poly":
            schedule = _poly(cfg, t_initial, decay_rate, min_lr, k_decay, cycle_limit)
            schedule = _with_warmup(cfg, schedule, warmup_t, warmup_lr, lr, warmup_prefix)
        else:
            values: dict[str, Any] = {
                "t_initial": t_initial,
                "lr_min": min_lr,
                "cycle_mul": cycle_mul,
                # with one cycle the decay never applies: left at lrplot's default
                "cycle_decay": cycle_decay if cycle_limit > 1 else 1.0,
                "cycle_limit": cycle_limit,
                "warmup_t": warmup_t,
                "warmup_lr_init": warmup_lr,
                "warmup_prefix": warmup_prefix,
            }
            if sched == "cosine":
                values["k_decay"] = k_decay
            elif k_decay != 1.0:
                notes.append("lr_k_decay ignored: timm's tanh schedule has no k-decay")
            schedule = build(_cycles(sched), values, cfg, "sched")
    else:
        num_epochs = epochs + (warmup_epochs if warmup_prefix else 0)
        total = num_epochs * scale
        if sched == "plateau":
            if on_updates:
                raise cfg.error("sched_on_updates", "timm's plateau scheduler steps per epoch only")
            schedule = _plateau(cfg, decay_rate, min_lr)
            schedule = _with_warmup(cfg, schedule, warmup_t, warmup_lr, lr, True)
        else:
            if sched == "step":
                schedule = _step(cfg, scale, decay_rate, total, warmup_t, warmup_prefix)
            elif sched == "multistep":
                schedule = _multistep(cfg, scale, decay_rate)
            else:
                schedule = build("ConstantLR", {"factor": 1.0}, cfg, "sched")
            if sched != "none":
                schedule = _with_warmup(cfg, schedule, warmup_t, warmup_lr, lr, warmup_prefix)
    if num_epochs < 1:
        raise cfg.error("epochs", "the run would have no epoch")
    if cooldown_epochs and sched not in ("cosine", "tanh", "poly"):
        notes.append("cooldown_epochs ignored: timm adds a cooldown to cycle schedules only")
    if on_updates and total % per_epoch:
        notes.append(
            f"timm trains {num_epochs} epochs = {num_epochs * per_epoch} updates "
            f"(the schedule's {total} updates, rounded down to whole epochs)"
        )
    run = settings(cfg, lr, num_epochs, per_epoch or 1, "step" if on_updates else "epoch")
    layer_decay = cfg.value("layer_decay", FLOAT, None, low=0, low_open=True, high=1)
    for key in LAYER_DECAY_EXTRAS:  # timm's defaults are lrplot's: no clamp, every layer
        if cfg.raw(key) not in (None, 0, 0.0):
            raise cfg.error(key, "not supported: lrplot's layer decay has timm's defaults")
    return Converted(NAME, [schedule], run, notes=notes, layer_decay=layer_decay)


def _cycles(sched: str) -> ScheduleDef:
    """lrplot's model of timm's own cycle scheduler (cosine, tanh): known_as["timm"]."""
    found = known("timm", sched)
    assert found is not None, f"lrplot declares timm's {sched} scheduler"
    return found


def _on_updates(cfg: Config) -> bool:
    on_updates = cfg.value("sched_on_updates", BOOL, False)
    if "t_in_epochs" in cfg:
        t_in_epochs = cfg.value("t_in_epochs", BOOL)
        if "sched_on_updates" in cfg and t_in_epochs == on_updates:
            raise cfg.error(
                "t_in_epochs",
                f"conflicts with sched_on_updates: {str(on_updates).lower()} (timm: "
                "t_in_epochs = not "
                "sched_on_updates); give one of them",
            )
        on_updates = not t_in_epochs
    return on_updates


def _lr(cfg: Config, given: Given, notes: list[str]) -> float:
    """train.py: ``lr``, or ``lr_base`` scaled by the global batch size."""
    if given.lr is not None:
        return given.lr
    lr = cfg.value("lr", FLOAT, None, low=0)
    if lr:
        return lr
    base = cfg.value("lr_base", FLOAT, DEFAULTS["lr_base"], low=0, low_open=True)
    size = cfg.value("lr_base_size", INT, DEFAULTS["lr_base_size"], low=1)
    batch = given.plan.get("batch_size") or cfg.value("batch_size", INT, 128, low=1)
    devices = given.plan.get("devices") or 1
    accum = given.plan.get("grad_accum") or cfg.value("grad_accum_steps", INT, 1, low=1)
    global_batch = batch * devices * accum
    ratio = global_batch / size
    scaling = cfg.value("lr_base_scale", TEXT, "")
    if not scaling:
        opt = str(cfg.raw("opt", "sgd")).lower()
        scaling = "sqrt" if any(o in opt for o in ("ada", "lamb")) else "linear"
    if scaling == "sqrt":
        ratio = ratio**0.5
    elif scaling != "linear":
        raise cfg.error("lr_base_scale", f"must be linear or sqrt, got {scaling!r}")
    lr = base * ratio
    notes.append(
        f"lr = lr_base {base:g} x {'sqrt(' if scaling == 'sqrt' else '('}"
        f"{global_batch} / {size}) = {lr:g} (train.py, {scaling} scaling)"
    )
    return lr


def _updates_per_epoch(cfg: Config, given: Given) -> tuple[int | None, str | None]:
    if given.steps_per_epoch is not None:
        return given.steps_per_epoch, None
    config = {
        "dataset_size": cfg.value("dataset_size", INT, None, low=1),
        "batch_size": cfg.value("batch_size", INT, DEFAULTS["batch_size"], low=1),
        "grad_accum": cfg.value("grad_accum_steps", INT, 1, low=1),
        "drop_last": True,  # train.py's training loader
    }
    try:
        return plan_steps(given, config)
    except LrplotError as err:
        raise cfg.error("dataset_size", str(err)) from None


def _cycle_length(t: int, mul: float, limit: int, warmup_t: int, prefix: bool) -> int:
    """CosineLRScheduler.get_cycle_length()."""
    cycles = max(1, limit)
    length = t * cycles if mul == 1.0 else math.floor(-t * (mul**cycles - 1) / (1 - mul))
    return length + warmup_t if prefix else length


def _with_warmup(cfg: Config, schedule: Any, warmup_t: int, warmup_lr: float, lr: float,
                 prefix: bool) -> Any:  # fmt: skip
    """timm's linear warmup from warmup_lr as lrplot's warmup option."""
    if not warmup_t:
        return schedule
    start = warmup_lr / lr
    if start > 1:
        raise cfg.error(
            "warmup_lr",
            f"not supported: warmup_lr {warmup_lr:g} is above lr {lr:g} (lrplot's warmup "
            "only rises)",
        )
    values = dict(schedule.values)
    values.update(
        {
            "warmup": warmup_t,
            "warmup_start": start,
            "warmup_mode": "prefix" if prefix else "overlap",
        }
    )
    return build(schedule.name, values, cfg, "warmup_epochs")


def _step(cfg: Config, scale: int, rate: float, total: int, warmup_t: int, prefix: bool) -> Any:
    """timm's StepLRScheduler: lr * rate ** (t // decay_t)."""
    decay = cfg.value(
        "decay_epochs", FLOAT, DEFAULTS["decay_epochs"], low=0, low_open=True, high=MAX_STEPS
    )
    decay_t = decay * scale
    if decay_t == int(decay_t):
        return build("StepLR", {"step_size": int(decay_t), "gamma": rate}, cfg, "decay_epochs")
    # a fractional period (EfficientNet's 2.4 epochs): the steps where t // decay_t grows
    steps = total - (warmup_t if prefix else 0)
    milestones: list[int] = []
    k = 1
    while True:
        m = max(0, math.ceil(k * decay_t) - 2)  # the first step with t // decay_t >= k
        while m // decay_t < k:
            m += 1
        if m >= steps:
            break
        milestones.append(m)  # repeated when decay_t < 1: MultiStepLR counts each
        if len(milestones) > MAX_MILESTONES:
            raise cfg.error("decay_epochs", "not supported: too many decays in the run")
        k += 1
    if not milestones:
        return build("ConstantLR", {"factor": 1.0}, cfg, "decay_epochs")
    return build("MultiStepLR", {"milestones": milestones, "gamma": rate}, cfg, "decay_epochs")


def _multistep(cfg: Config, scale: int, rate: float) -> Any:
    """timm's MultiStepLRScheduler: milestone m applies at t = m - 1 (not at m)."""
    raw = cfg.value("decay_milestones", INT_LIST, DEFAULTS["decay_milestones"], min_items=0)
    if any(m > MAX_STEPS for m in raw):
        raise cfg.error("decay_milestones", f"must be at most {MAX_STEPS:,} epochs")
    if list(raw) != sorted(raw):
        raise cfg.error("decay_milestones", "must be increasing (timm bisects them)")
    milestones = [max(m * scale - 1, 0) for m in raw]
    if not milestones:
        return build("ConstantLR", {"factor": 1.0}, cfg, "decay_milestones")
    return build("MultiStepLR", {"milestones": milestones, "gamma": rate}, cfg, "decay_milestones")


def _poly(cfg: Config, t_initial: int, power: float, min_lr: float, k: float,
          limit: int) -> Any:  # fmt: skip
    """timm's PolyLRScheduler, where it equals PolynomialLR: min_lr 0, k_decay 1, 1 cycle."""
    for key, bad in (
        ("min_lr", min_lr != 0),
        ("lr_k_decay", k != 1),
        ("lr_cycle_limit", limit > 1),
    ):
        if bad:
            raise cfg.error(
                key,
                "not supported with sched poly: lrplot's polynomial (PolynomialLR) equals "
                "timm's poly only with min_lr 0, lr_k_decay 1 and one cycle",
            )
    return build("PolynomialLR", {"total_iters": t_initial, "power": power}, cfg, "decay_rate")


def _plateau(cfg: Config, rate: float, min_lr: float) -> Any:
    """timm's PlateauLRScheduler: torch's ReduceLROnPlateau (cooldown 0), after warmup."""
    metric = str(cfg.raw("eval_metric", "top1"))
    mode = "min" if "loss" in metric else "max"
    patience = cfg.value("patience_epochs", INT, DEFAULTS["patience_epochs"], low=0)
    values = {"mode": mode, "factor": rate, "patience": patience, "min_lr": min_lr}
    return build("ReduceLROnPlateau", values, cfg, "sched")
