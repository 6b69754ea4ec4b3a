"""Log readers (lrplot.logs) on real-framework logs: tests/fixtures/logs/, recorded by
tools/log_fixtures.py with transformers 5.24, Lightning 2.6.6, torch 2.13, mlflow 3.17.

For every "match" fixture the values read, at the rows the reader maps them to, equal
lrplot's simulation of the configured command line (1e-6 relative): the row mapping
of each format is right. Every "mismatch" fixture differs from it, and equals what its
``truth`` says really ran (the comparison's options emulated here by index mapping).
"""

from __future__ import annotations

import csv
import functools
import importlib.util
import io
import json
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import cli_runner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lrplot.errors import LrplotError, ParamError
from lrplot.logs import FORMATS, Log, detect, read_log
from lrplot.logs import common as logs_common

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "logs"
CASES = tomllib.loads((FIXTURES / "cases.toml").read_text(encoding="utf-8"))["case"]
BY_NAME = {c["name"]: c for c in CASES}
HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None
NO_TENSORBOARD = "tensorboard is not installed (pip install 'lrplot[tensorboard]')"
needs_tensorboard = pytest.mark.skipif(not HAS_TENSORBOARD, reason=NO_TENSORBOARD)


@functools.cache
def simulated(argv: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray | None]:
    """LR (and momentum) of every row of ``lrplot ARGV --csv -``."""
    from lrplot.cli import app

    result = cli_runner().invoke(app, [*argv, "--csv", "-"])
    assert result.exit_code == 0, result.output
    header, *rows = list(csv.reader(io.StringIO(result.stdout)))
    lr = np.array([float(r[header.index("lr")]) for r in rows])
    momentum = None
    if "momentum" in header:
        momentum = np.array([float(r[header.index("momentum")]) for r in rows])
    return lr, momentum


def expected_at(argv: list[str], rows: np.ndarray, longer: bool = False) -> np.ndarray:
    """The configured run's LR at ``rows`` (``longer``: a run 4 times as long, for rows
    past its end; the schedule's lengths are given explicitly)."""
    if longer:
        argv = list(argv)
        epochs = argv.index("--epochs") + 1
        argv[epochs] = str(int(argv[epochs]) * 4)
    lr, _ = simulated(tuple(argv))
    assert rows.max() < len(lr), "a logged row past the configured run"
    return lr[rows]


def is_tensorboard(case: dict) -> bool:
    return detect(FIXTURES / case["log"])[0] == "tensorboard"


def read_case(case: dict) -> Log:
    if is_tensorboard(case) and not HAS_TENSORBOARD:
        pytest.skip(NO_TENSORBOARD)
    return read_log(FIXTURES / case["log"], key=case.get("log_key"), format=case.get("log_format"))


def close(a: np.ndarray, b: np.ndarray) -> bool:
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-6, atol=0))


# --- the manifest -----------------------------------------------------------------------------


def test_manifest_covers_every_mistake_family_and_format():
    causes = {c["cause"] for c in CASES if c["verdict"] == "mismatch"}
    assert causes == {
        "interval", "multi", "every", "offset", "scale", "length", "warmup", "restart",
        "jump", "changed",
    }  # fmt: skip
    assert {c["verdict"] for c in CASES} == {"match", "mismatch"}
    formats = {detect(FIXTURES / c["log"])[0] for c in CASES}
    assert formats == set(FORMATS) - {"hf-4.50"}
    for case in CASES:
        assert (FIXTURES / case["log"]).exists(), case["name"]
        assert (case["cause"] == "") == (case["verdict"] == "match"), case["name"]


def test_fixtures_hold_no_checkpoints():
    names = {p.name for p in FIXTURES.rglob("*") if p.is_file()}
    assert not {n for n in names if n.endswith((".pt", ".bin", ".safetensors", ".ckpt"))}
    assert sum(p.stat().st_size for p in FIXTURES.rglob("*") if p.is_file()) < 1_000_000


# --- every fixture gives the right verdict ---------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_fixture_against_configured(case):
    log = read_case(case)
    lr, _ = simulated(tuple(case["configured"]))
    assert log.lr.dtype == np.float64 and log.row.dtype == np.int64
    assert len(log) > 1 and np.all(np.diff(log.row) > 0)
    inside = log.row < len(lr)
    same = bool(inside.all()) and close(log.lr, lr[np.minimum(log.row, len(lr) - 1)])
    assert same == (case["verdict"] == "match"), (case["name"], log.notes)


def emulate(argv: list[str], rows: np.ndarray) -> np.ndarray:
    """The LR at ``rows`` of a run stepped as the comparison's options say:
    --scheduler-steps K (K scheduler steps per optimizer step), --scheduler-every K
    (one every K), --resume-at R --resume-mode fresh|jump (the scheduler restarts at R,
    or skips R steps ahead there). Emulated on a longer simulation, by index."""
    args = list(argv)
    extra: dict[str, str] = {}
    for option in ("--scheduler-steps", "--scheduler-every", "--resume-at", "--resume-mode"):
        if option in args:
            at = args.index(option)
            extra[option] = args[at + 1]
            del args[at : at + 2]
    index = rows.copy()
    if "--scheduler-steps" in extra:
        index = rows * int(extra["--scheduler-steps"])
    if "--scheduler-every" in extra:
        index = rows // int(extra["--scheduler-every"])
    if "--resume-at" in extra:
        resume = int(extra["--resume-at"])
        shift = -resume if extra["--resume-mode"] == "fresh" else resume
        index = np.where(rows < resume, rows, rows + shift)
    return expected_at(args, index, longer=True)


TRUTHS = [c for c in CASES if "truth" in c]


@pytest.mark.parametrize("case", TRUTHS, ids=[c["name"] for c in TRUTHS])
def test_mismatch_fixture_is_its_truth(case):
    log = read_case(case)
    assert close(log.lr, emulate(case["truth"], log.row)), case["name"]


@pytest.mark.parametrize("name", ["torch-cosine-offset", "wandb-cosine-offset"])
def test_offset_fixture_logs_the_next_steps_lr(name):
    log = read_case(BY_NAME[name])
    assert close(log.lr, expected_at(BY_NAME[name]["configured"], log.row + 1, longer=True))


def test_changed_fixture_follows_the_new_warmup_after_the_resume():
    # step 15 runs at the LR of the loaded optimizer state (the old schedule's); the
    # first scheduler.step() after the resume moves to the new one
    case = BY_NAME["hf-cosine-changed"]
    log = read_case(case)
    before = log.row <= 15
    assert close(log.lr[before], expected_at(case["configured"], log.row[before]))
    changed = [a if a != "5" else "10" for a in case["configured"]]  # --num-warmup-steps 10
    assert close(log.lr[~before], expected_at(changed, log.row[~before]))
    assert not close(log.lr[~before], expected_at(case["configured"], log.row[~before]))


def test_torch_changed_fixture_matches_until_the_resume():
    case = BY_NAME["torch-cosine-changed"]
    log = read_case(case)
    expected = expected_at(case["configured"], log.row)
    assert close(log.lr[:15], expected[:15])
    assert not np.any(np.isclose(log.lr[16:], expected[16:], rtol=1e-6, atol=0))


# --- transformers ------------------------------------------------------------------------------


def test_hf_trainer_state_rows_and_notes():
    log = read_case(BY_NAME["hf-cosine-right"])
    assert (log.format, log.key, log.others) == ("hf", "learning_rate", ())
    assert log.logged_step.tolist() == list(range(1, 31))
    assert log.row.tolist() == list(range(30))
    assert log.lr[0] == 0.0  # warmup from 0: the LR step 0 used (transformers >= 4.51)
    assert log.notes == (
        "transformers >= 4.51 logs at step s the LR optimizer step s-1 used (read before "
        "scheduler.step(), PR #36973): row = step - 1",
        "trainer_state.json does not record the transformers version: read as 4.51 or newer "
        "(--log-format hf-4.50 for older)",
        "30 values, every step (steps 1..30)",
    )
    assert log.info == {
        "max_steps": 30, "logging_steps": 1, "num_train_epochs": 3, "train_batch_size": 4,
        "global_step": 30,
    }  # fmt: skip
    assert log.momentum is None


def test_hf_before_4_51_logged_the_next_steps_lr():
    path = FIXTURES / BY_NAME["hf-cosine-right"]["log"]
    old = read_log(path, format="hf-4.50")
    new = read_log(path)
    assert old.format == "hf-4.50" and old.row.tolist() == list(range(1, 30))
    assert np.array_equal(old.lr, new.lr[:-1]) and np.array_equal(old.row, new.logged_step[:-1])
    assert old.notes[0] == (
        "transformers <= 4.50 logs at step s the LR after scheduler.step(), the next step's "
        "(issue #28124): row = step"
    )


def test_hf_4_50_really_logged_the_next_steps_lr():
    case = BY_NAME["hf-4.50-cosine-right"]
    path = FIXTURES / case["log"]
    old = read_log(path, format=case["log_format"])
    assert old.logged_step.tolist() == list(range(1, 30)) and old.row.tolist() == list(range(1, 30))
    assert old.notes[-2] == (
        "1 value(s) at step 30 or later are the LR after the run's last optimizer step "
        "(max_steps 30): left out"
    )
    assert close(old.lr, expected_at(case["configured"], old.row))
    new = read_log(path)  # read as 4.51 or newer: one step off
    assert not close(new.lr, expected_at(case["configured"], new.row))


def test_hf_every_n_steps_and_folder():
    case = BY_NAME["hf-linear-every5-right"]
    log = read_log(FIXTURES / case["log"])
    assert log.logged_step.tolist() == [5, 10, 15, 20, 25, 30]
    assert log.row.tolist() == [4, 9, 14, 19, 24, 29]
    assert log.notes[-1] == "6 values, every 5 steps (steps 5..30)"
    folder = read_log(FIXTURES / "hf-linear-every5-right")
    assert folder.path == FIXTURES / case["log"] and np.array_equal(folder.lr, log.lr)


def test_hf_folder_with_checkpoints_reads_the_last(tmp_path):
    text = (FIXTURES / "hf-linear-every5-right" / "trainer_state.json").read_text()
    for step in (10, 30, 20):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text(text)
    log = read_log(tmp_path)
    assert log.path == tmp_path / "checkpoint-30" / "trainer_state.json"
    assert log.notes[0] == "read checkpoint-30/trainer_state.json: the log up to that checkpoint"


@needs_tensorboard
def test_hf_tensorboard_same_values_as_trainer_state():
    json_log = read_case(BY_NAME["hf-cosine-right"])
    events = read_case(BY_NAME["hf-cosine-right-tensorboard"])
    assert events.key == "train/learning_rate"
    assert np.array_equal(events.row, json_log.row)
    assert np.array_equal(events.lr, json_log.lr.astype(np.float32).astype(np.float64))
    assert "scalars stored as float32" in events.notes


# --- Lightning ---------------------------------------------------------------------------------


def test_lightning_rows_and_momentum():
    case = BY_NAME["lightning-onecycle-right"]
    log = read_case(case)
    assert (log.format, log.key, log.others) == ("lightning", "lr-SGD", ())
    assert log.row.tolist() == log.logged_step.tolist() == list(range(30))
    _, momentum = simulated(tuple(case["configured"]))
    assert momentum is not None and log.momentum is not None
    assert close(log.momentum, momentum[log.row])
    assert log.notes[0] == (
        "Lightning's LearningRateMonitor logs before the batch's optimizer.step(), at step = "
        "optimizer steps done: row = step"
    )


def test_lightning_param_groups_group_zero_and_others():
    case = BY_NAME["lightning-cosine-groups-right"]
    log = read_case(case)
    assert (log.key, log.others) == ("lr-SGD/pg1", ("lr-SGD/pg2",))
    assert log.notes[0] == (
        "2 param groups: read lr-SGD/pg1 (group 0); the others: lr-SGD/pg2 (--log-key picks one)"
    )
    assert log.row.tolist() == [4, 9, 14, 19, 24, 29]  # log_every_n_steps=5: (step+1) % 5 == 0
    second = read_log(FIXTURES / case["log"], key="lr-SGD/pg2")
    assert (second.key, second.others) == ("lr-SGD/pg2", ("lr-SGD/pg1",))
    small = [a if a != "0.1" else "0.01" for a in case["configured"]]
    assert close(second.lr, expected_at(small, second.row))


def test_lightning_folder_notes_the_tensorboard_files_beside():
    log = read_log(FIXTURES / "lightning-onecycle-right")
    assert log.format == "lightning"
    assert log.notes[-1] == (
        "the folder also has TensorBoard event files (--log-format tensorboard reads them)"
    )


def test_lightning_epoch_interval_logs_at_epoch_start():
    log = read_case(BY_NAME["lightning-multistep-epoch-right"])
    assert log.row.tolist() == [0, 10, 20]
    assert log.notes[-1] == "3 values, every 10 steps (steps 0..20)"


def test_lightning_csv_read_as_a_plain_table():
    log = read_log(FIXTURES / "lightning-onecycle-right" / "metrics.csv", format="csv")
    assert (log.format, log.key) == ("csv", "lr-SGD")
    assert log.row.tolist() == list(range(30)) and log.momentum is not None


def test_lightning_accumulated_batches_log_the_same_step_twice(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("lr-SGD,step\n0.1,0\n0.1,0\n0.05,1\n0.05,1\n")
    log = read_log(path)
    assert log.row.tolist() == [0, 1] and log.lr.tolist() == [0.1, 0.05]
    assert log.notes[1] == (
        "2 step(s) logged more than once with the same value (from step 0; each batch of an "
        "accumulated step, or a resumed run)"
    )


# --- TensorBoard -------------------------------------------------------------------------------


@needs_tensorboard
def test_tensorboard_resumed_run_keeps_the_later_values():
    log = read_case(BY_NAME["torch-cosine-jump"])
    assert log.logged_step.tolist() == list(range(30))
    assert log.notes[:4] == (
        "2 event file(s)",
        "the step given to add_scalar: row = step",
        "scalars stored as float32",
        "5 step(s) logged more than once, with different values from step 15 (a resumed "
        "run?): kept the last value of each",
    )


@needs_tensorboard
def test_tensorboard_transformers_tag_needs_the_trainers_other_tags():
    plain = read_case(BY_NAME["torch-cosine-hftag-right"])
    assert (plain.key, plain.row.tolist()) == ("train/learning_rate", list(range(30)))
    assert plain.notes[1] == (
        "train/learning_rate without transformers' other tags (args, train/epoch): a loop's "
        "own add_scalar, row = step"
    )
    trainer = read_case(BY_NAME["hf-cosine-right-tensorboard"])
    assert trainer.row.tolist() == list(range(30)) and trainer.logged_step[0] == 1
    assert trainer.notes[1].startswith("train/learning_rate is transformers' TensorBoardCallback")


@needs_tensorboard
def test_tensorboard_lightning_momentum_and_single_file():
    folder = FIXTURES / "lightning-onecycle-right" / "tb"
    (file,) = folder.iterdir()
    log = read_log(file)
    assert (log.format, log.key) == ("tensorboard", "lr-SGD")
    assert log.momentum is not None and len(log.momentum) == 30
    assert log.notes[1].startswith("Lightning's LearningRateMonitor")


@needs_tensorboard
def test_tensorboard_key_choice_and_errors(tmp_path):
    folder = FIXTURES / "lightning-onecycle-right" / "tb"
    loss = read_log(folder, key="train_loss")
    assert loss.key == "train_loss" and loss.others == ("lr-SGD",)
    with pytest.raises(ParamError) as err:
        read_log(folder, key="lr")
    assert err.value.name == "log_key"
    assert str(err.value) == (
        f"{folder}: no tag 'lr' (LR-like: lr-SGD; all: lr-SGD, lr-SGD-momentum, train_loss, epoch)"
    )
    bad = tmp_path / "events.out.tfevents.1.host"
    bad.write_bytes(b"\x00garbage" * 10)
    with pytest.raises(LrplotError, match="no scalars in the TensorBoard events"):
        read_log(bad)


@needs_tensorboard
def test_tensorboard_runs_of_several_folders_each_from_the_start_ask_for_one(tmp_path):
    (events,) = (FIXTURES / "torch-cosine-right" / "tb").glob("events.out.tfevents*")
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        (tmp_path / run / events.name).write_bytes(events.read_bytes())
    with pytest.raises(LrplotError) as err:
        read_log(tmp_path)
    assert str(err.value) == (
        f"{tmp_path}: TensorBoard logs of 2 runs (a, b), a later one from step 0 again (not a "
        "resume): name one run's folder"
    )


@needs_tensorboard
def test_a_resumed_trainer_s_tensorboard_folders_are_one_run():
    # the resumed Trainer wrote a second runs/<date> folder, from step 14 on
    log = read_log(FIXTURES / "hf-linear-resume-tensorboard-right" / "runs")
    assert log.logged_step.tolist() == list(range(2, 31, 2))
    assert log.row.tolist() == list(range(1, 30, 2))
    assert log.notes[0] == "2 event file(s)"
    assert "2 runs (run_0, run_1) read as one resumed run, in time order" in log.notes


def test_tensorboard_missing_package_is_one_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorboard", None)
    monkeypatch.setitem(sys.modules, "tensorboard.backend.event_processing", None)
    with pytest.raises(LrplotError) as err:
        read_log(FIXTURES / "torch-cosine-right" / "tb")
    assert str(err.value) == (
        "reading TensorBoard logs needs the tensorboard package: pip install 'lrplot[tensorboard]'"
    )


def test_reading_a_table_imports_neither_tensorboard_nor_matplotlib():
    code = (
        "import sys; from lrplot.logs import read_log; "
        f"read_log({str(FIXTURES / 'csv-cosine-right' / 'lr.csv')!r}); "
        "print(sorted(m for m in ('tensorboard', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- MLflow, W&B, tables -----------------------------------------------------------------------


def test_mlflow_file_folder_and_run_folder(tmp_path):
    case = BY_NAME["mlflow-cosine-right"]
    log = read_case(case)
    assert (log.format, log.key, log.others) == ("mlflow", "lr", ())
    assert log.row.tolist() == list(range(30))
    run = read_log(FIXTURES / "mlflow-cosine-right")
    assert run.key == "lr" and np.array_equal(run.lr, log.lr)
    assert read_log(FIXTURES / "mlflow-cosine-right" / "metrics", key="train_loss").lr.tolist() == [
        0.5
    ]
    assert read_log(FIXTURES / "mlflow-cosine-right" / "metrics" / "train_loss").others == ("lr",)


def test_mlflow_of_a_transformers_trainer_follows_its_rule():
    log = read_case(BY_NAME["mlflow-hf-cosine-right"])
    assert (log.format, log.key) == ("mlflow", "learning_rate")
    assert log.logged_step.tolist() == list(range(1, 31)) and log.row.tolist() == list(range(30))
    assert log.notes[0].startswith(
        "a transformers Trainer's run (MLflowCallback: its TrainingArguments among the params), "
        "logged at step = global_step; transformers >= 4.51 logs at step s"
    )
    assert "the steps are not in order: sorted" in log.notes  # MLflow's async batches


def test_mlflow_of_lightning_has_its_momentum():
    case = BY_NAME["mlflow-lightning-onecycle-right"]
    log = read_case(case)
    assert (log.key, log.others, log.row.tolist()) == ("lr-SGD", (), list(range(30)))
    _, momentum = simulated(tuple(case["configured"]))
    assert log.momentum is not None and momentum is not None
    assert close(log.momentum, momentum[log.row])


def test_mlflow_restart_keeps_the_resumed_values():
    log = read_case(BY_NAME["mlflow-cosine-restart"])
    assert log.row.tolist() == list(range(30))
    assert log.lr[15] == 0.1  # the fresh scheduler's first LR
    assert any("5 step(s) logged more than once" in n for n in log.notes)


def test_wandb_export_key_by_metric_and_runs(tmp_path):
    case = BY_NAME["wandb-cosine-right"]
    log = read_case(case)
    assert (log.format, log.key) == ("wandb", "tiny-cosine-1 - lr")
    assert read_log(FIXTURES / case["log"], key="lr").key == "tiny-cosine-1 - lr"
    two = tmp_path / "export.csv"
    two.write_text('"Step","a - lr","b - lr","a - lr__MIN"\n0,0.1,0.2,0.1\n1,,0.3,\n')
    with pytest.raises(LrplotError) as err:
        read_log(two)
    assert str(err.value) == f"{two}: several LR keys (a - lr, b - lr): pass --log-key"
    with pytest.raises(ParamError) as perr:
        read_log(two, key="lr")
    assert str(perr.value) == f"{two}: several runs have 'lr': a - lr, b - lr; name one"
    b = read_log(two, key="b - lr")
    assert b.row.tolist() == [0, 1] and b.lr.tolist() == [0.2, 0.3] and b.others == ("a - lr",)


def test_wandb_export_of_a_transformers_trainer(tmp_path):
    against = tmp_path / "against.csv"
    against.write_text('"train/global_step","r - train/learning_rate"\n1,0.0\n2,0.0002\n')
    log = read_log(against)
    assert (log.logged_step.tolist(), log.row.tolist()) == ([1, 2], [0, 1])
    assert log.notes[0].startswith("transformers' WandbCallback (train/learning_rate), against")
    by_count = tmp_path / "steps.csv"
    by_count.write_text('"Step","r - train/learning_rate"\n0,0.0\n1,0.0002\n')
    log = read_log(by_count)
    assert log.row.tolist() == [0, 1]
    assert log.notes[1].startswith("transformers' WandbCallback logs without a step")


def test_wandb_export_of_lightning(tmp_path):
    path = tmp_path / "export.csv"
    path.write_text('"Step","r - lr-SGD"\n0,0.1\n2,0.09\n')
    assert read_log(path).notes[1].startswith("Lightning's WandbLogger logs without a step")
    path.write_text('"trainer/global_step","r - lr-SGD"\n0,0.1\n1,0.09\n')
    log = read_log(path)
    assert log.row.tolist() == [0, 1] and log.notes == (
        "W&B's trainer/global_step as exported: row = step",
        "2 values, every step (steps 0..1)",
    )


def test_hf_reads_its_own_key_beside_a_users(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text('{"log_history": [{"learning_rate": 0.1, "head_lr": 0.5, "step": 1}]}')
    log = read_log(path)
    assert (log.key, log.others, log.lr.tolist()) == ("learning_rate", ("head_lr",), [0.1])
    assert read_log(path, key="head_lr").lr.tolist() == [0.5]


def test_one_line_trainer_state_is_hf(tmp_path):
    path = tmp_path / "state.json"
    path.write_text('{"global_step": 2, "log_history": [{"learning_rate": 0.1, "step": 1}]}')
    log = read_log(path)
    assert (log.format, log.row.tolist()) == ("hf", [0])


def test_tables_csv_tsv_jsonl(tmp_path):
    tsv = tmp_path / "log.tsv"
    tsv.write_text("iteration\tloss\tlr\n0\t1.0\t0.5\n10\t0.9\t0.25\n")
    log = read_log(tsv)
    assert (log.format, log.key, log.row.tolist()) == ("csv", "lr", [0, 10])
    assert log.notes == (
        "a tab-separated table; its iteration column as written: row = step (the LR the "
        "optimizer step of that number used)",
        "2 values, every 10 steps (steps 0..10)",
    )
    log = read_case(BY_NAME["jsonl-cosine-length"])
    assert (log.format, log.key, len(log)) == ("jsonl", "learning_rate", 30)


# --- errors: one line, naming the file ---------------------------------------------------------


def error(path: Path, **kwargs: str) -> str:
    with pytest.raises(LrplotError) as err:
        read_log(path, **kwargs)
    text = str(err.value)
    assert "\n" not in text
    return text


def test_error_no_lr_column(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss\n0,0,1.5\n")
    assert error(path) == (
        f"{path}: no LR column (columns: epoch, step, train_loss): Lightning logs the LR with "
        "a LearningRateMonitor callback, every log_every_n_steps (default 50) optimizer "
        "steps; pass --log-key for another column"
    )
    other = tmp_path / "lr.csv"  # a plain table
    other.write_text("step,train_loss\n0,1.5\n")
    assert error(other) == f"{other}: no LR column (columns: step, train_loss); pass --log-key"


def test_lightning_two_optimizers_need_a_key():
    path = FIXTURES / BY_NAME["lightning-two-optimizers-right"]["log"]
    assert error(path) == f"{path}: several LR keys (lr-Adam, lr-SGD): pass --log-key"
    log = read_log(path, key="lr-SGD")
    assert log.others == ("lr-Adam",)
    assert close(log.lr, expected_at(BY_NAME["csv-cosine-right"]["configured"], log.row))


def test_lightning_accumulated_fixture():
    log = read_case(BY_NAME["lightning-cosine-accumulate-right"])
    assert log.row.tolist() == list(range(15))
    assert log.notes[1].startswith("15 step(s) logged more than once with the same value")


def test_hf_resumed_run_continues_the_checkpoints_history():
    log = read_case(BY_NAME["hf-cosine-resume-right"])
    assert log.logged_step.tolist() == list(range(1, 31))
    assert not any("more than once" in n for n in log.notes)


def test_error_several_optimizers(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text("lr-Adam,lr-SGD,step\n0.1,0.2,0\n")
    assert error(path) == f"{path}: several LR keys (lr-Adam, lr-SGD): pass --log-key"
    assert read_log(path, key="lr-Adam").others == ("lr-SGD",)
    named = tmp_path / "named.csv"
    named.write_text("lr-SGD/backbone,lr-SGD/head,step\n0.1,0.2,0\n")
    assert error(named) == (
        f"{named}: several LR keys (lr-SGD/backbone, lr-SGD/head): pass --log-key"
    )


def test_error_unknown_key_and_format():
    path = FIXTURES / "csv-cosine-right" / "lr.csv"
    with pytest.raises(ParamError) as err:
        read_log(path, key="learning_rate")
    assert (err.value.name, str(err.value)) == (
        "log_key",
        f"{path}: no column 'learning_rate' (LR-like: lr; all: step, epoch, lr)",
    )
    with pytest.raises(ParamError) as err:
        read_log(path, format="comet")
    assert (err.value.name, str(err.value)) == (
        "log_format",
        "must be one of hf, hf-4.50, lightning, tensorboard, mlflow, wandb, csv, jsonl, "
        "got 'comet'",
    )
    with pytest.raises(ParamError) as err:
        read_log(path, key=" ")
    assert err.value.name == "log_key"


def test_error_files_and_folders(tmp_path):
    missing = tmp_path / "nope"
    assert error(missing) == f"cannot read log {missing}: no such file or folder"
    assert error(tmp_path) == (
        f"{tmp_path}: no log in the folder (lrplot looks for trainer_state.json, metrics.csv, "
        "TensorBoard event files, an MLflow run's metrics folder)"
    )
    empty = tmp_path / "empty.csv"
    empty.write_text("\n\n")
    assert error(empty) == f"{empty}: empty, no log in it"
    binary = tmp_path / "model.ckpt"
    binary.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert error(binary) == f"log {binary}, line 1: binary data, not text"
    latin = tmp_path / "latin.csv"
    latin.write_bytes(b"step,lr\n0,0.1\xe9\n")
    assert error(latin) == f"log {latin}, line 2: not UTF-8 text"
    if Path("/dev/null").exists():
        assert error(Path("/dev/null")) == (
            "cannot read log /dev/null: it is a device or socket, not a regular file"
        )


def test_error_bad_rows(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("step,lr\n0,0.1\n1.5,0.2\n")
    assert error(path) == f"{path}, line 3: step '1.5' is not a whole number >= 0"
    path.write_text("step,lr\n0,0.1\n1,fast\n")
    assert error(path) == f"{path}, line 3: lr 'fast' is not a number"
    path.write_text("step,lr\n0,0.1,3\n")
    assert error(path) == f"{path}, line 2: 3 fields, the header has 2"
    path.write_text("step,lr\n0,\n")
    assert error(path) == f"{path}: lr has no values"
    path.write_text("epoch,lr\n0,0.1\n")
    assert error(path) == (
        f"{path}: no step column (columns: epoch, lr); lrplot reads one named step, "
        "global_step, Step, _step, trainer/global_step, train/global_step, iteration, iter "
        "or optimizer_step"
    )
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text('{"step": 0, "lr": 0.1}\n{"step": -1, "lr": 0.1}\n')
    assert error(jsonl) == f"{jsonl}, line 2: step -1 is not a whole number >= 0"
    jsonl.write_text('{"step": 0, "lr": 0.1}\n[1]\n')
    assert error(jsonl) == f"{jsonl}, line 2: not a JSON object"
    metric = tmp_path / "lr"
    metric.write_text("1700000000 0.1 0\n1700000001 0.2\n1700000002 0.3 4 5\n")
    assert error(metric) == (
        f"{metric}, line 3: 4 fields, an MLflow metric line is 'timestamp value step'"
    )


def test_error_hf_states(tmp_path):
    path = tmp_path / "trainer_state.json"
    path.write_text('{"log_history": [{"learning_rate": 0.1}]}')
    assert error(path) == f"{path}: log_history[0]: learning_rate without a step"
    path.write_text('{"log_history": [{"learning_rate": "x", "step": 1}]}')
    assert error(path) == f"{path}: log_history[0]: learning_rate 'x' is not a number"
    path.write_text('{"global_step": 3}')
    assert error(path) == (
        f"{path}: no log_history list: not a transformers Trainer's trainer_state.json"
    )
    path.write_text('{"log_history": [')
    assert error(path) == f"{path}, line 1: not JSON: Expecting value"
    path.write_text('{"log_history": [{"loss": 1.0, "step": 1}]}')
    assert error(path) == f"{path}: no LR key (keys: loss, step); pass --log-key"


def test_bounded_read(tmp_path, monkeypatch):
    monkeypatch.setattr(logs_common, "MAX_LOG", 1024)
    path = tmp_path / "log.csv"
    path.write_text("step,lr\n" + "".join(f"{i},0.1\n" for i in range(500)))
    assert error(path) == (
        f"{path}: the log is 3898 bytes: lrplot reads logs of at most 1024 bytes; "
        "is it the right file?"
    )
    state = tmp_path / "trainer_state.json"
    state.write_text('{"log_history": []}' + " " * 2000)
    assert "lrplot reads logs of at most" in error(state)


# --- garbage never escapes as a traceback ------------------------------------------------------

NAMES = ["metrics.csv", "trainer_state.json", "log.jsonl", "lr", "export.csv", "log.tsv", "x"]
FIXTURE_CHECK = HealthCheck.function_scoped_fixture  # one file, rewritten by each example
TEXT = st.text(alphabet=st.sampled_from(list('0123456789.,-e \t\n{}[]":lrstepLR_/nafi')))


@settings(max_examples=300, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(name=st.sampled_from(NAMES), data=st.one_of(TEXT.map(str.encode), st.binary()))
def test_garbage_is_an_lrplot_error(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    for fmt in (None, "hf", "csv", "mlflow", "wandb", "jsonl", "lightning"):
        try:
            log = read_log(path, format=fmt)
        except LrplotError as err:
            assert "\n" not in str(err)
        else:
            assert len(log.lr) == len(log.row) == len(log.logged_step) > 0
            assert np.all(log.row >= 0)


@needs_tensorboard
@settings(max_examples=60, deadline=None, suppress_health_check=[FIXTURE_CHECK])
@given(data=st.binary(max_size=400))
def test_garbage_event_file_is_an_lrplot_error(tmp_path, data):
    path = tmp_path / "events.out.tfevents.1.host"
    path.write_bytes(data)
    with pytest.raises(LrplotError):
        read_log(path)


def test_a_trainer_run_shorter_than_logging_steps_says_so(tmp_path):
    # what a 30-step Trainer run with the default logging_steps=500 writes (its only
    # log_history entry is the closing summary)
    state = {
        "global_step": 30,
        "logging_steps": 500,
        "max_steps": 30,
        "log_history": [
            {"epoch": 3.0, "step": 30, "total_flos": 0.0, "train_loss": 19.9, "train_runtime": 0.03}
        ],
    }
    path = tmp_path / "trainer_state.json"
    path.write_text(json.dumps(state))
    with pytest.raises(LrplotError) as err:
        read_log(path)
    assert str(err.value) == (
        f"{path}: no learning_rate logged: the Trainer logs every logging_steps=500 steps "
        "and the run took 30 (set logging_steps to 30 or fewer, e.g. 1)"
    )
    state["logging_steps"] = 10  # logged, but not the LR: the usual message
    path.write_text(json.dumps(state))
    with pytest.raises(LrplotError, match="no LR key"):
        read_log(path)


LIGHTNING_CSV = (
    Path(__file__).parent / "fixtures" / "logs" / "lightning-onecycle-right" / "metrics.csv"
)


def test_a_lightning_folder_is_read_from_its_version_folder(tmp_path):
    # CSVLogger(save_dir, name="csv") writes save_dir/csv/version_0/metrics.csv
    (tmp_path / "csv" / "version_0").mkdir(parents=True)
    (tmp_path / "csv" / "version_0" / "metrics.csv").write_bytes(LIGHTNING_CSV.read_bytes())
    for folder in (tmp_path, tmp_path / "csv"):
        log = read_log(folder)
        assert log.format == "lightning" and log.path.name == "metrics.csv"
        assert log.lr.tolist() == read_log(LIGHTNING_CSV).lr.tolist()


def test_lightning_runs_each_from_step_0_ask_for_one(tmp_path):
    for n in (0, 1, 10):
        (tmp_path / "csv" / f"version_{n}").mkdir(parents=True)
        (tmp_path / "csv" / f"version_{n}" / "metrics.csv").write_bytes(LIGHTNING_CSV.read_bytes())
    with pytest.raises(LrplotError) as err:
        read_log(tmp_path)
    assert str(err.value) == (
        f"{tmp_path}: Lightning CSVLogger logs of 3 runs (csv/version_0, csv/version_1, "
        "csv/version_10), a later one from step 0 again (not a resume): name one run's "
        "metrics.csv"
    )


def test_a_resumed_lightning_fit_is_read_from_its_versions_in_order(tmp_path):
    # fit(ckpt_path=...) logs into version_1 from the checkpoint's step (here 2) on
    first = "epoch,lr-SGD,step\n,0.1,0,\n,0.09,1\n,0.08,2\n"
    second = "epoch,lr-SGD,step\n,0.07,2,\n,0.06,3\n"
    for n, text in ((0, first), (1, second)):
        (tmp_path / f"version_{n}").mkdir()
        (tmp_path / f"version_{n}" / "metrics.csv").write_text(text.replace(",\n", "\n"))
    log = read_log(tmp_path)
    assert (log.format, log.key) == ("lightning", "lr-SGD")
    assert log.row.tolist() == [0, 1, 2, 3] and log.lr.tolist() == [0.1, 0.09, 0.07, 0.06]
    assert ("2 runs (version_0, version_1) read as one resumed run, in time order") in log.notes
    assert any("1 step(s) logged more than once, with different values" in n for n in log.notes)


def test_a_lightning_csv_without_the_monitor_says_how_it_logs(tmp_path):
    # a 30-step fit with the default log_every_n_steps=50: only the epochs' loss logged
    path = tmp_path / "metrics.csv"
    path.write_text("epoch,step,train_loss_epoch\n0,9,1.5\n1,19,1.2\n2,29,1.1\n")
    with pytest.raises(LrplotError) as err:
        read_log(path)
    assert str(err.value) == (
        f"{path}: no LR column (columns: epoch, step, train_loss_epoch): Lightning logs the "
        "LR with a LearningRateMonitor callback, every log_every_n_steps (default 50) "
        "optimizer steps; pass --log-key for another column"
    )


def test_lists_of_lrs_are_read_by_param_group(tmp_path):
    # log({"lr": scheduler.get_last_lr()}): a list per record, one LR per param group
    jsonl = tmp_path / "log.jsonl"
    jsonl.write_text('{"step": 0, "lr": [0.1, 0.01]}\n{"step": 1, "lr": [0.09, 0.009]}\n')
    log = read_log(jsonl)
    assert (log.key, log.lr.tolist()) == ("lr", [0.1, 0.09])
    assert (
        "lr is a list of 2 LR(s), one per param group (scheduler.get_last_lr()): read "
        "element 0, group 0 (--log-key 'lr[1]' reads group 1)"
    ) in log.notes
    group1 = read_log(jsonl, key="lr[1]")
    assert (group1.key, group1.lr.tolist()) == ("lr[1]", [0.01, 0.009])
    assert error(jsonl, key="lr[2]") == f"{jsonl}, line 1: lr has 2 value(s), no element 2"
    # the same lists written into a CSV with str(list)
    table = tmp_path / "lr.csv"
    table.write_text('step,lr\n0,"[0.1, 0.01]"\n1,"[0.09, 0.009]"\n')
    assert read_log(table).lr.tolist() == [0.1, 0.09]
    assert read_log(table, key="lr[1]").lr.tolist() == [0.01, 0.009]
    plain = tmp_path / "plain.csv"
    plain.write_text("step,lr\n0,0.1\n")
    assert error(plain, key="lr[1]") == f"{plain}, line 2: lr '0.1' is not a list: no element 1"
