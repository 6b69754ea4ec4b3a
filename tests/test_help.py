"""Help and options as Typer/Click users expect: flags for booleans, no internal
metavars or absurd ranges, help texts that read as sentences, messages that say why."""

from __future__ import annotations

import re

import pytest

from lrplot.schedules import REGISTRY

COMMANDS = [
    [],
    ["compare"],
    ["run"],
    ["list"],
    ["explain"],
    ["check"],
    *([name] for name in REGISTRY),
    *(["check", name] for name in REGISTRY),
]


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "lrplot")
def test_help_reads_cleanly(cli, command):
    text = cli.ok(*command, "--help", env={"COLUMNS": "80"}).stdout
    for internal in ("<bool>", "<list[str]>", "<int>", "<str>", "{SPEC", "SPEC...]..."):
        assert internal not in text, internal
    for absurd in ("9223372036854775807", "1000000000000000"):
        assert absurd not in text, absurd
    for capitalised in ("New_lr", "Min:", "Lr ", "Max:"):
        assert capitalised not in text, capitalised
    assert not re.search(r"; (text|true or false)\.", text)
    assert not re.search(r"\[[a-z|]*\n", text)  # a choice list is never cut across lines
    # nor a metavar list (a|b|c) wrapped in its column: the next line starting mid-list
    assert not re.search(r"\n│\s{5,25}\w+\|\w", text)
    assert not re.search(r" +$", text, re.MULTILINE), "piped help has no trailing spaces"
    assert text.startswith(f"\n Usage: lrplot {' '.join(command)}".rstrip()), text[:80]


def test_booleans_are_flags(cli):
    on = cli.ok("onecycle", "--max-lr", "0.1", "--three-phase", "--epochs", "20", "--csv", "-")
    spec = cli.ok("compare", "onecycle:max_lr=0.1,three_phase=true", "--epochs", "20",
                  "--csv", "-")  # fmt: skip
    off = cli.ok("onecycle", "--max-lr", "0.1", "--no-three-phase", "--epochs", "20", "--csv", "-")
    assert on.stdout.splitlines()[1:] == spec.stdout.splitlines()[1:]
    assert on.stdout != off.stdout
    flat = cli.ok(
        "onecycle", "--max-lr", "0.1", "--no-cycle-momentum", "--epochs", "5", "--csv", "-"
    )
    assert flat.stdout.splitlines()[0] == "step,epoch,lr"  # no momentum column without cycling
    line = cli.fail("onecycle", "--max-lr", "0.1", "--three-phase", "true")
    assert "unexpected extra argument" in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["cosine", "--t-max", "5", "--lr", "1e400"],
         "Error: invalid value for --lr: lr must be a number > 0, got '1e400' "
         "(too large for a 64-bit float)"),
        (["cosine", "--t-max", "5", "--lr", "inf"],
         "Error: invalid value for --lr: lr must be a number > 0, got 'inf' (not a finite number)"),
        (["cosine", "--t-max", "99999999999999999999"],
         "Error: invalid value for --t-max: t_max must be a step count >= 1, or epochs (3ep) or "
         "a percentage of the run (10%), got '99999999999999999999' (too large: whole numbers "
         "go up to 2**53)"),
        (["step", "--step-size", "2.5"],
         "Error: invalid value for --step-size: step_size must be a step count >= 1, or epochs "
         "(3ep) or a percentage of the run (10%), got '2.5' (not a whole number)"),
    ],
)  # fmt: skip
def test_messages_say_why(cli, args, message):
    assert cli.fail(*args) == message


def test_help_keeps_the_real_cap_of_a_run(cli):
    text = cli.ok("cosine", "--help", env={"COLUMNS": "200"}).stdout
    assert "an integer in [1, 100000000]" in text  # epochs: a real limit, said
    assert "--seed" not in text  # no metric: no seed
    plateau = cli.ok("plateau", "--help", env={"COLUMNS": "200"}).stdout
    assert "Seed of the synthetic metric's noise; an integer >= 0." in plateau
