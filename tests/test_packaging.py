"""Packaging: the declared floors are the tested ones, and the package ships its types."""

from __future__ import annotations

import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
FLOORS = ROOT / ".ci" / "floors.txt"


def pins() -> dict[str, Version]:
    """.ci/floors.txt: name -> the exact version the floors job installs."""
    out: dict[str, Version] = {}
    for line in FLOORS.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, sep, version = line.partition("==")
            assert sep and name.strip() not in out, line
            out[name.strip().lower()] = Version(version.strip())
    return out


def floors() -> dict[str, Version]:
    """pyproject's dependencies: name -> the version after ">="."""
    out = {}
    for text in PYPROJECT["project"]["dependencies"]:
        requirement = Requirement(text)
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{text!r}: every dependency declares one '>=' floor"
        out[requirement.name.lower()] = Version(lower[0])
    return out


def test_floors_file_pins_every_declared_floor():
    pinned = pins()
    for name, floor in floors().items():
        assert name in pinned, f"{name} has a floor in pyproject.toml but no pin in {FLOORS}"
        assert pinned[name] == floor, (
            f"{name}: pyproject says >={floor}, {FLOORS} pins {pinned[name]}"
        )


def test_dev_extra_adds_tools_to_test():
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert "lrplot[test]" in extras["dev"]
    assert not set(extras["test"]) & set(extras["dev"]), "dev repeats what lrplot[test] has"
    assert {"ruff", "mypy"} <= {Requirement(r).name for r in extras["dev"]}


def test_types_are_shipped():
    assert (ROOT / "lrplot" / "py.typed").is_file()
    assert "py.typed" in PYPROJECT["tool"]["setuptools"]["package-data"]["lrplot"]
