"""Parity with real PyTorch: every golden trace of tests/golden/ must be reproduced.

The golden files are written by ``python tools/make_goldens.py``, which runs
torch.optim.lr_scheduler in the seed's training loop; these tests need only the
CSV files, never torch. Each row must match to 1e-12 relative (and exactly where
PyTorch's LR is 0.0). A ``momentum`` column (schedules that cycle momentum, e.g.
tools/goldens_torch_more.py's CyclicLR and OneCycleLR) is compared the same way.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import case_settings

from lrplot.engine import RunSettings, simulate
from lrplot.metrics import ArrayMetric
from lrplot.schedules import REGISTRY, lookup

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(GOLDEN.glob("*.csv"))
RTOL = 1e-12
MIN_CASES_PER_SCHEDULE = 8


@dataclass(frozen=True)
class Golden:
    case: dict[str, Any]
    lr: np.ndarray
    metric: np.ndarray | None
    momentum: np.ndarray | None = None  # optimizer momentum per row, when it is cycled


def load(path: Path) -> Golden:
    with path.open(encoding="utf-8") as f:
        first = f.readline()
        assert first.startswith("# "), f"{path.name}: first line must be '# {{json}}'"
        case = json.loads(first[2:])
        header = f.readline().strip().split(",")
        rows = [line.strip().split(",") for line in f if line.strip()]
    assert header[:2] == ["step", "lr"], f"{path.name}: unexpected header {header}"
    steps = [int(r[0]) for r in rows]
    assert steps == list(range(len(rows))), f"{path.name}: step column is not 0..n-1"
    lr = np.array([float(r[1]) for r in rows])
    columns = {
        name: np.array([float(r[header.index(name)]) for r in rows]) if name in header else None
        for name in ("metric", "momentum")
    }
    return Golden(case, lr, columns["metric"], columns["momentum"])


def scheduler_metric(golden: Golden, settings: RunSettings) -> tuple[float, ...]:
    """The metric of each scheduler step, from the per-row metric column."""
    assert golden.metric is not None
    if settings.interval == "epoch":
        return tuple(golden.metric[:: settings.steps_per_epoch].tolist())
    return tuple(golden.metric.tolist())


def through_the_api(path: Path, *keys: str) -> tuple[Any, Golden]:
    """A golden's case through ``lrplot.simulate`` (its run, its metric, and the case's
    ``keys``: resume_at, accelerate ...), with the golden."""
    import lrplot

    golden = load(path)
    case = golden.case
    settings = case_settings(case)
    schedule = lookup(case["schedule"]).build(case["params"], run=settings)
    metric = scheduler_metric(golden, settings) if golden.metric is not None else None
    trace = lrplot.simulate(
        schedule,
        epochs=case["epochs"],
        steps_per_epoch=case["steps_per_epoch"],
        interval=case["interval"],
        lr=case["lr"],
        metric=metric,
        **{key: case[key] for key in keys},
    )
    return trace, golden


def worst_relative_error(actual: np.ndarray, expected: np.ndarray) -> tuple[float, int]:
    diff = np.abs(actual - expected)
    scale = np.abs(expected)
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, diff / scale, np.where(diff > 0, np.inf, 0.0))
    index = int(np.argmax(rel)) if len(rel) else 0
    return (float(rel[index]) if len(rel) else 0.0), index


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_matches_pytorch(path: Path) -> None:
    golden = load(path)
    case = golden.case
    settings = case_settings(case)
    assert settings.total_steps == len(golden.lr), f"{path.name}: row count != epochs * S"
    sched = lookup(case["schedule"]).build(case["params"])
    metric = None
    if sched.needs_metric:
        metric = ArrayMetric(scheduler_metric(golden, settings))
    trace = simulate(sched, settings, metric=metric)

    actual = np.asarray(trace.lr, dtype=float)
    assert actual.shape == golden.lr.shape
    worst, row = worst_relative_error(actual, golden.lr)
    message = (
        f"{path.name}: worst relative error {worst:.3g} at row {row} "
        f"(lrplot {actual[row]!r}, torch {golden.lr[row]!r})"
    )
    zeros = golden.lr == 0.0
    assert np.array_equal(actual[zeros], golden.lr[zeros]), message + " (torch gives 0.0)"
    np.testing.assert_allclose(actual, golden.lr, rtol=RTOL, atol=0, err_msg=message)

    rows = np.arange(len(golden.lr))
    if golden.metric is not None:
        np.testing.assert_array_equal(trace.metric_at(rows), golden.metric)

    if golden.momentum is None:  # PyTorch left momentum alone: so must lrplot
        assert trace.sched_momentum is None, f"{path.name}: lrplot cycles momentum, torch not"
    else:
        momentum = trace.momentum_at(rows)
        assert momentum is not None, f"{path.name}: torch cycles momentum, lrplot does not"
        worst, row = worst_relative_error(momentum, golden.momentum)
        message = (
            f"{path.name}: momentum: worst relative error {worst:.3g} at row {row} "
            f"(lrplot {momentum[row]!r}, torch {golden.momentum[row]!r})"
        )
        np.testing.assert_allclose(momentum, golden.momentum, rtol=RTOL, atol=0, err_msg=message)


def test_golden_directory_is_not_empty() -> None:
    assert FILES, f"no golden files in {GOLDEN}: run `python tools/make_goldens.py`"


def test_enough_goldens_per_schedule() -> None:
    counts = Counter(load(path).case["schedule"] for path in FILES)
    missing = {
        name: counts.get(name, 0)
        for name in REGISTRY
        if counts.get(name, 0) < MIN_CASES_PER_SCHEDULE
    }
    assert not missing, (
        f"too few golden files (need {MIN_CASES_PER_SCHEDULE} per schedule): {missing}; "
        "run `python tools/make_goldens.py`"
    )


# Goldens lrplot matches to within an ulp or two rather than bit for bit, and why; every
# other golden is bit for bit (a new inexact one fails below, to be fixed or listed here)
NOT_BIT_FOR_BIT = {
    # --warmup is lrplot's closed-form ramp; SequentialLR's LinearLR multiplies chained
    # factors step by step
    **{
        f"sequential-warmup-{n}.csv": "closed-form warmup vs chained factors"
        for n in (
            "01-cosine",
            "02-cosine-eta",
            "04-exp-step-interval",
            "05-multistep",
            "06-cosine-long",
        )
    },
    # timm's tanh schedule: math.tanh per step vs numpy's vectorised tanh
    **{
        f"timm-tanh-{n}.csv": "np.tanh vs math.tanh"
        for n in (
            "01-t100",
            "02-t30-limit1",
            "04-mul2-limit10",
            "05-warmup5",
            "06-warmup5-prefix",
            "07-mul1.5-limit100-long",
            "08-step-s50",
            "09-epoch-s10",
            "10-mul0.5-shrinking",
            "11-mul1.3-warmup-prefix",
            "12-lb-3-ub3",
            "13-lb-5-ub1-warmup",
            "14-ub8-mul1.5",
        )
    },
}


def test_goldens_are_bit_for_bit_but_the_listed():
    inexact = []
    for path in FILES:
        golden = load(path)
        case = golden.case
        settings = case_settings(case)
        sched = lookup(case["schedule"]).build(case["params"])
        metric = ArrayMetric(scheduler_metric(golden, settings)) if sched.needs_metric else None
        lr = np.asarray(simulate(sched, settings, metric=metric).lr, dtype=float)
        if not np.array_equal(lr, golden.lr):
            inexact.append(path.name)
    assert sorted(inexact) == sorted(NOT_BIT_FOR_BIT)
