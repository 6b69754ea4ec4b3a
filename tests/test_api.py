"""The Python API (lrplot/__init__.py): what a notebook user calls, and its agreement,
byte for byte, with the command line."""

from __future__ import annotations

import inspect
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import read_csv

import lrplot
from lrplot import engine, metrics, plan
from lrplot.errors import MissingParam, ParamError
from lrplot.schedules.warmup import WARMUP_PARAMS

SAMPLES = Path(__file__).resolve().parent.parent / "sample_configs"

# --- the CLI and the API give the same bytes -------------------------------------------

# (CLI arguments, the same run through the API)
SAME = [
    (
        ["cosine", "--t-max", "50", "--epochs", "100"],
        lambda: lrplot.simulate("cosine:t_max=50", epochs=100),
    ),
    (
        ["cosine", "--t-max", "10%", "--eta-min", "1e-4", "--epochs", "10",
         "--steps-per-epoch", "7", "--interval", "step", "--lr", "3e-4"],
        lambda: lrplot.simulate(
            "cosine:t_max=10%,eta_min=1e-4", epochs=10, steps_per_epoch=7, interval="step",
            lr=3e-4,
        ),
    ),
    (
        ["multistep", "--milestones", "30,80", "--gamma", "0.5", "--warmup", "5",
         "--warmup-shape", "cosine"],
        lambda: lrplot.simulate(
            lrplot.schedule("multistep", milestones=[30, 80], gamma=0.5), warmup=5,
            warmup_shape="cosine",
        ),
    ),
    (
        ["onecycle", "--max-lr", "0.3", "--epochs", "3", "--dataset-size", "1000",
         "--batch-size", "64", "--interval", "step"],
        lambda: lrplot.simulate(
            "onecycle:max_lr=0.3", epochs=3, dataset_size=1000, batch_size=64, interval="step"
        ),
    ),
    (
        ["plateau", "--patience", "3", "--epochs", "40", "--seed", "7",
         "--metric-shape", "plateaus"],
        lambda: lrplot.simulate("plateau:patience=3", epochs=40, seed=7, metric_shape="plateaus"),
    ),
    (
        ["plateau", "--patience", "2", "--epochs", "30",
         "--metric-file", str(SAMPLES / "val_loss.csv"), "--metric-column", "val_loss"],
        lambda: lrplot.simulate(
            "plateau:patience=2", epochs=30, metric=SAMPLES / "val_loss.csv",
            metric_column="val_loss",
        ),
    ),
    (
        ["sequential", "--schedule", "linear:start_factor=0.1,total_iters=5",
         "--schedule", "cosine:t_max=95", "--milestones", "5"],
        lambda: lrplot.simulate(
            "sequential:schedulers=[linear:start_factor=0.1,total_iters=5; cosine:t_max=95],"
            "milestones=[5]"
        ),
    ),
    (
        ["compare", "cosine:t_max=100", "step:step_size=30", "cosine:t_max=100",
         "--epochs", "120", "--warmup", "10%"],
        lambda: lrplot.compare(
            ["cosine:t_max=100", "step:step_size=30", "cosine:t_max=100"], epochs=120,
            warmup="10%",
        ),
    ),
    (
        ["compare", "plateau", "exponential:gamma=0.9", "--epochs", "25"],
        lambda: lrplot.compare(["plateau", "exponential:gamma=0.9"], epochs=25),
    ),
    (
        ["hf-cosine", "--num-warmup-steps", "10", "--num-training-steps", "100",
         "--epochs", "2", "--steps-per-epoch", "50", "--interval", "step"],
        lambda: lrplot.simulate(
            lrplot.schedule("hf-cosine", num_warmup_steps=10, num_training_steps=100),
            epochs=2, steps_per_epoch=50, interval="step",
        ),
    ),
]  # fmt: skip


@pytest.mark.parametrize(("args", "api"), SAME, ids=[" ".join(a[:3]) for a, _ in SAME])
def test_api_and_cli_give_the_same_csv(cli, args, api):
    shown = cli.ok(*args, "--csv", "-").stdout
    assert api().to_csv() == shown
    assert shown.count("\n") > 10  # real rows, not just a header


@pytest.mark.parametrize(
    "config", sorted(p.name for p in SAMPLES.iterdir() if p.is_file() and p.suffix != ".csv")
)
def test_load_and_run_give_the_same_csv(cli, config):
    """Every sample config, lrplot's own and the frameworks': lrplot.load == lrplot run."""
    args = ["run", str(SAMPLES / config), "--csv", "-"]
    if config == "hf_trainer.json":  # it needs a dataset size (the plan) to know its steps
        args += ["--dataset-size", "5000"]
    result = cli.ok(*args)
    run = {"dataset_size": 5000} if config == "hf_trainer.json" else {}
    loaded = lrplot.load(SAMPLES / config, **run)
    assert loaded.to_csv() == result.stdout
    if loaded.framework is not None:  # the same header the CLI prints on stderr
        assert loaded.command is not None and loaded.command in result.stderr
        assert all(note in result.stderr for note in loaded.notes)


def test_to_csv_writes_the_file_the_cli_writes(cli):
    cli.ok("exponential", "--gamma", "0.9", "--epochs", "30", "--csv", "cli.csv")
    trace = lrplot.simulate("exponential:gamma=0.9", epochs=30)
    assert trace.to_csv(cli.folder / "api.csv") is None
    assert (cli.folder / "api.csv").read_bytes() == (cli.folder / "cli.csv").read_bytes()


def test_to_code_is_what_emit_prints(cli):
    for target in ("torch", "hf", "lightning", "deepspeed"):
        shown = cli.ok("cosine", "--t-max", "50", "--emit", target).stdout
        assert lrplot.simulate("cosine:t_max=50").to_code(target) == shown
    assert lrplot.simulate("cosine:t_max=50").to_torch() == lrplot.simulate(
        "cosine:t_max=50"
    ).to_code("torch")


def test_check_is_what_lrplot_check_says(cli):
    result = cli("check", "cosine", "--t-max", "50", "--epochs", "100")
    assert result.exit_code == 1
    findings = lrplot.simulate("cosine:t_max=50", epochs=100).check()
    assert [f"warning: {f.message}" for f in findings] == result.stdout.splitlines()
    assert lrplot.simulate("cosine:t_max=100", epochs=100).check() == []


# --- what a trace holds -------------------------------------------------------------------


def test_trace_arrays_per_optimizer_step():
    t = lrplot.simulate("step:step_size=2,gamma=0.5", epochs=5, steps_per_epoch=3, lr=1.0)
    assert len(t) == 15
    np.testing.assert_array_equal(t.step, np.arange(15))
    np.testing.assert_array_equal(t.epoch, np.repeat(np.arange(5), 3))
    np.testing.assert_array_equal(t.lr, np.repeat([1.0, 1.0, 0.5, 0.5, 0.25], 3))
    np.testing.assert_array_equal(t.events, [6, 12])  # the epochs where the LR halves
    assert t.metric is None and t.momentum is None
    assert (t.label, t.spec) == ("step:step_size=2,gamma=0.5", "step:step_size=2,gamma=0.5")
    assert t.summary() == engine.Summary(1.0, 0.25, 0.25, 1.0, 2)
    assert repr(t) == (
        "<Trace step:step_size=2,gamma=0.5: lr=1, 5 epochs x 3 steps, stepped per epoch; "
        "lr 1 -> 0.25 (min 0.25, max 1)>"
    )


def test_trace_metric_and_momentum():
    t = lrplot.simulate("plateau:patience=1,factor=0.5", epochs=6, metric=[5, 4, 4, 4, 4, 4])
    np.testing.assert_array_equal(t.metric, [5, 4, 4, 4, 4, 4])
    np.testing.assert_array_equal(t.lr, [0.1, 0.1, 0.1, 0.1, 0.05, 0.05])
    assert t.momentum is None
    m = lrplot.simulate("onecycle:max_lr=0.1", epochs=10)
    assert m.momentum is not None and len(m.momentum) == 10
    assert m.momentum[0] == 0.95 and m.metric is None


def test_spec_rebuilds_the_schedule():
    t = lrplot.simulate("cosine:t_max=10%,eta_min=1e-3,warmup=2", epochs=50)
    assert t.spec == "cosine:t_max=5,eta_min=0.001,warmup=2"  # durations resolved
    again = lrplot.simulate(t.spec, epochs=50)
    np.testing.assert_array_equal(again.lr, t.lr)


def test_schedule_forms_agree():
    a = lrplot.schedule("multistep", milestones=[30, 80], gamma=0.1)
    b = lrplot.schedule("multistep:milestones=[30,80],gamma=0.1")
    c = lrplot.schedule("multistep:gamma=0.1", milestones="30,80")
    d = lrplot.schedule("MultiStepLR", milestones=(30, 80), gamma=0.1)  # the torch class
    assert a.spec() == b.spec() == c.spec() == d.spec() == "multistep:milestones=[30,80]"
    assert lrplot.schedule("cosine", T_max=5).spec() == "cosine:t_max=5"  # torch's spelling
    assert lrplot.schedule("cosine", t_max=5, label="short").label == "short"
    assert lrplot.schedule(a) is a


def test_comparison_is_a_sequence_of_traces():
    c = lrplot.compare(["cosine:t_max=10", "cosine:t_max=10", "plateau"], epochs=10)
    assert len(c) == 3 and isinstance(c[0], lrplot.Trace)
    assert c.labels == ["cosine:t_max=10", "cosine:t_max=10 #2", "plateau"]
    assert [t.label for t in c] == c.labels
    assert list(c.summary()) == c.labels
    header, rows = read_csv(c.to_csv())
    assert header == ["step", "epoch", *c.labels[:2], "plateau", "plateau metric"]
    assert len(rows) == 10
    assert lrplot.compare("cosine:t_max=10", epochs=10).labels == ["cosine:t_max=10"]


def test_comparison_to_code_refuses_several():
    c = lrplot.compare(["cosine:t_max=10", "step:step_size=3"], epochs=10)
    with pytest.raises(lrplot.LrplotError, match="one schedule"):
        c.to_code()
    assert (
        lrplot.compare(["cosine:t_max=10"]).to_code()
        == lrplot.simulate("cosine:t_max=10").to_code()
    )


def test_load_a_framework_config_says_how():
    loaded = lrplot.load(SAMPLES / "hf_llm.toml")
    assert loaded.framework is None and loaded.command is None
    hf = lrplot.load(SAMPLES / "hf_trainer.json", dataset_size=5000)
    assert hf.framework == "HuggingFace TrainingArguments"
    assert hf.command is not None and hf.command.startswith("lrplot compare ")
    assert hf.notes


# --- pictures and notebook display ---------------------------------------------------------


def test_plot_returns_a_figure_without_pyplot():
    from matplotlib.figure import Figure

    fig = lrplot.simulate("onecycle:max_lr=0.1", epochs=20).plot(log_y=True)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2  # the LR and the momentum panel
    lr_axis = fig.axes[0]
    assert lr_axis.get_yscale() == "log"
    _, y = lr_axis.lines[0].get_data()
    np.testing.assert_array_equal(y[:-1], lrplot.simulate("onecycle:max_lr=0.1", epochs=20).lr)
    assert "matplotlib.pyplot" not in sys.modules


def test_plot_into_the_callers_axes():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    c = lrplot.compare(["cosine:t_max=10", "step:step_size=3"], epochs=10)
    assert c.plot(ax=ax) is fig
    assert [line.get_label() for line in ax.lines if not line.get_label().startswith("_")] == [
        "cosine:t_max=10",
        "step:step_size=3",
    ]


def test_jupyter_display():
    t = lrplot.simulate("multistep:milestones=[3,6]", epochs=10)
    png = t._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    page = t._repr_html_()
    assert "<table>" in page and "MultiStepLR(milestones=[3,6], gamma=0.1)" in page
    assert "<td>3</td><td>3</td><td>0.01</td>" in page  # the milestone row
    c = lrplot.compare(["cosine:t_max=10", "step:step_size=3,label=<b>"], epochs=10)
    assert c._repr_png_().startswith(b"\x89PNG")
    assert "&lt;b&gt;" in c._repr_html_()  # labels are text, not markup


# --- errors ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda: lrplot.schedule("cosine", t_max=0),
            "cosine: t_max must be a step count >= 1, or epochs (3ep) or a percentage of the run "
            "(10%), got '0'",
        ),
        (
            lambda: lrplot.schedule("cosinee", t_max=5),
            "unknown schedule 'cosinee'; did you mean 'cosine'?",
        ),
        (lambda: lrplot.schedule("cosine"), "SPEC 'cosine': cosine needs t_max"),
        (
            lambda: lrplot.schedule("cosine:t_max=5", t_max=6),
            "SPEC 'cosine:t_max=5': t_max is given twice (in the SPEC and as t_max=)",
        ),
        (lambda: lrplot.schedule(5), "a schedule is a name, a SPEC string or a Schedule, got int"),
        (
            lambda: lrplot.simulate("cosine:t_max=5", epochs=0),
            "epochs must be an integer in [1, 100000000], got '0'",
        ),
        (
            lambda: lrplot.simulate("cosine:t_max=5", epoch=3),
            "simulate has no parameter 'epoch'; did you mean 'epochs'?",
        ),
        (
            lambda: lrplot.simulate("cosine:t_max=5", metric=[1, 2]),
            "metric is for schedules stepped on a metric (plateau); cosine:t_max=5 reads none",
        ),
        (
            lambda: lrplot.simulate("plateau", metric=[[1, 2], [3, 4]]),
            "metric must be a flat sequence of numbers",
        ),
        (
            lambda: lrplot.simulate("plateau", epochs=5, metric=[1, 2]),
            "given metric has 2 values but the run needs 5",
        ),
        (lambda: lrplot.simulate("cosine:t_max=5", warmup=-1), "warmup must be a step count >= 0"),
        (lambda: lrplot.compare([]), "compare needs at least one schedule SPEC"),
        (
            lambda: lrplot.compare(["cosine:t_max=5"], warmup="x"),
            "warmup must be a step count >= 0",
        ),
        (lambda: lrplot.load("nowhere.toml"), "cannot read config nowhere.toml"),
        (
            lambda: lrplot.load(SAMPLES / "cosine.toml", format="keras"),
            "format must be one of lrplot, hf",
        ),
        (
            lambda: engine.RunSettings(epochs=0),
            "epochs must be an integer in [1, 100000000], got '0'",
        ),
    ],
)
def test_errors_are_one_line_value_errors_naming_the_parameter(call, message):
    with pytest.raises(lrplot.LrplotError) as info:
        call()
    assert isinstance(info.value, ValueError)
    text = str(info.value)
    assert message in text and "\n" not in text
    assert "--" not in text.replace("--emit", "")  # no command-line option names


def test_errors_carry_the_parameter_name():
    with pytest.raises(ParamError) as info:
        lrplot.schedule("cosine", t_max=0)
    assert info.value.name == "t_max"
    with pytest.raises(MissingParam) as missing:
        lrplot.schedule("cosine", eta_min=0.1)
    assert missing.value.name == "t_max"


# --- the shape of the API ---------------------------------------------------------------------


def test_import_lrplot_is_light():
    code = (
        "import sys, lrplot; lrplot.simulate('cosine:t_max=5').to_csv(); "
        "print(sorted(m for m in ('matplotlib', 'typer', 'rich', 'click') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_signature_defaults_are_the_declared_ones():
    """simulate/compare spell out the run's defaults: they must be engine.PARAMS'."""
    declared = {p.name: p.default for p in (*engine.PARAMS, *metrics.PARAMS)}
    for fn in (lrplot.simulate, lrplot.compare):
        for name, param in inspect.signature(fn).parameters.items():
            if name in declared and name != "steps_per_epoch":  # None: 1, or from the plan
                assert param.default == declared[name], (fn.__name__, name)


def test_every_option_of_the_cli_is_a_keyword():
    """What a schedule command takes besides the schedule's own parameters, simulate takes."""
    from lrplot.api import _OPTIONS

    keywords = set(inspect.signature(lrplot.simulate).parameters) | set(_OPTIONS)
    cli_names = {p.name for p in (*engine.PARAMS, *plan.PARAMS, *WARMUP_PARAMS, *metrics.PARAMS)}
    assert cli_names - keywords == {"metric_file"}  # it is simulate's metric=PATH
