"""Megatron's OptimizerParamScheduler (lrplot megatron) and Megatron-LM launch scripts
(lrplot run --format megatron): bit for bit with megatron-core 0.19.2.

The goldens are written by tools/goldens_megatron.py from the real scheduler class
(tests/golden/megatron-*.csv, one row per iteration; test_parity.py compares them to
1e-12, this file bit for bit) and from the flags of sample_configs/megatron_pretrain.sh
(tests/golden/megatron/pretrain.csv).
"""

from __future__ import annotations

import json
import math
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from conftest import case_settings, read_csv
from test_parity import load

from lrplot import api, configs
from lrplot.emit import emit
from lrplot.engine import simulate
from lrplot.errors import LrplotError
from lrplot.frameworks import megatron as reader
from lrplot.frameworks.shell import commands
from lrplot.schedules import lookup

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
FILES = sorted(GOLDEN.glob("megatron-*.csv"))
SAMPLE = ROOT / "sample_configs" / "megatron_pretrain.sh"
SAMPLE_GOLDEN = GOLDEN / "megatron" / "pretrain.csv"


def _lr(path: Path) -> np.ndarray:
    with path.open(encoding="utf-8") as f:
        f.readline()
        f.readline()
        return np.array([float(line.split(",")[1]) for line in f])


# --- the schedule against the real class ---------------------------------------------------


def test_goldens_cover_every_style_eight_times():
    cases = [load(p).case for p in FILES]
    styles = Counter(c["params"]["lr_decay_style"] for c in cases)
    assert set(styles) == {"constant", "linear", "cosine", "inverse-square-root", "wsd"}
    assert min(styles.values()) >= 8, styles
    wsd = Counter(
        c["params"]["lr_wsd_decay_style"] for c in cases if "lr_wsd_decay_style" in c["params"]
    )
    assert set(wsd) == {"exponential", "linear", "cosine", "minus_sqrt"}
    flags = [c["megatron"] for c in cases]
    assert any(
        "train_samples" in f and f["lr_warmup_samples"] % f["global_batch_size"]
        for f in flags
        if "lr_warmup_samples" in f
    )
    assert any("lr_warmup_fraction" in f and "train_samples" in f for f in flags)
    assert any(f.get("lr_warmup_init", 0) > 0 for f in flags)
    assert any(f.get("min_lr", 0) > 0 for f in flags)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bit_for_bit_with_megatron_core(path):
    golden = load(path)
    case = golden.case
    trace = simulate(lookup("megatron").build(case["params"]), case_settings(case))
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr), path.name


def test_row_k_is_num_steps_k_times_the_increment():
    # warmup over 3 iterations of 4 samples: init + (lr - init) * 4k / 12
    s = lookup("megatron").build(
        {"lr_warmup_steps": 12, "lr_decay_steps": 40, "increment": 4, "init_lr": 0.01}
    )
    lr = s.lr(12, 0.1)
    assert lr[:4].tolist() == [0.01 + (0.1 - 0.01) * (4.0 * k) / 12.0 for k in range(4)]
    assert lr[3] == 0.1  # the warmup's end (num_steps == W) is still the warmup
    assert lr[10] == 0.0 and lr[11] == 0.0  # num_steps 40 is the decay's end, 44 past it


def test_inverse_square_root_uses_cs_pow_not_sqrt():
    """Python's n ** 0.5 is C's pow, which is not always sqrt's (correctly rounded)
    value; numpy's power differs from it too. 8 is such an n's warmup here."""
    s = lookup("megatron").build({"lr_decay_style": "inverse-square-root", "lr_decay_steps": 10**7})
    lr = s.lr(3000, 1.0)
    expected = [1.0 * 1.0**0.5 / (max(n, 1) ** 0.5) for n in range(3000)]
    assert lr.tolist() == expected
    assert any(math.sqrt(n) != n**0.5 for n in range(1, 3000))  # the case that matters


def test_long_run_is_fast():
    s = lookup("megatron").build(
        {
            "lr_decay_style": "wsd",
            "lr_warmup_steps": 2000 * 1024,
            "wsd_decay_steps": 100_000 * 1024,
            "increment": 1024,
        }
    )
    start = time.perf_counter()
    lr = s.lr(500_000, 3e-4)
    assert time.perf_counter() - start < 1.0
    assert lr[2000] == 3e-4 and lr[-1] > 0.0


@pytest.mark.parametrize(
    ("values", "lr", "fragment"),
    [
        ({"lr_warmup_steps": 10, "lr_decay_steps": 10}, 0.1, "lr_warmup_steps (10) must be less"),
        ({"lr_decay_style": "wsd", "lr_decay_steps": 10}, 0.1, "wsd_decay_steps is needed"),
        ({"init_lr": 0.2}, 0.1, "init_lr (0.2) must be at most lr (0.1)"),
        ({"min_lr": 0.2}, 0.1, "min_lr (0.2) must be at most lr (0.1)"),
    ],
)
def test_megatrons_asserts_are_errors(values, lr, fragment):
    with pytest.raises(LrplotError) as err:
        lookup("megatron").build(values).lr(100, lr)
    assert fragment in str(err.value)


# --- the launch-script reader -------------------------------------------------------------


def test_sample_script_is_the_golden_run():
    loaded = configs.load(SAMPLE)
    assert loaded.format == "megatron"
    (trace,) = api.simulate_loaded(loaded)
    golden = load(SAMPLE_GOLDEN)
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr)
    # the reader took the flags the generator passed to the real scheduler
    assert dict(loaded.schedules[0].non_defaults()) == golden.case["params"]
    assert loaded.settings.total_steps == golden.case["megatron"]["train_iters"]


def _run(tmp_path: Path, text: str, name: str = "train.sh") -> configs.Loaded:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return configs.load(path)


def test_script_continuations_variables_quotes_and_arrays(tmp_path):
    text = (
        "#!/bin/bash\n"
        "export CUDA_DEVICE_MAX_CONNECTIONS=1\n"
        "GPUS=$(nvidia-smi -L | wc -l)   # unknown, but not needed\n"
        "LR=2e-4; ITERS=300\n"
        'SCHED="--lr-decay-style WSD --lr-wsd-decay-style minus_sqrt"\n'
        "ARGS=(\n"
        "    --lr ${LR}        # peak\n"
        "    --train-iters $ITERS\n"
        ")\n"
        'ARGS+=(--lr-wsd-decay-iters "${WSD:-60}")\n'
        "torchrun --nproc_per_node $GPUS pretrain_gpt.py \\\n"
        '    "${ARGS[@]}" $SCHED \\\n'
        "    --global-batch-size=48 --lr-warmup-iters '10' \\\n"
        "    --data-path $DATA_PATH --lr 3e-4 2>&1 | tee log.txt\n"
    )
    loaded = _run(tmp_path, text)
    values = loaded.schedules[0].values
    assert loaded.settings.lr == 3e-4  # the last --lr wins, as in argparse
    assert loaded.settings.total_steps == 300
    assert values["lr_decay_style"] == "wsd"
    assert values["lr_wsd_decay_style"] == "minus_sqrt"
    assert values["wsd_decay_steps"] == 60 * 48
    assert values["lr_warmup_steps"] == 480.0
    assert values["lr_decay_steps"] == 300 * 48
    assert values["increment"] == 48


def test_args_file(tmp_path):
    text = "--lr 1e-3 --min-lr 1e-5\n--train-samples 10000\n--global-batch-size 48\n"
    text += "--lr-warmup-samples 1000\n--lr-decay-style cosine\n"
    loaded = _run(tmp_path, text, "args.txt")
    assert loaded.format == "megatron"
    assert loaded.settings.total_steps == 10000 // 48
    v = loaded.schedules[0].values
    assert (v["lr_warmup_steps"], v["lr_decay_steps"], v["increment"]) == (1000.0, 10000, 48)
    assert "train_iters = --train-samples 10,000 // global batch 48 = 208" in loaded.notes


def test_shell_words():
    text = 'A=\'x y\'; B="$A z"\nC=(1 "2 3")\necho $B "$B" ${C[@]} "${C[@]}" ${C} \'\''
    (words,) = commands(text, "t.sh")
    assert [w.text for w in words] == [
        "echo",
        "x",
        "y",
        "z",
        "x y z",
        "1",
        "2",
        "3",
        "1",
        "2 3",
        "1",
        "",
    ]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        (
            "python pretrain_gpt.py $ARGS --train-iters 10\n",
            "line 1: $ARGS is not set in the script (it could hold flags lrplot reads)",
        ),
        (
            "python pretrain_gpt.py --lr $LR --train-iters 10 --global-batch-size 8\n",
            "line 1: $LR is not set in the script (it is the value of --lr)",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --global-batch-size 8\n",
            "--train-iters: missing: give --train-iters or --train-samples",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10\n",
            "--global-batch-size: missing",
        ),
        (
            "python pretrain_gpt.py --train-iters 10 --global-batch-size 8\n",
            "--lr: missing",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 8 "
            "--lr-decay-style wsd\n",
            "--lr-decay-style: invalid choice 'wsd'; did you mean 'WSD'?",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 8 "
            "--lr-decay-style WSD\n",
            "--lr-wsd-decay-iters: missing: --lr-decay-style WSD needs it",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 8 "
            "--lr-warmup-iters 10\n",
            "the warmup (80 samples) must be shorter than the decay (80)",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 8 "
            "--lr-warmup-samples 10\n",
            "--lr-warmup-samples: Megatron refuses samples with --train-iters",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 8 "
            "--rampup-batch-size 16 8 300\n",
            "--rampup-batch-size: batch-size rampup",
        ),
        (
            "python pretrain_gpt.py --lr 1e-4 --train-iters ten --global-batch-size 8\n",
            "--train-iters: must be an integer, got 'ten'",
        ),
        ('python pretrain_gpt.py --lr "1e-4\n', 'a " quote is not closed'),
    ],
)
def test_script_errors(cli, text, fragment):
    (cli.folder / "train.sh").write_text(text, encoding="utf-8")
    line = cli.fail("run", "train.sh", fragments=[fragment])
    assert line.startswith("Error: train.sh")


def test_cli_run_prints_the_equivalent_command(cli):
    result = cli.ok("run", str(SAMPLE), "--csv", "-", "-q")
    header, rows = read_csv(result.stdout)
    assert header == ["step", "epoch", "lr"]
    golden = _lr(SAMPLE_GOLDEN)
    assert [float(r[2]) for r in rows] == golden.tolist()
    assert "(Megatron-LM config) is this lrplot run" in result.stderr
    command = result.stderr.splitlines()[-1]
    assert command.startswith("lrplot compare megatron:lr_decay_style=cosine,")
    assert "--steps-per-epoch 5000 --interval step" in command


def test_format_megatron_reads_any_file_as_text(cli):
    (cli.folder / "flags.json").write_text("--lr 1e-3 --train-iters 20 --global-batch-size 2\n")
    result = cli.ok("run", "flags.json", "--format", "megatron", "--csv", "-", "-q")
    rows = read_csv(result.stdout)[1]
    assert len(rows) == 20 and float(rows[0][2]) == 1e-3  # no warmup: linear from lr
    assert float(rows[10][2]) == 0.0 + (1.0 - 20.0 / 40.0) * (1e-3 - 0.0)


def test_run_options_that_do_not_apply(cli):
    cli.fail("run", str(SAMPLE), "--epochs", "3", fragments=["do not apply to a Megatron script"])
    result = cli.ok("run", str(SAMPLE), "--lr", "1e-3", "--csv", "-", "-q")
    assert float(read_csv(result.stdout)[1][1][2]) == 1e-6 + (1e-3 - 1e-6) * 256.0 / 10240.0


def test_reader_only_reads_text(tmp_path):
    # a script is never run: a command that would write a file leaves nothing behind
    marker = tmp_path / "ran"
    text = (
        f"touch {marker}\npython pretrain_gpt.py --lr 1e-3 --train-iters 5 --global-batch-size 1\n"
    )
    _run(tmp_path, text)
    assert not marker.exists()
    assert reader.looks_like(SAMPLE)
    json_config = tmp_path / "c.json"
    json_config.write_text(json.dumps({"learning_rate": 1e-3}))
    assert not reader.looks_like(json_config)


# --- --emit megatron: the flags of the same run ------------------------------------------


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_emitted_flags_read_back_as_the_same_run(tmp_path, path):
    golden = load(path)
    case = golden.case
    trace = simulate(lookup("megatron").build(case["params"]), case_settings(case))
    flags = emit(trace, "megatron")
    assert flags.startswith("# Megatron-LM flags for OptimizerParamScheduler(")
    args = tmp_path / "args.txt"
    args.write_text(flags, encoding="utf-8")
    (back,) = api.simulate_loaded(configs.load(args, format="megatron"))
    assert np.array_equal(np.asarray(back.lr, dtype=float), golden.lr), flags


def test_emit_megatron_writes_iterations_when_it_can(cli):
    out = cli.ok("run", str(SAMPLE), "--emit", "megatron", "-q").stdout
    assert [line for line in out.splitlines() if not line.startswith("#")] == [
        "--lr 0.0003",
        "--lr-decay-style cosine",
        "--min-lr 3e-05",
        "--lr-warmup-init 1e-06",
        "--global-batch-size 256",
        "--train-iters 5000",
        "--lr-decay-iters 4000",
        "--lr-warmup-iters 40",
    ]


def test_emit_megatron_refuses_what_megatron_cannot_run(cli):
    cli.fail(
        "cosine",
        "--t-max",
        "10",
        "--emit",
        "megatron",
        fragments=["--emit megatron: cosine:t_max=10 is not a schedule Megatron-LM runs"],
    )
    cli.fail(
        "megatron",
        "--epochs",
        "10",
        "--warmup",
        "3",
        "--emit",
        "megatron",
        fragments=["lrplot's --warmup has no Megatron flag"],
    )


def test_unknown_parts_of_a_variable_leave_its_other_words_known(tmp_path):
    """As Megatron-LM's own examples write them: $1 paths in arrays, strings of flags
    with environment variables in them, an echo naming pretrain_gpt.py."""
    text = (
        "DATA_PATH=$1\n"
        'DIST="--nproc_per_node $GPUS --nnodes ${NNODES}"\n'
        "ARGS=(--data-path $DATA_PATH --lr 1e-4 --train-iters 50)\n"
        'OPTS=" --global-batch-size 16 --save ${CKPT}/run --lr-decay-style cosine"\n'
        'echo "running pretrain_gpt.py"\n'
        "$LAUNCHER torchrun $DIST pretrain_gpt.py ${ARGS[@]} $OPTS\n"
    )
    loaded = _run(tmp_path, text)
    assert loaded.settings.total_steps == 50
    assert loaded.schedules[0].values["lr_decay_style"] == "cosine"
    assert loaded.schedules[0].values["increment"] == 16


def test_the_printed_command_is_the_same_run(cli):
    result = cli.ok("run", str(SAMPLE), "--csv", "-", "-q")
    command = result.stderr.splitlines()[-1].split()
    assert command[:2] == ["lrplot", "compare"]
    again = cli.ok(*command[1:], "--csv", "-")
    assert again.stdout == result.stdout


def test_the_other_units_wsd_flag_is_ignored_as_megatron_does(tmp_path):
    text = "--lr 1e-3 --train-iters 40 --global-batch-size 4 --lr-decay-style WSD\n"
    text += "--lr-wsd-decay-iters 10 --lr-wsd-decay-samples 999\n"
    loaded = _run(tmp_path, text, "args.txt")
    assert loaded.schedules[0].values["wsd_decay_steps"] == 40
    assert any("--lr-wsd-decay-samples ignored" in n for n in loaded.notes)


def test_a_command_in_bash_c_is_read(tmp_path):
    text = 'ARGS="--lr 2e-4 --train-iters 30 --global-batch-size 8"\n'
    text += (
        'srun --nodes 2 bash -c "cd /workspace && python pretrain_gpt.py ${ARGS} --min-lr 1e-5"\n'
    )
    loaded = _run(tmp_path, text)
    assert loaded.settings.lr == 2e-4 and loaded.settings.total_steps == 30
    assert loaded.schedules[0].values["min_lr"] == 1e-5


def test_errors_point_at_the_line_that_gives_the_flag(cli):
    text = "LR=1e-4\nARGS=(\n    --lr $LR\n    --train-iters 100\n    --global-batch-size 8\n"
    text += "    --lr-decay-style wsd\n)\npython pretrain_gpt.py \\\n    ${ARGS[@]}\n"
    (cli.folder / "train.sh").write_text(text, encoding="utf-8")
    cli.fail("run", "train.sh", fragments=["train.sh, line 6: --lr-decay-style: invalid choice"])


# --- real scripts from Megatron-LM (tests/fixtures/configs/megatron/) ---------------------

FIXTURES = ROOT / "tests" / "fixtures" / "configs" / "megatron"


def test_bash_c_of_a_variable_with_unknowns_is_read_real_deepseek_sbatch():
    # its pretrain_gpt.py runs in `bash -x -c "${TRAINING_CMD}"` inside an sbatch
    # here-document, and TRAINING_CMD holds ${PYTHONPATH}, which the script does not
    # set: the flags were dropped ("--lr: missing")
    loaded = configs.load(FIXTURES / "sbatch_mfsdp_deepseek_v3.sh")
    assert loaded.format == "megatron"
    assert dict(loaded.schedules[0].non_defaults()) == {
        "lr_decay_style": "cosine",
        "lr_warmup_steps": 1536000,
        "lr_decay_steps": 584765624,
        "init_lr": 3.9e-7,
        "min_lr": 3.9e-7,
        "increment": 2048,
    }
    assert loaded.settings.lr == 3.9e-6
    assert loaded.settings.total_steps == 585937500 // 2048


def test_an_unknown_in_bash_c_stays_unknown_and_names_its_line(tmp_path):
    text = 'CMD="cd $WORK;\n'
    text += 'python pretrain_gpt.py --lr $LR --train-iters 10 --global-batch-size 2"\n'
    text += 'srun bash -c "${CMD}"\n'
    with pytest.raises(LrplotError) as err:
        _run(tmp_path, text)
    assert str(err.value) == (
        f"{tmp_path / 'train.sh'}, line 2: $LR is not set in the script (it is the value of "
        "--lr); lrplot reads the script as text and never runs it: set LR in the script"
    )


def test_a_variable_set_in_two_branches_is_unknown(tmp_path):
    # Megatron-LM's examples/mamba/train.sh sets GLOBAL_BATCH_SIZE in each case branch
    # (32 for 800M, 8 for 8B): lrplot took the last one
    text = 'case "$SIZE" in\n  "800M")\n    GBS=32\n    ;;\n  "8B")\n    GBS=8\n    ;;\nesac\n'
    text += "python pretrain_gpt.py --lr 1e-4 --train-iters 10 \\\n  --global-batch-size $GBS\n"
    with pytest.raises(LrplotError) as err:
        _run(tmp_path, text)
    assert str(err.value) == (
        f"{tmp_path / 'train.sh'}, line 6: $GBS (set to 32 on line 3 and to 8 on line 6, in "
        "the branches of an if, case or loop: which one runs is not in the script) cannot be "
        "known without "
        "running the script (it is the value of --global-batch-size); lrplot reads it as "
        "text: write the value in the script"
    )


def test_a_variable_set_in_a_branch_over_another_value_is_unknown(tmp_path):
    text = 'LR=1e-4\nif [ -n "$BIG" ]; then LR=5e-5; fi\n'
    text += "python pretrain_gpt.py --lr $LR --train-iters 10 --global-batch-size 2\n"
    branches = r"line 2: \$LR \(set to 1e-4 on line 1 and to 5e-5 on line 2, in the"
    with pytest.raises(LrplotError, match=branches):
        _run(tmp_path, text)


def test_branches_that_agree_and_values_set_after_them_are_known(tmp_path):
    text = 'if [ -n "$A" ]; then\n  GBS=16\nelse\n  GBS=16\nfi\n'
    text += 'if [ -n "$B" ]; then\n  LR=1\nfi\nLR=2e-4\n'
    text += "python pretrain_gpt.py --lr $LR --train-iters 10 --global-batch-size $GBS\n"
    loaded = _run(tmp_path, text)
    assert loaded.settings.lr == 2e-4
    assert loaded.schedules[0].values["increment"] == 16


def test_two_branches_running_the_same_flags_are_one_run(tmp_path):
    # examples/multimodal/nvlm/*.sh: torchrun ... ${OPTIONS} when interactive, else
    # srun ... sh -c "${run_cmd}" with the same ${OPTIONS}
    text = 'OPTIONS="--lr 1e-4 --train-iters 10 --global-batch-size 4 --data-path <some dir>"\n'
    text += "if [[ $BATCH -eq 0 ]]; then\n  torchrun train.py ${OPTIONS}\nelse\n"
    text += '  run_cmd="python -u ${SOURCE}/train.py ${OPTIONS}"\n  srun sh -c "${run_cmd}"\nfi\n'
    loaded = _run(tmp_path, text)
    assert loaded.settings.lr == 1e-4 and loaded.settings.total_steps == 10
    text = text.replace("-u ${SOURCE}/train.py ${OPTIONS}", "x.py --lr 2e-4")
    with pytest.raises(LrplotError, match="several commands run Megatron"):
        _run(tmp_path, text)


def test_a_script_that_ends_in_a_redirection_is_read(tmp_path):
    # the lexer ran past the end of the text (an IndexError, a traceback)
    text = "python pretrain_gpt.py --lr 1e-4 --train-iters 10 --global-batch-size 4 >"
    assert _run(tmp_path, text).settings.lr == 1e-4


def test_functional_test_model_config_yaml_is_the_golden_run():
    # Megatron-LM's tests keep their flags in model_config.yaml (MODEL_ARGS); this one
    # gives --ffn-hidden-size twice (PyYAML keeps the last, as argparse) and --lr 3e-4
    # (text to YAML 1.1)
    path = FIXTURES / "gpt3_mcore_reruns_disable.yaml"
    loaded = configs.load(path)
    assert loaded.format == "megatron"
    (trace,) = api.simulate_loaded(loaded)
    golden = load(GOLDEN / "megatron" / "real_gpt3_mcore_reruns_disable.csv")
    assert np.array_equal(np.asarray(trace.lr, dtype=float), golden.lr)
    values = loaded.schedules[0].values
    assert {k: values[k] for k in golden.case["params"]} == golden.case["params"]


@pytest.mark.parametrize(
    ("name", "params", "lr", "iters"),
    [
        ("bert_release", {"lr_warmup_steps": 6400.0, "lr_decay_steps": 640000,
                          "min_lr": 1e-5, "increment": 32}, 1e-4, 20000),
        ("mixtral_8x7b_alltoall_release", {"lr_decay_style": "cosine",
         "lr_warmup_steps": 3906252, "lr_decay_steps": 1949218748, "min_lr": 3e-5,
         "increment": 1024}, 3e-4, 24414063 // 1024),
    ],
)  # fmt: skip
def test_functional_test_model_configs_read(name, params, lr, iters):
    loaded = configs.load(FIXTURES / f"{name}.yaml")
    assert dict(loaded.schedules[0].non_defaults()) == params
    assert loaded.settings.lr == lr and loaded.settings.total_steps == iters


def test_model_config_yaml_rules(tmp_path):
    text = "MODEL_ARGS:\n  --lr: 1.0e-3\n  --train-iters: 10\n  --global-batch-size: 4\n"
    text += "  --use-mcore-models: true\n  --lr-decay-style: ''\n  --min-lr: ${MIN_LR}\n"
    with pytest.raises(LrplotError) as err:
        _run(tmp_path, text, "model_config.yaml")
    assert str(err.value) == (
        f"{tmp_path / 'model_config.yaml'}, line 7: ${{MIN_LR}} is not set in the script (it "
        "is the value of --min-lr); lrplot reads the script as text and never runs it: set "
        "MIN_LR in the script"
    )
    loaded = _run(tmp_path, text.replace("${MIN_LR}", "1.0e-4"), "model_config.yaml")
    assert loaded.schedules[0].values["lr_decay_style"] == "linear"  # "" leaves it out
    assert loaded.schedules[0].values["min_lr"] == 1e-4
    nemo = "MODEL_ARGS:\n  trainer.max_steps: 50\n  model.optim.lr: 1e-4\n"
    with pytest.raises(LrplotError, match=r"MODEL_ARGS has no Megatron-LM --flags \(its keys"):
        _run(tmp_path, nemo, "model_config.yaml")
    # a YAML without MODEL_ARGS is no Megatron config
    assert not reader.looks_like(_write_text(tmp_path / "x.yaml", "lr_scheduler: {}\n"))


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_nested_defaults_and_arithmetic_are_expanded(tmp_path):
    # Megatron-LM's examples/mimo/scripts/run_hetero_nemotron_20l_mock_train.sh:
    # ${TORCHRUN_LOG_DIR:-"${PWD}/logs/..."} (the lexer stopped at the first "}": 'a "
    # quote is not closed') and GLOBAL_BATCH_SIZE=$((MICRO_BATCH_SIZE * ... * 2))
    text = 'LOGS=${LOGS:-"${PWD}/logs/$(date +%s)"}\nN=${NODES:-${SLURM_NNODES:-1}}\n'
    text += "MBS=1\nMB=${MB:-4}\nGBS=$((MBS * MB * N * 2))\nWARM=$(( (GBS - 10) / 3 ))\n"
    text += "python pretrain_gpt.py --lr 1e-4 --train-iters 20 --global-batch-size $GBS \\\n"
    text += "  --lr-warmup-iters $((WARM * -1 % 4 + 2)) --log-dir $LOGS\n"
    loaded = _run(tmp_path, text)
    values = loaded.schedules[0].values
    assert values["increment"] == 8
    assert values["lr_warmup_steps"] == 2 * 8  # (8 - 10) / 3 = 0 in bash: 0 * -1 % 4 + 2
    with pytest.raises(LrplotError, match=r"line 7: \$\(\(MB \* X\)\) cannot be known"):
        _run(tmp_path, text.replace("GBS=$((MBS * MB * N * 2))", "GBS=$((MB * X))"))
