"""--against on logs recorded by the real frameworks (tests/fixtures/logs/, written by
tools/log_fixtures.py: transformers' Trainer, Lightning's CSV and TensorBoard loggers, a
torch loop with SummaryWriter, an MLflow file store, a W&B export), each right or with
one mistake injected the way it happens. Every fixture gets the right verdict; every
mismatch is put down to the mistake that was injected, and its try: command, run,
matches the log."""

from __future__ import annotations

import importlib.util
import shlex
import tomllib
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures" / "logs"
CASES = tomllib.loads((FIXTURES / "cases.toml").read_text())["case"]
HAS_TENSORBOARD = importlib.util.find_spec("tensorboard") is not None

# the words of each family's cause (lrplot.diagnose)
FAMILIES = {
    "interval": ("not once per epoch", "not after every optimizer step"),
    "multi": ("times per optimizer step", "times per epoch"),
    "every": ("stepped once every",),
    "offset": ("a logging offset",),
    "scale": ("the base LR was scaled",),
    "length": ("was ",),
    "warmup": ("warmup",),
    "restart": ("started over",),
    "jump": ("skipped ahead",),
    "changed": ("instead of",),
}


def _params() -> list:
    out = []
    for case in CASES:
        marks = []
        if _tensorboard_log(case) and not HAS_TENSORBOARD:
            marks.append(pytest.mark.skip(reason="reading TensorBoard logs needs tensorboard"))
        out.append(pytest.param(case, id=case["name"], marks=marks))
    return out


def _tensorboard_log(case: dict) -> bool:
    log = FIXTURES / case["log"]
    if log.is_file():
        return "tfevents" in log.name
    return any(p.name.startswith("events.out.tfevents") for p in log.rglob("*"))


@pytest.mark.parametrize("case", _params())
def test_the_verdict_and_the_cause(cli, case):
    log = str(FIXTURES / case["log"])
    key = ["--log-key", case["log_key"]] if case.get("log_key") else []
    key += ["--log-format", case["log_format"]] if case.get("log_format") else []
    result = cli(*case["configured"], "--against", log, *key, "-q")
    assert "Traceback" not in result.output, result.output
    lines = result.stdout.splitlines()
    if case["verdict"] == "match":
        assert result.exit_code == 0, result.output
        assert len(lines) == 1 and lines[0].startswith("logged LR matches at all "), lines
        return
    assert result.exit_code == 1, result.output
    assert lines[0].startswith("logged LR differs at "), lines
    cause = lines[1].removeprefix("likely cause: ")
    assert any(word in cause for word in FAMILIES[case["cause"]]), (case["injected"], cause)
    assert lines[2].startswith("try: lrplot "), lines
    again = cli(*shlex.split(lines[2].removeprefix("try: lrplot ")), "-q")
    assert again.exit_code == 0, again.output
    assert again.stdout.startswith("logged LR matches at all ")


def test_every_mistake_family_and_log_format_has_a_real_fixture():
    from lrplot.logs import detect

    assert {c["cause"] for c in CASES if c["verdict"] == "mismatch"} == set(FAMILIES)
    formats = {detect(FIXTURES / c["log"])[0] for c in CASES}
    assert formats == {"hf", "lightning", "tensorboard", "mlflow", "wandb", "csv", "jsonl"}
