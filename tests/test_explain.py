"""`lrplot explain NAME`: every schedule's declaration, texts included, for every schedule."""

from __future__ import annotations

import pytest

from lrplot.cli.explain import library_of
from lrplot.explain import loop
from lrplot.params import LrplotError
from lrplot.schedules import REGISTRY, lookup


def _flat(text: str) -> str:
    """Whitespace-insensitive: wrapped lines and table cells read as one line."""
    return " ".join(text.split())


def test_every_registered_schedule_declares_its_texts():
    """A new schedule must come with its stepping and its common mistakes."""
    for name, d in REGISTRY.items():
        assert d.explain is not None, name
        assert d.explain.stepping.text and d.explain.stepping.loop, name
        assert d.explain.mistakes and all(m.endswith(".") for m in d.explain.mistakes), name


def test_every_schedule_declares_its_library():
    for d in REGISTRY.values():
        assert library_of(d).endswith("." + d.torch_class)
        assert library_of(d) == d.reproduces == f"{d.library}.{d.torch_class}"
    assert library_of(REGISTRY["cosine"]) == "torch.optim.lr_scheduler.CosineAnnealingLR"
    assert library_of(REGISTRY["hf-linear"]) == "transformers.get_linear_schedule_with_warmup"
    assert library_of(REGISTRY["timm-cosine"]) == "timm.scheduler.CosineLRScheduler"
    assert {d.library for d in REGISTRY.values()} >= {"torch.optim.lr_scheduler", "transformers"}


def test_loops_fit_in_80_columns():
    loops = {loop(d.explain.stepping) for d in REGISTRY.values() if d.explain}
    assert max(len(line) for text in loops for line in text.splitlines()) <= 76


@pytest.mark.parametrize("name", list(REGISTRY))
def test_explain_shows_the_declaration_and_the_entry(cli, name):
    d = REGISTRY[name]
    out = cli.ok("explain", name).stdout
    flat = _flat(out)
    assert out.splitlines()[0].split()[0] == name
    assert f"reproduces {library_of(d)}" in flat
    assert _flat(d.formula) in flat
    for p in d.params:  # from the declaration: option, default, allowed range
        row = next(line for line in out.splitlines() if line.split()[:1] == [p.option]
                   or (p.kind == "schedules" and line.split()[:1] == ["--schedule"]))  # fmt: skip
        assert ("-" if p.default is None else p.default_text()) == row.split()[1]
        assert _flat(p.allowed()) in flat
    entry = d.explain
    assert _flat(entry.stepping.text) in flat
    assert all(_flat(line) in flat for line in loop(entry.stepping).splitlines())
    for text in (*entry.mistakes, *entry.notes):
        assert _flat(text) in flat
    for known in d.known_as.values():  # its names in other frameworks
        assert known in flat
    assert f"lrplot check {name}" in out


@pytest.mark.parametrize("name", list(REGISTRY))
def test_explain_is_readable_at_80_columns(cli, name):
    from conftest import TERMINAL, plain

    out = plain(cli("explain", name, env={**TERMINAL, "COLUMNS": "80"}).stdout)
    assert max(len(line.rstrip()) for line in out.splitlines()) <= 80
    piped = cli("explain", name, env={"COLUMNS": "80"}).stdout  # never wrapped nor padded

    def words(text: str) -> list[str]:  # a table's rule is as wide as its widest row
        return [w for w in text.split() if w.strip("─")]

    pairs = list(zip(words(piped), words(out), strict=True))  # a terminal may cut a name…
    assert all(p == t or (t.endswith("…") and p.startswith(t[:-1])) for p, t in pairs)
    assert not any(line != line.rstrip() for line in piped.splitlines())


def test_aliases_and_classes_explain_the_same_schedule(cli):
    cosine = cli.ok("explain", "cosine").stdout
    assert cli.ok("explain", "cos").stdout == cosine
    assert cli.ok("explain", "CosineAnnealingLR").stdout == cosine
    assert cli.ok("explain", "wsd").stdout == cli.ok("explain", "hf-warmup-stable-decay").stdout


def test_plateau_is_stepped_with_the_metric_after_validation(cli):
    out = cli.ok("explain", "plateau").stdout
    assert "scheduler.step(val_loss)" in out
    assert "after validation" in out


def test_unknown_name_exits_2_with_the_nearest_name(cli):
    line = cli.fail("explain", "cosin", fragments=["did you mean 'cosine'?"])
    with pytest.raises(LrplotError) as err:
        lookup("cosin")
    assert line == f"Error: {err.value}"
    cli.fail("explain", "nothing-like-it", fragments=["unknown schedule 'nothing-like-it'"])
