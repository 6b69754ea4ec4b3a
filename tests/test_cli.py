"""The command line, end to end: tables, CSV, compare, list, help, and every kind of bad input."""

from __future__ import annotations

import math
import os

import pytest
from conftest import TERMINAL, plain, read_csv, table_rows, trace

import lrplot.render.export
import lrplot.render.plot
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY

UNITS = ", or epochs (3ep) or a percentage of the run (10%)"  # lengths take units too


def cosine(n: int, t_max: int, lr: float = 0.1, eta_min: float = 0.0) -> float:
    return eta_min + (lr - eta_min) * (1 + math.cos(math.pi * n / t_max)) / 2


# --- a single schedule: the table -------------------------------------------------


def test_headline_run_shows_every_epoch(cli):
    """The README's first command: 100 epochs is a short run, every epoch is a row."""
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "100").stdout
    assert out.splitlines()[0].split() == [
        "CosineAnnealingLR(T_max=50,",
        "eta_min=0)",
        "lr=0.1,",
        "100",
        "epochs",
    ]
    rows = {int(r[0]): r[1] for r in table_rows(out)}
    assert sorted(rows) == list(range(100))
    assert rows[0] == "0.1"
    assert rows[50] == "0"
    assert rows[25] == "0.05"
    assert rows[4] == "0.0984292"
    for epoch, text in rows.items():
        assert text == f"{cosine(epoch, 50):.6g}"
    assert "showing" not in out
    # PyTorch's cosine keeps going after t_max: back up towards lr0 by epoch 99
    assert "initial 0.1  final 0.0999013  min 0  max 0.1  changes 99" in out


def test_cosine_long_table_shows_selected_rows(cli):
    out = cli.ok("cosine", "--t-max", "150", "--epochs", "300").stdout
    rows = {int(r[0]): r[1] for r in table_rows(out)}
    assert len(rows) == 25  # a long smooth run: 25 evenly spaced rows, first and last
    assert min(rows) == 0 and max(rows) == 299
    assert rows[0] == "0.1"
    for epoch, text in rows.items():
        assert text == f"{cosine(epoch, 150):.6g}"
    assert "showing 25 of 300 rows; --all shows every row" in out


def test_all_shows_every_row(cli):
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "100", "--all").stdout
    rows = table_rows(out)
    assert [int(r[0]) for r in rows] == list(range(100))
    assert [r[1] for r in rows] == [f"{cosine(n, 50):.6g}" for n in range(100)]
    assert "showing" not in out


def test_exact_prints_repr(cli):
    out = cli.ok("cosine", "--t-max", "50", "--epochs", "20", "--exact").stdout
    expected = trace("cosine:t_max=50", epochs=20).lr.tolist()
    rows = table_rows(out)
    assert [r[1] for r in rows] == [repr(v) for v in expected]
    assert math.isclose(float(rows[4][1]), cosine(4, 50), rel_tol=1e-13)
    assert f"final {expected[-1]!r}" in out


def test_short_run_shows_every_row_with_change_marks(cli):
    out = cli.ok("multistep", "--milestones", "2,4", "--gamma", "0.5", "--epochs", "6").stdout
    assert table_rows(out) == [
        ["0", "0.1"],
        ["1", "0.1"],
        ["2", "0.05", "↓"],
        ["3", "0.05"],
        ["4", "0.025", "↓"],
        ["5", "0.025"],
    ]
    assert "MultiStepLR(milestones=[2,4], gamma=0.5)" in out
    assert "initial 0.1  final 0.025  min 0.025  max 0.1  changes 2" in out


def test_piecewise_long_run_shows_first_last_and_changes(cli):
    out = cli.ok("multistep", "--milestones", "60,160", "--epochs", "200").stdout
    assert table_rows(out) == [
        ["0", "0.1"],
        ["59", "0.1"],
        ["60", "0.01", "↓"],
        ["159", "0.01"],
        ["160", "0.001", "↓"],
        ["199", "0.001"],
    ]
    assert "showing 6 of 200 rows" in out


def test_step_and_exponential_tables(cli):
    out = cli.ok("step", "--step-size", "2", "--gamma", "0.5", "--epochs", "5", "--lr", "1").stdout
    assert [r[:2] for r in table_rows(out)] == [
        ["0", "1"],
        ["1", "1"],
        ["2", "0.5"],
        ["3", "0.5"],
        ["4", "0.25"],
    ]
    out = cli.ok("exponential", "--gamma", "0.5", "--epochs", "4", "--lr", "2").stdout
    assert [r[:2] for r in table_rows(out)] == [["0", "2"], ["1", "1"], ["2", "0.5"], ["3", "0.25"]]
    assert "ExponentialLR(gamma=0.5)  lr=2, 4 epochs" in out


def test_quiet_prints_no_table(cli):
    result = cli.ok("cosine", "--t-max", "5", "--epochs", "5", "--quiet", "--csv", "q.csv")
    assert result.stdout == ""
    assert result.stderr == "wrote q.csv (5 rows)\n"
    assert (cli.folder / "q.csv").read_text().splitlines()[0] == "step,epoch,lr"


def test_version(cli):
    assert cli.ok("--version").stdout == "lrplot 0.1.0\n"


def test_no_arguments_prints_help_and_no_error_line(cli):
    result = cli()
    assert result.exit_code == 2, result.output
    assert "Usage:" in result.stdout
    assert "Examples" in result.stdout
    assert "Error" not in result.output


# --- CSV --------------------------------------------------------------------------


def test_csv_stdout_round_trips_bit_identical(cli, csv_writer):
    result = cli.ok("cosine", "--t-max", "50", "--epochs", "100", "--csv", "-")
    assert result.stderr == ""
    header, rows = read_csv(result.stdout)
    assert header == ["step", "epoch", "lr"]
    expected = trace("cosine:t_max=50", epochs=100).lr.tolist()
    assert len(rows) == 100
    for n, (step, epoch, lr) in enumerate(rows):
        assert int(step) == n and int(epoch) == n
        assert float(lr) == expected[n], (n, lr, expected[n])
        assert math.isclose(float(lr), cosine(n, 50), rel_tol=1e-12, abs_tol=1e-17)
    assert rows[0] == ["0", "0", "0.1"]
    assert float(rows[50][2]) == 0.0


def test_csv_stdout_prints_no_table(cli, csv_writer):
    out = cli.ok("step", "--step-size", "1", "--epochs", "3", "--csv", "-").stdout
    assert out.splitlines() == [
        "step,epoch,lr",
        "0,0,0.1",
        "1,1,0.010000000000000002",
        "2,2,0.0010000000000000002",
    ]


def test_csv_file_contents(cli, csv_writer):
    result = cli.ok("step", "--step-size", "2", "--gamma", "0.5", "--epochs", "5", "--csv", "s.csv")
    assert result.stderr == "wrote s.csv (5 rows)\n"
    text = (cli.folder / "s.csv").read_text(encoding="utf-8")
    assert text == "step,epoch,lr\n0,0,0.1\n1,1,0.1\n2,2,0.05\n3,3,0.05\n4,4,0.025\n"
    assert [r[:2] for r in table_rows(result.stdout)][2] == ["2", "0.05"]  # table still shown
    assert cli.files() == {"s.csv"}


def test_csv_keeps_extreme_values_readable(cli, csv_writer):
    # 0.1 * 1e308 ** n overflows to inf, as in PyTorch; the CSV must still read back
    result = cli("exponential", "--gamma", "1e308", "--epochs", "4", "--csv", "-")
    assert result.exit_code == 0, result.output
    _, rows = read_csv(result.stdout)
    values = [float(r[2]) for r in rows]
    assert values == trace("exponential:gamma=1e308", epochs=4).lr.tolist()
    assert values[0] == 0.1 and values[-1] == math.inf


def test_csv_tiny_values_round_trip(cli, csv_writer):
    out = cli.ok("exponential", "--gamma", "1e-120", "--epochs", "4", "--csv", "-").stdout
    values = [float(r[2]) for r in read_csv(out)[1]]
    assert values == trace("exponential:gamma=1e-120", epochs=4).lr.tolist()
    assert values[-1] == 0.0 and values[2] > 0  # 1e-241 is a normal double, 1e-361 is 0


def test_plateau_csv_has_metric_column(cli, csv_writer):
    out = cli.ok("plateau", "--patience", "2", "--epochs", "30", "--seed", "3", "--csv", "-").stdout
    header, rows = read_csv(out)
    assert header == ["step", "epoch", "lr", "metric"]
    expected = trace("plateau:patience=2", epochs=30, seed=3)
    assert [float(r[2]) for r in rows] == expected.lr.tolist()
    assert [float(r[3]) for r in rows] == expected.sched_metric.tolist()
    assert len(rows) == 30


def test_plateau_table_and_csv_from_metric_file(cli, csv_writer):
    (cli.folder / "loss.txt").write_text("# val loss\n1.0\n0.5\n\n0.5\n0.5\n0.5\n0.5\n")
    args = ("plateau", "--patience", "1", "--epochs", "6", "--lr", "0.5")
    out = cli.ok(*args, "--metric-file", "loss.txt").stdout
    assert table_rows(out) == [
        ["0", "0.5", "1"],
        ["1", "0.5", "0.5"],
        ["2", "0.5", "0.5"],
        ["3", "0.5", "0.5"],
        ["4", "0.05", "0.5", "↓"],
        ["5", "0.05", "0.5"],
    ]
    assert "(metric from loss.txt)" in out
    out = cli.ok(*args, "--metric-file", "loss.txt", "--csv", "-").stdout
    assert out.splitlines() == [
        "step,epoch,lr,metric",
        "0,0,0.5,1.0",
        "1,1,0.5,0.5",
        "2,2,0.5,0.5",
        "3,3,0.5,0.5",
        "4,4,0.05,0.5",
        "5,5,0.05,0.5",
    ]


def test_plateau_metric_csv_column(cli):
    (cli.folder / "log.csv").write_text("epoch,loss,acc\n0,3,0.1\n1,2,0.2\n2,2,0.3\n3,2,0.3\n")
    out = cli.ok(
        "plateau", "--patience", "0", "--epochs", "4", "--metric-file", "log.csv",
        "--metric-column", "loss", "--csv", "-",
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        "step,epoch,lr,metric",
        "0,0,0.1,3.0",
        "1,1,0.1,2.0",
        "2,2,0.1,2.0",
        "3,3,0.010000000000000002,2.0",
    ]


def test_plateau_metric_from_a_sparse_lightning_csv(cli):
    """Lightning's metrics.csv writes val_loss on rows of its own: the empty cells of
    the column are other metrics' rows, skipped."""
    (cli.folder / "metrics.csv").write_text(
        "epoch,step,train_loss,val_loss\n0,9,1.0,\n0,9,,3\n1,19,0.8,\n1,19,,2\n"
        "2,29,0.7,\n2,29,,2\n3,39,0.6,\n3,39,,2\n"
    )
    out = cli.ok(
        "plateau", "--patience", "0", "--epochs", "4", "--metric-file", "metrics.csv",
        "--metric-column", "val_loss", "--csv", "-",
    ).stdout  # fmt: skip
    assert out.splitlines()[1:] == [
        "0,0,0.1,3.0",
        "1,1,0.1,2.0",
        "2,2,0.1,2.0",
        "3,3,0.010000000000000002,2.0",
    ]


def test_steps_per_epoch_interval_step(cli, csv_writer):
    args = ("step", "--step-size", "3", "--gamma", "0.5", "--epochs", "2", "--steps-per-epoch", "4")
    out = cli.ok(*args, "--interval", "step", "--csv", "-").stdout
    assert out.splitlines() == [
        "step,epoch,lr",
        "0,0,0.1",
        "1,0,0.1",
        "2,0,0.1",
        "3,0,0.05",
        "4,1,0.05",
        "5,1,0.05",
        "6,1,0.025",
        "7,1,0.025",
    ]
    out = cli.ok(*args, "--interval", "step").stdout
    assert "lr=0.1, 2 epochs x 4 steps, stepped per step" in out
    assert table_rows(out) == [
        ["0", "0", "0.1"],
        ["1", "0", "0.1"],
        ["2", "0", "0.1"],
        ["3", "0", "0.05", "↓"],
        ["4", "1", "0.05"],
        ["5", "1", "0.05"],
        ["6", "1", "0.025", "↓"],
        ["7", "1", "0.025"],
    ]


def test_steps_per_epoch_interval_epoch(cli, csv_writer):
    args = ("step", "--step-size", "1", "--epochs", "2", "--steps-per-epoch", "4", "--csv", "-")
    out = cli.ok(*args).stdout
    assert out.splitlines() == [
        "step,epoch,lr",
        *(f"{s},0,0.1" for s in range(4)),
        *(f"{s},1,0.010000000000000002" for s in range(4, 8)),
    ]
    out = cli.ok("step", "--step-size", "1", "--epochs", "2", "--steps-per-epoch", "4").stdout
    assert "stepped per epoch" in out
    assert [r[:3] for r in table_rows(out)] == [
        *([str(s), "0", "0.1"] for s in range(4)),
        *([str(s), "1", "0.01"] for s in range(4, 8)),
    ]


# --- compare ----------------------------------------------------------------------


def test_compare_table_columns(cli):
    out = cli.ok("compare", "cosine:t_max=4", "step:step_size=2,gamma=0.5", "--epochs", "5").stdout
    assert out.splitlines()[0].strip() == "2 schedules  lr=0.1, 5 epochs"
    header = next(line for line in out.splitlines() if "epoch" in line and "cosine" in line)
    assert header.split() == ["epoch", "cosine:t_max=4", "step:step_size=2,gamma=0.5"]
    cos = [f"{cosine(n, 4):.6g}" for n in range(5)]
    assert [r[:3] for r in table_rows(out)] == [
        ["0", cos[0], "0.1"],
        ["1", cos[1], "0.1"],
        ["2", cos[2], "0.05"],
        ["3", cos[3], "0.05"],
        ["4", cos[4], "0.025"],
    ]
    assert "cosine:t_max=4: initial 0.1  final 0  min 0  max 0.1  changes 4" in out
    assert "step:step_size=2,gamma=0.5: initial 0.1  final 0.025" in out


def test_compare_wide_csv(cli, csv_writer):
    out = cli.ok(
        "compare", "cosine:t_max=4", "exponential:gamma=0.5", "--epochs", "5", "--csv", "-"
    ).stdout
    assert out.splitlines()[0] == "step,epoch,cosine:t_max=4,exponential:gamma=0.5"
    _, rows = read_csv(out)
    cos = trace("cosine:t_max=4", epochs=5).lr.tolist()
    assert [float(r[2]) for r in rows] == cos
    assert [r[3] for r in rows] == ["0.1", "0.05", "0.025", "0.0125", "0.00625"]
    assert [r[:2] for r in rows] == [[str(n), str(n)] for n in range(5)]


def test_compare_csv_file_and_label_with_comma(cli, csv_writer):
    cli.ok(
        "compare", "cosine:t_max=4,label='a, b'", "cosine:t_max=2", "--epochs", "3",
        "--csv", "c.csv", "-q",
    )  # fmt: skip
    text = (cli.folder / "c.csv").read_text()
    assert text.splitlines()[0] == 'step,epoch,"a, b",cosine:t_max=2'
    header, rows = read_csv(text)
    assert header == ["step", "epoch", "a, b", "cosine:t_max=2"]
    assert len(rows) == 3


def test_compare_duplicate_labels_made_unique(cli):
    out = cli.ok(
        "compare", "cosine:t_max=4", "cosine:t_max=4", "cos:t_max=4", "--epochs", "2", "--csv", "-"
    ).stdout
    assert out.splitlines()[0] == ("step,epoch,cosine:t_max=4,cosine:t_max=4 #2,cosine:t_max=4 #3")
    out = cli.ok("compare", "cosine:t_max=4", "cosine:t_max=4", "--epochs", "2").stdout
    assert "cosine:t_max=4 #2: initial 0.1" in out


def test_compare_label_in_spec(cli, csv_writer):
    out = cli.ok(
        "compare", "multistep:milestones=[1,2],label=paper", "step:step_size=1,label=mine",
        "--epochs", "3", "--csv", "-",
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        "step,epoch,paper,mine",
        "0,0,0.1,0.1",
        "1,1,0.010000000000000002,0.010000000000000002",
        "2,2,0.0010000000000000002,0.0010000000000000002",
    ]
    table = cli.ok(
        "compare", "step:step_size=1,label=mine", "step:step_size=1,label=mine", "--epochs", "2"
    ).stdout
    assert "mine #2: initial 0.1  final 0.01" in table


def test_compare_with_plateau_adds_metric_columns(cli):
    out = cli.ok(
        "compare", "plateau:patience=1", "cosine:t_max=3", "--epochs", "4", "--seed", "2",
        "--csv", "-",
    ).stdout  # fmt: skip
    header, rows = read_csv(out)
    assert header == [
        "step", "epoch", "plateau:patience=1", "plateau:patience=1 metric", "cosine:t_max=3"
    ]  # fmt: skip
    expected = trace("plateau:patience=1", epochs=4, seed=2)
    assert [float(r[3]) for r in rows] == expected.sched_metric.tolist()


def test_compare_per_step(cli, csv_writer):
    out = cli.ok(
        "compare", "step:step_size=1", "exponential:gamma=0.5", "--epochs", "2",
        "--steps-per-epoch", "2", "--interval", "step", "--csv", "-",
    ).stdout  # fmt: skip
    assert out.splitlines() == [
        "step,epoch,step:step_size=1,exponential:gamma=0.5",
        "0,0,0.1,0.1",
        "1,0,0.010000000000000002,0.05",
        "2,1,0.0010000000000000002,0.025",
        "3,1,0.00010000000000000003,0.0125",
    ]


# --- list and help ----------------------------------------------------------------


def test_list_names_every_schedule_and_torch_class(cli):
    out = cli.ok("list").stdout
    names = ["step", "multistep", "exponential", "cosine", "plateau"]
    assert list(REGISTRY)[:5] == names
    classes = ["StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "ReduceLROnPlateau"]
    for name, cls in zip(names, classes, strict=True):
        line = next(line for line in out.splitlines() if line.split()[:1] == [name])
        assert cls in line.split(), line
    # the index: a line each, whole when piped; --all: library, formula, parameters
    assert len(out.splitlines()) == len(REGISTRY) + 1
    full = cli.ok("list", "--all").stdout
    assert "reproduces (library)" in full
    assert "(torch.optim.lr_scheduler)" in full and "(transformers)" in full
    assert "t_max=required" in full
    assert "patience=10" in full


def test_list_fits_a_terminal(cli):
    for columns in (80, 120):
        env = {**TERMINAL, "COLUMNS": str(columns)}
        out = plain(cli.ok("list", env=env).stdout)
        assert max(len(line) for line in out.splitlines()) <= columns
        words = out.split()
        for d in REGISTRY.values():  # names and classes whole
            assert d.name in words and d.torch_class in words, d.name
        assert len(out.splitlines()) <= 2 * len(REGISTRY) + 3  # a long class: a line more
    wide = plain(cli.ok("list", env={**TERMINAL, "COLUMNS": "120"}).stdout)
    assert len(wide.splitlines()) == len(REGISTRY) + 1  # one line each


HELP_EXAMPLES = {
    (): "lrplot cosine --t-max 50 --epochs 100",
    ("step",): "lrplot step --step-size 30 --gamma 0.1 --epochs 100",
    ("multistep",): "lrplot multistep --milestones 30,80 --gamma 0.1 --epochs 100",
    ("exponential",): "lrplot exponential --gamma 0.95 --epochs 100",
    ("cosine",): "lrplot cosine --t-max 50 --epochs 100 -o cosine.png",
    ("plateau",): "lrplot plateau --patience 5 --epochs 100 --seed 1",
    ("compare",): "lrplot compare cosine:t_max=100 step:step_size=30",
    ("run",): "lrplot run sample_configs/cosine.toml",
    ("list",): "lrplot list",
}


@pytest.mark.parametrize("command", list(HELP_EXAMPLES), ids=lambda c: c[0] if c else "lrplot")
@pytest.mark.parametrize("flag", ["--help", "-h"])
def test_help_has_examples(cli, command, flag):
    result = cli.ok(*command, flag)
    assert "Usage:" in result.stdout
    assert "Examples" in result.stdout
    assert HELP_EXAMPLES[command] in result.stdout


def test_schedule_help_lists_declared_parameters(cli):
    out = cli.ok("plateau", "--help").stdout
    for option in ["--mode", "--factor", "--patience", "--threshold-mode", "--min-lr", "--eps"]:
        assert option in out
    assert "a number in (0, 1)" in out
    assert "--metric-file" in out and "--seed" in out
    out = cli.ok("cosine", "--help").stdout
    assert "--t-max" in out and "a step count >= 1" in out and "[required]" in out
    assert "--metric-file" not in out


# --- bad input: exit 2, one line, no traceback, no file --------------------------

BAD = [
    # unknown things
    (["cosin", "--t-max", "5"], ["No such command 'cosin'", "Did you mean 'cosine'"]),
    (["compare", "cosin:t_max=5"], ["unknown schedule 'cosin'", "did you mean 'cosine'"]),
    (["cosine", "--t-max", "5", "--bogus", "1"], ["No such option", "--bogus"]),  # click's words
    (["cosine", "--t-max"], ["--t-max", "requires an argument"]),
    # missing required parameters
    (["cosine"], ["missing option --t-max", "cosine needs t_max", "a step count >= 1"]),
    (["step"], ["--step-size", "step needs step_size"]),
    (["multistep"], ["--milestones", "multistep needs milestones"]),
    (["exponential"], ["--gamma", "exponential needs gamma", "a number > 0"]),
    (["compare"], ["Missing argument 'SPEC...'"]),
    (["run"], ["Missing argument 'CONFIG'"]),
    # malformed SPECs
    (["compare", "multistep:milestones=[30,80"], ["multistep:milestones=[30,80", "unclosed '['"]),
    (["compare", "multistep:milestones=30,80]"], ["unbalanced ']'"]),
    (["compare", "cosine:t_max"], ["'t_max' is not key=value"]),
    (["compare", "cosine:t_max=5,,eta_min=0"], ["empty item"]),
    (["compare", "cosine:t_max=5,"], ["empty item"]),
    (["compare", "cosine:t_maxx=5"], ["no parameter 't_maxx'", "did you mean 't_max'"]),
    (["compare", "cosine:t_max=5,t_max=6"], ["t_max is given twice"]),
    (["compare", "cosine:label='x"], ["unclosed quote"]),
    (["compare", ":t_max=5"], ["has no schedule name"]),
    (["compare", " "], ["empty schedule SPEC"]),
    (["compare", "cosine:t_max=0"], ["SPEC 'cosine:t_max=0'", "t_max must be a step count >= 1"]),
    # out-of-range values
    (["step", "--step-size", "0"], ["--step-size", "a step count >= 1", "got '0'"]),
    (["step", "--step-size", "2.5"], ["--step-size", "a step count >= 1", "got '2.5'"]),
    (["cosine", "--t-max", "0"], ["--t-max", f"t_max must be a step count >= 1{UNITS}, got '0'"]),
    (["cosine", "--t-max", "ten"], ["--t-max", "got 'ten'"]),
    (["step", "--step-size", "3", "--gamma", "0"], ["--gamma", "a number > 0", "got '0'"]),
    (["step", "--step-size", "3", "--gamma", "-0.5"], ["--gamma", "a number > 0", "got '-0.5'"]),
    (["exponential", "--gamma", "nan"], ["--gamma", "got 'nan'"]),
    (["plateau", "--factor", "1"], ["--factor", "a number in (0, 1)", "got '1'"]),
    (["plateau", "--factor", "0"], ["--factor", "a number in (0, 1)", "got '0'"]),
    (["plateau", "--patience", "-1"], ["--patience", "a step count >= 0", "got '-1'"]),
    (["plateau", "--mode", "maximum"], ["--mode", "one of min, max", "got 'maximum'"]),
    (["plateau", "--threshold-mode", "x"], ["--threshold-mode", "one of rel, abs"]),
    (["plateau", "--metric-shape", "flatt"], ["--metric-shape", "one of decay, plateaus, flat"]),
    (["plateau", "--metric-noise", "-1"], ["--metric-noise", "a number in [0, 10]"]),
    (["plateau", "--seed", "-1"], ["--seed", "got '-1'"]),
    (["cosine", "--t-max", "5", "--eta-min", "-1e-3"], ["--eta-min", "a number >= 0"]),
    (["multistep", "--milestones", "30,x"], ["--milestones", "got '30,x'"]),
    (["multistep", "--milestones", "30,-1"], ["--milestones", "step counts >= 0"]),
    (["multistep", "--milestones", ""], ["--milestones", "got ''"]),
    (["cosine", "--t-max", "5", "--epochs", "0"], ["--epochs", "in [1, 100000000]", "got '0'"]),
    (["cosine", "--t-max", "5", "--epochs", "1e9"], ["--epochs", "got '1e9'"]),
    (["cosine", "--t-max", "5", "--steps-per-epoch", "0"], ["--steps-per-epoch", "got '0'"]),
    (
        ["cosine", "--t-max", "5", "--epochs", "10000", "--steps-per-epoch", "100000"],
        ["epochs * steps_per_epoch must be at most 100000000"],
    ),
    (["cosine", "--t-max", "5", "--interval", "batch"], ["--interval", "one of epoch, step"]),
    (["cosine", "--t-max", "5", "--lr", "0"], ["--lr", "lr must be a number > 0, got '0'"]),
    (["cosine", "--t-max", "5", "--lr", "-0.1"], ["--lr", "got '-0.1'"]),
    (["cosine", "--t-max", "5", "--lr", "nan"], ["--lr", "got 'nan'"]),
    (["cosine", "--t-max", "5", "--lr", "inf"], ["--lr", "got 'inf'"]),
    (["cosine", "--t-max", "5", "--lr", "-inf"], ["--lr", "got '-inf'"]),
    (["cosine", "--t-max", "5", "--lr", "1e999"], ["--lr", "got '1e999'"]),
    (["compare", "cosine:t_max=5", "--lr", "nan"], ["--lr", "got 'nan'"]),
    # outputs
    (["cosine", "--t-max", "5", "-o", "x.jpg"], ["--out", "'x.jpg'", "unknown extension"]),
    (["cosine", "--t-max", "5", "-o", "x"], ["--out", "unknown extension", ".png, .svg, .pdf"]),
    (
        ["cosine", "--t-max", "5", "-o", "nodir/x.png"],
        ["--out: nodir/x.png", "does not exist"],
    ),
    (
        ["cosine", "--t-max", "5", "--csv", "nodir/x.csv"],
        ["--csv: nodir/x.csv", "does not exist"],
    ),
    (
        ["compare", "cosine:t_max=5", "-o", "a/b/c.svg"],
        ["--out: a/b/c.svg", "does not exist"],
    ),
    # metric options
    (
        ["plateau", "--metric-column", "loss"],
        ["missing option --metric-file: a column needs a metric file to read it from"],
    ),
    (["plateau", "--metric-file", "missing.txt"], ["cannot read metric file missing.txt"]),
]


@pytest.mark.parametrize(("args", "fragments"), BAD, ids=lambda v: " ".join(v)[:60])
def test_bad_input_is_one_line_exit_2_and_no_file(cli, args, fragments):
    cli.fail(*args, fragments=fragments)
    assert cli.files() == set()
    # the same with outputs asked for: still nothing is written, not even a temporary file
    cli.fail(args[0], "--csv", "out.csv", "-o", "out.png", *args[1:], fragments=fragments)
    assert cli.files() == set()


def test_aliases_and_torch_class_names_work_in_specs(cli):
    out = cli.ok(
        "compare", "StepLR:step_size=3", "cos:t_max=3", "reduce-on-plateau", "--epochs", "2"
    ).stdout
    assert "StepLR:" not in out  # labels use lrplot's own names
    assert "step:step_size=3: initial" in out
    assert "cosine:t_max=3: initial" in out
    assert "plateau: initial" in out


def test_bad_value_after_a_valid_one_writes_nothing(cli):
    cli.fail("cosine", "--t-max", "5", "--csv", "a.csv", "-o", "a.png", "--lr", "0")
    assert cli.files() == set()


def test_output_path_is_a_directory(cli):
    (cli.folder / "d.png").mkdir()
    cli.fail(
        "cosine",
        "--t-max",
        "5",
        "-o",
        "d.png",
        fragments=["--out: d.png", "is a directory"],
    )
    (cli.folder / "d.csv").mkdir()
    cli.fail("cosine", "--t-max", "5", "--csv", "d.csv", fragments=["is a directory"])
    assert cli.files() == {"d.png", "d.csv"}


def test_output_folder_not_writable(cli):
    if os.geteuid() == 0:  # root writes into a read-only folder; sysfs refuses even root
        cli.fail(
            "cosine",
            "--t-max",
            "5",
            "--csv",
            "/sys/lrplot-x.csv",
            fragments=["--csv: /sys/lrplot-x.csv", "cannot write"],
        )
        cli.fail(
            "cosine",
            "--t-max",
            "5",
            "-o",
            "/sys/lrplot-x.png",
            fragments=["--out: /sys/lrplot-x.png", "cannot write"],
        )
        assert not os.path.exists("/sys/lrplot-x.csv")
        return
    folder = cli.folder / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        cli.fail("cosine", "--t-max", "5", "--csv", "ro/x.csv", fragments=["is not writable"])
        cli.fail(
            "cosine",
            "--t-max",
            "5",
            "-o",
            "ro/x.png",
            fragments=["--out: ro/x.png"],
        )
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


def test_output_parent_is_a_file(cli):
    (cli.folder / "f").write_text("x")
    cli.fail(
        "cosine",
        "--t-max",
        "5",
        "-o",
        "f/x.png",
        fragments=["--out: f/x.png", "f is not a folder"],
    )


METRIC_FILES = [
    ("a.txt", "1\n2\nabc\n", ["metric file a.txt, line 3: 'abc' is not a number"]),
    ("b.txt", "# loss\n1\n\nnan\n", ["metric file b.txt has 2 values but the run needs"]),
    ("d.txt", "1\n2\n3\n", ["metric file d.txt has 3 values but the run needs 5"]),
    ("e.txt", "# nothing\n\n", ["metric file e.txt holds no values"]),
    (
        "f.csv",
        "loss,acc\n1,2\n3,4\n",
        ["missing option --metric-column: metric file f.csv has columns loss, acc: name one"],
    ),
    ("g.csv", "loss\n", ["metric file g.csv has a header but no values"]),
    ("h.csv", "loss\n1\nx\n", ["metric file h.csv, line 3: 'x' is not a number"]),
    ("i.csv", 'loss,"x\n1,2\n', ["metric file i.csv", "quoted cell"]),
]


@pytest.mark.parametrize(("name", "content", "fragments"), METRIC_FILES, ids=lambda v: str(v)[:20])
def test_bad_metric_file(cli, name, content, fragments):
    (cli.folder / name).write_text(content)
    cli.fail(
        "plateau", "--metric-file", name, "--epochs", "5", "--csv", "o.csv", "-o", "o.png",
        fragments=fragments,
    )  # fmt: skip
    assert cli.files() == {name}


def test_metric_file_unknown_column(cli):
    (cli.folder / "log.csv").write_text("loss,acc\n1,2\n")
    cli.fail(
        "plateau", "--metric-file", "log.csv", "--metric-column", "val",
        fragments=["metric file log.csv has no column 'val' (columns: loss, acc)"],
    )  # fmt: skip


def test_metric_file_missing_cell(cli):
    (cli.folder / "log.csv").write_text("loss,acc\n1,2\n3\n")
    cli.fail(
        "plateau", "--metric-file", "log.csv", "--metric-column", "acc", "--epochs", "2",
        fragments=["metric file log.csv, line 3: no value in column 'acc'"],
    )  # fmt: skip


def test_metric_file_not_utf8(cli):
    (cli.folder / "bin.txt").write_bytes(b"\xff\xfe\x00\x01")
    cli.fail(
        "plateau", "--metric-file", "bin.txt", fragments=["bin.txt, line 1: binary data, not text"]
    )


# --- atomic writes ----------------------------------------------------------------


def test_failed_run_keeps_existing_outputs(cli):
    (cli.folder / "out.csv").write_text("old csv\n")
    (cli.folder / "out.png").write_bytes(b"old png")
    (cli.folder / "short.txt").write_text("1\n2\n")
    cli.fail(
        "plateau", "--metric-file", "short.txt", "--epochs", "10", "--csv", "out.csv",
        "-o", "out.png", fragments=["has 2 values but the run needs 10"],
    )  # fmt: skip
    assert (cli.folder / "out.csv").read_text() == "old csv\n"
    assert (cli.folder / "out.png").read_bytes() == b"old png"
    assert cli.files() == {"out.csv", "out.png", "short.txt"}


def test_csv_write_failing_midway_keeps_old_file(cli, monkeypatch):
    (cli.folder / "out.csv").write_text("old csv\n")

    def broken(traces, out, *args, **kwargs):
        try:
            out.write(b"step,epoch,lr\n0,0,")
        except TypeError:
            out.write("step,epoch,lr\n0,0,")
        out.flush()
        raise LrplotError("disk full")

    monkeypatch.setattr(lrplot.render.export, "write_rows", broken)
    cli.fail("cosine", "--t-max", "5", "--csv", "out.csv", fragments=["disk full"])
    assert (cli.folder / "out.csv").read_text() == "old csv\n"
    assert cli.files() == {"out.csv"}  # the temporary file is gone


def test_chart_write_failing_midway_keeps_old_file(cli, monkeypatch):
    (cli.folder / "out.svg").write_text("old svg")

    def broken(fig, stream, fmt="png"):
        stream.write(b"<svg partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(lrplot.render.plot, "write_chart", broken)
    line = cli.fail("cosine", "--t-max", "5", "-o", "out.svg")
    assert line == "Error: invalid value for --out: out.svg: cannot write: No space left on device"
    assert (cli.folder / "out.svg").read_text() == "old svg"
    assert cli.files() == {"out.svg"}


def test_successful_write_replaces_old_file(cli):
    (cli.folder / "out.csv").write_text("old csv\n")
    cli.ok("cosine", "--t-max", "5", "--epochs", "2", "--csv", "out.csv", "-q")
    text = (cli.folder / "out.csv").read_text()
    assert text == "step,epoch,lr\n0,0,0.1\n1,1,0.09045084971874738\n"
    assert cli.files() == {"out.csv"}
