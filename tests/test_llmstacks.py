"""torchtune and axolotl: their schedules, bit for bit with their own code, and their
configs read into the run the recipe (torchtune) or trainer (axolotl) does.

The goldens are written by tools/goldens_llmstacks.py from torchtune 0.6.1's
lr_schedulers.py and axolotl 0.21.0's schedulers.py (loaded alone), with torch 2.13
and transformers 5.24: ``tests/golden/axolotl-*.csv`` and ``tt-cosine-*.csv`` (one
schedule each, in golden_io's loop; test_parity.py checks them to 1e-12, this file
bit for bit), and ``tests/golden/llmstacks/NAME.csv``: every optimizer step's LR of
the run a config describes, the recipe's or trainer's step counting replayed.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import case_settings
from test_parity import load

from lrplot.configs import load as load_config
from lrplot.engine import simulate
from lrplot.frameworks import detect
from lrplot.schedules import REGISTRY, lookup
from lrplot.spec import read_config_data

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
SCHEDULE_FILES = sorted([*GOLDEN.glob("axolotl-*.csv"), *GOLDEN.glob("tt-cosine-*.csv")])
CONFIG_FILES = sorted((GOLDEN / "llmstacks").glob("*.csv"))
AXOLOTL = ("axolotl-cosine-min-lr", "axolotl-cosine-constant", "axolotl-cosine-quadratic",
           "axolotl-rex")  # fmt: skip


def test_goldens_cover_every_schedule():
    kinds = Counter(load(p).case["schedule"] for p in SCHEDULE_FILES)
    assert set(kinds) == {*AXOLOTL, "hf-cosine", "sequential", "chained"}
    assert min(kinds[k] for k in (*AXOLOTL, "hf-cosine")) >= 8
    # axolotl's LambdaLRs as children of torch's compositions (their emulators)
    assert kinds["sequential"] + kinds["chained"] >= 4
    torchtune = [p for p in SCHEDULE_FILES if p.name.startswith("tt-cosine-")]
    assert len(torchtune) >= 8
    assert all("torchtune 0.6.1" in load(p).case["library"] for p in torchtune)


@pytest.mark.parametrize("path", SCHEDULE_FILES, ids=[p.name for p in SCHEDULE_FILES])
def test_schedule_bit_for_bit(path):
    golden = load(path)
    case = golden.case
    trace = simulate(lookup(case["schedule"]).build(case["params"]), case_settings(case))
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr), path.name


def _config_case(path: Path) -> tuple[dict, np.ndarray]:
    lines = path.read_text(encoding="utf-8").splitlines()
    spec = json.loads(lines[0][2:])
    return spec, np.array([float(line.split(",")[1]) for line in lines[2:]])


def test_config_goldens_cover_both_stacks_and_the_samples():
    specs = [_config_case(p)[0] for p in CONFIG_FILES]
    assert {s["config"] for s in specs} >= {
        "sample_configs/torchtune_lora.yaml",
        "sample_configs/axolotl.yaml",
    }
    assert Counter(s["stack"] for s in specs) == {"torchtune": 7, "axolotl": 9}
    # real configs of the stacks' own repositories among them
    assert sum(s["config"].startswith("tests/fixtures/configs/") for s in specs) == 2


@pytest.mark.parametrize("path", CONFIG_FILES, ids=[p.stem for p in CONFIG_FILES])
def test_lrplot_run_gives_the_stacks_lrs(cli, path):
    spec, want = _config_case(path)
    out = cli.ok("run", str(ROOT / spec["config"]), *spec["args"], "--csv", "-").stdout
    rows = [line for line in out.splitlines() if line and not line.startswith("#")]
    assert rows[0].split(",")[:3] == ["step", "epoch", "lr"]  # onecycle adds momentum
    lr = np.array([float(r.split(",")[2]) for r in rows[1:]])
    assert lr.shape == want.shape
    assert np.array_equal(lr, want), path.stem


def test_detected_by_their_keys():
    for name, fmt in (("torchtune_lora.yaml", "torchtune"), ("axolotl.yaml", "axolotl")):
        path = ROOT / "sample_configs" / name
        assert detect(path, read_config_data(path)) == fmt
        assert (
            load_config(path, format=fmt).framework
            == {
                "torchtune": "torchtune recipe",
                "axolotl": "axolotl",
            }[fmt]
        )


def test_torchtune_sample_header(cli):
    out = cli.ok("run", str(ROOT / "sample_configs/torchtune_lora.yaml"), "-q").stderr
    assert out.splitlines()[1:] == [
        "#   51,760 samples / batch 4 = 12,940 batches/epoch, // accumulate 8 = 1,617 "
        "steps/epoch (the last 4 batches make no step)",
        "#   num_training_steps = 1 epoch x 1,617 = 1,617",
        "lrplot compare hf-cosine:num_warmup_steps=100,num_training_steps=1617 --lr 0.0003 "
        "--epochs 1 --steps-per-epoch 1617 --interval step",
    ]


def test_axolotl_sample_header(cli):
    out = cli.ok("run", str(ROOT / "sample_configs/axolotl.yaml"), "-q").stderr
    assert out.splitlines()[1:] == [
        "#   total_num_steps = ceil(2,000 samples x 3 epochs / batch 8 (micro_batch_size 2 x "
        "accumulate 4)) = 750",
        "#   warmup_steps = int(0.05 x 750) = 37",
        "lrplot compare axolotl-cosine-min-lr:num_warmup_steps=37,num_training_steps=750,"
        "min_lr_ratio=0.1 --lr 0.0002 --epochs 3 --steps-per-epoch 250 --interval step",
    ]


def test_command_line_plan_wins(cli):
    out = cli.ok("run", str(ROOT / "sample_configs/axolotl.yaml"), "--dataset-size", "1000",
                 "--devices", "2", "-q").stderr  # fmt: skip
    assert "ceil(1,000 samples x 3 epochs / batch 16 (micro_batch_size 2 x accumulate 4 x 2 " \
           "devices)) = 188" in out  # fmt: skip
    out = cli.ok("run", str(ROOT / "sample_configs/torchtune_lora.yaml"), "--dataset-size",
                 "1000", "--grad-accum", "2", "--epochs", "2", "-q").stderr  # fmt: skip
    assert "1,000 samples / batch 4 = 250 batches/epoch, // accumulate 2 = 125 steps/epoch" in out
    assert "num_training_steps = 2 epochs x 125 = 250" in out


def _write(cli, name: str, text: str) -> str:
    (cli.folder / name).write_text(text)
    return name


TT = (
    "optimizer: {_component_: torch.optim.AdamW, lr: 3e-4}\n"
    "batch_size: 4\nepochs: 1\ngradient_accumulation_steps: 2\n"
)


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (TT + "lr_scheduler: {_component_: torchtune.training.lr_schedulers."
              "get_cosine_schedule_with_warmup, num_warmup_steps: 10}\n", [],
         "tt.yaml: epochs: counting optimizer steps needs the training set's size (after "
         "packing, if packed): pass --dataset-size (or --steps-per-epoch)"),
        (TT + "lr_scheduler: {_component_: torch.optim.lr_scheduler.StepLR}\n",
         ["--dataset-size", "100"],
         "tt.yaml: lr_scheduler._component_: unknown scheduler 'torch.optim.lr_scheduler.StepLR': "
         "the recipe calls it with num_training_steps= and last_epoch=, and lrplot knows: "
         "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup, "
         "torchtune.training.get_cosine_schedule_with_warmup, and transformers[.optimization]."
         "get_linear_schedule_with_warmup, get_cosine_schedule_with_warmup, "
         "get_cosine_with_hard_restarts_schedule_with_warmup, "
         "get_polynomial_decay_schedule_with_warmup, get_cosine_with_min_lr_schedule_with_warmup, "
         "get_cosine_with_min_lr_schedule_with_warmup_lr_rate, get_wsd_schedule"),
        (TT + "lr_scheduler: {_component_: torchtune.training.get_cosine_schedule_with_warmup}\n",
         ["--dataset-size", "100"],
         "tt.yaml: lr_scheduler.num_warmup_steps: missing: torchtune's scheduler needs it"),
        (TT + "lr_scheduler: {_component_: torchtune.training.get_cosine_schedule_with_warmup, "
              "num_warmup_steps: 1, eta: 2}\n", ["--dataset-size", "100"],
         "tt.yaml: lr_scheduler.eta: get_cosine_schedule_with_warmup takes no argument 'eta' "
         "(it takes: num_warmup_steps, num_cycles)"),
        (TT + "lr_scheduler: {_component_: torchtune.training.get_cosine_schedule_with_warmup, "
              "num_warmup_steps: '${oc.env:W}'}\n", ["--dataset-size", "100"],
         "tt.yaml: lr_scheduler.num_warmup_steps: '${oc.env:W}': lrplot follows only a plain "
         "${key} reference (no resolvers, no text around it): write the value"),
        (TT + "lr_scheduler: {_component_: torchtune.training.get_cosine_schedule_with_warmup, "
              "num_warmup_steps: '${warm}'}\n", ["--dataset-size", "100"],
         "tt.yaml: lr_scheduler.num_warmup_steps: refers to ${warm}, which the config does "
         "not have"),
        (TT, ["--dataset-size", "100", "--no-drop-last"],
         "tt.yaml: batch_size: torchtune's DataLoader always drops the last partial batch "
         "(drop_last=True): leave out --no-drop-last"),
        (TT, ["--dataset-size", "7"],
         "tt.yaml: batch_size: an epoch has no optimizer step (fewer batches than "
         "gradient_accumulation_steps): torchtune's scheduler would get num_training_steps 0"),
    ],
)  # fmt: skip
def test_torchtune_errors(cli, text, args, message):
    name = _write(cli, "tt.yaml", text)
    assert cli.fail("run", name, *args) == f"Error: {message}"


AX = "base_model: m\nmicro_batch_size: 2\nnum_epochs: 1\nlearning_rate: 1e-4\n"


@pytest.mark.parametrize(
    ("text", "args", "message"),
    [
        (AX, [], "ax.yaml: num_epochs: counting optimizer steps needs the training set's size: "
                 "pass --dataset-size (or --steps-per-epoch, or set max_steps)"),
        (AX + "sample_packing: true\n", ["--dataset-size", "100"],
         "ax.yaml: sample_packing: with sample packing axolotl counts steps from the packed "
         "token lengths, not the samples: pass --steps-per-epoch (its data_loader_len) or set "
         "max_steps"),
        (AX + "warmup_steps: 5\nwarmup_ratio: 0.1\n", ["--dataset-size", "100"],
         "ax.yaml: warmup_ratio: warmup_steps and warmup_ratio are mutually exclusive"),
        (AX + "jagged_restart_steps: 100\n", ["--dataset-size", "100"],
         "ax.yaml: jagged_restart_steps: lrplot has no model of JaggedLRRestartScheduler"),
        (AX + "lr_scheduler: cosine_warm\n", ["--dataset-size", "100"],
         "ax.yaml: lr_scheduler: unknown value 'cosine_warm'"),
        (AX + "lr_scheduler: linear\nlr_scheduler_kwargs: {power: 2}\n", ["--dataset-size", "100"],
         "ax.yaml: lr_scheduler_kwargs.power: transformers' linear takes no argument 'power' "
         "(it takes none)"),
        (AX + "lr_scheduler: polynomial\nlr_scheduler_kwargs: {lr_end: 1e-6}\n",
         ["--dataset-size", "100"],
         "ax.yaml: lr_scheduler_kwargs.lr_end: '1e-6' is text, not a number, to YAML (1e-6 "
         "needs a dot: 1.0e-6), and axolotl passes it on as text: the scheduler fails; write "
         "it with a dot"),
        (AX + "lr_scheduler: rex\nwarmup_steps: 80\n", ["--dataset-size", "100"],
         "num_warmup_steps (80) must not exceed total_steps (50): RexLR raises"),
    ],
)  # fmt: skip
def test_axolotl_errors(cli, text, args, message):
    name = _write(cli, "ax.yaml", text)
    line = cli.fail("run", name, *args)
    assert message in line, line


def test_axolotl_choices_follow_create_scheduler(cli):
    def spec(text: str, *args: str) -> str:
        name = _write(cli, "ax.yaml", AX + text)
        return cli.ok("run", name, "--dataset-size", "1000", *args, "-q").stderr.splitlines()[-1]

    assert spec("").startswith("lrplot compare hf-cosine:num_warmup_steps=15,")
    # cosine_min_lr_ratio 0 is falsy: transformers' cosine
    assert spec("cosine_min_lr_ratio: 0.0\n").startswith("lrplot compare hf-cosine:")
    assert spec("lr_quadratic_warmup: true\ncosine_min_lr_ratio: 0.2\n").startswith(
        "lrplot compare axolotl-cosine-quadratic:"
    )
    assert "cosine_constant_lr_ratio ignored" in cli.ok(
        "run", _write(cli, "ax.yaml", AX + "cosine_constant_lr_ratio: 0.8\n"),
        "--dataset-size", "1000", "-q").stderr  # fmt: skip
    assert spec("warmup_steps: 1\n").startswith("lrplot compare hf-cosine:num_warmup_steps=2,")
    # packing: --steps-per-epoch is axolotl's data_loader_len
    name = _write(cli, "ax.yaml", AX.replace("num_epochs: 1", "num_epochs: 2.5")
                  + "sample_packing: true\n")  # fmt: skip
    out = cli.ok("run", name, "--steps-per-epoch", "41", "-q").stderr
    assert "total_num_steps = floor(41 steps/epoch x 2.5 epochs) = 102" in out


def test_declarations_and_explain(cli):
    names = {d.known_as.get("axolotl") for d in REGISTRY.values()} - {None}
    assert names == {"rex", "cosine + lr_quadratic_warmup", "cosine + cosine_min_lr_ratio",
                     "cosine + cosine_min_lr_ratio + cosine_constant_lr_ratio"}  # fmt: skip
    assert REGISTRY["hf-cosine"].known_as["torchtune"] == (
        "torchtune.training.lr_schedulers.get_cosine_schedule_with_warmup"
    )
    assert {REGISTRY[n].library for n in AXOLOTL} == {"axolotl.utils.schedulers"}
    explained = " ".join(cli.ok("explain", "axolotl-rex").stdout.split())
    assert "reproduces axolotl.utils.schedulers.RexLR" in explained
    assert "axolotl lr_scheduler rex" in explained
    assert "torchtune lr_scheduler _component_" in " ".join(
        cli.ok("explain", "hf-cosine").stdout.split()
    )


def test_rex_starts_at_its_step_one():
    lr = lookup("axolotl-rex").build({"num_warmup_steps": 4}).lr(10, 0.1)
    assert lr[:4].tolist() == [0.1 * k / 4 for k in (1, 2, 3, 4)]
    assert lr[-1] == 0.0 and lr[4] < 0.1


@pytest.mark.parametrize(
    ("args", "fragments"),
    [
        (["axolotl-cosine-min-lr", "--num-training-steps", "200", "--min-lr-ratio", "0.1"],
         ["axolotl-cosine-min-lr never reaches lr * min_lr_ratio (0.01): num_training_steps 200",
          "set --num-training-steps 100"]),
        (["axolotl-cosine-quadratic", "--num-training-steps", "50"],
         ["ends its decay at step 50 of 100, then the LR rises again"]),
        (["axolotl-rex", "--total-steps", "150", "--min-lr", "0.01"],
         ["axolotl-rex never reaches min_lr (0.01)", "set --total-steps 100"]),
        (["axolotl-cosine-constant", "--num-warmup-steps", "200", "--constant-lr-ratio", "0.5",
          "--min-lr-ratio", "0.1"],
         ["(axolotl's warmup starts at 0)", "never gets past the warmup"]),
    ],
)  # fmt: skip
def test_check_rules(cli, args, fragments):
    result = cli("check", *args, "--epochs", "100")
    assert result.exit_code == 1, result.output
    for fragment in fragments:
        assert fragment in result.stdout, result.stdout


def test_keys_axolotl_ignores_are_said(cli):
    text = AX + "lr_scheduler: linear\ncosine_min_lr_ratio: 0.1\nlr_quadratic_warmup: true\n"
    out = cli.ok("run", _write(cli, "ax.yaml", text), "--dataset-size", "1000", "-q").stderr
    assert "cosine_min_lr_ratio ignored: axolotl uses it with cosine or rex, not linear" in out
    assert "lr_quadratic_warmup ignored: axolotl uses it with cosine, not linear" in out
    assert "lrplot compare hf-linear:" in out


def test_own_schedulers_take_no_kwargs(cli):
    text = AX + "lr_scheduler: rex\nlr_scheduler_kwargs: {gamma: 0.5}\n"
    out = cli.ok("run", _write(cli, "ax.yaml", text), "--dataset-size", "1000", "-q").stderr
    assert "lr_scheduler_kwargs ignored: axolotl's RexLR takes none" in out


def test_warmup_steps_zero_wins_over_the_ratio(cli):
    name = _write(cli, "ax.yaml", AX + "warmup_steps: 0\nwarmup_ratio: 0.1\n")
    out = cli.ok("run", name, "--dataset-size", "1000", "-q").stderr
    assert "warmup_ratio ignored: warmup_steps 0 is set (axolotl)" in out
    assert "hf-cosine:num_training_steps=500 " in out  # no warmup


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("axolotl-cosine-min-lr", {"num_warmup_steps": 7, "num_training_steps": 150,
                                   "min_lr_ratio": 0.1}),
        ("axolotl-cosine-constant", {"num_warmup_steps": 3, "num_training_steps": 170,
                                     "constant_lr_ratio": 0.6, "min_lr_ratio": 0.05,
                                     "num_cycles": 0.7}),
        ("axolotl-cosine-quadratic", {"num_warmup_steps": 11, "num_training_steps": 160}),
    ],
)  # fmt: skip
def test_emulators_are_the_lambdas_bit_for_bit(name, params):
    s = lookup(name).build(params)
    group = {"lr": 0.1, "momentum": 0.0}
    emulator = s.definition.emulator(group, s.values)
    lrs = [group["lr"]]
    for _ in range(199):
        emulator.step()
        lrs.append(group["lr"])
    assert lrs == s.lr(200, 0.1).tolist()


def test_a_composed_child_needs_its_length(cli):
    spec = "sequential:schedulers=[linear:total_iters=5; axolotl-cosine-min-lr],milestones=[5]"
    line = cli.fail("compare", spec, "--epochs", "50")
    assert line == (
        "Error: axolotl-cosine-min-lr: as a child of a composition it needs "
        "num_training_steps (axolotl always passes it)"
    )


# --- real configs from torchtune's and axolotl's repositories (tests/fixtures/configs/) ----

FIXTURES = ROOT / "tests" / "fixtures" / "configs"
QWEN_72B = str(FIXTURES / "torchtune" / "qwen2_5_72B_lora.yaml")


def test_torchtune_says_the_devices_its_comment_launches_on(cli):
    # recipes/configs/qwen2_5/72B_lora.yaml: "tune run --nnodes 1 --nproc_per_node 8
    # lora_finetune_distributed": lrplot showed 1 device (8x the steps) and said nothing
    out = cli.ok("run", QWEN_72B, "--dataset-size", "10000", "-q").stderr.splitlines()
    assert out[2] == (
        "#   the config's comment runs it on 8 devices (line 11: tune run ... "
        "lora_finetune_distributed): shown on 1; pass --devices 8 if the run has them"
    )
    out = cli.ok("run", QWEN_72B, "--dataset-size", "10000", "--devices", "8", "-q").stderr
    assert "comment runs it" not in out
    assert out.splitlines()[-1].endswith("--epochs 1 --steps-per-epoch 625 --interval step")
    out = cli.ok("run", QWEN_72B, "--steps-per-epoch", "100", "-q").stderr
    assert "comment runs it" not in out


@pytest.mark.parametrize(
    ("comment", "note"),
    [
        ("tune run --nproc_per_node 2 qat_distributed --config x", "#   the config's comment "
         "runs it on 2 devices (line 1: tune run ... qat_distributed): shown on 1; pass "
         "--devices 2 if the run has them\n#   qat_distributed (line 1: tune run ... "
         "qat_distributed) builds no lr scheduler: the LR stays at the optimizer's lr"),
        ("tune run --nnodes=2 --nproc-per-node=4 knowledge_distillation_distributed",
         "on 8 devices (line 1: tune run ... knowledge_distillation_distributed)"),
        ("  tune run lora_finetune_single_device --config x", None),
    ],
)  # fmt: skip
def test_torchtune_launch_comments(cli, comment, note):
    name = _write(cli, "tt.yaml", f"# {comment}\n" + TT)
    out = cli.ok("run", name, "--dataset-size", "100", "-q").stderr
    if note is None:  # the same run, the same notes as without the comment
        plain = cli.ok("run", _write(cli, "tt.yaml", TT), "--dataset-size", "100", "-q").stderr
        assert out == plain
    else:
        assert note in out


def test_torchtune_a_config_without_optimizer_is_no_training_config(cli):
    name = _write(cli, "eval.yaml", "model: {_component_: torchtune.models.phi3.phi3_mini}\n")
    assert cli.fail("run", name, "--format", "torchtune") == (
        "Error: eval.yaml: optimizer: missing: lrplot reads the configs of training recipes, "
        "which have one (a generation, evaluation or quantization config has no schedule)"
    )


def test_axolotl_batch_size_alone_is_said(cli):
    # examples/archived/replit-3b/config-lora.yml: batch_size 8, micro_batch_size 1, no
    # gradient_accumulation_steps (the LRs: tests/golden/llmstacks/real_ax_replit_3b_lora)
    path = str(FIXTURES / "axolotl" / "replit-3b_config-lora.yml")
    out = cli.ok("run", path, "--dataset-size", "1000", "-q").stderr.splitlines()
    assert out[2] == (
        "#   batch_size 8 only counts the steps: gradient_accumulation_steps stays 1 (the "
        "schema's default), so an optimizer step takes 1 sample and the 500 steps cover 1/8 "
        "of 4 epochs' samples"
    )


def test_axolotl_packing_with_max_steps_and_a_dataset_size(cli):
    text = "base_model: m\nlearning_rate: 1e-4\nsample_packing: true\nmax_steps: 305\n"
    name = _write(cli, "ax.yaml", text)
    assert cli.fail("run", name, "--dataset-size", "10") == (
        "Error: ax.yaml: sample_packing: with sample packing axolotl counts steps from the "
        "packed token lengths, not the samples: leave out --dataset-size (the run is "
        "max_steps 305 if the data lasts) or pass --steps-per-epoch (its data_loader_len)"
    )
    assert "max_steps 305" in cli.ok("run", name, "-q").stderr


@pytest.mark.parametrize(
    ("head", "recipe"),
    [
        ("# tune run --nproc_per_node 4 dev/grpo_full_finetune_distributed --config x\n",
         "grpo_full_finetune_distributed"),
        ("ppo_epochs: 1\n", "a PPO recipe (ppo_epochs)"),
    ],
)  # fmt: skip
def test_torchtune_ppo_and_grpo_configs_are_refused_by_name(cli, head, recipe):
    # recipes/configs/dev/3B_full_grpo.yaml, mistral/7B_full_ppo_low_memory.yaml: refused
    # for a missing gradient_accumulation_steps / epochs before
    name = _write(cli, "rl.yaml", head + TT)
    assert cli.fail("run", name, "--dataset-size", "100") == (
        f"Error: rl.yaml: lr_scheduler: {recipe}: lrplot reads the fine-tune, LoRA, DPO and "
        "distillation recipes' configs; PPO and GRPO count their steps otherwise"
    )


def test_axolotl_fractional_warmup_steps_says_warmup_ratio(cli):
    # examples/expert_parallel/qwen3_30ba3b_ep_*.yaml write warmup_steps: 0.1, which
    # axolotl's schema (warmup_steps: int | None) refuses
    text = "base_model: m\nlearning_rate: 1e-4\nmax_steps: 50\nwarmup_steps: 0.1\n"
    assert cli.fail("run", _write(cli, "ax.yaml", text)) == (
        "Error: ax.yaml: warmup_steps: axolotl's schema takes a whole number and refuses 0.1: "
        "for a share of the steps, write warmup_ratio: 0.1"
    )
