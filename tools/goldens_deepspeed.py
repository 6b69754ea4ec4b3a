"""Write golden LR traces for DeepSpeed's schedulers (lrplot/schedules/deepspeed.py).

Run as ``python tools/goldens_deepspeed.py --ds-src DIR`` with torch 2.13 (and, for
the samples, transformers 5.24 and accelerate), where DIR
is an unpacked deepspeed 0.19.8 (the sdist or the wheel: the folder that holds
``deepspeed/runtime/lr_schedules.py``)::

    pip download deepspeed==0.19.8 --no-deps -d /tmp/ds
    tar xzf /tmp/ds/deepspeed-0.19.8.tar.gz -C /tmp/ds
    python tools/goldens_deepspeed.py --ds-src /tmp/ds/deepspeed-0.19.8

``import deepspeed`` needs a CUDA toolchain or its op builders, so the module is
loaded alone: lr_schedules.py imports only torch, math, argparse and
``from deepspeed.utils import logger``; that one name is stubbed (a ``logging``
logger in stand-in ``deepspeed``/``deepspeed.utils`` modules). Nothing else of
deepspeed runs, and nothing of lr_schedules.py is changed.

The loop is the DeepSpeed engine's (runtime/engine.py): the scheduler is built on
the optimizer (here ``torch.optim.Adam``, which has the ``betas`` that OneCycle cycles,
as DeepSpeed's Adam does) with ``last_batch_iteration=-1``; each optimizer step reads
row k (the LR, and beta1 for OneCycle with cycle_momentum) before ``optimizer.step()``,
then ``lr_scheduler.step()`` (engine.step() at a gradient-accumulation boundary, no
fp16 overflow). Files: ``tests/golden/ds-<type>-NN-<what>.csv`` (tools/golden_io.py's
format; interval ``step``); only this script's own (``ds-*``) are replaced.

It also writes the goldens of ``sample_configs/ds_config.json`` and
``hf_deepspeed.json`` (tests/golden/samples/, read by tests/test_samples.py): the
sample's scheduler and optimizer lr as DeepSpeed builds them; for the HF one, the
"auto" values filled by transformers' own ``HfTrainerDeepSpeedConfig`` code
(:func:`hf_filled`) on a real ``TrainingArguments``.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import logging
import sys
import types
from pathlib import Path
from typing import Any

import golden_io
from golden_io import Case, Columns

PREFIXES = ("ds-",)
VERSION = "0.19.8"

# lrplot schedule -> DeepSpeed class name (the config's "type")
TYPES = {
    "ds-warmup": "WarmupLR",
    "ds-warmup-decay": "WarmupDecayLR",
    "ds-warmup-cosine": "WarmupCosineLR",
    "ds-onecycle": "OneCycle",
    "ds-lr-range-test": "LRRangeTest",
}


def load_lr_schedules(src: Path) -> types.ModuleType:
    """deepspeed/runtime/lr_schedules.py alone, with ``deepspeed.utils.logger`` stubbed."""
    path = src / "deepspeed" / "runtime" / "lr_schedules.py"
    if not path.is_file():
        raise SystemExit(f"{path} not found: pass --ds-src the unpacked deepspeed {VERSION}")
    package = types.ModuleType("deepspeed")
    package.__path__ = []
    utils = types.ModuleType("deepspeed.utils")
    logger = logging.getLogger("deepspeed")
    logger.propagate = False  # its warnings ("before it has started") are expected here
    logger.addHandler(logging.NullHandler())
    utils.logger = logger  # type: ignore[attr-defined]
    package.utils = utils  # type: ignore[attr-defined]
    stubs = {"deepspeed": package, "deepspeed.utils": utils}
    if any(name in sys.modules for name in stubs):
        raise SystemExit("a deepspeed module is imported already: run this in a fresh Python")
    sys.modules.update(stubs)
    try:
        spec = importlib.util.spec_from_file_location("deepspeed.runtime.lr_schedules", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:  # only lr_schedules keeps the stub logger: transformers/accelerate see no deepspeed
        for name in stubs:
            del sys.modules[name]
    return module


def ds_case(name: str, schedule: str, params: dict[str, Any], steps: int, **run: Any) -> Case:
    """A case of ``steps`` optimizer steps (``epochs`` x ``steps_per_epoch`` when given)."""
    per_epoch = run.pop("steps_per_epoch", 1)
    lr = run.pop("lr", 0.1)
    return golden_io.case(
        name,
        schedule,
        params,
        lr=lr,
        epochs=steps // per_epoch,
        steps_per_epoch=per_epoch,
        interval="step",
        **run,
    )


def cases() -> list[Case]:
    w, d, c, o, r = (
        "ds-warmup",
        "ds-warmup-decay",
        "ds-warmup-cosine",
        "ds-onecycle",
        ("ds-lr-range-test"),
    )
    return [
        # WarmupLR: warmup_max_lr None is the optimizer's lr
        ds_case("01-log-defaults-max", w, {"warmup_num_steps": 20}, 40, lr=0.001),
        ds_case("02-linear", w, {"warmup_num_steps": 25, "warmup_type": "linear"}, 50, lr=3e-4),
        ds_case("03-w1-clamp", w, {"warmup_num_steps": 1, "warmup_max_lr": 0.01}, 10),
        ds_case(
            "04-min-max",
            w,
            {"warmup_min_lr": 1e-5, "warmup_max_lr": 2e-3, "warmup_num_steps": 37},
            60,
        ),
        ds_case("05-w2-linear", w, {"warmup_num_steps": 2, "warmup_type": "linear"}, 8, lr=0.05),
        ds_case(
            "06-per-step",
            w,
            {"warmup_num_steps": 150, "warmup_max_lr": 1e-3},
            400,
            steps_per_epoch=100,
        ),
        ds_case(
            "07-past-run",
            w,
            {"warmup_num_steps": 500, "warmup_type": "linear", "warmup_min_lr": 1e-6},
            120,
            lr=6e-4,
        ),
        ds_case("08-default-steps", w, {"warmup_max_lr": 5e-4}, 1300),
        # WarmupDecayLR: its own warmup_max_lr default (0.001) replaces the optimizer's lr
        ds_case(
            "01-default-max", d, {"total_num_steps": 100, "warmup_num_steps": 10}, 100, lr=3e-4
        ),
        ds_case(
            "02-linear",
            d,
            {
                "total_num_steps": 80,
                "warmup_num_steps": 20,
                "warmup_type": "linear",
                "warmup_max_lr": 0.01,
            },
            80,
        ),
        ds_case(
            "03-min-lr",
            d,
            {
                "total_num_steps": 60,
                "warmup_num_steps": 15,
                "warmup_min_lr": 1e-4,
                "warmup_max_lr": 3e-3,
            },
            70,
        ),
        ds_case(
            "04-w1-clamp",
            d,
            {"total_num_steps": 12, "warmup_num_steps": 1, "warmup_max_lr": 0.02},
            15,
        ),
        ds_case(
            "05-total-lt-warmup",
            d,
            {"total_num_steps": 5, "warmup_num_steps": 8, "warmup_max_lr": 0.01},
            16,
        ),
        ds_case(
            "06-per-step",
            d,
            {"total_num_steps": 500, "warmup_num_steps": 50, "warmup_max_lr": 2e-4},
            500,
            steps_per_epoch=50,
        ),
        ds_case(
            "07-longer-than-total",
            d,
            {"total_num_steps": 40, "warmup_num_steps": 4, "warmup_type": "linear"},
            55,
        ),
        ds_case(
            "08-total-eq-warmup",
            d,
            {"total_num_steps": 10, "warmup_num_steps": 10, "warmup_max_lr": 0.005},
            20,
        ),
        # WarmupCosineLR: ratios of the optimizer's lr; row 0 is 0.0
        ds_case("01-defaults", c, {"total_num_steps": 100, "warmup_num_steps": 10}, 100, lr=0.001),
        ds_case(
            "02-linear-ratios",
            c,
            {
                "total_num_steps": 120,
                "warmup_num_steps": 30,
                "warmup_type": "linear",
                "warmup_min_ratio": 0.1,
                "cos_min_ratio": 0.05,
            },
            120,
            lr=3e-4,
        ),
        ds_case("03-w1-clamp", c, {"total_num_steps": 20, "warmup_num_steps": 1}, 20, lr=0.1),
        ds_case(
            "04-past-total",
            c,
            {"total_num_steps": 50, "warmup_num_steps": 5, "cos_min_ratio": 0.2},
            80,
            lr=0.01,
        ),
        ds_case(
            "05-total-lt-warmup",
            c,
            {"total_num_steps": 6, "warmup_num_steps": 10, "warmup_type": "linear"},
            20,
            lr=0.02,
        ),
        ds_case(
            "06-per-step",
            c,
            {"total_num_steps": 600, "warmup_num_steps": 60, "cos_min_ratio": 0.0},
            600,
            lr=1e-3,
            steps_per_epoch=60,
        ),
        ds_case(
            "07-min-ratio-log",
            c,
            {"total_num_steps": 90, "warmup_num_steps": 17, "warmup_min_ratio": 0.3},
            90,
            lr=5e-4,
        ),
        ds_case("08-long", c, {"total_num_steps": 5000, "warmup_num_steps": 250}, 5000, lr=2e-5),
        # OneCycle: the cycle, its stairs, the decay phase and beta1
        ds_case(
            "01-cycle",
            o,
            {"cycle_min_lr": 1e-3, "cycle_max_lr": 1e-2, "cycle_first_step_size": 10},
            40,
        ),
        ds_case(
            "02-decay",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 10,
                "decay_lr_rate": 0.5,
                "decay_step_size": 5,
            },
            60,
        ),
        ds_case(
            "03-asymmetric",
            o,
            {
                "cycle_min_lr": 2e-4,
                "cycle_max_lr": 3e-3,
                "cycle_first_step_size": 7,
                "cycle_second_step_size": 13,
                "decay_lr_rate": 0.1,
                "decay_step_size": 3,
            },
            50,
        ),
        ds_case(
            "04-stairs",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 5e-3,
                "cycle_first_step_size": 12,
                "cycle_first_stair_count": 4,
            },
            40,
        ),
        ds_case(
            "05-stairs-asym",
            o,
            {
                "cycle_min_lr": 1e-4,
                "cycle_max_lr": 1e-3,
                "cycle_first_step_size": 9,
                "cycle_second_step_size": 15,
                "cycle_first_stair_count": 3,
                "cycle_second_stair_count": 5,
            },
            40,
        ),
        ds_case(
            "06-mom-decay",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 8,
                "decay_lr_rate": 0.2,
                "decay_step_size": 4,
                "decay_mom_rate": 0.01,
                "cycle_min_mom": 0.85,
                "cycle_max_mom": 0.95,
            },
            40,
        ),
        ds_case(
            "07-no-momentum",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 5,
                "cycle_momentum": False,
                "decay_lr_rate": 1.0,
                "decay_step_size": 2,
            },
            30,
        ),
        ds_case(
            "08-per-step",
            o,
            {
                "cycle_min_lr": 1e-5,
                "cycle_max_lr": 1e-3,
                "cycle_first_step_size": 300,
                "decay_lr_rate": 0.05,
                "decay_step_size": 100,
            },
            1000,
            steps_per_epoch=100,
        ),
        ds_case(
            "09-rate-no-size",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 6,
                "decay_lr_rate": 0.5,
            },
            20,
        ),
        ds_case(
            "10-second-zero",
            o,
            {
                "cycle_min_lr": 1e-3,
                "cycle_max_lr": 1e-2,
                "cycle_first_step_size": 6,
                "cycle_second_step_size": 0,
            },
            20,
        ),
        # LRRangeTest: continuous and staircase
        ds_case("01-defaults", r, {}, 50),
        ds_case(
            "02-staircase", r, {"lr_range_test_step_size": 10, "lr_range_test_staircase": True}, 60
        ),
        ds_case(
            "03-rate",
            r,
            {
                "lr_range_test_min_lr": 1e-5,
                "lr_range_test_step_size": 7,
                "lr_range_test_step_rate": 3.5,
            },
            50,
        ),
        ds_case(
            "04-staircase-rate",
            r,
            {
                "lr_range_test_min_lr": 2e-4,
                "lr_range_test_step_size": 3,
                "lr_range_test_step_rate": 0.5,
                "lr_range_test_staircase": True,
            },
            30,
        ),
        ds_case("05-size1", r, {"lr_range_test_step_size": 1, "lr_range_test_step_rate": 0.1}, 25),
        ds_case(
            "06-per-step",
            r,
            {
                "lr_range_test_min_lr": 1e-6,
                "lr_range_test_step_size": 50,
                "lr_range_test_step_rate": 2.0,
            },
            500,
            steps_per_epoch=50,
        ),
        ds_case(
            "07-odd",
            r,
            {
                "lr_range_test_min_lr": 3e-4,
                "lr_range_test_step_size": 13,
                "lr_range_test_step_rate": 0.37,
            },
            100,
        ),
        ds_case(
            "08-staircase-long",
            r,
            {
                "lr_range_test_min_lr": 1e-7,
                "lr_range_test_step_size": 100,
                "lr_range_test_step_rate": 10.0,
                "lr_range_test_staircase": True,
            },
            2000,
        ),
    ]


def record_ds(spec: dict[str, Any], factory: Any, momentum: bool) -> Columns:
    """The DeepSpeed engine's loop on Adam: rows before optimizer.step(), then
    lr_scheduler.step()."""
    import torch

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.Adam([p], lr=spec["lr"])
    sched = factory(opt)
    columns: Columns = {"lr": []}
    if momentum:
        columns["momentum"] = []
    for _ in range(spec["epochs"] * spec["steps_per_epoch"]):
        group = opt.param_groups[0]
        columns["lr"].append(group["lr"])
        if momentum:
            columns["momentum"].append(group["betas"][0])
        p.grad = torch.ones(1)
        opt.step()
        sched.step()
    return columns


def runner(ds: types.ModuleType) -> Any:
    def run(c: Case) -> Columns:
        spec = c["spec"]
        cls = getattr(ds, TYPES[spec["schedule"]])
        params = dict(spec["params"])
        if spec["schedule"] == "ds-lr-range-test" or "cycle_min_lr" not in params:
            momentum = False
        else:
            momentum = params.get("cycle_momentum", True)
        return record_ds(spec, lambda opt: cls(opt, **params), momentum)

    return run


# --- the samples: sample_configs/ds_config.json and hf_deepspeed.json -------------------

SAMPLES = {"ds_config.json": "DeepSpeed", "hf_deepspeed.json": "HF Trainer + DeepSpeed"}
SAMPLE_DIR = golden_io.GOLDEN.parent.parent / "sample_configs"
SAMPLE_GOLDEN = golden_io.GOLDEN / "samples"  # tests/test_samples.py reads them


def hf_filled(config: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """A TrainingArguments sample's ds_config with "auto" filled by transformers' own
    HfTrainerDeepSpeedConfig.trainer_config_process/_finalize (transformers 5.24), and
    the Trainer's num_training_steps.

    transformers gives HfDeepSpeedConfig accelerate's base class only when deepspeed is
    installed (else ``object``): here the same class is put together on accelerate's
    ``HfDeepSpeedConfig`` (config lookups), with transformers' methods unchanged."""
    from accelerate.utils.deepspeed import HfDeepSpeedConfig as AccelerateConfig
    from transformers import TrainingArguments
    from transformers.integrations import deepspeed as hf_ds

    methods = {
        **{k: v for k, v in vars(hf_ds.HfDeepSpeedConfig).items() if not k.startswith("__")},
        **{k: v for k, v in vars(hf_ds.HfTrainerDeepSpeedConfig).items() if not k.startswith("__")},
    }
    cls = type("HfTrainerDeepSpeedConfig", (AccelerateConfig,), methods)
    args_given = {k: v for k, v in config.items() if k != "deepspeed"}
    args = TrainingArguments(**args_given)
    if args.max_steps <= 0:
        raise SystemExit("the HF sample must give max_steps (no dataset here)")
    steps = args.max_steps  # Trainer.set_initial_training_values: max_steps > 0
    filler = cls(config["deepspeed"])
    filler._dtype = None
    filler.mismatches = []
    filler.trainer_config_process(args)
    filler.trainer_config_finalize(args, None, steps)
    return filler.config, steps


def sample_run(ds: types.ModuleType, name: str) -> tuple[dict[str, Any], Columns]:
    """The sample's DeepSpeed scheduler on its optimizer lr, as the engine steps it."""
    import json

    config = json.loads((SAMPLE_DIR / name).read_text(encoding="utf-8"))
    if name == "hf_deepspeed.json":
        config, steps = hf_filled(config)
    else:
        steps = config["scheduler"]["params"]["total_num_steps"]
    kind, params = config["scheduler"]["type"], config["scheduler"]["params"]
    lr = config["optimizer"]["params"]["lr"]
    cls = getattr(ds, kind)
    spec = {"sample": name, "lr": lr, "epochs": 1, "steps_per_epoch": steps, "interval": "step"}
    spec["columns"] = {"lr": f"deepspeed {VERSION} {kind}({params})"}
    return spec, record_ds(spec, lambda opt: cls(opt, **params), False)


def write_samples(ds: types.ModuleType) -> None:
    try:
        import accelerate  # noqa: F401
        import transformers  # noqa: F401
    except ImportError as err:
        print(f"samples skipped ({err}): they need transformers 5.24 and accelerate")
        return
    SAMPLE_GOLDEN.mkdir(parents=True, exist_ok=True)
    for name in SAMPLES:
        spec, columns = sample_run(ds, name)
        golden_io.write(SAMPLE_GOLDEN / f"{Path(name).stem}.csv", spec, columns)
    print(f"wrote {len(SAMPLES)} sample goldens to {SAMPLE_GOLDEN}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ds-src", type=Path, required=True, help="unpacked deepspeed 0.19.8")
    args = parser.parse_args()
    ds = load_lr_schedules(args.ds_src)
    source = (args.ds_src / "deepspeed" / "runtime" / "lr_schedules.py").read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:12]
    about = f", deepspeed {VERSION} lr_schedules.py sha256 {digest}"
    done = golden_io.main(cases(), runner(ds), PREFIXES, about=about)
    write_samples(ds)
    return done


if __name__ == "__main__":
    sys.exit(main())
