"""Write the golden traces of the hf-* (transformers) and timm-* schedules into tests/golden/.

Run as ``python tools/goldens_hf.py [--timm-src DIR]`` with a Python that has torch
and transformers (neither is a dependency of lrplot; tests/test_parity.py reads the
CSV files only). It writes ``hf-*.csv``, ``wsd-*.csv`` and ``timm-*.csv`` files and
deletes only stale files with those prefixes: every other golden file is left alone.

The traces come from the real packages, in the seed's training loop (see
tools/make_goldens.py, whose file format this script writes):

* hf-*: ``transformers.get_scheduler(type, optimizer, num_warmup_steps,
  num_training_steps, scheduler_specific_kwargs)``, a LambdaLR; lrplot's default
  num_training_steps (the run's number of scheduler steps) is passed explicitly.
* timm-*: ``timm.scheduler.CosineLRScheduler`` / ``TanhLRScheduler``, stepped the
  way timm's train loop does: ``step(epoch + 1)`` after each epoch (interval epoch)
  or ``step_update(num_updates)`` after each optimizer step (interval step, with
  ``t_in_epochs=False``). timm needs torchvision to be imported as a package; without
  it, ``--timm-src DIR`` (an unpacked timm wheel: DIR/timm/scheduler/*.py) loads the
  scheduler files on their own (they import torch and numpy only). Without either,
  the timm files are skipped (and kept).
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any

import golden_io
from golden_io import Case, Columns, case, record, scheduler_steps

try:
    import torch
    import transformers
except ImportError as err:  # pragma: no cover - depends on the machine
    sys.exit(f"goldens_hf.py needs torch and transformers ({err}); install them, then rerun")

HF_TYPES = {
    "hf-linear": "linear",
    "hf-cosine": "cosine",
    "hf-cosine-with-restarts": "cosine_with_restarts",
    "hf-polynomial": "polynomial",
    "hf-constant": "constant",
    "hf-constant-with-warmup": "constant_with_warmup",
    "hf-inverse-sqrt": "inverse_sqrt",
    "hf-cosine-with-min-lr": "cosine_with_min_lr",
    "hf-cosine-warmup-with-min-lr": "cosine_warmup_with_min_lr",
    "hf-warmup-stable-decay": "warmup_stable_decay",
    "wsd": "warmup_stable_decay",  # lrplot's alias
}
TIMM_CLASSES = {"timm-cosine": "CosineLRScheduler", "timm-tanh": "TanhLRScheduler"}


def hf_cases() -> list[dict[str, Any]]:
    out = []
    s = "hf-linear"
    out += [
        case("01-defaults", s, {}),
        case("02-w10", s, {"num_warmup_steps": 10}),
        case("03-w10-t50-short", s, {"num_warmup_steps": 10, "num_training_steps": 50}),
        case("04-t200-long", s, {"num_training_steps": 200}),
        case(
            "05-w30-step-s20",
            s,
            {"num_warmup_steps": 30},
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "06-w5-lr1-epoch-s10", s, {"num_warmup_steps": 5}, lr=1.0, epochs=30, steps_per_epoch=10
        ),
        case(
            "07-w200-beyond-t100",
            s,
            {"num_warmup_steps": 200, "num_training_steps": 100},
            epochs=300,
        ),
        case("08-w1-t1", s, {"num_warmup_steps": 1, "num_training_steps": 1}, epochs=10),
        case(
            "09-w100-lr3e-4-step-s50",
            s,
            {"num_warmup_steps": 100, "num_training_steps": 800},
            lr=3e-4,
            epochs=20,
            steps_per_epoch=50,
            interval="step",
        ),
        case("10-w7-t7", s, {"num_warmup_steps": 7, "num_training_steps": 7}, epochs=20),
    ]
    s = "hf-cosine"
    out += [
        case("01-defaults", s, {}),
        case("02-w10", s, {"num_warmup_steps": 10}),
        case("03-w10-t50-past-end", s, {"num_warmup_steps": 10, "num_training_steps": 50}),
        case("04-cycles2", s, {"num_cycles": 2.0}),
        case("05-cycles0.25-w5", s, {"num_warmup_steps": 5, "num_cycles": 0.25}),
        case(
            "06-w100-step-s25",
            s,
            {"num_warmup_steps": 100},
            epochs=20,
            steps_per_epoch=25,
            interval="step",
        ),
        case(
            "07-w3-lr1-epoch-s10", s, {"num_warmup_steps": 3}, lr=1.0, epochs=40, steps_per_epoch=10
        ),
        case("08-w500-5000", s, {"num_warmup_steps": 500}, epochs=5000),
        case(
            "09-cycles1.5-w5-t60",
            s,
            {"num_warmup_steps": 5, "num_training_steps": 60, "num_cycles": 1.5},
        ),
        case(
            "10-w20-t10-lr3e-4",
            s,
            {"num_warmup_steps": 20, "num_training_steps": 10},
            lr=3e-4,
            epochs=50,
        ),
    ]
    s = "hf-cosine-with-restarts"
    out += [
        case("01-defaults", s, {}),
        case("02-c3-w10", s, {"num_warmup_steps": 10, "num_cycles": 3}),
        case(
            "03-c5-step-s20", s, {"num_cycles": 5}, epochs=10, steps_per_epoch=20, interval="step"
        ),
        case("04-c4-t50-past-end", s, {"num_cycles": 4, "num_training_steps": 50}),
        case("05-c7-5000", s, {"num_cycles": 7}, epochs=5000),
        case(
            "06-c2-lr1-epoch-s10",
            s,
            {"num_cycles": 2, "num_warmup_steps": 4},
            lr=1.0,
            epochs=30,
            steps_per_epoch=10,
        ),
        case(
            "07-c1-w20-t80", s, {"num_cycles": 1, "num_warmup_steps": 20, "num_training_steps": 80}
        ),
        case(
            "08-c10-t1000-step-s100",
            s,
            {"num_cycles": 10, "num_training_steps": 1000},
            lr=3e-4,
            epochs=12,
            steps_per_epoch=100,
            interval="step",
        ),
        case("09-c3-t7", s, {"num_cycles": 3, "num_training_steps": 7}, epochs=12),
        # transformers takes float(num_cycles): a fraction of a cycle, or none at all
        case("10-c2.5-w10", s, {"num_cycles": 2.5, "num_warmup_steps": 10}),
        case(
            "11-c0.3-step-s8", s, {"num_cycles": 0.3}, epochs=12, steps_per_epoch=8, interval="step"
        ),
        case("12-c0", s, {"num_cycles": 0.0, "num_training_steps": 30}, epochs=40),
    ]
    s = "hf-polynomial"
    out += [
        case("01-defaults", s, {}),
        case("02-power2-w10", s, {"num_warmup_steps": 10, "power": 2.0}),
        case("03-power0.5-end1e-4", s, {"power": 0.5, "lr_end": 1e-4}),
        case("04-t50-past-end", s, {"num_training_steps": 50, "lr_end": 1e-3}),
        case(
            "05-power3-step-s20",
            s,
            {"power": 3.0, "num_warmup_steps": 15},
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case("06-w60-beyond-t50", s, {"num_warmup_steps": 60, "num_training_steps": 50}),
        case("07-end0-power1.5", s, {"lr_end": 0.0, "power": 1.5}),
        case(
            "08-lr3e-4-epoch-s10",
            s,
            {"num_warmup_steps": 5},
            lr=3e-4,
            epochs=30,
            steps_per_epoch=10,
        ),
        case("09-power0", s, {"power": 0.0, "num_training_steps": 40}, epochs=60),
        case(
            "10-power1.7-end0.01-lr1",
            s,
            {"power": 1.7, "lr_end": 0.01, "num_warmup_steps": 3},
            lr=1.0,
            epochs=200,
        ),
        # long: Python's float ** (libm's pow), not numpy's array power, on every step
        case(
            "11-power3-long",
            s,
            {"power": 3.0, "lr_end": 1e-7, "num_warmup_steps": 100},
            lr=1e-3,
            epochs=1,
            steps_per_epoch=5000,
            interval="step",
        ),
    ]
    s = "hf-constant"
    out += [
        case("01-defaults", s, {}),
        case("02-lr1", s, {}, lr=1.0, epochs=10),
        case("03-lr3e-4-5000", s, {}, lr=3e-4, epochs=5000),
        case("04-step-s20", s, {}, epochs=10, steps_per_epoch=20, interval="step"),
        case("05-epoch-s10", s, {}, epochs=10, steps_per_epoch=10),
        case("06-one-step", s, {}, epochs=1),
        case("07-lr0.3", s, {}, lr=0.3, epochs=50),
        case("08-lr1e-7", s, {}, lr=1e-7, epochs=20),
    ]
    s = "hf-constant-with-warmup"
    out += [
        case("01-defaults", s, {}),
        case("02-w10", s, {"num_warmup_steps": 10}),
        case("03-w200-beyond-run", s, {"num_warmup_steps": 200}),
        case("04-w7-lr0.3", s, {"num_warmup_steps": 7}, lr=0.3, epochs=30),
        case(
            "05-w50-step-s20",
            s,
            {"num_warmup_steps": 50},
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case("06-w3-epoch-s10", s, {"num_warmup_steps": 3}, lr=1.0, epochs=10, steps_per_epoch=10),
        case("07-w1", s, {"num_warmup_steps": 1}, epochs=10),
        case("08-w1000-lr3e-4", s, {"num_warmup_steps": 1000}, lr=3e-4, epochs=3000),
    ]
    s = "hf-inverse-sqrt"
    out += [
        case("01-defaults-ts10000", s, {}),
        case("02-w10", s, {"num_warmup_steps": 10}),
        case("03-w10-ts100", s, {"num_warmup_steps": 10, "timescale": 100}),
        case("04-ts1", s, {"timescale": 1}),
        case("05-w20-ts7", s, {"num_warmup_steps": 20, "timescale": 7}),
        case(
            "06-w100-step-s50",
            s,
            {"num_warmup_steps": 100},
            epochs=20,
            steps_per_epoch=50,
            interval="step",
        ),
        case(
            "07-w4-lr1-epoch-s10", s, {"num_warmup_steps": 4}, lr=1.0, epochs=30, steps_per_epoch=10
        ),
        case("08-w500-5000", s, {"num_warmup_steps": 500}, lr=3e-4, epochs=5000),
        case("09-ts3", s, {"timescale": 3}, epochs=1000),
    ]
    s = "hf-cosine-with-min-lr"
    out += [
        case("01-rate0.1", s, {"min_lr_rate": 0.1}),
        case("02-min-lr1e-3-w10", s, {"min_lr": 1e-3, "num_warmup_steps": 10}),
        case("03-rate0.05-t50-past-end", s, {"min_lr_rate": 0.05, "num_training_steps": 50}),
        case("04-rate0-cycles1", s, {"min_lr_rate": 0.0, "num_cycles": 1.0}),
        case(
            "05-min-lr1e-5-lr3e-4-step-s20",
            s,
            {"min_lr": 1e-5, "num_warmup_steps": 40},
            lr=3e-4,
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "06-rate0.2-epoch-s10",
            s,
            {"min_lr_rate": 0.2, "num_warmup_steps": 2},
            lr=1.0,
            epochs=30,
            steps_per_epoch=10,
        ),
        case("07-min-lr0.03-5000", s, {"min_lr": 0.03, "num_warmup_steps": 250}, epochs=5000),
        case(
            "08-rate0.1-cycles2-w5",
            s,
            {"min_lr_rate": 0.1, "num_cycles": 2.0, "num_warmup_steps": 5},
        ),
        case("09-min-lr-above-lr", s, {"min_lr": 0.2}, epochs=40),
    ]
    s = "hf-cosine-warmup-with-min-lr"
    out += [
        case("01-rate0.1", s, {"min_lr_rate": 0.1}),
        case("02-rate0.1-w10", s, {"min_lr_rate": 0.1, "num_warmup_steps": 10}),
        case(
            "03-min-lr1e-3-w10-wr0.1",
            s,
            {"min_lr": 1e-3, "num_warmup_steps": 10, "warmup_lr_rate": 0.1},
        ),
        case("04-w1-wr0.5", s, {"min_lr_rate": 0.0, "num_warmup_steps": 1, "warmup_lr_rate": 0.5}),
        case(
            "05-t50-past-end",
            s,
            {"min_lr_rate": 0.05, "num_training_steps": 50, "num_warmup_steps": 5},
        ),
        case(
            "06-step-s20",
            s,
            {"min_lr": 1e-5, "num_warmup_steps": 40},
            lr=3e-4,
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "07-epoch-s10-cycles1",
            s,
            {"min_lr_rate": 0.2, "num_cycles": 1.0, "num_warmup_steps": 3},
            lr=1.0,
            epochs=30,
            steps_per_epoch=10,
        ),
        case("08-w250-5000", s, {"min_lr_rate": 0.1, "num_warmup_steps": 250}, epochs=5000),
        case(
            "09-wr0-w2",
            s,
            {"min_lr_rate": 0.1, "num_warmup_steps": 2, "warmup_lr_rate": 0.0},
            epochs=20,
        ),
    ]
    s = "hf-warmup-stable-decay"
    out += [
        case("01-w10-d20-cosine", s, {"num_warmup_steps": 10, "num_decay_steps": 20}),
        case(
            "02-w10-d20-linear",
            s,
            {"num_warmup_steps": 10, "num_decay_steps": 20, "decay_type": "linear"},
        ),
        case(
            "03-w10-d20-1-sqrt",
            s,
            {"num_warmup_steps": 10, "num_decay_steps": 20, "decay_type": "1-sqrt"},
        ),
        case(
            "04-warmup-cosine-ratio0.1",
            s,
            {
                "num_warmup_steps": 15,
                "num_decay_steps": 30,
                "warmup_type": "cosine",
                "min_lr_ratio": 0.1,
            },
        ),
        case(
            "05-warmup-1-sqrt-decay-1-sqrt",
            s,
            {
                "num_warmup_steps": 15,
                "num_decay_steps": 30,
                "warmup_type": "1-sqrt",
                "decay_type": "1-sqrt",
                "min_lr_ratio": 0.05,
            },
        ),
        case(
            "06-stable-given-past-end",
            s,
            {
                "num_warmup_steps": 5,
                "num_stable_steps": 30,
                "num_decay_steps": 25,
                "decay_type": "linear",
            },
        ),
        case(
            "07-t60-short-ratio0.2",
            s,
            {
                "num_warmup_steps": 10,
                "num_decay_steps": 20,
                "num_training_steps": 60,
                "min_lr_ratio": 0.2,
            },
        ),
        case(
            "08-d0",
            s,
            {
                "num_warmup_steps": 10,
                "num_decay_steps": 0,
                "num_training_steps": 50,
                "min_lr_ratio": 0.1,
            },
        ),
        case(
            "09-step-s20-1-sqrt",
            s,
            {"num_warmup_steps": 20, "num_decay_steps": 40, "decay_type": "1-sqrt"},
            lr=3e-4,
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "10-epoch-s10-cycles1",
            s,
            {"num_warmup_steps": 3, "num_decay_steps": 10, "num_cycles": 1.0, "min_lr_ratio": 0.1},
            lr=1.0,
            epochs=30,
            steps_per_epoch=10,
        ),
        case(
            "11-long-1-sqrt",
            s,
            {"num_warmup_steps": 200, "num_decay_steps": 1000, "decay_type": "1-sqrt"},
            epochs=5000,
        ),
        case("12-w0-cosine-warmup", s, {"num_decay_steps": 30, "warmup_type": "cosine"}),
    ]
    s = "wsd"
    out += [
        case(
            "01-alias-1-sqrt",
            s,
            {"num_warmup_steps": 10, "num_decay_steps": 20, "decay_type": "1-sqrt"},
        ),
        case(
            "02-alias-linear-step-s10",
            s,
            {"num_warmup_steps": 50, "num_decay_steps": 200, "decay_type": "linear"},
            epochs=100,
            steps_per_epoch=10,
            interval="step",
        ),
    ]
    return out


def timm_cases() -> list[dict[str, Any]]:
    out = []
    for s in ("timm-cosine", "timm-tanh"):
        out += [
            case("01-t100", s, {"t_initial": 100}),
            case("02-t30-limit1", s, {"t_initial": 30}),
            case(
                "03-t20-limit5-decay0.5",
                s,
                {"t_initial": 20, "cycle_limit": 5, "cycle_decay": 0.5, "lr_min": 1e-3},
            ),
            case(
                "04-mul2-limit10",
                s,
                {"t_initial": 10, "cycle_mul": 2.0, "cycle_limit": 10},
                epochs=300,
            ),
            case(
                "05-warmup5",
                s,
                {"t_initial": 50, "warmup_t": 5, "warmup_lr_init": 1e-5, "cycle_limit": 2},
            ),
            case(
                "06-warmup5-prefix",
                s,
                {
                    "t_initial": 50,
                    "warmup_t": 5,
                    "warmup_lr_init": 1e-4,
                    "warmup_prefix": True,
                    "cycle_limit": 3,
                },
            ),
            case(
                "07-mul1.5-limit100-long",
                s,
                {
                    "t_initial": 20,
                    "cycle_mul": 1.5,
                    "cycle_limit": 100,
                    "lr_min": 1e-4,
                    "cycle_decay": 0.9,
                },
                epochs=3000,
            ),
            case(
                "08-step-s50",
                s,
                {
                    "t_initial": 300,
                    "warmup_t": 20,
                    "warmup_lr_init": 1e-6,
                    "lr_min": 1e-5,
                    "cycle_limit": 3,
                },
                lr=3e-4,
                epochs=20,
                steps_per_epoch=50,
                interval="step",
            ),
            case(
                "09-epoch-s10",
                s,
                {"t_initial": 15, "cycle_limit": 3},
                lr=1.0,
                epochs=40,
                steps_per_epoch=10,
            ),
            case(
                "10-mul0.5-shrinking",
                s,
                {"t_initial": 40, "cycle_mul": 0.5, "cycle_limit": 100},
                epochs=79,
            ),
            case(
                "11-mul1.3-warmup-prefix",
                s,
                {
                    "t_initial": 7,
                    "cycle_mul": 1.3,
                    "cycle_limit": 20,
                    "warmup_t": 3,
                    "warmup_prefix": True,
                },
                epochs=500,
            ),
        ]
    s = "timm-cosine"
    out += [
        case("12-k2", s, {"t_initial": 50, "k_decay": 2.0, "cycle_limit": 2}),
        case(
            "13-k0.5-mul2",
            s,
            {"t_initial": 10, "k_decay": 0.5, "cycle_mul": 2.0, "cycle_limit": 5},
            epochs=200,
        ),
    ]
    s = "timm-tanh"
    out += [
        case("12-lb-3-ub3", s, {"t_initial": 50, "lb": -3.0, "ub": 3.0, "cycle_limit": 2}),
        case(
            "13-lb-5-ub1-warmup",
            s,
            {"t_initial": 60, "lb": -5.0, "ub": 1.0, "warmup_t": 10, "warmup_lr_init": 0.01},
        ),
        case(
            "14-ub8-mul1.5",
            s,
            {"t_initial": 40, "ub": 8.0, "cycle_mul": 1.5, "cycle_limit": 9},
            epochs=1000,
        ),
    ]
    return out


# --- running the real schedulers ------------------------------------------------------


def hf_scheduler(opt: torch.optim.Optimizer, spec: dict[str, Any], count: int) -> Any:
    params = dict(spec["params"])
    warmup = params.pop("num_warmup_steps", 0)
    training = params.pop("num_training_steps", count)  # lrplot's default: the run's count
    return transformers.get_scheduler(
        HF_TYPES[spec["schedule"]],
        opt,
        num_warmup_steps=warmup,
        num_training_steps=training,
        scheduler_specific_kwargs=params,
    )


def load_timm(source: Path | None) -> types.ModuleType | None:
    """timm.scheduler, or its files loaded on their own from an unpacked wheel."""
    try:
        import timm.scheduler

        return timm.scheduler
    except ImportError:
        pass
    if source is None:
        return None
    folder = source / "timm" / "scheduler"
    package = types.ModuleType("_timm_scheduler")
    package.__path__ = [str(folder)]
    sys.modules["_timm_scheduler"] = package
    for name in ("scheduler", "cosine_lr", "tanh_lr"):
        spec = importlib.util.spec_from_file_location(
            f"_timm_scheduler.{name}", folder / f"{name}.py"
        )
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module
        spec.loader.exec_module(module)
        setattr(package, name, module)
    package.CosineLRScheduler = package.cosine_lr.CosineLRScheduler  # type: ignore[attr-defined]
    package.TanhLRScheduler = package.tanh_lr.TanhLRScheduler  # type: ignore[attr-defined]
    return package


def run(c: Case, timm: types.ModuleType | None) -> Columns:
    """The LR of every optimizer step, in the seed's training loop."""
    spec = c["spec"]
    if spec["schedule"] not in TIMM_CLASSES:
        return record(spec, lambda opt: hf_scheduler(opt, spec, scheduler_steps(spec)))
    assert timm is not None
    cls = getattr(timm, TIMM_CLASSES[spec["schedule"]])
    per_epoch = spec["interval"] == "epoch"

    def step(sched: Any, j: int) -> None:  # timm's loop, j scheduler steps taken before
        if per_epoch:
            sched.step(j + 1)  # lr_scheduler.step(epoch + 1)
        else:
            sched.step_update(num_updates=j + 1)

    return record(spec, lambda opt: cls(opt, t_in_epochs=per_epoch, **spec["params"]), step=step)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--timm-src", type=Path, help="an unpacked timm wheel (if not installed)")
    args = parser.parse_args()
    timm = load_timm(args.timm_src)
    all_cases = hf_cases()
    prefixes = ["hf-", "wsd-"]
    if timm is not None:
        all_cases += timm_cases()
        prefixes.append("timm-")
    else:
        print("timm not found (no --timm-src): timm-* golden files left as they are")
    source = "" if timm is None else f", timm from {Path(timm.__path__[0]).parent.parent}"
    about = f", transformers {transformers.__version__}{source}"
    return golden_io.main(all_cases, lambda c: run(c, timm), prefixes, about=about)


if __name__ == "__main__":
    sys.exit(main())
