"""HuggingFace ``TrainingArguments`` (JSON/YAML, e.g. ``training_args.to_json_string()``)
-> lrplot's ``hf-*`` schedules, stepped after every optimizer step.

What the ``Trainer`` does (transformers 5.24, ``Trainer.set_initial_training_values``,
``Trainer.create_scheduler``, ``TrainingArguments.get_warmup_steps``), repeated here:

* optimizer steps per epoch: ``num_update_steps_per_epoch = max(ceil(batches /
  gradient_accumulation_steps), 1)``, batches = ``ceil(dataset_size /
  per_device_train_batch_size)`` (floor with ``dataloader_drop_last``); the dataset
  size is not a TrainingArguments field: ``dataset_size`` in the config, or
  ``--dataset-size`` (lrplot's plan options ``--batch-size``, ``--grad-accum``,
  ``--devices``, ``--drop-last`` override the config's);
* ``num_training_steps = max_steps`` if ``max_steps > 0``, else
  ``ceil(num_train_epochs * num_update_steps_per_epoch)``;
* warmup: ``int(warmup_steps)`` if ``warmup_steps >= 1``, else
  ``ceil(num_training_steps * warmup_steps)`` (5.x: a float below 1 is a ratio);
  a transformers 4.x ``warmup_ratio`` is used when ``warmup_steps`` is 0
  (4.x: ``warmup_steps if warmup_steps > 0 else ceil(num_training_steps * warmup_ratio)``);
* ``get_scheduler(lr_scheduler_type, num_warmup_steps, num_training_steps,
  scheduler_specific_kwargs=lr_scheduler_kwargs)``, which passes each type only what
  its function takes (constant: nothing; constant_with_warmup: the warmup only;
  inverse_sqrt: no num_training_steps).
"""

from __future__ import annotations

import json
import math
from typing import Any

from ..engine import MAX_STEPS
from ..params import LrplotError
from ..schedules import Schedule, ScheduleDef, known_names
from . import deepspeed
from .common import BOOL, FLOAT, INT, Config, Converted, Given, build, plan_steps, settings

NAME = "HuggingFace TrainingArguments"


# lr_scheduler_type -> lrplot schedule: the declarations' known_as["hf"] (read when a
# config is converted: every schedule module has registered by then)
def types() -> dict[str, ScheduleDef]:
    """transformers' lr_scheduler_type names lrplot models, and their schedules."""
    return {k: d for k, d in known_names("hf").items() if k not in UNSUPPORTED}


UNSUPPORTED = {
    "reduce_lr_on_plateau": "it steps on evaluation results (use lrplot's plateau schedule)",
    "greedy": "it steps on evaluation results",
}
# transformers' own words a config compares against (some equal lrplot names)
WORDS = frozenset({*known_names("hf"), *UNSUPPORTED})

# get_scheduler passes these types no lr_scheduler_kwargs (it returns before)
_NO_KWARGS = {"constant", "constant_with_warmup"}

# the keys that say "this is a TrainingArguments config"
SIGNS = frozenset(
    {
        "lr_scheduler_type",
        "learning_rate",
        "num_train_epochs",
        "per_device_train_batch_size",
        "warmup_ratio",
        "lr_scheduler_kwargs",
        "gradient_accumulation_steps",
        "output_dir",
    }
)
READ = (
    "learning_rate",
    "lr_scheduler_type",
    "lr_scheduler_kwargs",
    "warmup_steps",
    "warmup_ratio",
    "num_train_epochs",
    "max_steps",
    "per_device_train_batch_size",
    "gradient_accumulation_steps",
    "dataloader_drop_last",
    "dataset_size",
)
# TrainingArguments' fields (transformers 5.24) and a few of 4.x's: other keys that
# look like READ ones are typos
_FIELDS = """
output_dir per_device_train_batch_size num_train_epochs max_steps learning_rate
lr_scheduler_type lr_scheduler_kwargs warmup_steps optim optim_args weight_decay
adam_beta1 adam_beta2 adam_epsilon optim_target_modules gradient_accumulation_steps
average_tokens_across_devices max_grad_norm label_smoothing_factor bf16 fp16
bf16_full_eval fp16_full_eval tf32 activation_checkpointing
activation_checkpointing_kwargs gradient_checkpointing gradient_checkpointing_kwargs
torch_compile torch_compile_backend torch_compile_mode use_liger_kernel
liger_kernel_config use_cache neftune_noise_alpha torch_empty_cache_steps
auto_find_batch_size logging_strategy logging_steps logging_first_step log_on_each_node
logging_nan_inf_filter include_num_input_tokens_seen log_level log_level_replica
disable_tqdm report_to run_name project trackio_space_id trackio_bucket_id
trackio_static_space_id eval_strategy eval_steps eval_delay per_device_eval_batch_size
prediction_loss_only eval_on_start eval_do_concat_batches eval_use_gather_object
eval_accumulation_steps include_for_metrics batch_eval_metrics save_only_model
save_strategy save_steps save_on_each_node save_total_limit enable_jit_checkpoint
push_to_hub hub_token hub_private_repo hub_model_id hub_strategy hub_always_push
hub_revision load_best_model_at_end metric_for_best_model greater_is_better
ignore_data_skip restore_callback_states_from_checkpoint full_determinism seed data_seed
use_cpu accelerator_config parallelism_config dataloader_drop_last
dataloader_num_workers dataloader_pin_memory dataloader_persistent_workers
dataloader_prefetch_factor dataloader_multiprocessing_context dataloader_in_order
remove_unused_columns label_names train_sampling_strategy length_column_name
ddp_find_unused_parameters ddp_bucket_cap_mb ddp_broadcast_buffers ddp_static_graph
ddp_backend ddp_timeout fsdp fsdp_config deepspeed debug skip_memory_metrics do_train
do_eval do_predict resume_from_checkpoint local_rank warmup_ratio evaluation_strategy
per_gpu_train_batch_size per_gpu_eval_batch_size overwrite_output_dir logging_dir
save_safetensors no_cuda use_mps_device group_by_length dataset_size
"""
FIELDS = frozenset(_FIELDS.split())


def convert(cfg: Config, given: Given) -> Converted:
    cfg.typos(FIELDS, READ)
    notes: list[str] = []
    lr = given.lr
    if lr is None:
        lr = cfg.value("learning_rate", FLOAT, 5e-5, low=0, low_open=True)
    known = types()
    kind = cfg.choice("lr_scheduler_type", [*known, *UNSUPPORTED], "linear")
    if kind in UNSUPPORTED:
        raise cfg.error("lr_scheduler_type", f"{kind!r} is not supported: {UNSUPPORTED[kind]}")
    kwargs = _kwargs(cfg)

    # optimizer steps per epoch, and the number of training steps
    max_steps = cfg.value("max_steps", INT, -1)
    if max_steps == 0:
        raise cfg.error("max_steps", "0 trains no step (-1, the default, trains by epochs)")
    epochs_f = cfg.value("num_train_epochs", FLOAT, 3.0, low=0)
    if given.epochs is not None:
        epochs_f = float(given.epochs)
    per_epoch, how = _steps_per_epoch(cfg, given)
    if max_steps > 0:
        total = max_steps
        if given.epochs is not None:
            notes.append(f"max_steps {max_steps} overrides --epochs, as in HF")
    elif per_epoch is None:
        raise cfg.error(
            "num_train_epochs",
            "counting optimizer steps needs the training set's size: give dataset_size in "
            "the config or --dataset-size (or max_steps, or --steps-per-epoch)",
        )
    else:
        if epochs_f * per_epoch > MAX_STEPS:
            raise cfg.error(
                "num_train_epochs",
                f"{epochs_f:g} epochs of {per_epoch} steps are more than lrplot shows "
                f"({MAX_STEPS:,} steps)",
            )
        total = math.ceil(epochs_f * per_epoch)
        if total < 1:
            raise cfg.error("num_train_epochs", f"{epochs_f:g} epochs is no optimizer step")
    if how:
        notes.append(how)

    warmup = _warmup_steps(cfg, total, notes)
    if "deepspeed" in cfg:  # the DeepSpeed scheduler, if the ds_config has one, wins
        where, ds_config = deepspeed.load(cfg, cfg.raw("deepspeed"))
        if deepspeed.has_scheduler(ds_config):
            schedule = deepspeed.from_hf(cfg, where, ds_config, lr, total, warmup, kind, notes)
            return _converted(cfg, schedule, lr, total, per_epoch, notes)
        deepspeed.fill_auto(cfg.path, ds_config, lr, total, warmup)  # HF's mismatch checks
        notes.append(
            "the ds_config has no scheduler: the Trainer's lr_scheduler_type runs "
            "(DeepSpeed steps it)"
        )
    definition = known[kind]
    own = {p.name for p in definition.params}
    values: dict[str, Any] = {}
    # get_scheduler passes the warmup and the training steps to the functions that take them
    if "num_warmup_steps" in own:
        values["num_warmup_steps"] = warmup
    elif warmup:
        notes.append(f"warmup ignored: HF's {kind} schedule has none")
    if "num_training_steps" in own:
        values["num_training_steps"] = total
    if kind in _NO_KWARGS:
        if kwargs:
            notes.append(f"lr_scheduler_kwargs ignored: HF passes none to {kind}")
    else:
        for key, value in kwargs.items():
            if key in values:
                raise cfg.error(
                    f"lr_scheduler_kwargs.{key}",
                    f"conflicts with the {key} the Trainer passes itself ({values[key]}); "
                    "HF fails with 'got multiple values for argument'",
                )
            if key == "last_epoch":
                if value != -1:
                    raise cfg.error("lr_scheduler_kwargs.last_epoch", "must be -1 (a fresh run)")
                continue
            values[key] = value
        for key in kwargs:
            if key != "last_epoch" and key not in own:
                takes = sorted(own - {"num_warmup_steps", "num_training_steps"})
                raise cfg.error(
                    f"lr_scheduler_kwargs.{key}",
                    f"{kind} takes no argument {key!r} "
                    f"({'it takes: ' + ', '.join(takes) if takes else 'it takes none'})",
                )
        end = values.get("lr_end", 1e-7)  # a non-number is lrplot's build's to refuse
        if kind == "polynomial" and isinstance(end, (int, float)) and not lr > end:
            key = "lr_scheduler_kwargs.lr_end" if "lr_end" in values else "learning_rate"
            raise cfg.error(
                key,
                f"polynomial needs lr_end ({end:g}) below the learning rate ({lr:g}): HF "
                "fails otherwise",
            )
    key = "lr_scheduler_kwargs" if kwargs else "lr_scheduler_type"
    schedule = build(definition, values, cfg, key)
    return _converted(cfg, schedule, lr, total, per_epoch, notes)


def _converted(
    cfg: Config, schedule: Schedule, lr: float, total: int, per_epoch: int | None, notes: list[str]
) -> Converted:
    """The run: whole epochs of per_epoch optimizer steps, else one run of total steps."""
    if per_epoch is not None and total % per_epoch == 0:
        epochs, steps = total // per_epoch, per_epoch
    else:
        epochs, steps = 1, total
        if per_epoch is not None:
            notes.append(
                f"{total} optimizer steps are not a whole number of epochs of {per_epoch}: "
                "shown as one run of optimizer steps"
            )
    run = settings(cfg, lr, epochs, steps, "step")
    return Converted(NAME, [schedule], run, notes=notes)


def _kwargs(cfg: Config) -> dict[str, Any]:
    """lr_scheduler_kwargs: a table, or its JSON text (TrainingArguments takes both)."""
    raw = cfg.raw("lr_scheduler_kwargs", {})
    if isinstance(raw, str):
        text = raw.strip()
        if not text:
            return {}
        try:
            raw = json.loads(text)  # data only, like TrainingArguments itself
        except json.JSONDecodeError as err:
            raise cfg.error("lr_scheduler_kwargs", f"is text but not JSON: {err}") from None
    if not isinstance(raw, dict):
        raise cfg.error("lr_scheduler_kwargs", "must be a table of keyword arguments")
    return {str(k): v for k, v in raw.items()}


def _steps_per_epoch(cfg: Config, given: Given) -> tuple[int | None, str | None]:
    """HF's num_update_steps_per_epoch, from --steps-per-epoch or the training plan."""
    if given.steps_per_epoch is not None:
        if "dataset_size" in cfg or given.plan.get("dataset_size") is not None:
            raise cfg.error(
                "dataset_size",
                "give the dataset size or --steps-per-epoch, not both",
            )
        return given.steps_per_epoch, None
    config = {
        "dataset_size": cfg.value("dataset_size", INT, None, low=1),
        "batch_size": cfg.value("per_device_train_batch_size", INT, 8, low=1),
        "grad_accum": cfg.value("gradient_accumulation_steps", INT, 1, low=1),
        "drop_last": cfg.value("dataloader_drop_last", BOOL, False),
    }
    try:
        return plan_steps(given, config)
    except LrplotError as err:
        raise cfg.error("dataset_size", str(err)) from None


_RATIO_OVERRIDDEN = (
    "warmup_steps > 0 overrides warmup_ratio, as in HF 4.x (warmup_ratio is deprecated: "
    "transformers 5 has none)"
)


def _warmup_steps(cfg: Config, total: int, notes: list[str]) -> int:
    """TrainingArguments.get_warmup_steps: transformers 5's rule (warmup_steps >= 1 a
    count, below 1 a ratio), and 4.x's warmup_ratio when warmup_steps is 0 (5.x
    removed warmup_ratio); a note says which rule applied."""
    steps = cfg.value("warmup_steps", FLOAT, 0.0, low=0)
    ratio = cfg.value("warmup_ratio", FLOAT, 0.0, low=0, high=1)
    if steps >= 1:
        if steps != int(steps):
            notes.append(f"warmup_steps {steps:g} counts as {int(steps)} (HF: int(warmup_steps))")
        if ratio > 0:
            notes.append(_RATIO_OVERRIDDEN)
        return int(steps)
    if steps > 0:  # transformers 5: a float below 1 is a share of the training steps
        warmup = math.ceil(total * steps)
        # the note README.md and docs/configs.md show
        notes.append(
            f"warmup_steps = ceil({steps:g} x {total}) = {warmup} (transformers 5: "
            "warmup_steps below 1 is a share of the training steps)"
        )
        if ratio > 0:
            notes.append(_RATIO_OVERRIDDEN)
        return warmup
    if ratio > 0:  # transformers 4.x
        warmup = math.ceil(total * ratio)
        notes.append(
            f"warmup_ratio: ceil({ratio:g} x {total}) = {warmup} warmup steps (transformers "
            f"4.x's rule; deprecated, and transformers 5 has no warmup_ratio: write "
            f"warmup_steps {ratio:g})"
        )
        return warmup
    return 0
