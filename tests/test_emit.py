"""--emit: the code printed for torch, hf and lightning builds exactly lrplot's schedule.

The torch and hf snippets are run with this interpreter, each target's all in one
subprocess, and their printed LRs must equal lrplot's CSV at rtol 1e-12. The lightning
modules are trained by a real ``lightning.Trainer`` (on CPU, on a tiny synthetic data set)
and the LR of every optimizer step must equal the CSV at rtol 1e-12. Structural checks of
every target run everywhere; a run skips, saying why, only where torch, transformers or
lightning is not installed (CI installs them all).
"""

from __future__ import annotations

import ast
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import cli_runner, read_csv

from lrplot.cli import app
from lrplot.schedules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
RTOL = 1e-12

FLAT = "\n".join(["# a flat metric", "1", "", "1.0", *["1"] * 30]) + "\n"

# id -> the command line (without --emit / --csv); run in a folder holding val_loss.csv
# (a copy of sample_configs') and flat.txt
TORCH_CASES: dict[str, list[str]] = {
    "step": ["step", "--step-size", "3", "--gamma", "0.5", "--epochs", "12"],
    "step-per-step": ["step", "--step-size", "5", "--epochs", "4", "--steps-per-epoch", "3",
                      "--interval", "step"],
    "multistep-0": ["multistep", "--milestones", "0,3,3", "--gamma", "0.5", "--epochs", "8",
                    "--lr", "1"],
    "exponential-spe": ["exponential", "--gamma", "0.9", "--epochs", "6", "--steps-per-epoch",
                        "4"],
    "cosine-eta-past-tmax": ["cosine", "--t-max", "7", "--eta-min", "0.01", "--epochs", "40"],
    "cosine-per-step": ["cosine", "--t-max", "20", "--epochs", "5", "--steps-per-epoch", "6",
                        "--interval", "step"],
    "plateau": ["plateau", "--patience", "2", "--epochs", "30", "--steps-per-epoch", "3"],
    "plateau-max-step": ["plateau", "--mode", "max", "--patience", "3", "--cooldown", "2",
                         "--metric-shape", "plateaus", "--seed", "3", "--epochs", "10",
                         "--steps-per-epoch", "4", "--interval", "step"],
    "plateau-long": ["plateau", "--patience", "5", "--factor", "0.5", "--threshold-mode", "abs",
                     "--epochs", "300", "--seed", "7", "--metric-noise", "0.05"],
    "plateau-file": ["plateau", "--patience", "2", "--factor", "0.5", "--lr", "1", "--epochs",
                     "8", "--metric-file", "flat.txt"],
    "plateau-csv": ["plateau", "--metric-file", "val_loss.csv", "--metric-column", "val_loss",
                    "--lr", "1e-3", "--factor", "0.5", "--patience", "4", "--epochs", "60"],
    "linear": ["linear", "--start-factor", "0.1", "--total-iters", "10", "--epochs", "15"],
    "swa": ["swa", "--swa-lr", "0.05", "--anneal-epochs", "5", "--epochs", "12"],
    "constant": ["constant", "--factor", "0.5", "--total-iters", "4", "--epochs", "8"],
    "polynomial": ["polynomial", "--total-iters", "8", "--power", "2", "--epochs", "12"],
    "cosine-restarts": ["cosine-restarts", "--t-0", "3", "--t-mult", "2", "--eta-min", "0.001",
                        "--epochs", "30"],
    "cyclic-momentum": ["cyclic", "--base-lr", "0.001", "--max-lr", "0.1", "--step-size-up",
                        "4", "--mode", "triangular2", "--epochs", "6", "--steps-per-epoch", "5",
                        "--interval", "step"],
    "cyclic-exp-range": ["cyclic", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size-up",
                         "3", "--step-size-down", "5", "--mode", "exp_range", "--gamma", "0.97",
                         "--no-cycle-momentum", "--epochs", "30"],
    "onecycle-momentum": ["onecycle", "--max-lr", "0.5", "--epochs", "4", "--steps-per-epoch",
                          "5", "--interval", "step"],
    "onecycle-three-phase": ["onecycle", "--max-lr", "0.3", "--total-steps", "40",
                             "--three-phase", "--anneal-strategy", "linear",
                             "--epochs", "30"],
    "lambda": ["lambda", "--expr", "min(1, (epoch + 1) / 5) * 0.95**epoch * (1 + cos(pi * "
               "epoch / 10)) / 2 + e / 100", "--epochs", "20"],
    "multiplicative": ["multiplicative", "--expr", "0.9 if epoch % 3 == 0 else 1",
                       "--epochs", "12"],
    "sequential": ["sequential", "--schedule", "linear:start_factor=0.1,total_iters=5",
                   "--schedule", "cosine:t_max=15", "--milestones", "5", "--epochs", "25"],
    "sequential-three": ["sequential", "--schedule", "step:step_size=3,gamma=0.5", "--schedule",
                         "exponential:gamma=0.9", "--schedule", "cosine:t_max=10",
                         "--milestones", "0,4", "--epochs", "20", "--steps-per-epoch", "2"],
    "chained": ["chained", "--schedule", "constant:factor=0.5,total_iters=4", "--schedule",
                "exponential:gamma=0.9", "--epochs", "10"],
    "chained-cyclic": ["chained", "--schedule", "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=4",
                       "--schedule", "exponential:gamma=0.95", "--epochs", "20"],
    "warmup-cosine": ["cosine", "--t-max", "20", "--warmup", "5", "--epochs", "25"],
    "warmup-linear-start": ["step", "--step-size", "4", "--warmup", "3", "--warmup-start",
                            "0.25", "--epochs", "15"],
    "warmup-cosine-shape": ["exponential", "--gamma", "0.9", "--warmup", "4", "--warmup-shape",
                            "cosine", "--warmup-start", "0.1", "--epochs", "12"],
    "warmup-exp-shape": ["multistep", "--milestones", "3,6", "--warmup", "5", "--warmup-shape",
                         "exponential", "--warmup-start", "0.01", "--epochs", "14"],
    "warmup-per-step": ["cosine", "--t-max", "30", "--eta-min", "0.001", "--warmup", "6",
                        "--epochs", "4", "--steps-per-epoch", "9", "--interval", "step"],
    "warmup-multiplicative": ["multiplicative", "--expr", "0.9", "--warmup", "3", "--epochs",
                              "10"],
    "warmup-overlap-step": ["step", "--step-size", "3", "--warmup", "4", "--warmup-mode",
                            "overlap", "--epochs", "12"],
    "warmup-overlap-cyclic": ["cyclic", "--base-lr", "0.01", "--max-lr", "0.1",
                              "--step-size-up", "3", "--warmup", "5", "--warmup-mode",
                              "overlap", "--epochs", "5", "--steps-per-epoch", "4",
                              "--interval", "step"],
    "warmup-plateau": ["plateau", "--patience", "1", "--warmup", "3", "--epochs", "20",
                       "--seed", "2"],
    "warmup-overlap-plateau": ["plateau", "--patience", "1", "--warmup", "3", "--warmup-mode",
                               "overlap", "--warmup-shape", "cosine", "--epochs", "20",
                               "--steps-per-epoch", "2", "--interval", "step"],
    "warmup-sequential": ["sequential", "--schedule", "exponential:gamma=0.8", "--schedule",
                          "cosine:t_max=6", "--milestones", "4", "--warmup", "3", "--epochs",
                          "15"],
    "warmup-cyclic": ["cyclic", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size-up", "3",
                      "--warmup", "4", "--warmup-start", "0.5", "--epochs", "20"],
    "warmup-lambda": ["lambda", "--expr", "0.9**epoch", "--warmup", "3", "--warmup-shape",
                      "exponential", "--warmup-start", "0.1", "--epochs", "12"],
    "warmup-timm": ["timm-cosine", "--t-initial", "10", "--warmup", "3", "--epochs", "15"],
    "warmup-longer-than-run": ["exponential", "--gamma", "0.9", "--warmup", "20", "--epochs",
                               "8"],
    "warmup-overlap-chained": ["chained", "--schedule", "step:step_size=2,gamma=0.5",
                               "--schedule", "cosine:t_max=9", "--warmup", "3", "--warmup-mode",
                               "overlap", "--epochs", "12"],
    "timm-cosine": ["timm-cosine", "--t-initial", "6", "--warmup-t", "3", "--warmup-lr-init",
                    "0.001", "--cycle-mul", "2", "--cycle-decay", "0.5", "--cycle-limit", "3",
                    "--lr-min", "0.0001", "--epochs", "40"],
    "timm-cosine-k": ["timm-cosine", "--t-initial", "10", "--k-decay", "2", "--cycle-limit",
                      "2", "--warmup-t", "2", "--warmup-prefix", "--epochs", "30"],
    "timm-tanh": ["timm-tanh", "--t-initial", "12", "--warmup-t", "4", "--cycle-limit", "2",
                  "--epochs", "30", "--steps-per-epoch", "2"],
}  # fmt: skip

HF_CASES: dict[str, list[str]] = {
    "hf-linear": ["hf-linear", "--num-warmup-steps", "5", "--epochs", "30"],
    "hf-cosine": ["hf-cosine", "--num-warmup-steps", "4", "--num-cycles", "0.75", "--epochs",
                  "6", "--steps-per-epoch", "5", "--interval", "step"],
    "hf-restarts": ["hf-cosine-with-restarts", "--num-warmup-steps", "3", "--num-cycles", "3",
                    "--epochs", "30"],
    "hf-polynomial": ["hf-polynomial", "--num-warmup-steps", "3", "--power", "2", "--lr-end",
                      "0.001", "--num-training-steps", "20", "--epochs", "25"],
    "hf-constant": ["hf-constant", "--epochs", "5"],
    "hf-constant-warmup": ["hf-constant-with-warmup", "--num-warmup-steps", "4", "--epochs",
                           "10"],
    "hf-inverse-sqrt": ["hf-inverse-sqrt", "--num-warmup-steps", "3", "--epochs", "20"],
    "hf-min-lr": ["hf-cosine-with-min-lr", "--num-warmup-steps", "3", "--min-lr-rate", "0.1",
                  "--epochs", "20"],
    "hf-warmup-min-lr": ["hf-cosine-warmup-with-min-lr", "--num-warmup-steps", "4", "--min-lr",
                         "0.002", "--warmup-lr-rate", "0.1", "--epochs", "20"],
    "hf-wsd": ["hf-warmup-stable-decay", "--num-warmup-steps", "3", "--num-decay-steps", "6",
               "--decay-type", "1-sqrt", "--epochs", "20"],
    "hf-lrplot-warmup": ["hf-constant", "--warmup", "4", "--warmup-shape", "cosine",
                         "--epochs", "10"],
    "hf-lrplot-overlap": ["hf-linear", "--warmup", "3", "--warmup-mode", "overlap", "--epochs",
                          "12"],
    "torch-cosine": ["cosine", "--t-max", "20", "--epochs", "20"],
    "torch-cosine-warmup": ["cosine", "--t-max", "20", "--warmup", "5", "--epochs", "25"],
    "torch-cosine-eta": ["cosine", "--t-max", "15", "--eta-min", "0.01", "--epochs", "15"],
    "torch-polynomial": ["polynomial", "--total-iters", "10", "--power", "2", "--epochs", "14"],
    "torch-linear-decay": ["linear", "--start-factor", "1", "--end-factor", "0",
                           "--total-iters", "10", "--warmup", "2", "--epochs", "15"],
    "torch-restarts": ["cosine-restarts", "--t-0", "5", "--epochs", "5"],
    "torch-cosine-cosine-warmup": ["cosine", "--t-max", "12", "--warmup", "3",
                                   "--warmup-shape", "cosine", "--epochs", "15"],
    "torch-plateau": ["plateau", "--patience", "2", "--epochs", "20", "--seed", "4"],
    "torch-plateau-warmup": ["plateau", "--patience", "2", "--warmup", "4", "--epochs", "20",
                             "--metric-file", "flat.txt"],
}  # fmt: skip

LIGHTNING_CASES = {
    "step": TORCH_CASES["step"],
    "plateau": TORCH_CASES["plateau"],
    "onecycle-momentum": TORCH_CASES["onecycle-momentum"],
    "warmup-cosine": TORCH_CASES["warmup-cosine"],
    "sequential": TORCH_CASES["sequential"],
    "timm-tanh": TORCH_CASES["timm-tanh"],
    "hf-cosine": HF_CASES["hf-cosine"],
}


# --- running the CLI and the snippets ------------------------------------------------------


def _folder(path: Path) -> Path:
    shutil.copy(ROOT / "sample_configs" / "val_loss.csv", path / "val_loss.csv")
    (path / "flat.txt").write_text(FLAT)
    return path


def _lrplot(*args: str) -> str:
    """lrplot's stdout (the command must succeed)."""
    result = cli_runner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _csv_lr(args: list[str]) -> list[float]:
    header, rows = read_csv(_lrplot(*args, "--csv", "-"))
    column = header.index("lr")
    return [float(r[column]) for r in rows]


DRIVER = textwrap.dedent(
    """
    import contextlib, io, json, runpy, sys, traceback, warnings
    warnings.simplefilter("error")  # a snippet must run without any warning
    out = {}
    for name, path in json.loads(sys.argv[1]).items():
        buffer = io.StringIO()
        try:
            with contextlib.redirect_stdout(buffer):
                runpy.run_path(path, run_name="__main__")
            out[name] = {"stdout": buffer.getvalue()}
        except BaseException:
            out[name] = {"error": traceback.format_exc()}
    print(json.dumps(out))
    """
)


def _run_snippets(python: str, snippets: dict[str, Path], cwd: Path) -> dict[str, dict]:
    """Run every snippet with ``python`` in one subprocess: name -> stdout or error."""
    proc = subprocess.run(
        [python, "-c", DRIVER, json.dumps({k: str(v) for k, v in snippets.items()})],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def _emit_all(
    cases: dict[str, list[str]], target: str, folder: Path
) -> tuple[dict[str, str], dict[str, list[float]]]:
    """Each case's snippet and lrplot's CSV LRs, computed in ``folder``."""
    old = Path.cwd()
    os.chdir(folder)
    try:
        code = {name: _lrplot(*args, "--emit", target) for name, args in cases.items()}
        lrs = {name: _csv_lr(args) for name, args in cases.items()}
    finally:
        os.chdir(old)
    return code, lrs


@pytest.fixture(scope="module")
def torch_emitted(tmp_path_factory) -> tuple[dict[str, str], dict[str, list[float]], Path]:
    folder = _folder(tmp_path_factory.mktemp("emit-torch"))
    code, lrs = _emit_all(TORCH_CASES, "torch", folder)
    return code, lrs, folder


@pytest.fixture(scope="module")
def torch_runs(torch_emitted) -> dict[str, dict]:
    pytest.importorskip("torch")
    code, _, folder = torch_emitted
    paths = {}
    for name, text in code.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(text)
    return _run_snippets(sys.executable, paths, folder)


@pytest.fixture(scope="module")
def hf_emitted(tmp_path_factory) -> tuple[dict[str, str], dict[str, list[float]], Path]:
    folder = _folder(tmp_path_factory.mktemp("emit-hf"))
    code, lrs = _emit_all(HF_CASES, "hf", folder)
    return code, lrs, folder


@pytest.fixture(scope="module")
def hf_runs(hf_emitted) -> dict[str, dict]:
    _require("torch", "transformers")
    code, _, folder = hf_emitted
    paths = {}
    for name, text in code.items():
        paths[name] = folder / f"{name}.py"
        paths[name].write_text(text)
    return _run_snippets(sys.executable, paths, folder)


def _require(*modules: str) -> None:
    """Skip, naming what is missing, unless every module can be imported here."""
    missing = [m for m in modules if importlib.util.find_spec(m) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not installed here (pip install {' '.join(missing)})")


def _printed(run: dict) -> list[float]:
    assert "error" not in run, run["error"]
    return [float(line) for line in run["stdout"].splitlines()]


def _assert_same(printed: list[float], expected: list[float]) -> None:
    assert len(printed) == len(expected)
    for i, (a, b) in enumerate(zip(printed, expected, strict=True)):
        assert math.isclose(a, b, rel_tol=RTOL, abs_tol=0.0), (i, a, b)


# --- torch -----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_torch_snippet_prints_lrplots_lrs(name, torch_runs, torch_emitted):
    _, lrs, _ = torch_emitted
    _assert_same(_printed(torch_runs[name]), lrs[name])


def test_every_torch_class_is_covered():
    """Every schedule that is a torch.optim.lr_scheduler class has a torch case."""
    covered = {args[0] for args in TORCH_CASES.values()}
    others = ("hf-", "timm-", "ds-", "megatron", "axolotl-")  # no torch class of their own
    torch_names = {d.name for d in REGISTRY.values() if not d.name.startswith(others)}
    assert torch_names <= covered, torch_names - covered


@pytest.mark.parametrize("name", list(TORCH_CASES))
def test_torch_snippet_structure(name, torch_emitted):
    code, _, _ = torch_emitted
    text = code[name]
    tree = ast.parse(text)
    imported = {alias.name for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                for alias in node.names}  # fmt: skip
    modules = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    modules |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    assert modules <= {"torch", "torch.optim.lr_scheduler", "torch.optim.swa_utils", "math", "csv",
                       "base64", "struct"}  # fmt: skip
    assert "optimizer.step()" in text
    definition = REGISTRY[TORCH_CASES[name][0]]
    if not definition.name.startswith("timm-"):
        assert definition.torch_class in imported
    per_step = "--interval" in TORCH_CASES[name] and "step" in TORCH_CASES[name]
    loop = text[text.index("for epoch in range(EPOCHS):") :].splitlines()
    after = loop[next(i for i, line in enumerate(loop) if "optimizer.step()" in line) + 1]
    assert after.startswith(" " * 8) == per_step  # the scheduler step is in the batch loop
    if definition.needs_metric:
        assert "scheduler.step(VAL_METRIC[" in text
    if "momentum" in name:
        assert "momentum=0.9" in text


def test_warmup_forms(torch_emitted):
    """Prefix warmups become SequentialLR (LinearLR where exact, else LambdaLR); overlap,
    plateau and composition mains get the warmup set in the loop."""
    code, _, _ = torch_emitted
    assert (
        "warmup = LambdaLR(optimizer, lr_lambda=lambda epoch: epoch / 5)" in code["warmup-cosine"]
    )
    assert "warmup = LinearLR(" in code["warmup-linear-start"]  # bit for bit here
    assert "warmup = LambdaLR(" in code["warmup-cyclic"]  # LinearLR rounds differently
    assert (
        "SequentialLR(optimizer, schedulers=[warmup, step], milestones=[3])"
        in code["warmup-linear-start"]
    )
    assert "1 - cos(pi * (epoch / 4))" in code["warmup-cosine-shape"]
    for name in ("warmup-overlap-step", "warmup-plateau", "warmup-sequential",
                 "warmup-multiplicative"):  # fmt: skip
        assert "def warmup_factor(t):" in code[name], name
        assert "SequentialLR(optimizer, schedulers=[warmup" not in code[name], name


def test_metric_forms(torch_emitted):
    code, _, _ = torch_emitted
    assert "VAL_METRIC = [\n" in code["plateau"]
    assert "base64.b85decode(" in code["plateau-long"]
    assert 'open("flat.txt"' in code["plateau-file"] and "csv" not in code["plateau-file"]
    assert 'index("val_loss")' in code["plateau-csv"]


def test_snippet_runs_as_a_script(tmp_path, torch_emitted):
    """python snippet.py, exactly as a user would."""
    pytest.importorskip("torch")
    code, lrs, _ = torch_emitted
    path = tmp_path / "snippet.py"
    path.write_text(code["warmup-per-step"])
    proc = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, timeout=120, check=True
    )
    assert proc.stderr == ""
    _assert_same([float(x) for x in proc.stdout.splitlines()], lrs["warmup-per-step"])


# --- hf --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(HF_CASES))
def test_hf_snippet_prints_lrplots_lrs(name, hf_runs, hf_emitted):
    _, lrs, _ = hf_emitted
    _assert_same(_printed(hf_runs[name]), lrs[name])


HF_FUNCTIONS = {
    "hf-restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "torch-cosine": "get_cosine_schedule_with_warmup",
    "torch-cosine-warmup": "get_cosine_schedule_with_warmup",
    "torch-cosine-eta": "get_cosine_with_min_lr_schedule_with_warmup",
    "torch-polynomial": "get_polynomial_decay_schedule_with_warmup",
    "torch-linear-decay": "get_linear_schedule_with_warmup",
    "torch-restarts": "get_cosine_with_hard_restarts_schedule_with_warmup",
    "torch-cosine-cosine-warmup": "get_cosine_schedule_with_warmup",
    "torch-plateau": "get_reduce_on_plateau_schedule",
    "torch-plateau-warmup": "get_reduce_on_plateau_schedule",
}


@pytest.mark.parametrize("name", list(HF_CASES))
def test_hf_snippet_structure(name, hf_emitted):
    """Runs without transformers too: the right function, called on the optimizer."""
    code, _, _ = hf_emitted
    tree = ast.parse(code[name])
    imports = {
        (node.module, alias.name)
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    definition = REGISTRY[HF_CASES[name][0]]
    function = HF_FUNCTIONS.get(name, definition.torch_class)
    assert ("transformers", function) in imports
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == function
    ]
    assert len(calls) == 1
    assert isinstance(calls[0].args[0], ast.Name) and calls[0].args[0].id == "optimizer"
    assert "# = get_scheduler(" in code[name]


def test_hf_native_warmup(hf_emitted):
    """lrplot's linear warmup from 0 (prefix) is transformers' own num_warmup_steps."""
    code, _, _ = hf_emitted
    text = code["torch-cosine-warmup"]
    assert "num_warmup_steps=5, num_training_steps=25" in text
    assert "SequentialLR" not in text
    assert "SequentialLR" in code["torch-cosine-cosine-warmup"]
    assert "def warmup_factor(t):" in code["hf-lrplot-overlap"]


# --- lightning -------------------------------------------------------------------------------


LIGHTNING_DRIVER = textwrap.dedent(
    """
    import json, logging, runpy, sys, traceback, warnings
    warnings.simplefilter("ignore")  # Lightning's advice (workers, logging) is not the snippet's
    logging.disable(logging.WARNING)
    import lightning as L
    import torch

    class RecordLR(L.Callback):
        def __init__(self):
            self.lrs = []

        def on_train_batch_start(self, trainer, module, batch, batch_idx):
            self.lrs.append(trainer.optimizers[0].param_groups[0]["lr"])

    out = {}
    for name, case in json.loads(sys.argv[1]).items():
        try:
            LitModel = runpy.run_path(case["path"])["LitModel"]
            metric = case["metric"]

            class Model(LitModel):
                def training_step(self, batch, batch_idx):
                    if metric is not None:  # per epoch, the value lrplot's CSV shows
                        value = torch.tensor(metric[self.current_epoch], dtype=torch.float64)
                        self.log("val_loss", value, on_step=False, on_epoch=True)
                    return (self.param * batch[0]).sum()

            data = torch.utils.data.TensorDataset(torch.ones(case["steps_per_epoch"], 1))
            record = RecordLR()
            trainer = L.Trainer(
                max_epochs=case["epochs"], accelerator="cpu", devices=1, logger=False,
                callbacks=[record], enable_checkpointing=False, enable_progress_bar=False,
                enable_model_summary=False, num_sanity_val_steps=0,
                default_root_dir=case["root"],
            )
            trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=1))
            out[name] = {"lrs": record.lrs}
        except BaseException:
            out[name] = {"error": traceback.format_exc()}
    print(json.dumps(out))
    """
)


@pytest.fixture(scope="module")
def lightning_runs(tmp_path_factory) -> tuple[dict[str, dict], dict[str, list[float]]]:
    """Every Lightning case trained by a real Trainer: name -> LRs recorded, and lrplot's."""
    _require("torch", "lightning", "transformers")  # hf-cosine's module imports transformers
    folder = _folder(tmp_path_factory.mktemp("emit-lightning"))
    old = Path.cwd()
    os.chdir(folder)
    try:
        cases, expected = {}, {}
        for name, args in LIGHTNING_CASES.items():
            path = folder / f"{name}.py"
            path.write_text(_lrplot(*args, "--emit", "lightning"))
            header, rows = read_csv(_lrplot(*args, "--csv", "-"))
            epochs = [int(r[header.index("epoch")]) for r in rows]
            metric = None
            if "metric" in header:  # these cases step per epoch: the epoch's first value
                first: dict[int, float] = {}
                for row, epoch in zip(rows, epochs, strict=True):
                    first.setdefault(epoch, float(row[header.index("metric")]))
                metric = [first[e] for e in range(epochs[-1] + 1)]
            cases[name] = {
                "path": str(path),
                "epochs": epochs[-1] + 1,
                "steps_per_epoch": epochs.count(0),
                "metric": metric,
                "root": str(folder / name),
            }
            expected[name] = [float(r[header.index("lr")]) for r in rows]
    finally:
        os.chdir(old)
    proc = subprocess.run(
        [sys.executable, "-c", LIGHTNING_DRIVER, json.dumps(cases)],
        capture_output=True,
        text=True,
        cwd=folder,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1]), expected


@pytest.mark.parametrize("name", list(LIGHTNING_CASES))
def test_lightning_trainer_steps_lrplots_lrs(name, lightning_runs):
    """A real Trainer with the emitted configure_optimizers: the LR of every optimizer
    step is lrplot's."""
    runs, expected = lightning_runs
    assert "error" not in runs[name], runs[name]["error"]
    _assert_same(runs[name]["lrs"], expected[name])


@pytest.mark.parametrize("name", list(LIGHTNING_CASES))
def test_lightning_configure_optimizers(name, tmp_path, monkeypatch):
    """Runs without Lightning too: the module's shape."""
    monkeypatch.chdir(_folder(tmp_path))
    args = LIGHTNING_CASES[name]
    text = _lrplot(*args, "--emit", "lightning")
    tree = ast.parse(text)
    method = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef) and n.name == "configure_optimizers"
    )
    assigned = {t.id for n in ast.walk(method) if isinstance(n, ast.Assign) for t in n.targets
                if isinstance(t, ast.Name)}  # fmt: skip
    assert {"optimizer", "scheduler"} <= assigned
    returned = next(n for n in ast.walk(method) if isinstance(n, ast.Return)).value
    assert isinstance(returned, ast.Dict)
    outer = {k.value: v for k, v in zip(returned.keys, returned.values, strict=True)}
    assert set(outer) == {"optimizer", "lr_scheduler"}
    inner = {k.value: v for k, v in zip(outer["lr_scheduler"].keys,
                                        outer["lr_scheduler"].values, strict=True)}  # fmt: skip
    interval = "step" if "--interval" in args else "epoch"
    assert inner["interval"].value == interval
    assert inner["frequency"].value == 1
    assert inner["scheduler"].id == "scheduler"
    assert ("monitor" in inner) == REGISTRY[args[0]].needs_metric
    assert "class LitModel(L.LightningModule):" in text
    assert "import lightning as L" in text


# --- errors and options ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["step", "--step-size", "3", "--emit", "trch"], ["--emit", "'trch'", "torch, hf"]),
        (["step", "--step-size", "3", "--emit", "torch", "--csv", "-"], ["stdout"]),
        (["hf-cosine", "--emit", "torch"], ["get_cosine_schedule_with_warmup", "hf, lightning"]),
        (["step", "--step-size", "3", "--emit", "hf"], ["transformers", "torch, lightning"]),
        (["timm-cosine", "--t-initial", "5", "--emit", "hf"], ["torch, lightning"]),
        (["compare", "cosine:t_max=10", "step:step_size=3", "--emit", "torch"],
         ["one schedule", "has 2"]),
        (["plateau", "--warmup", "3", "--emit", "lightning"], ["by hand", "torch, hf"]),
        (["step", "--step-size", "3", "--warmup", "2", "--warmup-mode", "overlap", "--emit",
          "lightning"], ["targets for this schedule: torch"]),
    ],
)  # fmt: skip
def test_bad_combinations(cli, args, fragments):
    cli.fail(*args, fragments=fragments)
    assert cli.files() == set()


def test_emit_replaces_the_table_and_files_are_still_written(cli):
    out = cli.ok("cosine", "--t-max", "5", "--epochs", "5", "--emit", "torch", "--csv", "lr.csv")
    assert out.stdout.startswith("# CosineAnnealingLR(T_max=5")
    assert "─" not in out.stdout  # no table
    assert "wrote lr.csv" in out.stderr
    assert (cli.folder / "lr.csv").exists()


def test_emit_from_compare_and_run(cli):
    one = cli.ok("compare", "cosine:t_max=5", "--epochs", "5", "--emit", "torch").stdout
    assert "CosineAnnealingLR(optimizer, T_max=5, eta_min=0.0)" in one
    config = cli.folder / "c.toml"
    config.write_text('epochs = 5\nschedule = "step:step_size=2"\n')
    run = cli.ok("run", str(config), "--emit", "torch").stdout
    assert "StepLR(optimizer, step_size=2, gamma=0.1)" in run


def test_emit_in_every_commands_help(cli):
    for command in ("cosine", "plateau", "sequential", "hf-linear", "timm-tanh", "compare", "run"):
        assert "--emit" in cli.ok(command, "--help").stdout, command
