"""`lrplot run` on the configs frameworks write: HuggingFace TrainingArguments, timm's
train.py config, Lightning's lr_scheduler config, mmengine's param_scheduler list.

* tests/golden/frameworks/: each config's LR trace recorded from the real library
  (transformers 5.24's Trainer, timm 1.0.31's scheduler code in train.py's loop,
  lightning 2.6's Trainer, mmengine 0.10.7's schedulers and hook) by
  tools/goldens_frameworks.py; lrplot must give it, bit for bit or within the
  tolerance the case states (float rounding where lrplot uses the equivalent torch
  schedule: timm computes lr * rate ** k, torch multiplies step by step);
* the printed `lrplot compare` command must give the same CSV as `run`;
* the rules that are not in a trace (detection, --format, HF's warmup arithmetic,
  what is refused and why) are pinned from the frameworks' source.
"""

from __future__ import annotations

import csv
import io
import json
import math
import shlex
import sys
from pathlib import Path

import pytest

from lrplot.frameworks import FORMATS

GOLDEN = Path(__file__).resolve().parent / "golden" / "frameworks"
CASES = {k: v for k, v in json.loads((GOLDEN / "cases.json").read_text()).items() if k[0] != "_"}
SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"


def lrs(text: str, column: str = "lr") -> list[float]:
    return [float(r[column]) for r in csv.DictReader(io.StringIO(text))]


def golden(name: str) -> list[float]:
    return lrs((GOLDEN / f"{name}.csv").read_text())


def header(stderr: str) -> tuple[list[str], str]:
    """(comment lines, the compare command) printed on stderr."""
    lines = [line for line in stderr.splitlines() if not line.startswith("wrote ")]
    assert lines[-1].startswith("lrplot compare "), stderr
    assert all(line.startswith("# ") for line in lines[:-1]), stderr
    return lines[:-1], lines[-1]


def run_csv(cli, *args: str) -> tuple[list[float], str]:
    """`lrplot run ARGS --csv -`: (the LR column, stderr)."""
    result = cli.ok("run", *args, "--csv", "-")
    return lrs(result.stdout), result.stderr


def write(folder: Path, name: str, text: str) -> str:
    (folder / name).write_text(text)
    return name


# --- traces from the real libraries --------------------------------------------------


@pytest.mark.parametrize("name", sorted(CASES))
def test_trace_of_the_real_library(cli, name):
    case = CASES[name]
    config = str((GOLDEN / case["config"]).resolve())
    got, stderr = run_csv(cli, config, *case.get("args", []))
    want = golden(name)
    assert len(got) == len(want)
    if case["rel"] == 0:
        assert got == want
    else:
        worst = max(abs(a - b) / abs(b) if b else abs(a) for a, b in zip(got, want, strict=True))
        assert worst <= case["rel"]

    # the printed command is lrplot's own way to the same run: pasted, it gives the same CSV
    _, command = header(stderr)
    again = cli.ok(*shlex.split(command)[1:], "--csv", "-")
    ran = cli.ok("run", config, *case.get("args", []), "--csv", "-")
    assert again.stdout == ran.stdout


def test_every_golden_trace_has_a_case():
    assert {p.stem for p in GOLDEN.glob("*.csv")} == set(CASES)
    samples = {
        c["config"].rsplit("/", 1)[-1] for c in CASES.values() if "sample_configs" in c["config"]
    }
    assert samples == {"hf_trainer.json", "timm_train.yaml", "lightning.yaml", "mmengine.json"}


# --- what is printed: the run as lrplot SPECs ------------------------------------------

PRINTED = {
    "hf_trainer.json": (
        "HuggingFace TrainingArguments",
        [
            "#   25,000 samples / batch 32 = 782 batches/epoch (last 8 samples kept), "
            "accumulate 2 -> 391 steps/epoch",
            "#   warmup_steps = ceil(0.1 x 1173) = 118 (transformers 5: warmup_steps below 1 is "
            "a share of the training steps)",
        ],
        "lrplot compare hf-cosine:num_warmup_steps=118,num_training_steps=1173 --lr 5e-05 "
        "--epochs 3 --steps-per-epoch 391 --interval step",
    ),
    "timm_train.yaml": (
        "timm train.py",
        ["#   50,000 samples / batch 128 = 390 batches/epoch (last 80 samples dropped)"],
        "lrplot compare timm-cosine:t_initial=19500,lr_min=1e-05,warmup_t=1170,"
        "warmup_lr_init=0.0001 --lr 0.2 --epochs 55 --steps-per-epoch 390 --interval step",
    ),
    "lightning.yaml": (
        "Lightning",
        [],
        "lrplot compare 'sequential:schedulers=[linear:start_factor=0.1; "
        "cosine:t_max=45,eta_min=1e-05],milestones=[5]' --lr 0.001 --epochs 50",
    ),
    "mmengine.json": (
        "mmengine",
        [],
        "lrplot compare 'sequential:schedulers=[linear:start_factor=0.1,total_iters=4; "
        "cosine:t_max=95,eta_min=1e-05],milestones=[5]' --lr 0.1 --epochs 100",
    ),
}


@pytest.mark.parametrize("name", sorted(PRINTED))
def test_sample_prints_its_lrplot_run(cli, name):
    framework, notes, command = PRINTED[name]
    path = str(SAMPLES / name)
    result = cli.ok("run", path, "-q")
    assert result.stdout == ""
    comments, printed = header(result.stderr)
    assert comments == [f"# {path} ({framework} config) is this lrplot run:", *notes]
    assert printed == command


GOLDEN_SPECS = {
    # mmengine: all from 0 -> chained; per-iteration warmup first, the per-epoch
    # MultiStepLR's milestones in iterations (epochs 8, 11 x 10 iterations)
    "mm_mmdet": "'chained:schedulers=[linear:start_factor=0.001,total_iters=24; "
    "multistep:milestones=[80,110]]' --lr 0.1 --epochs 12 --steps-per-epoch 10 --interval step",
    # ranges apart -> sequential; the cosine stops at 25: a hold keeps its last LR
    "mm_gap": "'sequential:schedulers=[constant:factor=0.5,total_iters=3; "
    "cosine:t_max=15,eta_min=0.001; multiplicative:expr=1],milestones=[10,25]' --lr 0.1 "
    "--epochs 30",
    # begins at 10: lr itself until then
    "mm_late": "'sequential:schedulers=[multiplicative:expr=1; exponential:gamma=0.9],"
    "milestones=[10]' --lr 0.1 --epochs 30",
    # StepLR ending at 35 (before the run's 50): its decays as milestones
    "mm_step_end": "'multistep:milestones=[10,20,30],gamma=0.5' --lr 0.1 --epochs 50",
    # PolyLR with eta_min > 0: HF's polynomial (same closed form, lr_end = eta_min)
    "mm_poly_iter": "hf-polynomial:num_training_steps=399,lr_end=0.0001,power=0.9 --lr 0.1 "
    "--epochs 1 --steps-per-epoch 400 --interval step",
    # frequency 3: a StepLR of step_size 2 stepped every 3 epochs is step_size 6
    "pl_step_every3": "step:step_size=6,gamma=0.5 --lr 0.1 --epochs 30 --steps-per-epoch 4",
    # frequency 2 per step: ExponentialLR every 2 steps is StepLR(2)
    "pl_exponential_every2": "step:step_size=2,gamma=0.9 --lr 0.1 --epochs 5 "
    "--steps-per-epoch 6 --interval step",
    "pl_onecycle": "onecycle:max_lr=0.5,total_steps=80 --lr 0.1 --epochs 8 "
    "--steps-per-epoch 10 --interval step",
    "pl_two_schedulers": "'chained:schedulers=[linear:start_factor=0.1,total_iters=10; "
    "exponential:gamma=0.99]' --lr 0.001 --epochs 6 --steps-per-epoch 5 --interval step",
    # timm: decay every 2.4 epochs: where t // 2.4 grows; warmup overlaps (warmup_prefix false)
    "timm_step_frac": "'multistep:milestones=[3,5,8,10,12,15,17,20,22,24,27,29,32,34,36,39,"
    "41,44,46,48,51,53,56,58],gamma=0.97,warmup=3,warmup_start=3.90625e-06,"
    "warmup_mode=overlap' --lr 0.256 --epochs 60",
    # timm's milestone m applies at t = m - 1; 10 updates per epoch (1,050 // 100)
    "timm_multistep_updates": "'multistep:milestones=[29,59,59,89],warmup=10,"
    "warmup_start=0.0001,warmup_mode=overlap' --lr 0.1 --epochs 10 --steps-per-epoch 10 "
    "--interval step",
    # plateau: warmup as a prefix (timm warms up until epoch warmup_t), top1 -> mode max
    "timm_plateau": "plateau:mode=max,factor=0.5,patience=4,min_lr=0.001,warmup=3,"
    "warmup_start=0.01 --lr 0.1 --epochs 60",
    "hf_inverse_sqrt": "hf-inverse-sqrt:num_warmup_steps=100,timescale=500 --lr 0.001 "
    "--epochs 1 --steps-per-epoch 2000 --interval step",
}


@pytest.mark.parametrize("name", sorted(GOLDEN_SPECS))
def test_printed_command(cli, name):
    case = CASES[name]
    result = cli.ok("run", str(GOLDEN / case["config"]), *case.get("args", []), "-q")
    assert header(result.stderr)[1] == "lrplot compare " + GOLDEN_SPECS[name]


# --- detection and --format ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "framework"),
    [
        ('{"learning_rate": 1e-3, "max_steps": 10}', "HuggingFace TrainingArguments"),
        ('{"lr_scheduler_type": "linear", "max_steps": 10}', "HuggingFace TrainingArguments"),
        ('{"sched": "step", "epochs": 10, "lr": 0.1}', "timm train.py"),
        (
            '{"lr_scheduler": {"class_path": "StepLR", "init_args": {"step_size": 3}}, '
            '"optimizer": {"init_args": {"lr": 0.1}}, "trainer": {"max_epochs": 5}}',
            "Lightning",
        ),
        (
            '{"param_scheduler": {"type": "StepLR", "step_size": 3}, '
            '"optim_wrapper": {"optimizer": {"lr": 0.1}}, "train_cfg": {"max_epochs": 5}}',
            "mmengine",
        ),
    ],
)
def test_recognised_by_its_keys(cli, text, framework):
    name = write(cli.folder, "c.json", text)
    result = cli.ok("run", name, "-q")
    assert result.stderr.startswith(f"# c.json ({framework} config) is this lrplot run:\n")


def test_lrplot_configs_still_run(cli):
    name = write(cli.folder, "c.json", '{"epochs": 5, "schedule": "step:step_size=2"}')
    result = cli.ok("run", name, "--csv", "-")
    assert result.stderr == ""  # nothing to translate
    assert lrs(result.stdout) == [0.1, 0.1, 0.1 * 0.1, 0.1 * 0.1, 0.1 * 0.1 * 0.1]


def test_format_says_which_framework(cli):
    # keys of two formats: refused without --format, read as told with it
    text = '{"learning_rate": 0.1, "max_steps": 4, "schedule": "step:step_size=2"}'
    name = write(cli.folder, "both.json", text)
    cli.fail("run", name, fragments=["both.json: its keys fit lrplot and hf", "--format"])
    got, stderr = run_csv(cli, name, "--format", "hf")
    assert got == [0.1, 0.1 * 3 / 4, 0.1 * 2 / 4, 0.1 * 1 / 4]  # HF linear, no warmup
    cli.fail(
        "run", name, "--format", "lrplot", fragments=["both.json: the config has no parameter"]
    )
    # a timm config without 'sched' (train.py's default: cosine) reads as lrplot's ...
    name = write(cli.folder, "t.yaml", "epochs: 20\nlr: 0.1\nmin_lr: 0.001\n")
    cli.fail("run", name, fragments=["t.yaml: the config has no parameter 'min_lr'"])
    # ... unless told (train.py's defaults: 5 warmup epochs from 1e-5)
    got, stderr = run_csv(cli, name, "-f", "timm")
    spec = "timm-cosine:t_initial=20,lr_min=0.001,warmup_t=5,warmup_lr_init=1e-05"
    assert f"{spec} --lr 0.1 --epochs 20" in stderr
    assert got[10] == pytest.approx(0.001 + 0.5 * (0.1 - 0.001), rel=1e-15)


def test_format_choices(cli):
    assert FORMATS == (
        "lrplot",
        "hf",
        "timm",
        "lightning",
        "mmengine",
        "deepspeed",
        "megatron",
        "torchtune",
        "axolotl",
    )
    name = write(cli.folder, "c.json", '{"learning_rate": 0.1}')
    cli.fail("run", name, "--format", "keras", fragments=["invalid value for --format", "keras"])


def test_unknown_keys_say_what_lrplot_knows(cli):
    name = write(cli.folder, "c.yaml", "optimizer: adam\nbatch: 32\n")
    cli.fail(
        "run",
        name,
        fragments=["c.yaml: cannot tell which framework wrote it", "param_scheduler", "--format"],
    )


# --- HuggingFace: the Trainer's arithmetic --------------------------------------------


def hf(cli, text: str, *args: str) -> tuple[list[float], str]:
    return run_csv(cli, write(cli.folder, "hf.json", text), *args)


def test_hf_warmup_steps_rules(cli):
    # transformers 5: warmup_steps >= 1 is a count (int()), below 1 a ratio (ceil)
    _, err = hf(cli, '{"learning_rate": 1e-3, "warmup_steps": 7.9, "max_steps": 100}')
    assert "hf-linear:num_warmup_steps=7,num_training_steps=100" in err
    assert "#   warmup_steps 7.9 counts as 7 (HF: int(warmup_steps))" in err
    _, err = hf(cli, '{"learning_rate": 1e-3, "warmup_steps": 0.0505, "max_steps": 1000}')
    assert "num_warmup_steps=51," in err  # ceil(50.5)
    # transformers 4.x: warmup_ratio when warmup_steps is 0; warmup_steps > 0 wins
    got, err = hf(cli, '{"learning_rate": 1e-3, "warmup_ratio": 0.1, "max_steps": 1173}')
    assert "num_warmup_steps=118," in err  # ceil(117.3)
    assert got[117] == 1e-3 * (117 / 118)
    assert got[118] == 1e-3
    text = '{"learning_rate": 1e-3, "warmup_steps": 20, "warmup_ratio": 0.5, "max_steps": 100}'
    _, err = hf(cli, text)
    assert "num_warmup_steps=20," in err
    assert "warmup_steps > 0 overrides warmup_ratio, as in HF" in err


def test_hf_training_steps(cli):
    base = '"learning_rate": 1e-3, "per_device_train_batch_size": 32'
    # ceil(num_train_epochs * num_update_steps_per_epoch): 2.5 x ceil(1000 / 32) = 80
    got, err = hf(cli, f'{{{base}, "num_train_epochs": 2.5, "dataset_size": 1000}}')
    assert "num_training_steps=80 --lr 0.001 --epochs 1 --steps-per-epoch 80" in err
    assert "80 optimizer steps are not a whole number of epochs of 32" in err
    assert got[-1] == 1e-3 * (1 / 80)
    # the command line's plan wins over the config's: 4000 / (16 x 2 devices) = 125 batches,
    # accumulate 5 -> 25 steps, 3 epochs (TrainingArguments' default) = 75
    text = f'{{{base}, "dataset_size": 1000, "gradient_accumulation_steps": 2}}'
    _, err = hf(cli, text, "--dataset-size", "4000", "--batch-size", "16", "--devices", "2",
                "--grad-accum", "5")  # fmt: skip
    assert "num_training_steps=75 --lr 0.001 --epochs 3 --steps-per-epoch 25" in err
    # --steps-per-epoch instead of a dataset; --epochs instead of num_train_epochs
    _, err = hf(cli, f"{{{base}}}", "--steps-per-epoch", "50", "--epochs", "2")
    assert "num_training_steps=100 --lr 0.001 --epochs 2 --steps-per-epoch 50" in err
    # max_steps alone: one run of that many optimizer steps; it overrides --epochs
    _, err = hf(cli, f'{{{base}, "max_steps": 60}}', "--epochs", "9", "--lr", "0.5")
    assert "num_training_steps=60 --lr 0.5 --epochs 1 --steps-per-epoch 60" in err
    assert "max_steps 60 overrides --epochs, as in HF" in err


def test_hf_what_get_scheduler_passes(cli):
    # constant: HF passes neither warmup nor kwargs; constant_with_warmup: no kwargs
    text = '{"learning_rate": 1e-3, "lr_scheduler_type": "constant", "warmup_steps": 5, '
    text += '"max_steps": 10}'
    got, err = hf(cli, text)
    assert got == [1e-3] * 10
    assert "warmup ignored: HF's constant schedule has none" in err
    # inverse_sqrt gets no num_training_steps; kwargs may be JSON text
    text = '{"learning_rate": 1e-3, "lr_scheduler_type": "inverse_sqrt", "warmup_steps": 4, '
    text += '"max_steps": 10, "lr_scheduler_kwargs": "{\\"timescale\\": 2}"}'
    got, err = hf(cli, text)
    assert "hf-inverse-sqrt:num_warmup_steps=4,timescale=2 " in err
    assert got[9] == 1e-3 * (1.0 / math.sqrt((9 + 2 - 4) / 2))


# --- timm: train.py's defaults and create_scheduler_v2's arithmetic ---------------------


def test_timm_lr_from_lr_base(cli):
    # no lr: lr_base 0.1 x global batch / 256, linear for SGD, square root for Ada*/LAMB
    name = write(cli.folder, "t.yaml", "sched: step\nepochs: 4\nbatch_size: 256\n")
    _, err = run_csv(cli, name, "--devices", "2")
    assert "--lr 0.2 " in err
    assert "lr = lr_base 0.1 x (512 / 256) = 0.2 (train.py, linear scaling)" in err
    name = write(cli.folder, "t.yaml", "sched: step\nepochs: 4\nbatch_size: 64\nopt: lamb\n")
    _, err = run_csv(cli, name)
    assert "--lr 0.05 " in err  # 0.1 x sqrt(64 / 256)


def test_timm_run_length(cli):
    # cosine: cycles (t_initial x cycle_limit) + cooldown; warmup_prefix adds the warmup
    text = "sched: cosine\nepochs: 10\nlr: 0.1\nwarmup_epochs: 2\nwarmup_prefix: true\n"
    text += "lr_cycle_limit: 2\ncooldown_epochs: 3\n"
    got, err = run_csv(cli, write(cli.folder, "t.yaml", text))
    assert len(got) == 10 * 2 + 2 + 3
    assert got[-3:] == [0.0, 0.0, 0.0]  # cooldown at min_lr
    # step: epochs, plus the warmup with warmup_prefix; cooldown does not apply
    text = "sched: step\nepochs: 10\nlr: 0.1\nwarmup_epochs: 2\nwarmup_prefix: true\n"
    text += "cooldown_epochs: 3\ndecay_epochs: 4\n"
    got, err = run_csv(cli, write(cli.folder, "t.yaml", text))
    assert len(got) == 12
    assert "cooldown_epochs ignored" in err
    assert got[2:] == [0.1] * 4 + [0.1 * 0.1] * 4 + [0.1 * 0.1 * 0.1] * 2


# --- Lightning -------------------------------------------------------------------------

PL = "optimizer: {class_path: torch.optim.SGD, init_args: {lr: 0.1}}\n"


def test_lightning_defaults_and_class_names(cli):
    # no trainer.max_epochs: Lightning's default, 1000 epochs; a bare class name works
    text = PL + "lr_scheduler: {class_path: StepLR, init_args: {step_size: 300}}\n"
    got, err = run_csv(cli, write(cli.folder, "p.yaml", text))
    assert len(got) == 1000
    assert "trainer.max_epochs not given: Lightning's default, 1000 epochs" in err
    # LightningCLI's ReduceLROnPlateau names its metric in init_args (monitor)
    text = PL + "trainer: {max_epochs: 5}\nlr_scheduler:\n  class_path: "
    text += "lightning.pytorch.cli.ReduceLROnPlateau\n  init_args: {monitor: val_loss, patience: 1}"
    _, err = run_csv(cli, write(cli.folder, "p.yaml", text))
    assert "lrplot compare plateau:patience=1 --lr 0.1 --epochs 5" in err
    # OneCycleLR sets the LR itself: no optimizer lr needed
    text = "trainer: {max_epochs: 10}\nlr_scheduler: {scheduler: {class_path: OneCycleLR, "
    text += "init_args: {max_lr: 1.0, total_steps: 10}}}\n"
    got, _ = run_csv(cli, write(cli.folder, "p.yaml", text))
    assert got[0] == pytest.approx(1.0 / 25)


# --- refused, with one line that names the file and the key ----------------------------

HF = '"learning_rate": 1e-3, "max_steps": 10'
TIMM = "sched: cosine\nepochs: 10\nlr: 0.1\n"
MM = (
    "optim_wrapper: {optimizer: {type: SGD, lr: 0.1}}\n"
    "train_cfg: {type: EpochBasedTrainLoop, max_epochs: 10}\n"
)
BAD = [
    # HuggingFace
    ("c.json", '{"learning_rate": 1e-3, "lr_scheduler_type": "cosinus"}', (),
     ["c.json: lr_scheduler_type: unknown value 'cosinus'", "did you mean 'cosine'"]),
    ("c.json", f'{{{HF}, "lr_scheduler_type": "reduce_lr_on_plateau"}}', (),
     ["c.json: lr_scheduler_type: 'reduce_lr_on_plateau' is not supported"]),
    ("c.json", '{"learning_rate": 1e-3, "num_train_epochs": 3}', (),
     ["c.json: num_train_epochs: counting optimizer steps needs the training set's size",
      "--dataset-size"]),
    ("c.json", f'{{{HF}, "lr_scheduler_kwargs": {{"num_warmup_steps": 5}}}}', (),
     ["c.json: lr_scheduler_kwargs.num_warmup_steps: conflicts with the num_warmup_steps "
      "the Trainer passes itself"]),
    ("c.json", f'{{{HF}, "lr_scheduler_type": "cosine", "lr_scheduler_kwargs": {{"cycles": 2}}}}',
     (), ["c.json: lr_scheduler_kwargs.cycles: cosine takes no argument 'cycles'",
          "num_cycles"]),
    ("c.json", f'{{{HF}, "lr_scheduler_kwargs": "num_cycles=2"}}', (),
     ["c.json: lr_scheduler_kwargs: is text but not JSON"]),
    ("c.json", f'{{{HF}, "lr_scheduler_type": "polynomial", '
     '"lr_scheduler_kwargs": {"lr_end": 0.1}}', (),
     ["c.json: lr_scheduler_kwargs.lr_end: polynomial needs lr_end (0.1) below the learning "
      "rate (0.001)"]),
    ("c.json", f'{{{HF}, "lr_sheduler_type": "cosine"}}', (),
     ["c.json: lr_sheduler_type: unknown key; did you mean 'lr_scheduler_type'?"]),
    ("c.json", '{"learning_rate": 0, "max_steps": 10}', (),
     ["c.json: learning_rate: must be a number > 0, got '0'"]),
    ("c.json", '{"learning_rate": 1e-3, "num_train_epochs": 1, "dataset_size": 100}',
     ("--steps-per-epoch", "5"), ["c.json: dataset_size: give the dataset size or "
                                  "--steps-per-epoch, not both"]),
    ("c.json", f'{{{HF}}}', ("--warmup", "5"),
     ["invalid value for --warmup: applies to lrplot configs only: c.json is a hf config"]),
    # timm
    ("t.yaml", "sched: cosin\n", (), ["t.yaml: sched: unknown value 'cosin'"]),
    ("t.yaml", "sched: wsd\n", (), ["t.yaml: sched: 'wsd' is not supported"]),
    ("t.yaml", TIMM + "sched_on_updates: true\n", (),
     ["t.yaml: sched_on_updates: stepping per update needs the updates per epoch"]),
    ("t.yaml", TIMM + "sched_on_updates: true\nt_in_epochs: true\ndataset_size: 1000\n", (),
     ["t.yaml: t_in_epochs: conflicts with sched_on_updates: true"]),
    ("t.yaml", TIMM + "lr_noise: [0.4, 0.9]\n", (), ["t.yaml: lr_noise: not supported"]),
    ("t.yaml", "sched: plateau\nsched_on_updates: true\ndataset_size: 100\nbatch_size: 10\n", (),
     ["t.yaml: sched_on_updates: timm's plateau scheduler steps per epoch only"]),
    ("t.yaml", "sched: poly\nmin_lr: 0.001\n", (),
     ["t.yaml: min_lr: not supported with sched poly"]),
    ("t.yaml", "sched: step\nlr: 0.1\nwarmup_lr: 0.5\n", (),
     ["t.yaml: warmup_lr: not supported: warmup_lr 0.5 is above lr 0.1"]),
    ("t.yaml", "sched: multistep\ndecay_milestones: [60, 30]\n", (),
     ["t.yaml: decay_milestones: must be increasing"]),
    ("t.yaml", TIMM + "warmup_epoch: 3\n", (),
     ["t.yaml: warmup_epoch: unknown key; did you mean 'warmup_epochs'?"]),
    ("t.yaml", "sched: cosine\nepochs: ten\n", (), ["t.yaml: epochs: must be an integer"]),
    # Lightning
    ("p.yaml", PL + "lr_scheduler: {scheduler: {class_path: CosineAnnealingLR, init_args: "
     "{T_max: 10}}, frequency: 2}\ntrainer: {max_epochs: 4}\n", (),
     ["p.yaml: lr_scheduler.frequency: not supported: CosineAnnealingLR stepped every 2 "
      "epochs"]),
    ("p.yaml", PL + "lr_scheduler: {scheduler: {class_path: StepLR, init_args: "
     "{step_size: 2}}, interval: step, frequency: 2}\ntrainer: {max_epochs: 4}\n",
     ("--steps-per-epoch", "5"), ["p.yaml: lr_scheduler.frequency: not supported: 5 steps per "
                                  "epoch are not a multiple of 2"]),
    ("p.yaml", PL + "lr_scheduler: {scheduler: {class_path: StepLR, init_args: "
     "{step_size: 2}}, interval: step, frequency: 2}\n"
     "trainer: {max_epochs: 4, accumulate_grad_batches: 2}\n", ("--steps-per-epoch", "4"),
     ["p.yaml: lr_scheduler.frequency: not supported with accumulate_grad_batches > 1"]),
    ("p.yaml", PL + "lr_scheduler: {scheduler: {class_path: StepLR, init_args: "
     "{step_size: 2}}, interval: step}\ntrainer: {max_epochs: 4}\n", (),
     ["p.yaml: lr_scheduler.interval: interval step needs the optimizer steps per epoch"]),
    ("p.yaml", PL + "lr_scheduler: {scheduler: {class_path: StepLR, init_args: "
     "{step_size: 2}}, intervall: step}\n", (),
     ["p.yaml: lr_scheduler.intervall: unknown key; did you mean 'interval'?"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: StepLR, init_args: {step_size: 2}}\n"
     "trainer: {max_steps: 7}\n", ("--steps-per-epoch", "5"),
     ["p.yaml: trainer.max_steps: not supported: 7 steps end inside an epoch of 5 steps"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: CosineAnnealingLR, init_args: {T_maxx: 3}}\n",
     (), ["p.yaml: lr_scheduler.init_args.T_maxx: CosineAnnealingLR takes no argument 'T_maxx'",
          "T_max"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: CosineAnnealingLR, init_args: {T_max: 0}}\n",
     (), ["p.yaml: lr_scheduler.init_args: cosine: t_max must be"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: my_project.schedulers.WarmupCosine}\n", (),
     ["p.yaml: lr_scheduler.class_path: not supported: 'my_project.schedulers.WarmupCosine' is "
      "not a torch.optim.lr_scheduler class"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: CosineAnnealingLr}\n", (),
     ["p.yaml: lr_scheduler.class_path: unknown scheduler class 'CosineAnnealingLr'",
      "did you mean 'CosineAnnealingLR'"]),
    ("p.yaml", PL + "lr_scheduler: {class_path: LambdaLR, init_args: {lr_lambda: "
     "'lambda epoch: 0.95 ** epoch'}}\n", (),
     ["p.yaml: lr_scheduler.init_args.lr_lambda: is Python code"]),
    ("p.yaml", "lr_scheduler: {class_path: StepLR, init_args: {step_size: 2}}\n", (),
     ["p.yaml: optimizer.init_args.lr: missing"]),
    # mmengine
    ("m.yaml", MM + "param_scheduler: [{type: LinearLRR}]\n", (),
     ["m.yaml: param_scheduler[0].type: unknown scheduler type 'LinearLRR'",
      "did you mean 'LinearLR'"]),
    ("m.yaml", MM + "param_scheduler: [{type: OneCycleLR, eta_max: 0.1}]\n", (),
     ["m.yaml: param_scheduler[0].type: 'OneCycleLR' is not supported"]),
    ("m.yaml", MM + "param_scheduler: [{type: CosineAnnealingLR, eta_min: 0.1, "
     "eta_min_ratio: 0.1}]\n", (),
     ["m.yaml: param_scheduler[0].eta_min_ratio: conflicts with eta_min"]),
    ("m.yaml", MM + "param_scheduler: [{type: StepLR, step_size: 2, gama: 0.5}]\n", (),
     ["m.yaml: param_scheduler[0].gama: StepLR takes no argument 'gama'"]),
    ("m.yaml", MM + "param_scheduler: [{type: StepLR}]\n", (),
     ["m.yaml: param_scheduler[0].step_size: missing"]),
    ("m.yaml", MM + "param_scheduler: [{type: LinearLR, end: 3}, "
     "{type: CosineAnnealingLR, begin: 2}]\n", (),
     ["m.yaml: param_scheduler[1]: not supported: its range [2, 10) overlaps "
      "param_scheduler[0]'s [0, 3)"]),
    ("m.yaml", MM + "param_scheduler: [{type: LinearLR, end_factor: 0.5, end: 3}, "
     "{type: CosineAnnealingLR, begin: 3}]\n", (),
     ["m.yaml: param_scheduler[1]: not supported: mmengine's CosineAnnealingLR at step 3 "
      "continues from the LR the schedulers before it left (0.5 x lr)"]),
    ("m.yaml", MM + "param_scheduler: [{type: LinearLR, by_epoch: false, end: 3}, "
     "{type: CosineAnnealingLR}]\n", ("--steps-per-epoch", "4"),
     ["m.yaml: param_scheduler[1].by_epoch: not supported: a per-epoch CosineAnnealingLR"]),
    ("m.yaml", MM + "param_scheduler: [{type: CosineAnnealingLR, end: 5}, "
     "{type: ExponentialLR, gamma: 0.9}]\n", (),
     ["m.yaml: param_scheduler[0]: not supported: CosineAnnealingLR stops at 5"]),
    ("m.yaml", MM + "param_scheduler: [{type: LinearLR, by_epoch: false, end: 3}]\n", (),
     ["m.yaml: param_scheduler: per-iteration schedulers need the iterations per epoch"]),
    ("m.yaml", MM + "param_scheduler: [{type: LinearLR, end: 3}, {type: PolyLR, "
     "eta_min: 0.001, begin: 3}]\n", (),
     ["m.yaml: param_scheduler[1]: not supported: PolyLR with eta_min > 0 together with"]),
    ("m.yaml", "optim_wrapper: {optimizer: {lr: 0.1}}\nparam_scheduler: [{type: LinearLR}]\n",
     (), ["m.yaml: train_cfg: missing"]),
    ("m.yaml", MM + "param_scheduler: {generator: [{type: LinearLR}]}\n", (),
     ["m.yaml: param_scheduler: not supported: schedulers of several optimizers"]),
    ("m.py", "param_scheduler = [dict(type='LinearLR')]\n", (),
     ["m.py: Python configs are not read (lrplot never runs a config)", "Config.fromfile"]),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "args", "fragments"), BAD, ids=lambda v: str(v)[:30])
def test_refused_with_one_line(cli, name, text, args, fragments):
    write(cli.folder, name, text)
    line = cli.fail("run", name, *args, "--csv", "out.csv", "-o", "out.png", fragments=fragments)
    assert f"Error: {name}" in line or "--warmup" in line
    assert cli.files() == {name}  # nothing written


# --- configs are data ------------------------------------------------------------------

CODE = "__import__('pathlib').Path('pwned').touch()"
PYTHONISH = [
    ("c.json", json.dumps({"learning_rate": CODE, "max_steps": 5}), "learning_rate"),
    ("c.json", json.dumps({"lr_scheduler_type": CODE, "max_steps": 5}), "lr_scheduler_type"),
    ("c.json", json.dumps({"learning_rate": 0.1, "max_steps": 5, "lr_scheduler_kwargs": CODE}),
     "lr_scheduler_kwargs"),
    ("c.json", json.dumps({"learning_rate": 0.1, "max_steps": 5, "lr_scheduler_type": "cosine",
                           "lr_scheduler_kwargs": {"num_cycles": CODE}}), "num_cycles"),
    ("t.yaml", f'sched: "{CODE}"\n', "sched"),
    ("t.yaml", f'sched: cosine\nlr: "{CODE}"\n', "lr"),
    ("t.yaml", f'sched: cosine\nopt: "{CODE}"\nlr_base_scale: "{CODE}"\n', "lr_base_scale"),
    ("p.yaml", f'lr_scheduler: {{class_path: "{CODE}"}}\n', "class_path"),
    ("p.yaml", PL + f'lr_scheduler: {{class_path: StepLR, init_args: {{step_size: "{CODE}"}}}}\n',
     "step_size"),
    ("p.yaml", PL + f'lr_scheduler: {{class_path: "torch.optim.lr_scheduler.{CODE}"}}\n',
     "class_path"),
    ("m.yaml", MM + f'param_scheduler: [{{type: "{CODE}"}}]\n', "type"),
    ("m.yaml", f'optim_wrapper: {{optimizer: {{lr: "{CODE}"}}}}\n'
     "param_scheduler: [{type: StepLR, step_size: 2}]\n", "optimizer.lr"),
    ("t.yaml", "sched: !!python/object/apply:pathlib.Path ['pwned']\n", "invalid YAML"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "key"), PYTHONISH, ids=lambda v: str(v)[:40])
def test_python_looking_values_are_data(cli, name, text, key):
    write(cli.folder, name, text)
    line = cli.fail("run", name, fragments=[f"Error: {name}: ", key])
    assert "pwned" not in {p.name for p in cli.folder.iterdir()}
    assert "Traceback" not in line


def test_yaml_stays_optional(cli, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    name = write(cli.folder, "t.yaml", TIMM)
    cli.fail("run", name, fragments=["t.yaml: YAML configs need PyYAML (pip install pyyaml)"])
    cli.ok("run", str(SAMPLES / "hf_trainer.json"), "-q")  # JSON needs nothing


# --- the command line's run options ----------------------------------------------------


def test_run_options_replace_a_config_s(cli):
    # lrplot's own config
    got, _ = run_csv(cli, str(SAMPLES / "step.toml"), "--epochs", "3", "--lr", "1")
    assert got == [1.0, 1.0, 1.0]
    # a framework's: Lightning without an optimizer lr, and mmengine's max_epochs
    text = "lr_scheduler: {class_path: StepLR, init_args: {step_size: 2}}\ntrainer: {max_epochs: 9}"
    got, err = run_csv(cli, write(cli.folder, "p.yaml", text), "--lr", "1", "--epochs", "4")
    assert got == [1.0, 1.0, 0.1, 0.1]
    assert err.endswith("lrplot compare step:step_size=2 --lr 1 --epochs 4\n")
    got, _ = run_csv(cli, str(SAMPLES / "mmengine.json"), "--epochs", "7")
    assert len(got) == 7
    cli.fail("run", str(SAMPLES / "mmengine.json"), "--epochs", "0", fragments=["--epochs"])


def test_mmengine_details(cli):
    # a registry scope is a prefix; momentum schedulers do not touch the LR; a scheduler
    # that begins after the run is left out
    text = MM + "param_scheduler:\n  - {type: mmpretrain.StepLR, step_size: 4, gamma: 0.5}\n"
    text += "  - {type: CosineAnnealingMomentum, T_max: 10}\n"
    text += "  - {type: ExponentialLR, gamma: 0.5, begin: 20, end: 30}\n"
    got, err = run_csv(cli, write(cli.folder, "m.yaml", text))
    assert got == [0.1] * 4 + [0.05] * 4 + [0.025] * 2
    assert "#   param_scheduler[1]: CosineAnnealingMomentum schedules momentum" in err
    assert "#   param_scheduler[2]: ExponentialLR begins at 20, after the run: left out" in err
    assert err.endswith("lrplot compare step:step_size=4,gamma=0.5 --lr 0.1 --epochs 10\n")
