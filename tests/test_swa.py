"""SWALR (lrplot swa): bit for bit with torch.optim.swa_utils.SWALR, alone and after a
main schedule; its parameters, CLI, explain, check rule, --emit and Lightning name.

The goldens (tests/golden/swa-*.csv) are written by tools/goldens_swa.py from torch
2.13; test_parity.py compares them to 1e-12, this file bit for bit.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from itertools import pairwise
from pathlib import Path

import numpy as np
import pytest
from conftest import case_settings
from test_parity import load

from lrplot.engine import simulate
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, lookup
from lrplot.schedules.swa import SWALR
from lrplot.spec import parse_spec

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(GOLDEN.glob("swa-*.csv"))
SWA_AFTER_COSINE = "sequential:schedulers=[cosine:t_max=75; swa:swa_lr=0.05,anneal_epochs=5]"


def test_goldens_cover_it_alone_and_composed():
    kinds = {load(p).case["schedule"] for p in FILES}
    assert kinds == {"swa", "sequential", "chained"}
    assert sum(load(p).case["schedule"] == "swa" for p in FILES) >= 8


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bit_for_bit_with_torch(path):
    golden = load(path)
    case = golden.case
    settings = case_settings(case)
    trace = simulate(lookup(case["schedule"]).build(case["params"]), settings)
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr), path.name
    assert trace.sched_momentum is None  # SWALR leaves momentum alone


def test_the_fast_path_is_the_step_by_step_replay():
    for anneal in (0, 1, 4, 30):
        for strategy in ("cos", "linear"):
            values = {"swa_lr": 0.02, "anneal_epochs": anneal, "anneal_strategy": strategy}
            fast, slow = SWALR({"lr": 0.1}, values), SWALR({"lr": 0.1}, values)
            lrs = [*fast.advance(3).tolist(), *fast.advance(40).tolist()]
            steps = []
            for _ in range(43):
                slow.step()
                steps.append(slow.group["lr"])
            assert lrs == steps
            assert (fast._step_count, fast.last_epoch) == (slow._step_count, slow.last_epoch)


def test_anneal_reaches_swa_lr_at_anneal_epochs_and_holds():
    lr = lookup("swa").build({"swa_lr": 0.05, "anneal_epochs": 5}).lr(12, 0.1)
    assert lr[0] == 0.1 and lr[5] == 0.05 and set(lr[5:]) == {0.05}
    assert all(a > b for a, b in pairwise(lr[:6]))
    # anneal_epochs 0: swa_lr as soon as it is built, as torch does
    assert set(lookup("swa").build({"swa_lr": 0.05, "anneal_epochs": 0}).lr(4, 0.1)) == {0.05}


def test_in_sequential_it_anneals_from_where_the_main_schedule_left():
    s = parse_spec(SWA_AFTER_COSINE + ",milestones=[75]")
    lr = s.lr(100, 0.1)
    assert lr[75] == lr[74]  # the milestone step: SWALR's step 0 keeps the LR
    assert lr[75] < lr[76] < lr[79] < 0.05 == lr[80] == lr[-1]


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({}, "swa needs swa_lr"),
        ({"swa_lr": "0"}, "swa_lr must be a number > 0"),
        ({"swa_lr": "0.1", "anneal_epochs": "-1"}, "anneal_epochs must be a step count >= 0"),
        ({"swa_lr": "0.1", "anneal_epochs": "2.5"}, "anneal_epochs must be a step count >= 0"),
        ({"swa_lr": "0.1", "anneal_strategy": "exp"}, "anneal_strategy must be one of cos, linear"),
    ],
)
def test_parameters_are_checked_like_torch(given, fragment):
    with pytest.raises(LrplotError) as err:
        lookup("swa").build(given)
    assert fragment in str(err.value)


def test_declaration():
    d = REGISTRY["swa"]
    assert d.reproduces == "torch.optim.swa_utils.SWALR"
    assert lookup("SWALR") is d and lookup("swalr") is d
    assert d.known_as == {"lightning": "torch.optim.swa_utils.SWALR"}
    assert d.emulator is SWALR


def test_cli_list_explain_check_and_run(cli):
    line = next(x for x in cli.ok("list").stdout.splitlines() if x.split()[:1] == ["swa"])
    assert "SWALR" in line.split()
    assert "(torch.optim.swa_utils)" in cli.ok("list", "--all").stdout
    explained = " ".join(cli.ok("explain", "swa").stdout.split())
    assert "reproduces torch.optim.swa_utils.SWALR" in explained
    assert "StochasticWeightAveraging" in explained
    assert "swa_scheduler.step()" in explained
    assert cli.ok("check", "swa", "--swa-lr", "0.05").stdout.splitlines() == ["no problems found"]
    result = cli("check", "swa", "--swa-lr", "0.05", "--anneal-epochs", "30", "--epochs", "20")
    assert result.exit_code == 1 and "--anneal-epochs 19 or less" in result.stdout
    out = cli.ok("swa", "--swa-lr", "0.05", "--epochs", "20").stdout
    assert "SWALR(swa_lr=0.05, anneal_epochs=10, anneal_strategy=cos)" in out


def _csv_lr(text: str) -> list[float]:
    rows = [line.split(",") for line in text.splitlines() if line and not line.startswith("#")]
    column = rows[0].index("lr")
    return [float(r[column]) for r in rows[1:]]


@pytest.mark.skipif(importlib.util.find_spec("torch") is None, reason="needs torch")
@pytest.mark.parametrize(
    "args",
    [
        ["swa", "--swa-lr", "0.05", "--epochs", "20"],
        ["swa", "--swa-lr", "0.01", "--anneal-strategy", "linear", "--anneal-epochs", "7",
         "--epochs", "4", "--steps-per-epoch", "5", "--interval", "step"],
        ["compare", SWA_AFTER_COSINE + ",milestones=[75]", "--epochs", "100"],
        ["compare", "chained:schedulers=[exponential:gamma=0.95; swa:swa_lr=0.01]", "--epochs",
         "30"],
    ],
)  # fmt: skip
def test_emit_torch_runs_and_prints_lrplots_lrs(cli, tmp_path, args):
    code = cli.ok(*args, "--emit", "torch").stdout
    assert "from torch.optim.swa_utils import SWALR" in code
    script = tmp_path / "snippet.py"
    script.write_text(code)
    proc = subprocess.run(
        [sys.executable, "-W", "error", str(script)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    printed = [float(x) for x in proc.stdout.split()]
    assert printed == _csv_lr(cli.ok(*args, "--csv", "-").stdout)


def test_lightning_reads_its_class_path(cli):
    text = (
        "optimizer: {class_path: torch.optim.SGD, init_args: {lr: 0.1}}\n"
        "trainer: {max_epochs: 20}\n"
        "lr_scheduler:\n  class_path: torch.optim.swa_utils.SWALR\n"
        "  init_args: {swa_lr: 0.05, anneal_epochs: 5, anneal_strategy: linear}\n"
    )
    path = cli.folder / "swa.yaml"
    path.write_text(text)
    result = cli.ok("run", str(path), "--csv", "-")
    lr = _csv_lr(result.stdout)
    expected = lookup("swa").build(
        {"swa_lr": 0.05, "anneal_epochs": 5, "anneal_strategy": "linear"}
    )
    assert lr == expected.lr(20, 0.1).tolist()
