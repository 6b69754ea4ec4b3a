"""DeepSpeed's ``ds_config.json`` -> a ``ds-*`` schedule (or a torch one), stepped after
every optimizer step; and the ``"deepspeed"`` of HF TrainingArguments, "auto" filled.

What DeepSpeed 0.19.8 does (``runtime/engine.py``, ``_scheduler_from_config``): the
``"scheduler"`` table's ``type`` is a class of ``deepspeed.runtime.lr_schedules``
(WarmupLR, WarmupDecayLR, WarmupCosineLR, OneCycle, LRRangeTest) or else of
``torch.optim.lr_scheduler``, built as ``type(optimizer, **params)`` on the optimizer
of the ``"optimizer"`` table (its ``params.lr`` is the optimizer's LR) and stepped by
``engine.step()`` after every optimizer step (at each gradient-accumulation boundary).
A config has no epochs: the run is ``total_num_steps`` optimizer steps when the
scheduler has it, else the command line's ``--epochs`` x ``--steps-per-epoch``.

Under the HF Trainer (transformers 5.24, ``integrations/deepspeed.py``),
``HfTrainerDeepSpeedConfig`` fills ``"auto"``: ``optimizer.params.lr`` and
``scheduler.params.warmup_max_lr`` = ``learning_rate``, ``warmup_min_lr`` = 0,
``total_num_steps`` = the training steps, ``warmup_num_steps`` =
``max(1, args.get_warmup_steps(steps))``; a value given that differs from the Trainer's
is an error there (``fill_match``). With a ``"scheduler"``, ``deepspeed_optim_sched``
hands DeepSpeed a DummyScheduler: the DeepSpeed scheduler runs and
``lr_scheduler_type`` is ignored (axolotl #1062); without one the Trainer's own
schedule is used (DeepSpeed steps it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from .. import expr as expressions
from .. import inputs
from ..engine import MAX_STEPS
from ..params import LrplotError, ParamError
from ..schedules import Schedule, ScheduleDef, known, known_names, lookup
from .common import FLOAT, INT, TEXT, Config, Converted, Given, build, settings, unknown_message

NAME = "DeepSpeed"
FRAMEWORK = "deepspeed"  # the declarations' known_as key

# top-level keys of a ds_config (DeepSpeed's runtime/constants.py and config.py)
SIGNS = frozenset(
    {
        "scheduler",
        "train_batch_size",
        "train_micro_batch_size_per_gpu",
        "zero_optimization",
        "gradient_clipping",
        "steps_per_print",
        "wall_clock_breakdown",
        "zero_allow_untested_optimizer",
    }
)
# keys a ds_config shares with HF TrainingArguments (fp16 and bf16 are fields of both,
# so they are no sign): alone they do not say "hf"
SHARED = frozenset({"gradient_accumulation_steps"})
OPTIMIZER_LR = 1e-3  # the lr of DeepSpeed's Adam/AdamW/Lamb when params has none
AUTO = "auto"

# deepspeed 0.19.8's lr_schedules: an unknown warmup_type warns and becomes log
_WARMUP_TYPES = ("log", "linear")


def convert(cfg: Config, given: Given) -> Converted:
    """A ds_config on its own (``lrplot run ds_config.json``)."""
    notes: list[str] = []
    _no_auto(cfg)
    lr = _optimizer_lr(cfg, given, notes)
    total = None
    sched = cfg.table("scheduler", None)
    if sched is None:
        raise cfg.fail(_NO_SCHEDULER)
    params = sched.table("params", None)
    if params is not None and "total_num_steps" in params:
        total = params.value("total_num_steps", INT, low=1, high=MAX_STEPS)
    if given.epochs is not None or given.steps_per_epoch is not None:
        epochs, per_epoch = given.epochs or 1, given.steps_per_epoch or 1
        if total is not None and epochs * per_epoch != total:
            notes.append(
                f"the run is --epochs x --steps-per-epoch = {epochs * per_epoch} optimizer "
                f"steps, not total_num_steps {total}"
            )
    elif total is not None:
        epochs, per_epoch = 1, total
        notes.append(f"the run is total_num_steps = {total} optimizer steps")
    else:
        epochs, per_epoch = 100, 1
    unset = len(notes) if given.epochs is None and given.steps_per_epoch is None else -1
    if any(v is not None for v in given.plan.values()):
        notes.append("the training-plan options are not read for a ds_config (it has no epochs)")
    schedule = scheduler(cfg, lr, notes)
    if unset >= 0 and total is None:
        notes.insert(unset, _no_length(schedule.values))
    _engine_notes(cfg, notes)
    run = settings(cfg, lr, epochs, per_epoch, "step")
    return Converted(NAME, [schedule], run, notes=notes)


def _no_length(values: Mapping[str, Any]) -> str:
    """The note of a run without a length: 100 optimizer steps, and what they miss."""
    why = ""
    warmup = values.get("warmup_num_steps")
    first = values.get("cycle_first_step_size")
    if isinstance(warmup, int) and max(2, warmup) > 100:
        why = f", though its warmup alone is {max(2, warmup):,}"
    elif isinstance(first, int):
        second = values.get("cycle_second_step_size") or first
        if first + second > 100:
            why = f", though its cycle alone is {first + second:,}"
    return (
        "a ds_config has no run length and this scheduler no total_num_steps: showing 100 "
        f"optimizer steps{why} (give --epochs 1 --steps-per-epoch N for a run of N)"
    )


_NO_SCHEDULER = (
    'it has no "scheduler": DeepSpeed then runs the scheduler the training script passes '
    "to deepspeed.initialize, or none (a constant LR); lrplot shows a ds_config's "
    '"scheduler": {"type": ..., "params": {...}}'
)


def scheduler(cfg: Config, lr: float, notes: list[str]) -> Schedule:
    """The ``"scheduler"`` table as an lrplot schedule (``lr``: the optimizer's)."""
    sched = cfg.table("scheduler")
    assert sched is not None
    sched.typos(("type", "params"), ("type", "params"))
    kind = sched.value("type", TEXT).strip()
    if "params" not in sched:
        raise sched.error("params", "missing: DeepSpeed builds type(optimizer, **params)")
    params = sched.table("params", None)
    data = dict(params.data) if params is not None else {}
    definition = known(FRAMEWORK, kind)
    where = params if params is not None else sched
    if definition is None:
        definition = _torch_class(sched, kind)
        _wrapped(cfg, sched, kind)
        return _torch_schedule(definition, data, where, notes)
    data = _fresh(data, where)
    by_name = {p.name: p for p in definition.params}
    for key in data:
        if key not in by_name:
            raise where.error(
                key,
                f"{kind} takes no parameter {key!r} (DeepSpeed fails: unexpected keyword "
                f"argument); it takes: {', '.join(by_name)}",
            )
    values = dict(data)
    wt = values.get("warmup_type")
    if "warmup_type" in by_name and isinstance(wt, str) and wt not in _WARMUP_TYPES:
        notes.append(f"warmup_type {wt!r} is not log or linear: DeepSpeed warns and uses log")
        values["warmup_type"] = "log"
    _lr_notes(definition, values, lr, notes)
    return build(definition, values, where, "params" if data else "type")


def _fresh(data: dict[str, Any], where: Config) -> dict[str, Any]:
    """last_batch_iteration -1 (a fresh run, the default) is fine; a resumed one is not."""
    if "last_batch_iteration" not in data:
        return data
    if data["last_batch_iteration"] != -1:
        raise where.error("last_batch_iteration", "not supported: a resumed scheduler (not -1)")
    return {k: v for k, v in data.items() if k != "last_batch_iteration"}


def _lr_notes(
    definition: ScheduleDef, values: Mapping[str, Any], lr: float, notes: list[str]
) -> None:
    """Where the schedule's LR comes from, when it is not plainly the optimizer's."""
    kind = definition.known_as[FRAMEWORK]
    if "warmup_max_lr" in {p.name for p in definition.params}:
        top = values.get("warmup_max_lr")
        default = definition.param("warmup_max_lr").default
        if top is None and default is not None:
            notes.append(
                f"{kind} peaks at its own warmup_max_lr default {default:g}, not at the "
                f"optimizer's lr {lr:g} (deepspeed #7303): give warmup_max_lr to change it"
            )
        elif top is None:
            notes.append(f"{kind} warms up to the optimizer's lr {lr:g} (no warmup_max_lr)")
    elif definition.sets_lr:
        notes.append(f"{kind} sets the LR itself: the optimizer's lr {lr:g} is not used")


def _torch_class(sched: Config, kind: str) -> ScheduleDef:
    """DeepSpeed's fallback: a torch.optim.lr_scheduler class by name."""
    try:
        definition = lookup(kind)
    except LrplotError:
        definition = None
    if (
        definition is None
        or definition.library != "torch.optim.lr_scheduler"
        or (definition.torch_class != kind)
    ):
        names = [*known_names(FRAMEWORK), "or a torch.optim.lr_scheduler class"]
        raise sched.error("type", unknown_message(kind, names, "scheduler type"))
    return definition


def _wrapped(cfg: Config, sched: Config, kind: str) -> None:
    """DeepSpeed builds a torch scheduler on its own optimizer: with ZeRO (stage >= 1),
    fp16 or bf16 that is a wrapper (DeepSpeedZeroOptimizer, FP16_Optimizer,
    BF16_Optimizer), not a torch.optim.Optimizer, and torch's LRScheduler refuses it."""
    zero = cfg.raw("zero_optimization", {})
    stage = zero.get("stage", 0) if isinstance(zero, Mapping) else 0
    wrappers = []
    if isinstance(stage, int) and stage > 0:
        wrappers.append(f"ZeRO stage {stage}")
    for name in ("fp16", "bf16"):
        table = cfg.raw(name, {})
        if isinstance(table, Mapping) and table.get("enabled") is True:
            wrappers.append(name)
    if wrappers:
        raise sched.error(
            "type",
            f"{kind} is a torch.optim.lr_scheduler class, which DeepSpeed builds on its "
            f"wrapped optimizer ({' and '.join(wrappers)}); torch refuses that (TypeError: "
            "not an Optimizer): use a DeepSpeed type, or pass the scheduler to "
            "deepspeed.initialize",
        )


def _torch_schedule(
    definition: ScheduleDef, data: dict[str, Any], where: Config, notes: list[str]
) -> Schedule:
    """A torch class as DeepSpeed builds it: ``cls(optimizer, **params)``, stepped after
    every optimizer step."""
    if definition.needs_metric or definition.children is not None:
        raise where.fail(
            f"{definition.torch_class} is not one DeepSpeed can step on its own "
            "(it needs a metric or other schedulers)"
        )
    if any(p.check is expressions.check for p in definition.params):
        raise where.fail(
            f"{definition.torch_class} needs a Python function, which a ds_config cannot hold"
        )
    data = {k: v for k, v in data.items() if k not in ("last_epoch", "verbose")}
    if definition.from_torch is not None:  # torch arguments lrplot reads another way
        try:
            data = definition.from_torch(data)
        except ParamError as err:
            raise where.error(err.name, err.bare) from None
    by_torch = {p.torch_name: p.name for p in definition.params}
    by_torch.update({p.name: p.name for p in definition.params})
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key not in by_torch:
            known_args = ", ".join(by_torch)
            raise where.error(
                key, f"{definition.torch_class} takes no argument {key!r} (it takes: {known_args})"
            )
        values[by_torch[key]] = value
    notes.append(
        f"DeepSpeed builds torch.optim.lr_scheduler.{definition.torch_class} and steps it "
        "after every optimizer step"
    )
    return build(definition, values, where, "params" if data else "type")


def _optimizer_lr(cfg: Config, given: Given, notes: list[str]) -> float:
    if given.lr is not None:
        return given.lr
    opt = cfg.table("optimizer", None)
    params = opt.table("params", None) if opt is not None else None
    if params is not None and "lr" in params:
        return float(params.value("lr", FLOAT, low=0, low_open=True))
    where = "optimizer.params has no lr" if opt is not None else "no optimizer table"
    notes.append(f"{where}: the optimizer's lr is {OPTIMIZER_LR:g} (DeepSpeed's Adam default)")
    return OPTIMIZER_LR


def _engine_notes(cfg: Config, notes: list[str]) -> None:
    accum = cfg.raw("gradient_accumulation_steps", 1)
    if isinstance(accum, int) and accum > 1:
        notes.append(
            f"rows are optimizer steps: DeepSpeed steps the scheduler once per "
            f"{accum} micro-batches (gradient_accumulation_steps)"
        )
    fp16 = cfg.raw("fp16", {})
    if isinstance(fp16, Mapping) and fp16.get("enabled") is True:
        notes.append("fp16: a step that overflows does not step the scheduler (shown: none)")


_AUTO_BARE = (
    '"auto" is filled by the HF Trainer, not by DeepSpeed: give a value, or run lrplot '
    "on the TrainingArguments config that names this file (deepspeed=...)"
)
_AUTO_LEFT = '"auto": the HF Trainer fills no such key, and DeepSpeed fails on it: give a value'


def _no_auto(cfg: Config, message: str = _AUTO_BARE) -> None:
    """ "auto" left in what shapes the LR (optimizer.params.lr, scheduler.params): a bare
    ds_config with it fails in DeepSpeed (only the HF Trainer fills it)."""
    for name in ("optimizer", "scheduler"):
        table = cfg.raw(name, {})
        params = table.get("params", {}) if isinstance(table, Mapping) else {}
        if not isinstance(params, Mapping):
            continue
        for key, value in params.items():
            if value == AUTO and (name == "scheduler" or key == "lr"):
                raise cfg.error(f"{name}.params.{key}", message)


# --- under the HF Trainer ------------------------------------------------------------------


def load(cfg: Config, raw: Any) -> tuple[str, dict[str, Any]]:
    """TrainingArguments' ``deepspeed``: a path (relative to the config's folder) or an
    inline table. Returns (where it came from, the ds_config as a dict)."""
    if isinstance(raw, Mapping):
        return "inline", {str(k): v for k, v in raw.items()}
    if not isinstance(raw, str) or not raw.strip():
        raise cfg.error("deepspeed", "must be the path of a ds_config.json or a table")
    path = Path(raw)
    if not path.is_absolute():
        path = cfg.path.parent / path
    try:
        data = inputs.read_config_bytes(path)
    except LrplotError as err:
        raise cfg.error("deepspeed", str(err)) from None
    try:
        parsed = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise cfg.error("deepspeed", f"{path} is not JSON: {err}") from None
    if not isinstance(parsed, dict):
        raise cfg.error("deepspeed", f"{path}: the top level must be a table of keys")
    return str(path), parsed


def has_scheduler(data: Mapping[str, Any]) -> bool:
    return isinstance(data.get("scheduler"), Mapping)


def fill_auto(ds_path: Path, data: dict[str, Any], lr: float, total: int, warmup: int) -> list[str]:
    """HfTrainerDeepSpeedConfig's fill_match/fill_only on the keys that shape the LR:
    "auto" replaced in place; a given value unlike the Trainer's is HF's error."""
    warmup_steps = max(1, warmup)
    rules: list[tuple[str, Any, str, bool]] = [
        ("optimizer.params.lr", lr, "learning_rate", True),
        ("scheduler.params.warmup_min_lr", 0, "", False),
        ("scheduler.params.warmup_max_lr", lr, "learning_rate", True),
        ("scheduler.params.total_num_steps", total, "num_training_steps (calculated)", True),
        ("scheduler.params.warmup_num_steps", warmup_steps, "warmup_steps", True),
    ]
    filled = []
    for key, hf_value, hf_key, must_match in rules:
        *parents, last = key.split(".")
        node: Any = data
        for part in parents:
            node = node.get(part) if isinstance(node, Mapping) else None
        if not isinstance(node, dict):
            continue
        value = node.get(last)
        if value == AUTO:
            node[last] = hf_value
            filled.append(
                f"{key}={hf_value:g}" if isinstance(hf_value, float) else f"{key}={hf_value}"
            )
        elif must_match and value is not None and value != hf_value:
            raise LrplotError(
                f"{ds_path}: {key}: {value!r} differs from the Trainer's {hf_key} "
                f'({hf_value!r}): HF\'s Trainer refuses the mismatch; set it to "auto"'
            )
    return filled


def from_hf(
    cfg: Config,
    ds_where: str,
    data: dict[str, Any],
    lr: float,
    total: int,
    warmup: int,
    kind: str,
    notes: list[str],
) -> Schedule:
    """The DeepSpeed scheduler an HF run with this ds_config uses ("auto" filled)."""
    path = Path(ds_where) if ds_where != "inline" else cfg.path
    filled = fill_auto(path, data, lr, total, warmup)
    if filled:
        notes.append('"auto" filled as the HF Trainer does: ' + ", ".join(filled))
    ds = Config(path, data, "deepspeed." if ds_where == "inline" else "")
    _no_auto(ds, _AUTO_LEFT)
    opt_lr = lr
    opt = ds.table("optimizer", None)
    params = opt.table("params", None) if opt is not None else None
    if params is not None and "lr" in params:
        opt_lr = float(params.value("lr", FLOAT, low=0, low_open=True))
    sched = ds.table("scheduler")
    assert sched is not None
    ds_type = sched.raw("type", "?")
    notes.append(
        f"the ds_config's scheduler {ds_type} replaces lr_scheduler_type {kind!r}: DeepSpeed "
        "builds and steps it (the Trainer's is never made)"
    )
    return scheduler(ds, opt_lr, notes)


__all__ = ["NAME", "SHARED", "SIGNS", "convert", "fill_auto", "from_hf", "has_scheduler", "load"]
