"""Several optimizer param groups (lrplot.groups) and batch-size LR scaling (plan).

The goldens (tests/golden/groups/*.csv) are written by tools/goldens_groups.py from
torch 2.13 (param groups of different lrs; OneCycleLR's max_lr and CyclicLR's
base_lr/max_lr as per-group lists; timm 1.0.31's layer-decay scales); lrplot must give
every group's LR bit for bit. Then the table, the CSV, --emit torch (run with torch
when it is installed), the chart, errors, and the plan line of batch-size scaling.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import read_csv, table_rows

import lrplot
from lrplot.engine import RunSettings
from lrplot.groups import Groups
from lrplot.params import LrplotError

GOLDEN = Path(__file__).resolve().parent / "golden" / "groups"
FILES = sorted(GOLDEN.glob("*.csv"))
HAS_TORCH = importlib.util.find_spec("torch") is not None


def load(path: Path) -> tuple[dict, list[str], np.ndarray]:
    lines = path.read_text(encoding="utf-8").splitlines()
    case = json.loads(lines[0][2:])
    header = lines[1].split(",")[1:]
    values = np.array([[float(x) for x in line.split(",")[1:]] for line in lines[2:]])
    return case, header, values


def simulate(case: dict) -> lrplot.Trace:
    options: dict = dict(case.get("plan", {}))
    if "groups" in case:
        options["groups"] = {name: scale for name, scale in case["groups"]}
    if "layer_decay" in case:
        options.update(layer_decay=case["layer_decay"], num_layers=case["num_layers"])
    return lrplot.simulate(
        case["spec"],
        lr=case["lr"],
        epochs=case["epochs"],
        steps_per_epoch=None if "plan" in case else case["steps_per_epoch"],
        interval=case["interval"],
        **options,
    )


# --- exact to torch -----------------------------------------------------------------------


def test_the_goldens_cover_what_torch_takes_per_group():
    specs = [load(p)[0] for p in FILES]
    names = {c["spec"].split(":")[0] for c in specs}
    assert {"onecycle", "cyclic", "sequential", "cosine", "step", "timm-cosine"} <= names
    assert {"hf-polynomial", "hf-cosine-with-min-lr"} <= names  # optimizer.defaults["lr"]
    assert any(c.get("num_layers") == 12 for c in specs)  # layer decay, 12 layers
    assert any("plan" in c for c in specs) and len(FILES) >= 10


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_every_group_bit_for_bit_with_torch(path):
    case, header, golden = load(path)
    trace = simulate(case)
    assert trace.settings.steps_per_epoch == case["steps_per_epoch"]
    columns = trace.lr_columns()
    assert [name for name, _ in columns] == header
    rows = np.arange(len(trace))
    got = np.column_stack([trace.values_at(values, rows) for _, values in columns])
    assert got.shape == golden.shape
    np.testing.assert_allclose(got, golden, rtol=1e-12, atol=0)
    assert np.array_equal(got, golden)  # in fact bit for bit


def test_layer_decay_scales_are_timms():
    """timm's layer_scales = [decay ** (layer_max - i)], layer_max = num_layers + 1."""
    g = Groups.layers(0.65, 12)
    assert g.names == tuple(f"layer_{i}" for i in range(14))
    assert g.scales == tuple(0.65 ** (13 - i) for i in range(14))
    assert g.scales[-1] == 1.0 and g.scales[0] == 0.65**13
    _, header, golden = load(GOLDEN / "05-layer-decay-12.csv")
    assert header == [f"lr[layer_{i}]" for i in range(14)]
    assert golden[0].tolist() == [1e-3 * s for s in g.scales]  # lr x scale at step 0


def test_shared_and_per_group_parameters():
    """eta_min is shared (absolute); OneCycleLR's max_lr is a list, scaled per group."""
    t = lrplot.simulate("cosine:t_max=10,eta_min=0.001", epochs=11, groups={"a": 0.1, "b": 1.0})
    low, high = (values for _, values in t.lr_columns())
    assert low[10] == high[10] == 0.001  # both reach the one eta_min
    t = lrplot.simulate("onecycle:max_lr=0.4", epochs=10, groups="a=0.5,b=1")
    low, high = (values for _, values in t.lr_columns())
    assert low.max() == 0.2 and high.max() == 0.4
    assert t.sched_lr.tolist() == high.tolist()  # sched_lr: the run's own lr (scale 1)


def test_timm_schedules_multiply_their_value_by_the_scale():
    """timm's update_groups: value * lr_scale, its warmup from warmup_lr_init too."""
    spec = "timm-cosine:t_initial=10,warmup_t=2,warmup_lr_init=1e-4"
    t = lrplot.simulate(spec, epochs=10, groups="a=0.5,b=1")
    low, high = (values for _, values in t.lr_columns())
    assert low.tolist() == [v * 0.5 for v in high.tolist()]
    assert low[0] == 1e-4 * 0.5 and high[0] == 1e-4


# --- the ways to give them ------------------------------------------------------------------


@pytest.mark.parametrize(
    "given",
    [
        {"backbone": 0.1, "head": 1},
        "backbone=0.1,head=1",
        ["backbone=0.1", "head=1"],
        ["backbone = 0.1", " head=1.0 "],
    ],
)
def test_groups_are_a_mapping_or_name_scale_items(given):
    s = RunSettings.from_values({"groups": given})
    assert s.groups == Groups(("backbone", "head"), (0.1, 1.0))


def test_groups_times_steps_are_bounded():
    with pytest.raises(LrplotError) as err:
        lrplot.simulate(
            "cosine:t_max=10", epochs=1000, steps_per_epoch=10_000, layer_decay=0.5, num_layers=12
        )
    assert str(err.value) == (
        "14 groups x 10,000,000 steps is more than 100,000,000 LR values: a shorter run, or "
        "fewer groups"
    )


def test_the_api_gives_each_groups_lr_by_name():
    t = lrplot.simulate("step:step_size=2", epochs=2, steps_per_epoch=2, groups="a=0.5,b=1")
    assert {k: v.tolist() for k, v in t.groups.items()} == {
        "a": [0.05, 0.05, 0.05, 0.05],
        "b": [0.1, 0.1, 0.1, 0.1],
    }
    assert "<th>step</th><th>epoch</th><th>lr[a]</th><th>lr[b]</th>" in t._repr_html_()
    assert lrplot.simulate("step:step_size=2", epochs=2).groups == {}


def test_a_toml_config_takes_groups_and_batch_scaling(tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(
        "lr = 0.1\nepochs = 4\ndataset_size = 1000\nbatch_size = 100\nreference_batch = 50\n"
        'groups = {backbone = 0.1, head = 1.0}\n\n[[schedules]]\nname = "step"\nstep_size = 2\n',
        encoding="utf-8",
    )
    (t,) = lrplot.load(path)
    assert t.settings.lr == 0.2 and t.settings.groups.names == ("backbone", "head")
    assert [v[:3].tolist() for _, v in t.lr_columns()] == [
        [0.2 * 0.1, 0.2 * 0.1, 0.2 * 0.1 * 0.1],
        [0.2, 0.2, 0.2 * 0.1],
    ]


def test_run_gives_a_config_param_groups(cli, tmp_path):
    """On a framework's config (and the equivalent command says them); on an lrplot
    config, the command line's replace the file's."""
    config = Path(__file__).resolve().parent.parent / "sample_configs" / "hf_trainer.json"
    result = cli.ok(
        "run", str(config), "--group", "backbone=0.1", "--group", "head=1", "--csv", "-"
    )
    assert result.stderr.splitlines()[-1] == (
        "lrplot compare hf-cosine:num_warmup_steps=118,num_training_steps=1173 --lr 5e-05 "
        "--epochs 3 --steps-per-epoch 391 --interval step --group backbone=0.1 --group head=1"
    )
    header, rows = read_csv(result.stdout)
    assert header == ["step", "epoch", "lr[backbone]", "lr[head]"]
    assert [float(v) for v in rows[118][2:]] == [5e-05 * 0.1, 5e-05]  # the peak, after warmup
    path = tmp_path / "run.toml"
    path.write_text(
        'epochs = 2\ngroups = {a = 0.5}\n[[schedules]]\nname = "step"\nstep_size = 1\n',
        encoding="utf-8",
    )
    header, _ = read_csv(cli.ok("run", str(path), "--csv", "-").stdout)
    assert header == ["step", "epoch", "lr[a]"]
    header, _ = read_csv(
        cli.ok("run", str(path), "--layer-decay", "0.5", "--num-layers", "1", "--csv", "-").stdout
    )
    assert header == ["step", "epoch", "lr[layer_0]", "lr[layer_1]", "lr[layer_2]"]


def test_a_timm_configs_layer_decay_takes_the_models_blocks(cli, tmp_path):
    """timm's train.py layer_decay: a note, then groups once --num-layers is given (timm's
    own scheduler: value x lr_scale)."""
    config = Path(__file__).resolve().parent.parent / "sample_configs" / "timm_train.yaml"
    path = tmp_path / "vit.yaml"
    path.write_text(config.read_text(encoding="utf-8") + "layer_decay: 0.65\n", encoding="utf-8")
    notes = cli.ok("run", str(path), "-q").stderr.splitlines()
    assert notes[2] == (
        "#   layer_decay 0.65: one LR curve per layer with --num-layers (the model's blocks, "
        "e.g. 12 for ViT-B)"
    )
    result = cli.ok("run", str(path), "--num-layers", "12", "--csv", "-")
    assert result.stderr.splitlines()[-1].endswith("--layer-decay 0.65 --num-layers 12")
    header, rows = read_csv(result.stdout)
    assert header[2:] == [f"lr[layer_{i}]" for i in range(14)]
    head = [float(v) for v in rows[2000][2:]]
    assert head[:-1] == [head[-1] * 0.65 ** (13 - i) for i in range(13)]  # value x lr_scale
    path.write_text(path.read_text(encoding="utf-8") + "layer_decay_min_scale: 0.1\n")
    assert cli.fail("run", str(path), "--num-layers", "12") == (
        f"Error: {path}: layer_decay_min_scale: not supported: lrplot's layer decay has "
        "timm's defaults"
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"groups": "a"}, "groups: 'a' is not NAME=SCALE (e.g. backbone=0.1)"),
        ({"groups": "a=0"}, "groups: the scale of 'a' must be a number > 0, got '0'"),
        ({"groups": "a=x"}, "groups: the scale of 'a' must be a number > 0, got 'x'"),
        ({"groups": {"a": True}}, "groups: the scale of 'a' must be a number > 0, got 'true'"),
        ({"groups": "a=1,a=2"}, "groups: 'a' is given twice"),
        ({"groups": "9a=1"}, "groups: '9a' is not a group name (letters, digits, _ . -; "
         "not starting with a digit)"),
        ({"groups": ","}, "groups needs at least one NAME=SCALE item"),
        ({"groups": 3}, "groups must be NAME=SCALE items, got '3'"),
        ({"groups": "a=1", "layer_decay": 0.5, "num_layers": 2}, "layer_decay and groups both "
         "give the param groups: give groups (NAME=SCALE each) or layer_decay with num_layers"),
        ({"layer_decay": 0.5}, "layer_decay needs num_layers (the model's blocks, e.g. 12 for "
         "ViT-B)"),
        ({"num_layers": 3}, "num_layers is for layer_decay: give layer_decay too"),
        ({"layer_decay": 1.5, "num_layers": 3},
         "layer_decay must be a number in (0, 1], got '1.5'"),
    ],
)  # fmt: skip
def test_bad_groups_are_one_line_naming_the_parameter(options, message):
    with pytest.raises(LrplotError) as err:
        lrplot.simulate("step:step_size=2", epochs=4, **options)
    assert str(err.value) == message


def test_cli_errors_name_the_option(cli):
    assert cli.fail("step", "--step-size", "2", "--group", "backbone") == (
        "Error: invalid value for --group: groups: 'backbone' is not NAME=SCALE (e.g. backbone=0.1)"
    )
    assert cli.fail("step", "--step-size", "2", "--layer-decay", "0.5") == (
        "Error: invalid value for --layer-decay: layer_decay needs num_layers (the model's "
        "blocks, e.g. 12 for ViT-B)"
    )
    assert cli.fail("step", "--step-size", "2", "--group", "a=1", "--num-layers", "3") == (
        "Error: invalid value for --num-layers: num_layers and groups both give the param "
        "groups: give groups (NAME=SCALE each) or layer_decay with num_layers"
    )
    assert cli.fail("explore", "cosine", "--t-max", "5", "--group", "a=1") == (
        "Error: invalid value for --group: groups: explore draws one curve per schedule at "
        "the run's lr; param groups, batch-size scaling and Accelerate's stepping are for "
        "lrplot NAME, compare and run"
    )


# --- table, CSV, chart ------------------------------------------------------------------------


def test_table_has_a_column_per_group(cli):
    out = cli.ok(
        "step", "--step-size", "2", "--epochs", "4", "--group", "backbone=0.1",
        "--group", "head=1", "--no-chart",
    ).stdout  # fmt: skip
    assert out.splitlines()[:2] == [
        "StepLR(step_size=2, gamma=0.1)  lr=0.1, 4 epochs",
        "2 groups: backbone x0.1, head x1",
    ]
    assert "  epoch   lr[backbone]   lr[head]" in out
    assert table_rows(out) == [
        ["0", "0.01", "0.1"],
        ["1", "0.01", "0.1"],
        ["2", "0.001", "0.01", "↓"],
        ["3", "0.001", "0.01"],
    ]
    assert out.splitlines()[-2:] == [
        "lr[backbone]: initial 0.01  final 0.001  min 0.001  max 0.01  changes 1",
        "lr[head]: initial 0.1  final 0.01  min 0.01  max 0.1  changes 1",
    ]


def test_table_of_many_layers_shows_the_first_and_last(cli):
    out = cli.ok(
        "cosine", "--t-max", "4", "--epochs", "4", "--layer-decay", "0.5", "--num-layers", "6",
        "--no-chart", "--exact",
    ).stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[1] == "8 groups (layer decay 0.5, 6 layers): layer_0 x0.5**7 .. layer_7 x1"
    assert table_rows(out) == [
        ["0", "0.00078125", "0.1"],
        ["1", "0.0006668385864009951", "0.08535533905932738"],
        ["2", "0.000390625", "0.05"],
        ["3", "0.0001144114135990049", "0.014644660940672627"],
    ]
    assert "showing lr[layer_0] and lr[layer_7] of 8 groups; --csv has every group" in lines


def test_csv_has_a_column_per_group(cli, csv_writer):
    out = cli.ok(
        "step", "--step-size", "2", "--epochs", "3", "--group", "backbone=0.1",
        "--group", "head=1", "--csv", "-",
    ).stdout  # fmt: skip
    assert out == (
        "step,epoch,lr[backbone],lr[head]\n"
        "0,0,0.010000000000000002,0.1\n"
        "1,1,0.010000000000000002,0.1\n"
        "2,2,0.0010000000000000002,0.010000000000000002\n"
    )
    out = cli.ok(
        "compare", "step:step_size=2", "cosine:t_max=2", "--epochs", "2", "--group", "a=0.5",
        "--group", "b=1", "--csv", "-",
    ).stdout  # fmt: skip
    header, rows = read_csv(out)
    assert header == [
        "step", "epoch", "step:step_size=2 lr[a]", "step:step_size=2 lr[b]",
        "cosine:t_max=2 lr[a]", "cosine:t_max=2 lr[b]",
    ]  # fmt: skip
    assert rows[1] == ["1", "1", "0.05", "0.1", "0.025", "0.05"]


def test_layer_decay_csv_has_every_group():
    t = lrplot.simulate("cosine:t_max=4", epochs=4, layer_decay=0.5, num_layers=6)
    header = t.to_csv().splitlines()[0]
    assert header == "step,epoch," + ",".join(f"lr[layer_{i}]" for i in range(8))


def test_chart_draws_a_line_per_group_or_a_band():
    pytest.importorskip("matplotlib")
    fig = lrplot.simulate("step:step_size=2", epochs=4, groups="backbone=0.1,head=1").plot()
    ax = fig.axes[0]
    assert [line.get_gid() for line in ax.lines] == ["lr:lr[backbone]", "lr:lr[head]"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["lr[backbone]", "lr[head]"]
    fig = lrplot.simulate("cosine:t_max=4", epochs=4, layer_decay=0.5, num_layers=6).plot()
    ax = fig.axes[0]
    assert [c.get_gid() for c in ax.collections] == ["band:cosine:t_max=4"]
    assert [line.get_gid() for line in ax.lines] == ["lr:lr[layer_0]", "lr:lr[layer_7]"]
    assert "8 groups (layer decay 0.5, 6 layers)" in ax.get_title()


# --- emitted code ---------------------------------------------------------------------------


TWO_GROUPS_CODE = """\
GROUPS = {"backbone": 0.1, "head": 1.0}  # param group: the scale of its LR
params = {name: torch.nn.Parameter(torch.zeros(1)) for name in GROUPS}  # your layers
optimizer = torch.optim.SGD(
    [{"params": [params[name]], "lr": LR * scale} for name, scale in GROUPS.items()],
    lr=LR, momentum=0.9,
)
"""


def test_emit_builds_param_groups_and_per_group_lists():
    t = lrplot.simulate(
        "onecycle:max_lr=0.4", epochs=5, steps_per_epoch=4, interval="step",
        groups={"backbone": 0.1, "head": 1.0},
    )  # fmt: skip
    code = t.to_code("torch")
    assert TWO_GROUPS_CODE in code
    assert "    max_lr=[0.4 * scale for scale in GROUPS.values()],\n" in code
    assert (
        '        print(",".join(repr(group["lr"]) for group in optimizer.param_groups))\n' in code
    )
    t = lrplot.simulate("cosine:t_max=4", epochs=4, layer_decay=0.65, num_layers=12)
    assert 'GROUPS = {f"layer_{i}": 0.65 ** (13 - i) for i in range(14)}\n' in t.to_code()


def test_emit_refuses_what_it_cannot_write_per_group():
    t = lrplot.simulate("cosine:t_max=4", epochs=4, groups="a=1")
    with pytest.raises(LrplotError) as err:
        t.to_code("hf")
    assert str(err.value) == (
        "--emit hf: param groups are written with transformers' own schedules only (hf-*, "
        "without --warmup); targets for this schedule: torch, lightning"
    )
    t = lrplot.simulate("timm-cosine:t_initial=4", epochs=4, groups="a=1")
    with pytest.raises(LrplotError, match="LambdaLR of the run's own LR, which would not give"):
        t.to_code("torch")


LIGHTNING_GROUPS = """\
        self.params = torch.nn.ParameterList(torch.nn.Parameter(torch.zeros(1)) for _ in GROUPS)

    def configure_optimizers(self):
        groups = zip(self.params, GROUPS.values())  # your layers, group by group
        optimizer = torch.optim.SGD(
            [{"params": [p], "lr": LR * scale} for p, scale in groups],
            lr=LR,
        )
        scheduler = CosineAnnealingLR(optimizer, T_max=6, eta_min=0.0)
"""


def test_emit_lightning_builds_param_groups():
    t = lrplot.simulate("cosine:t_max=6", epochs=6, lr=0.01, layer_decay=0.65, num_layers=3)
    code = t.to_code("lightning")
    assert '\nGROUPS = {f"layer_{i}": 0.65 ** (4 - i) for i in range(5)}\n' in code
    assert LIGHTNING_GROUPS in code


LIGHTNING_DRIVER = """\
import importlib.util, json, sys
import lightning as L
import torch
spec = importlib.util.spec_from_file_location("emitted", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
class Model(module.LitModel):
    def training_step(self, batch, i):
        return sum((p * 0).sum() for p in self.params)
class Record(L.Callback):
    lrs = []
    def on_train_batch_start(self, trainer, model, batch, i):
        self.lrs.append([g["lr"] for g in trainer.optimizers[0].param_groups])
record = Record()
trainer = L.Trainer(max_epochs=int(sys.argv[2]), accelerator="cpu", devices=1, logger=False,
    callbacks=[record], enable_checkpointing=False, enable_progress_bar=False,
    enable_model_summary=False, num_sanity_val_steps=0, default_root_dir=sys.argv[4])
data = torch.utils.data.TensorDataset(torch.ones(int(sys.argv[3]), 1))
trainer.fit(Model(), torch.utils.data.DataLoader(data, batch_size=1))
print(json.dumps(record.lrs))
"""


@pytest.mark.skipif(
    importlib.util.find_spec("lightning") is None,
    reason="lightning is not installed here (pip install lightning)",
)
@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("onecycle:max_lr=0.4", {"epochs": 3, "steps_per_epoch": 4, "interval": "step",
                                 "groups": "backbone=0.1,head=1"}),
        ("cosine:t_max=6", {"epochs": 6, "steps_per_epoch": 2, "lr": 0.01, "layer_decay": 0.65,
                            "num_layers": 3}),
    ],
)  # fmt: skip
def test_a_lightning_trainer_gives_every_group_its_lrs(tmp_path, spec, options):
    t = lrplot.simulate(spec, **options)
    module = tmp_path / "emitted.py"
    module.write_text(t.to_code("lightning"), encoding="utf-8")
    args = [str(module), str(t.settings.epochs), str(t.settings.steps_per_epoch), str(tmp_path)]
    out = subprocess.run(
        [sys.executable, "-c", LIGHTNING_DRIVER, *args],
        capture_output=True, text=True, check=True, timeout=300,
    ).stdout  # fmt: skip
    rows = np.arange(len(t))
    want = np.column_stack([t.values_at(v, rows) for _, v in t.lr_columns()]).tolist()
    assert json.loads(out.splitlines()[-1]) == want


@pytest.mark.skipif(not HAS_TORCH, reason="torch is not installed here (pip install torch)")
@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("onecycle:max_lr=0.4", {"epochs": 5, "steps_per_epoch": 4, "interval": "step",
                                 "groups": {"backbone": 0.1, "head": 1.0}}),
        ("cosine:t_max=30", {"epochs": 30, "lr": 1e-3, "layer_decay": 0.65, "num_layers": 12}),
        ("cosine:t_max=25,warmup=5", {"epochs": 30, "groups": "a=0.5,b=2"}),
        ("cyclic:base_lr=0.001,max_lr=0.1,step_size_up=5", {"epochs": 20, "groups": "a=0.25,b=1"}),
        ("sequential:schedulers=[linear:start_factor=0.1,total_iters=5; onecycle:max_lr=0.3,"
         "total_steps=25],milestones=[5]", {"epochs": 30, "groups": "a=0.3,b=1"}),
        ("step:step_size=3", {"epochs": 10, "groups": "a=0.5,b=1", "dataset_size": 1000,
                              "batch_size": 100, "reference_batch": 50}),
    ],
)  # fmt: skip
def test_emitted_code_prints_every_groups_lrs(tmp_path, spec, options):
    _same_as_lrplot(tmp_path, lrplot.simulate(spec, **options), "torch")


@pytest.mark.skipif(
    importlib.util.find_spec("transformers") is None,
    reason="transformers is not installed here (pip install transformers)",
)
@pytest.mark.parametrize(
    ("spec", "options"),
    [
        ("hf-polynomial:num_warmup_steps=3,num_training_steps=20,lr_end=0.001,power=2",
         {"epochs": 25, "groups": "backbone=0.5,head=1"}),
        ("hf-cosine-with-min-lr:num_warmup_steps=2,min_lr=0.002",
         {"epochs": 20, "groups": "a=0.1,b=1"}),
        ("hf-linear:num_warmup_steps=2", {"epochs": 10, "steps_per_epoch": 3, "interval": "step",
                                          "layer_decay": 0.5, "num_layers": 2}),
    ],
)  # fmt: skip
def test_emitted_transformers_code_prints_every_groups_lrs(tmp_path, spec, options):
    _same_as_lrplot(tmp_path, lrplot.simulate(spec, **options), "hf")


def _same_as_lrplot(tmp_path: Path, t: lrplot.Trace, target: str) -> None:
    script = tmp_path / "emitted.py"
    script.write_text(t.to_code(target), encoding="utf-8")
    out = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=120
    ).stdout
    got = [[float(x) for x in line.split(",")] for line in out.split()]
    rows = np.arange(len(t))
    want = np.column_stack([t.values_at(v, rows) for _, v in t.lr_columns()]).tolist()
    assert got == want


# --- batch-size scaling ---------------------------------------------------------------------


PLAN = {"dataset_size": 50_000, "batch_size": 512, "devices": 8, "reference_batch": 256}


def test_linear_and_sqrt_scaling():
    s = RunSettings.from_values({"lr": 0.1, **PLAN})
    assert s.lr == 0.1 * (4096 / 256) == 1.6 and s.reference_lr == 0.1 and s.lr_factor == 16
    s = RunSettings.from_values({"lr": 0.1, **PLAN, "scale": "sqrt", "grad_accum": 2})
    assert s.plan.effective_batch == 8192 and s.lr == 0.1 * (32**0.5)
    assert RunSettings.from_values({"lr": 0.1, **PLAN, "reference_batch": 4096}).lr == 0.1


def test_the_plan_line_says_the_scaled_lr(cli):
    out = cli.ok(
        "cosine", "--t-max", "100", "--epochs", "100", "--dataset-size", "50000",
        "--batch-size", "512", "--devices", "8", "--reference-batch", "256", "--no-chart",
    ).stdout  # fmt: skip
    lines = out.splitlines()
    assert lines[0] == (
        "CosineAnnealingLR(T_max=100, eta_min=0)  lr=1.6, 100 epochs x 13 steps, stepped per epoch"
    )
    assert lines[1] == (
        "plan: 50,000 samples / (batch 512 x 8 devices) = 13 batches/epoch (last 848 samples "
        "kept), 1,300 steps; lr 0.1 at batch 256 -> 1.6 at batch 4096 (linear)"
    )
    assert table_rows(out)[0] == ["0", "0", "1.6"]
    assert lines[-1] == (
        "note: lr 0.1 at batch 256 -> 1.6 at batch 4096 (linear) multiplies the LR by 16, and "
        "the schedule starts at that LR with no warmup (a large LR from the first step often "
        "diverges): add --warmup 5ep (Goyal et al. ramp up over the first 5 epochs), or scale "
        "less (--scale sqrt)"
    )


def test_a_schedule_that_sets_its_lr_gets_its_peak_scaled(cli):
    """OneCycleLR ignores the optimizer's lr: batch-size scaling multiplies its max_lr."""
    t = lrplot.simulate("onecycle:max_lr=0.2", epochs=10, **{**PLAN, "scale": "sqrt"})
    assert t.schedule.values["max_lr"] == 0.2 * 4.0 and t.sched_lr.max() == 0.8
    assert t.title().startswith("OneCycleLR(max_lr=0.8, total_steps=10,")
    out = cli.ok(
        "cyclic", "--base-lr", "0.001", "--max-lr", "0.01", "--epochs", "10",
        "--dataset-size", "50000", "--batch-size", "512", "--devices", "8",
        "--reference-batch", "256", "--no-chart",
    ).stdout  # fmt: skip
    assert out.splitlines()[2] == (
        "cyclic sets the LR itself: batch-size scaling multiplies its base_lr and max_lr by 16"
    )


def test_scaling_errors(cli):
    assert cli.fail("cosine", "--t-max", "5", "--scale", "sqrt") == (
        "Error: invalid value for --scale: scale needs reference_batch: it says how lr goes "
        "from the reference batch to the effective batch"
    )
    assert cli.fail("cosine", "--t-max", "5", "--reference-batch", "256") == (
        "Error: reference_batch needs dataset_size and batch_size too: a plan is dataset_size "
        "and batch_size, with devices, grad_accum and drop_last (or give steps_per_epoch alone)"
    )
    assert cli.fail("cosine", "--t-max", "5", "--reference-batch", "0") == (
        "Error: invalid value for --reference-batch: reference_batch must be an integer >= 1, "
        "got '0'"
    )
    config = Path(__file__).resolve().parent.parent / "sample_configs" / "hf_trainer.json"
    assert cli.fail("run", str(config), "--reference-batch", "16") == (
        f"Error: invalid value for --reference-batch: applies to lrplot configs only: {config} "
        "is a hf config, which sets its own lr"
    )
