"""Reading what the user names is bounded: regular files only, configs capped, metric
files streamed line by line with a cap per line, binary data refused at once."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import lrplot
from lrplot.inputs import MAX_CONFIG, MAX_LINE

GOLDEN = Path(__file__).resolve().parent / "golden"


def test_a_device_is_no_metric_file(cli):
    line = cli.fail("plateau", "--metric-file", "/dev/zero")
    assert line == (
        "Error: cannot read metric file /dev/zero: it is a device or socket, not a regular file"
    )


def test_a_device_or_fifo_is_no_config(cli):
    line = cli.fail("run", "/dev/zero")
    assert (
        line == "Error: cannot read config /dev/zero: it is a device or socket, not a regular file"
    )
    os.mkfifo(cli.folder / "c.toml")
    line = cli.fail("run", "c.toml")  # never opened: a FIFO with no writer would block
    assert line == "Error: cannot read config c.toml: it is a FIFO, not a regular file"
    (cli.folder / "d.toml").mkdir()
    assert cli.fail("run", "d.toml") == "Error: cannot read config d.toml: it is a folder"


def test_a_config_larger_than_any_real_one_is_refused(cli):
    with open(cli.folder / "model.json", "wb") as f:
        f.truncate(3 * 1024**3)  # a 3 GB (sparse) file: a mistyped path to a checkpoint
    line = cli.fail("run", "model.json")
    assert line == (
        f"Error: config model.json is 3072 MiB: configs are at most {MAX_CONFIG // 1024**2} MiB "
        "(no real one comes near): is it the right file?"
    )


def test_a_binary_metric_file_is_refused_at_once(cli):
    with open(cli.folder / "ckpt.pt", "wb") as f:
        f.write(b"PK\x03\x04\x00\x00")
        f.truncate(2 * 1024**3)
    line = cli.fail("plateau", "--metric-file", "ckpt.pt")
    assert line == "Error: metric file ckpt.pt, line 1: binary data, not text"
    (cli.folder / "latin1.txt").write_bytes(b"1.0\n0.9\xe9\n")
    line = cli.fail("plateau", "--metric-file", "latin1.txt")
    assert line == "Error: metric file latin1.txt, line 2: not UTF-8 text"


def test_a_metric_line_has_a_cap(cli):
    (cli.folder / "long.txt").write_text("1.0\n" + "9" * (MAX_LINE + 10) + "\n")
    line = cli.fail("plateau", "--metric-file", "long.txt")
    assert line == (
        f"Error: metric file long.txt, line 2: longer than {MAX_LINE} bytes; "
        "is it a text file of numbers?"
    )


def test_only_the_values_the_run_needs_are_read(tmp_path):
    """10 epochs read 10 values: what follows (here, garbage) is never read."""
    (tmp_path / "m.txt").write_text("\n".join(["2", "1"] * 5) + "\nnot a number\n" + "x" * 10**6)
    trace = lrplot.simulate("plateau:patience=1", epochs=10, metric=tmp_path / "m.txt")
    np.testing.assert_array_equal(trace.metric, [2, 1] * 5)


@pytest.mark.parametrize(
    ("golden", "options"),
    [
        ("plateau-24-min-rel-nan-inf.csv", ["--patience", "2", "--factor", "0.5"]),
        (
            "plateau-25-max-abs-nan-neg-inf.csv",
            ["--mode", "max", "--patience", "1", "--threshold-mode", "abs", "--cooldown", "1"],
        ),
    ],
)
def test_nan_and_inf_in_a_metric_file_step_as_torch_does(cli, golden, options):
    """A diverged validation run: torch's ReduceLROnPlateau counts nan/inf as 'not
    better' and goes on; so does lrplot (goldens recorded from torch 2.13)."""
    rows = [line.split(",") for line in (GOLDEN / golden).read_text().splitlines()[2:]]
    (cli.folder / "metric.txt").write_text("\n".join(r[2] for r in rows) + "\n")
    result = cli.ok(
        "plateau", *options, "--epochs", "120", "--metric-file", "metric.txt", "--csv", "-"
    )
    shown = [line.split(",") for line in result.stdout.splitlines()[1:]]
    assert [r[2] for r in shown] == [r[1] for r in rows]  # the LR, bit for bit
    assert [r[3] for r in shown] == [r[2] for r in rows]  # nan and inf shown as given
    assert {"nan", "inf"} & {r[2] for r in rows}


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("d.json", '{"epochs": 10, "epochs": 20, "schedule": "cosine:t_max=5"}',
         "d.json: invalid JSON: key 'epochs' is given twice"),
        ("d.yaml", "epochs: 10\nschedule: cosine:t_max=5\nepochs: 20\n",
         "d.yaml: invalid YAML: key 'epochs' is given twice"),
        ("d.toml", 'epochs = 10\nepochs = 20\nschedule = "c"\n', "d.toml: invalid TOML"),
        ("n.json", "[" * 100_000 + "]" * 100_000, "n.json: invalid JSON: nested too deeply"),
        ("n.toml", "x = " + "[" * 100_000 + "]" * 100_000, "n.toml: invalid TOML"),
    ],
)  # fmt: skip
def test_configs_are_strict(cli, name, text, message):
    (cli.folder / name).write_text(text)
    line = cli.fail("run", name)
    assert line.startswith(f"Error: {message}"), line
    assert "YAML" not in line or name.endswith(".yaml")


def test_one_epoch_is_singular(cli):
    out = cli.ok("cosine", "--t-max", "1", "--epochs", "1", "--no-chart").stdout
    assert out.splitlines()[0] == "CosineAnnealingLR(T_max=1, eta_min=0)  lr=0.1, 1 epoch"
