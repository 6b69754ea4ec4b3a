"""Every config in sample_configs/ runs with `lrplot run`, and gives the LRs PyTorch gives.

The expected traces are recorded from the real libraries, never pasted: the framework
configs' by tools/goldens_frameworks.py (tests/golden/frameworks/), every other sample's
by tools/goldens_samples.py (tests/golden/samples/<stem>.csv: torch's schedulers,
transformers' get_scheduler, timm's CosineLRScheduler, built from the sample by hand).
Each LR must match to 1e-12 relative, and exactly where the library gives 0.0 (as in
tests/test_parity.py); a metric column exactly.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import cli_runner

from lrplot.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
CONFIGS = sorted([*SAMPLES.glob("*.toml"), *SAMPLES.glob("*.json"), *SAMPLES.glob("*.yaml")])
# framework configs: traces recorded from the real libraries (tools/goldens_frameworks.py)
FRAMEWORK_GOLDEN = Path(__file__).resolve().parent / "golden" / "frameworks"
# every other sample's trace, recorded from the real library (tools/goldens_samples.py)
SAMPLE_GOLDEN = Path(__file__).resolve().parent / "golden" / "samples"
RTOL = 1e-12

Rows = list[dict[str, str]]


def run_sample(path: Path, tmp_path: Path) -> Rows:
    out = tmp_path / "x.csv"
    result = cli_runner({}).invoke(app, ["run", str(path), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def lr(rows: Rows, row: int, column: str = "lr") -> float:
    return float(rows[row][column])


def cosine(n: int, lr0: float, t_max: int, eta_min: float = 0.0) -> float:
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * n / t_max)) / 2


def check_cosine_per_step(rows: Rows) -> None:
    assert rows[391]["step"] == "391"
    assert rows[391]["epoch"] == "1"
    assert rows[-1]["epoch"] == "29"
    assert lr(rows, 1) < 0.1  # stepped per batch: the LR moves inside epoch 0


def check_plateau(rows: Rows) -> None:
    assert len(rows) == 60
    with (SAMPLES / "val_loss.csv").open(newline="", encoding="utf-8") as f:
        val_loss = [float(r["val_loss"]) for r in csv.DictReader(f)]
    assert [float(r["metric"]) for r in rows] == val_loss
    # val_loss stalls (no new best) on epochs 18-22, 34-38 and 47-51: five bad epochs
    # each, one more than patience 4, so the LR is halved after epochs 22, 38 and 51
    expected = [0.001] * 23 + [0.001 * 0.5] * 16 + [0.001 * 0.5 * 0.5] * 13
    expected += [0.001 * 0.5 * 0.5 * 0.5] * 8
    assert [float(r["lr"]) for r in rows] == expected
    assert lr(rows, 59) == 0.000125


def check_plateau_accuracy(rows: Rows) -> None:
    assert len(rows) == 120
    accuracy = [float(r["metric"]) for r in rows]
    assert accuracy[-1] > 0.9 > 0.2 > accuracy[0]  # an accuracy: rises
    lrs = [float(r["lr"]) for r in rows]
    changes = [i for i in range(1, 120) if lrs[i] != lrs[i - 1]]
    assert changes == [31, 72, 111]  # as the config's comment says
    assert lrs[-1] == 0.1 * 0.1 * 0.1 * 0.1


def recorded(name: str) -> list[float]:
    """The LR trace the framework itself gave for a sample (tests/golden/frameworks/)."""
    with (FRAMEWORK_GOLDEN / f"{name}.csv").open(newline="", encoding="utf-8") as f:
        return [float(r["lr"]) for r in csv.DictReader(f)]


def check_hf_trainer(rows: Rows) -> None:
    # 25,000 samples / batch 32 = 782 batches, accumulate 2 -> 391 optimizer steps per
    # epoch, 3 epochs -> 1173 steps; warmup_steps 0.1 -> ceil(117.3) = 118 steps
    assert len(rows) == 1173
    assert rows[391]["epoch"] == "1"
    assert lr(rows, 0) == 0.0
    assert lr(rows, 117) == 5e-5 * (117 / 118)  # HF: lr * step / warmup
    assert lr(rows, 118) == 5e-5  # cosine progress 0
    progress = (1172 - 118) / (1173 - 118)
    assert lr(rows, 1172) == 5e-5 * (0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress)))
    assert [lr(rows, i) for i in range(1173)] == recorded("hf_trainer")  # transformers 5.24


def check_timm_train(rows: Rows) -> None:
    # 50,000 // 128 = 390 updates per epoch (train.py's loader drops the last batch);
    # 50 epochs of cosine + 5 cooldown epochs = 55 epochs; warmup 3 x 390 = 1170 updates
    assert len(rows) == 55 * 390
    assert lr(rows, 0) == 1e-4  # warmup_lr
    assert lr(rows, 1) == 1e-4 + 1 * ((0.2 - 1e-4) / 1170)  # timm's warmup step
    t = 1170  # warmup_prefix false: the cosine counts from update 0
    want = 1e-5 + 0.5 * (0.2 - 1e-5) * (1 + math.cos(math.pi * t / 19500))
    assert lr(rows, t) == want
    assert {lr(rows, i) for i in range(19500, 21450)} == {1e-5}  # cooldown at min_lr
    assert [lr(rows, i) for i in range(21450)] == recorded("timm_train")  # timm 1.0.31


def check_lightning(rows: Rows) -> None:
    # SequentialLR: LinearLR(0.1 -> 1, 5 epochs), then CosineAnnealingLR(45, 1e-5) per epoch
    assert len(rows) == 50
    assert lr(rows, 0) == 1e-3 * 0.1
    assert lr(rows, 4) == pytest.approx(1e-3 * (0.1 + 0.9 * 4 / 5), rel=1e-15)
    assert lr(rows, 5) == pytest.approx(1e-3, rel=1e-15)
    assert lr(rows, 49) == pytest.approx(cosine(44, 1e-3, 45, 1e-5), rel=1e-12)
    assert [lr(rows, i) for i in range(50)] == recorded("lightning")  # lightning 2.6


def check_mmengine(rows: Rows) -> None:
    # LinearLR [0, 5): 0.1 -> 1 over end - begin - 1 = 4 steps; CosineAnnealingLR [5, 100)
    # with T_max 95 continues from there (mmengine's chainable form)
    assert len(rows) == 100
    assert lr(rows, 0) == 0.1 * 0.1
    assert lr(rows, 4) == pytest.approx(0.1, rel=1e-15)
    assert lr(rows, 5) == pytest.approx(0.1, rel=1e-15)  # the cosine's own step 0
    assert lr(rows, 99) == pytest.approx(cosine(94, 0.1, 95, 1e-5), rel=1e-12)
    want = recorded("mmengine")  # mmengine 0.10.7: the same up to float rounding
    assert max(abs(lr(rows, i) - w) / w for i, w in enumerate(want)) < 1e-15


# what a sample's comments say, beyond its golden trace (every sample has one)
CHECKS: dict[str, Callable[[Rows], None]] = {
    "hf_trainer.json": check_hf_trainer,
    "timm_train.yaml": check_timm_train,
    "lightning.yaml": check_lightning,
    "mmengine.json": check_mmengine,
    "cosine_per_step.toml": check_cosine_per_step,
    "plateau.toml": check_plateau,
    "plateau_accuracy.toml": check_plateau_accuracy,
}
FRAMEWORK_SAMPLES = {
    "hf_trainer.json",
    "timm_train.yaml",
    "lightning.yaml",
    "mmengine.json",
    "torchtune_lora.yaml",  # checked by test_llmstacks.py
    "axolotl.yaml",  # checked by test_llmstacks.py
}


def golden(path: Path) -> tuple[dict[str, Any], Rows]:
    """tests/golden/samples/<stem>.csv: what produced each column, and the rows."""
    lines = (SAMPLE_GOLDEN / f"{path.stem}.csv").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# "), "line 1 is '# {json}'"
    return json.loads(lines[0][2:]), list(csv.DictReader(lines[1:]))


def test_every_sample_has_recorded_values() -> None:
    """A sample's trace comes from the real library: a framework recording, or a golden."""
    names = {p.name for p in CONFIGS}
    assert names >= FRAMEWORK_SAMPLES
    goldens = {json.loads(p.read_text(encoding="utf-8").split("\n", 1)[0][2:])["sample"]
               for p in SAMPLE_GOLDEN.glob("*.csv")}  # fmt: skip
    assert goldens == names - FRAMEWORK_SAMPLES, "run python tools/goldens_samples.py"


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_sample_runs_and_gives_pytorch_lrs(path: Path, tmp_path: Path) -> None:
    rows = run_sample(path, tmp_path)
    if path.name in CHECKS:
        CHECKS[path.name](rows)
    if path.name in FRAMEWORK_SAMPLES:
        return
    spec, want = golden(path)
    assert spec["sample"] == path.name
    assert len(rows) == len(want)
    assert list(rows[0]) == ["step", "epoch", *list(want[0])[1:]]  # lrplot's columns
    assert [r["step"] for r in rows] == [r["step"] for r in want]
    for column in list(want[0])[1:]:
        actual = [float(r[column]) for r in rows]
        expected = [float(r[column]) for r in want]
        if column == "metric":  # the input the scheduler was given
            assert actual == expected
            continue
        where = f"{path.name}, {column!r} ({spec['columns'].get(column.removesuffix(' momentum'))})"
        for row, (a, b) in enumerate(zip(actual, expected, strict=True)):
            assert (a == b) if b == 0.0 else math.isclose(a, b, rel_tol=RTOL, abs_tol=0.0), (
                f"{where}: row {row}: lrplot {a!r}, the library {b!r}"
            )


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_sample_writes_no_files_of_its_own(path: Path, tmp_path: Path, monkeypatch) -> None:
    """Samples set no out/csv: running one in a folder leaves the folder as it was."""
    monkeypatch.chdir(tmp_path)
    result = cli_runner({}).invoke(app, ["run", str(path), "-q"])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []
