"""A Megatron-LM launch script (bash) or args file -> lrplot's ``megatron`` schedule.

The file is read as text (:mod:`.shell`), never run: its variables, arrays, quotes and
continuations are expanded as bash would, and the flags lrplot needs are taken from
the command that runs Megatron (the one naming ``pretrain_*.py``, or the one command
that gives scheduler flags); an args file is flags only, one or more a line. A flag
given twice counts with its last value, as argparse does.

What Megatron-LM does with them (megatron/training/training.py,
``get_optimizer_param_scheduler``; arguments.py's defaults and checks), repeated here:

* iteration-based (``--train-iters``): ``lr_decay_steps = (--lr-decay-iters or
  --train-iters) x --global-batch-size``; warmup ``--lr-warmup-fraction x
  lr_decay_steps`` or ``--lr-warmup-iters x global batch``; WSD's anneal
  ``--lr-wsd-decay-iters x global batch``; no *-samples flag may be given;
* sample-based (``--train-samples``): ``train_iters = train_samples // global
  batch``; ``lr_decay_steps = --lr-decay-samples or --train-samples``; warmup
  ``--lr-warmup-fraction x lr_decay_steps`` or ``--lr-warmup-samples``; WSD's anneal
  ``--lr-wsd-decay-samples``; no *-iters flag may be given;
* ``OptimizerParamScheduler(init_lr=--lr-warmup-init, max_lr=--lr, min_lr=--min-lr,
  ...)``, stepped by the global batch size after every iteration.

Defaults: --lr-decay-style linear, --lr-wsd-decay-style exponential, --min-lr 0,
--lr-warmup-init 0, warmups 0. Refused: batch-size rampup (--rampup-batch-size,
--step-batch-size-schedule: the increment then changes), the deprecated --warmup.
Not shown: weight-decay increments, --decoupled-lr's groups (noted).

Megatron-LM's own functional tests keep their flags in YAML (``model_config.yaml``:
a ``MODEL_ARGS`` table of ``--flag: value``), which
tests/functional_tests/shell_test_utils/_run_training.sh turns into the command line:
``true`` is the flag alone, ``""`` leaves it out, a ``[...]`` list gives its items, any
other value follows the flag (``$VAR`` in it comes from the environment). Such a file
is read as those flags.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine import MAX_STEPS
from ..errors import LrplotError
from ..inputs import read_config_bytes
from ..schedules import known
from .common import Config as _Config
from .common import Converted, Given, settings
from .shell import Word, commands

NAME = "Megatron-LM"
FORMAT = "megatron"  # --format megatron

# --lr-decay-style as Megatron spells it -> lrplot's megatron lr_decay_style
DECAY_STYLES = {
    "constant": "constant",
    "linear": "linear",
    "cosine": "cosine",
    "inverse-square-root": "inverse-square-root",
    "WSD": "wsd",
}
WSD_STYLES = ("exponential", "linear", "cosine", "minus_sqrt")
# Megatron's own words that equal lrplot schedule names (tests/test_architecture.py)
WORDS = frozenset({*DECAY_STYLES, *WSD_STYLES, "wsd"})

INT, FLOAT, STYLE, WSD = "int", "float", "style", "wsd"
FLAGS = {
    "--lr": FLOAT,
    "--min-lr": FLOAT,
    "--lr-decay-style": STYLE,
    "--lr-wsd-decay-style": WSD,
    "--lr-warmup-iters": INT,
    "--lr-warmup-fraction": FLOAT,
    "--lr-warmup-samples": INT,
    "--lr-warmup-init": FLOAT,
    "--lr-decay-iters": INT,
    "--lr-decay-samples": INT,
    "--lr-wsd-decay-iters": INT,
    "--lr-wsd-decay-samples": INT,
    "--train-iters": INT,
    "--train-samples": INT,
    "--global-batch-size": INT,
}
REFUSED = {
    "--rampup-batch-size": "batch-size rampup changes the scheduler's increment from "
    "iteration to iteration; lrplot shows constant-batch runs only",
    "--step-batch-size-schedule": "a batch-size schedule changes the scheduler's increment "
    "from iteration to iteration; lrplot shows constant-batch runs only",
    "--warmup": "Megatron refuses this old flag: use --lr-warmup-iters or --lr-warmup-fraction",
}
NOTED = {
    "--decoupled-lr": "--decoupled-lr: the embedding and output layers' own LR is not shown",
    "--decoupled-min-lr": "--decoupled-min-lr: the embedding and output layers' own LR is "
    "not shown",
    "--weight-decay-incr-style": "weight-decay increments are not shown",
}
_SIGNS = re.compile(r"--lr-decay-style|--train-iters|--train-samples|pretrain_\w+\.py")
_SCRIPT_SUFFIXES = (".sh", ".bash")
_STRUCTURED = (".toml", ".json", ".yaml", ".yml")


@dataclass(frozen=True)
class Flag:
    text: str
    line: int


def read_text(path: Path) -> str:
    """The file's text, bounded (lrplot.inputs)."""
    raw = read_config_bytes(path)
    if b"\0" in raw:
        raise LrplotError(f"{path}: binary data, not a launch script or args file")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise LrplotError(f"{path}: not UTF-8 text") from None


_MODEL_ARGS = re.compile(r"^MODEL_ARGS:[ \t]*(#.*)?$", re.M)
_YAML = (".yaml", ".yml")


def looks_like(path: Path) -> bool:
    """A launch script (.sh) or a text file with Megatron's flags or pretrain_*.py; not
    a TOML/JSON/YAML config, except a functional test's YAML (its MODEL_ARGS)."""
    suffix = path.suffix.lower()
    if suffix in _YAML:
        try:
            return _MODEL_ARGS.search(read_text(path)) is not None
        except LrplotError:
            return False
    if suffix in _STRUCTURED:
        return False
    if suffix in _SCRIPT_SUFFIXES:
        return True
    try:
        text = read_text(path)
    except LrplotError:
        return False
    return _SIGNS.search(text) is not None


def flags(path: Path, text: str) -> dict[str, Flag]:
    """The flags lrplot reads, from the command that runs Megatron (or the args file)."""
    where = str(path)
    if path.suffix.lower() in _YAML:
        return _read_flags(where, model_args(path, text))
    found = commands(text, where)
    if found and found[0][0].text.startswith("--"):
        words = [w for c in found for w in c]  # an args file: every line is flags
    else:
        words = _megatron_command(found, where)
    return _read_flags(where, words)


def model_args(path: Path, text: str) -> list[Word]:
    """A functional test's MODEL_ARGS as the words of its command line (the module
    docstring), each on the line of its key."""
    try:
        import yaml  # type: ignore[import-untyped]
    except ImportError:
        raise LrplotError(f"{path}: YAML configs need PyYAML (pip install pyyaml)") from None
    try:  # a key given twice counts with its last value, as yq and argparse leave it
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise LrplotError(f"{path}: invalid YAML: {' '.join(str(err).split())}") from None
    table = data.get("MODEL_ARGS") if isinstance(data, dict) else None
    if not isinstance(table, dict) or not table:
        raise LrplotError(f"{path}: MODEL_ARGS must be a table of --flag: value")
    if not any(str(k).startswith("--") for k in table):
        shown = ", ".join(str(k) for k in list(table)[:3])
        raise LrplotError(
            f"{path}: MODEL_ARGS has no Megatron-LM --flags (its keys: {shown}, ...): "
            "lrplot reads Megatron-LM's flags, not NeMo's trainer.* keys"
        )
    lines = text.splitlines()
    words: list[Word] = []
    for key, value in table.items():
        flag = str(key)
        pattern = re.compile(rf"\s*['\"]?{re.escape(flag)}['\"]?\s*:")
        line = next((n for n, t in enumerate(lines, 1) if pattern.match(t)), 0)
        if value == "":
            continue
        words.append(Word(flag, line))
        if value is True:
            continue
        items = value if isinstance(value, list) else [value]
        for item in items:
            shown = _yaml_text(item)
            unknown = re.search(r"\$\{?\w+\}?", shown)
            words.append(Word(shown, line, unknown.group() if unknown else None))
    return words


def _yaml_text(value: Any) -> str:
    """A YAML scalar as yq prints it for the command line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _read_flags(where: str, words: list[Word]) -> dict[str, Flag]:
    """The flags lrplot reads among a command's words."""
    out: dict[str, Flag] = {}
    previous = ""
    k = 0
    while k < len(words):
        w = words[k]
        k += 1
        if w.unknown is not None:
            name = w.text.partition("=")[0]
            if name in FLAGS:  # --lr=$LR
                raise _unknown(where, w, f"it is in the value of {name}")
            value_of_flag = previous.startswith("-") and "=" not in previous
            if w.alone and k > 1 and not value_of_flag:  # the first word is the program
                raise _unknown(where, w, "it could hold flags lrplot reads")
            previous = ""
            continue
        previous = w.text
        name, eq, value = w.text.partition("=")
        if name in REFUSED:
            raise LrplotError(f"{where}, line {w.line}: {name}: {REFUSED[name]}")
        if name in NOTED:
            out[name] = Flag("", w.line)
        if name not in FLAGS:
            continue
        if not eq:
            if k >= len(words) or (words[k].unknown is None and words[k].text.startswith("--")):
                raise LrplotError(f"{where}, line {w.line}: {name}: needs a value")
            nxt = words[k]
            k += 1
            if nxt.unknown is not None:
                raise _unknown(where, nxt, f"it is the value of {name}")
            value = nxt.text
            previous = ""
        out[name] = Flag(value, w.line)
    return out


def _unknown(where: str, w: Word, why: str) -> LrplotError:
    what = w.unknown or ""
    name = what.lstrip("$").strip("{}")
    if re.fullmatch(r"[A-Za-z_]\w*", name):
        return LrplotError(
            f"{where}, line {w.line}: {what} is not set in the script ({why}); lrplot reads "
            f"the script as text and never runs it: set {name} in the script"
        )
    return LrplotError(
        f"{where}, line {w.line}: {what} cannot be known without running the script ({why}); "
        "lrplot reads it as text: write the value in the script"
    )


def _megatron_command(found: list[list[Word]], where: str) -> list[Word]:
    def named(c: list[Word]) -> bool:
        return any(re.search(r"pretrain_\w+\.py", w.text) for w in c)

    # the commands that give scheduler flags (an `echo pretrain_gpt.py ...` gives none);
    # among several, the ones that run pretrain_*.py
    flagged = [c for c in found if any(w.text.partition("=")[0] in FLAGS for w in c)]
    pick = [c for c in flagged if named(c)] if len(flagged) > 1 else flagged
    pick = (pick or flagged) or [c for c in found if named(c)]
    if not pick:
        raise LrplotError(
            f"{where}: no command runs Megatron (pretrain_*.py) or gives its flags "
            "(--lr, --train-iters, ...): is it a Megatron-LM launch script?"
        )
    if len(pick) > 1 and len({_arguments(c) for c in pick}) > 1:
        lines = " and ".join(str(c[0].line) for c in pick[:2])
        raise LrplotError(
            f"{where}: several commands run Megatron (lines {lines}): lrplot reads one; "
            "put that one's flags in an args file"
        )
    return pick[0]


def _arguments(command: list[Word]) -> tuple[tuple[str, str | None], ...]:
    """The flags lrplot reads, with the word after each: two commands with the same
    ones (an interactive and a batch branch) are the same run for lrplot."""
    out: list[tuple[str, str | None]] = []
    for k, w in enumerate(command):
        if w.text.partition("=")[0] in FLAGS or w.text in REFUSED:
            out.append((w.text, w.unknown))
            if k + 1 < len(command):
                out.append((command[k + 1].text, command[k + 1].unknown))
    return tuple(out)


def _value(where: str, found: dict[str, Flag], name: str, default: Any = None) -> Any:
    flag = found.get(name)
    if flag is None:
        return default
    kind, text = FLAGS[name], flag.text
    here = f"{where}, line {flag.line}: {name}"
    if kind == INT:
        try:
            value: Any = int(text)
        except ValueError:
            raise LrplotError(f"{here}: must be an integer, got {text!r}") from None
        if value < 0:
            raise LrplotError(f"{here}: must be 0 or more, got {value}")
        return value
    if kind == FLOAT:
        try:
            number = float(text)
        except ValueError:
            raise LrplotError(f"{here}: must be a number, got {text!r}") from None
        if not math.isfinite(number) or number < 0:
            raise LrplotError(f"{here}: must be a finite number >= 0, got {text!r}")
        return number
    choices = list(DECAY_STYLES) if kind == STYLE else list(WSD_STYLES)
    if text not in choices:
        lower = {c.lower(): c for c in choices}  # argparse's choices are case-sensitive
        close = [lower[text.lower()]] if text.lower() in lower else []
        close = close or difflib.get_close_matches(text, choices, n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise LrplotError(
            f"{here}: invalid choice {text!r}{hint} (choose from {', '.join(choices)})"
        )
    return text


def convert_text(path: Path, text: str, given: Given) -> Converted:
    """The launch script's (or args file's) run, as lrplot's megatron schedule."""
    if (
        given.epochs is not None
        or given.steps_per_epoch is not None
        or any(v is not None for v in given.plan.values())
    ):
        raise LrplotError(
            f"{path}: --epochs, --steps-per-epoch and the plan options do not apply to a "
            "Megatron script: its --train-iters (or --train-samples) and --global-batch-size "
            "say how long it runs"
        )
    where = str(path)
    found = flags(path, text)
    notes = [NOTED[name] for name in NOTED if name in found]

    def v(name: str, default: Any = None) -> Any:
        return _value(where, found, name, default)

    def fail(name: str, message: str) -> LrplotError:
        flag = found.get(name)
        line = f", line {flag.line}" if flag else ""
        return LrplotError(f"{where}{line}: {name}: {message}")

    lr = given.lr if given.lr is not None else v("--lr")
    if lr is None:
        raise fail("--lr", "missing: Megatron needs the peak LR")
    if lr <= 0:
        raise fail("--lr", f"must be above 0, got {lr:g}")
    gbs = v("--global-batch-size")
    if gbs is None:
        raise fail(
            "--global-batch-size",
            "missing: Megatron then uses --micro-batch-size x the data-parallel size, which "
            "a script does not fix: give --global-batch-size",
        )
    if gbs < 1:
        raise fail("--global-batch-size", f"must be at least 1, got {gbs}")
    train_iters, train_samples = v("--train-iters"), v("--train-samples")
    fraction = v("--lr-warmup-fraction")
    warmup_iters, warmup_samples = v("--lr-warmup-iters", 0), v("--lr-warmup-samples", 0)
    wsd_iters, wsd_samples = v("--lr-wsd-decay-iters"), v("--lr-wsd-decay-samples")
    if train_iters:
        for name in ("--train-samples", "--lr-decay-samples", "--lr-warmup-samples"):
            if v(name):
                raise fail(name, "Megatron refuses samples with --train-iters (iteration-based)")
        if fraction is not None and warmup_iters:
            raise fail("--lr-warmup-fraction", "give only one of it and --lr-warmup-iters")
        decay_iters = v("--lr-decay-iters")
        if decay_iters is None:
            decay_iters = train_iters
            notes.append(f"--lr-decay-iters defaults to --train-iters ({train_iters:,})")
        decay = decay_iters * gbs
        wsd = None if wsd_iters is None else wsd_iters * gbs
        if wsd_samples is not None:
            notes.append(
                "--lr-wsd-decay-samples ignored: with --train-iters Megatron reads "
                "--lr-wsd-decay-iters"
            )
        if fraction is not None:
            warmup: float = fraction * decay
            notes.append(
                f"warmup = --lr-warmup-fraction {fraction:g} x {decay:,} decay samples = "
                f"{warmup:,g} samples (a fraction of the decay, not of the run)"
            )
        else:
            warmup = warmup_iters * gbs
        notes.append(
            f"Megatron counts samples: iterations x global batch {gbs} (decay over {decay:,})"
        )
        iters = train_iters
    elif train_samples:
        for name in ("--lr-decay-iters", "--lr-warmup-iters"):
            if v(name):
                raise fail(name, "Megatron refuses iterations with --train-samples (sample-based)")
        if fraction is not None and warmup_samples:
            raise fail("--lr-warmup-fraction", "give only one of it and --lr-warmup-samples")
        iters = train_samples // gbs
        if iters < 1:
            raise fail("--train-samples", f"{train_samples:,} samples are not one batch of {gbs}")
        notes.append(
            f"train_iters = --train-samples {train_samples:,} // global batch {gbs} = {iters:,}"
        )
        decay = v("--lr-decay-samples", train_samples)
        wsd = wsd_samples
        if wsd_iters is not None:
            notes.append(
                "--lr-wsd-decay-iters ignored: with --train-samples Megatron reads "
                "--lr-wsd-decay-samples"
            )
        warmup = fraction * decay if fraction is not None else warmup_samples
        if fraction is not None:
            notes.append(
                f"warmup = --lr-warmup-fraction {fraction:g} x {decay:,} decay samples = "
                f"{warmup:,g} samples"
            )
    else:
        raise fail("--train-iters", "missing: give --train-iters or --train-samples")
    if iters > MAX_STEPS:
        raise fail("--train-iters", f"{iters:,} iterations are more than lrplot shows")
    style = DECAY_STYLES[v("--lr-decay-style", "linear")]
    init, low = v("--lr-warmup-init", 0.0), v("--min-lr", 0.0)
    if decay < 1:
        raise fail("--lr-decay-iters", "the decay must be at least one sample: Megatron asserts it")
    if not warmup < decay:
        raise fail(
            "--lr-warmup-iters" if fraction is None else "--lr-warmup-fraction",
            f"the warmup ({warmup:,g} samples) must be shorter than the decay ({decay:,}): "
            "Megatron asserts it",
        )
    if not init <= lr:
        raise fail(
            "--lr-warmup-init", f"{init:g} must be at most --lr ({lr:g}): Megatron asserts it"
        )
    if not low <= lr:
        raise fail("--min-lr", f"{low:g} must be at most --lr ({lr:g}): Megatron asserts it")
    values: dict[str, Any] = {
        "lr_decay_style": style,
        "lr_warmup_steps": float(warmup),
        "lr_decay_steps": decay,
        "init_lr": init,
        "min_lr": low,
        "increment": gbs,
    }
    if style == "wsd":
        if wsd is None:
            flag = "--lr-wsd-decay-iters" if train_iters else "--lr-wsd-decay-samples"
            raise fail(flag, "missing: --lr-decay-style WSD needs it (Megatron asserts it)")
        values["wsd_decay_steps"] = wsd
        values["lr_wsd_decay_style"] = v("--lr-wsd-decay-style", "exponential")
    definition = known(FORMAT, "OptimizerParamScheduler")
    assert definition is not None
    cfg = _Config(path, {})
    try:
        schedule = definition.build(values)
    except LrplotError as err:
        raise LrplotError(f"{where}: {err}") from None
    run = settings(cfg, lr, 1, iters, "step")
    return Converted(NAME, [schedule], run, notes=notes)
