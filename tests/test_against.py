"""--against LOG: the verdict, the diagnosis and its try: command, the logged column.

The logs here are written by lrplot itself, from runs with one mistake each, rounded to
float32 as loggers store them: they test the comparison and the search for a cause.
Logs recorded by the real frameworks (tests/fixtures/logs/, tools/log_fixtures.py) are
checked in test_against_fixtures.py.
"""

from __future__ import annotations

import shlex
from pathlib import Path

import numpy as np
import pytest
from conftest import read_csv, table_rows

import lrplot
from lrplot.against import compare
from lrplot.diagnose import verify
from lrplot.logs import read_log
from lrplot.resume import resume

HF = "hf-cosine:num_warmup_steps=10,num_training_steps=200"
RUN = {"epochs": 2, "steps_per_epoch": 100, "interval": "step", "lr": 1e-3}
RUN_WORDS = ["--lr", "0.001", "--epochs", "2", "--steps-per-epoch", "100", "--interval", "step"]
HF_WORDS = ["hf-cosine", "--num-warmup-steps", "10", "--num-training-steps", "200"]


def write_log(path: Path, trace: lrplot.Trace, every: int = 5, shift: int = 0) -> Path:
    """A CSV log of ``trace``'s LR every ``every`` steps, as float32 (``shift``: each
    value is the LR that many steps later)."""
    rows = np.arange(0, len(trace) - max(shift, 0), every)
    lines = ["step,lr"] + [f"{r},{float(np.float32(trace.lr[r + shift]))!r}" for r in rows.tolist()]
    path.write_text("\n".join(lines) + "\n")
    return path


def assert_reproduces(cli, try_line: str) -> None:
    """The ``try:`` line's command, run, matches the log (exit 0)."""
    again = cli(*shlex.split(try_line.removeprefix("try: lrplot ")), "-q")
    assert again.exit_code == 0, again.output


def configured() -> lrplot.Trace:
    return lrplot.simulate(HF, **RUN)


# (case, the run that really happened, the cause's text, the try: command's changes)
CASES = [
    (
        "accelerate",
        {"spec": HF, **RUN, "accelerate": True, "num_processes": 4},
        "the scheduler was stepped 4 times per optimizer step: Accelerate on 4 processes "
        "steps a prepared scheduler once per process, so a schedule whose lengths count "
        "optimizer steps ends at 1/4 of the run (scale them by 4, or use split_batches)",
        ["--accelerate", "--num-processes", "4"],
    ),
    (
        "every",
        {"spec": HF, **RUN, "scheduler_every": 2},
        "the scheduler was stepped once every 2 optimizer steps, not after each (e.g. "
        "stepped only at gradient-accumulation boundaries when the optimizer steps "
        "already count them: accumulation applied twice)",
        ["--scheduler-every", "2"],
    ),
    (
        "scaled",
        {"spec": HF, **{**RUN, "lr": 8e-3}},
        "the LR is 8 times the configured one: the base LR was scaled (lr 0.001 -> 0.008; "
        "e.g. multiplied by the world size, or overridden by another config's LR)",
        ["--lr", "0.008"],
    ),
    (
        "length",
        {"spec": "hf-cosine:num_warmup_steps=10,num_training_steps=100", **RUN},
        "num_training_steps was 100, not 200 (1/2 of the configured value: the devices / "
        "accumulation mistake)",
        ["--num-training-steps", "100"],
    ),
    (
        "warmup",
        {"spec": "hf-cosine:num_warmup_steps=30,num_training_steps=200", **RUN},
        "num_warmup_steps was 30, not 10 (3 x the configured value: the devices / "
        "accumulation mistake)",
        ["--num-warmup-steps", "30"],
    ),
]


def _truth(options: dict) -> lrplot.Trace:
    options = dict(options)
    return lrplot.simulate(options.pop("spec"), **options)


def _with(words: list[str], changes: list[str]) -> list[str]:
    """The configured command's words with the cause's changes: replaced or added."""
    out = list(words)
    pairs = []
    i = 0
    while i < len(changes):
        if i + 1 < len(changes) and not changes[i + 1].startswith("--"):
            pairs.append((changes[i], changes[i + 1]))
            i += 2
        else:
            pairs.append((changes[i], None))
            i += 1
    for option, value in pairs:
        if option in out and value is not None:
            out[out.index(option) + 1] = value
        else:
            out += [option] if value is None else [option, value]
    return out


@pytest.mark.parametrize(("case", "truth", "cause", "changes"), CASES, ids=[c[0] for c in CASES])
def test_each_mistake_is_named_and_its_command_reproduces_the_log(cli, case, truth, cause, changes):
    log = write_log(cli.folder / f"{case}.csv", _truth(truth))
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", log.name, "-q")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("logged LR differs at "), lines
    assert lines[1] == f"likely cause: {cause}"
    assert lines[2].startswith("try: lrplot ")
    words = shlex.split(lines[2].removeprefix("try: "))
    assert words[0] == "lrplot"
    order = {w: i for i, w in enumerate(words)}
    expected = [*_with([*HF_WORDS, *RUN_WORDS], changes), "--against", log.name]
    assert sorted(words[1:]) == sorted(expected), words
    assert order["--against"] > order["hf-cosine"]
    again = cli(*words[1:], "-q")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("logged LR matches at all 40 logged steps (max rel err ")


def test_a_matching_log_is_one_line_and_exit_0(cli):
    log = write_log(cli.folder / "run.csv", configured())
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-q")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("logged LR matches at all 40 logged steps (max rel err ")
    err = float(lines[0].rsplit(" ", 1)[1].rstrip(")"))
    assert 0 < err < 1e-7  # float32's rounding, within the default rtol
    assert log.exists()


def test_the_first_difference_is_shown_with_both_values(cli):
    write_log(cli.folder / "run.csv", _truth(CASES[2][1]))  # lr x 8
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-q")
    first = result.stdout.splitlines()[0]
    # step 0 has LR 0 in both (the warmup starts at 0): the first difference is step 5
    assert first == (
        "logged LR differs at 39 of 40 logged steps; the first at step 5: logged 0.004, "
        "configured 0.0005 (rel err 7)"
    )


def test_a_logging_offset_gets_log_offset(cli):
    write_log(cli.folder / "run.csv", configured(), every=1, shift=1)
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-q")
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "likely cause: each logged value is the LR of the next step: the logger reads the "
        "LR after scheduler.step(), a logging offset, not a schedule bug"
    )
    words = shlex.split(lines[2].removeprefix("try: "))
    assert words[-4:] == ["--against", "run.csv", "--log-offset", "1"]
    again = cli(*words[1:], "-q")
    assert again.exit_code == 0, again.output


def test_nothing_explains_a_log_from_another_schedule(cli):
    other = lrplot.simulate("step:step_size=30,gamma=0.5", **RUN)
    write_log(cli.folder / "run.csv", other)
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-q")
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert len(lines) == 2
    assert lines[1].startswith("likely cause: none of the usual mistakes reproduces the log")
    assert lines[1].endswith("the curves part at step 0")


def test_the_table_has_a_logged_column_with_differing_rows_marked(cli):
    write_log(cli.folder / "run.csv", _truth(CASES[2][1]), every=20)
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "--no-chart")
    assert result.exit_code == 1
    rows = table_rows(result.stdout)
    assert [r[0] for r in rows] == [str(s) for s in range(0, 200, 20)]
    assert rows[0] == ["0", "0", "0", "0"]  # step, epoch, lr, logged: LR 0 in both
    assert rows[1][:4] == ["20", "0", "0.000993181", "0.00794545"]
    assert rows[1][4:] == ["≠", "logged"]
    header = next(line for line in result.stdout.splitlines() if "logged" in line.split())
    assert header.split() == ["step", "epoch", "lr", "logged"]


def test_the_csv_has_a_logged_column_at_the_logged_rows(cli, csv_writer):
    write_log(cli.folder / "run.csv", configured(), every=50)
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "--csv", "-")
    assert result.exit_code == 0, result.output
    header, rows = read_csv(result.stdout)
    assert header == ["step", "epoch", "lr", "logged"]
    assert len(rows) == 200
    logged = {int(r[0]): r[3] for r in rows if r[3]}
    assert sorted(logged) == [0, 50, 100, 150]
    assert float(logged[50]) == float(np.float32(configured().lr[50]))
    assert rows[1][3] == ""
    # the verdict goes to stderr: stdout is the CSV
    assert result.stderr.splitlines()[-1].startswith("logged LR matches at all 4 logged steps")
    assert result.stderr.startswith("# run.csv: CSV, lr\n")


def test_the_chart_draws_the_logged_points_and_their_difference(cli):
    write_log(cli.folder / "run.csv", _truth(CASES[2][1]))
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-o", "c.svg", "-q")
    assert result.exit_code == 1
    svg = (cli.folder / "c.svg").read_text()
    assert 'id="logged:differs"' in svg
    assert 'id="logged:rel"' in svg
    assert "|logged / lr - 1|" in svg


def test_run_config_against_a_log(cli):
    (cli.folder / "c.toml").write_text(
        f'lr = 0.001\nepochs = 2\nsteps_per_epoch = 100\ninterval = "step"\nschedule = "{HF}"\n'
    )
    write_log(cli.folder / "run.csv", _truth(CASES[0][1]))
    result = cli("run", "c.toml", "--against", "run.csv", "-q")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[1].startswith(
        "likely cause: the scheduler was stepped 4 times per optimizer step"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--log-key", "lr"], "Error: --log-key without --against: give the log to compare with"),
        (["--rtol", "0", "--against", "run.csv"], "--rtol"),
        (["--rtol", "x", "--against", "run.csv"], "--rtol"),
        (["--against", "missing.csv"], "cannot read log missing.csv: no such file or folder"),
        (["--log-offset", "1.5", "--against", "run.csv"], "--log-offset"),
    ],
)
def test_bad_against_options_are_one_line_and_exit_2(cli, args, message):
    write_log(cli.folder / "run.csv", configured())
    line = cli.fail(*HF_WORDS, *RUN_WORDS, *args)
    assert message in line
    assert cli.files() == {"run.csv"}


def test_a_log_past_the_run_is_an_error_naming_the_run(cli):
    write_log(cli.folder / "run.csv", configured())
    line = cli.fail("hf-cosine", "--against", "run.csv", "-o", "c.png")
    assert line == (
        "Error: invalid value for --against: run.csv: the log goes to step 195, past the "
        "simulated run's 100 steps (100 epochs): give the run's own length (--epochs, "
        "--steps-per-epoch; of a run resumed to train longer, the resumed run's config)"
    )
    assert cli.files() == {"run.csv"}  # nothing written


def test_compare_against_needs_one_schedule(cli):
    write_log(cli.folder / "run.csv", configured())
    line = cli.fail("compare", HF, "cosine:t_max=200", *RUN_WORDS, "--against", "run.csv")
    assert "--against compares one schedule with the log, but this run has 2" in line


def test_the_api_verdict(tmp_path):
    log_path = write_log(tmp_path / "run.csv", _truth(CASES[0][1]))
    trace = configured()
    verdict = lrplot.verify(trace, log_path)
    assert not verdict.matches
    assert verdict.differing == 38
    assert verdict.cause is not None
    assert verdict.cause.trace.settings.calls_per_step == 4
    assert trace.against(log_path).lines() == verdict.lines()
    same = configured().against(write_log(tmp_path / "ok.csv", configured()))
    assert same.matches and same.cause is None
    assert compare(trace, read_log(log_path)).cause is None  # compare alone: no diagnosis


def test_a_100k_step_log_is_diagnosed_quickly_enough_to_wait_for(tmp_path):
    """Not a timing assertion: the search simulates a bounded number of candidates."""
    run = {"epochs": 1, "steps_per_epoch": 100_000, "interval": "step", "lr": 1e-3}
    spec = "hf-cosine:num_warmup_steps=100,num_training_steps=100000"
    truth = lrplot.simulate(spec.replace("100000", "25000"), **run)
    rows = np.arange(0, 100_000, 10)
    log_path = tmp_path / "run.csv"
    log_path.write_text(
        "step,lr\n" + "\n".join(f"{r},{float(truth.lr[r])!r}" for r in rows.tolist()) + "\n"
    )
    verdict = verify(lrplot.simulate(spec, **run), read_log(log_path))
    assert verdict.cause is not None
    assert verdict.cause.text.startswith("num_training_steps was 25,000, not 100,000")


def test_a_scaled_lr_is_given_as_the_short_number(cli):
    # 0.1 * 0.9 is 0.09000000000000001 in Python: the try: command says 0.09
    truth = lrplot.simulate("cosine:t_max=200", **{**RUN, "lr": 0.09})
    write_log(cli.folder / "run.csv", truth)
    result = cli("cosine", "--t-max", "200", *RUN_WORDS[2:], "--lr", "0.1", "--against", "run.csv")
    lines = result.stdout.splitlines()[-2:]
    assert result.exit_code == 1, result.output
    assert lines[0] == (
        "likely cause: the LR is 0.9 times the configured one: the base LR was scaled "
        "(lr 0.1 -> 0.09; e.g. multiplied by the world size, or overridden by another "
        "config's LR)"
    )
    assert " --lr 0.09 " in lines[1]
    assert_reproduces(cli, lines[1])


def test_a_scaled_onecycle_scales_its_max_lr(cli):
    words = ["onecycle", "--total-steps", "200", *RUN_WORDS[2:]]
    truth = lrplot.simulate("onecycle:max_lr=0.4,total_steps=200", **RUN)
    write_log(cli.folder / "run.csv", truth)
    result = cli(*words, "--max-lr", "0.1", "--against", "run.csv", "-q")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "likely cause: the LR is 4 times the configured one: the base LR was scaled "
        "(max_lr 0.1 -> 0.4; e.g. multiplied by the world size, or overridden by another "
        "config's LR)"
    )
    assert_reproduces(cli, lines[2])


def test_a_resume_that_trained_longer_is_found_from_the_resumed_config(cli):
    # started with num_training_steps 150, resumed at step 60 with the configured 200
    first = lrplot.simulate("hf-cosine:num_warmup_steps=10,num_training_steps=150", **RUN)
    truth = resume(first, 60, "restored", configured().schedule)
    write_log(cli.folder / "run.csv", truth, every=1)
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", "-q")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == (
        "likely cause: the run was resumed at step 60 (its state_dict loaded) with "
        "num_training_steps 200, as configured, instead of the 150 it was started with "
        "(the config is the resumed run's)"
    )
    assert_reproduces(cli, lines[2])


def test_a_plateau_unexplained_says_its_metric_was_made_up(cli):
    other = lrplot.simulate("step:step_size=30,gamma=0.5", **RUN)
    write_log(cli.folder / "run.csv", other)
    result = cli("plateau", *RUN_WORDS, "--against", "run.csv", "-q")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[1].startswith("likely cause: none of the usual mistakes")
    assert lines[2] == (
        "note: this schedule follows a metric, and lrplot's is a synthetic decay metric "
        "(noise=0.01, seed=0): give the run's own with --metric-file (and --metric-column), "
        "one value per scheduler step"
    )


FIXTURES = Path(__file__).parent / "fixtures" / "logs"
HF_FIXTURE_WORDS = [
    "hf-cosine",
    "--lr",
    "0.001",
    "--num-warmup-steps",
    "5",
    "--num-training-steps",
    "30",
    "--epochs",
    "3",
    "--steps-per-epoch",
    "10",
    "--interval",
    "step",
]


@pytest.mark.parametrize(
    ("log", "given", "cause", "option"),
    [
        (
            "hf-4.50-cosine-right",
            [],
            "likely cause: each logged value is the LR of the next step: transformers 4.50 "
            "and older logged the LR after scheduler.step() (issue #28124), and "
            "trainer_state.json does not say which transformers wrote it: read it as 4.50's "
            "(a logging offset, not a schedule bug)",
            ["--log-format", "hf-4.50"],
        ),
        (
            "hf-cosine-right",
            ["--log-format", "hf-4.50"],
            "likely cause: each logged value is the LR of the previous step: this "
            "trainer_state.json is transformers 4.51's or newer (it logs the LR before "
            "scheduler.step(), PR #36973), not 4.50's (a logging offset, not a schedule bug)",
            ["--log-format", "hf"],
        ),
    ],
)
def test_a_trainer_state_read_as_the_other_transformers_gets_its_format(
    cli, log, given, cause, option
):
    path = str(FIXTURES / log / "trainer_state.json")
    result = cli(*HF_FIXTURE_WORDS, "--against", path, *given, "-q")
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    assert lines[1] == cause
    words = shlex.split(lines[2].removeprefix("try: lrplot "))
    assert words[-4:] == ["--against", path, *option]
    again = cli(*words, "-q")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("logged LR matches at all ")


def test_stepping_twice_and_half_the_length_are_both_named(cli):
    # a CosineAnnealingLR stepped twice per step is one with half the t_max
    truth = lrplot.simulate("cosine:t_max=100", **RUN)
    write_log(cli.folder / "run.csv", truth)
    result = cli("cosine", "--t-max", "200", *RUN_WORDS, "--against", "run.csv", "-q")
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines()[1] == (
        "likely cause: the scheduler was stepped 2 times per optimizer step: Accelerate on 2 "
        "processes steps a prepared scheduler once per process, so a schedule whose lengths "
        "count optimizer steps ends at 1/2 of the run (scale them by 2, or use split_batches); "
        "or, with the same LRs, t_max was 100, not 200 (1/2 of the configured value: the "
        "devices / accumulation mistake)"
    )


@pytest.mark.parametrize("height", [30, 34, 40])
def test_on_a_terminal_the_table_leaves_room_for_the_verdict(cli, height):
    """``height`` lines of 80 columns: the log's header (stderr, the same screen), the
    view (chart, table, summary) and the verdict's wrapped lines fit together."""
    from conftest import TERMINAL, plain

    write_log(cli.folder / "run.csv", _truth(CASES[0][1]))
    env = {**TERMINAL, "COLUMNS": "80", "LINES": str(height)}
    result = cli(*HF_WORDS, *RUN_WORDS, "--against", "run.csv", env=env)
    assert result.exit_code == 1, result.output
    lines = plain(result.stdout).splitlines()
    assert lines[-1].startswith("try: lrplot hf-cosine ")
    header = plain(result.stderr).splitlines()  # how the log was read: the same screen
    assert header and all(line.startswith("#") for line in header), header
    shown = sum(-(-max(len(line), 1) // 80) for line in [*header, *lines])  # as it wraps them
    assert shown <= height, shown
