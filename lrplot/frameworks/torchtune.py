"""torchtune recipe configs (``tune run <recipe> --config x.yaml``) -> the schedule the
recipe builds, stepped after every optimizer step.

What the recipes do (torchtune 0.6.1: ``recipes/lora_finetune_single_device.py``,
``full_finetune_single_device.py`` and their distributed twins), repeated here:

* the DataLoader always drops the last partial batch (``drop_last=True``), over a
  ``StatefulDistributedSampler`` of the data-parallel size (1 on one device), which
  pads the dataset to a multiple of it: ``batches = ceil(N / devices) // batch_size``;
  the dataset size is not in the config: ``--dataset-size`` (or a ``dataset_size`` key,
  which torchtune ignores), or ``--steps-per-epoch``;
* ``steps_per_epoch = batches // gradient_accumulation_steps`` (floor: the last
  batches of an epoch that fill no accumulation window make no optimizer step),
  capped at ``max_steps_per_epoch`` when it is set and smaller (the loop breaks there);
* ``lr_scheduler`` is built with ``num_training_steps = epochs * steps_per_epoch`` and
  ``last_epoch = -1`` (a fresh run; these keyword arguments win over the config's):
  torchtune's cosine, or a transformers function that takes them,
  and stepped after every ``optimizer.step()``; without ``lr_scheduler`` the full
  fine-tune recipes keep the LR constant.

A config is data: ``_component_`` is a name looked up among the components lrplot
knows (the declarations' ``known_as["torchtune"]``), never imported, and a value that
is exactly ``${a.b}`` is read from that key of the config (OmegaConf's interpolation);
anything else with ``${`` is refused.

torchtune's own configs say in a comment how they are launched (``# tune run
--nnodes 1 --nproc_per_node 8 lora_finetune_distributed --config ...``): the config
gives no device count, so a note names the comment's when it is more than the run's
``--devices``, and the recipes whose rules differ.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..inputs import read_config_bytes
from ..params import LrplotError, ParamError
from ..schedules import REGISTRY, ScheduleDef, known_names
from . import hf
from .common import FLOAT, INT, TEXT, Config, Converted, Given, build, settings

NAME = "torchtune recipe"

# components that are the same function under another path (torchtune.training re-exports)
ALIASES = {
    "torchtune.training.get_cosine_schedule_with_warmup": (
        "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup"
    ),
}
# the keys lrplot reads (typos of them are refused)
READ = (
    "epochs",
    "batch_size",
    "gradient_accumulation_steps",
    "max_steps_per_epoch",
    "lr_scheduler",
    "optimizer",
    "dataset_size",
)
# what a torchtune recipe config has (top level) besides READ
_OTHER = """
output_dir model tokenizer checkpointer resume_from_checkpoint save_adapter_weights_only
dataset seed shuffle loss clip_grad_norm compile metric_logger log_every_n_steps
log_peak_memory_stats device dtype enable_activation_checkpointing
enable_activation_offloading profiler optimizer_in_bwd collate_fn low_cpu_ram
custom_sharded_layers fsdp_cpu_offload fsdp_reshard_after_forward tensor_parallel_dim
tensor_parallel_plan data_parallel_shard_dim data_parallel_replicate_dim
cudnn_deterministic_mode lr_scheduler_type recipe_checkpoint teacher_model
teacher_checkpointer kd_loss kd_ratio ref_model ref_checkpointer run_val_every_n_steps
dataset_val batch_size_val clip_grad quantizer fake_quant_after_n_steps
"""
FIELDS = frozenset({*READ, *_OTHER.split()})

_REFERENCE = re.compile(r"^\$\{([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)\}$")


def owns(data: Mapping[str, Any]) -> bool:
    """A torchtune config: some top-level table has a ``_component_``."""
    return any(isinstance(v, Mapping) and "_component_" in v for v in data.values())


def components() -> dict[str, ScheduleDef]:
    """The ``lr_scheduler._component_`` paths lrplot knows, and their schedules: torchtune's
    own (the declarations' ``known_as["torchtune"]``) and transformers' functions that take
    the ``num_training_steps`` and ``last_epoch`` the recipe passes."""
    known = dict(known_names("torchtune"))
    known.update({alias: known[target] for alias, target in ALIASES.items() if target in known})
    for d in REGISTRY.values():
        takes = {p.name for p in d.params}
        if d.library == "transformers" and "num_training_steps" in takes:
            for module in ("transformers", "transformers.optimization"):
                known.setdefault(f"{module}.{d.torch_class}", d)
    return known


def _listed(known: Mapping[str, ScheduleDef]) -> str:
    """The known components, transformers' functions once each (under either module)."""
    own = [k for k in known if not k.startswith("transformers.")]
    functions = [k.rsplit(".", 1)[1] for k in known if k.startswith("transformers.optimization.")]
    return ", ".join(own) + ", and transformers[.optimization]." + ", ".join(functions)


def resolve(cfg: Config, root: Mapping[str, Any], name: str) -> Any:
    """The value of ``name`` with a ``${a.b}`` interpolation followed (OmegaConf's rule:
    a value that is only a reference takes the referenced value, with its type)."""
    value = cfg.data.get(name)
    seen: list[str] = []
    while isinstance(value, str) and "${" in value:
        match = _REFERENCE.match(value.strip())
        if match is None:
            raise cfg.error(
                name,
                f"{value!r}: lrplot follows only a plain ${{key}} reference (no resolvers, "
                "no text around it): write the value",
            )
        target = match.group(1)
        if target in seen or len(seen) > 16:
            raise cfg.error(name, f"{value!r}: the reference loops")
        seen.append(target)
        value = root
        for part in target.split("."):
            if not isinstance(value, Mapping) or part not in value:
                raise cfg.error(name, f"refers to ${{{target}}}, which the config does not have")
            value = value[part]
    return value


def _resolved(cfg: Config, root: Mapping[str, Any], names: Any = None) -> Config:
    """The table with the references of its keys ``names`` (default: all) followed."""
    data = {
        k: resolve(cfg, root, k) if names is None or k in names else v for k, v in cfg.data.items()
    }
    return Config(cfg.path, data, cfg.prefix)


_TUNE_RUN = re.compile(r"#+\s*tune run\s+(.*)")
# recipes whose steps or schedule differ from the rules above: what lrplot says
_OTHER_RECIPES = {
    "qat_distributed": "builds no lr scheduler: the LR stays at the optimizer's lr",
    "knowledge_distillation_distributed": (
        "keeps the last partial batch: pass --steps-per-epoch "
        "ceil(ceil(N / devices) / batch_size) // gradient_accumulation_steps"
    ),
}


def launch(path: Path) -> tuple[int, int, str] | None:
    """The first ``tune run`` in the config's comments: (its line, the devices it runs
    on: --nnodes x --nproc_per_node, the recipe), if there is one."""
    try:
        text = read_config_bytes(path).decode("utf-8", "replace")
    except LrplotError:
        return None
    for number, line in enumerate(text.splitlines(), 1):
        m = _TUNE_RUN.match(line.strip())
        if m is None:
            continue
        words = m.group(1).split()
        counts = {"--nnodes": 1, "--nproc_per_node": 1}
        recipe = ""
        k = 0
        while k < len(words) and not recipe:
            name, eq, value = words[k].partition("=")
            name = name.replace("-per-", "_per_")
            if name in counts:
                if not eq:
                    k += 1
                    value = words[k] if k < len(words) else ""
                if not value.isdigit():
                    return None
                counts[name] = int(value)
            elif not name.startswith("-"):
                recipe = name
            k += 1
        return number, counts["--nnodes"] * counts["--nproc_per_node"], recipe
    return None


def _launch_notes(cfg: Config, given: Given, notes: list[str]) -> None:
    found = launch(cfg.path)
    if found is None:
        return
    line, devices, recipe = found
    command = f"line {line}: tune run ... {recipe}" if recipe else f"line {line}: tune run"
    given_devices = given.plan.get("devices") or 1
    if devices > given_devices and given.steps_per_epoch is None:
        notes.append(
            f"the config's comment runs it on {devices} devices ({command}): shown on "
            f"{given_devices}; pass --devices {devices} if the run has them"
        )
    if recipe in _OTHER_RECIPES:
        notes.append(f"{recipe} ({command}) {_OTHER_RECIPES[recipe]}")


def _reinforcement(cfg: Config) -> None:
    """PPO and GRPO recipes count their steps their own way (num_steps, ppo_epochs,
    generations): refused by name rather than by a missing key."""
    found = launch(cfg.path)
    recipe = found[2] if found else ""
    rl = "ppo" in recipe or "grpo" in recipe or "ppo_epochs" in cfg.data
    if rl:
        what = recipe.rsplit("/", 1)[-1] or "a PPO recipe (ppo_epochs)"
        raise cfg.error(
            "lr_scheduler",
            f"{what}: lrplot reads the fine-tune, LoRA, DPO and distillation recipes' "
            "configs; PPO and GRPO count their steps otherwise",
        )


def convert(cfg: Config, given: Given) -> Converted:
    _reinforcement(cfg)
    cfg.typos(FIELDS, READ)
    root = cfg.data
    top = _resolved(cfg, root, READ)
    notes: list[str] = []

    lr = given.lr
    if "optimizer" not in cfg.data:
        raise cfg.error(
            "optimizer",
            "missing: lrplot reads the configs of training recipes, which have one "
            "(a generation, evaluation or quantization config has no schedule)",
        )
    optimizer = top.table("optimizer")
    assert optimizer is not None
    if lr is None:
        lr = _resolved(optimizer, root, ("lr",)).value("lr", FLOAT, low=0, low_open=True)

    epochs = top.value("epochs", INT, low=1)
    if given.epochs is not None:
        epochs = given.epochs
    per_epoch = _steps_per_epoch(top, given, notes)
    _launch_notes(cfg, given, notes)
    total = epochs * per_epoch
    unit = "epoch" if epochs == 1 else "epochs"
    notes.append(f"num_training_steps = {epochs} {unit} x {per_epoch:,} = {total:,}")

    schedule = _schedule(top, root, total, notes)
    run = settings(cfg, lr, epochs, per_epoch, "step")
    return Converted(NAME, [schedule], run, notes=notes)


def _steps_per_epoch(top: Config, given: Given, notes: list[str]) -> int:
    """The recipe's ``steps_per_epoch``: optimizer steps per epoch."""
    accumulate = top.value("gradient_accumulation_steps", INT, low=1)
    if given.plan.get("grad_accum") is not None:
        accumulate = given.plan["grad_accum"]
    cap = top.value("max_steps_per_epoch", INT, None, low=1)
    size = given.plan.get("dataset_size") or top.value("dataset_size", INT, None, low=1)
    if given.steps_per_epoch is not None:
        if size is not None:
            raise top.error("dataset_size", "give the dataset size or --steps-per-epoch, not both")
        steps = given.steps_per_epoch
        how = f"{steps:,} optimizer steps/epoch (--steps-per-epoch)"
    else:
        if size is None:
            raise top.error(
                "epochs",
                "counting optimizer steps needs the training set's size (after packing, "
                "if packed): pass --dataset-size (or --steps-per-epoch)",
            )
        if given.plan.get("drop_last") is False:
            raise top.error(
                "batch_size",
                "torchtune's DataLoader always drops the last partial batch (drop_last=True): "
                "leave out --no-drop-last",
            )
        batch = top.value("batch_size", INT, low=1)
        if given.plan.get("batch_size") is not None:
            batch = given.plan["batch_size"]
        devices = given.plan.get("devices") or 1
        shard = -(-size // devices)  # the sampler pads every process to ceil(N / devices)
        batches = shard // batch
        if devices > 1:
            how = f"{size:,} samples / {devices} devices = {shard:,} each, / batch {batch:,}"
        else:
            how = f"{size:,} samples / batch {batch:,}"
        how += f" = {batches:,} batches/epoch"
        if shard % batch:
            how += f" (last {shard % batch:,} dropped)"
        steps = batches // accumulate
        if accumulate > 1:
            how += f", // accumulate {accumulate} = {steps:,} steps/epoch"
            left = batches % accumulate
            if left:
                what = "batch makes" if left == 1 else f"{left} batches make"
                how += f" (the last {what} no step)"
    if cap is not None and cap < steps:
        how += f", max_steps_per_epoch {cap:,}"
        steps = cap
    notes.append(how)
    if steps < 1:
        raise top.error(
            "batch_size",
            "an epoch has no optimizer step (fewer batches than gradient_accumulation_steps): "
            "torchtune's scheduler would get num_training_steps 0",
        )
    return steps


def _schedule(top: Config, root: Mapping[str, Any], total: int, notes: list[str]) -> Any:
    section = top.table("lr_scheduler", None)
    if section is None:
        notes.append("no lr_scheduler: the LR stays constant (the full fine-tune recipes)")
        return build(hf.types()["constant"], {}, top, "lr_scheduler")
    section = _resolved(section, root)
    known = components()
    path = section.value("_component_", TEXT)
    definition = known.get(path.strip())
    if definition is None:
        raise section.error(
            "_component_",
            f"unknown scheduler {path!r}: the recipe calls it with num_training_steps= and "
            f"last_epoch=, and lrplot knows: {_listed(known)}",
        )
    own = {p.name: p for p in definition.params}
    values: dict[str, Any] = {"num_training_steps": total}
    passed = ("num_training_steps", "last_epoch")
    for key in section.data:
        if key == "_component_":
            continue
        if key in passed:
            notes.append(f"lr_scheduler.{key} ignored: the recipe passes its own")
            continue
        if key not in own:
            takes = ", ".join(k for k in own if k not in passed)
            function = path.rsplit(".", 1)[-1]
            raise section.error(key, f"{function} takes no argument {key!r} (it takes: {takes})")
        try:
            values[key] = own[key].parse(section.data[key])
        except ParamError as err:
            message = str(err).removeprefix(f"{key} ")
            raise section.error(key, message) from None
    if "num_warmup_steps" in own and "num_warmup_steps" not in values:
        raise section.error("num_warmup_steps", "missing: torchtune's scheduler needs it")
    return build(definition, values, section, "_component_")


__all__ = ["FIELDS", "NAME", "READ", "components", "convert", "owns"]
