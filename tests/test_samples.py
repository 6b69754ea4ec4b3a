"""Every config in sample_configs/ runs with `lrplot run`, and gives the LRs PyTorch gives.

The pinned values are written out from PyTorch's own rules (StepLR and friends multiply
the current LR by gamma step after step, so the expected values are written as the same
chain of multiplications), not copied from lrplot's output.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import cli_runner

from lrplot.cli import app

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"
CONFIGS = sorted([*SAMPLES.glob("*.toml"), *SAMPLES.glob("*.json"), *SAMPLES.glob("*.yaml")])
# framework configs: traces recorded from the real libraries (tools/goldens_frameworks.py)
FRAMEWORK_GOLDEN = Path(__file__).resolve().parent / "golden" / "frameworks"

Rows = list[dict[str, str]]


def run_sample(path: Path, tmp_path: Path) -> Rows:
    out = tmp_path / "x.csv"
    result = cli_runner({}).invoke(app, ["run", str(path), "--csv", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def lr(rows: Rows, row: int, column: str = "lr") -> float:
    return float(rows[row][column])


def chained(lr0: float, factor: float, times: int) -> float:
    """lr0 * factor * factor * ..., multiplied one step at a time like PyTorch."""
    value = lr0
    for _ in range(times):
        value *= factor
    return value


def cosine(n: int, lr0: float, t_max: int, eta_min: float = 0.0) -> float:
    return eta_min + (lr0 - eta_min) * (1 + math.cos(math.pi * n / t_max)) / 2


def replay_plateau(
    metric: list[float],
    lr0: float,
    *,
    mode: str,
    factor: float,
    patience: int,
    threshold: float,
    cooldown: int,
) -> list[float]:
    """ReduceLROnPlateau.step(metric) as torch writes it (threshold_mode rel, eps 1e-8)."""
    best = math.inf if mode == "min" else -math.inf
    bad = cooling = 0
    current_lr = lr0
    out = [lr0]
    for value in metric[:-1]:
        if mode == "min":
            better = value < best * (1.0 - threshold)
        else:
            better = value > best * (threshold + 1.0)
        if better:
            best, bad = value, 0
        else:
            bad += 1
        if cooling > 0:
            cooling -= 1
            bad = 0
        if bad > patience:
            new_lr = current_lr * factor
            if current_lr - new_lr > 1e-8:
                current_lr = new_lr
            cooling, bad = cooldown, 0
        out.append(current_lr)
    return out


# --- one checker per sample -----------------------------------------------------------


def check_step(rows: Rows) -> None:
    assert len(rows) == 90
    assert lr(rows, 0) == 0.1
    assert lr(rows, 29) == 0.1
    assert lr(rows, 30) == 0.1 * 0.1
    assert lr(rows, 59) == 0.1 * 0.1
    assert lr(rows, 60) == 0.1 * 0.1 * 0.1
    assert lr(rows, 89) == 0.1 * 0.1 * 0.1


def check_multistep(rows: Rows) -> None:
    assert len(rows) == 200
    assert lr(rows, 59) == 0.1
    assert lr(rows, 60) == 0.1 * 0.2
    assert lr(rows, 119) == 0.1 * 0.2
    assert lr(rows, 120) == 0.1 * 0.2 * 0.2
    assert lr(rows, 160) == 0.1 * 0.2 * 0.2 * 0.2
    assert lr(rows, 199) == 0.1 * 0.2 * 0.2 * 0.2


def check_exponential(rows: Rows) -> None:
    assert len(rows) == 50
    assert lr(rows, 0) == 0.01
    assert lr(rows, 1) == 0.01 * 0.95
    assert lr(rows, 2) == 0.01 * 0.95 * 0.95
    assert lr(rows, 49) == chained(0.01, 0.95, 49)


def check_cosine(rows: Rows) -> None:
    assert len(rows) == 100
    assert lr(rows, 0) == 0.1
    assert lr(rows, 50) == pytest.approx(0.05005, rel=1e-12)  # halfway: (lr0 + eta_min) / 2
    assert lr(rows, 99) == pytest.approx(cosine(99, 0.1, 100, 1e-4), rel=1e-12)
    assert min(lr(rows, i) for i in range(100)) >= 1e-4


def check_cosine_per_step(rows: Rows) -> None:
    assert len(rows) == 30 * 391
    assert rows[391]["step"] == "391"
    assert rows[391]["epoch"] == "1"
    assert rows[-1]["epoch"] == "29"
    assert lr(rows, 0) == 0.1
    assert lr(rows, 1) == pytest.approx(cosine(1, 0.1, 11730), rel=1e-12)
    assert lr(rows, 1) < 0.1  # stepped per batch: the LR moves inside epoch 0
    assert lr(rows, 5865) == pytest.approx(0.05, rel=1e-12)
    assert lr(rows, 11729) == pytest.approx(cosine(11729, 0.1, 11730), rel=1e-9)


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
    assert lrs == replay_plateau(
        accuracy, 0.1, mode="max", factor=0.1, patience=8, threshold=1e-3, cooldown=3
    )
    changes = [i for i in range(1, 120) if lrs[i] != lrs[i - 1]]
    assert changes == [31, 72, 111]  # as the config's comment says
    assert lrs[-1] == 0.1 * 0.1 * 0.1 * 0.1


def check_compare(rows: Rows) -> None:
    assert len(rows) == 100
    assert list(rows[0]) == [
        "step",
        "epoch",
        "step /10 every 30",
        "multistep 50,75",
        "exponential 0.95",
        "cosine t_max=100",
    ]
    assert lr(rows, 29, "step /10 every 30") == 0.1
    assert lr(rows, 30, "step /10 every 30") == 0.1 * 0.1
    assert lr(rows, 99, "step /10 every 30") == 0.1 * 0.1 * 0.1 * 0.1
    assert lr(rows, 49, "multistep 50,75") == 0.1
    assert lr(rows, 50, "multistep 50,75") == 0.1 * 0.1
    assert lr(rows, 75, "multistep 50,75") == 0.1 * 0.1 * 0.1
    assert lr(rows, 99, "exponential 0.95") == chained(0.1, 0.95, 99)
    assert lr(rows, 0, "cosine t_max=100") == 0.1
    assert lr(rows, 99, "cosine t_max=100") == pytest.approx(cosine(99, 0.1, 100), rel=1e-12)


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


# values below recorded from torch 2.13.0 / transformers 5.24.0 running the same schedules


def check_onecycle_cyclic(rows: Rows) -> None:
    assert len(rows) == 1000
    one, cyc = "onecycle", "cyclic triangular2"
    # OneCycleLR(max_lr=0.1, total_steps=1000): starts at max_lr/25, peaks at step 299
    assert (lr(rows, 0, one), lr(rows, 0, f"{one} momentum")) == (0.0040000000000000036, 0.95)
    assert lr(rows, 1, one) == pytest.approx(0.00400264950421679, rel=1e-12)
    assert (lr(rows, 299, one), lr(rows, 299, f"{one} momentum")) == (0.1, 0.85)
    assert lr(rows, 500, one) == pytest.approx(0.08099881015401794, rel=1e-12)
    assert lr(rows, 500, f"{one} momentum") == pytest.approx(0.8690012658510454, rel=1e-12)
    assert lr(rows, 999, one) == pytest.approx(4e-07, rel=1e-12)
    # CyclicLR triangular2: 0.001 -> 0.1 in 100 steps, each cycle's height halved
    assert lr(rows, 0, cyc) == 0.001 and lr(rows, 100, cyc) == 0.1
    assert lr(rows, 50, cyc) == pytest.approx(0.0505, rel=1e-12)
    assert lr(rows, 100, f"{cyc} momentum") == pytest.approx(0.8, rel=1e-12)
    assert lr(rows, 300, cyc) == pytest.approx(0.0505, rel=1e-12)
    assert lr(rows, 999, cyc) == pytest.approx(0.0010618749999999988, rel=1e-12)


def check_sequential_warmup(rows: Rows) -> None:
    assert len(rows) == 100
    torch_values = {
        0: 0.010000000000000002,
        1: 0.028000000000000004,
        4: 0.082,
        5: 0.1,
        6: 0.09997266286704631,
        50: 0.05412896727361661,
        99: 2.7337132953697543e-05,
    }
    for row, want in torch_values.items():
        assert lr(rows, row, "SequentialLR") == pytest.approx(want, rel=1e-12)
        # the warmup option gives the same curve (formula vs PyTorch's multiplications)
        assert lr(rows, row, "cosine + warmup") == pytest.approx(want, rel=1e-12)


def check_lambda(rows: Rows) -> None:
    assert len(rows) == 30
    lam, mul = "lambda: warmup 5, then x0.9", "multiplicative: halve every 10"
    torch_lambda = {
        0: 0.020000000000000004,
        1: 0.04000000000000001,
        4: 0.1,
        5: 0.09000000000000001,
        6: 0.08100000000000002,
        29: 0.00717897987691853,
    }
    for row, want in torch_lambda.items():
        assert lr(rows, row, lam) == pytest.approx(want, rel=1e-12)
    # MultiplicativeLR never applies the factor of epoch 0
    assert [lr(rows, r, mul) for r in (0, 9, 10, 19, 20, 29)] == [
        0.1,
        0.1,
        0.05,
        0.05,
        0.025,
        0.025,
    ]


def check_hf_llm(rows: Rows) -> None:
    assert len(rows) == 2000
    at = (0, 1, 50, 100, 1000, 1599, 1600, 1800, 1999)
    transformers_values = {
        "cosine": [
            0.0,
            2.9999999999999997e-06,
            0.00015,
            0.0003,
            0.00016238690182084986,
            3.1781422659438386e-05,
            3.162892359054098e-05,
            8.127413744904804e-06,
            2.050471361370043e-10,
        ],
        "wsd 1-sqrt": [
            0.0,
            2.9999999999999997e-06,
            0.00015,
            0.0003,
            0.0003,
            0.0003,
            0.0003,
            8.786796564403573e-05,
            3.752346684273155e-07,
        ],
        "inverse sqrt": [
            0.0,
            2.9999999999999997e-06,
            0.00015,
            0.0003,
            9.486832980505138e-05,
            7.502344849205329e-05,
            7.5e-05,
            7.071067811865475e-05,
            6.709881612638766e-05,
        ],
    }
    for column, values in transformers_values.items():
        for row, want in zip(at, values, strict=True):
            assert lr(rows, row, column) == pytest.approx(want, rel=1e-12, abs=0)


def check_timm_cosine(rows: Rows) -> None:
    assert len(rows) == 70

    def timm(t: int) -> float:  # timm's CosineLRScheduler._get_lr, this config
        if t < 3:
            return 1e-5 + t * (0.1 - 1e-5) / 3
        cycle, t_i = divmod(t, 20)
        if cycle >= 3:
            return 1e-4
        peak = 0.1 * 0.5**cycle
        return 1e-4 + 0.5 * (peak - 1e-4) * (1 + math.cos(math.pi * t_i / 20))

    for t in range(70):
        assert lr(rows, t) == pytest.approx(timm(t), rel=1e-12)
    assert lr(rows, 20) == pytest.approx(0.05, rel=1e-12)  # the second cycle's peak
    assert lr(rows, 69) == 1e-4


CHECKS: dict[str, Callable[[Rows], None]] = {
    "hf_trainer.json": check_hf_trainer,
    "timm_train.yaml": check_timm_train,
    "lightning.yaml": check_lightning,
    "mmengine.json": check_mmengine,
    "step.toml": check_step,
    "multistep.toml": check_multistep,
    "exponential.json": check_exponential,
    "cosine.toml": check_cosine,
    "cosine_per_step.toml": check_cosine_per_step,
    "plateau.toml": check_plateau,
    "plateau_accuracy.toml": check_plateau_accuracy,
    "compare.toml": check_compare,
    "onecycle_cyclic.toml": check_onecycle_cyclic,
    "sequential_warmup.toml": check_sequential_warmup,
    "lambda.toml": check_lambda,
    "hf_llm.toml": check_hf_llm,
    "timm_cosine.toml": check_timm_cosine,
}


def test_every_sample_has_pinned_values() -> None:
    assert sorted(p.name for p in CONFIGS) == sorted(CHECKS)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_sample_runs_and_gives_pytorch_lrs(path: Path, tmp_path: Path) -> None:
    rows = run_sample(path, tmp_path)
    CHECKS[path.name](rows)


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_sample_writes_no_files_of_its_own(path: Path, tmp_path: Path, monkeypatch) -> None:
    """Samples set no out/csv: running one in a folder leaves the folder as it was."""
    monkeypatch.chdir(tmp_path)
    result = cli_runner({}).invoke(app, ["run", str(path), "-q"])
    assert result.exit_code == 0, result.output
    assert list(tmp_path.iterdir()) == []
