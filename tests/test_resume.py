"""Simulated resumes (lrplot.resume): bit for bit with torch 2.13 saving and loading
``state_dict()``s and rebuilding schedulers, every mode; the options of lrplot NAME,
compare, run and the API; the errors.

The goldens (tests/golden/resume/*.csv) are written by tools/goldens_resume.py.
"""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pytest
from conftest import read_csv, table_rows
from test_parity import load, through_the_api

import lrplot
from lrplot import engine
from lrplot.errors import ParamError
from lrplot.resume import MODES, every_mode, resume
from lrplot.schedules import REGISTRY
from lrplot.schedules.declare import TORCH
from lrplot.spec import parse_spec

GOLDEN = Path(__file__).resolve().parent / "golden" / "resume"
FILES = sorted(GOLDEN.glob("*.csv"))


def resumed_from(path: Path) -> tuple[lrplot.Trace, object]:
    """The golden's case through the API: lrplot.simulate with the resume options."""
    return through_the_api(path, "resume_at", "resume_mode", "resume_with")


def test_goldens_cover_every_schedule_mode_and_run():
    cases = [load(p).case for p in FILES]
    kinds = {c["schedule"] for c in cases}
    assert kinds >= {
        "step", "multistep", "exponential", "cosine", "linear", "onecycle", "cyclic",
        "cosine-restarts", "polynomial", "lambda", "sequential", "chained", "plateau",
        "hf-linear", "hf-cosine",
    }  # fmt: skip
    for kind in kinds - {"plateau"}:
        assert {c["resume_mode"] for c in cases if c["schedule"] == kind} == set(MODES), kind
    assert {c["interval"] for c in cases} == {"epoch", "step"}
    assert any(c["interval"] == "epoch" and c["steps_per_epoch"] > 1 for c in cases)
    withs = {c["resume_with"] for c in cases if c["resume_with"]}
    assert {"cosine:t_max=80", "multistep:milestones=[20,50],gamma=0.1"} <= withs
    assert any(c["params"].get("eta_min", 0) > 0 for c in cases if c["schedule"] == "cosine")
    assert len(FILES) >= 80


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_bit_for_bit_with_torch(path):
    trace, golden = resumed_from(path)
    if trace.schedule.definition.library.startswith(TORCH.split(".")[0]):
        np.testing.assert_array_equal(np.asarray(trace.lr, dtype=float), golden.lr)
    else:  # transformers' lambdas: to the last bit or within an ulp (lrplot.schedules.hf)
        np.testing.assert_allclose(trace.lr, golden.lr, rtol=1e-12, atol=0)
    if golden.momentum is not None:
        assert trace.momentum is not None
        np.testing.assert_array_equal(trace.momentum, golden.momentum)
    else:
        assert trace.momentum is None
    case = golden.case
    assert trace.resumed is not None
    assert (trace.resumed.at, trace.resumed.mode) == (case["resume_at"], case["resume_mode"])


def golden_lr(name: str) -> np.ndarray:
    return load(GOLDEN / f"{name}.csv").lr


def test_the_quirks_torch_has():
    # StepLR rebuilt with last_epoch at a milestone decays twice
    lr = golden_lr("step-01-on-milestone-last-epoch")
    assert lr[29] == 0.025 and lr[30] == 0.00625
    # fresh: the cosine starts over from the restored LR, its base LR the original one
    lr = golden_lr("cosine-01-eta0-fresh")
    assert lr[20] == golden_lr("cosine-01-eta0-restored")[20]  # the initial step keeps it
    ratio = (1 + math.cos(math.pi * 1 / 50)) / (1 + math.cos(math.pi * 0 / 50))
    assert lr[21] == ratio * (lr[20] - 0.0) + 0.0  # its step 1, on the current LR
    # restored ignores a changed t_max (the state overwrites it), not a changed lambda
    assert np.array_equal(
        golden_lr("cosine-03-with-t-max-restored"),
        lrplot.simulate("cosine:t_max=50", epochs=100).lr,
    )
    assert not np.array_equal(
        golden_lr("lambda-02-with-expr-restored"), golden_lr("lambda-01-exp-restored")
    )
    # SequentialLR resumed fresh during its cosine: the warmup runs again
    lr = golden_lr("sequential-01-warmup-cosine-fresh")
    assert lr[20] == pytest.approx(0.01) and lr[21] == pytest.approx(0.028)


def test_restored_with_the_same_schedule_is_the_run_itself():
    for spec in ("cosine:t_max=30,eta_min=0.001", "plateau", "hf-cosine:num_warmup_steps=5"):
        plain = lrplot.simulate(spec, epochs=40)
        again = lrplot.simulate(spec, epochs=40, resume_at=13)
        assert np.array_equal(plain.lr, again.lr)
        assert again.resumed is not None and again.resumed.notes == ()


def test_a_note_says_which_parameters_the_state_overwrites():
    trace = lrplot.simulate(
        "sequential:schedulers=[linear:start_factor=0.1,total_iters=5;cosine:t_max=55],"
        "milestones=[5]",
        epochs=60,
        resume_at=20,
        resume_with="sequential:schedulers=[linear:start_factor=0.1,total_iters=5;"
        "cosine:t_max=95],milestones=[5]",
    )
    assert trace.resumed is not None
    assert trace.resumed.notes == (
        "schedulers[1]: restored: the loaded state_dict overwrites t_max: PyTorch continues "
        "with t_max=55, not 95 (resume_mode fresh or last-epoch builds it with the new value)",
    )


def test_the_composition_resumers_are_the_compositions():
    for spec in (
        "sequential:schedulers=[linear:start_factor=0.1,total_iters=5;cosine:t_max=95],"
        "milestones=[5]",
        "sequential:schedulers=[constant:factor=0.5,total_iters=3;exponential:gamma=0.9;"
        "step:step_size=7],milestones=[10,10]",
        "chained:schedulers=[exponential:gamma=0.95;step:step_size=10]",
        "chained:schedulers=[cosine:t_max=20,eta_min=0.01;constant:factor=0.5,total_iters=4]",
    ):
        s = parse_spec(spec)
        expected = s.lr(120, 0.1)
        group = {"lr": 0.1, "momentum": 0.0}
        stepper = s.definition.stepper
        assert stepper is not None and s.definition.emulator is None
        built = stepper(group, s.values)
        got = [group["lr"], *built.advance(50).tolist(), *built.advance(69).tolist()]
        assert got == expected.tolist(), spec


def test_last_epoch_without_initial_lr_is_torchs_key_error():
    with pytest.raises(ParamError) as err:
        REGISTRY["step"].emulator({"lr": 0.1}, {"step_size": 3, "gamma": 0.5}, 4)  # type: ignore[misc]
    assert err.value.name == "resume_mode"
    assert str(err.value) == (
        "StepLR(last_epoch=4) needs 'initial_lr' in the optimizer's param group (PyTorch "
        "raises KeyError): load the optimizer's state first"
    )


def test_resume_takes_a_trace_and_returns_one():
    settings = engine.RunSettings(epochs=30)
    trace = engine.simulate(parse_spec("step:step_size=10,gamma=0.5"), settings)
    out = resume(trace, 10, "last-epoch")
    assert type(out) is engine.Trace and out.settings == settings
    assert out.sched_lr[9] == 0.1 and out.sched_lr[10] == 0.025  # decayed twice
    assert out.describe_run() == (
        "lr=0.1, 30 epochs; resumed at step 10 (scheduler rebuilt with last_epoch)"
    )
    after = parse_spec("cosine:t_max=20")
    fresh = resume(trace, 10, "fresh", after)
    assert fresh.describe_run().endswith("resumed at step 10 (fresh scheduler) as cosine:t_max=20")
    assert trace.sched_lr[10] == 0.05  # the trace itself is left alone


@pytest.mark.parametrize(
    ("spec", "options", "name", "message"),
    [
        (
            "cosine:t_max=10", {"resume_at": 10}, "resume_at",
            "resume_at must be between 1 and 9 (the run has 10 optimizer steps), got 10",
        ),
        (
            "cosine:t_max=10", {"resume_at": 15, "steps_per_epoch": 10}, "resume_at",
            "resume_at must fall on an epoch boundary (a multiple of steps_per_epoch=10) when "
            "the scheduler steps per epoch, got 15",
        ),
        (
            "plateau", {"resume_at": 5, "resume_mode": "last-epoch"}, "resume_mode",
            "resume_mode last-epoch: ReduceLROnPlateau takes no last_epoch; use restored or "
            "fresh",
        ),
        (
            "cosine:t_max=10", {"resume_at": 5, "resume_with": "step:step_size=3"},
            "resume_with",
            "restored loads CosineAnnealingLR's saved state: resume_with must be a cosine "
            "schedule too, got step (resume_mode fresh builds another one)",
        ),
        (
            "cosine:t_max=10", {"resume_mode": "fresh"}, "resume_mode",
            "resume_mode needs resume_at (the step the run resumes at)",
        ),
        (
            "cosine:t_max=10,warmup=2", {"resume_at": 5, "resume_mode": "fresh"}, "resume_mode",
            "a schedule with lrplot's warmup resumes only restored with its own parameters: "
            "write the warmup as sequential:schedulers=[linear...;...] to resume it fresh",
        ),
        (
            "step:step_size=3", {"resume_at": 5, "resume_mode": "fresh",
                                 "resume_with": "hf-cosine"}, "resume_with",
            "resume_with: hf-cosine (get_cosine_schedule_with_warmup) has no step-by-step model "
            "in lrplot, so it cannot be built on the restored optimizer; use one of step, "
            "multistep, exponential, cosine, linear, constant, polynomial, cosine-restarts, "
            "cyclic, onecycle, lambda, multiplicative, swa, axolotl-cosine-min-lr, "
            "axolotl-cosine-constant, axolotl-cosine-quadratic, sequential, chained",
        ),
        (
            "cosine:t_max=10", {"resume_at": 5, "resume_with": "cosine:t_max="}, "resume_with",
            "SPEC 'cosine:t_max=': cosine: t_max must be a step count >= 1, or epochs (3ep) or "
            "a percentage of the run (10%), got ''",
        ),
        (
            "chained:schedulers=[exponential:gamma=0.9;step:step_size=3]",
            {"resume_at": 5, "resume_with": "chained:schedulers=[exponential:gamma=0.9]"},
            "resume_with",
            "restored loads each child's saved state: resume_with must have the same children "
            "(exponential, step), got exponential",
        ),
    ],
)  # fmt: skip
def test_errors_name_the_option(spec, options, name, message):
    with pytest.raises(ParamError) as err:
        lrplot.simulate(spec, epochs=10, **options)
    assert err.value.name == name
    assert str(err.value) == message


def test_schedules_without_a_model_resume_only_restored():
    with pytest.raises(ParamError) as err:
        lrplot.simulate("timm-cosine:t_initial=10", epochs=10, resume_at=5, resume_mode="fresh")
    assert err.value.name == "resume_mode"
    assert str(err.value).startswith(
        "resume_mode fresh: timm-cosine (CosineLRScheduler) has no step-by-step model in "
        "lrplot; it resumes only restored (resume_mode fresh works for step, "
    )


# --- the command line ------------------------------------------------------------------


def test_cli_title_rows_and_csv(cli):
    out = cli.ok(
        "step", "--step-size", "10", "--gamma", "0.5", "--epochs", "40", "--resume-at", "30",
        "--resume-mode", "last-epoch", "--no-chart", "--all",
    ).stdout  # fmt: skip
    assert out.splitlines()[0] == (
        "StepLR(step_size=10, gamma=0.5)  lr=0.1, 40 epochs; resumed at step 30 "
        "(scheduler rebuilt with last_epoch)"
    )
    rows = table_rows(out)
    assert rows[29][:2] == ["29", "0.025"] and rows[30][:2] == ["30", "0.00625"]
    header, data = read_csv(
        cli.ok(
            "step",
            "--step-size",
            "10",
            "--epochs",
            "40",
            "--resume-at",
            "30",
            "--resume-mode",
            "fresh",
            "--csv",
            "-",
        ).stdout
    )
    assert header == ["step", "epoch", "lr"]
    lr = [float(r[2]) for r in data]
    assert lr == lrplot.simulate("step:step_size=10", epochs=40, resume_at=30,
                                 resume_mode="fresh").lr.tolist()  # fmt: skip


def test_cli_note_and_compare(cli):
    out = cli.ok(
        "cosine", "--t-max", "60", "--epochs", "60", "--resume-at", "20", "--resume-with",
        "cosine:t_max=80", "--no-chart",
    ).stdout  # fmt: skip
    assert (
        "note: restored: the loaded state_dict overwrites t_max: PyTorch continues with "
        "t_max=60, not 80 (resume_mode fresh or last-epoch builds it with the new value)"
    ) in out.splitlines()
    out = cli.ok(
        "compare", "cosine:t_max=60", "step:step_size=20", "--epochs", "60", "--resume-at",
        "20", "--resume-mode", "fresh", "--no-chart",
    ).stdout  # fmt: skip
    assert out.splitlines()[0] == (
        "2 schedules  lr=0.1, 60 epochs; resumed at step 20 (fresh scheduler)"
    )


def test_cli_run_reads_resume_keys_and_the_command_line_wins(cli):
    path = cli.folder / "r.toml"
    path.write_text(
        textwrap.dedent(
            """\
            epochs = 60
            resume_at = 20
            resume_mode = "fresh"
            schedule = "cosine:t_max=60"
            """
        ),
        encoding="utf-8",
    )
    fresh = lrplot.simulate("cosine:t_max=60", epochs=60, resume_at=20, resume_mode="fresh")
    _, data = read_csv(cli.ok("run", str(path), "--csv", "-").stdout)
    assert [float(r[2]) for r in data] == fresh.lr.tolist()
    _, data = read_csv(cli.ok("run", str(path), "--resume-mode", "last-epoch", "--csv", "-").stdout)
    rebuilt = lrplot.simulate("cosine:t_max=60", epochs=60, resume_at=20, resume_mode="last-epoch")
    assert [float(r[2]) for r in data] == rebuilt.lr.tolist()
    assert lrplot.load(path).traces[0].lr.tolist() == fresh.lr.tolist()
    line = cli.fail("run", str(path), "--resume-at", "100")
    assert line == (
        f"Error: {path}: resume_at must be between 1 and 59 (the run has 60 optimizer steps), "
        "got 100"
    )


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["cosine", "--t-max", "50", "--epochs", "60", "--resume-at", "70"],
            "Error: invalid value for --resume-at: resume_at must be between 1 and 59 (the run "
            "has 60 optimizer steps), got 70",
        ),
        (
            ["cosine", "--t-max", "50", "--resume-mode", "fresh"],
            "Error: invalid value for --resume-mode: resume_mode needs resume_at (the step the "
            "run resumes at)",
        ),
        (
            ["cosine", "--t-max", "50", "--resume-at", "10", "--resume-mode", "later"],
            "Error: invalid value for --resume-mode: resume_mode must be one of restored, "
            "fresh, last-epoch, restart, unloaded, jump, got 'later'",
        ),
        (
            ["cosine", "--t-max", "50", "--resume-at", "10", "--emit", "torch"],
            "Error: --emit writes the schedule's code, not a resume: drop --resume-at to emit it",
        ),
    ],
)
def test_cli_errors_exit_2_with_one_line(cli, args, line):
    assert cli.fail(*args) == line


@pytest.mark.parametrize(
    "spec",
    [
        "onecycle:max_lr=0.5,total_steps=300",
        "onecycle:max_lr=0.5,total_steps=300,three_phase=true,anneal_strategy=linear",
        "onecycle:max_lr=0.5,total_steps=300,cycle_momentum=false",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=7,step_size_down=3",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=10,mode=triangular2",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=10,mode=exp_range,gamma=0.99",
        "cyclic:base_lr=0.01,max_lr=0.1,step_size_up=5,step_size_down=0,cycle_momentum=false",
    ],
)
def test_the_vectorised_record_is_the_step_by_step_one(spec):
    """CyclicLR/OneCycleLR's closed forms (record, advance) against their step(), from
    the start, the middle and a rebuild with last_epoch, bit for bit."""
    s = parse_spec(spec)
    emulator = s.definition.emulator
    assert emulator is not None
    for last_epoch, done in ((-1, 0), (-1, 40), (99, 0)):
        fast_group = {"lr": 0.1, "momentum": 0.0}
        emulator(fast_group, s.values)  # the keys its constructor writes (a restored group)
        slow_group = dict(fast_group)
        fast = emulator(fast_group, s.values, last_epoch)
        slow = emulator(slow_group, s.values, last_epoch)
        fast.record(done)
        for _ in range(done):
            slow.step()
        lr, momentum = fast.record(150)
        steps = []
        for _ in range(150):
            slow.step()
            steps.append((slow_group["lr"], slow_group["momentum"]))
        assert list(zip(lr.tolist(), momentum.tolist(), strict=True)) == steps
        assert (fast.last_epoch, fast._step_count) == (slow.last_epoch, slow._step_count)
        assert fast_group == slow_group


def test_every_mode_and_no_code_for_a_resume():
    trace = engine.simulate(parse_spec("plateau:patience=2"), engine.RunSettings(epochs=20))
    modes = every_mode(trace, 10)
    assert list(modes) == list(MODES)
    assert np.array_equal(modes["restored"].sched_lr, trace.sched_lr)
    assert isinstance(modes["last-epoch"], ParamError)
    assert modes["last-epoch"].name == "resume_mode"
    with pytest.raises(ParamError, match="resume_at must be between 1 and 19"):
        every_mode(trace, 20)
    resumed = lrplot.simulate("cosine:t_max=10", epochs=10, resume_at=5)
    with pytest.raises(lrplot.LrplotError) as err:
        resumed.to_code()
    assert str(err.value) == (
        "to_code writes the schedule's code, not a resume: simulate it without resume_at to "
        "get its code"
    )


def test_a_trainer_resume_with_more_training_steps_takes_the_new_lambda():
    """transformers' LambdaLR saves no lambda: restored, the new num_training_steps
    applies from the next step (no note), unlike a CosineAnnealingLR's T_max."""
    trace, golden = resumed_from(GOLDEN / "hf-linear-02-with-training-steps-restored.csv")
    assert trace.resumed is not None and trace.resumed.notes == ()
    longer = lrplot.simulate(
        "hf-linear:num_warmup_steps=10,num_training_steps=150",
        epochs=10,
        steps_per_epoch=10,
        interval="step",
    )
    plain = lrplot.simulate(
        "hf-linear:num_warmup_steps=10,num_training_steps=100",
        epochs=10,
        steps_per_epoch=10,
        interval="step",
    )
    assert np.array_equal(trace.lr[:41], plain.lr[:41])
    assert np.array_equal(trace.lr[41:], longer.lr[41:])
    np.testing.assert_allclose(golden.lr[41:], longer.lr[41:], rtol=1e-12, atol=0)
