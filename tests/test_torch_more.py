"""The rest of PyTorch's catalog (lrplot/schedules/torch_more.py): validation, the
errors PyTorch would raise, the step-by-step models, and the CLI.

Parity of the values with real PyTorch is tests/test_parity.py's job (the golden
files of tools/goldens_torch_more.py).
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pytest
from conftest import cli_runner

from lrplot.cli import app
from lrplot.engine import RunSettings, simulate
from lrplot.params import LrplotError, ParamError
from lrplot.schedules import REGISTRY, lookup
from lrplot.spec import parse_spec

NEW = (
    "linear",
    "constant",
    "polynomial",
    "cosine-restarts",
    "cyclic",
    "onecycle",
    "lambda",
    "multiplicative",
)
TORCH = {
    "linear": "LinearLR",
    "constant": "ConstantLR",
    "polynomial": "PolynomialLR",
    "cosine-restarts": "CosineAnnealingWarmRestarts",
    "cyclic": "CyclicLR",
    "onecycle": "OneCycleLR",
    "lambda": "LambdaLR",
    "multiplicative": "MultiplicativeLR",
}
REQUIRED = {
    "cosine-restarts": {"t_0": 10},
    "cyclic": {"base_lr": 0.001, "max_lr": 0.1},
    "onecycle": {"max_lr": 0.1},
    "lambda": {"expr": "0.95**epoch"},
    "multiplicative": {"expr": "0.95"},
}


def run(name: str, params: dict, **settings) -> np.ndarray:
    trace = simulate(lookup(name).build(params), RunSettings(**settings))
    return np.asarray(trace.lr)


# --- the registry ----------------------------------------------------------------------


def test_registered_with_torch_class_example_and_help():
    for name in NEW:
        d = REGISTRY[name]
        assert d.torch_class == TORCH[name]
        assert lookup(TORCH[name]) is d
        assert d.example and d.summary and d.formula
        assert d.emulator is not None  # usable inside sequential/chained
        for p in d.params:
            assert p.help
        s = d.build(REQUIRED.get(name, {}))
        assert s.title().startswith(TORCH[name] + "(")
    assert "T_0=10, T_mult=1" in lookup("cosine-restarts").build({"t_0": 10}).title()
    assert REGISTRY["cyclic"].momentum_fn is not None
    assert REGISTRY["onecycle"].momentum_fn is not None


def test_spec_with_a_comma_round_trips():
    s = parse_spec("lambda:expr='min(1, (epoch + 1) / 5) * 0.9**epoch'")
    assert s.spec() == "lambda:expr='min(1, (epoch + 1) / 5) * 0.9**epoch'"
    assert parse_spec(s.spec()).values == s.values
    assert parse_spec("multiplicative:expr=0.9 if epoch % 10 == 0 else 1").values == {
        "expr": "0.9 if epoch % 10 == 0 else 1"
    }


# --- bad values: every new parameter, each message naming it ----------------------------

BAD = [
    ("linear", "start_factor", 0),
    ("linear", "start_factor", 1.5),
    ("linear", "start_factor", "x"),
    ("linear", "end_factor", -0.1),
    ("linear", "end_factor", 1.01),
    ("linear", "total_iters", 0),
    ("linear", "total_iters", 2.5),
    ("constant", "factor", 0),
    ("constant", "factor", 1.5),
    ("constant", "total_iters", 0),
    ("constant", "total_iters", -3),
    ("polynomial", "total_iters", 0),
    ("polynomial", "power", -1),
    ("polynomial", "power", "inf"),
    ("cosine-restarts", "t_0", 0),
    ("cosine-restarts", "t_0", 1.5),
    ("cosine-restarts", "t_mult", 0),
    ("cosine-restarts", "t_mult", 1.5),
    ("cosine-restarts", "eta_min", -1e-3),
    ("cyclic", "base_lr", -0.1),
    ("cyclic", "max_lr", 0),
    ("cyclic", "step_size_up", 0),
    ("cyclic", "step_size_down", -1),
    ("cyclic", "mode", "sawtooth"),
    ("cyclic", "gamma", 0),
    ("cyclic", "scale_mode", "epochs"),
    ("cyclic", "cycle_momentum", "maybe"),
    ("cyclic", "base_momentum", 1.5),
    ("cyclic", "max_momentum", -0.1),
    ("onecycle", "max_lr", 0),
    ("onecycle", "max_lr", "nan"),
    ("onecycle", "total_steps", 0),
    ("onecycle", "pct_start", -0.1),
    ("onecycle", "pct_start", 1.5),
    ("onecycle", "anneal_strategy", "exp"),
    ("onecycle", "div_factor", 0),
    ("onecycle", "final_div_factor", -1),
    ("onecycle", "three_phase", "3"),
    ("onecycle", "cycle_momentum", "sometimes"),
    ("onecycle", "base_momentum", 2),
    ("onecycle", "max_momentum", -1),
    ("lambda", "expr", "os.system('x')"),
    ("lambda", "expr", "__import__('os')"),
    ("lambda", "expr", ""),
    ("lambda", "expr", 3),
    ("multiplicative", "expr", "epoch[0]"),
    ("multiplicative", "expr", "0.9 if epoch else"),
]


@pytest.mark.parametrize(("name", "param", "value"), BAD, ids=[f"{n}-{p}" for n, p, _ in BAD])
def test_bad_value_names_the_parameter(name, param, value):
    given = {**REQUIRED.get(name, {}), param: value}
    with pytest.raises(ParamError) as info:
        lookup(name).build(given)
    message = str(info.value)
    assert message.startswith(f"{name}: {param}"), message
    assert info.value.name == param
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "param"),
    [
        ("cosine-restarts", "t_0"),
        ("cyclic", "base_lr"),
        ("cyclic", "max_lr"),
        ("onecycle", "max_lr"),
        ("lambda", "expr"),
        ("multiplicative", "expr"),
    ],
)
def test_required_parameters(name, param):
    given = {k: v for k, v in REQUIRED[name].items() if k != param}
    with pytest.raises(ParamError, match=f"^{name} needs {param} "):
        lookup(name).build(given)


def test_expression_errors_are_caught_when_built():
    with pytest.raises(ParamError) as info:
        lookup("lambda").build({"expr": "os"})
    assert str(info.value) == "lambda: expr: name 'os' is not allowed; use epoch, pi, e"
    with pytest.raises(LrplotError, match=r"expr: attribute access"):
        parse_spec("lambda:expr=epoch.real")


def test_cyclic_cross_checks():
    base = REQUIRED["cyclic"]
    with pytest.raises(ParamError) as info:
        lookup("cyclic").build({**base, "mode": "exp_range", "scale_mode": "cycle"})
    assert info.value.name == "scale_mode"
    assert "scale_mode=cycle has no effect with mode=exp_range" in str(info.value)
    with pytest.raises(ParamError, match=r"scale_mode=iterations has no effect with mode=tri"):
        lookup("cyclic").build({**base, "mode": "triangular2", "scale_mode": "iterations"})
    with pytest.raises(ParamError, match=r"gamma only applies to mode=exp_range") as info:
        lookup("cyclic").build({**base, "gamma": 0.99})
    assert info.value.name == "gamma"
    # what PyTorch does anyway is accepted
    lookup("cyclic").build({**base, "mode": "exp_range", "scale_mode": "iterations"})
    lookup("cyclic").build({**base, "mode": "triangular2", "scale_mode": "cycle"})


# --- where PyTorch would raise during the run ----------------------------------------------


def test_onecycle_total_steps_below_the_run():
    with pytest.raises(LrplotError) as info:
        run("onecycle", {"max_lr": 0.1, "total_steps": 99}, epochs=100)
    assert "total_steps=99 is less than the run's 100 scheduler steps" in str(info.value)
    assert len(run("onecycle", {"max_lr": 0.1, "total_steps": 100}, epochs=100)) == 100
    # by default total_steps is the run's scheduler steps (per optimizer step here)
    a = run("onecycle", {"max_lr": 0.1}, epochs=10, steps_per_epoch=20, interval="step")
    b = run("onecycle", {"max_lr": 0.1, "total_steps": 200}, epochs=200)
    np.testing.assert_array_equal(a, b)


def test_onecycle_empty_phase():
    with pytest.raises(LrplotError, match=r"phase 1 of the schedule is empty.*step 0"):
        run("onecycle", {"max_lr": 0.1, "pct_start": 0.1}, epochs=10)  # 0.1 * 10 - 1 == 0
    with pytest.raises(LrplotError, match=r"phase 3 .* PyTorch divides by zero at step 10"):
        run("onecycle", {"max_lr": 0.1, "pct_start": 0.55, "three_phase": True}, epochs=10)


def test_cyclic_scale_overflow():
    tri2 = {**REQUIRED["cyclic"], "step_size_up": 1, "step_size_down": 1, "mode": "triangular2"}
    assert len(run("cyclic", tri2, epochs=2047)) == 2047
    with pytest.raises(LrplotError, match=r"overflows .* at step 2048, cycle 1025"):
        run("cyclic", tri2, epochs=2048)
    exp = {**REQUIRED["cyclic"], "step_size_up": 5, "mode": "exp_range", "gamma": 2.0}
    assert len(run("cyclic", exp, epochs=1023)) == 1023
    with pytest.raises(LrplotError, match=r"gamma \*\* step overflows at step 1024"):
        run("cyclic", exp, epochs=1024)


def test_lambda_failures():
    with pytest.raises(LrplotError, match=r"^lambda: expr: 1 / 0 divides by zero at epoch 7$"):
        run("lambda", {"expr": "1 / (epoch - 7)"}, epochs=20)
    # the run's last step() evaluates the factor at epoch == scheduler steps
    with pytest.raises(LrplotError, match=r"at epoch 20, in the run's last scheduler.step"):
        run("lambda", {"expr": "1 / (20 - epoch)"}, epochs=20)
    with pytest.raises(LrplotError, match=r"expr gives -0.5 at epoch 3 .the LR would be negative"):
        run("lambda", {"expr": "0.5 if epoch != 3 else -0.5"}, epochs=20)
    with pytest.raises(LrplotError, match=r"^multiplicative: expr gives inf at epoch 1"):
        run("multiplicative", {"expr": "1e308 * 10"}, epochs=5)
    with pytest.raises(
        LrplotError, match=r"^multiplicative: expr: log.0. is undefined at epoch 5$"
    ):
        run("multiplicative", {"expr": "log(abs(epoch - 5))"}, epochs=20)
    # MultiplicativeLR never evaluates epoch 0
    assert run("multiplicative", {"expr": "1 / epoch"}, epochs=4).tolist() == [
        0.1,
        0.1,
        0.1 / 2,
        0.1 / 2 / 3,
    ]


# --- values that follow from PyTorch's code (exact) ---------------------------------------


def test_small_cases_by_hand():
    lr = 0.1
    assert run("lambda", {"expr": "0.95**epoch"}, epochs=5).tolist() == [
        lr * 0.95**k for k in range(5)
    ]
    assert run("constant", {"factor": 0.5, "total_iters": 2}, epochs=4).tolist() == [
        lr * 0.5,
        lr * 0.5,
        lr * 0.5 * (1.0 / 0.5),
        lr * 0.5 * (1.0 / 0.5),
    ]
    assert run("polynomial", {"total_iters": 2, "power": 1.0}, epochs=4).tolist() == [
        lr,
        lr * 0.5,
        0.0,
        0.0,
    ]
    restarts = run("cosine-restarts", {"t_0": 2, "t_mult": 2}, epochs=7).tolist()
    assert restarts[0] == restarts[2] == restarts[6] == lr  # restarts at 2 and 2 + 4
    # cyclic and onecycle set the LR themselves: the run's lr plays no part
    cyc = {**REQUIRED["cyclic"], "step_size_up": 2}
    np.testing.assert_array_equal(
        run("cyclic", cyc, lr=5.0, epochs=9), run("cyclic", cyc, epochs=9)
    )
    assert run("cyclic", cyc, lr=5.0, epochs=1)[0] == 0.001
    assert run("onecycle", {"max_lr": 0.1}, lr=5.0, epochs=2)[0] != 5.0


def test_momentum_curves():
    s = lookup("onecycle").build({"max_lr": 0.1})
    trace = simulate(s, RunSettings(epochs=10))
    m = trace.sched_momentum
    assert m is not None and m[0] == 0.95 and min(m) == pytest.approx(0.85)
    off = lookup("onecycle").build({"max_lr": 0.1, "cycle_momentum": False})
    assert simulate(off, RunSettings(epochs=10)).sched_momentum is None
    cyc = lookup("cyclic").build({**REQUIRED["cyclic"], "step_size_up": 2})
    m = simulate(cyc, RunSettings(epochs=5)).sched_momentum
    assert m is not None
    np.testing.assert_allclose(m, [0.9, 0.85, 0.8, 0.85, 0.9], rtol=1e-15)


# --- the step-by-step models (sequential/chained) reproduce the schedules ------------------

EMULATED = [
    ("linear", {}),
    ("linear", {"start_factor": 0.1, "end_factor": 0.0, "total_iters": 13}),
    ("constant", {"factor": 0.3, "total_iters": 7}),
    ("polynomial", {"total_iters": 17, "power": 1.7}),
    ("cosine-restarts", {"t_0": 3, "t_mult": 2, "eta_min": 0.01}),
    ("cosine-restarts", {"t_0": 7}),
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 3, "step_size_down": 5}),
    ("cyclic", {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 4, "mode": "triangular2"}),
    (
        "cyclic",
        {"base_lr": 0.01, "max_lr": 0.2, "step_size_up": 4, "mode": "exp_range", "gamma": 0.97},
    ),
    ("onecycle", {"max_lr": 0.3, "total_steps": 60}),
    (
        "onecycle",
        {"max_lr": 0.3, "total_steps": 70, "three_phase": True, "anneal_strategy": "linear"},
    ),
    ("lambda", {"expr": "min(1, (epoch + 1) / 5) * 0.97**epoch"}),
    ("multiplicative", {"expr": "0.9 if epoch % 10 == 0 else 1"}),
    ("multiplicative", {"expr": "exp(-0.01 * sin(epoch) ** 2)"}),
]


@pytest.mark.parametrize(("name", "params"), EMULATED, ids=[n for n, _ in EMULATED])
def test_emulator_reproduces_the_schedule(name, params):
    s = lookup(name).build(params)
    count = 60
    expected = s.lr(count, 0.1)
    emulator = s.definition.emulator
    group = {"lr": 0.1, "momentum": 0.0}
    scheduler = emulator(group, s.values)
    stepped = [group["lr"]]
    for _ in range(count - 1):
        scheduler.step()
        stepped.append(group["lr"])
    np.testing.assert_array_equal(stepped, expected)
    group = {"lr": 0.1, "momentum": 0.0}
    scheduler = emulator(group, s.values)
    advanced = np.concatenate([[group["lr"]], scheduler.advance(count - 1)])
    np.testing.assert_array_equal(advanced, expected)
    assert group["lr"] == expected[-1] and scheduler.last_epoch == count - 1
    momentum = s.momentum(count, 0.1)
    if momentum is not None:  # the emulator leaves the last momentum in the group
        assert group["momentum"] == momentum[-1]


def test_onecycle_emulator_needs_total_steps():
    s = lookup("onecycle").build({"max_lr": 0.1})
    with pytest.raises(LrplotError, match=r"needs total_steps"):
        s.definition.emulator({"lr": 0.1, "momentum": 0.0}, s.values)


# --- the CLI ---------------------------------------------------------------------------

ENV = {"COLUMNS": "200", "NO_COLOR": "1", "TERM": "dumb", "LRPLOT_TRACEBACK": None}


@pytest.fixture
def cli(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    runner = cli_runner(ENV)
    return lambda *args: runner.invoke(app, list(args))


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


@pytest.mark.parametrize("name", NEW)
def test_subcommand_help(cli, name):
    result = cli(name, "--help")
    assert result.exit_code == 0, result.output
    assert TORCH[name] in result.stdout
    assert f"lrplot {name} {REGISTRY[name].example}" in result.stdout
    for p in REGISTRY[name].params:
        assert p.option in result.stdout


def test_list_shows_the_new_schedules(cli):
    out = cli("list").stdout
    for name in NEW:
        assert name in out and TORCH[name] in out


def test_onecycle_csv_has_momentum(cli):
    result = cli("onecycle", "--max-lr", "0.1", "--epochs", "10", "--csv", "-")
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert list(table[0]) == ["step", "epoch", "lr", "momentum"]
    assert len(table) == 10
    s = lookup("onecycle").build({"max_lr": 0.1})
    assert [float(r["lr"]) for r in table] == s.lr(10, 0.1).tolist()
    assert [float(r["momentum"]) for r in table] == s.momentum(10, 0.1).tolist()
    assert float(table[0]["momentum"]) == 0.95


def test_lambda_csv_exact(cli):
    result = cli("lambda", "--expr", "0.95**epoch", "--epochs", "5", "--csv", "-")
    assert result.exit_code == 0, result.output
    table = rows(result.stdout)
    assert list(table[0]) == ["step", "epoch", "lr"]
    assert [float(r["lr"]) for r in table] == [0.1 * 0.95**k for k in range(5)]


def test_cyclic_ignores_the_run_lr(cli):
    args = ("cyclic", "--base-lr", "0.01", "--max-lr", "0.1", "--step-size-up", "2")
    result = cli(*args, "--epochs", "5", "--lr", "7", "--csv", "-")
    assert result.exit_code == 0, result.output
    lrs = [float(r["lr"]) for r in rows(result.stdout)]
    assert lrs == pytest.approx([0.01, 0.055, 0.1, 0.055, 0.01], rel=1e-15)
    assert lrs[0] == 0.01
    assert "--lr is ignored" in cli("cyclic", "--help").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lambda", "--expr", "__import__('os')"), "--expr: expr: function '__import__'"),
        (("lambda", "--expr", "__import__('os').system('true')"), "--expr: expr: attribute"),
        (("lambda", "--expr", "epoch.real"), "attribute access"),
        (("lambda", "--expr", "1 / (epoch - 3)"), "divides by zero at epoch 3"),
        (("cosine-restarts", "--t-0", "0"), "--t-0"),
        (("cyclic", "--base-lr", "0.1"), "needs max_lr"),
        (
            ("cyclic", "--base-lr", "0", "--max-lr", "1", "--scale-mode", "iterations"),
            "--scale-mode",
        ),
        (("onecycle", "--max-lr", "0.1", "--total-steps", "5"), "total_steps=5 is less than"),
        (("onecycle", "--max-lr", "0.1", "--pct-start", "1.5"), "--pct-start"),
    ],
)
def test_cli_errors_are_one_line(cli, args, message):
    result = cli(*args, "--epochs", "10")
    assert result.exit_code == 2, result.output
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and message in errors[0], result.stderr
    assert "Traceback" not in result.output
