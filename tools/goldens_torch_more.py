"""Write golden LR traces for the rest of PyTorch's catalog (lrplot/schedules/torch_more.py).

Run from anywhere as ``python tools/goldens_torch_more.py``. PyTorch is needed here only.
The files, ``tests/golden/<schedule>-NN-<what>.csv``, have the format of
tools/make_goldens.py (line 1 ``# {json}``, then ``step,lr``), plus a ``momentum``
column for the schedules that cycle momentum: ``opt.param_groups[0]["momentum"]``
of an ``SGD(momentum=0.9)``, read with the LR before each optimizer step.

Only this script's own files are replaced (``<schedule>-NN-*.csv`` for its
schedules); every other golden file is left alone.

The stepping model is the seed's training loop (see tools/make_goldens.py). Two
translations from lrplot's parameters to PyTorch's: ``onecycle`` without
``total_steps`` gets the run's scheduler-step count (lrplot's default), and the
``expr`` of ``lambda``/``multiplicative`` becomes ``lr_lambda = lambda epoch: <expr>``,
built here with Python's eval over math's functions (here only: lrplot never evals).
"""

from __future__ import annotations

import sys
from typing import Any

import golden_io
from golden_io import Case, Columns, case, record, scheduler_steps

from lrplot.expr import CONSTANTS, FUNCTIONS  # the names an expression may use

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "goldens_torch_more.py needs PyTorch (it is not a dependency of lrplot): "
        "install torch into this Python, then run it again"
    )

S = torch.optim.lr_scheduler

TORCH_CLASSES = {
    "linear": S.LinearLR,
    "constant": S.ConstantLR,
    "polynomial": S.PolynomialLR,
    "cosine-restarts": S.CosineAnnealingWarmRestarts,
    "cyclic": S.CyclicLR,
    "onecycle": S.OneCycleLR,
    "lambda": S.LambdaLR,
    "multiplicative": S.MultiplicativeLR,
}
TORCH_NAMES = {"t_0": "T_0", "t_mult": "T_mult"}
MOMENTUM = ("cyclic", "onecycle")

# the lambda PyTorch runs: the same names, as Python's own functions, nothing else
NAMESPACE: dict[str, Any] = {"__builtins__": {}, **FUNCTIONS, **CONSTANTS}


def per_step(epochs: int, steps: int) -> dict[str, Any]:
    return {"epochs": epochs, "steps_per_epoch": steps, "interval": "step"}


def cases() -> list[dict[str, Any]]:
    out = []
    li = "linear"
    out += [
        case("01-defaults", li, {}, epochs=20),
        case("02-sf0.1-t10", li, {"start_factor": 0.1, "total_iters": 10}, epochs=30),
        case(
            "03-sf0.5-ef0.1-decay",
            li,
            {"start_factor": 0.5, "end_factor": 0.1, "total_iters": 20},
            epochs=40,
        ),
        case(
            "04-ef0-to-zero",
            li,
            {"start_factor": 1.0, "end_factor": 0.0, "total_iters": 10},
            epochs=20,
        ),
        case("05-t1", li, {"start_factor": 0.25, "total_iters": 1}, epochs=10),
        case(
            "06-sf0.01-t300-step-s20",
            li,
            {"start_factor": 0.01, "total_iters": 300},
            **per_step(20, 20),
        ),
        case("07-sf0.2-epoch-s10", li, {"start_factor": 0.2}, epochs=12, steps_per_epoch=10),
        case(
            "08-sf1e-3-t1000-5000",
            li,
            {"start_factor": 0.001, "total_iters": 1000},
            epochs=5000,
        ),
        case(
            "09-equal-factors",
            li,
            {"start_factor": 0.5, "end_factor": 0.5, "total_iters": 7},
            epochs=15,
        ),
        case("10-short-run-lr3e-4", li, {"total_iters": 50}, lr=3e-4, epochs=10),
    ]
    co = "constant"
    out += [
        case("01-defaults", co, {}, epochs=20),
        case("02-f0.5-t10", co, {"factor": 0.5, "total_iters": 10}, epochs=30),
        case("03-f1", co, {"factor": 1.0, "total_iters": 3}, epochs=10),
        case("04-t1", co, {"factor": 0.25, "total_iters": 1}, epochs=10),
        case(
            "05-f0.1-t100-lr3e-4",
            co,
            {"factor": 0.1, "total_iters": 100},
            lr=3e-4,
            epochs=300,
        ),
        case("06-t50-step-s20", co, {"factor": 0.5, "total_iters": 50}, **per_step(10, 20)),
        case("07-epoch-s10", co, {"factor": 0.2, "total_iters": 4}, epochs=12, steps_per_epoch=10),
        case("08-t-beyond-run", co, {"factor": 0.5, "total_iters": 200}, epochs=100),
        case("09-f0.3", co, {"factor": 0.3, "total_iters": 7}, lr=1.0, epochs=20),
    ]
    po = "polynomial"
    out += [
        case("01-defaults", po, {}, epochs=20),
        case("02-t80-p2", po, {"total_iters": 80, "power": 2.0}, epochs=100),
        case("03-t50-p0.5", po, {"total_iters": 50, "power": 0.5}, epochs=60),
        case("04-t1", po, {"total_iters": 1, "power": 1.0}, epochs=10),
        case("05-p0", po, {"total_iters": 10, "power": 0.0}, epochs=20),
        case("06-t150-p3-step-s20", po, {"total_iters": 150, "power": 3.0}, **per_step(10, 20)),
        case(
            "07-t7-epoch-s10", po, {"total_iters": 7, "power": 1.5}, epochs=12, steps_per_epoch=10
        ),
        case(
            "08-t1000-p0.9-5000",
            po,
            {"total_iters": 1000, "power": 0.9},
            lr=1.0,
            epochs=5000,
        ),
        case("09-short-run-p1.7", po, {"total_iters": 200, "power": 1.7}, lr=3e-4, epochs=50),
    ]
    cr = "cosine-restarts"
    out += [
        case("01-t10", cr, {"t_0": 10}, epochs=50),
        case("02-t10-mult2", cr, {"t_0": 10, "t_mult": 2}, epochs=70),
        case("03-t5-mult3-eta1e-3", cr, {"t_0": 5, "t_mult": 3, "eta_min": 1e-3}, epochs=200),
        case("04-t1", cr, {"t_0": 1}, epochs=20),
        case("05-t1-mult2", cr, {"t_0": 1, "t_mult": 2}, epochs=100),
        case("06-t7-eta0.05", cr, {"t_0": 7, "eta_min": 0.05}, epochs=60),
        case("07-t100-mult2-step-s25", cr, {"t_0": 100, "t_mult": 2}, **per_step(20, 25)),
        case("08-t3-mult2-epoch-s10", cr, {"t_0": 3, "t_mult": 2}, epochs=30, steps_per_epoch=10),
        case("09-t1000-eta1e-4-5000", cr, {"t_0": 1000, "eta_min": 1e-4}, epochs=5000),
        case("10-eta-above-lr", cr, {"t_0": 9, "eta_min": 0.2}, epochs=40),
        case("11-t50-mult2-lr3e-4", cr, {"t_0": 50, "t_mult": 2}, lr=3e-4, epochs=400),
        case("12-t13-mult5-lr1", cr, {"t_0": 13, "t_mult": 5, "eta_min": 0.01}, lr=1.0, epochs=500),
    ]
    cy = "cyclic"
    clr = {"base_lr": 0.001, "max_lr": 0.1}
    out += [
        case("01-default-steps", cy, clr, **per_step(1, 5000)),
        case("02-up10", cy, {**clr, "step_size_up": 10}, epochs=100),
        case("03-up5-down15", cy, {**clr, "step_size_up": 5, "step_size_down": 15}, epochs=100),
        case("04-triangular2", cy, {**clr, "step_size_up": 10, "mode": "triangular2"}, epochs=120),
        case(
            "05-exp-range-g0.99",
            cy,
            {**clr, "step_size_up": 10, "mode": "exp_range", "gamma": 0.99},
            epochs=200,
        ),
        case(
            "06-exp-range-iterations-step-s30",
            cy,
            {
                **clr,
                "step_size_up": 20,
                "step_size_down": 5,
                "mode": "exp_range",
                "gamma": 0.995,
                "scale_mode": "iterations",
            },
            **per_step(10, 30),
        ),
        case(
            "07-triangular2-cycle-step-s50",
            cy,
            {
                "base_lr": 1e-4,
                "max_lr": 3e-3,
                "step_size_up": 30,
                "mode": "triangular2",
                "scale_mode": "cycle",
            },
            **per_step(8, 50),
        ),
        case("08-no-momentum", cy, {**clr, "step_size_up": 4, "cycle_momentum": False}, epochs=40),
        case(
            "09-momentum-0.85-0.95",
            cy,
            {**clr, "step_size_up": 3, "base_momentum": 0.85, "max_momentum": 0.95},
            epochs=40,
        ),
        case("10-inverted", cy, {"base_lr": 0.1, "max_lr": 0.01, "step_size_up": 6}, epochs=40),
        case("11-up3-epoch-s10", cy, {**clr, "step_size_up": 3}, epochs=20, steps_per_epoch=10),
        case("12-up1-down1", cy, {**clr, "step_size_up": 1, "step_size_down": 1}, epochs=20),
        case(
            "13-exp-range-g1.01",
            cy,
            {**clr, "step_size_up": 7, "mode": "exp_range", "gamma": 1.01},
            epochs=200,
        ),
        case(
            "14-up7-down3-lr1",
            cy,
            {"base_lr": 0.05, "max_lr": 1.0, "step_size_up": 7, "step_size_down": 3},
            lr=1.0,
            epochs=100,
        ),
        # step_size_down=0: a sawtooth (PyTorch's step_ratio is 1, the LR never falls)
        case("15-sawtooth", cy, {**clr, "step_size_up": 5, "step_size_down": 0}, epochs=40),
        case(
            "16-sawtooth-triangular2-step-s7",
            cy,
            {**clr, "step_size_up": 4, "step_size_down": 0, "mode": "triangular2"},
            **per_step(9, 7),
        ),
        case(
            "17-sawtooth-exp-range",
            cy,
            {**clr, "step_size_up": 1, "step_size_down": 0, "mode": "exp_range", "gamma": 0.97},
            epochs=50,
        ),
    ]
    oc = "onecycle"
    out += [
        case("01-defaults", oc, {"max_lr": 0.1}, epochs=100),
        case("02-step-s100", oc, {"max_lr": 0.1}, **per_step(10, 100)),
        case("03-linear", oc, {"max_lr": 0.1, "anneal_strategy": "linear"}, epochs=100),
        case("04-three-phase", oc, {"max_lr": 0.1, "three_phase": True}, epochs=100),
        case(
            "05-three-phase-linear-step-s20",
            oc,
            {"max_lr": 0.5, "three_phase": True, "anneal_strategy": "linear"},
            **per_step(10, 20),
        ),
        case("06-total-longer", oc, {"max_lr": 0.1, "total_steps": 150}, epochs=100),
        case(
            "07-pct0.1-div10-final100",
            oc,
            {"max_lr": 1.0, "pct_start": 0.1, "div_factor": 10.0, "final_div_factor": 100.0},
            epochs=200,
        ),
        case("08-no-momentum", oc, {"max_lr": 0.1, "cycle_momentum": False}, epochs=50),
        case("09-epoch-s10", oc, {"max_lr": 0.01}, epochs=30, steps_per_epoch=10),
        case(
            "10-momentum-pct0.45",
            oc,
            {"max_lr": 0.3, "pct_start": 0.45, "base_momentum": 0.8, "max_momentum": 0.9},
            epochs=77,
        ),
        case("11-short-5", oc, {"max_lr": 0.1}, epochs=5),
        case("12-long-5000", oc, {"max_lr": 3e-3, "pct_start": 0.25}, **per_step(50, 100)),
        # pct_start=0: no warmup (PyTorch takes 0 <= pct_start <= 1)
        case("13-pct0", oc, {"max_lr": 0.1, "pct_start": 0.0}, epochs=40),
        case(
            "14-pct0-three-phase",
            oc,
            {"max_lr": 0.1, "pct_start": 0.0, "three_phase": True},
            epochs=40,
        ),
    ]
    la = "lambda"
    out += [
        case("01-exp-decay", la, {"expr": "0.95**epoch"}, epochs=50),
        case("02-warmup-decay", la, {"expr": "min(1, (epoch + 1) / 5) * 0.97**epoch"}, epochs=60),
        case(
            "03-conditional",
            la,
            {"expr": "1.0 if epoch < 10 else 0.1 if epoch < 20 else 0.01"},
            epochs=30,
        ),
        case("04-floor-steps", la, {"expr": "0.5 ** floor(epoch / 10)"}, epochs=50),
        case("05-int-ops", la, {"expr": "1 / (1 + epoch // 5)"}, epochs=40),
        case("06-cosine", la, {"expr": "0.5 * (1 + cos(pi * epoch / 40))"}, epochs=41),
        case("07-exp-sqrt", la, {"expr": "exp(-0.05 * epoch) / sqrt(max(epoch, 1))"}, epochs=50),
        case("08-and-or", la, {"expr": "epoch < 5 and 0.1 or 1"}, epochs=12),
        case(
            "09-inverse-sqrt-step-s10",
            la,
            {"expr": "1 / sqrt(max(epoch, 100) / 100)"},
            **per_step(50, 10),
        ),
        case("10-tanh", la, {"expr": "1 - tanh(epoch / 20)"}, lr=1.0, epochs=80),
        case("11-mod", la, {"expr": "1 if epoch % 10 < 5 else 0.5"}, epochs=30),
        case("12-chained-compare", la, {"expr": "0.1 if 10 <= epoch < 20 else 1"}, epochs=30),
        case("13-ceil-abs", la, {"expr": "abs(ceil(epoch / 3) - 5) / 5 + 0.1"}, epochs=30),
        case("14-log-base", la, {"expr": "1 / log(epoch + 2, 2)"}, lr=3e-4, epochs=50),
        case("15-power-of-e", la, {"expr": "e ** (-epoch / 25)"}, epochs=100),
    ]
    mu = "multiplicative"
    out += [
        case("01-constant", mu, {"expr": "0.95"}, epochs=50),
        case("02-every-10", mu, {"expr": "0.9 if epoch % 10 == 0 else 1"}, epochs=50),
        case("03-harmonic", mu, {"expr": "1 - 1 / (epoch + 10)"}, epochs=100),
        case("04-step-s10", mu, {"expr": "0.999"}, **per_step(20, 10)),
        case("05-max", mu, {"expr": "max(0.9, 1 - epoch / 100)"}, epochs=60),
        case("06-exp", mu, {"expr": "exp(-0.01)"}, lr=1.0, epochs=200),
        case("07-epoch-s10", mu, {"expr": "0.98"}, epochs=25, steps_per_epoch=10),
        case("08-growth", mu, {"expr": "1.01"}, lr=3e-4, epochs=300),
        case("09-bool-power", mu, {"expr": "0.5 ** (epoch % 3 == 0)"}, epochs=30),
        case("10-int-one", mu, {"expr": "1"}, epochs=10),
        case("11-cos", mu, {"expr": "1 - 0.1 * sin(epoch) ** 2"}, epochs=100),
    ]
    return out


def torch_kwargs(spec: dict[str, Any], count: int) -> dict[str, Any]:
    name, params = spec["schedule"], dict(spec["params"])
    if name in ("lambda", "multiplicative"):
        text = params.pop("expr")
        params["lr_lambda"] = eval("lambda epoch: " + text, dict(NAMESPACE))  # generator only
    if name == "onecycle" and params.get("total_steps") is None:
        params["total_steps"] = count
    return {TORCH_NAMES.get(k, k): v for k, v in params.items()}


def cycles_momentum(spec: dict[str, Any]) -> bool:
    return spec["schedule"] in MOMENTUM and spec["params"].get("cycle_momentum", True)


def run(c: Case) -> Columns:
    """The LR of every optimizer step (and the momentum, for cyclic/onecycle)."""
    spec = c["spec"]
    kwargs = torch_kwargs(spec, scheduler_steps(spec))
    keys = ("lr", "momentum") if cycles_momentum(spec) else ("lr",)
    factory = TORCH_CLASSES[spec["schedule"]]
    return record(spec, lambda opt: factory(opt, **kwargs), keys=keys, momentum=0.9)


def main() -> int:
    # this script's own files only: <schedule>-<number>... of its schedules
    prefixes = [f"{schedule}-" for schedule in TORCH_CLASSES]
    return golden_io.main(cases(), run, prefixes, numbered=True)


if __name__ == "__main__":
    sys.exit(main())
