"""Write the golden LR traces of tests/golden/ by running real PyTorch schedulers.

Run from anywhere as ``python tools/make_goldens.py``. PyTorch is needed here only:
it is never a dependency of lrplot, and tests/test_parity.py reads the CSV files this
script writes without importing torch.

Each case becomes one file, ``tests/golden/<name>.csv``:

* line 1: ``# {json}``, the case: schedule, params (lrplot's snake_case names), lr,
  epochs, steps_per_epoch, interval (plus, for plateau, how its metric was made);
* a header ``step,lr`` (``step,lr,metric`` for plateau);
* one row per optimizer step, floats written with ``repr``.

The stepping model is the seed's training loop::

    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=base_lr)
    sched = <Scheduler>(opt, ...)
    for epoch in range(E):
        for batch in range(S):
            row k = opt.param_groups[0]["lr"]
            opt.step()
            if interval == "step": sched.step()          # step(metric[k]) for plateau
        if interval == "epoch": sched.step()             # step(metric[epoch]) for plateau

The metric column of row k is the value passed to the scheduler step that row
belongs to: metric[k // S] (interval epoch) or metric[k] (interval step).

The case, the file, the loop and main() are tools/golden_io.py's, shared with the
other generators; this script has the cases, the metric streams and the classes.
"""

from __future__ import annotations

import sys
from typing import Any

import golden_io
import numpy as np
from golden_io import Case, Columns, case, record, scheduler_steps

try:
    import torch
except ImportError:  # pragma: no cover - depends on the machine
    sys.exit(
        "make_goldens.py needs PyTorch (it is not a dependency of lrplot): "
        "install torch into this Python, then run it again"
    )

# lrplot's parameter names -> PyTorch's, where they differ
TORCH_NAMES = {"t_max": "T_max"}

TORCH_CLASSES = {
    "step": torch.optim.lr_scheduler.StepLR,
    "multistep": torch.optim.lr_scheduler.MultiStepLR,
    "exponential": torch.optim.lr_scheduler.ExponentialLR,
    "cosine": torch.optim.lr_scheduler.CosineAnnealingLR,
    "plateau": torch.optim.lr_scheduler.ReduceLROnPlateau,
}


# --- metric streams for ReduceLROnPlateau -------------------------------------


def metric_stream(shape: str, count: int, seed: int) -> list[float]:
    """``count`` metric values (one per scheduler step) of a named shape."""
    rng = np.random.default_rng(seed)
    t = np.arange(count, dtype=float)
    span = max(count, 1)
    if shape == "loss":  # falls, then flattens into noise
        values = 0.2 + 1.8 * np.exp(-t / (span / 5)) + rng.normal(0, 0.02, count)
    elif shape == "loss-slow":  # falls slowly with small noise: long improving runs
        values = 1.0 / (1.0 + t / 20) + rng.normal(0, 0.002, count)
    elif shape == "flat":  # nothing but noise around a constant
        values = 1.0 + rng.normal(0, 0.01, count)
    elif shape == "accuracy":  # rises, then saturates (mode max)
        values = 0.95 - 0.85 * np.exp(-t / (span / 6)) + rng.normal(0, 0.01, count)
    elif shape == "negative":  # a negative log-likelihood-like value falling below zero
        values = -0.5 - 2.0 * (1 - np.exp(-t / (span / 4))) + rng.normal(0, 0.03, count)
    elif shape == "negative-rise":  # a negative reward climbing towards zero (mode max)
        values = -3.0 * np.exp(-t / (span / 5)) - 0.1 + rng.normal(0, 0.02, count)
    elif shape == "ties":  # coarse grid: exact repeats of the best value
        values = np.round(1.0 + 0.5 * np.exp(-t / (span / 4)) + rng.normal(0, 0.03, count), 2)
    elif shape == "grid-quarter":  # multiples of 1/4: exact ties with best - 0.25
        walk = np.cumsum(rng.choice([-1, -1, 0, 0, 1], size=count))
        values = 4.0 + 0.25 * walk
    elif shape == "grid-quarter-up":  # the same grid, drifting upwards (mode max)
        walk = np.cumsum(rng.choice([-1, 0, 0, 1, 1], size=count))
        values = 1.0 + 0.25 * walk
    elif shape == "steps":  # a staircase: long flat stretches (exact ties), then drops
        values = 2.0 - 0.5 * np.floor(t / max(span // 5, 1))
        values = values + np.where(rng.random(count) < 0.3, 0.125, 0.0)
    elif shape == "diverged":  # a loss with nan and inf epochs (a run that blew up, and on)
        values = 0.2 + 1.8 * np.exp(-t / (span / 5)) + rng.normal(0, 0.02, count)
        values[rng.random(count) < 0.08] = np.nan
        values[rng.random(count) < 0.04] = np.inf
        values[count // 2 : count // 2 + 6] = np.nan  # a stretch of nan: patience runs out
    elif shape == "diverged-max":  # an accuracy with nan and -inf epochs (mode max)
        values = 0.95 - 0.85 * np.exp(-t / (span / 6)) + rng.normal(0, 0.01, count)
        values[rng.random(count) < 0.08] = np.nan
        values[rng.random(count) < 0.04] = -np.inf
    else:
        raise ValueError(f"unknown metric shape {shape!r}")
    return [float(v) for v in values]


# --- the cases ------------------------------------------------------------------


def stream(shape: str, seed: int) -> dict[str, Any]:
    """A plateau case's metric: the shape and seed of :func:`metric_stream`."""
    return {"shape": shape, "seed": seed}


def cases() -> list[dict[str, Any]]:
    out = []
    step = "step"
    out += [
        case("01-ss30-g0.1", step, {"step_size": 30, "gamma": 0.1}),
        case("02-ss1-g0.5", step, {"step_size": 1, "gamma": 0.5}, epochs=60),
        case("03-ss3-g0.9", step, {"step_size": 3, "gamma": 0.9}, epochs=200),
        case("04-ss3-g1.5-grow", step, {"step_size": 3, "gamma": 1.5}, epochs=50),
        case("05-ss1-g1.5-lr3e-4", step, {"step_size": 1, "gamma": 1.5}, lr=3e-4, epochs=500),
        case("06-ss1-g0.1-underflow", step, {"step_size": 1, "gamma": 0.1}, epochs=400),
        case("07-ss30-g0.1-lr1", step, {"step_size": 30, "gamma": 0.1}, lr=1.0, epochs=120),
        case(
            "08-ss3-g0.1-epoch-s25",
            step,
            {"step_size": 3, "gamma": 0.1},
            epochs=12,
            steps_per_epoch=25,
        ),
        case(
            "09-ss30-g0.5-step-s100",
            step,
            {"step_size": 30, "gamma": 0.5},
            epochs=4,
            steps_per_epoch=100,
            interval="step",
        ),
        case(
            "10-ss1-g0.9-step-s7",
            step,
            {"step_size": 1, "gamma": 0.9},
            lr=3e-4,
            epochs=20,
            steps_per_epoch=7,
            interval="step",
        ),
        case("11-ss30-default-gamma", step, {"step_size": 30}, epochs=100),
    ]
    ms = "multistep"
    out += [
        case("01-30-80", ms, {"milestones": [30, 80], "gamma": 0.1}),
        case("02-repeated", ms, {"milestones": [3, 5, 5, 5], "gamma": 0.5}, epochs=12),
        case("03-zero", ms, {"milestones": [0, 10], "gamma": 0.1}, epochs=20),
        case("04-zero-twice", ms, {"milestones": [0, 0, 3], "gamma": 0.5}, lr=1.0, epochs=8),
        case("05-unsorted", ms, {"milestones": [80, 30, 50], "gamma": 0.1}),
        case("06-beyond-run", ms, {"milestones": [200, 300], "gamma": 0.1}),
        case("07-last-row", ms, {"milestones": [98, 99, 100], "gamma": 0.1}),
        case(
            "08-many-g0.9-lr3e-4",
            ms,
            {"milestones": list(range(5, 400, 5)), "gamma": 0.9},
            lr=3e-4,
            epochs=400,
        ),
        case("09-g1.5", ms, {"milestones": [1, 2, 2, 7], "gamma": 1.5}, epochs=10),
        case(
            "10-step-s20",
            ms,
            {"milestones": [30, 80, 80, 150], "gamma": 0.1},
            epochs=10,
            steps_per_epoch=20,
            interval="step",
        ),
        case(
            "11-epoch-s50",
            ms,
            {"milestones": [2, 4], "gamma": 0.1},
            lr=1.0,
            epochs=6,
            steps_per_epoch=50,
        ),
        case("12-one-milestone", ms, {"milestones": [50]}, epochs=100),
    ]
    ex = "exponential"
    out += [
        case("01-g0.95", ex, {"gamma": 0.95}),
        case("02-g0.999-5000", ex, {"gamma": 0.999}, epochs=5000),
        case("03-g1.01", ex, {"gamma": 1.01}, epochs=300),
        case("04-g0.95-lr1", ex, {"gamma": 0.95}, lr=1.0, epochs=200),
        case("05-g0.5-underflow", ex, {"gamma": 0.5}, lr=3e-4, epochs=500),
        case(
            "06-g0.99-step-s10",
            ex,
            {"gamma": 0.99},
            epochs=30,
            steps_per_epoch=10,
            interval="step",
        ),
        case(
            "07-g0.9-epoch-s20",
            ex,
            {"gamma": 0.9},
            epochs=25,
            steps_per_epoch=20,
        ),
        case("08-g1.01-lr3e-4", ex, {"gamma": 1.01}, lr=3e-4, epochs=400),
        case("09-g0.1", ex, {"gamma": 0.1}, lr=1.0, epochs=50),
    ]
    cos = "cosine"
    out += [
        case("01-t50", cos, {"t_max": 50}, epochs=50),
        case("02-t50-4periods", cos, {"t_max": 50, "eta_min": 0.0}, epochs=200),
        case("03-t7-eta1e-4", cos, {"t_max": 7, "eta_min": 1e-4}, epochs=100),
        case("04-t1", cos, {"t_max": 1, "eta_min": 0.0}, epochs=20),
        case("05-t1-eta0.05", cos, {"t_max": 1, "eta_min": 0.05}, epochs=20),
        case("06-t1000-5000", cos, {"t_max": 1000, "eta_min": 0.0}, epochs=5000),
        case(
            "07-t1000-eta1e-4-step-s250",
            cos,
            {"t_max": 1000, "eta_min": 1e-4},
            epochs=10,
            steps_per_epoch=250,
            interval="step",
        ),
        case("08-t50-eta0.05", cos, {"t_max": 50, "eta_min": 0.05}, epochs=300),
        case("09-t7-eta-above-lr", cos, {"t_max": 7, "eta_min": 0.2}, epochs=60),
        case("10-t50-eta1e-4-lr3e-4", cos, {"t_max": 50, "eta_min": 1e-4}, lr=3e-4, epochs=200),
        case(
            "11-t50-lr1-epoch-s20",
            cos,
            {"t_max": 50, "eta_min": 0.0},
            lr=1.0,
            epochs=20,
            steps_per_epoch=20,
        ),
        case(
            "12-t7-eta0.05-lr1-step-s10",
            cos,
            {"t_max": 7, "eta_min": 0.05},
            lr=1.0,
            epochs=10,
            steps_per_epoch=10,
            interval="step",
        ),
        case("13-t1000-eta0.05", cos, {"t_max": 1000, "eta_min": 0.05}, epochs=2500),
        case("14-t50-eta-above-lr-3e-4", cos, {"t_max": 50, "eta_min": 1e-3}, lr=3e-4, epochs=250),
        case("15-t7-short-run", cos, {"t_max": 7, "eta_min": 0.0}, epochs=5),
        # eta_min > 0 ending at T_max (closed form), and one step past it (first restart)
        case("16-t50-eta1e-4-to-tmax", cos, {"t_max": 50, "eta_min": 1e-4}, epochs=51),
        case("17-t50-eta0.05-first-restart", cos, {"t_max": 50, "eta_min": 0.05}, epochs=52),
        case(
            "18-t500-eta1e-3-lr1-epoch-s4",
            cos,
            {"t_max": 500, "eta_min": 1e-3},
            lr=1.0,
            epochs=400,
            steps_per_epoch=4,
        ),
    ]
    pl = "plateau"
    out += [
        case("01-defaults-loss", pl, {}, epochs=200, metric=stream("loss", 1)),
        case(
            "02-min-rel-p0",
            pl,
            {"mode": "min", "patience": 0, "factor": 0.5},
            epochs=150,
            metric=stream("loss", 2),
        ),
        case(
            "03-min-rel-p1-cd2",
            pl,
            {"patience": 1, "cooldown": 2, "factor": 0.5},
            epochs=200,
            metric=stream("flat", 3),
        ),
        case(
            "04-min-rel-p3-cd5",
            pl,
            {"patience": 3, "cooldown": 5, "factor": 0.1},
            lr=1.0,
            epochs=300,
            metric=stream("loss", 4),
        ),
        case(
            "05-min-abs-p3",
            pl,
            {"patience": 3, "threshold": 0.01, "threshold_mode": "abs", "factor": 0.5},
            epochs=200,
            metric=stream("loss", 5),
        ),
        case(
            "06-max-rel-p3",
            pl,
            {"mode": "max", "patience": 3, "factor": 0.5},
            epochs=200,
            metric=stream("accuracy", 6),
        ),
        case(
            "07-max-abs-p1-cd2",
            pl,
            {
                "mode": "max",
                "patience": 1,
                "cooldown": 2,
                "threshold": 0.005,
                "threshold_mode": "abs",
                "factor": 0.5,
            },
            epochs=200,
            metric=stream("accuracy", 7),
        ),
        case(
            "08-min-rel-negative",
            pl,
            {"patience": 2, "factor": 0.5, "threshold": 0.01},
            epochs=200,
            metric=stream("negative", 8),
        ),
        case(
            "09-max-rel-negative",
            pl,
            {"mode": "max", "patience": 2, "factor": 0.5, "threshold": 0.01},
            epochs=200,
            metric=stream("negative-rise", 9),
        ),
        case(
            "10-min-ties-p0",
            pl,
            {"patience": 0, "factor": 0.5, "threshold": 0.0},
            epochs=150,
            metric=stream("ties", 10),
        ),
        case(
            "24-min-rel-nan-inf",
            pl,
            {"patience": 2, "factor": 0.5},
            epochs=120,
            metric=stream("diverged", 21),
        ),
        case(
            "25-max-abs-nan-neg-inf",
            pl,
            {"mode": "max", "patience": 1, "threshold_mode": "abs", "cooldown": 1},
            epochs=120,
            metric=stream("diverged-max", 22),
        ),
        case(
            "11-min-abs-quarter-grid",
            pl,
            {"patience": 1, "threshold": 0.25, "threshold_mode": "abs", "factor": 0.5},
            epochs=200,
            metric=stream("grid-quarter", 11),
        ),
        case(
            "12-min-abs-steps-cd5",
            pl,
            {
                "patience": 2,
                "cooldown": 5,
                "threshold": 0.125,
                "threshold_mode": "abs",
                "factor": 0.5,
            },
            epochs=200,
            metric=stream("steps", 12),
        ),
        case(
            "13-min-lr-floor",
            pl,
            {"patience": 0, "factor": 0.1, "min_lr": 1e-4},
            epochs=100,
            metric=stream("flat", 13),
        ),
        case(
            "14-eps-skips",
            pl,
            {"patience": 1, "factor": 0.5, "eps": 1e-3},
            lr=1e-3,
            epochs=100,
            metric=stream("flat", 14),
        ),
        case(
            "15-eps-skips-after-some",
            pl,
            {"patience": 1, "factor": 0.5, "eps": 1e-4},
            lr=3e-3,
            epochs=150,
            metric=stream("flat", 15),
        ),
        case(
            "16-p10-step-s5",
            pl,
            {"patience": 10, "factor": 0.5},
            epochs=60,
            steps_per_epoch=5,
            interval="step",
            metric=stream("loss", 16),
        ),
        case(
            "17-p3-epoch-s20",
            pl,
            {"patience": 3, "factor": 0.5, "cooldown": 2},
            lr=3e-4,
            epochs=40,
            steps_per_epoch=20,
            metric=stream("loss", 17),
        ),
        case(
            "18-max-ties-p1-cd2",
            pl,
            {"mode": "max", "patience": 1, "cooldown": 2, "threshold": 0.0, "factor": 0.5},
            epochs=150,
            metric=stream("ties", 18),
        ),
        case(
            "19-min-slow-p10",
            pl,
            {"patience": 10, "factor": 0.1, "threshold": 1e-3},
            lr=1.0,
            epochs=500,
            metric=stream("loss-slow", 19),
        ),
        case(
            "20-min-lr-equal-steps",
            pl,
            {"patience": 0, "factor": 0.5, "min_lr": 0.025, "cooldown": 1},
            epochs=100,
            metric=stream("steps", 20),
        ),
        case(
            "21-max-abs-quarter-grid",
            pl,
            {
                "mode": "max",
                "patience": 0,
                "threshold": 0.25,
                "threshold_mode": "abs",
                "factor": 0.5,
            },
            epochs=120,
            metric=stream("grid-quarter-up", 21),
        ),
        case(
            "22-long-step-s10",
            pl,
            {"patience": 3, "cooldown": 5, "factor": 0.5, "min_lr": 1e-6},
            epochs=500,
            steps_per_epoch=10,
            interval="step",
            metric=stream("flat", 22),
        ),
        case(
            "23-min-lr-partial-clamp",
            pl,
            {"patience": 2, "factor": 0.1, "min_lr": 3e-4, "cooldown": 3},
            lr=1.0,
            epochs=120,
            metric=stream("loss", 23),
        ),
    ]
    return out


# --- running PyTorch ---------------------------------------------------------------


def run(c: Case) -> Columns:
    """The LR of every optimizer step (and the metric of each row, for plateau)."""
    spec = c["spec"]
    name = spec["schedule"]
    kwargs = {TORCH_NAMES.get(k, k): v for k, v in spec["params"].items()}
    metric = None
    if name == "plateau":
        shape, seed = spec["metric"]["shape"], spec["metric"]["seed"]
        metric = metric_stream(shape, scheduler_steps(spec), seed)
    return record(spec, lambda opt: TORCH_CLASSES[name](opt, **kwargs), metric=metric)


def main() -> int:
    # only this script's own files (<schedule>-<number>...): other generators own the rest
    prefixes = [f"{name}-" for name in TORCH_CLASSES]
    return golden_io.main(cases(), run, prefixes, numbered=True)


if __name__ == "__main__":
    sys.exit(main())
