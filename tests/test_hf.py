"""transformers' (hf-*) and timm's (timm-*) schedules: bad input, defaults, the CLI.

Their exact values are checked against the real packages by tests/test_parity.py
(golden files written by tools/goldens_hf.py); here the CLI is checked against a
scalar transliteration of transformers' own lambda.
"""

from __future__ import annotations

import math

import pytest
from conftest import read_csv

from lrplot.engine import RunSettings, simulate
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, lookup
from lrplot.spec import parse_spec

HF = [name for name in REGISTRY if name.startswith("hf-")]
TIMM = [name for name in REGISTRY if name.startswith("timm-")]

# a minimal valid parameter set for each schedule
BASE: dict[str, dict[str, object]] = {name: {} for name in HF}
BASE["hf-cosine-with-min-lr"] = {"min_lr_rate": 0.1}
BASE["hf-cosine-warmup-with-min-lr"] = {"min_lr_rate": 0.1}
BASE["hf-warmup-stable-decay"] = {"num_decay_steps": 10}
BASE["timm-cosine"] = {"t_initial": 10}
BASE["timm-tanh"] = {"t_initial": 10}


def test_all_schedules_are_registered():
    assert HF == [
        "hf-linear",
        "hf-cosine",
        "hf-cosine-with-restarts",
        "hf-polynomial",
        "hf-constant",
        "hf-constant-with-warmup",
        "hf-inverse-sqrt",
        "hf-cosine-with-min-lr",
        "hf-cosine-warmup-with-min-lr",
        "hf-warmup-stable-decay",
    ]
    assert TIMM == ["timm-cosine", "timm-tanh"]
    assert list(REGISTRY)[:5] == ["step", "multistep", "exponential", "cosine", "plateau"]


def test_aliases():
    assert lookup("wsd").name == "hf-warmup-stable-decay"
    assert lookup("hf_wsd").name == "hf-warmup-stable-decay"
    assert lookup("hf-cosine_with_hard_restarts").name == "hf-cosine-with-restarts"
    assert lookup("CosineLRScheduler").name == "timm-cosine"
    assert lookup("tanhlrscheduler").name == "timm-tanh"
    s = parse_spec("wsd:num_warmup_steps=10,num_decay_steps=20,decay_type=1-sqrt")
    assert s.name == "hf-warmup-stable-decay"
    assert s.values["decay_type"] == "1-sqrt"


# --- bad input: every new parameter, named in the message --------------------------------

BAD = [
    # (schedule, parameter, bad value)
    *[(name, "num_warmup_steps", v) for name in HF if name != "hf-constant" for v in (-1, 1.5)],
    *[
        (name, "num_training_steps", v)
        for name in HF
        if "num_training_steps" in {p.name for p in REGISTRY[name].params}
        for v in (0, -3, "x")
    ],
    ("hf-cosine", "num_cycles", -0.5),
    ("hf-cosine-with-min-lr", "num_cycles", "nan"),
    ("hf-cosine-warmup-with-min-lr", "num_cycles", -1),
    ("hf-warmup-stable-decay", "num_cycles", -1),
    ("hf-cosine-with-restarts", "num_cycles", -1),
    ("hf-cosine-with-restarts", "num_cycles", "inf"),
    ("hf-polynomial", "lr_end", -1e-7),
    ("hf-polynomial", "power", -1),
    ("hf-inverse-sqrt", "timescale", 0),
    ("hf-inverse-sqrt", "timescale", 2.5),
    ("hf-cosine-with-min-lr", "min_lr", -0.1),
    ("hf-cosine-with-min-lr", "min_lr_rate", "inf"),
    ("hf-cosine-warmup-with-min-lr", "min_lr_rate", -1),
    ("hf-cosine-warmup-with-min-lr", "warmup_lr_rate", -0.5),
    ("hf-warmup-stable-decay", "num_decay_steps", -1),
    ("hf-warmup-stable-decay", "num_stable_steps", -1),
    ("hf-warmup-stable-decay", "warmup_type", "exp"),
    ("hf-warmup-stable-decay", "decay_type", "sqrt"),
    ("hf-warmup-stable-decay", "min_lr_ratio", 1.5),
    ("hf-warmup-stable-decay", "min_lr_ratio", -0.1),
    *[
        (name, param, value)
        for name in TIMM
        for param, value in [
            ("t_initial", 0),
            ("lr_min", -1e-3),
            ("cycle_mul", 0),
            ("cycle_decay", 0),
            ("cycle_limit", -1),
            ("warmup_t", -1),
            ("warmup_lr_init", -0.1),
            ("warmup_prefix", "maybe"),
        ]
    ],
    ("timm-cosine", "k_decay", 0),
    ("timm-tanh", "lb", "x"),
    ("timm-tanh", "ub", "nan"),
]


@pytest.mark.parametrize(("name", "param", "value"), BAD, ids=lambda x: str(x))
def test_bad_value_names_the_parameter(name, param, value):
    with pytest.raises(LrplotError) as info:
        lookup(name).build({**BASE[name], param: value})
    message = str(info.value)
    assert message.startswith(f"{name}: {param} must be "), message
    assert "\n" not in message


@pytest.mark.parametrize(
    ("name", "given", "fragments"),
    [
        ("hf-warmup-stable-decay", {}, ["needs num_decay_steps"]),
        ("timm-cosine", {}, ["needs t_initial"]),
        ("timm-tanh", {}, ["needs t_initial"]),
        ("hf-linear", {"timescale": 3}, ["no parameter 'timescale'"]),
        ("hf-cosine-with-min-lr", {}, ["min_lr or min_lr_rate", "exactly one"]),
        ("hf-cosine-warmup-with-min-lr", {}, ["min_lr or min_lr_rate"]),
        (
            "hf-cosine-with-min-lr",
            {"min_lr": 1e-3, "min_lr_rate": 0.1},
            ["only one of min_lr or min_lr_rate"],
        ),
        (
            "hf-cosine-warmup-with-min-lr",
            {"min_lr": 1e-3, "min_lr_rate": 0.1},
            ["only one of min_lr or min_lr_rate"],
        ),
        (
            "hf-polynomial",
            {"num_warmup_steps": 10, "num_training_steps": 10},
            ["num_training_steps (10) must differ from num_warmup_steps"],
        ),
        (
            "hf-warmup-stable-decay",
            {"num_warmup_steps": 10, "num_decay_steps": 50, "num_training_steps": 40},
            ["num_warmup_steps + num_decay_steps (10 + 50) exceed num_training_steps (40)"],
        ),
        ("timm-tanh", {"t_initial": 5, "lb": 3, "ub": 3}, ["lb (3.0) must be below ub (3.0)"]),
    ],
)
def test_bad_combinations(name, given, fragments):
    with pytest.raises(LrplotError) as info:
        lookup(name).build(given)
    message = str(info.value)
    assert message.startswith(f"{name}"), message  # names the schedule
    for fragment in fragments:
        assert fragment in message


def run(spec: str, **settings: object):
    return simulate(parse_spec(spec), RunSettings.from_values(settings)).lr


@pytest.mark.parametrize(
    ("spec", "settings", "fragments"),
    [
        # transformers' own ValueError: lr_end must be below the optimizer's lr
        ("hf-polynomial:lr_end=0.1", {}, ["lr_end (0.1) must be smaller than the initial lr"]),
        ("hf-polynomial", {"lr": 1e-7}, ["lr_end (1e-07) must be smaller"]),
        # num_training_steps defaults to the run's length: checked when the run is known
        (
            "wsd:num_warmup_steps=10,num_decay_steps=95",
            {"epochs": 100},
            ["hf-warmup-stable-decay: ", "(10 + 95) exceed num_training_steps (100)"],
        ),
        # timm fails (math domain error) once shrinking cycles run out
        (
            "timm-cosine:t_initial=40,cycle_mul=0.5,cycle_limit=10",
            {"epochs": 100},
            ["timm-cosine: ", "cycle_mul", "from step 80 on"],
        ),
        (
            "timm-tanh:t_initial=10,cycle_mul=0.5,warmup_t=5,warmup_prefix=true",
            {"epochs": 100},
            ["timm-tanh: ", "from step 25 on"],
        ),
        (
            "timm-cosine:t_initial=1,cycle_decay=2,cycle_limit=1",
            {"epochs": 2000},
            ["cycle_decay ** cycle overflows"],
        ),
        ("timm-cosine:t_initial=100,k_decay=1000", {"epochs": 200}, ["k_decay"]),
    ],
)
def test_errors_known_only_with_the_run(spec, settings, fragments):
    with pytest.raises(LrplotError) as info:
        run(spec, **settings)
    for fragment in fragments:
        assert fragment in str(info.value)


def test_tanh_decay_overflow_only_inside_the_cycle_limit():
    # timm's tanh computes cycle_decay ** i only for cycles it uses (the cosine: always)
    lr = run("timm-tanh:t_initial=1,cycle_decay=2,cycle_limit=1", epochs=2000)
    assert lr[0] == 0.1 and (lr[1:] == 0.0).all()


# --- defaults: the run's own length ----------------------------------------------------


def test_num_training_steps_defaults_to_the_run():
    lr = run("hf-linear", epochs=50)
    assert lr[0] == 0.1 and lr[49] == 0.1 * (1 / 50)
    assert (run("hf-linear:num_training_steps=50", epochs=50) == lr).all()
    per_step = run("hf-linear", epochs=5, steps_per_epoch=10, interval="step")
    assert (per_step == lr).all()
    per_epoch = run("hf-linear", epochs=5, steps_per_epoch=10)
    assert per_epoch[-1] == 0.1 * (1 / 5)


def test_past_num_training_steps():
    assert (run("hf-linear:num_training_steps=10", epochs=30)[10:] == 0.0).all()
    assert (run("hf-cosine-with-restarts:num_training_steps=10", epochs=30)[10:] == 0.0).all()
    poly = run("hf-polynomial:num_training_steps=10,lr_end=0.01", epochs=30)
    assert (poly[11:] == 0.1 * (0.01 / 0.1)).all()
    cosine = run("hf-cosine:num_training_steps=10", epochs=30)
    assert cosine[10] < 1e-17 and cosine[20] == pytest.approx(0.1)  # the cosine goes on


def test_inverse_sqrt_timescale_default():
    assert (
        run("hf-inverse-sqrt:num_warmup_steps=10")
        == run("hf-inverse-sqrt:num_warmup_steps=10,timescale=10")
    ).all()
    assert (run("hf-inverse-sqrt") == run("hf-inverse-sqrt:timescale=10000")).all()


def test_wsd_stable_steps_given_wins():
    a = run("wsd:num_warmup_steps=5,num_decay_steps=10,num_stable_steps=20", epochs=100)
    b = run(
        "wsd:num_warmup_steps=5,num_decay_steps=10,num_stable_steps=20,num_training_steps=7",
        epochs=100,
    )
    assert (a == b).all()
    assert (a[5:25] == 0.1).all() and (a[35:] == 0.0).all()


# --- the CLI -----------------------------------------------------------------------------


def hf_cosine_lambda(step: int, warmup: int, training: int, cycles: float = 0.5) -> float:
    """transformers' _get_cosine_schedule_with_warmup_lr_lambda, transliterated."""
    if step < warmup:
        return float(step) / float(max(1, warmup))
    progress = float(step - warmup) / float(max(1, training - warmup))
    factor = 0.5 * (1.0 + math.cos(math.pi * float(cycles) * 2.0 * progress))
    factor = factor * (1 - 0.0) + 0.0
    return max(0, factor)


def test_cli_hf_cosine_csv(cli, csv_writer):
    out = cli.ok("hf-cosine", "--num-warmup-steps", "10", "--epochs", "100", "--csv", "-")
    header, rows = read_csv(out.stdout)
    assert header == ["step", "epoch", "lr"]
    assert rows[:4] == [
        ["0", "0", "0.0"],
        ["1", "1", "0.010000000000000002"],
        ["2", "2", "0.020000000000000004"],
        ["3", "3", "0.03"],
    ]
    assert rows[10] == ["10", "10", "0.1"]
    assert rows[11] == ["11", "11", "0.0999695413509548"]
    assert len(rows) == 100
    assert [float(r[2]) for r in rows] == [0.1 * hf_cosine_lambda(n, 10, 100) for n in range(100)]


def test_cli_table_title(cli):
    out = cli.ok("hf-cosine", "--num-warmup-steps", "10", "--epochs", "100").stdout
    assert "get_cosine_schedule_with_warmup(num_warmup_steps=10" in out


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["hf-polynomial", "--lr-end", "0.5"], ["lr_end (0.5) must be smaller"]),
        (["hf-linear", "--num-warmup-steps", "-1"], ["--num-warmup-steps", "step count >= 0"]),
        (["hf-cosine-with-min-lr"], ["--min-lr", "min_lr_rate"]),
        (["hf-warmup-stable-decay", "--num-decay-steps", "10", "--decay-type", "x"], ["1-sqrt"]),
        (["timm-tanh", "--t-initial", "5", "--lb", "3", "--ub", "2"], ["--lb"]),
        (["timm-cosine", "--t-initial", "0"], ["--t-initial"]),
    ],
)
def test_cli_errors(cli, args, fragments):
    cli.fail(*args, "--epochs", "10", fragments=fragments)


def test_cli_compare_with_alias(cli):
    out = cli.ok(
        "compare",
        "wsd:num_warmup_steps=10,num_decay_steps=20,decay_type=1-sqrt",
        "hf-linear:num_warmup_steps=10",
        "timm-cosine:t_initial=100",
        "--epochs",
        "100",
        "--csv",
        "-",
    ).stdout
    header, rows = read_csv(out)
    assert len(header) == 5 and len(rows) == 100
    assert [float(v) for v in rows[0][2:]] == [0.0, 0.0, 0.1]
    assert float(rows[99][2]) == 0.1 * (1.0 - math.sqrt(19 / 20))


@pytest.mark.parametrize("name", HF + TIMM)
def test_help(cli, name):
    out = cli.ok(name, "--help").stdout
    assert "Usage:" in out and "Examples" in out
    for p in REGISTRY[name].params:
        assert p.option in out
    assert f"lrplot {name} {REGISTRY[name].example}" in out


@pytest.mark.parametrize("name", HF + TIMM)
def test_example_runs(cli, name):
    cli.ok(name, *REGISTRY[name].example.split(), "--quiet")
