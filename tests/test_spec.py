"""SPEC strings: name[:key=value,...] -> a validated Schedule, or one clear error."""

from __future__ import annotations

import pytest

from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, lookup
from lrplot.spec import SpecError, parse_spec

UNITS = ", or epochs (3ep) or a percentage of the run (10%)"  # lengths take units too
LIST_UNITS = ", or epochs (30ep) or percentages of the run (30%)"


@pytest.mark.parametrize(
    ("text", "name", "values"),
    [
        ("cosine:t_max=50", "cosine", {"t_max": 50, "eta_min": 0.0}),
        ("cosine:t_max=50,eta_min=1e-4", "cosine", {"t_max": 50, "eta_min": 1e-4}),
        ("step:step_size=30", "step", {"step_size": 30, "gamma": 0.1}),
        ("step:step_size=30,gamma=0.5", "step", {"step_size": 30, "gamma": 0.5}),
        ("exponential:gamma=0.95", "exponential", {"gamma": 0.95}),
        (
            "multistep:milestones=[30,80],gamma=0.5",
            "multistep",
            {"milestones": (30, 80), "gamma": 0.5},
        ),
        ("multistep:milestones=30", "multistep", {"milestones": (30,), "gamma": 0.1}),
        (
            "multistep:milestones=[80, 30, 30]",
            "multistep",
            {"milestones": (80, 30, 30), "gamma": 0.1},
        ),
        (
            "plateau",
            "plateau",
            {
                "mode": "min",
                "factor": 0.1,
                "patience": 10,
                "threshold": 1e-4,
                "threshold_mode": "rel",
                "cooldown": 0,
                "min_lr": 0.0,
                "eps": 1e-8,
            },
        ),
        ("plateau:mode=MAX,factor=0.5,patience=0", "plateau", {"mode": "max", "factor": 0.5}),
        # spelling: case, spaces, dashes, quotes, exact-integer floats
        ("COS : T-MAX = 5", "cosine", {"t_max": 5}),
        ("CosineAnnealingLR:t_max=5", "cosine", {"t_max": 5}),
        ("steplr:step_size=3", "step", {"step_size": 3}),
        ("reduce-on-plateau:patience=2", "plateau", {"patience": 2}),
        ("ReduceLROnPlateau:patience=2", "plateau", {"patience": 2}),
        ("cosine:t_max='5'", "cosine", {"t_max": 5}),
        ('cosine:t_max="5"', "cosine", {"t_max": 5}),
        ("cosine:t_max=5.0", "cosine", {"t_max": 5}),
        ("cosine:t_max=1e2", "cosine", {"t_max": 100}),
        ("cosine:eta-min=0.5,t_max=5", "cosine", {"t_max": 5, "eta_min": 0.5}),
        ("  cosine:t_max=5  ", "cosine", {"t_max": 5}),
    ],
)
def test_valid_specs(text, name, values):
    s = parse_spec(text)
    assert s.name == name
    for key, value in values.items():
        assert s.values[key] == value
        assert type(s.values[key]) is type(value)
    assert set(s.values) == {p.name for p in REGISTRY[name].params}


def test_labels_and_spec_text():
    s = parse_spec("cosine:t_max=50,eta_min=1e-4")
    assert s.label == "cosine:t_max=50,eta_min=0.0001"
    assert s.spec() == "cosine:t_max=50,eta_min=0.0001"
    assert s.title() == "CosineAnnealingLR(T_max=50, eta_min=0.0001)"
    assert parse_spec("cosine:t_max=5,eta_min=0").label == "cosine:t_max=5"  # defaults left out
    assert parse_spec("plateau").label == "plateau"
    assert parse_spec("plateau").title() == (
        "ReduceLROnPlateau(mode=min, factor=0.1, patience=10, threshold=0.0001, "
        "threshold_mode=rel, cooldown=0, min_lr=0, eps=1e-08)"
    )
    assert parse_spec("multistep:milestones=[30,80]").title() == (
        "MultiStepLR(milestones=[30,80], gamma=0.1)"
    )
    assert parse_spec("cosine:t_max=5,label=warm").label == "warm"
    assert parse_spec("cosine:label='a, b=c',t_max=5").label == "a, b=c"
    assert parse_spec('cosine:t_max=5,label="[x]"').label == "[x]"
    assert parse_spec("cosine:t_max=5,label=").label == "cosine:t_max=5"  # empty: the default


@pytest.mark.parametrize(
    "text",
    [
        "cosine:t_max=50,eta_min=1e-4",
        "multistep:milestones=[80,30,30],gamma=0.5",
        "plateau:mode=max,threshold_mode=abs,cooldown=2,min_lr=1e-6,eps=0",
        "step:step_size=7,gamma=0.123456789012345",
        "plateau:factor=0.99999999999",
        "exponential:gamma=1.0000000000001",
    ],
)
def test_spec_rebuilds_the_schedule(text):
    s = parse_spec(text)
    again = parse_spec(s.spec())
    assert again.name == s.name
    assert dict(again.values) == dict(s.values)


def test_label_never_shows_a_rounded_different_number():
    # 10 significant digits would print 0.99999999999 as 1, which factor does not accept
    assert parse_spec("plateau:factor=0.99999999999").label == "plateau:factor=0.99999999999"
    assert parse_spec("cosine:t_max=5,eta_min=0.1").label == "cosine:t_max=5,eta_min=0.1"


BAD_SPECS = [
    ("", "empty schedule SPEC"),
    ("   ", "empty schedule SPEC"),
    (":t_max=5", "has no schedule name"),
    ("cosin:t_max=5", "unknown schedule 'cosin'; did you mean 'cosine'?"),
    ("xyz", "unknown schedule 'xyz' (known: step, multistep, exponential, cosine, plateau"),
    ("cosine", f"cosine needs t_max (a step count >= 1{UNITS})"),
    ("cosine:", "empty item"),
    ("cosine:t_max", "'t_max' is not key=value"),
    ("cosine:=5", "'=5' is not key=value"),
    ("cosine:t_max=5,,eta_min=0", "empty item (two commas, or a trailing comma)"),
    ("cosine:t_max=5,", "empty item"),
    (",cosine", "unknown schedule ',cosine'"),
    ("cosine:t_max=", f"t_max must be a step count >= 1{UNITS}, got ''"),
    ("cosine:t_max=5,eta_min=", "eta_min must be a number >= 0, got ''"),
    (
        "cosine:t_maxx=5",
        "no parameter 't_maxx'; did you mean 't_max'? (parameters: t_max, eta_min)",
    ),
    ("cosine:gamma=5,t_max=5", "cosine has no parameter 'gamma'"),
    ("cosine:t_max=5,t_max=6", "t_max is given twice"),
    ("cosine:t_max=5,T-MAX=6", "t_max is given twice"),
    ("cosine:t_max=5,label=a,label=b", "label is given twice"),
    ("multistep:milestones=[30,80", "unclosed '['"),
    ("multistep:milestones=[[30,80]", "unclosed '['"),
    ("multistep:milestones=30,80]", "unbalanced ']'"),
    ("cosine:t_max=5,label='x", "unclosed quote '"),
    ('cosine:t_max=5,label="x', 'unclosed quote "'),
    ("cosine:t_max='5", "unclosed quote"),
    ("cosine:t_max=5',", "unclosed quote"),
    ("cosine:t_max='5'x", "badly quoted value"),
    ("cosine:t_max=0", f"t_max must be a step count >= 1{UNITS}, got '0'"),
    ("cosine:t_max=2.5", f"t_max must be a step count >= 1{UNITS}, got '2.5'"),
    ("cosine:t_max=5,eta_min=-1", "eta_min must be a number >= 0, got '-1'"),
    ("cosine:t_max=5,eta_min=nan", "got 'nan'"),
    ("step:step_size=0", "step_size must be a step count >= 1"),
    ("step:step_size=3,gamma=0", "gamma must be a number > 0"),
    ("step:step_size=3,gamma=-1", "gamma must be a number > 0"),
    ("exponential", "exponential needs gamma"),
    ("exponential:gamma=inf", "got 'inf'"),
    (
        "multistep:milestones=[]",
        f"milestones must be a comma list of step counts >= 0{LIST_UNITS}, got '[]'",
    ),
    ("multistep:milestones=[30,-1]", "got '[30,-1]'"),
    ("multistep:milestones=[30,x]", "got '[30,x]'"),
    ("plateau:factor=1", "factor must be a number in (0, 1), got '1'"),
    ("plateau:factor=0", "factor must be a number in (0, 1)"),
    ("plateau:patience=-1", "patience must be a step count >= 0"),
    ("plateau:mode=up", "mode must be one of min, max, got 'up'"),
    ("plateau:threshold_mode=x", "threshold_mode must be one of rel, abs"),
]


@pytest.mark.parametrize(("text", "message"), BAD_SPECS, ids=[t for t, _ in BAD_SPECS])
def test_bad_specs(text, message):
    with pytest.raises(LrplotError) as info:
        parse_spec(text)
    text_of_error = str(info.value)
    assert message in text_of_error
    assert "\n" not in text_of_error
    if text.strip() and not text.startswith(("cosin:", "xyz", ",")):
        assert isinstance(info.value, SpecError)
        assert repr(text) in text_of_error or "empty" in text_of_error  # names the SPEC


def test_bad_value_error_names_spec_and_schedule():
    with pytest.raises(SpecError) as info:
        parse_spec("cosine:t_max=0")
    assert str(info.value) == (
        f"SPEC 'cosine:t_max=0': cosine: t_max must be a step count >= 1{UNITS}, got '0'"
    )


def test_non_string_spec():
    with pytest.raises(SpecError, match="empty schedule SPEC"):
        parse_spec(None)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("step", "step"),
        ("StepLR", "step"),
        ("MULTISTEPLR", "multistep"),
        ("exponentiallr", "exponential"),
        ("cos", "cosine"),
        ("cosine_annealing_lr", None),
        ("reduce_on_plateau", "plateau"),
        ("reducelronplateau", "plateau"),
    ],
)
def test_lookup(name, expected):
    if expected is None:
        with pytest.raises(LrplotError, match="unknown schedule"):
            lookup(name)
    else:
        assert lookup(name).name == expected
