"""Declared parameters: parsing text and native values, ranges, messages, binding."""

from __future__ import annotations

import math

import pytest

from lrplot import engine, metrics, plateau
from lrplot.params import (
    BOOL,
    CHOICE,
    FLOAT,
    INT,
    INT_LIST,
    TEXT,
    LrplotError,
    Param,
    ParamError,
    bind,
    format_value,
)
from lrplot.schedules import REGISTRY

COUNT = Param("count", INT, "a count", low=1)
SIZE = Param("size", INT, "a size", 3, low=0, high=10)
RATE = Param("rate", FLOAT, "a rate", 0.1, low=0, low_open=True)
FRACTION = Param("frac", FLOAT, "a fraction", 0.5, low=0, low_open=True, high=1, high_open=True)
CLOSED = Param("closed", FLOAT, "closed range", 0.0, low=0, high=10)
FREE = Param("free", FLOAT, "any number", 0.0)
LIST = Param("steps", INT_LIST, "steps")
PAIR = Param("pair", INT_LIST, "two or more", min_items=2, item_low=1)
MODE = Param("mode", CHOICE, "a mode", "min", choices=("min", "max"))
FLAG = Param("flag", BOOL, "a flag", False)
NAME = Param("name", TEXT, "a name", None)


@pytest.mark.parametrize(
    ("param", "allowed"),
    [
        (COUNT, "an integer >= 1"),
        (SIZE, "an integer in [0, 10]"),
        (RATE, "a number > 0"),
        (FRACTION, "a number in (0, 1)"),
        (CLOSED, "a number in [0, 10]"),
        (FREE, "a number"),
        (LIST, "a comma list of integers >= 0"),
        (PAIR, "a comma list of integers >= 1 (at least 2)"),
        (MODE, "one of min, max"),
        (FLAG, "true or false"),
        (NAME, "text"),
    ],
)
def test_allowed(param, allowed):
    assert param.allowed() == allowed


@pytest.mark.parametrize(
    ("param", "value", "expected"),
    [
        (COUNT, "5", 5),
        (COUNT, " 5 ", 5),
        (COUNT, "+5", 5),
        (COUNT, "5.0", 5),
        (COUNT, "1e3", 1000),
        (COUNT, 5, 5),
        (COUNT, 5.0, 5),
        (COUNT, "9007199254740992", 2**53),  # the largest accepted integer
        (SIZE, "0", 0),
        (SIZE, "10", 10),
        (RATE, "1e-4", 1e-4),
        (RATE, " 0.5 ", 0.5),
        (RATE, 2, 2.0),
        (RATE, "1e308", 1e308),
        (RATE, "5e-324", 5e-324),
        (FRACTION, "0.999", 0.999),
        (CLOSED, "0", 0.0),
        (CLOSED, "10", 10.0),
        (FREE, "-3.5", -3.5),
        (LIST, "30,80", (30, 80)),
        (LIST, "[30, 80]", (30, 80)),
        (LIST, " 30 , 80 ", (30, 80)),
        (LIST, "80,30,30", (80, 30, 30)),
        (LIST, "0", (0,)),
        (LIST, "1e2", (100,)),
        (LIST, [30, 80], (30, 80)),
        (LIST, (5,), (5,)),
        (LIST, 7, (7,)),
        (PAIR, "1,2", (1, 2)),
        (MODE, "MAX", "max"),
        (MODE, " min ", "min"),
        (FLAG, True, True),
        (FLAG, "yes", True),
        (FLAG, "1", True),
        (FLAG, "False", False),
        (FLAG, "no", False),
        (NAME, "anything, at all", "anything, at all"),
    ],
)
def test_parse_accepts(param, value, expected):
    got = param.parse(value)
    assert got == expected
    assert type(got) is type(expected)


@pytest.mark.parametrize(
    ("param", "value", "shown"),
    [
        (COUNT, "0", "'0'"),
        (COUNT, "-1", "'-1'"),
        (COUNT, "2.5", "'2.5' (not a whole number)"),
        (COUNT, "five", "'five'"),
        (COUNT, "", "''"),
        (COUNT, "nan", "'nan' (not a finite number)"),
        (COUNT, "inf", "'inf' (not a finite number)"),
        (COUNT, "1e300", "'1e300' (too large: whole numbers go up to 2**53)"),
        (COUNT, True, "'true'"),
        (COUNT, 2.5, "'2.5' (not a whole number)"),
        (COUNT, math.nan, "'nan' (not a finite number)"),
        (COUNT, [1], "'[1]'"),
        (COUNT, None, "'None'"),
        (COUNT, "9007199254740993", "'9007199254740993' (too large: whole numbers go up to 2**53)"),
        (COUNT, 1e308, "'1e+308' (too large: whole numbers go up to 2**53)"),
        (LIST, "99999999999999999999", "'99999999999999999999'"),
        (SIZE, "11", "'11'"),
        (RATE, "0", "'0'"),
        (RATE, "-0.0", "'-0.0'"),
        (RATE, "-1", "'-1'"),
        (RATE, "nan", "'nan' (not a finite number)"),
        (RATE, "inf", "'inf' (not a finite number)"),
        (RATE, "-inf", "'-inf' (not a finite number)"),
        (RATE, "1e999", "'1e999' (too large for a 64-bit float)"),
        (RATE, math.inf, "'inf' (not a finite number)"),
        (RATE, False, "'false'"),
        (RATE, "0x10", "'0x10'"),
        (RATE, "1,5", "'1,5'"),
        (FRACTION, "1", "'1'"),
        (FRACTION, "0", "'0'"),
        (FRACTION, 1.5, "'1.5'"),
        (CLOSED, "10.000001", "'10.000001'"),
        (CLOSED, "-1e-300", "'-1e-300'"),
        (LIST, "", "''"),
        (LIST, "[]", "'[]'"),
        (LIST, "30,", "'30,'"),
        (LIST, "30,,80", "'30,,80'"),
        (LIST, "30,-1", "'30,-1'"),
        (LIST, "30,x", "'30,x'"),
        (LIST, "30.5", "'30.5'"),
        (LIST, [], "'[]'"),
        (LIST, [1, True], "'[1,true]'"),
        (LIST, True, "'true'"),
        (LIST, 1.5, "'1.5'"),
        (LIST, {"a": 1}, "\"{'a': 1}\""),
        (PAIR, "1", "'1'"),
        (PAIR, "0,1", "'0,1'"),
        (MODE, "up", "'up'"),
        (MODE, 1, "'1'"),
        (FLAG, "maybe", "'maybe'"),
        (FLAG, 2, "'2'"),
        (NAME, 5, "'5'"),
    ],
)
def test_parse_rejects_with_one_message(param, value, shown):
    with pytest.raises(ParamError) as info:
        param.parse(value)
    err = info.value
    assert str(err) == f"{param.name} must be {param.allowed()}, got {shown}"
    assert err.name == param.name
    assert err.bare == str(err)
    assert isinstance(err, LrplotError) and err.exit_code == 2


def test_param_names_options_and_metavars():
    assert COUNT.option == "--count"
    assert Param("step_size", INT, "x").option == "--step-size"
    t_max = REGISTRY["cosine"].param("t_max")
    assert (t_max.torch_name, t_max.option, t_max.metavar) == ("T_max", "--t-max", "STEPS")
    assert MODE.metavar == "[min|max]"
    assert LIST.metavar == "INT,INT,..."
    assert COUNT.required and not SIZE.required
    assert COUNT.default_text() == "required"
    assert RATE.default_text() == "0.1"


def test_within_keeps_the_bare_message():
    err = COUNT._fail("0")
    wrapped = err.within("cosine").within("SPEC 'x'")
    assert str(wrapped) == "SPEC 'x': cosine: count must be an integer >= 1, got '0'"
    assert wrapped.bare == "count must be an integer >= 1, got '0'"
    assert wrapped.name == "count"


def test_bind():
    params = (COUNT, SIZE, MODE)
    assert bind(params, {"count": "4"}, "thing") == {"count": 4, "size": 3, "mode": "min"}
    assert bind(params, {"count": 4, "size": None}, "thing")["size"] == 3  # None: not given
    with pytest.raises(ParamError) as info:
        bind(params, {"size": 2}, "thing")
    assert str(info.value) == "thing needs count (an integer >= 1)"
    assert info.value.name == "count"
    with pytest.raises(ParamError) as info:
        bind(params, {"count": 1, "sise": 2}, "thing")
    assert str(info.value) == (
        "thing has no parameter 'sise'; did you mean 'size'? (parameters: count, size, mode)"
    )
    with pytest.raises(ParamError, match=r"has no parameter 'zzz' \(parameters: count"):
        bind(params, {"count": 1, "zzz": 2}, "thing")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0.1, "0.1"),
        (0.0, "0"),
        (1e-4, "0.0001"),
        (1e-8, "1e-08"),
        (100.0, "100"),
        (0.123456789, "0.123456789"),
        (0.1 + 0.2, "0.30000000000000004"),  # never rounded to a different number
        (0.99999999999, "0.99999999999"),
        (1 / 3, repr(1 / 3)),
        (5, "5"),
        (True, "true"),
        (False, "false"),
        ((30, 80), "[30,80]"),
        ([1.5, 2.0], "[1.5,2]"),
        ("min", "min"),
    ],
)
def test_format_value(value, text):
    assert format_value(value) == text
    if isinstance(value, float):
        assert float(format_value(value)) == value


def test_every_declared_param_is_consistent():
    groups = [d.params for d in REGISTRY.values()] + [engine.PARAMS, metrics.PARAMS]
    assert REGISTRY["plateau"].params == plateau.PARAMS
    for params in groups:
        names = [p.name for p in params]
        assert len(names) == len(set(names))
        for p in params:
            assert p.name == p.name.lower() and " " not in p.name
            assert p.help
            if not p.required and p.default is not None:
                assert p.parse(p.default) == p.default  # defaults are valid values
                assert p.parse(p.default_text()) == p.default  # and round-trip as text


def test_run_settings():
    s = engine.RunSettings.from_values({"epochs": "10", "steps_per_epoch": "3", "lr": "0.5"})
    assert (s.epochs, s.steps_per_epoch, s.lr, s.interval) == (10, 3, 0.5, "epoch")
    assert s.total_steps == 30 and s.scheduler_steps == 10 and s.per_step
    assert s.describe() == "lr=0.5, 10 epochs x 3 steps, stepped per epoch"
    s = engine.RunSettings.from_values({"epochs": 10, "steps_per_epoch": 3, "interval": "step"})
    assert s.scheduler_steps == 30
    assert engine.RunSettings.from_values({}).describe() == "lr=0.1, 100 epochs"
    with pytest.raises(LrplotError, match=r"at most 100000000, got 100000 \* 1001"):
        engine.RunSettings.from_values({"epochs": 100_000, "steps_per_epoch": 1001})
    with pytest.raises(ParamError, match="run has no parameter 'epoch'; did you mean 'epochs'"):
        engine.RunSettings.from_values({"epoch": 3})
