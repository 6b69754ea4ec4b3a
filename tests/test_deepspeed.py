"""DeepSpeed (lrplot/schedules/deepspeed.py, lrplot/frameworks/deepspeed.py,
lrplot/emit_deepspeed.py): the ds-* schedules bit for bit with deepspeed 0.19.8's
lr_schedules.py, ds_config.json read by ``lrplot run``, TrainingArguments with
``deepspeed=`` ("auto" filled as the HF Trainer does), and ``--emit deepspeed``.

The goldens (tests/golden/ds-*.csv) are written by tools/goldens_deepspeed.py from the
real module (loaded alone) on torch 2.13; test_parity.py compares them to 1e-12, this
file bit for bit, and through a ds_config read by ``lrplot run``.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from conftest import case_settings
from test_parity import load

from lrplot.engine import RunSettings, simulate
from lrplot.frameworks import FORMATS
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, known, lookup
from lrplot.schedules.declare import FRAMEWORKS

GOLDEN = Path(__file__).resolve().parent / "golden"
FILES = sorted(GOLDEN.glob("ds-*.csv"))
TYPES = {
    "ds-warmup": "WarmupLR",
    "ds-warmup-decay": "WarmupDecayLR",
    "ds-warmup-cosine": "WarmupCosineLR",
    "ds-onecycle": "OneCycle",
    "ds-lr-range-test": "LRRangeTest",
}


def lrs(text: str, column: str = "lr") -> list[float]:
    return [float(r[column]) for r in csv.DictReader(io.StringIO(text))]


def write(folder: Path, name: str, data: object) -> str:
    (folder / name).write_text(data if isinstance(data, str) else json.dumps(data))
    return name


def ds_config(kind: str, params: dict, lr: float | None = None, **top: object) -> dict:
    config: dict = {"train_batch_size": 32, **top}
    if lr is not None:
        config["optimizer"] = {"type": "AdamW", "params": {"lr": lr}}
    config["scheduler"] = {"type": kind, "params": params}
    return config


# --- the schedules against the real module -------------------------------------------------


def test_goldens_cover_every_type():
    kinds = [load(p).case["schedule"] for p in FILES]
    assert {k: kinds.count(k) >= 8 for k in TYPES} == dict.fromkeys(TYPES, True)
    momentum = [load(p).momentum is not None for p in FILES if "onecycle" in p.name]
    assert any(momentum) and not all(momentum)  # cycle_momentum on and off


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bit_for_bit_with_deepspeed(path):
    golden = load(path)
    case = golden.case
    trace = simulate(lookup(case["schedule"]).build(case["params"]), case_settings(case))
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr), path.name
    rows = np.arange(len(golden.lr))
    if golden.momentum is None:
        assert trace.sched_momentum is None
    else:
        assert np.array_equal(trace.momentum_at(rows), golden.momentum), path.name


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_ds_config_of_a_golden_gives_its_lrs(cli, path):
    """The golden's scheduler as a ds_config: lrplot run gives DeepSpeed's LRs."""
    golden = load(path)
    case = golden.case
    config = ds_config(TYPES[case["schedule"]], case["params"], case["lr"])
    name = write(cli.folder, "ds_config.json", config)
    run = ["--epochs", str(case["epochs"]), "--steps-per-epoch", str(case["steps_per_epoch"])]
    result = cli.ok("run", name, *run, "--csv", "-")
    assert lrs(result.stdout) == golden.lr.tolist()


def test_deepspeed_quirks():
    run = RunSettings(lr=0.5, epochs=12, steps_per_epoch=1)
    # WarmupLR: rows 0 and 1 are warmup_min_lr (constructor, then log(1) = 0)
    lr = simulate(lookup("ds-warmup").build({"warmup_num_steps": 5}), run).lr
    assert lr[0] == lr[1] == 0.0 and lr[4] < lr[5] <= 0.5 == lr[6]  # warmup: rows 1..5
    # W = 1 is clamped to 2
    one = simulate(lookup("ds-warmup").build({"warmup_num_steps": 1}), run).lr
    two = simulate(lookup("ds-warmup").build({"warmup_num_steps": 2}), run).lr
    assert one.tolist() == two.tolist()
    # WarmupDecayLR: its own warmup_max_lr default 0.001, whatever the optimizer's lr
    decay = lookup("ds-warmup-decay").build({"warmup_num_steps": 2, "total_num_steps": 12})
    assert max(simulate(decay, run).lr) == 0.001
    assert REGISTRY["ds-warmup-decay"].sets_lr and not REGISTRY["ds-warmup"].sets_lr
    # WarmupCosineLR: row 0 is 0.0 whatever warmup_min_ratio
    cosine = lookup("ds-warmup-cosine").build({"warmup_min_ratio": 0.5, "warmup_num_steps": 3})
    assert simulate(cosine, run).lr[:2].tolist() == [0.0, 0.25]
    # OneCycle: beta1 starts at cycle_min_mom (the cycle would give cycle_max_mom there)
    cycle = lookup("ds-onecycle").build(
        {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 4}
    )
    momentum = simulate(cycle, run).sched_momentum
    assert momentum is not None and momentum[:2].tolist() == [0.8, 0.875]


@pytest.mark.parametrize(
    ("name", "given", "fragment"),
    [
        ("ds-onecycle", {"cycle_max_lr": 0.1}, "ds-onecycle needs cycle_min_lr"),
        (
            "ds-onecycle",
            {"cycle_min_lr": 0.1, "cycle_max_lr": 0.01, "cycle_second_step_size": -1},
            "cycle_second_step_size must be a step count",
        ),
        ("ds-warmup", {"warmup_num_steps": 0}, "warmup_num_steps must be a step count in [1,"),
        ("ds-warmup", {"warmup_type": "cosine"}, "warmup_type must be one of log, linear"),
        ("ds-warmup-cosine", {"cos_min_ratio": -1}, "cos_min_ratio must be a number >= 0"),
        ("ds-warmup", {"warmup": 10}, "DeepSpeed's schedulers have their own warmup"),
    ],
)
def test_parameters_are_checked(name, given, fragment):
    with pytest.raises(LrplotError) as err:
        lookup(name).build(given)
    assert fragment in str(err.value)


def test_what_deepspeed_allows_is_allowed():
    """No check stricter than DeepSpeed's: a warmup down, a cycle upside down, the
    argparse default -1 for stair counts (no stairs)."""
    run = RunSettings(lr=0.1, epochs=10)
    down = lookup("ds-warmup").build({"warmup_min_lr": 0.1, "warmup_max_lr": 0.01})
    assert simulate(down, run).lr[0] == 0.1 > simulate(down, run).lr[-1]
    values = {"cycle_min_lr": 0.1, "cycle_max_lr": 0.01, "cycle_first_step_size": 4}
    flipped = simulate(lookup("ds-onecycle").build(values), run).lr
    stairs = {**values, "cycle_first_stair_count": -1, "cycle_second_stair_count": -1}
    assert simulate(lookup("ds-onecycle").build(stairs), run).lr.tolist() == flipped.tolist()


def test_declarations():
    assert "deepspeed" in FRAMEWORKS
    for name, kind in TYPES.items():
        d = REGISTRY[name]
        assert d.known_as == {"deepspeed": kind}
        assert known("deepspeed", kind) is d
        assert d.reproduces == f"deepspeed.runtime.lr_schedules.{kind}"
        assert d.emulator is None  # not a child of sequential/chained
    assert lookup("WarmupLR") is REGISTRY["ds-warmup"]
    assert lookup("WarmupCosineLR") is REGISTRY["ds-warmup-cosine"]


def test_cli_list_explain(cli):
    listed = cli.ok("list").stdout
    for name in TYPES:
        assert name in listed
    explained = " ".join(cli.ok("explain", "ds-warmup-decay").stdout.split())
    assert "reproduces deepspeed.runtime.lr_schedules.WarmupDecayLR" in explained
    assert "deepspeed #7303" in explained
    assert "fp16" in explained and "overflow" in explained
    assert "replaces lr_scheduler_type" in explained
    assert "beta2 becomes 0.99" in " ".join(cli.ok("explain", "ds-onecycle").stdout.split())


# --- ds_config.json ------------------------------------------------------------------------


def _run(cli, name: str, *args: str) -> tuple[list[float], str]:
    result = cli.ok("run", name, *args, "--csv", "-")
    return lrs(result.stdout), result.stderr


def test_ds_config_is_detected_and_read(cli):
    config = ds_config(
        "WarmupDecayLR",
        {"total_num_steps": 100, "warmup_num_steps": 10},
        3e-4,
        gradient_accumulation_steps=4,
        fp16={"enabled": True},
    )
    name = write(cli.folder, "ds.json", config)
    got, err = _run(cli, name)
    want = load(GOLDEN / "ds-warmup-decay-01-default-max.csv")
    assert got == want.lr.tolist()  # 100 rows: total_num_steps is the run
    assert "(DeepSpeed config)" in err
    assert "the run is total_num_steps = 100 optimizer steps" in err
    assert "warmup_max_lr default 0.001, not at the optimizer's lr 0.0003" in err
    assert "once per 4 micro-batches (gradient_accumulation_steps)" in err
    assert "fp16: a step that overflows does not step the scheduler" in err
    assert "lrplot compare ds-warmup-decay:total_num_steps=100,warmup_num_steps=10" in err
    # the same file with --format deepspeed, and with a command-line run length
    assert _run(cli, name, "--format", "deepspeed")[0] == got
    longer, err = _run(cli, name, "--epochs", "2", "--steps-per-epoch", "60")
    assert longer[:100] == got and len(longer) == 120
    assert "120 optimizer steps, not total_num_steps 100" in err
    assert "deepspeed" in FORMATS


def test_ds_config_without_a_run_length(cli):
    name = write(cli.folder, "ds.json", ds_config("WarmupLR", {"warmup_num_steps": 20}, 0.001))
    got, err = _run(cli, name)
    assert len(got) == 100
    assert "showing 100 optimizer steps (give --epochs 1 --steps-per-epoch N for a run of N)" in err
    assert "WarmupLR warms up to the optimizer's lr 0.001" in err
    want = load(GOLDEN / "ds-warmup-01-log-defaults-max.csv").lr.tolist()
    assert got[: len(want)] == want


def test_ds_config_torch_scheduler(cli):
    """DeepSpeed's fallback: a torch.optim.lr_scheduler class, stepped every optimizer step."""
    config = ds_config("StepLR", {"step_size": 3, "gamma": 0.5}, 0.1)
    name = write(cli.folder, "ds.json", config)
    got, err = _run(cli, name, "--epochs", "10")
    want = simulate(lookup("step").build({"step_size": 3, "gamma": 0.5}), RunSettings(epochs=10))
    assert got == want.lr.tolist()
    assert "DeepSpeed builds torch.optim.lr_scheduler.StepLR" in err
    config = ds_config("CosineAnnealingLR", {"T_max": 8}, 0.1)
    got, _ = _run(cli, write(cli.folder, "ds.json", config), "--epochs", "8")
    want = simulate(lookup("cosine").build({"t_max": 8}), RunSettings(epochs=8))
    assert got == want.lr.tolist()


def test_ds_config_fresh_last_batch_iteration_is_the_default(cli):
    params = {"warmup_num_steps": 20}
    fresh = ds_config("WarmupLR", {**params, "last_batch_iteration": -1}, 0.001)
    got, _ = _run(cli, write(cli.folder, "ds.json", fresh), "--epochs", "40")
    assert got == load(GOLDEN / "ds-warmup-01-log-defaults-max.csv").lr.tolist()


def test_ds_config_unknown_warmup_type_is_log(cli):
    params = {"total_num_steps": 40, "warmup_num_steps": 4, "warmup_type": "cosine"}
    got, err = _run(cli, write(cli.folder, "ds.json", ds_config("WarmupDecayLR", params)))
    assert "warmup_type 'cosine' is not log or linear: DeepSpeed warns and uses log" in err
    log = {**params, "warmup_type": "log"}
    assert got == _run(cli, write(cli.folder, "ds2.json", ds_config("WarmupDecayLR", log)))[0]


@pytest.mark.parametrize(
    ("config", "fragments"),
    [
        (
            ds_config("WarmupLRR", {}),
            ["scheduler.type: unknown scheduler type 'WarmupLRR'; did you mean 'WarmupLR'?"],
        ),
        (
            ds_config("WarmupLR", {"warmup_max": 0.1}),
            ["scheduler.params.warmup_max: WarmupLR takes no parameter 'warmup_max'"],
        ),
        (
            ds_config("WarmupLR", {"warmup_max_lr": "auto"}),
            ['scheduler.params.warmup_max_lr: "auto" is filled by the HF Trainer'],
        ),
        (
            ds_config("WarmupCosineLR", {"total_num_steps": 10}, "auto"),
            ['optimizer.params.lr: "auto" is filled by the HF Trainer'],
        ),
        (
            ds_config("WarmupDecayLR", {"total_num_steps": 0}),
            ["scheduler.params.total_num_steps: must be an integer in [1,"],
        ),
        ({"train_batch_size": 8}, ['it has no "scheduler"']),
        (
            {"scheduler": {"type": "WarmupLR"}},
            ["scheduler.params: missing: DeepSpeed builds type(optimizer, **params)"],
        ),
        (
            ds_config("StepLR", {"step_size": 3}, zero_optimization={"stage": 2}),
            ["scheduler.type: StepLR is a torch.optim.lr_scheduler class", "(ZeRO stage 2)"],
        ),
        (
            ds_config("StepLR", {"step_size": 3}, bf16={"enabled": True}),
            ["wrapped optimizer (bf16); torch refuses that"],
        ),
        (
            ds_config("LambdaLR", {"lr_lambda": "0.9**epoch"}),
            ["LambdaLR needs a Python function, which a ds_config cannot hold"],
        ),
        (
            ds_config("WarmupLR", {"last_batch_iteration": 40}),
            ["scheduler.params.last_batch_iteration: not supported: a resumed scheduler"],
        ),
        (
            ds_config("ReduceLROnPlateau", {}),
            ["ReduceLROnPlateau is not one DeepSpeed can step on its own"],
        ),
    ],
)
def test_ds_config_errors(cli, config, fragments):
    cli.fail("run", write(cli.folder, "ds.json", config), fragments=["ds.json: ", *fragments])


# --- HF TrainingArguments with deepspeed= --------------------------------------------------

AUTO = {
    "train_batch_size": "auto",
    "optimizer": {"type": "AdamW", "params": {"lr": "auto", "weight_decay": "auto"}},
    "scheduler": {
        "type": "WarmupCosineLR",
        "params": {"warmup_num_steps": "auto", "total_num_steps": "auto", "cos_min_ratio": 0},
    },
}


def test_hf_deepspeed_path_relative_to_the_config(cli):
    (cli.folder / "cfg").mkdir()
    write(cli.folder, "cfg/ds.json", AUTO)
    args = {
        "learning_rate": 1e-3,
        "lr_scheduler_type": "linear",
        "warmup_steps": 60,
        "max_steps": 600,
        "deepspeed": "ds.json",
    }
    got, err = _run(cli, write(cli.folder, "cfg/args.json", args))
    # WarmupCosineLR(total 600, warmup 60, cos_min_ratio 0) on lr 1e-3: the golden's case
    want = load(GOLDEN / "ds-warmup-cosine-06-per-step.csv")
    assert want.case["params"] == {
        "total_num_steps": 600,
        "warmup_num_steps": 60,
        "cos_min_ratio": 0.0,
    }
    assert got == want.lr.tolist()
    assert "scheduler.params.total_num_steps=600, scheduler.params.warmup_num_steps=60" in err
    assert "the ds_config's scheduler WarmupCosineLR replaces lr_scheduler_type 'linear'" in err


def test_hf_deepspeed_inline_and_mismatch(cli):
    inline = {"learning_rate": 1e-3, "max_steps": 600, "warmup_steps": 0.1, "deepspeed": AUTO}
    got, err = _run(cli, write(cli.folder, "args.json", inline))
    assert "warmup_steps = ceil(0.1 x 600) = 60" in err
    assert got == load(GOLDEN / "ds-warmup-cosine-06-per-step.csv").lr.tolist()
    # a value given in the ds_config that differs from the Trainer's: HF refuses it
    fixed = json.loads(json.dumps(AUTO))
    fixed["scheduler"]["params"]["total_num_steps"] = 500
    bad = {**inline, "deepspeed": fixed}
    cli.fail(
        "run",
        write(cli.folder, "args.json", bad),
        fragments=["total_num_steps: 500 differs from the Trainer's num_training_steps", "auto"],
    )


def test_hf_deepspeed_bad_references(cli):
    args = {"learning_rate": 1e-3, "max_steps": 100, "deepspeed": "nope.json"}
    cli.fail(
        "run",
        write(cli.folder, "args.json", args),
        fragments=["args.json: deepspeed: cannot read config nope.json"],
    )
    bad = {**args, "deepspeed": 5}
    cli.fail(
        "run",
        write(cli.folder, "args.json", bad),
        fragments=["deepspeed: must be the path of a ds_config.json or a table"],
    )


def test_hf_deepspeed_no_warmup_fills_one(cli):
    """HF fills warmup_num_steps with max(1, warmup): DeepSpeed then clamps 1 to 2."""
    args = {"learning_rate": 1e-3, "max_steps": 600, "deepspeed": AUTO}
    got, err = _run(cli, write(cli.folder, "args.json", args))
    assert "scheduler.params.warmup_num_steps=1" in err
    two = json.loads(json.dumps(AUTO))
    two["scheduler"]["params"]["warmup_num_steps"] = 2
    two["scheduler"]["params"]["total_num_steps"] = 600
    two["optimizer"]["params"]["lr"] = 1e-3
    direct, _ = _run(cli, write(cli.folder, "ds.json", two))
    assert got == direct


def test_hf_deepspeed_without_scheduler_keeps_the_trainers(cli):
    ds = {"train_batch_size": "auto", "optimizer": {"type": "AdamW", "params": {"lr": "auto"}}}
    args = {"learning_rate": 1e-3, "max_steps": 100, "warmup_steps": 10, "deepspeed": ds}
    got, err = _run(cli, write(cli.folder, "args.json", args))
    plain, _ = _run(cli, write(cli.folder, "plain.json", {**args, "deepspeed": None}))
    assert got == plain
    assert "the ds_config has no scheduler: the Trainer's lr_scheduler_type runs" in err


def test_hf_warmup_ratio_says_which_rule(cli):
    args = {"learning_rate": 1e-3, "max_steps": 100, "warmup_ratio": 0.1}
    _, err = _run(cli, write(cli.folder, "args.json", args))
    assert "warmup_ratio: ceil(0.1 x 100) = 10 warmup steps (transformers 4.x's rule;" in err
    assert "deprecated, and transformers 5 has no warmup_ratio: write warmup_steps 0.1)" in err
    both = {**args, "warmup_steps": 5}
    _, err = _run(cli, write(cli.folder, "args.json", both))
    assert "warmup_steps > 0 overrides warmup_ratio, as in HF 4.x (warmup_ratio is" in err


# --- --emit deepspeed ----------------------------------------------------------------------

EMITTED = [
    ("ds-warmup:warmup_num_steps=20,warmup_type=linear", 0.001, 30, 1),
    ("ds-warmup-decay:warmup_num_steps=10,warmup_max_lr=0.01", 0.1, 10, 10),
    ("ds-warmup-cosine:warmup_num_steps=7,warmup_min_ratio=0.1,cos_min_ratio=0.2", 3e-4, 50, 1),
    ("ds-onecycle:cycle_min_lr=0.001,cycle_max_lr=0.01,cycle_first_step_size=6,"
     "cycle_first_stair_count=3,decay_lr_rate=0.5,decay_step_size=4", 0.1, 40, 1),
    ("ds-lr-range-test:lr_range_test_step_size=5,lr_range_test_staircase=true", 0.1, 40, 1),
    ("onecycle:max_lr=0.1", 0.1, 4, 25),
    ("step:step_size=7,gamma=0.3", 0.05, 40, 1),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "lr", "epochs", "per_epoch"), EMITTED)
def test_emitted_ds_config_reads_back_to_the_same_lrs(cli, spec, lr, epochs, per_epoch):
    run = ["--lr", str(lr), "--epochs", str(epochs), "--steps-per-epoch", str(per_epoch)]
    run += ["--interval", "step"]
    want = lrs(cli.ok("compare", spec, *run, "--csv", "-").stdout)
    snippet = cli.ok("compare", spec, *run, "--emit", "deepspeed").stdout
    config = json.loads(snippet)
    assert set(config) == {"optimizer", "scheduler"}
    assert config["optimizer"]["params"] == {"lr": lr}
    name = write(cli.folder, "emitted.json", snippet)
    length = ["--epochs", str(epochs), "--steps-per-epoch", str(per_epoch)]
    assert lrs(cli.ok("run", name, *length, "--csv", "-").stdout) == want


def test_emit_deepspeed_writes_deepspeed_names(cli):
    out = cli.ok("ds-warmup-decay", "--warmup-num-steps", "20", "--epochs", "200", "--emit",
                 "deepspeed").stdout  # fmt: skip
    assert json.loads(out)["scheduler"] == {
        "type": "WarmupDecayLR",
        "params": {
            "total_num_steps": 200,
            "warmup_min_lr": 0.0,
            "warmup_max_lr": 0.001,
            "warmup_num_steps": 20,
            "warmup_type": "log",
        },
    }


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["lambda", "--expr", "0.9**epoch"], "has no DeepSpeed equivalent"),
        (["plateau"], "has no DeepSpeed equivalent"),
        (
            ["cosine", "--t-max", "10", "--epochs", "10", "--steps-per-epoch", "5"],
            "this run steps it once per epoch: use --interval step",
        ),
        (["cosine", "--t-max", "10", "--warmup", "3"], "a ds_config holds one scheduler"),
    ],
)
def test_emit_deepspeed_refuses_what_has_no_equivalent(cli, args, fragment):
    cli.fail(*args, "--emit", "deepspeed", fragments=["--emit deepspeed: ", fragment])


@pytest.mark.parametrize(
    ("kind", "params", "why"),
    [
        # DeepSpeedExamples' cifar/ds_config.json (WarmupLR, warmup_num_steps 1000)
        ("WarmupLR", {"warmup_min_lr": 0, "warmup_max_lr": 0.001, "warmup_num_steps": 1000},
         ", though its warmup alone is 1,000"),
        ("WarmupLR", {}, ", though its warmup alone is 1,000"),  # the class's default
        # DeepSpeed's docs/_tutorials/one-cycle.md
        ("OneCycle", {"cycle_min_lr": 0.0001, "cycle_max_lr": 0.001,
                      "cycle_first_step_size": 1000}, ", though its cycle alone is 2,000"),
        ("OneCycle", {"cycle_min_lr": 0.0001, "cycle_max_lr": 0.001,
                      "cycle_first_step_size": 40, "cycle_second_step_size": 50}, ""),
        ("LRRangeTest", {"lr_range_test_step_size": 200}, ""),
    ],
)  # fmt: skip
def test_a_run_without_length_says_what_100_steps_miss(cli, kind, params, why):
    name = write(cli.folder, "ds.json", ds_config(kind, params, 0.001))
    got, err = _run(cli, name)
    assert len(got) == 100
    assert (
        "#   a ds_config has no run length and this scheduler no total_num_steps: showing 100 "
        f"optimizer steps{why} (give --epochs 1 --steps-per-epoch N for a run of N)"
    ) in err.splitlines()
