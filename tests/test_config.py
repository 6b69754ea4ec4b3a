"""Config files (TOML, JSON, YAML) through `lrplot run` and `load_config`."""

from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import read_csv, table_rows, trace

import lrplot.render.plot
from lrplot.metrics import FileMetric, SyntheticMetric
from lrplot.params import LrplotError
from lrplot.spec import load_config

UNITS = ", or epochs (3ep) or a percentage of the run (10%)"  # lengths take units too
LIST_UNITS = ", or epochs (30ep) or percentages of the run (30%)"


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- load_config ------------------------------------------------------------------


def test_toml_all_keys(tmp_path):
    path = write(
        tmp_path,
        "c.toml",
        """
        epochs = 12
        lr = 0.5
        steps_per_epoch = 3
        interval = "step"
        out = "chart.png"
        csv = "rows.csv"
        log_y = true
        schedules = ["cosine:t_max=10", "step:step_size=4,label=steps"]

        [metric]
        shape = "plateaus"
        noise = 0.5
        drops = 2
        seed = 7
        """,
    )
    cfg = load_config(path)
    assert (cfg.settings.epochs, cfg.settings.lr) == (12, 0.5)
    assert (cfg.settings.steps_per_epoch, cfg.settings.interval) == (3, "step")
    assert cfg.outputs == {"out": "chart.png", "csv": "rows.csv", "log_y": True}
    assert [s.label for s in cfg.schedules] == ["cosine:t_max=10", "steps"]
    assert cfg.metric == SyntheticMetric("plateaus", 0.5, 2, 7)


def test_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "c.toml", 'schedule = "cosine:t_max=3"\n'))
    assert (cfg.settings.lr, cfg.settings.epochs) == (0.1, 100)
    assert (cfg.settings.steps_per_epoch, cfg.settings.interval) == (1, "epoch")
    assert cfg.outputs == {"out": None, "csv": None, "log_y": False}
    assert cfg.metric == SyntheticMetric()


def test_schedule_tables_with_type(tmp_path):
    path = write(
        tmp_path,
        "c.toml",
        """
        [[schedules]]
        type = "multistep"
        milestones = [30, 80]
        gamma = 0.5
        label = "paper"

        [[schedules]]
        name = "CosineAnnealingLR"
        T-MAX = 100
        eta_min = 0
        """,
    )
    first, second = load_config(path).schedules
    assert first.name == "multistep" and first.label == "paper"
    assert first.values["milestones"] == (30, 80) and first.values["gamma"] == 0.5
    assert second.name == "cosine" and dict(second.values) == {"t_max": 100, "eta_min": 0.0}
    assert isinstance(second.values["eta_min"], float)


def test_single_schedule_table(tmp_path):
    path = write(tmp_path, "c.toml", '[schedule]\ntype = "exponential"\ngamma = 0.9\n')
    (s,) = load_config(path).schedules
    assert s.name == "exponential" and s.values["gamma"] == 0.9


def test_json(tmp_path):
    path = tmp_path / "c.json"
    path.write_text(
        json.dumps(
            {
                "epochs": 4,
                "steps_per_epoch": 2,
                "interval": "step",
                "schedule": {"type": "multistep", "milestones": [1, 3], "label": "ms"},
                "metric": {"metric_file": "m.txt", "column": None},
            }
        )
    )
    cfg = load_config(path)
    assert cfg.settings.total_steps == 8
    assert cfg.schedules[0].values["milestones"] == (1, 3)
    assert cfg.metric == FileMetric(tmp_path / "m.txt", None)


def test_yaml(tmp_path):
    pytest.importorskip("yaml")
    path = write(
        tmp_path,
        "c.yaml",
        """
        epochs: 5
        schedules:
          - cosine:t_max=5
          - type: step
            step_size: 2
        """,
    )
    cfg = load_config(path)
    assert [s.name for s in cfg.schedules] == ["cosine", "step"]
    assert cfg.settings.epochs == 5


def test_yaml_without_pyyaml(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "yaml", None)
    path = write(tmp_path, "c.yml", "epochs: 5\n")
    with pytest.raises(LrplotError, match="YAML configs need PyYAML"):
        load_config(path)


def test_metric_file_is_relative_to_the_config(tmp_path):
    path = write(tmp_path / "sub", "c.toml", 'schedule = "plateau"\n[metric]\nfile = "m.txt"\n')
    assert load_config(path).metric == FileMetric(tmp_path / "sub" / "m.txt", None)
    absolute = tmp_path / "abs.txt"
    path = write(tmp_path / "sub", "d.toml", f'schedule = "plateau"\nmetric.file = "{absolute}"\n')
    assert load_config(path).metric == FileMetric(absolute, None)


BAD_CONFIGS = [
    ("c.toml", "epochs = 5\nschedules = [\n", ["c.toml: invalid TOML"]),
    ("c.json", '{"epochs": 5,', ["c.json: invalid JSON"]),
    ("c.json", '["cosine:t_max=5"]', ["c.json: the top level must be a table of keys"]),
    ("c.ini", "epochs = 5\n", ["c.ini: unknown config type '.ini'; use .toml, .json or .yaml"]),
    ("c", "epochs = 5\n", ["unknown config type '(none)'"]),
    ("c.toml", "epochs = 5\n", ["c.toml: no 'schedule' (or 'schedules' list) found"]),
    (
        "c.toml",
        'schedule = "cosine:t_max=5"\nschedules = ["step:step_size=3"]\n',
        ["c.toml: give 'schedule' or 'schedules', not both"],
    ),
    ("c.toml", "schedules = []\n", ["c.toml: 'schedules' must be a non-empty list"]),
    ("c.toml", 'schedules = "cosine:t_max=5"\n', ["'schedules' must be a non-empty list"]),
    (
        "c.toml",
        'epoch = 5\nschedule = "cosine:t_max=5"\n',
        ["c.toml: the config has no parameter 'epoch'; did you mean 'epochs'?"],
    ),
    (
        "c.toml",
        'foo = 1\nschedule = "cosine:t_max=5"\n',
        ["c.toml: the config has no parameter 'foo'"],
    ),
    (
        "c.toml",
        'schedules = ["cosine:t_max=3", {type = "step", step_size = 0}]\n',
        [f"c.toml: schedules[1]: step: step_size must be a step count >= 1{UNITS}, got '0'"],
    ),
    (
        "c.toml",
        'schedules = ["cosine:t_max=3", "cosine:t_maxx=3"]\n',
        ["c.toml: schedules[1]: SPEC 'cosine:t_maxx=3'", "did you mean 't_max'"],
    ),
    ("c.toml", "schedules = [5]\n", ["schedules[0]: must be a SPEC string or a table with 'type'"]),
    ("c.toml", "[schedule]\nt_max = 5\n", ["schedules[0]: needs 'type'"]),
    (
        "c.toml",
        '[schedule]\ntype = "cosin"\nt_max = 5\n',
        ["schedules[0]: unknown schedule 'cosin'; did you mean 'cosine'?"],
    ),
    (
        "c.toml",
        '[schedule]\ntype = "cosine"\nt_max = 5\nlabel = 3\n',
        ["schedules[0]: label must be text"],
    ),
    (
        "c.toml",
        '[schedule]\ntype = "cosine"\nt_max = 5.5\n',
        [f"schedules[0]: cosine: t_max must be a step count >= 1{UNITS}, got '5.5'"],
    ),
    (
        "c.toml",
        '[schedule]\ntype = "cosine"\nt_max = true\n',
        [f"t_max must be a step count >= 1{UNITS}, got 'true'"],
    ),
    (
        "c.toml",
        '[schedule]\ntype = "multistep"\nmilestones = [30, -80]\n',
        [f"milestones must be a comma list of step counts >= 0{LIST_UNITS}, got '[30,-80]'"],
    ),
    (
        "c.toml",
        'epochs = 0\nschedule = "cosine:t_max=5"\n',
        ["c.toml: epochs: epochs must be an integer in [1, 100000000], got '0'"],
    ),
    ("c.toml", 'lr = nan\nschedule = "cosine:t_max=5"\n', ["c.toml: lr: lr must be a number > 0"]),
    (
        "c.toml",
        'lr = "fast"\nschedule = "cosine:t_max=5"\n',
        ["lr must be a number > 0, got 'fast'"],
    ),
    ("c.toml", 'interval = "batch"\nschedule = "cosine:t_max=5"\n', ["interval must be one of"]),
    ("c.toml", 'out = 5\nschedule = "cosine:t_max=5"\n', ["c.toml: out: out must be text"]),
    ("c.toml", 'log_y = "maybe"\nschedule = "cosine:t_max=5"\n', ["log_y must be true or false"]),
    ("c.toml", 'metric = 5\nschedule = "plateau"\n', ["c.toml: 'metric' must be a table"]),
    (
        "c.toml",
        'schedule = "plateau"\n[metric]\nshape = "flatt"\n',
        ["c.toml: metric.shape: metric_shape must be one of decay, plateaus, flat, got 'flatt'"],
    ),
    (
        "c.toml",
        'schedule = "plateau"\n[metric]\nnoise = -1\n',
        ["c.toml: metric.noise: metric_noise must be a number in [0, 10]"],
    ),
    (
        "c.toml",
        'schedule = "plateau"\n[metric]\nfoo = 1\n',
        ["c.toml: metric.foo: metric has no parameter 'foo'"],
    ),
    (
        "c.toml",
        'schedule = "plateau"\n[metric]\ncolumn = "loss"\n',
        ["c.toml: metric: metric_column: a column needs a metric file to read it from"],
    ),
    (
        "c.toml",
        'epochs = 10000\nsteps_per_epoch = 100000\nschedule = "cosine:t_max=5"\n',
        ["c.toml: epochs * steps_per_epoch must be at most 100000000"],
    ),
]


@pytest.mark.parametrize(("name", "text", "fragments"), BAD_CONFIGS, ids=lambda v: str(v)[:40])
def test_bad_config_load(tmp_path, name, text, fragments):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(LrplotError) as info:
        load_config(path)
    message = str(info.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize(("name", "text", "fragments"), BAD_CONFIGS, ids=lambda v: str(v)[:40])
def test_bad_config_run(cli, name, text, fragments):
    (cli.folder / name).write_text(text)
    line = cli.fail("run", name, "--csv", "out.csv", "-o", "out.png", fragments=fragments)
    assert name in line
    assert cli.files() == {name}


def test_config_errors_name_the_path_given(cli):
    write(cli.folder / "cfgs", "c.toml", 'foo = 1\nschedule = "cosine:t_max=5"\n')
    cli.fail("run", "cfgs/c.toml", fragments=["cfgs/c.toml: the config has no parameter 'foo'"])


def test_missing_or_unreadable_config(cli):
    cli.fail("run", "nope.toml", fragments=["cannot read config nope.toml", "No such file"])
    (cli.folder / "dir.toml").mkdir()
    cli.fail("run", "dir.toml", fragments=["cannot read config dir.toml"])
    (cli.folder / "bin.toml").write_bytes(b"\xff\xfe epochs = 1")
    cli.fail("run", "bin.toml", fragments=["bin.toml: not UTF-8 text"])


def test_config_with_bad_output_extension(cli):
    write(cli.folder, "c.toml", 'out = "lr.jpg"\nschedule = "cosine:t_max=5"\n')
    cli.fail("run", "c.toml", fragments=["--out", "'lr.jpg' has an unknown extension"])
    assert cli.files() == {"c.toml"}


# --- lrplot run -------------------------------------------------------------------


def test_run_toml_writes_outputs_relative_to_cwd(cli, monkeypatch):
    seen = {}

    def fake_save(traces, dest, log_y=False):
        seen.update(dest=dest, log_y=log_y, labels=[t.label for t in traces])
        Path(dest).write_bytes(b"chart")

    monkeypatch.setattr(lrplot.render.plot, "save_chart", fake_save)
    write(cli.folder / "cfg", "m.txt", "1\n0.5\n0.5\n0.5\n0.5\n0.5\n")
    write(
        cli.folder / "cfg",
        "c.toml",
        """
        epochs = 6
        lr = 0.5
        out = "chart.svg"
        csv = "rows.csv"
        log_y = true

        [[schedules]]
        type = "plateau"
        patience = 1
        label = "pl"

        [metric]
        file = "m.txt"
        """,
    )
    result = cli.ok("run", "cfg/c.toml")
    assert cli.files() == {"cfg", "chart.svg", "rows.csv"}  # outputs in cwd, not in cfg/
    assert sorted(p.name for p in (cli.folder / "cfg").iterdir()) == ["c.toml", "m.txt"]
    assert seen == {"dest": "chart.svg", "log_y": True, "labels": ["pl"]}
    assert (cli.folder / "rows.csv").read_text().splitlines() == [
        "step,epoch,lr,metric",
        "0,0,0.5,1.0",
        "1,1,0.5,0.5",
        "2,2,0.5,0.5",
        "3,3,0.5,0.5",
        "4,4,0.05,0.5",
        "5,5,0.05,0.5",
    ]
    assert result.stderr == "wrote rows.csv (6 rows)\nwrote chart.svg\n"
    assert table_rows(result.stdout)[4] == ["4", "0.05", "0.5", "↓"]
    assert "(metric from m.txt)" in result.stdout


def test_run_json_with_steps(cli):
    (cli.folder / "j.json").write_text(
        json.dumps(
            {
                "epochs": 4,
                "steps_per_epoch": 2,
                "interval": "step",
                "schedule": "step:step_size=3,gamma=0.5",
            }
        )
    )
    out = cli.ok("run", "j.json", "--csv", "-").stdout
    assert out.splitlines() == [
        "step,epoch,lr",
        "0,0,0.1",
        "1,0,0.1",
        "2,1,0.1",
        "3,1,0.05",
        "4,2,0.05",
        "5,2,0.05",
        "6,3,0.025",
        "7,3,0.025",
    ]


def test_run_compare_config_matches_compare_command(cli):
    write(
        cli.folder,
        "c.toml",
        """
        epochs = 20
        lr = 0.05
        schedules = ["cosine:t_max=20", "exponential:gamma=0.9,label=exp"]
        """,
    )
    from_config = cli.ok("run", "c.toml", "--csv", "-").stdout
    from_cli = cli.ok(
        "compare", "cosine:t_max=20", "exponential:gamma=0.9,label=exp", "--epochs", "20",
        "--lr", "0.05", "--csv", "-",
    ).stdout  # fmt: skip
    assert from_config == from_cli
    header, rows = read_csv(from_config)
    assert header == ["step", "epoch", "cosine:t_max=20", "exp"]
    assert [float(r[2]) for r in rows] == trace("cosine:t_max=20", epochs=20, lr=0.05).lr.tolist()


def test_run_synthetic_metric_table(cli):
    write(
        cli.folder,
        "p.toml",
        """
        epochs = 30
        schedule = "plateau:patience=2"
        [metric]
        shape = "plateaus"
        drops = 2
        noise = 0.05
        seed = 4
        """,
    )
    header, rows = read_csv(cli.ok("run", "p.toml", "--csv", "-").stdout)
    expected = trace(
        "plateau:patience=2", epochs=30, metric_shape="plateaus", metric_drops=2,
        metric_noise=0.05, seed=4,
    )  # fmt: skip
    assert header == ["step", "epoch", "lr", "metric"]
    assert [float(r[2]) for r in rows] == expected.lr.tolist()
    assert [float(r[3]) for r in rows] == expected.sched_metric.tolist()


def test_command_line_outputs_override_config(cli):
    write(
        cli.folder, "c.toml", 'csv = "from_config.csv"\nepochs = 3\nschedule = "cosine:t_max=3"\n'
    )
    out = cli.ok("run", "c.toml", "--csv", "-").stdout
    assert out.splitlines()[0] == "step,epoch,lr"
    assert cli.files() == {"c.toml"}
    cli.ok("run", "c.toml", "-q")
    assert cli.files() == {"c.toml", "from_config.csv"}


def test_run_metric_file_errors_name_file_and_line(cli):
    write(cli.folder / "cfg", "m.txt", "1\n2\noops\n")
    write(
        cli.folder / "cfg", "c.toml", 'epochs = 3\nschedule = "plateau"\n[metric]\nfile = "m.txt"\n'
    )
    line = cli.fail("run", "cfg/c.toml", "--csv", "o.csv")
    assert line == f"Error: metric file {Path('cfg') / 'm.txt'}, line 3: 'oops' is not a number"
    assert cli.files() == {"cfg"}


def test_run_metric_csv_needs_a_column(cli):
    write(cli.folder / "cfg", "log.csv", "epoch,loss\n0,1\n1,2\n")
    write(
        cli.folder / "cfg", "c.toml", 'epochs = 2\nschedule = "plateau"\nmetric.file = "log.csv"\n'
    )
    cli.fail(
        "run",
        "cfg/c.toml",
        fragments=[
            "cfg/c.toml: metric file cfg/log.csv has columns epoch, loss: name one with "
            "metric_column"
        ],
    )
    write(
        cli.folder / "cfg",
        "d.toml",
        'epochs = 2\nschedule = "plateau"\n[metric]\nfile = "log.csv"\ncolumn = "loss"\n',
    )
    out = cli.ok("run", "cfg/d.toml", "--csv", "-").stdout
    assert out.splitlines() == ["step,epoch,lr,metric", "0,0,0.1,1.0", "1,1,0.1,2.0"]


def test_run_keeps_old_outputs_when_metric_is_short(cli):
    (cli.folder / "o.csv").write_text("old\n")
    write(cli.folder, "m.txt", "1\n2\n")
    write(
        cli.folder,
        "c.toml",
        'epochs = 5\ncsv = "o.csv"\nschedule = "plateau"\n[metric]\nfile = "m.txt"\n',
    )
    cli.fail("run", "c.toml", fragments=["metric file m.txt has 2 values but the run needs 5"])
    assert (cli.folder / "o.csv").read_text() == "old\n"
    assert cli.files() == {"o.csv", "m.txt", "c.toml"}
