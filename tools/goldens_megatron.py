"""Write golden LR traces for Megatron's OptimizerParamScheduler (lrplot/schedules/megatron.py).

Run as ``python tools/goldens_megatron.py --megatron-src DIR``, DIR an unpacked
megatron-core 0.19.2 wheel (it is built for Python >= 3.12, but its scheduler file is
plain Python)::

    pip download megatron-core==0.19.2 --no-deps --python-version 3.12 \\
        --only-binary=:all: -d /tmp/mc
    python -m zipfile -e /tmp/mc/megatron_core-0.19.2-*.whl /tmp/mc/src
    python tools/goldens_megatron.py --megatron-src /tmp/mc/src

It needs torch (the scheduler file imports it). ``megatron/core/optimizer_param_scheduler.py``
is loaded on its own with importlib: the ``megatron.core`` package would import far more
than the scheduler needs. The one name it imports from the package,
``megatron.core.utils.log_single_rank``, is stubbed (a no-op: it only logs); nothing
else is replaced. The class itself runs unchanged.

Each case is a set of Megatron-LM command-line flags. :func:`scheduler_args` is
Megatron-LM's ``get_optimizer_param_scheduler`` (megatron/training/training.py, NVIDIA
Megatron-LM at d98e8a64, 2026-08-22) and its argument defaults (SchedulerConfig:
--lr-decay-style linear, --lr-wsd-decay-style exponential, --lr-warmup-iters/-samples 0,
--lr-warmup-init 0, --min-lr 0), repeated here with the argument checks of
arguments.py (iteration- and sample-based flags are not mixed). :func:`record` is its
training loop: the scheduler is built (its constructor calls ``step(0)``), and each
iteration uses ``param_groups[0]["lr"]`` and then calls ``step(increment=
global_batch_size)``, for ``train_iters`` iterations (sample-based:
``train_samples // global_batch_size``).

Files (format of tools/golden_io.py): ``tests/golden/megatron-NN-<style>-<what>.csv``,
one row per iteration; the spec holds lrplot's parameters (the constructor's
arguments) and the flags (``megatron``). ``tests/golden/megatron/pretrain.csv`` is
``sample_configs/megatron_pretrain.sh``'s run, from the flags written below (the test
checks that lrplot reads the same flags from the script). Only this script's files
are replaced.

``tests/golden/megatron/real_*.csv`` are the runs of real configs of Megatron-LM
(tests/fixtures/configs/megatron/, the short ones: a golden has every iteration): the
flags of its functional tests' ``model_config.yaml`` are taken from MODEL_ARGS as
_run_training.sh gives them (YAML read with PyYAML: a key given twice keeps its last
value, as argparse does).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import golden_io
from golden_io import GOLDEN, Case, Columns

PREFIXES = ("megatron-",)
SAMPLE = GOLDEN / "megatron" / "pretrain.csv"

# Megatron-LM's defaults for the flags its scheduler reads (SchedulerConfig, arguments.py)
DEFAULTS: dict[str, Any] = {
    "lr": None,
    "min_lr": 0.0,
    "lr_decay_style": "linear",
    "lr_wsd_decay_style": "exponential",
    "lr_decay_iters": None,
    "lr_decay_samples": None,
    "lr_wsd_decay_iters": None,
    "lr_wsd_decay_samples": None,
    "lr_warmup_fraction": None,
    "lr_warmup_iters": 0,
    "lr_warmup_samples": 0,
    "lr_warmup_init": 0.0,
    "train_iters": None,
    "train_samples": None,
    "global_batch_size": None,
}

# the flags of sample_configs/megatron_pretrain.sh, as its shell would pass them
SAMPLE_FLAGS = {
    "lr": 3e-4,
    "min_lr": 3e-5,
    "lr_decay_style": "cosine",
    "lr_warmup_fraction": 0.01,
    "lr_decay_iters": 4000,
    "lr_warmup_init": 1e-6,
    "train_iters": 5000,
    "global_batch_size": 256,
}


def load_scheduler(src: Path) -> Any:
    """megatron/core/optimizer_param_scheduler.py on its own (see the docstring)."""
    path = src / "megatron" / "core" / "optimizer_param_scheduler.py"
    if not path.is_file():
        sys.exit(f"no {path}: pass the folder of an unpacked megatron-core 0.19.2 wheel")
    utils = types.ModuleType("megatron.core.utils")
    utils.log_single_rank = lambda *args, **kwargs: None  # type: ignore[attr-defined]
    for name in ("megatron", "megatron.core"):
        sys.modules.setdefault(name, types.ModuleType(name))
    sys.modules["megatron.core.utils"] = utils
    spec = importlib.util.spec_from_file_location("megatron_optimizer_param_scheduler", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.OptimizerParamScheduler


def scheduler_args(flags: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Megatron-LM's get_optimizer_param_scheduler: the constructor's LR arguments and
    the number of training iterations."""
    unknown = set(flags) - set(DEFAULTS)
    assert not unknown, unknown
    args = argparse.Namespace(**{**DEFAULTS, **flags})
    assert args.global_batch_size is not None and args.global_batch_size > 0
    if args.train_iters:  # arguments.py's checks
        assert args.train_samples is None
        assert args.lr_decay_samples is None
        assert args.lr_warmup_samples == 0
        if args.lr_warmup_fraction is not None:
            assert args.lr_warmup_iters == 0
    if args.train_samples:
        assert args.train_iters is None
        assert args.lr_decay_iters is None
        assert args.lr_warmup_iters == 0
        if args.lr_warmup_fraction is not None:
            assert args.lr_warmup_samples == 0
    # training.py
    if args.train_iters:
        if args.lr_decay_iters is None:
            args.lr_decay_iters = args.train_iters
        lr_decay_steps = args.lr_decay_iters * args.global_batch_size
        wsd_decay_steps = None
        if args.lr_wsd_decay_iters is not None:
            wsd_decay_steps = args.lr_wsd_decay_iters * args.global_batch_size
        if args.lr_warmup_fraction is not None:
            lr_warmup_steps = args.lr_warmup_fraction * lr_decay_steps
        else:
            lr_warmup_steps = args.lr_warmup_iters * args.global_batch_size
    elif args.train_samples:
        args.train_iters = args.train_samples // args.global_batch_size  # update_train_iters
        if args.lr_decay_samples is None:
            args.lr_decay_samples = args.train_samples
        lr_decay_steps = args.lr_decay_samples
        wsd_decay_steps = args.lr_wsd_decay_samples
        if args.lr_warmup_fraction is not None:
            lr_warmup_steps = args.lr_warmup_fraction * lr_decay_steps
        else:
            lr_warmup_steps = args.lr_warmup_samples
    else:
        raise AssertionError("either train-iters or train-samples should be provided.")
    kwargs = {
        "init_lr": args.lr_warmup_init,
        "max_lr": args.lr,
        "min_lr": args.min_lr,
        "lr_warmup_steps": lr_warmup_steps,
        "lr_decay_steps": lr_decay_steps,
        "lr_decay_style": args.lr_decay_style,
        "wsd_decay_steps": wsd_decay_steps,
        "lr_wsd_decay_style": args.lr_wsd_decay_style,
    }
    return kwargs, args.train_iters


def params(kwargs: dict[str, Any], increment: int) -> dict[str, Any]:
    """lrplot's megatron parameters for the constructor's arguments."""
    out = {
        "lr_decay_style": kwargs["lr_decay_style"].lower(),
        "lr_warmup_steps": kwargs["lr_warmup_steps"],
        "lr_decay_steps": kwargs["lr_decay_steps"],
        "init_lr": kwargs["init_lr"],
        "min_lr": kwargs["min_lr"],
        "increment": increment,
    }
    if kwargs["lr_decay_style"] == "WSD":
        out["wsd_decay_steps"] = kwargs["wsd_decay_steps"]
        out["lr_wsd_decay_style"] = kwargs["lr_wsd_decay_style"]
    return out


def case(name: str, **flags: Any) -> Case:
    flags.setdefault("lr", 1e-3)
    flags.setdefault("global_batch_size", 1)
    kwargs, iters = scheduler_args(flags)
    c = golden_io.case(
        name,
        "megatron",
        params(kwargs, flags["global_batch_size"]),
        lr=flags["lr"],
        epochs=1,
        steps_per_epoch=iters,
        interval="step",
        megatron=flags,
    )
    return {**c, "kwargs": kwargs, "iters": iters, "increment": flags["global_batch_size"]}


def record(scheduler_class: Any, c: Case) -> Columns:
    """Megatron-LM's loop: build, then per iteration read the LR and step(increment)."""
    optimizer = types.SimpleNamespace(param_groups=[{"lr": 0.0}])
    kw = c["kwargs"]
    sched = scheduler_class(
        optimizer,
        start_wd=0.01,
        end_wd=0.01,
        wd_incr_steps=c["iters"] * c["increment"],
        wd_incr_style="constant",
        use_checkpoint_opt_param_scheduler=False,
        override_opt_param_scheduler=False,
        **kw,
    )
    lrs = []
    for _ in range(c["iters"]):
        lrs.append(optimizer.param_groups[0]["lr"])
        sched.step(increment=c["increment"])
    return {"lr": lrs}


def _style_cases(style: str, tag: str, **extra: Any) -> list[tuple[str, dict[str, Any]]]:
    """Eight runs of one decay style: iterations and samples, fractions, init, min_lr."""
    s = {"lr_decay_style": style, **extra}
    return [
        (f"{tag}-iters", dict(s, train_iters=100, lr_warmup_iters=10)),
        (f"{tag}-gbs32", dict(s, train_iters=80, lr_warmup_iters=5, global_batch_size=32)),
        (
            f"{tag}-fraction-short-decay",
            dict(
                s, train_iters=100, lr_decay_iters=60, lr_warmup_fraction=0.1, global_batch_size=8
            ),
        ),
        (
            f"{tag}-samples-uneven",
            dict(
                s,
                train_samples=12000,
                lr_warmup_samples=1000,
                lr_decay_samples=9600,
                global_batch_size=48,
            ),
        ),
        (
            f"{tag}-init-min",
            dict(
                s,
                train_iters=120,
                lr_warmup_iters=15,
                lr_warmup_init=1e-5,
                min_lr=1e-5,
                lr=3e-4,
                global_batch_size=4,
            ),
        ),
        (
            f"{tag}-no-warmup-long-decay",
            dict(s, train_iters=90, lr_decay_iters=150, min_lr=2e-5, global_batch_size=16),
        ),
        (
            f"{tag}-samples-fraction",
            dict(
                s,
                train_samples=5003,
                lr_warmup_fraction=0.07,
                lr_decay_samples=4000,
                global_batch_size=7,
                min_lr=1e-4,
            ),
        ),
        (
            f"{tag}-big-batch",
            dict(s, train_iters=1500, lr_warmup_fraction=0.013, global_batch_size=1024, lr=6e-4),
        ),
        (f"{tag}-warmup-one", dict(s, train_iters=40, lr_warmup_iters=1, global_batch_size=3)),
    ]


def cases() -> list[Case]:
    runs: list[tuple[str, dict[str, Any]]] = []
    runs += _style_cases("constant", "constant")
    runs += _style_cases("linear", "linear")
    runs += _style_cases("cosine", "cosine")
    runs += _style_cases("inverse-square-root", "isr")
    for wsd in ("exponential", "linear", "cosine", "minus_sqrt"):
        tag = "wsd-" + wsd.replace("_", "")
        runs += [
            (
                f"{tag}-iters",
                dict(
                    lr_decay_style="WSD",
                    lr_wsd_decay_style=wsd,
                    train_iters=100,
                    lr_warmup_iters=10,
                    lr_wsd_decay_iters=20,
                    global_batch_size=2,
                ),
            ),
            (
                f"{tag}-samples",
                dict(
                    lr_decay_style="WSD",
                    lr_wsd_decay_style=wsd,
                    train_samples=10000,
                    lr_warmup_samples=700,
                    lr_wsd_decay_samples=2500,
                    lr_decay_samples=9000,
                    global_batch_size=48,
                    min_lr=1e-5,
                ),
            ),
        ]
    # WSD with the flags' defaults and edges: wsd style by default (exponential), a
    # fraction, a decay as long as the run after the warmup, an anneal of 0
    runs += [
        (
            "wsd-default-style-fraction",
            dict(
                lr_decay_style="WSD",
                train_iters=200,
                lr_warmup_fraction=0.05,
                lr_wsd_decay_iters=50,
                global_batch_size=64,
                lr_warmup_init=1e-4,
            ),
        ),
        (
            "wsd-anneal-zero",
            dict(lr_decay_style="WSD", train_iters=30, lr_warmup_iters=3, lr_wsd_decay_iters=0),
        ),
        (
            "wsd-anneal-whole-run",
            dict(
                lr_decay_style="WSD",
                lr_wsd_decay_style="cosine",
                train_iters=60,
                lr_wsd_decay_iters=60,
                global_batch_size=5,
                min_lr=1e-4,
            ),
        ),
        (
            "wsd-short-decay",
            dict(
                lr_decay_style="WSD",
                lr_wsd_decay_style="linear",
                train_iters=80,
                lr_decay_iters=50,
                lr_warmup_iters=5,
                lr_wsd_decay_iters=10,
                global_batch_size=12,
            ),
        ),
    ]
    return [case(f"{i + 1:02d}-{name}", **flags) for i, (name, flags) in enumerate(runs)]


FIXTURES = GOLDEN.parent / "fixtures" / "configs" / "megatron"
REAL_YAML = ("gpt3_mcore_reruns_disable",)


def model_args_flags(path: Path) -> dict[str, Any]:
    """The scheduler's flags among a functional test's MODEL_ARGS, typed as argparse
    types them (a "" value leaves the flag out)."""
    import yaml

    table = yaml.safe_load(path.read_text(encoding="utf-8"))["MODEL_ARGS"]
    flags: dict[str, Any] = {}
    for key, value in table.items():
        name = str(key).removeprefix("--").replace("-", "_")
        if name not in DEFAULTS or value == "":
            continue
        floats = ("lr", "min_lr", "lr_warmup_fraction", "lr_warmup_init")
        kind = {"lr_decay_style": str, "lr_wsd_decay_style": str}.get(name)
        if kind is None:
            kind = float if name in floats else int
        flags[name] = kind(value)
    return flags


def real_cases() -> list[Case]:
    runs = [(f"{name}.yaml", model_args_flags(FIXTURES / f"{name}.yaml")) for name in REAL_YAML]
    out = []
    for file, flags in runs:
        c = case("real_" + file.split(".")[0], **flags)
        c["spec"]["config"] = f"tests/fixtures/configs/megatron/{file}"
        out.append(c)
    return out


def sample_case() -> Case:
    c = case("pretrain", **SAMPLE_FLAGS)
    c["spec"]["config"] = "sample_configs/megatron_pretrain.sh"
    return c


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--megatron-src", type=Path, required=True)
    cls = load_scheduler(parser.parse_args().megatron_src)
    golden_io.main(cases(), lambda c: record(cls, c), PREFIXES, about=", megatron-core 0.19.2")
    sample = sample_case()
    SAMPLE.parent.mkdir(exist_ok=True)
    golden_io.write(SAMPLE, sample["spec"], record(cls, sample))
    print(f"wrote {SAMPLE}")
    for c in real_cases():
        name = Path(c["spec"]["config"]).name.split(".")[0]
        golden_io.write(SAMPLE.parent / f"real_{name}.csv", c["spec"], record(cls, c))
    print(f"wrote {len(real_cases())} real configs' runs to {SAMPLE.parent}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
