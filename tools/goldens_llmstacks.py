"""Write golden LR traces for torchtune and axolotl, from their own scheduler code.

Run as ``python tools/goldens_llmstacks.py --torchtune-src DIR --axolotl-src DIR``,
where DIR are the unpacked wheels of torchtune 0.6.1 and axolotl 0.21.0 (``pip
download torchtune==0.6.1 axolotl==0.21.0 --no-deps``, then unzip; axolotl's wheel
wants ``--python-version 3.12 --only-binary=:all:``), with a Python that has torch
2.13, transformers 5.24, omegaconf and PyYAML. Neither package is imported whole
(they pull in CUDA-only and heavy dependencies): ``torchtune/training/lr_schedulers.py``
(with a stand-in for the one class it imports, used only in ``get_lr``) and
``axolotl/utils/schedulers.py`` (torch only) are loaded alone with importlib.

It writes:

* ``tests/golden/axolotl-*.csv``: each of axolotl's schedulers (lrplot's
  ``axolotl-*``), in golden_io's training loop, and (``axolotl-sequential-*``,
  ``axolotl-chained-*``) its LambdaLRs under torch's SequentialLR / ChainedScheduler;
  tests/test_parity.py checks them;
* ``tests/golden/tt-cosine-*.csv``: torchtune's ``get_cosine_schedule_with_warmup``,
  which lrplot shows as ``hf-cosine`` (the same lambda): the case's schedule is
  hf-cosine, so test_parity checks lrplot's hf-cosine against torchtune's function;
* ``tests/golden/llmstacks/NAME.csv`` for every config of ``CONFIGS`` (the sample
  configs and a few more in that folder): the LR at every optimizer step of the run
  the config describes. The steps are REPLAYED, not run: the recipe (torchtune) or
  trainer (axolotl) is not started; this script repeats their step counting from
  their source (quoted at each function below), builds the real scheduler with it
  (torchtune's or axolotl's function, transformers' get_scheduler / TrainingArguments,
  torch's OneCycleLR) and steps it the way their loop does.

Only this script's files are replaced (and its stale ones deleted).
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import sys
import types
from pathlib import Path
from typing import Any

import golden_io
from golden_io import GOLDEN, Case, Columns, record

try:
    import torch
    import transformers
    import yaml
    from omegaconf import OmegaConf
except ImportError as err:  # pragma: no cover - depends on the machine
    sys.exit(f"goldens_llmstacks.py needs torch, transformers 5.24, omegaconf and PyYAML: {err}")

ROOT = Path(__file__).resolve().parent.parent
STACKS = GOLDEN / "llmstacks"
PREFIXES = ("axolotl-", "tt-cosine-")

# config -> (stack, lrplot run arguments): the traces of tests/golden/llmstacks/
CONFIGS: dict[str, tuple[str, str, list[str]]] = {
    "torchtune_lora": ("torchtune", "sample_configs/torchtune_lora.yaml", []),
    "tt_max_steps": ("torchtune", "tests/golden/llmstacks/tt_max_steps.yaml", []),
    "tt_devices": (
        "torchtune",
        "tests/golden/llmstacks/tt_devices.yaml",
        ["--dataset-size", "1001", "--devices", "2"],
    ),
    "tt_full_no_scheduler": ("torchtune", "tests/golden/llmstacks/tt_full_no_scheduler.yaml", []),
    "tt_transformers_wsd": ("torchtune", "tests/golden/llmstacks/tt_transformers_wsd.yaml", []),
    "tt_transformers_linear": (
        "torchtune",
        "tests/golden/llmstacks/tt_transformers_linear.yaml",
        [],
    ),
    "axolotl": ("axolotl", "sample_configs/axolotl.yaml", []),
    "ax_batch_size": (
        "axolotl",
        "tests/golden/llmstacks/ax_batch_size.yaml",
        ["--dataset-size", "1000", "--devices", "2"],
    ),
    "ax_rex": ("axolotl", "tests/golden/llmstacks/ax_rex.yaml", ["--dataset-size", "999"]),
    "ax_one_cycle": ("axolotl", "tests/golden/llmstacks/ax_one_cycle.yaml", []),
    "ax_constant": ("axolotl", "tests/golden/llmstacks/ax_constant.yaml", []),
    "ax_quadratic": ("axolotl", "tests/golden/llmstacks/ax_quadratic.yaml", []),
    "ax_linear_max_steps": ("axolotl", "tests/golden/llmstacks/ax_linear_max_steps.yaml", []),
    "ax_default_warmup": (
        "axolotl",
        "tests/golden/llmstacks/ax_default_warmup.yaml",
        ["--dataset-size", "5000", "--devices", "2"],
    ),
    # real configs of the stacks' repositories (tests/fixtures/configs/, source in line 2)
    "real_tt_qwen2_5_72B_lora": (
        "torchtune",
        "tests/fixtures/configs/torchtune/qwen2_5_72B_lora.yaml",
        ["--dataset-size", "10000", "--devices", "8"],
    ),
    "real_ax_replit_3b_lora": (
        "axolotl",
        "tests/fixtures/configs/axolotl/replit-3b_config-lora.yml",
        ["--dataset-size", "1000"],
    ),
}


def load_alone(name: str, path: Path) -> types.ModuleType:
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def torchtune_module(src: Path) -> types.ModuleType:
    """torchtune/training/lr_schedulers.py alone; its one import of torchtune (a class
    used only by get_lr, not by the scheduler) is a stand-in."""
    for name in ("torchtune", "torchtune.training"):
        sys.modules.setdefault(name, types.ModuleType(name))
    memory = types.ModuleType("torchtune.training.memory")
    memory.OptimizerInBackwardWrapper = type("OptimizerInBackwardWrapper", (), {})  # type: ignore[attr-defined]
    sys.modules["torchtune.training.memory"] = memory
    return load_alone("tt_lr_schedulers", src / "torchtune" / "training" / "lr_schedulers.py")


def axolotl_module(src: Path) -> types.ModuleType:
    return load_alone("ax_schedulers", src / "axolotl" / "utils" / "schedulers.py")


# --- the schedule cases ------------------------------------------------------------------


def cases() -> list[Case]:
    c = golden_io.case
    step = {"steps_per_epoch": 10, "interval": "step"}
    out = [
        # torchtune's cosine: hf-cosine's parameters
        c("01-w10", "hf-cosine", {"num_warmup_steps": 10, "num_training_steps": 100}),
        c("02-w0", "hf-cosine", {"num_warmup_steps": 0, "num_training_steps": 100}),
        c(
            "03-cycles1",
            "hf-cosine",
            {"num_warmup_steps": 5, "num_training_steps": 80, "num_cycles": 1.0},
        ),
        c("04-past-end", "hf-cosine", {"num_warmup_steps": 10, "num_training_steps": 60}),
        c(
            "05-steps",
            "hf-cosine",
            {"num_warmup_steps": 7, "num_training_steps": 50},
            lr=3e-4,
            epochs=5,
            **step,
        ),
        c("06-warmup-all", "hf-cosine", {"num_warmup_steps": 100, "num_training_steps": 100}),
        c(
            "07-long",
            "hf-cosine",
            {"num_warmup_steps": 100, "num_training_steps": 1617},
            lr=3e-4,
            epochs=1,
            steps_per_epoch=1617,
            interval="step",
        ),
        c(
            "08-cycles0.3",
            "hf-cosine",
            {"num_warmup_steps": 3, "num_training_steps": 40, "num_cycles": 0.3},
            epochs=50,
        ),
        # axolotl's schedulers
        c(
            "01-w10",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr_ratio": 0.1},
        ),
        c("02-ratio0", "axolotl-cosine-min-lr", {"num_warmup_steps": 0, "num_training_steps": 100}),
        c(
            "03-past-end",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 5, "num_training_steps": 60, "min_lr_ratio": 0.3},
        ),
        c(
            "04-steps",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 37, "num_training_steps": 750, "min_lr_ratio": 0.1},
            lr=2e-4,
            epochs=3,
            steps_per_epoch=250,
            interval="step",
        ),
        c(
            "05-ratio1",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 4, "num_training_steps": 30, "min_lr_ratio": 1.0},
            epochs=30,
        ),
        c(
            "06-w-all",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 50, "num_training_steps": 50, "min_lr_ratio": 0.05},
            epochs=60,
        ),
        c(
            "07-t1",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 0, "num_training_steps": 1, "min_lr_ratio": 0.2},
            epochs=10,
        ),
        c(
            "08-tiny-lr",
            "axolotl-cosine-min-lr",
            {"num_warmup_steps": 3, "num_training_steps": 90, "min_lr_ratio": 0.01},
            lr=1e-6,
            epochs=90,
        ),
    ]
    const = "axolotl-cosine-constant"
    out += [
        c(
            "01-c0.8",
            const,
            {
                "num_warmup_steps": 10,
                "num_training_steps": 100,
                "constant_lr_ratio": 0.8,
                "min_lr_ratio": 0.1,
            },
        ),
        c(
            "02-w0",
            const,
            {
                "num_warmup_steps": 0,
                "num_training_steps": 100,
                "constant_lr_ratio": 0.5,
                "min_lr_ratio": 0.2,
            },
        ),
        c(
            "03-c1",
            const,
            {
                "num_warmup_steps": 5,
                "num_training_steps": 100,
                "constant_lr_ratio": 1.0,
                "min_lr_ratio": 0.0,
            },
        ),
        c(
            "04-cycles1",
            const,
            {
                "num_warmup_steps": 5,
                "num_training_steps": 100,
                "constant_lr_ratio": 0.7,
                "min_lr_ratio": 0.1,
                "num_cycles": 1.0,
            },
        ),
        c(
            "05-c-below-w",
            const,
            {
                "num_warmup_steps": 20,
                "num_training_steps": 100,
                "constant_lr_ratio": 0.1,
                "min_lr_ratio": 0.1,
            },
        ),
        c(
            "06-steps",
            const,
            {
                "num_warmup_steps": 12,
                "num_training_steps": 333,
                "constant_lr_ratio": 0.9,
                "min_lr_ratio": 0.05,
            },
            lr=1e-4,
            epochs=37,
            **step,
        ),
        c(
            "07-odd-int",
            const,
            {
                "num_warmup_steps": 3,
                "num_training_steps": 77,
                "constant_lr_ratio": 0.33,
                "min_lr_ratio": 0.25,
            },
            epochs=80,
        ),
        c(
            "08-cycles0.75",
            const,
            {
                "num_warmup_steps": 0,
                "num_training_steps": 50,
                "constant_lr_ratio": 0.6,
                "min_lr_ratio": 0.1,
                "num_cycles": 0.75,
            },
            epochs=50,
        ),
    ]
    quad = "axolotl-cosine-quadratic"
    out += [
        c("01-w20", quad, {"num_warmup_steps": 20, "num_training_steps": 100}),
        c("02-w0", quad, {"num_warmup_steps": 0, "num_training_steps": 100}),
        c("03-w1", quad, {"num_warmup_steps": 1, "num_training_steps": 50}, epochs=50),
        c("04-past-end", quad, {"num_warmup_steps": 7, "num_training_steps": 60}),
        c("05-cycles1", quad, {"num_warmup_steps": 9, "num_training_steps": 90, "num_cycles": 1.0}),
        c(
            "06-steps",
            quad,
            {"num_warmup_steps": 33, "num_training_steps": 400},
            lr=2e-5,
            epochs=40,
            **step,
        ),
        c("07-w-all", quad, {"num_warmup_steps": 60, "num_training_steps": 60}, epochs=70),
        c("08-w3", quad, {"num_warmup_steps": 3, "num_training_steps": 13}, epochs=20),
        # axolotl's examples/llama-2/gptq-lora.yml with 10,000 samples (warmup_ratio 0.1 of
        # 40,000 steps): Python's (n / w) ** 2 is libm's pow, one ulp off n*n/w/w at steps
        # 2759 and 3259
        c(
            "09-w4000-pow",
            quad,
            {"num_warmup_steps": 4000, "num_training_steps": 40000},
            lr=1.7e-5,
            epochs=420,
            **step,
        ),
    ]
    rex = "axolotl-rex"
    out += [
        c("01-defaults", rex, {"total_steps": 100}),
        c("02-w10", rex, {"total_steps": 100, "num_warmup_steps": 10}),
        c("03-min-lr", rex, {"total_steps": 100, "num_warmup_steps": 5, "min_lr": 0.01}),
        c("04-max-lr", rex, {"total_steps": 80, "max_lr": 0.2, "min_lr": 0.05}),
        c("05-past-end", rex, {"total_steps": 50, "num_warmup_steps": 5}),
        c(
            "06-steps",
            rex,
            {"total_steps": 400, "num_warmup_steps": 37, "min_lr": 2e-5},
            lr=2e-4,
            epochs=40,
            **step,
        ),
        c("07-w-all", rex, {"total_steps": 30, "num_warmup_steps": 30}, epochs=40),
        c("08-total0", rex, {"total_steps": 0}, epochs=10),
        c("09-w1", rex, {"total_steps": 20, "num_warmup_steps": 1, "min_lr": 0.001}, epochs=25),
    ]
    for case in out:
        if case["spec"]["schedule"] == "hf-cosine":
            case["name"] = "tt-cosine-" + case["name"].removeprefix("hf-cosine-")
            case["spec"]["library"] = "torchtune 0.6.1 get_cosine_schedule_with_warmup"
        else:
            case["spec"]["library"] = "axolotl 0.21.0 utils/schedulers.py"
    return out


def one(name: str, p: dict[str, Any], lr: float, tt: Any, ax: Any) -> Any:
    """A builder (optimizer -> scheduler) of the real scheduler ``name`` with lrplot's
    parameters ``p``: torchtune's or axolotl's, or one of torch's (composition cases)."""
    S = torch.optim.lr_scheduler
    table = {
        "hf-cosine": tt.get_cosine_schedule_with_warmup,
        "axolotl-cosine-min-lr": ax.get_cosine_schedule_with_min_lr,
        "axolotl-cosine-constant": ax.get_cosine_schedule_with_warmup_decay_constant,
        "axolotl-cosine-quadratic": ax.get_cosine_schedule_with_quadratic_warmup,
        "axolotl-rex": lambda opt, **kw: ax.RexLR(opt, **{"max_lr": lr, "min_lr": 0.0, **kw}),
        "linear": S.LinearLR,
        "constant": S.ConstantLR,
        "exponential": S.ExponentialLR,
    }
    return lambda opt: table[name](opt, **p)


def factory(spec: dict[str, Any], tt: types.ModuleType, ax: types.ModuleType) -> Any:
    """The real scheduler of a case (or the SequentialLR / ChainedScheduler of its
    children), on the loop's optimizer."""
    name, lr = spec["schedule"], spec["lr"]
    if name not in ("sequential", "chained"):
        return one(name, dict(spec["params"]), lr, tt, ax)
    children = spec["children"]

    def build(opt: Any) -> Any:
        built = [one(n, dict(p), lr, tt, ax)(opt) for n, p in children]
        if name == "sequential":
            return torch.optim.lr_scheduler.SequentialLR(
                opt, built, milestones=spec["params"]["milestones"]
            )
        return torch.optim.lr_scheduler.ChainedScheduler(built, optimizer=opt)

    return build


def composed(name: str, kind: str, children: list[tuple[str, dict[str, Any]]], **run: Any) -> Case:
    """axolotl's LambdaLR schedules as children of SequentialLR / ChainedScheduler (their
    emulators, lrplot.schedules.axolotl)."""
    milestones = run.pop("milestones", None)
    specs = [n + ":" + ",".join(f"{k}={v}" for k, v in p.items()) for n, p in children]
    params: dict[str, Any] = {"schedulers": specs}
    if milestones is not None:
        params["milestones"] = milestones
    c = golden_io.case(name, kind, params, **run)
    c["name"] = f"axolotl-{kind}-{name}"
    c["spec"]["children"] = [[n, p] for n, p in children]
    return c


def composed_cases() -> list[Case]:
    min_lr = {"num_warmup_steps": 0, "num_training_steps": 95, "min_lr_ratio": 0.1}
    quadratic = {"num_warmup_steps": 10, "num_training_steps": 50}
    constant = {
        "num_warmup_steps": 5,
        "num_training_steps": 60,
        "constant_lr_ratio": 0.7,
        "min_lr_ratio": 0.2,
    }
    return [
        composed(
            "01-warmup-min-lr",
            "sequential",
            [
                ("linear", {"start_factor": 0.1, "total_iters": 5}),
                ("axolotl-cosine-min-lr", min_lr),
            ],
            milestones=[5],
        ),
        composed(
            "02-quadratic-then-constant",
            "sequential",
            [
                ("axolotl-cosine-quadratic", quadratic),
                ("constant", {"factor": 0.5, "total_iters": 10}),
            ],
            milestones=[50],
        ),
        composed(
            "03-steps",
            "sequential",
            [
                ("linear", {"start_factor": 0.5, "total_iters": 20}),
                ("axolotl-cosine-constant", constant),
            ],
            milestones=[20],
            epochs=8,
            steps_per_epoch=10,
            interval="step",
        ),
        composed(
            "01-exp-constant",
            "chained",
            [("exponential", {"gamma": 0.99}), ("axolotl-cosine-constant", constant)],
        ),
    ]


# --- the configs: the recipes' and trainer's step counting, replayed -----------------------


def torchtune_run(
    path: Path, args: list[str], tt: types.ModuleType
) -> tuple[dict[str, Any], Columns]:
    """recipes/lora_finetune_single_device.py (torchtune 0.6.1), replayed:

    setup():   self._dataloader = StatefulDataLoader(ds, batch_size, sampler=
                   StatefulDistributedSampler(ds, num_replicas=dp_size, ...), drop_last=True)
               self._steps_per_epoch = len(self._dataloader) // gradient_accumulation_steps
               if max_steps_per_epoch is not None and max_steps_per_epoch < that: that = it
               lr_scheduler = config.instantiate(cfg.lr_scheduler, optimizer,
                   num_training_steps=total_epochs * steps_per_epoch, last_epoch=global_step - 1)
               (full_finetune_*: no lr_scheduler in the config -> None, a constant LR)
    train():   for epoch: for idx, batch in enumerate(dataloader):
                   if (idx + 1) % gradient_accumulation_steps == 0:
                       optimizer.step(); lr_scheduler.step(); global_step += 1
                   if (idx + 1) // gradient_accumulation_steps == max_steps_per_epoch: break

    The DataLoader and the sampler are torch's (torchdata's stateful ones subclass them
    and keep their lengths); the config is read by OmegaConf, as torchtune does."""
    cfg = OmegaConf.load(path)
    size = int(_arg(args, "--dataset-size", cfg.get("dataset_size")))
    devices = int(_arg(args, "--devices", 1))
    batch, accumulate = int(cfg.batch_size), int(cfg.gradient_accumulation_steps)
    sampler = torch.utils.data.DistributedSampler(
        range(size), num_replicas=devices, rank=0, shuffle=False
    )
    loader = torch.utils.data.DataLoader(
        range(size), batch_size=batch, sampler=sampler, drop_last=True
    )
    steps_per_epoch = len(loader) // accumulate
    cap = cfg.get("max_steps_per_epoch")
    if cap is not None and cap < steps_per_epoch:
        steps_per_epoch = cap
    total = int(cfg.epochs) * steps_per_epoch
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=float(cfg.optimizer.lr))
    sched = None
    if cfg.get("lr_scheduler") is not None:
        kwargs = {k: v for k, v in cfg.lr_scheduler.items() if k != "_component_"}
        kwargs.update(num_training_steps=total, last_epoch=-1)
        sched = component(cfg.lr_scheduler._component_, tt)(opt, **kwargs)
    lrs: list[float] = []
    for _epoch in range(int(cfg.epochs)):
        for idx in range(len(loader)):
            if (idx + 1) % accumulate == 0:
                lrs.append(opt.param_groups[0]["lr"])
                opt.step()
                if sched is not None:
                    sched.step()
            if (idx + 1) // accumulate == cap:
                break
    about = {"torchtune": "0.6.1", "steps_per_epoch": steps_per_epoch, "total": total}
    return about, {"lr": lrs}


def axolotl_run(
    path: Path, args: list[str], ax: types.ModuleType
) -> tuple[dict[str, Any], Columns]:
    """axolotl 0.21.0's trainer, replayed (sample packing off):

    schema:            micro_batch_size and gradient_accumulation_steps default to 1
    normalize_config:  gradient_accumulation_steps = it or batch_size // micro_batch_size
                       batch_size = batch_size or micro_batch_size * gradient_accumulation_steps
                       (* world size when it is not 1)
    calculate_total_num_steps: ceil(len(train_dataset) * num_epochs / batch_size)
    utils/data/sft.py: total_num_steps = min(that, max_steps) if max_steps else that
    builders/base.py:  warmup_steps = cfg.warmup_steps, or int(warmup_ratio * total),
                       or min(int(0.03 * total), 100); 1 -> 2
                       max_steps = cfg.max_steps or total_num_steps
                       lr_scheduler one_cycle/rex -> lr_scheduler_type cosine + alternate
    mixins/scheduler.py create_scheduler(num_training_steps=args.max_steps): below.
    Then transformers' loop: optimizer.step(); lr_scheduler.step() for max_steps steps.

    TrainingArguments (transformers 5.24) is the real one: its get_warmup_steps and
    the Trainer's fallback, transformers.get_scheduler."""
    cfg = yaml.safe_load(path.read_text())
    size = int(_arg(args, "--dataset-size", cfg.get("dataset_size")))
    world = int(_arg(args, "--devices", 1))
    micro = cfg.get("micro_batch_size", 1)  # the schema's defaults: 1 and 1
    accumulate = cfg.get("gradient_accumulation_steps", 1)
    accumulate = accumulate or (cfg["batch_size"] // micro)  # normalize_config
    batch = cfg.get("batch_size") or micro * accumulate
    if world != 1:  # ddp is on by default with more than one process
        batch = batch * world
    epochs = float(cfg.get("num_epochs", 1.0))
    total = math.ceil(size * epochs / batch)
    if cfg.get("max_steps"):
        total = min(total, cfg["max_steps"])
    if cfg.get("warmup_steps") is not None:
        warmup: float = cfg["warmup_steps"]
    elif cfg.get("warmup_ratio") is not None:
        warmup = max(int(cfg["warmup_ratio"] * total), 0)
    else:
        warmup = min(int(0.03 * total), 100)
    if warmup == 1:
        warmup = 2
    max_steps = cfg.get("max_steps") or total
    kind = cfg.get("lr_scheduler") or "cosine"
    alternate = kind if kind in ("one_cycle", "rex") else None
    lr = float(cfg["learning_rate"])
    targs = transformers.TrainingArguments(
        output_dir="/tmp/goldens_llmstacks",
        learning_rate=lr,
        warmup_steps=warmup,
        max_steps=max_steps,
        lr_scheduler_type="cosine" if alternate else kind,
        lr_scheduler_kwargs=cfg.get("lr_scheduler_kwargs") or {},
        report_to="none",
    )
    ratio, constant = cfg.get("cosine_min_lr_ratio"), cfg.get("cosine_constant_lr_ratio")
    quadratic = cfg.get("lr_quadratic_warmup")
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.AdamW([p], lr=lr)
    n = max_steps
    use_quadratic = targs.lr_scheduler_type == "cosine" and quadratic is True
    use_min_lr = targs.lr_scheduler_type == "cosine" and ratio is not None
    w = targs.get_warmup_steps(n)
    if alternate == "one_cycle":
        extra: dict[str, Any] = {}
        if "pct_start" not in targs.lr_scheduler_kwargs:
            extra["pct_start"] = w / n
        if "anneal_strategy" not in targs.lr_scheduler_kwargs:
            extra["anneal_strategy"] = "cos"
        sched = torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=lr, total_steps=n, **extra, **targs.lr_scheduler_kwargs
        )
    elif alternate == "rex":
        min_lr = 0 if not use_min_lr else lr * ratio
        sched = ax.RexLR(opt, max_lr=lr, min_lr=min_lr, total_steps=n, num_warmup_steps=w)
    elif use_quadratic:
        sched = ax.get_cosine_schedule_with_quadratic_warmup(
            opt, num_warmup_steps=w, num_training_steps=n
        )
    elif ratio and constant and use_min_lr:
        sched = ax.get_cosine_schedule_with_warmup_decay_constant(
            opt,
            num_warmup_steps=w,
            num_training_steps=n,
            min_lr_ratio=ratio,
            constant_lr_ratio=constant,
        )
    elif ratio and use_min_lr:
        sched = ax.get_cosine_schedule_with_min_lr(
            opt, num_warmup_steps=w, num_training_steps=n, min_lr_ratio=ratio
        )
    else:  # transformers' Trainer.create_scheduler
        sched = transformers.get_scheduler(
            targs.lr_scheduler_type,
            optimizer=opt,
            num_warmup_steps=w,
            num_training_steps=n,
            scheduler_specific_kwargs=targs.lr_scheduler_kwargs,
        )
    lrs: list[float] = []
    for _ in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    about = {"axolotl": "0.21.0", "total_num_steps": total, "max_steps": n, "warmup": w}
    return about, {"lr": lrs}


def component(path: str, tt: types.ModuleType) -> Any:
    """config.instantiate's _get_component_from_path: torchtune's scheduler from the file
    loaded alone, anything else (transformers') imported."""
    module, name = path.rsplit(".", 1)
    if module.startswith("torchtune."):
        return getattr(tt, name)
    return getattr(importlib.import_module(module), name)


def _arg(args: list[str], name: str, default: Any) -> Any:
    return args[args.index(name) + 1] if name in args else default


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--torchtune-src", required=True, type=Path)
    parser.add_argument("--axolotl-src", required=True, type=Path)
    opts = parser.parse_args()
    tt, ax = torchtune_module(opts.torchtune_src), axolotl_module(opts.axolotl_src)

    def run(c: Case) -> Columns:
        return record(c["spec"], factory(c["spec"], tt, ax))

    every = [*cases(), *composed_cases()]
    golden_io.main(every, run, PREFIXES, about=f", transformers {transformers.__version__}")
    STACKS.mkdir(exist_ok=True)
    for old in STACKS.glob("*.csv"):
        if old.stem not in CONFIGS:
            old.unlink()
    for name, (stack, config, args) in CONFIGS.items():
        path = ROOT / config
        about, columns = (
            torchtune_run(path, args, tt) if stack == "torchtune" else axolotl_run(path, args, ax)
        )
        spec = {"config": config, "args": args, "stack": stack, **about}
        golden_io.write(STACKS / f"{name}.csv", spec, columns)
    print(f"wrote {len(CONFIGS)} config traces to {STACKS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
