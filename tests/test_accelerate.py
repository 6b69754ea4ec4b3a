"""--accelerate: the scheduler prepared by Accelerate (AcceleratedScheduler), stepped once
per process per optimizer step unless split_batches, a OneCycleLR no further than its
total_steps: bit for bit with the goldens tools/goldens_accelerate.py records from
Accelerate 1.15's own wrapper and torch 2.13."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from test_parity import GOLDEN, load, through_the_api

import lrplot

FILES = sorted((GOLDEN / "accelerate").glob("*.csv"))


def simulated(path: Path) -> tuple[lrplot.Trace, object]:
    """The golden's case through the API, with Accelerate's options."""
    return through_the_api(path, "accelerate", "num_processes", "split_batches")


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bit_for_bit_with_accelerate(path):
    trace, golden = simulated(path)
    np.testing.assert_array_equal(trace.lr, golden.lr)
    if golden.momentum is not None:
        np.testing.assert_array_equal(trace.momentum, golden.momentum)


def test_the_goldens_cover_the_wrapper():
    cases = [load(p).case for p in FILES]
    assert {c["schedule"] for c in cases} >= {"cosine", "onecycle", "sequential", "plateau"}
    assert {c["num_processes"] for c in cases} >= {2, 3, 4, 8}
    assert any(c["split_batches"] for c in cases)
    assert len(FILES) >= 10


def test_a_capped_onecycle_holds_its_last_lr(cli):
    """OneCycleLR(total_steps=40) stepped twice per step over 40 steps: Accelerate stops
    stepping it after 40 calls (step 20), and the LR stays where it is."""
    trace, _ = simulated(GOLDEN / "accelerate" / "onecycle-06-onecycle-capped.csv")
    assert len(set(trace.lr[20:].tolist())) == 1
    assert trace.lr[20] != trace.lr[19]  # the 40th call's value: past the anneal's end
    result = cli("onecycle", "--max-lr", "0.1", "--total-steps", "40", "--epochs", "4",
                 "--steps-per-epoch", "10", "--interval", "step", "--accelerate",
                 "--num-processes", "2", "-q")  # fmt: skip
    assert result.exit_code == 0, result.output


def test_the_header_says_who_steps_it(cli):
    run = ["--epochs", "4", "--steps-per-epoch", "10", "--interval", "step", "--accelerate"]
    result = cli("cosine", "--t-max", "80", *run, "--num-processes", "2", "--no-chart")
    assert result.stdout.splitlines()[0] == (
        "CosineAnnealingLR(T_max=80, eta_min=0)  lr=0.1, 4 epochs x 10 steps, stepped per "
        "step, Accelerate (2 processes): 2 scheduler steps per step"
    )
    split = cli("cosine", "--t-max", "40", "--epochs", "4", "--steps-per-epoch", "10",
                "--interval", "step", "--accelerate", "--num-processes", "2",
                "--split-batches", "--no-chart")  # fmt: skip
    assert split.stdout.splitlines()[0].endswith(
        "Accelerate (2 processes, split_batches): 1 scheduler step per step"
    )
