"""Property tests: any input gives a result or one clean user error, never a crash."""

from __future__ import annotations

import math
import os

import pytest
from conftest import cli_runner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from lrplot.cli import app
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, Schedule
from lrplot.spec import parse_spec

FUZZ = settings(max_examples=200, deadline=None, database=None)
CLI_FUZZ = settings(
    max_examples=100,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def parse_or_user_error(text: str) -> Schedule | None:
    try:
        s = parse_spec(text)
    except LrplotError as err:
        message = str(err)
        assert message and "\n" not in message.replace(text, "")
        return None
    assert isinstance(s, Schedule)
    return s


# --- parse_spec -------------------------------------------------------------------


@FUZZ
@given(st.text(max_size=80))
def test_parse_spec_arbitrary_text(text):
    parse_or_user_error(text)


SPEC_CHARS = st.sampled_from(list("abcdefgilmnoprstuxyz_-:=,[]'\" .0123456789e+"))


@FUZZ
@given(st.text(SPEC_CHARS, max_size=60))
def test_parse_spec_spec_alphabet(text):
    parse_or_user_error(text)


NAMES = st.sampled_from(
    [*REGISTRY, "cos", "StepLR", "reduce-on-plateau", "cosin", "", "step ", "Multistep", "x"]
)
KEYS = st.sampled_from(
    [
        *sorted({p.name for d in REGISTRY.values() for p in d.params}),
        *["label", "T-MAX", "t_maxx", "", " gamma ", "lr", "epochs"],
    ]
)
NUMBERS = st.one_of(
    st.integers(-5, 200).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "1", "0.5", "1e-4", "1e3", "-0", "nan", "inf", "1,2", "true", "min"]),
)
VALUES = st.one_of(
    NUMBERS,
    st.lists(st.integers(-3, 100), max_size=4).map(lambda xs: "[" + ",".join(map(str, xs)) + "]"),
    NUMBERS.map(lambda v: f"'{v}'"),
    NUMBERS.map(lambda v: f'"{v}'),
    st.text(max_size=6),
)
ITEMS = st.tuples(KEYS, st.sampled_from(["=", "=", " = ", ":", ""]), VALUES).map("".join)


@FUZZ
@given(NAMES, st.sampled_from([":", ":", "", "::"]), st.lists(ITEMS, max_size=5))
def test_parse_spec_near_valid(name, sep, items):
    text = name + sep + ",".join(items)
    s = parse_or_user_error(text)
    if s is not None:
        # a parsed schedule's own SPEC rebuilds it
        again = parse_spec(s.spec())
        assert again.name == s.name
        assert dict(again.values) == dict(s.values)


@FUZZ
@given(
    st.integers(1, 10**6),
    st.floats(0, 1e6, allow_nan=False),
    st.text(max_size=10).filter(lambda t: not any(c in t for c in "'\"")),
)
def test_valid_cosine_specs_parse(t_max, eta_min, label):
    s = parse_spec(f"cosine:t_max={t_max},eta_min={eta_min!r},label='{label}'")
    assert s.values == {"t_max": t_max, "eta_min": eta_min}
    assert s.label == (label or s.spec())


# --- CLI option values ------------------------------------------------------------


def option_text() -> st.SearchStrategy[str]:
    numeric = st.one_of(
        st.integers(-10, 10**4).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        st.floats(-1e4, 1e4).map(lambda x: f"{x:g}"),
        st.from_regex(r"\A[-+]?[0-9]{0,3}(\.[0-9]{0,3})?([eE][-+]?[0-9]{0,3})?\Z"),
        st.lists(st.integers(-2, 200), max_size=4).map(lambda xs: ",".join(map(str, xs))),
    )
    return st.one_of(numeric, st.text(max_size=12))


def small_enough(text: str) -> bool:
    """Keep runs short: no option value naming more than 10**4 steps."""
    try:
        value = float(text.strip())
    except ValueError:
        return True
    return not math.isfinite(value) or abs(value) <= 1e4


@pytest.fixture(scope="module")
def runner(tmp_path_factory):
    """A runner working in a private folder: a fuzzed '-o x.pdf' must not land in the repo."""
    old = os.getcwd()
    os.chdir(tmp_path_factory.mktemp("fuzz"))
    try:
        yield cli_runner()
    finally:
        os.chdir(old)


def check(runner, args):
    result = runner.invoke(app, args)
    assert result.exit_code in (0, 2), (args, result.output)
    assert "Traceback" not in result.output, (args, result.output)
    if result.exit_code == 2:
        errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, (args, result.stderr)
    return result


@CLI_FUZZ
@given(value=option_text())
def test_cli_t_max(runner, value):
    check(runner, ["cosine", "--t-max", value, "--epochs", "20", "--quiet"])


@CLI_FUZZ
@given(value=option_text())
def test_cli_gamma(runner, value):
    check(runner, ["exponential", "--gamma", value, "--epochs", "20"])
    check(runner, ["step", "--step-size", "3", f"--gamma={value}", "--epochs", "20", "--csv", "-"])


@CLI_FUZZ
@given(value=option_text())
def test_cli_epochs(runner, value):
    assume(small_enough(value))
    check(runner, ["cosine", "--t-max", "10", "--epochs", value, "--quiet"])


@CLI_FUZZ
@given(value=option_text())
def test_cli_milestones(runner, value):
    check(runner, ["multistep", f"--milestones={value}", "--epochs", "20"])


@CLI_FUZZ
@given(value=option_text())
def test_cli_lr(runner, value):
    check(runner, ["cosine", "--t-max", "5", "--lr", value, "--epochs", "10", "--csv", "-"])


@CLI_FUZZ
@given(
    t_max=option_text(),
    epochs=option_text(),
    spe=option_text(),
    interval=st.sampled_from(["epoch", "step", "EPOCH", "batch", ""]),
)
def test_cli_run_settings_together(runner, t_max, epochs, spe, interval):
    assume(small_enough(epochs) and small_enough(spe))
    check(
        runner,
        [
            "compare", f"cosine:t_max={t_max}", "plateau:patience=2", "--epochs", epochs,
            "--steps-per-epoch", spe, "--interval", interval, "--quiet",
        ],
    )  # fmt: skip


@CLI_FUZZ
@given(specs=st.lists(st.text(SPEC_CHARS, max_size=30), min_size=1, max_size=3))
def test_cli_compare_specs(runner, specs):
    check(runner, ["compare", *specs, "--epochs", "12", "--csv", "-"])
