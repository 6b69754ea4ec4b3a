"""Compositions (sequential = SequentialLR, chained = ChainedScheduler) and warmup.

Parity with PyTorch itself is in test_parity.py (goldens from
tools/goldens_compose.py); here: the CLI, config files, nested SPECs, errors, and
the emulators and fast paths against plain step-by-step replay.
"""

from __future__ import annotations

import json
import math
import shlex
import textwrap

import numpy as np
import pytest
from conftest import read_csv
from hypothesis import given, settings
from hypothesis import strategies as st

from lrplot.params import SCHEDULES, LrplotError
from lrplot.schedules import REGISTRY, TorchScheduler, compose, lookup
from lrplot.spec import load_config, parse_spec

# --- the command line -------------------------------------------------------------


def csv_lr(out: str) -> list[float]:
    header, rows = read_csv(out)
    assert header[:2] == ["step", "epoch"]
    return [float(r[2]) for r in rows]


def test_sequential_cli_exact(cli):
    out = cli.ok(
        "sequential", "--schedule", "exponential:gamma=0.5", "--schedule",
        "step:step_size=2,gamma=0.5", "--milestones", "3", "--epochs", "7", "--csv", "-",
    ).stdout  # fmt: skip
    # torch: SequentialLR(opt, [ExponentialLR(opt, 0.5), StepLR(opt, 2, 0.5)], [3])
    assert csv_lr(out) == [0.1, 0.05, 0.025, 0.1, 0.1, 0.05, 0.05]


def test_sequential_cli_three_children_and_milestone_zero(cli):
    args = ["--schedule", "step:step_size=1,gamma=0.5", "--schedule",
            "multistep:milestones=[0,2],gamma=0.5", "--epochs", "7", "--csv", "-"]  # fmt: skip
    # a later child restarts with its closed form (gamma ** milestones <= 0 ...)
    assert csv_lr(cli.ok("sequential", *args, "--milestones", "3").stdout) == [
        0.1, 0.05, 0.025, 0.05, 0.05, 0.025, 0.025,
    ]  # fmt: skip
    # ... while at milestone 0 it starts with its own initial step
    assert csv_lr(cli.ok("sequential", *args, "--milestones", "0").stdout) == [
        0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.025,
    ]  # fmt: skip


def test_sequential_cosine_eta_restarts_at_closed_form(cli):
    out = cli.ok(
        "sequential", "--schedule", "exponential:gamma=0.5", "--schedule",
        "cosine:t_max=4,eta_min=0.01", "--milestones", "2", "--epochs", "7", "--csv", "-",
    ).stdout  # fmt: skip
    assert csv_lr(out) == [
        0.1, 0.05, 0.1, 0.08681980515339464, 0.05500000000000001, 0.023180194846605363, 0.01,
    ]  # fmt: skip


def test_chained_cli_exact(cli):
    out = cli.ok(
        "chained", "--schedule", "exponential:gamma=0.5", "--schedule",
        "step:step_size=2,gamma=0.5", "--epochs", "5", "--csv", "-",
    ).stdout  # fmt: skip
    # torch: ChainedScheduler([ExponentialLR(opt, 0.5), StepLR(opt, 2, 0.5)])
    assert csv_lr(out) == [0.1, 0.05, 0.0125, 0.00625, 0.0015625]


def test_chained_title(cli):
    out = cli.ok(
        "chained", "--schedule", "exponential:gamma=0.5", "--schedulers", "cosine:t_max=3",
        "--epochs", "3",
    ).stdout  # fmt: skip
    assert (
        "ChainedScheduler(schedulers=[ExponentialLR(gamma=0.5), "
        "CosineAnnealingLR(T_max=3)])" in out  # children: arguments at defaults left out
    )


def test_warmup_cli_exact(cli, csv_writer):
    out = cli.ok("cosine", "--t-max", "4", "--warmup", "2", "--epochs", "7", "--csv", "-").stdout
    assert csv_lr(out) == [
        0.0, 0.05, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.0,
    ]  # fmt: skip
    # warmup_start 0.5: torch's SequentialLR([LinearLR(0.5, total_iters=2), cosine], [2])
    out = cli.ok(
        "cosine", "--t-max", "4", "--warmup", "2", "--warmup-start", "0.5", "--epochs", "7",
        "--csv", "-",
    ).stdout  # fmt: skip
    assert csv_lr(out) == [
        0.05, 0.07500000000000001, 0.1, 0.08535533905932738, 0.05, 0.014644660940672627, 0.0,
    ]  # fmt: skip


def test_warmup_on_onecycle_is_refused(cli):
    """SequentialLR([LinearLR, OneCycleLR]) ramps from OneCycleLR's max_lr / div_factor,
    [LambdaLR, OneCycleLR] from the optimizer's lr: lrplot refuses --warmup and says how
    to write either; the sequential gives PyTorch's LinearLR form (0.0012 at row 0)."""
    message = cli.fail("onecycle", "--max-lr", "0.3", "--warmup", "4", "--epochs", "16")
    assert message == (
        "Error: invalid value for --warmup: a warmup before OneCycleLR has no one meaning in "
        "PyTorch (SequentialLR with LinearLR ramps from max_lr / div_factor, with LambdaLR "
        "from the optimizer's lr): use onecycle's own warmup (pct_start), or write the "
        "SequentialLR you mean: sequential --schedule linear:start_factor=0.1,total_iters=N "
        "--schedule onecycle:max_lr=... --milestones N"
    )
    with pytest.raises(LrplotError, match="no one meaning"):
        parse_spec("onecycle:max_lr=0.3,warmup=4")
    out = cli.ok(
        "sequential", "--schedule", "linear:start_factor=0.1,total_iters=4", "--schedule",
        "onecycle:max_lr=0.3,total_steps=10", "--milestones", "4", "--epochs", "8", "--csv", "-",
    ).stdout  # fmt: skip
    torch_lrs = [0.0012000000000000001, 0.0039000000000000003, 0.0066, 0.009300000000000001]
    assert csv_lr(out)[:4] == torch_lrs  # real torch 2.13's values


def test_warmup_overlap_and_shapes(cli):
    base = ["exponential", "--gamma", "0.5", "--warmup", "2", "--epochs", "4", "--csv", "-"]
    overlap = csv_lr(cli.ok(*base, "--warmup-mode", "overlap").stdout)
    assert overlap == [0.0, 0.05, 0.025, 0.0125]  # the schedule's steps 2, 3 (timm)
    prefix = csv_lr(cli.ok(*base).stdout)
    assert prefix == [0.0, 0.05, 0.1, 0.05]  # the schedule's steps 0, 1 (HF)
    cos = csv_lr(cli.ok(*base, "--warmup-shape", "cosine", "--warmup-start", "0.2").stdout)
    assert cos == [0.1 * 0.2, 0.1 * (0.2 + 0.8 * (1 - math.cos(math.pi / 2)) / 2), 0.1, 0.05]
    ex = csv_lr(cli.ok(*base, "--warmup-shape", "exponential", "--warmup-start", "0.01").stdout)
    assert ex == [0.1 * 0.01, 0.1 * 0.01**0.5, 0.1, 0.05]


def test_warmup_title_and_label(cli):
    out = cli.ok("cosine", "--t-max", "4", "--warmup", "2", "--epochs", "3").stdout
    assert "warmup 2 (linear, prefix) + CosineAnnealingLR(T_max=4, eta_min=0)" in out
    out = cli.ok(
        "compare", "cosine:t_max=4", "step:step_size=2,warmup=0", "--warmup", "1",
        "--warmup-shape", "cosine", "--epochs", "3", "--csv", "-",
    ).stdout  # fmt: skip
    header, rows = read_csv(out)
    # --warmup is a default for every SPEC; a SPEC's own warmup wins
    assert header == ["step", "epoch", "cosine:t_max=4,warmup=1,warmup_shape=cosine",
                      "step:step_size=2"]  # fmt: skip
    assert [float(r[2]) for r in rows] == [0.0, 0.1, 0.08535533905932738]
    assert [float(r[3]) for r in rows] == [0.1, 0.1, 0.010000000000000002]


def test_compare_nested_spec(cli):
    seq = "sequential:schedulers=[exponential:gamma=0.5; step:step_size=2,gamma=0.5],milestones=[3]"
    chained = "chained:schedulers=[exponential:gamma=0.5;step:step_size=2,gamma=0.5],label=ch"
    out = cli.ok("compare", seq, chained, "--epochs", "5", "--csv", "-").stdout
    header, rows = read_csv(out)
    assert header == ["step", "epoch", seq, "ch"]
    assert [float(r[2]) for r in rows] == [0.1, 0.05, 0.025, 0.1, 0.1]
    assert [float(r[3]) for r in rows] == [0.1, 0.05, 0.0125, 0.00625, 0.0015625]


def test_help_shows_spec_syntax(cli):
    out = cli.ok("sequential", "--help").stdout
    assert "--schedule" in out and "--milestones" in out and "--warmup" in out
    assert "lrplot compare 'sequential:schedulers=[" in out
    assert "; " in out.split("lrplot compare 'sequential:schedulers=[")[1].split("]")[0]
    for command in ("cosine", "compare", "run", "chained"):
        assert "--warmup-mode" in cli.ok(command, "--help").stdout
    listing = cli.ok("list").stdout
    assert "SequentialLR" in listing and "ChainedScheduler" in listing


# --- config files ----------------------------------------------------------------


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def test_config_nested_tables_and_strings(tmp_path, cli):
    path = write(
        tmp_path,
        "seq.toml",
        """
        epochs = 7

        [[schedules]]
        type = "sequential"
        schedulers = [{type = "exponential", gamma = 0.5}, "step:step_size=2,gamma=0.5"]
        milestones = [3]

        [[schedules]]
        type = "chained"
        label = "ch"
        schedulers = ["exponential:gamma=0.5", {type = "step", step_size = 2, gamma = 0.5}]
        warmup = 1
        """,
    )
    cfg = load_config(path)
    seq, chained = (s.lr(7, 0.1).tolist() for s in cfg.schedules)
    assert seq == [0.1, 0.05, 0.025, 0.1, 0.1, 0.05, 0.05]
    assert chained == [0.0, 0.1, 0.05, 0.0125, 0.00625, 0.0015625, 0.00078125]
    out = cli.ok("run", str(path), "--csv", "-").stdout
    assert csv_lr(out) == seq


def test_config_json_and_cli_warmup_default(tmp_path, cli):
    data = {
        "epochs": 4,
        "schedules": [
            {"type": "sequential", "schedulers": "[exponential:gamma=0.5; cosine:t_max=2]",
             "milestones": [2]},
            {"type": "cosine", "t_max": 2, "warmup": 0},
        ],
    }  # fmt: skip
    path = tmp_path / "c.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    _, rows = read_csv(cli.ok("run", str(path), "--warmup", "1", "--csv", "-").stdout)
    assert [float(r[2]) for r in rows] == [0.0, 0.1, 0.05, 0.1]  # warmup 1, then the sequence
    assert [float(r[3]) for r in rows] == [0.1, 0.05, 0.0, 0.049999999999999996]  # its own: 0


def test_config_errors_name_the_entry(tmp_path, cli):
    path = write(
        tmp_path,
        "bad.toml",
        """
        [schedule]
        type = "sequential"
        schedulers = [{type = "cosine", t_max = 0}, "exponential:gamma=0.5"]
        milestones = [3]
        """,
    )
    line = cli.fail("run", str(path), fragments=["bad.toml", "schedulers[0]", "t_max"])
    assert "schedules[0]" in line


# --- user errors: exit 2, one line naming the parameter -----------------------------

TWO = ["--schedule", "exponential:gamma=0.5", "--schedule", "cosine:t_max=5"]


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["sequential", "--schedule", "plateau", "--schedule", "cosine:t_max=5",
          "--milestones", "3"], ["--schedule", "ReduceLROnPlateau", "cannot be a child"]),
        (["chained", "--schedule", "cosine:t_max=5", "--schedule", "plateau:patience=2"],
         ["--schedule", "schedulers[1]", "ReduceLROnPlateau"]),
        (["sequential", *TWO], ["--milestones", "1 milestone", "got none"]),
        (["sequential", *TWO, "--milestones", "3,4"], ["--milestones", "one fewer than the 2"]),
        (["sequential", *TWO, "--schedule", "step:step_size=1", "--milestones", "5,3"],
         ["--milestones", "non-decreasing", "[5,3]"]),
        (["sequential", *TWO, "--milestones", "-1"], ["--milestones", ">= 0"]),
        (["sequential", "--milestones", "3"], ["--schedule", "needs schedulers"]),
        (["chained", "--schedule", "cosine:t_max=0"], ["--schedule", "t_max", "got '0'"]),
        (["chained", "--schedule", "cosine:t_max=5,warmup=2"], ["--schedule", "warmup"]),
        (["chained", "--schedule", "nosuch:x=1"], ["--schedule", "unknown schedule"]),
        (["chained", "--schedule", "chained:schedulers=[cosine:t_max=5]"],
         ["--schedule", "cannot be nested"]),
        (["cosine", "--t-max", "5", "--warmup", "-1"], ["--warmup", ">= 0"]),
        (["cosine", "--t-max", "5", "--warmup", "2", "--warmup-start", "1.5"],
         ["--warmup-start", "[0, 1]"]),
        (["cosine", "--t-max", "5", "--warmup", "2", "--warmup-shape", "exponential"],
         ["--warmup-start", "> 0"]),
        (["cosine", "--t-max", "5", "--warmup-mode", "both"], ["--warmup-mode", "prefix"]),
        (["compare", "cosine:t_max=5", "--warmup", "x"], ["--warmup", "step count"]),
        (["compare", "sequential:schedulers=[cosine:t_max=5; ],milestones=[3]"],
         ["schedulers", "empty item"]),
        (["compare", "sequential:schedulers=[cosine:t_max=5,milestones=[3]"], ["unclosed '['"]),
        (["compare", "sequential:schedulers=[cosine:t_max=5]],milestones=[]"], ["unbalanced"]),
        (["compare", "sequential:schedulers=[],milestones=[]"], ["schedulers", "at least 1"]),
        (["compare", "chained:schedulers=[cosine:t_max=5; cosine:t_max=x]"],
         ["schedulers[1]", "t_max"]),
        (["compare", "chained:schedulers=5"], ["schedulers[0]", "unknown schedule"]),
    ],
)  # fmt: skip
def test_bad_input(cli, args, fragments):
    cli.fail(*args, "--epochs", "5", fragments=fragments)


def test_torch_failure_is_a_user_error(cli, monkeypatch):
    class Broken(TorchScheduler):
        def get_lr(self) -> float:
            return 1 / 0 if self.last_epoch > 1 else self.group["lr"]

    d = REGISTRY["exponential"]
    monkeypatch.setitem(REGISTRY, "exponential", type(d)(**{**d.__dict__, "emulator": Broken}))
    fragments = ["ChainedScheduler fails here in PyTorch too", "ZeroDivisionError"]
    cli.fail("chained", "--schedule", "exponential:gamma=0.5", "--epochs", "5", fragments=fragments)


# --- nested SPECs --------------------------------------------------------------------


def test_nested_spec_round_trip():
    text = (
        "sequential:schedulers=[multistep:milestones=[2,4],gamma=0.5; "
        "'cosine:t_max=7,eta_min=0.01';step:step_size=3],milestones=[10,30],warmup=3,warmup_mode=overlap"
    )
    s = parse_spec(text)
    children = s.values["schedulers"]
    assert [c.name for c in children] == ["multistep", "cosine", "step"]
    assert children[1].values == {"t_max": 7, "eta_min": 0.01}
    assert s.values["milestones"] == (10, 30)
    assert s.warmup is not None and s.warmup.mode == "overlap"
    assert s.spec() == (
        "sequential:schedulers=[multistep:milestones=[2,4],gamma=0.5; "
        "cosine:t_max=7,eta_min=0.01; step:step_size=3],milestones=[10,30],"
        "warmup=3,warmup_mode=overlap"
    )
    again = parse_spec(s.spec())
    assert again.spec() == s.spec()
    assert np.array_equal(again.lr(60, 0.1), s.lr(60, 0.1))
    assert s.title().startswith(
        "warmup 3 (linear, overlap) + SequentialLR(schedulers=[MultiStepLR("
    )


CHILDREN = [
    "step:step_size=3", "multistep:milestones=[0,2,2]", "exponential:gamma=0.9",
    "cosine:t_max=4", "cosine:t_max=3,eta_min=0.01", "plateau", "nosuch",
    "chained:schedulers=[step:step_size=1]", "cosine:t_max=2,warmup=1", "cosine:t_max=0", "",
]  # fmt: skip
PIECES = st.sampled_from(["[", "]", ";", ",", "'", '"', " ", "=", ":", "milestones=", "[1]"])


@st.composite
def nested_specs(draw):
    kind = draw(st.sampled_from(["sequential", "chained", "sequential:", "chained:x=1,"]))
    kids = draw(st.lists(st.sampled_from(CHILDREN), max_size=4))
    sep = draw(st.sampled_from(["; ", ";", ",", ";;"]))
    inner = sep.join(kids)
    if draw(st.booleans()):
        inner = "[" + inner + "]"
    milestones = draw(st.lists(st.integers(-1, 12), max_size=4))
    text = f"{kind}:schedulers={inner},milestones=[{','.join(map(str, milestones))}]"
    if draw(st.booleans()):  # damage it
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(PIECES) + text[at + draw(st.integers(0, 3)) :]
    return text


@settings(max_examples=300, deadline=None, database=None)
@given(nested_specs())
def test_fuzz_nested_specs(text):
    try:
        s = parse_spec(text)
    except LrplotError:
        return
    again = parse_spec(s.spec())
    assert again.spec() == s.spec()
    assert np.array_equal(again.lr(20, 0.1), s.lr(20, 0.1))


# --- the emulators, and the fast paths against plain replay --------------------------


def example_params(name: str) -> dict[str, object]:
    """A schedule's parameters from its help example (--opt value pairs)."""
    d = REGISTRY[name]
    by_option = {p.option: p for p in d.params}
    tokens = shlex.split(d.example)
    return {
        by_option[o].name: v
        for o, v in zip(tokens[::2], tokens[1::2], strict=False)
        if o in by_option
    }


EMULATED = [name for name, d in REGISTRY.items() if d.emulator is not None]
EXTRA = [
    "step:step_size=1,gamma=0.5", "multistep:milestones=[0,0,3,3,9],gamma=0.5",
    "exponential:gamma=1.01", "cosine:t_max=1", "cosine:t_max=1,eta_min=0.05",
    "cosine:t_max=7,eta_min=0.01", "cosine:t_max=50,eta_min=0.01", "cosine:t_max=3",
    "onecycle:max_lr=0.5,total_steps=300,three_phase=true",
]  # fmt: skip


def replay(schedule, count: int, base_lr: float = 0.1) -> np.ndarray:
    group = {"lr": base_lr, "momentum": 0.0}
    emulator = schedule.definition.emulator(group, schedule.values)
    out = [group["lr"]]
    for _ in range(count - 1):
        emulator.step()
        out.append(group["lr"])
    return np.array(out)


@pytest.mark.parametrize("spec", [*EMULATED, *EXTRA])
def test_emulator_reproduces_the_schedule(spec):
    """Each emulator, stepped alone, gives the schedule's own LR (itself golden-tested)."""
    if ":" in spec:
        s = parse_spec(spec)
    else:  # as a child, onecycle needs total_steps (PyTorch's OneCycleLR does), axolotl's
        # cosines num_training_steps: their run-length defaults, given
        extra = dict.fromkeys(REGISTRY[spec].emit.run_defaults, 300)
        s = lookup(spec).build({**example_params(spec), **extra})
    expected = s.lr(300, 0.1)
    np.testing.assert_allclose(replay(s, 300), expected, rtol=1e-12, atol=0)
    # advance(): the vectorized path, from step 0 and from the middle
    group = {"lr": 0.1, "momentum": 0.0}
    emulator = s.definition.emulator(group, s.values)
    first = group["lr"]
    head = emulator.advance(120)
    tail = emulator.advance(179)
    np.testing.assert_allclose(np.r_[first, head, tail], expected, rtol=1e-12, atol=0)


def slow(monkeypatch):
    """No fast paths: every child is stepped, one step at a time."""
    monkeypatch.setattr(TorchScheduler, "advance", _loop_advance)
    for d in REGISTRY.values():
        if d.emulator is not None:
            monkeypatch.setattr(d.emulator, "factors", lambda self, lo, hi: None, raising=False)
            if "advance" in d.emulator.__dict__:
                monkeypatch.setattr(d.emulator, "advance", _loop_advance)


def _loop_advance(self, count):
    out = np.empty(count)
    for i in range(count):
        self.step()
        out[i] = self.group["lr"]
    return out


COMPOSITES = [
    "sequential:schedulers=[exponential:gamma=0.9; cosine:t_max=7,eta_min=0.01; "
    "step:step_size=3,gamma=0.5],milestones=[5,40]",
    "sequential:schedulers=[cosine:t_max=5; multistep:milestones=[0,3,3],gamma=0.5; "
    "cosine:t_max=2],milestones=[0,17]",
    "sequential:schedulers=[step:step_size=2; exponential:gamma=0.8; cosine:t_max=3],"
    "milestones=[7,7]",
    "chained:schedulers=[cosine:t_max=3; exponential:gamma=0.97; step:step_size=4,gamma=0.5]",
    "chained:schedulers=[cosine:t_max=4,eta_min=0.01; multistep:milestones=[0,5],gamma=0.5]",
    "chained:schedulers=[exponential:gamma=0.99; step:step_size=7,gamma=0.5]",
]


@pytest.mark.parametrize("spec", COMPOSITES)
@pytest.mark.parametrize("chunk", [3, 1 << 18])
def test_fast_paths_match_step_by_step(spec, chunk, monkeypatch):
    s = parse_spec(spec)
    monkeypatch.setattr(compose, "_CHUNK", chunk)
    fast = s.lr(100, 0.1)
    slow(monkeypatch)
    assert np.array_equal(fast, s.lr(100, 0.1))


def test_composites_declare_their_children():
    for name in ("sequential", "chained"):
        kinds = [p.kind for p in REGISTRY[name].params]
        assert SCHEDULES in kinds
    assert [p.name for p in REGISTRY["sequential"].params] == ["schedulers", "milestones"]
    assert list(REGISTRY)[-2:] == ["sequential", "chained"]


def test_warmup_is_vectorized_and_joins_two_arrays():
    s = parse_spec("cosine:t_max=50,warmup=10")
    main = parse_spec("cosine:t_max=50").lr(90, 0.1)
    lr = s.lr(100, 0.1)
    assert np.array_equal(lr[10:], main)
    assert np.array_equal(lr[:10], 0.1 * (np.arange(10) / 10))
    overlap = parse_spec("cosine:t_max=50,warmup=10,warmup_mode=overlap").lr(100, 0.1)
    assert np.array_equal(overlap[10:], parse_spec("cosine:t_max=50").lr(100, 0.1)[10:])
    # a warmup longer than the run is all warmup
    assert np.array_equal(parse_spec("step:step_size=2,warmup=8").lr(4, 0.1), lr[:4] * 0 +
                          0.1 * (np.arange(4) / 8))  # fmt: skip


def test_config_top_level_warmup(tmp_path, cli):
    path = write(
        tmp_path,
        "w.toml",
        """
        epochs = 4
        warmup = 2
        warmup_shape = "cosine"
        schedules = ["exponential:gamma=0.5", "exponential:gamma=0.5,warmup=0"]
        """,
    )
    warmed, plain = load_config(path).schedules
    assert warmed.spec() == "exponential:gamma=0.5,warmup=2,warmup_shape=cosine"
    assert warmed.lr(4, 0.1).tolist() == [0.0, 0.1 * ((1 - math.cos(math.pi / 2)) / 2), 0.1, 0.05]
    assert plain.lr(4, 0.1).tolist() == [0.1, 0.05, 0.025, 0.0125]
    # the command line's --warmup wins over the file's, a schedule's own over both
    out = cli.ok("run", str(path), "--warmup", "1", "--csv", "-").stdout
    _, rows = read_csv(out)
    assert [float(r[2]) for r in rows] == [0.0, 0.1, 0.05, 0.025]
    assert [float(r[3]) for r in rows] == [0.1, 0.05, 0.025, 0.0125]
    bad = write(tmp_path, "b.toml", 'warmup = -1\nschedule = "cosine:t_max=3"\n')
    cli.fail("run", str(bad), fragments=["b.toml", "warmup", ">= 0"])
    typo = write(tmp_path, "t.toml", 'warmpu = 1\nschedule = "cosine:t_max=3"\n')
    cli.fail("run", str(typo), fragments=["did you mean 'warmup'"])
