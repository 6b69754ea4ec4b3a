"""axolotl configs (``axolotl train x.yaml``) -> the schedule axolotl's trainer builds,
stepped after every optimizer step.

What axolotl 0.21.0 does, repeated here (with transformers 5.24 under it):

* steps (``utils/trainer.py: calculate_total_num_steps``, ``utils/config: normalize_config``):
  ``batch_size = micro_batch_size x gradient_accumulation_steps`` (x the world size on
  more than one device, ``--devices``); without sample packing ``total_num_steps =
  ceil(dataset_size x num_epochs / batch_size)``, ``min``'d with ``max_steps`` when
  that is set (``utils/data/sft.py``). The dataset size is not in the config:
  ``--dataset-size`` (or a ``dataset_size`` key). With ``sample_packing`` the count
  comes from the packed token lengths: give ``--steps-per-epoch`` (axolotl's
  ``data_loader_len``; ``floor(that x num_epochs)``, one less per epoch with
  ``dataloader_drop_last``) or ``max_steps``.
* the run (``core/builders/base.py``): ``TrainingArguments.max_steps = max_steps or
  total_num_steps``, which the trainer runs and passes as ``num_training_steps``;
  warmup: ``warmup_steps``, else ``int(warmup_ratio x total_num_steps)``, else
  ``min(int(0.03 x total_num_steps), 100)``; 1 becomes 2; transformers then takes
  ``int(warmup_steps)``.
* the schedule (``core/trainers/mixins/scheduler.py: create_scheduler``): ``lr_scheduler``
  ``one_cycle`` -> torch's OneCycleLR(max_lr=learning_rate, total_steps, pct_start =
  warmup / steps, anneal_strategy cos, **lr_scheduler_kwargs); ``rex`` -> RexLR
  (min_lr = learning_rate x cosine_min_lr_ratio when set); ``cosine`` (the default)
  with ``lr_quadratic_warmup`` -> the quadratic-warmup cosine, else with
  ``cosine_min_lr_ratio`` > 0 and ``cosine_constant_lr_ratio`` > 0 -> warmup, decay,
  constant, else with ``cosine_min_lr_ratio`` > 0 -> the min-lr cosine; anything else
  -> transformers' ``get_scheduler(lr_scheduler, ..., lr_scheduler_kwargs)``, as
  lrplot.frameworks.hf reads it.

``lr_div_factor`` is in axolotl's schema but no code of 0.21.0 reads it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from ..params import LrplotError
from ..schedules import ScheduleDef, known
from . import hf
from .common import BOOL, FLOAT, INT, Config, Converted, Given, build, settings

NAME = "axolotl"

# keys only an axolotl config has
SIGNS = frozenset(
    {
        "base_model",
        "micro_batch_size",
        "sequence_len",
        "cosine_min_lr_ratio",
        "cosine_constant_lr_ratio",
        "lr_quadratic_warmup",
        "sample_packing",
        "num_epochs",
        "lr_div_factor",
        "adapter",
        "lora_r",
        "load_in_8bit",
        "load_in_4bit",
    }
)
READ = (
    "learning_rate",
    "lr_scheduler",
    "lr_scheduler_kwargs",
    "warmup_steps",
    "warmup_ratio",
    "cosine_min_lr_ratio",
    "cosine_constant_lr_ratio",
    "lr_quadratic_warmup",
    "lr_div_factor",
    "num_epochs",
    "max_steps",
    "micro_batch_size",
    "gradient_accumulation_steps",
    "batch_size",
    "sample_packing",
    "dataloader_drop_last",
    "jagged_restart_steps",
    "dataset_size",
)
_OTHER = """
base_model base_model_config model_type tokenizer_type trust_remote_code load_in_8bit
load_in_4bit strict datasets dataset_prepared_path val_set_size output_dir adapter
lora_model_dir sequence_len pad_to_sequence_len lora_r lora_alpha lora_dropout
lora_target_modules lora_target_linear lora_fan_in_fan_out wandb_project wandb_entity
wandb_watch wandb_name wandb_log_model optimizer weight_decay train_on_inputs
group_by_length bf16 fp16 tf32 gradient_checkpointing resume_from_checkpoint
local_rank logging_steps xformers_attention flash_attention sdp_attention evals_per_epoch
eval_steps saves_per_epoch save_steps debug deepspeed fsdp fsdp_config special_tokens
eval_sample_packing chat_template test_datasets hub_model_id eval_batch_size
max_grad_norm seed
"""
FIELDS = frozenset({*READ, *_OTHER.split()})

ALTERNATES = ("one_cycle", "rex")
# axolotl's own words a config compares against (its lr_scheduler values)
WORDS = frozenset({*ALTERNATES, *hf.WORDS})


def owns(data: Mapping[str, Any]) -> bool:
    """An axolotl config: it has a key only axolotl's schema has."""
    return bool({str(k) for k in data} & SIGNS)


def convert(cfg: Config, given: Given) -> Converted:
    cfg.typos(FIELDS, READ)
    notes: list[str] = []
    if "jagged_restart_steps" in cfg:
        raise cfg.error("jagged_restart_steps", "lrplot has no model of JaggedLRRestartScheduler")
    if "lr_div_factor" in cfg:
        notes.append("lr_div_factor ignored: no code of axolotl 0.21.0 reads it")
    lr = cfg.value("learning_rate", FLOAT, low=0, low_open=True) if given.lr is None else given.lr
    hf_types = hf.types()
    kind = cfg.choice("lr_scheduler", [*ALTERNATES, *hf_types, *hf.UNSUPPORTED], "cosine")
    if kind in hf.UNSUPPORTED:
        raise cfg.error("lr_scheduler", f"{kind!r} is not supported: {hf.UNSUPPORTED[kind]}")

    counted, steps = _steps(cfg, given, notes)
    warmup = _warmup(cfg, counted, steps, notes)
    schedule = _schedule(cfg, kind, lr, warmup, steps, notes)
    epochs, per_epoch = _shown(cfg, given, steps)
    run = settings(cfg, lr, epochs, per_epoch, "step")
    return Converted(NAME, [schedule], run, notes=notes)


def _shown(cfg: Config, given: Given, steps: int) -> tuple[int, int]:
    """(epochs, steps per epoch) to show the run as: transformers' epochs of
    ``ceil(batches / gradient_accumulation_steps)`` optimizer steps when the run is a
    whole number of them, else one run of ``steps``."""
    epochs = cfg.value("num_epochs", FLOAT, 1.0) if given.epochs is None else given.epochs
    per = given.steps_per_epoch
    if per is None:
        size = given.plan.get("dataset_size") or cfg.value("dataset_size", INT, None)
        if size is None or cfg.value("sample_packing", BOOL, False):
            return 1, steps
        micro, accumulate = _batch(cfg, given)[:2]
        shard = micro * (given.plan.get("devices") or 1)
        drop = cfg.value("dataloader_drop_last", BOOL, False)
        if given.plan.get("drop_last") is not None:
            drop = given.plan["drop_last"]
        batches = size // shard if drop else -(-size // shard)
        per = max(-(-batches // accumulate), 1)
    if epochs == int(epochs) and steps == int(epochs) * per:
        return int(epochs), per
    return 1, steps


def _batch(cfg: Config, given: Given) -> tuple[int, int, int, str]:
    """(micro_batch_size, gradient_accumulation_steps, batch_size, how) as axolotl's
    schema and normalize_config leave them. gradient_accumulation_steps defaults to 1 in
    the schema, so normalize_config's ``gradient_accumulation_steps or batch_size //
    micro_batch_size`` keeps 1 when only batch_size is given; batch_size then counts
    the steps as it is."""
    micro = cfg.value("micro_batch_size", INT, 1, low=1)
    if given.plan.get("batch_size") is not None:
        micro = given.plan["batch_size"]
    total = cfg.value("batch_size", INT, None, low=1)
    accumulate = cfg.value("gradient_accumulation_steps", INT, None, low=1)
    if given.plan.get("grad_accum") is not None:
        accumulate = given.plan["grad_accum"]
    if accumulate is not None and total is not None:
        raise cfg.error(
            "batch_size", "set only one of gradient_accumulation_steps or batch_size (axolotl)"
        )
    if total is not None:
        batch, how = total, f"batch_size {total}"
    else:
        batch = micro * (accumulate or 1)
        how = f"micro_batch_size {micro} x accumulate {accumulate or 1}"
    devices = given.plan.get("devices") or 1
    if devices > 1:
        batch *= devices
        how += f" x {devices} devices"
    return micro, accumulate or 1, batch, how


def _steps(cfg: Config, given: Given, notes: list[str]) -> tuple[int | None, int]:
    """(axolotl's total_num_steps, the steps the trainer runs: max_steps or that)."""
    epochs = cfg.value("num_epochs", FLOAT, 1.0, low=0, low_open=True)
    if given.epochs is not None:
        epochs = float(given.epochs)
    max_steps = cfg.value("max_steps", INT, None, low=1)
    size = given.plan.get("dataset_size") or cfg.value("dataset_size", INT, None, low=1)
    packing = cfg.value("sample_packing", BOOL, False)
    batch, parts = _batch(cfg, given)[2:]
    counted: int | None = None
    if given.steps_per_epoch is not None:
        if size is not None:
            raise cfg.error("dataset_size", "give the dataset size or --steps-per-epoch, not both")
        per = given.steps_per_epoch
        counted = math.floor(per * epochs)
        how = (
            f"total_num_steps = floor({per:,} steps/epoch x {epochs:g} {_epochs(epochs)}) "
            f"= {counted:,}"
        )
        if packing and cfg.value("dataloader_drop_last", BOOL, False):
            counted -= math.ceil(epochs)
            how += f" - {math.ceil(epochs)} (dataloader_drop_last) = {counted:,}"
        notes.append(how)
    elif size is not None:
        if packing and max_steps is not None:
            raise cfg.error(
                "sample_packing",
                "with sample packing axolotl counts steps from the packed token lengths, "
                "not the samples: leave out --dataset-size (the run is max_steps "
                f"{max_steps:,} if the data lasts) or pass --steps-per-epoch (its data_loader_len)",
            )
        if packing:
            raise cfg.error(
                "sample_packing",
                "with sample packing axolotl counts steps from the packed token lengths, "
                "not the samples: pass --steps-per-epoch (its data_loader_len) or set max_steps",
            )
        counted = math.ceil(size * epochs / batch)
        notes.append(
            f"total_num_steps = ceil({size:,} samples x {epochs:g} {_epochs(epochs)} / "
            f"batch {batch:,} ({parts})) = {counted:,}"
        )
        micro, accumulate = _batch(cfg, given)[:2]
        devices = given.plan.get("devices") or 1
        if micro * accumulate * devices != batch:
            step = micro * accumulate * devices
            share = Fraction(step, batch)
            notes.append(
                f"batch_size {batch // devices:,} only counts the steps: "
                "gradient_accumulation_steps stays 1 (the schema's default), so an optimizer "
                f"step takes {step:,} {'sample' if step == 1 else 'samples'} and the "
                f"{counted:,} steps cover {share} of {epochs:g} {_epochs(epochs)}' samples"
            )
    elif max_steps is None:
        raise cfg.error(
            "num_epochs",
            "counting optimizer steps needs the training set's size: pass --dataset-size "
            "(or --steps-per-epoch, or set max_steps)",
        )
    if counted is not None and counted < 1:
        raise cfg.error("num_epochs", f"{counted} optimizer steps: nothing to train")
    if max_steps is None:
        assert counted is not None
        return counted, counted
    if counted is None:
        notes.append(f"max_steps {max_steps:,} (the dataset assumed to last that long)")
        return max_steps, max_steps
    if counted > max_steps:
        notes.append(f"max_steps {max_steps:,} cuts it: total_num_steps = {max_steps:,}")
    elif counted < max_steps:
        notes.append(f"max_steps {max_steps:,} still runs {max_steps:,} steps (HF's max_steps)")
    return min(counted, max_steps), max_steps


def _epochs(epochs: float) -> str:
    return "epoch" if epochs == 1 else "epochs"


def _warmup(cfg: Config, counted: int | None, steps: int, notes: list[str]) -> int:
    """_configure_warmup_and_logging, then TrainingArguments.get_warmup_steps(steps)."""
    raw = cfg.data.get("warmup_steps")
    if isinstance(raw, float) and not raw.is_integer() and 0 < raw < 1:
        raise cfg.error(
            "warmup_steps",
            f"axolotl's schema takes a whole number and refuses {raw:g}: for a share of the "
            f"steps, write warmup_ratio: {raw:g}",
        )
    given_steps = cfg.value("warmup_steps", INT, None, low=0)
    ratio = cfg.value("warmup_ratio", FLOAT, None, low=0, high=1)
    if given_steps and ratio:
        raise cfg.error("warmup_ratio", "warmup_steps and warmup_ratio are mutually exclusive")
    if given_steps is not None:
        warmup = given_steps
        if ratio:
            notes.append(f"warmup_ratio ignored: warmup_steps {given_steps} is set (axolotl)")
    elif ratio is not None:
        assert counted is not None
        warmup = max(int(ratio * counted), 0)
        notes.append(f"warmup_steps = int({ratio:g} x {counted:,}) = {warmup:,}")
    else:
        assert counted is not None
        warmup = min(int(0.03 * counted), 100)
        notes.append(f"warmup_steps = min(int(0.03 x {counted:,}), 100) = {warmup:,} (default)")
    if warmup == 1:
        notes.append("warmup_steps 1 becomes 2 (axolotl)")
        warmup = 2
    return warmup


def _kwargs(cfg: Config) -> dict[str, Any]:
    """lr_scheduler_kwargs as axolotl passes them: as YAML read them. A number PyYAML
    reads as text (``1e-6``: YAML 1.1 wants a dot) reaches the scheduler as text, and
    it fails: refused here."""
    section = cfg.table("lr_scheduler_kwargs", None)
    if section is None:
        return {}
    for key, value in section.data.items():
        if isinstance(value, str) and _number(value):
            raise section.error(
                key,
                f"{value!r} is text, not a number, to YAML (1e-6 needs a dot: 1.0e-6), and "
                "axolotl passes it on as text: the scheduler fails; write it with a dot",
            )
    return dict(section.data)


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _schedule(cfg: Config, kind: str, lr: float, warmup: int, steps: int, notes: list[str]) -> Any:
    kwargs = _kwargs(cfg)
    ratio = cfg.value("cosine_min_lr_ratio", FLOAT, None, low=0, high=1)
    constant = cfg.value("cosine_constant_lr_ratio", FLOAT, None, low=0, high=1)
    quadratic = cfg.value("lr_quadratic_warmup", BOOL, None)
    hf_type = "cosine" if kind in ALTERNATES else kind
    min_lr = hf_type == "cosine" and ratio is not None
    if ratio is not None and (kind == "one_cycle" or hf_type != "cosine"):
        notes.append(f"cosine_min_lr_ratio ignored: axolotl uses it with cosine or rex, not {kind}")
    if quadratic and kind != "cosine":
        notes.append(f"lr_quadratic_warmup ignored: axolotl uses it with cosine, not {kind}")
    if kind == "one_cycle":
        values = {"max_lr": lr, "total_steps": steps, "anneal_strategy": "cos"}
        if "pct_start" not in kwargs:
            values["pct_start"] = warmup / steps
            notes.append(f"pct_start = {warmup} warmup steps / {steps:,}")
        values.update(kwargs)
        return build("OneCycleLR", values, cfg, "lr_scheduler_kwargs" if kwargs else "lr_scheduler")
    if kind == "rex":
        if min_lr and ratio is not None:
            notes.append(f"min_lr = {lr:g} x cosine_min_lr_ratio {ratio:g}")
        values = {
            "max_lr": lr,
            "min_lr": lr * ratio if min_lr and ratio is not None else 0,
            "total_steps": steps,
            "num_warmup_steps": warmup,
        }
        return build(_own(cfg, "rex", notes), values, cfg, "lr_scheduler")
    common = {"num_warmup_steps": warmup, "num_training_steps": steps}
    if hf_type == "cosine" and quadratic is True:
        if min_lr:
            notes.append("cosine_min_lr_ratio ignored: lr_quadratic_warmup wins (axolotl)")
        return build(
            _own(cfg, "cosine + lr_quadratic_warmup", notes), common, cfg, "lr_quadratic_warmup"
        )
    if ratio and constant and min_lr:
        values = {**common, "min_lr_ratio": ratio, "constant_lr_ratio": constant}
        name = "cosine + cosine_min_lr_ratio + cosine_constant_lr_ratio"
        return build(_own(cfg, name, notes), values, cfg, "cosine_constant_lr_ratio")
    if ratio and min_lr:
        values = {**common, "min_lr_ratio": ratio}
        return build(
            _own(cfg, "cosine + cosine_min_lr_ratio", notes), values, cfg, "cosine_min_lr_ratio"
        )
    if constant:
        notes.append("cosine_constant_lr_ratio ignored: it needs cosine_min_lr_ratio > 0")
    return _transformers(cfg, hf_type, lr, warmup, steps, notes)


def _own(cfg: Config, name: str, notes: list[str]) -> ScheduleDef:
    """axolotl's own scheduler ``name`` (its known_as), which takes no lr_scheduler_kwargs."""
    found = known("axolotl", name)
    if found is None:  # pragma: no cover - every name above is declared
        raise LrplotError(f"no lrplot schedule is axolotl's {name!r}")
    if _kwargs(cfg):
        notes.append(f"lr_scheduler_kwargs ignored: axolotl's {found.torch_class} takes none")
    return found


def _transformers(
    cfg: Config, kind: str, lr: float, warmup: int, steps: int, notes: list[str]
) -> Any:
    """HF Trainer.create_scheduler: get_scheduler(kind, warmup, steps, lr_scheduler_kwargs)."""
    definition = hf.types()[kind]
    own = {p.name for p in definition.params}
    values: dict[str, Any] = {}
    if "num_warmup_steps" in own:
        values["num_warmup_steps"] = warmup
    elif warmup:
        notes.append(f"warmup ignored: transformers' {kind} schedule has none")
    if "num_training_steps" in own:
        values["num_training_steps"] = steps
    kwargs = _kwargs(cfg)
    if kind in hf._NO_KWARGS:
        if kwargs:
            notes.append(f"lr_scheduler_kwargs ignored: transformers passes none to {kind}")
        kwargs = {}
    for key, value in kwargs.items():
        where = f"lr_scheduler_kwargs.{key}"
        if key in values:
            raise cfg.error(where, f"conflicts with the {key} the trainer passes itself")
        if key not in own:
            takes = sorted(own - {"num_warmup_steps", "num_training_steps"})
            listed = "it takes: " + ", ".join(takes) if takes else "it takes none"
            raise cfg.error(where, f"transformers' {kind} takes no argument {key!r} ({listed})")
        values[key] = value
    return build(definition, values, cfg, "lr_scheduler_kwargs" if kwargs else "lr_scheduler")


__all__ = ["FIELDS", "NAME", "READ", "SIGNS", "convert", "owns"]
