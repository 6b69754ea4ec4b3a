"""The training plan (dataset, batch, devices, accumulation -> steps per epoch) and
durations with units (500 scheduler steps, 3ep, 10%)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import read_csv, trace
from hypothesis import given, settings
from hypothesis import strategies as st

from lrplot import engine, plan
from lrplot.engine import RunSettings
from lrplot.params import INT, INT_LIST, LrplotError, Param, ParamError
from lrplot.plan import Plan
from lrplot.schedules import REGISTRY
from lrplot.schedules.warmup import WARMUP_PARAMS
from lrplot.spec import load_config, parse_spec

# --- steps per epoch ----------------------------------------------------------------


def torch_ddp_batches(n: int, b: int, d: int, drop_last: bool) -> int:
    """Batches per rank: torch's DistributedSampler(drop_last) under a
    DataLoader(batch_size=b, drop_last) (torch/utils/data/distributed.py)."""
    num_samples = math.ceil((n - d) / d) if drop_last and n % d != 0 else math.ceil(n / d)
    return num_samples // b if drop_last else math.ceil(num_samples / b)


def accelerate_batches(n: int, b: int, d: int, drop_last: bool) -> int:
    """Batches per process: accelerate's BatchSamplerShard (even_batches=True, the
    default; split_batches=False) over a BatchSampler(batch_size=b, drop_last)."""
    total = n // b if drop_last else math.ceil(n / b)
    if total % d == 0:
        return total // d
    return total // d if drop_last else total // d + 1


def hf_update_steps(batches: int, accum: int) -> int:
    """transformers 5.24 Trainer.set_initial_training_values: num_update_steps_per_epoch."""
    return max(batches // accum + int(batches % accum > 0), 1)


def test_batches_and_steps_match_torch_accelerate_and_hf():
    for n in range(1, 130):
        for b in range(1, 10):
            for d in range(1, 5):
                for drop_last in (False, True):
                    expected = torch_ddp_batches(n, b, d, drop_last)
                    assert accelerate_batches(n, b, d, drop_last) == expected
                    if expected == 0:  # drop_last and not one full batch: an error
                        continue
                    for a in (1, 2, 3, 7):
                        p = Plan(n, b, d, a, drop_last)
                        assert p.batches_per_epoch == expected, (n, b, d, drop_last)
                        assert p.steps_per_epoch == hf_update_steps(expected, a), (n, b, d, a)


@pytest.mark.parametrize(
    ("plan_args", "batches", "steps"),
    [
        ((50_000, 64, 2, 4, False), 391, 98),  # 390.6 batches: the last kept, padded
        ((50_000, 64, 2, 4, True), 390, 98),  # 97.5 windows: the last, half one steps too
        ((50_000, 64, 1, 1, False), 782, 782),
        ((50_000, 64, 1, 1, True), 781, 781),
        ((60_000, 100, 1, 1, False), 600, 600),  # divisible: drop_last changes nothing
        ((60_000, 100, 1, 1, True), 600, 600),
        ((60_000, 100, 4, 3, False), 150, 50),
        ((1000, 32, 1, 1, False), 32, 32),
        ((1000, 32, 1, 1, True), 31, 31),
        ((10, 3, 3, 1, False), 2, 2),
        ((10, 3, 3, 1, True), 1, 1),
        ((7, 8, 1, 5, False), 1, 1),  # one partial batch, one (partial) accumulation
        ((1_281_167, 256, 8, 1, False), 626, 626),  # ImageNet on 8 devices
        ((1_281_167, 256, 8, 1, True), 625, 625),
        ((1_281_167, 32, 8, 4, False), 5005, 1252),
        ((1_281_167, 32, 8, 4, True), 5004, 1251),
    ],
)
def test_plan_examples(plan_args, batches, steps):
    p = Plan(*plan_args)
    assert (p.batches_per_epoch, p.steps_per_epoch) == (batches, steps)
    keys = dict(zip(plan.NAMES[: len(plan_args)], plan_args, strict=True))
    s = RunSettings.from_values({**keys, "epochs": 3})
    assert s.steps_per_epoch == steps and s.plan == p and s.total_steps == 3 * steps


def test_plan_describe():
    p = Plan(50_000, 64, 2, 4)
    assert p.describe(100) == (
        "50,000 samples / (batch 64 x 2 devices) = 391 batches/epoch (last 80 samples "
        "kept), accumulate 4 -> 98 steps/epoch (last step: 3 batches), 9,800 steps"
    )
    assert Plan(60_000, 100).describe(10) == (
        "60,000 samples / batch 100 = 600 batches/epoch, 6,000 steps"
    )
    assert Plan(1001, 100, drop_last=True).describe(2) == (
        "1,001 samples / batch 100 = 10 batches/epoch (last 1 sample dropped), 20 steps"
    )
    assert Plan(800, 100, 1, 4).describe(1) == (
        "800 samples / batch 100 = 8 batches/epoch, accumulate 4 -> 2 steps/epoch, 2 steps"
    )


def test_run_settings_with_a_plan():
    s = RunSettings.from_values(
        {"dataset_size": "1000", "batch_size": "32", "drop_last": "true", "epochs": 2}
    )
    assert (s.steps_per_epoch, s.total_steps, s.plan) == (31, 62, Plan(1000, 32, 1, 1, True))
    assert RunSettings.from_values({"epochs": 2}).plan is None
    # steps_per_epoch and a plan: fine when they agree
    agree = {"dataset_size": 100, "batch_size": 10, "steps_per_epoch": 10}
    assert RunSettings.from_values(agree).steps_per_epoch == 10
    with pytest.raises(LrplotError) as info:
        RunSettings.from_values({**agree, "steps_per_epoch": 9})
    assert str(info.value) == (
        "steps_per_epoch 9 disagrees with the plan (100 samples / batch 10 = 10 "
        "batches/epoch): give one or the other"
    )
    # keys at their defaults need no plan; others do
    assert RunSettings.from_values({"devices": 1, "grad_accum": 1, "drop_last": False}).plan is None
    with pytest.raises(LrplotError, match=r"^grad_accum needs dataset_size and batch_size too"):
        RunSettings.from_values({"grad_accum": 2, "steps_per_epoch": 10})
    with pytest.raises(LrplotError, match=r"^dataset_size needs batch_size too"):
        RunSettings.from_values({"dataset_size": 10})
    with pytest.raises(LrplotError, match="less than one batch of 128 samples"):
        RunSettings.from_values(
            {"dataset_size": 100, "batch_size": 64, "devices": 2, "drop_last": True}
        )
    with pytest.raises(LrplotError, match="at most 100000000"):
        RunSettings.from_values({"dataset_size": 10**12, "batch_size": 1})
    for key in ("dataset_size", "batch_size", "devices", "grad_accum"):
        for bad in (0, -1, "x", 1.5):
            with pytest.raises(ParamError, match=f"^{key} must be an integer >= 1"):
                RunSettings.from_values({"dataset_size": 10, "batch_size": 1, key: bad})


# --- the command line ---------------------------------------------------------------

PLAN = ["--dataset-size", "50000", "--batch-size", "64", "--devices", "2", "--grad-accum", "4"]
PLAN_LINE = (
    "plan: 50,000 samples / (batch 64 x 2 devices) = 391 batches/epoch (last 80 samples "
    "kept), accumulate 4 -> 98 steps/epoch (last step: 3 batches), 9,800 steps"
)


def test_cli_table_header_shows_the_plan(cli):
    out = cli.ok("cosine", "--t-max", "100%", *PLAN, "--interval", "step").stdout
    lines = out.splitlines()
    assert lines[0] == (
        "CosineAnnealingLR(T_max=9800, eta_min=0)  lr=0.1, 100 epochs x 98 steps, stepped per step"
    )
    assert lines[1] == PLAN_LINE
    out = cli.ok("compare", "cosine:t_max=100%", "step:step_size=30ep", *PLAN, "--epochs", "100")
    assert out.stdout.splitlines()[1] == PLAN_LINE
    # without a plan there is no plan line
    assert "plan:" not in cli.ok("cosine", "--t-max", "5", "--epochs", "5").stdout


def test_cli_csv_rows_follow_the_plan(cli):
    args = ["--dataset-size", "1000", "--batch-size", "32", "--epochs", "3", "--csv", "-"]
    header, rows = read_csv(cli.ok("cosine", "--t-max", "3", *args).stdout)
    assert header == ["step", "epoch", "lr"] and len(rows) == 3 * 32
    assert [int(r[1]) for r in rows] == [i // 32 for i in range(96)]
    _, rows = read_csv(cli.ok("cosine", "--t-max", "3", *args, "--drop-last").stdout)
    assert len(rows) == 3 * 31
    _, rows = read_csv(cli.ok("cosine", "--t-max", "3", *args, "--no-drop-last").stdout)
    assert len(rows) == 3 * 32
    _, rows = read_csv(cli.ok("cosine", "--t-max", "3", *args, "--grad-accum", "5").stdout)
    assert len(rows) == 3 * 7  # ceil(32 / 5)
    # the plan gives the same rows as its steps per epoch given directly
    same = cli.ok(
        "cosine", "--t-max", "3", "--steps-per-epoch", "32", "--epochs", "3", "--csv", "-"
    )
    assert cli.ok("cosine", "--t-max", "3", *args).stdout == same.stdout


def test_cli_plan_errors(cli):
    for option in ("--dataset-size", "--batch-size", "--devices", "--grad-accum"):
        for bad in ("0", "-3", "1.5", "x"):
            args = ["--dataset-size", "10", "--batch-size", "2", option, bad]
            cli.fail("cosine", "--t-max", "5", *args, fragments=[option, "an integer >= 1"])
    cli.fail(
        "cosine", "--t-max", "5", "--batch-size", "64",
        fragments=["batch_size needs dataset_size too"],
    )  # fmt: skip
    cli.fail(
        "cosine", "--t-max", "5", "--dataset-size", "100", "--batch-size", "10",
        "--steps-per-epoch", "11", fragments=["steps_per_epoch 11 disagrees with the plan"],
    )  # fmt: skip
    cli.fail(
        "cosine", "--t-max", "5", "--dataset-size", "10", "--batch-size", "64", "--drop-last",
        fragments=["less than one batch", "drop_last"],
    )  # fmt: skip
    out = cli.ok("cosine", "--help").stdout
    assert "--dataset-size" in out and "--drop-last" in out and "--no-drop-last" in out


def test_chart_keeps_the_epoch_axis_and_shows_the_plan():
    from lrplot.render.plot import draw

    t = trace("cosine:t_max=100%", epochs=3, dataset_size=100, batch_size=10, interval="step")
    assert t.schedule.values["t_max"] == 30
    ax = draw([t]).axes[0]
    assert ax.get_xlabel() == "optimizer step"
    assert any(child.get_xlabel() == "epoch" for child in ax.child_axes)  # the top axis
    assert "plan: 100 samples / batch 10 = 10 batches/epoch, 30 steps" in ax.get_title()


def test_run_config_plan_and_command_line_overrides(cli):
    (cli.folder / "c.toml").write_text(
        'epochs = 2\ndataset_size = 100\nbatch_size = 10\ninterval = "step"\nwarmup = "1ep"\n'
        'schedule = "cosine:t_max=100%"\n'
    )
    cfg = load_config(cli.folder / "c.toml")
    assert cfg.settings.steps_per_epoch == 10 and cfg.settings.plan == Plan(100, 10)
    (schedule,) = cfg.schedules
    assert schedule.values["t_max"] == 20 and schedule.warmup.steps == 10
    _, rows = read_csv(cli.ok("run", "c.toml", "--csv", "-").stdout)
    assert len(rows) == 20
    # the command line's plan replaces the file's (and durations follow it)
    out = cli.ok("run", "c.toml", "--batch-size", "25", "--grad-accum", "2", "--csv", "-").stdout
    _, rows = read_csv(out)
    assert len(rows) == 2 * 2
    cfg = load_config(cli.folder / "c.toml", overrides={"batch_size": 25, "grad_accum": 2})
    assert cfg.schedules[0].values["t_max"] == 4 and cfg.schedules[0].warmup.steps == 2
    # a file's steps_per_epoch gives way to a command-line plan
    (cli.folder / "s.toml").write_text('steps_per_epoch = 7\nschedule = "cosine:t_max=5"\n')
    cfg = load_config(cli.folder / "s.toml", overrides={"dataset_size": 30, "batch_size": 10})
    assert cfg.settings.steps_per_epoch == 3
    (cli.folder / "d.toml").write_text(
        'steps_per_epoch = 7\ndataset_size = 30\nbatch_size = 10\nschedule = "cosine:t_max=5"\n'
    )
    cli.fail("run", "d.toml", fragments=["d.toml: steps_per_epoch 7 disagrees with the plan"])
    cli.fail("run", "c.toml", "--warmup", "0.25ep", "--batch-size", "50", fragments=["--warmup"])


# --- durations ----------------------------------------------------------------------


def csv_of(cli, *args: str) -> str:
    return cli.ok(*args, "--csv", "-").stdout


def test_cli_durations_equal_their_step_counts(cli):
    assert csv_of(cli, "cosine", "--t-max", "100%", "--epochs", "50") == csv_of(
        cli, "cosine", "--t-max", "50", "--epochs", "50"
    )
    per_step = ["cosine", "--t-max", "50", "--interval", "step", "--steps-per-epoch", "10"]
    assert csv_of(cli, *per_step, "--warmup", "2ep") == csv_of(cli, *per_step, "--warmup", "20")
    assert csv_of(cli, "multistep", "--milestones", "30ep,80ep") == csv_of(
        cli, "multistep", "--milestones", "30,80"
    )
    step = ["--interval", "step", "--steps-per-epoch", "5", "--epochs", "4"]
    assert csv_of(cli, "multistep", "--milestones", "1ep,50%", *step) == csv_of(
        cli, "multistep", "--milestones", "5,10", *step
    )
    assert csv_of(cli, "compare", "cosine:t_max=10%", "step:step_size=2ep", *step) == csv_of(
        cli, "compare", "cosine:t_max=2", "step:step_size=10", *step
    )
    assert csv_of(cli, "compare", "cosine:t_max=3", "--warmup", "25%") == csv_of(
        cli, "compare", "cosine:t_max=3", "--warmup", "25"
    )
    out = cli.ok("cosine", "--t-max", "100%", "--epochs", "50").stdout
    assert out.startswith("CosineAnnealingLR(T_max=50, eta_min=0)")


def run(epochs: int = 100, steps_per_epoch: int = 1, interval: str = "epoch") -> RunSettings:
    return RunSettings(epochs=epochs, steps_per_epoch=steps_per_epoch, interval=interval)


@pytest.mark.parametrize(
    ("spec", "run_", "name", "expected"),
    [
        ("cosine:t_max=90ep", run(), "t_max", 90),
        ("cosine:t_max=90ep", run(100, 10, "step"), "t_max", 900),
        ("cosine:t_max=90ep", run(100, 10, "epoch"), "t_max", 90),  # an epoch = a step
        ("cosine:t_max=100%", run(100, 10, "step"), "t_max", 1000),
        ("cosine:t_max=150%", run(10), "t_max", 15),  # beyond the run: allowed
        ("cosine:t_max=1.5ep", run(10, 4, "step"), "t_max", 6),
        ("cosine:t_max=' 3 epochs '", run(10, 2, "step"), "t_max", 6),
        ("cosine:t_max=12.5%", run(8), "t_max", 1),
        ("cosine:t_max=50%", run(7), "t_max", 4),  # 3.5: halves round up
        ("cosine:t_max=50%", run(5), "t_max", 3),  # 2.5 -> 3 (not banker's 2)
        ("cosine:t_max=10%", run(7), "t_max", 1),  # 0.7 -> 1
        ("step:step_size=2EP", run(10, 3, "step"), "step_size", 6),
        ("multistep:milestones=[30ep,80ep]", run(), "milestones", (30, 80)),
        ("multistep:milestones=[10%,5,1ep]", run(20, 2, "step"), "milestones", (4, 5, 2)),
        ("plateau:patience=10%,cooldown=1ep", run(50), "patience", 5),
        ("plateau:patience=10%,cooldown=1ep", run(5, 4, "step"), "cooldown", 4),
        ("linear:total_iters=5%", run(100), "total_iters", 5),
        ("cosine-restarts:t_0=1ep", run(10, 8, "step"), "t_0", 8),
        (
            "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=1ep,step_size_down=2ep",
            run(5, 3, "step"),
            "step_size_down",
            6,
        ),
        ("onecycle:max_lr=0.1,total_steps=100%", run(10, 3, "step"), "total_steps", 30),
        ("hf-linear:num_warmup_steps=5%,num_training_steps=100%", run(40), "num_warmup_steps", 2),
        ("hf-inverse-sqrt:timescale=2ep", run(10, 5, "step"), "timescale", 10),
        (
            "hf-wsd:num_decay_steps=20%,num_stable_steps=1ep",
            run(10, 5, "step"),
            "num_decay_steps",
            10,
        ),
        ("timm-cosine:t_initial=100%,warmup_t=1ep", run(10, 3, "step"), "warmup_t", 3),
        (
            "sequential:schedulers=[linear:total_iters=1ep; cosine:t_max=90%],milestones=[1ep]",
            run(10, 4, "step"),
            "milestones",
            (4,),
        ),
    ],
)
def test_spec_durations(spec, run_, name, expected):
    schedule = parse_spec(spec, run=run_)
    assert schedule.values[name] == expected


def test_children_durations_count_the_whole_run():
    s = parse_spec(
        "sequential:schedulers=[linear:total_iters=1ep; cosine:t_max=90%],milestones=[1ep]",
        run=run(10, 4, "step"),
    )
    first, second = s.values["schedulers"]
    assert first.values["total_iters"] == 4 and second.values["t_max"] == 36
    # the SPEC (and label, title) show the resolved step counts: it rebuilds the same
    assert s.spec() == (
        "sequential:schedulers=[linear:total_iters=4; cosine:t_max=36],milestones=[4]"
    )
    assert parse_spec(s.spec()).values == s.values


def test_resolved_values_in_spec_label_and_title():
    s = parse_spec("cosine:t_max=100%,warmup=10%", run=run(50))
    assert s.spec() == "cosine:t_max=50,warmup=5" == s.label
    assert s.title() == "warmup 5 (linear, prefix) + CosineAnnealingLR(T_max=50, eta_min=0)"
    assert parse_spec("cosine:t_max=100%,label=whole", run=run(50)).label == "whole"


def test_durations_give_the_same_lr_as_step_counts():
    a = trace("multistep:milestones=[25%,3ep]", epochs=4, steps_per_epoch=5, interval="step")
    b = trace("multistep:milestones=[5,15]", epochs=4, steps_per_epoch=5, interval="step")
    assert np.array_equal(a.lr, b.lr)


def test_config_durations(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(
        'epochs = 10\nsteps_per_epoch = 4\ninterval = "step"\nwarmup = "10%"\n'
        '[[schedules]]\ntype = "multistep"\nmilestones = ["2ep", "50%", 3]\n'
        '[[schedules]]\ntype = "cosine"\nt_max = "10ep"\nwarmup = "1ep"\n'
        '[[schedules]]\ntype = "sequential"\nmilestones = ["1ep"]\n'
        'schedulers = [{type = "linear", total_iters = "1ep"}, "cosine:t_max=90%"]\n'
    )
    multistep, cosine, sequential = load_config(path).schedules
    assert multistep.values["milestones"] == (8, 20, 3) and multistep.warmup.steps == 4
    assert cosine.values["t_max"] == 40 and cosine.warmup.steps == 4
    assert sequential.values["milestones"] == (4,)
    assert [c.values.get("t_max", c.values.get("total_iters")) for c in sequential.values[
        "schedulers"
    ]] == [4, 36]  # fmt: skip
    path.write_text('epochs = 10\nschedule = "cosine:t_max=1.5ep"\n')
    with pytest.raises(LrplotError) as info:
        load_config(path)
    assert "c.toml: schedules[0]" in str(info.value) and "t_max=1.5ep is 1.5 scheduler" in str(
        info.value
    )


@pytest.mark.parametrize(
    ("spec", "run_", "message"),
    [
        (
            "cosine:t_max=1.5ep",
            run(10),
            "t_max=1.5ep is 1.5 scheduler steps (1 epoch = 1 "
            "scheduler step with interval epoch): give a whole number of steps",
        ),
        (
            "cosine:t_max=0.3ep",
            run(10, 4, "step"),
            "t_max=0.3ep is 1.2 scheduler steps (1 "
            "epoch = 4 scheduler steps): give a whole number of steps",
        ),
        (
            "cosine:t_max=1%",
            run(10),
            "t_max must be a step count >= 1, or epochs (3ep) or a "
            "percentage of the run (10%), got '1%' (0 scheduler steps)",
        ),
        ("cosine:t_max=0ep", run(10), "got '0ep' (0 scheduler steps)"),
        ("cosine:t_max=3xp", run(10), "t_max must be a step count >= 1, or epochs (3ep)"),
        ("cosine:t_max=-3ep", run(10), "got '-3ep'"),
        ("cosine:t_max=1e3ep", run(10), "got '1e3ep'"),
        ("cosine:t_max=ep", run(10), "got 'ep'"),
        ("cosine:t_max=" + "9" * 5000 + "ep", run(10), "t_max must be a step count"),
        ("cosine:t_max=%", run(10), "got '%'"),
        ("cosine:t_max=3ep%", run(10), "got '3ep%'"),
        (
            "multistep:milestones=[3,-1%]",
            run(10),
            "milestones must be a comma list of step "
            "counts >= 0, or epochs (30ep) or percentages of the run (30%), got '[3,-1%]'",
        ),
        ("multistep:milestones=[3,0.5ep]", run(10), "milestones=0.5ep is 0.5 scheduler steps"),
        ("cosine:t_max=5,warmup=1.5ep", run(10), "warmup=1.5ep is 1.5 scheduler steps"),
        (
            "cosine:t_max=99999999999999999ep",
            run(10, 1000, "step"),
            "t_max=99999999999999999ep is too long",
        ),
    ],
)
def test_bad_durations(spec, run_, message):
    with pytest.raises(LrplotError) as info:
        parse_spec(spec, run=run_)
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_durations_need_a_run():
    cosine = REGISTRY["cosine"]
    assert cosine.build({"t_max": 7}).values["t_max"] == 7  # plain step counts: as ever
    assert cosine.build({"t_max": "7"}).values["t_max"] == 7
    with pytest.raises(ParamError) as info:
        cosine.build({"t_max": "3ep"})
    assert str(info.value) == (
        "cosine: t_max=3ep needs a run to count scheduler steps (epochs, steps per epoch, "
        "interval): give a plain number of scheduler steps, or build the schedule with "
        "run=RunSettings(...)"
    )
    assert info.value.name == "t_max"
    with pytest.raises(LrplotError, match="warmup=10% needs a run"):
        parse_spec("cosine:t_max=5,warmup=10%")
    with pytest.raises(LrplotError, match=r"schedulers\[1\]: .*t_max=9ep needs a run"):
        parse_spec("sequential:schedulers=[linear; cosine:t_max=9ep],milestones=[5]")


def test_cli_duration_errors(cli):
    cli.fail(
        "cosine", "--t-max", "1.5ep", "--epochs", "10",
        fragments=["invalid value for --t-max: t_max=1.5ep is 1.5 scheduler steps"],
    )  # fmt: skip
    cli.fail("cosine", "--t-max", "3xp", fragments=["--t-max", "got '3xp'", "epochs (3ep)"])
    cli.fail("multistep", "--milestones", "1,2x", fragments=["--milestones", "got '1,2x'"])
    cli.fail(
        "compare", "cosine:t_max=5", "--warmup", "0.5ep",
        fragments=["--warmup", "warmup=0.5ep is 0.5 scheduler steps"],
    )  # fmt: skip
    cli.fail("compare", "cosine:t_max=0%", fragments=["SPEC 'cosine:t_max=0%'", "got '0%'"])
    out = cli.ok("cosine", "--help").stdout
    assert "STEPS" in out and "epochs (3ep)" in out


# every parameter that counts scheduler steps takes durations
LENGTHS = {
    "step_size", "milestones", "t_max", "patience", "cooldown", "total_iters", "t_0",
    "step_size_up", "step_size_down", "total_steps", "num_warmup_steps", "num_training_steps",
    "timescale", "num_decay_steps", "num_stable_steps", "t_initial", "warmup_t", "warmup",
    "anneal_epochs", "warmup_num_steps", "total_num_steps", "cycle_first_step_size",
    "cycle_second_step_size", "decay_step_size", "lr_range_test_step_size",
}  # fmt: skip


def test_every_step_count_is_a_length():
    declared = [p for d in REGISTRY.values() for p in d.params] + list(WARMUP_PARAMS)
    flagged = {p.name for p in declared if p.length}
    assert flagged == LENGTHS
    for p in declared:
        assert not p.length or p.kind in (INT, INT_LIST)
    counts = {p.name for p in declared if p.kind in (INT, INT_LIST) and not p.length}
    # counts, not lengths (DeepSpeed's stair counts: stairs per half cycle; megatron's
    # lengths count samples, increment a step, not steps)
    assert counts == {
        "t_mult",
        "cycle_limit",
        "cycle_first_stair_count",
        "cycle_second_stair_count",
        "lr_decay_steps",
        "wsd_decay_steps",
        "increment",
    }
    for p in engine.PARAMS:
        assert not p.length


# --- fuzz ---------------------------------------------------------------------------

DURATION_CHARS = st.sampled_from(list("0123456789.%epochsEPx -+e_,[]"))
T_MAX = REGISTRY["cosine"].param("t_max")
MILESTONES = REGISTRY["multistep"].param("milestones")
RUNS = st.builds(
    run,
    st.integers(1, 1000),
    st.integers(1, 1000),
    st.sampled_from(["epoch", "step"]),
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text(DURATION_CHARS, max_size=14), RUNS)
def test_duration_strings_give_a_value_or_one_line_error(text, settings_):
    for param in (T_MAX, MILESTONES, Param("x", INT, "x", 0, low=0, length=True)):
        try:
            value = param.parse(text, settings_)
        except LrplotError as err:
            message = str(err)
            assert message and "\n" not in message
            assert param.name in message
            continue
        if param.kind == INT:
            assert isinstance(value, int) and value >= param.low
        else:
            assert all(isinstance(v, int) and v >= 0 for v in value)


@settings(max_examples=200, deadline=None, database=None)
@given(st.integers(0, 10**6), st.sampled_from(["ep", "%"]), RUNS)
def test_duration_arithmetic(number, unit, settings_):
    if unit == "ep":
        expected = number * (settings_.steps_per_epoch if settings_.interval == "step" else 1)
    else:  # the nearest step, halves up
        expected = (2 * number * settings_.scheduler_steps + 100) // 200
    if expected >= 1:
        assert T_MAX.parse(f"{number}{unit}", settings_) == expected
    else:
        with pytest.raises(ParamError, match=r"\(0 scheduler steps\)$"):
            T_MAX.parse(f"{number}{unit}", settings_)
