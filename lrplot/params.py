"""Declared parameters: one declaration drives CLI options, SPEC/config parsing,
validation, help text and `lrplot list`.

A :class:`Param` knows its name (PyTorch's, snake_case), its type, its default
and its allowed range. It parses text (CLI options and SPEC strings) and native
values (TOML/JSON configs) through the same checks, so every source of input
gets the same error message.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .durations import is_duration, resolve
from .errors import LrplotError, MissingParam, ParamError

REQUIRED: Any = object()  # sentinel default: the user must give a value

INT = "int"
FLOAT = "float"
INT_LIST = "int_list"
CHOICE = "choice"
TEXT = "text"
BOOL = "bool"
SCHEDULES = "schedules"  # child schedules of a composition (sequential, chained)
GROUPS = "groups"  # optimizer param groups, NAME=SCALE each (parsed by lrplot.groups)

# kinds whose values a layer above this one parses: (value, param, run) -> value.
# lrplot.spec registers SCHEDULES (SPEC text, config tables) when it is imported, so
# that params never imports spec (imports flow one way: spec -> schedules -> params).
KindParser = Callable[[Any, "Param", Any], Any]
PARSERS: dict[str, KindParser] = {}

_METAVARS = {
    INT: "INT",
    FLOAT: "FLOAT",
    INT_LIST: "INT,INT,...",
    TEXT: "TEXT",
    BOOL: "BOOL",
    SCHEDULES: "SPEC",
    GROUPS: "NAME=SCALE",
}


@dataclass(frozen=True)
class Param:
    """One parameter of a schedule (or of the run, or of a metric stream)."""

    name: str
    kind: str
    help: str
    default: Any = REQUIRED
    low: float | None = None  # lower bound
    low_open: bool = False  # True: value > low; False: value >= low
    high: float | None = None
    high_open: bool = False
    choices: tuple[str, ...] = ()
    min_items: int = 1  # for INT_LIST and SCHEDULES
    item_low: int = 0  # for INT_LIST items
    torch: str = ""  # PyTorch's own spelling, when it differs (T_max)
    # a further check of the converted value (e.g. an expression's whitelist): raises
    # LrplotError with a message that does not repeat the name (parse prefixes it)
    check: Callable[[Any], None] | None = None
    # a number of scheduler steps (INT or INT_LIST): also takes 3ep and 10%, resolved
    # against the run (plan.resolve); values are always whole scheduler steps
    length: bool = False

    @property
    def option(self) -> str:
        """The command-line option, PyTorch's name in kebab case."""
        return "--" + self.name.replace("_", "-")

    @property
    def torch_name(self) -> str:
        return self.torch or self.name

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    @property
    def metavar(self) -> str:
        if self.kind == CHOICE:
            listed = "[" + "|".join(self.choices) + "]"  # short lists read best in place
            return listed if len(listed) <= 16 else self.name.rsplit("_", 1)[-1].upper()
        if self.length:
            return "STEPS" if self.kind == INT else "STEPS,STEPS,..."
        return _METAVARS[self.kind]

    def allowed(self, brief: bool = False) -> str:
        """What the parameter accepts, in words: 'an integer >= 1'. ``brief`` (help
        texts) leaves out an upper bound that is only a technical cap (2**63 - 1)."""
        text = self._allowed(brief)
        if self.length:  # a duration: also in epochs or a share of the run
            many = self.kind == INT_LIST
            text += f", or epochs ({'30ep' if many else '3ep'}) or "
            text += "percentages of the run (30%)" if many else "a percentage of the run (10%)"
        return text

    def _allowed(self, brief: bool = False) -> str:
        if self.kind == CHOICE:
            return "one of " + ", ".join(self.choices)
        if self.kind == INT_LIST:
            noun = "step counts" if self.length else "integers"
            what = f"a comma list of {noun} >= {self.item_low}"
            return what + (f" (at least {self.min_items})" if self.min_items > 1 else "")
        if self.kind == BOOL:
            return "true or false"
        if self.kind == SCHEDULES:
            return "a list of schedule SPECs, e.g. [linear:total_iters=5; cosine:t_max=95]"
        if self.kind == TEXT:
            return "text"
        if self.kind == GROUPS:
            return "NAME=SCALE items (comma list, list or table), each scale a number > 0"
        noun = "an integer" if self.kind == INT else "a number"
        noun = "a step count" if self.length else noun
        bounds = []
        if self.low is not None:
            bounds.append(f"{'>' if self.low_open else '>='} {_num(self.low)}")
        high = None if brief and self.high is not None and self.high >= CAP else self.high
        if high is not None:
            bounds.append(f"{'<' if self.high_open else '<='} {_num(high)}")
        if self.low is not None and high is not None:
            lo = "(" if self.low_open else "["
            hi = ")" if self.high_open else "]"
            return f"{noun} in {lo}{_num(self.low)}, {_num(high)}{hi}"
        return noun + (" " + " and ".join(bounds) if bounds else "")

    def default_text(self) -> str:
        if self.required:
            return "required"
        return format_value(self.default)

    def _fail(self, value: Any, steps: Any = None, why: str = "") -> ParamError:
        shown = value if isinstance(value, str) else format_value(value)
        resolved = "" if steps is None else f" ({format_value(steps)} scheduler steps)"
        why = f" ({why})" if why else ""
        return ParamError(
            self.name, f"{self.name} must be {self.allowed()}, got {shown!r}{resolved}{why}"
        )

    def parse(self, value: Any, run: Any = None) -> Any:
        """Check and convert a value from text (CLI, SPEC) or a config (native).

        ``run`` (engine.RunSettings) resolves durations with units (3ep, 10%) of a
        ``length`` parameter; without it they are an error naming the parameter."""
        converted = self._convert(value, run)
        if self.check is not None:
            try:
                self.check(converted)
            except LrplotError as err:
                raise ParamError(self.name, f"{self.name}: {err}") from None
        return converted

    def _convert(self, value: Any, run: Any = None) -> Any:
        if self.kind == INT and self.length and _has_unit(value):
            steps = self._resolve(value, run)
            if not self._in_range(steps):
                raise self._fail(value, steps)
            return steps
        if self.kind == INT:
            return self._check_range(_to_int(value, self), value)
        if self.kind == FLOAT:
            return self._check_range(_to_float(value, self), value)
        if self.kind == INT_LIST:
            return self._parse_list(value, run)
        if self.kind in PARSERS:  # a kind parsed by a layer above (SCHEDULES: lrplot.spec)
            return PARSERS[self.kind](value, self, run)
        if self.kind == SCHEDULES:
            return self._built_schedules(value)
        if self.kind == CHOICE:
            text = value.strip().lower() if isinstance(value, str) else value
            if text not in self.choices:
                raise self._fail(value)
            return text
        if self.kind == BOOL:
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.strip().lower() in _BOOLS:
                return _BOOLS[value.strip().lower()]
            raise self._fail(value)
        if not isinstance(value, str):
            raise self._fail(value)
        return value

    def _built_schedules(self, value: Any) -> tuple[Any, ...]:
        """Child schedules without lrplot.spec loaded: only built Schedule objects."""
        if isinstance(value, (list, tuple)) and all(hasattr(v, "definition") for v in value):
            if len(value) < self.min_items:
                raise ParamError(
                    self.name, f"{self.name} needs at least {self.min_items} schedule, got none"
                )
            return tuple(value)
        raise ParamError(
            self.name,
            f"{self.name}: child schedules given as text or tables are parsed by "
            "lrplot.spec, which is not loaded (import lrplot.spec, or pass Schedule objects)",
        )

    def _check_range(self, number: float, raw: Any) -> Any:
        if not self._in_range(number):
            raise self._fail(raw)
        return number

    def _in_range(self, number: float) -> bool:
        if self.low is not None and (number < self.low or (self.low_open and number == self.low)):
            return False
        return self.high is None or not (
            number > self.high or (self.high_open and number == self.high)
        )

    def _resolve(self, value: str, run: Any, shown: Any = None) -> int:
        if not is_duration(value):
            raise self._fail(value if shown is None else shown)
        return resolve(value, self.name, run)

    def _parse_list(self, value: Any, run: Any = None) -> tuple[int, ...]:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("[") and text.endswith("]"):
                text = text[1:-1]
            items: Iterable[Any] = [t for t in text.replace(" ", "").split(",")]
            if text.strip() == "":
                items = []
        elif isinstance(value, (list, tuple)):
            items = value
        elif isinstance(value, int) and not isinstance(value, bool):
            items = [value]
        else:
            raise self._fail(value)
        out = []
        for item in items:
            if self.length and _has_unit(item):
                number = self._resolve(item, run, value)
                if number < self.item_low:
                    raise self._fail(value, number)
                out.append(number)
                continue
            try:
                number = _to_int(item, self)
            except ParamError:
                raise self._fail(value) from None
            if number < self.item_low:
                raise self._fail(value)
            out.append(number)
        if len(out) < self.min_items:
            raise self._fail(value)
        return tuple(out)


def _has_unit(value: Any) -> bool:
    """Text that ends in a duration unit (3ep, 10%): resolved, or rejected, by plan.resolve."""
    if not isinstance(value, str):
        return False
    text = value.strip().lower()
    return text.endswith(("%", "ep", "epoch", "epochs"))


_BOOLS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


MAX_INT = 2**53  # integers beyond this are no step count (and overflow numpy's int64)
CAP = 10**9  # an upper bound this high is a technical cap: help texts leave it out


def _to_int(value: Any, param: Param) -> int:
    """An integer from an int, an integral float or text ('10', '1e3'), |n| <= 2**53."""
    if isinstance(value, bool):
        raise param._fail(value)
    number: Any = value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise param._fail(value) from None
    if isinstance(number, float):
        if not math.isfinite(number):
            raise param._fail(value, why=_infinite(value))
        if not number.is_integer():
            raise param._fail(value, why="not a whole number")
        number = int(number)
    if not isinstance(number, int):
        raise param._fail(value)
    if abs(number) > MAX_INT:
        raise param._fail(value, why="too large: whole numbers go up to 2**53")
    return number


def _infinite(value: Any) -> str:
    """Why a number that is not finite is refused: '1e400' overflows, 'inf' is one."""
    text = str(value).strip().lower().lstrip("+-")
    if text in ("inf", "infinity", "nan"):
        return "not a finite number"
    return "too large for a 64-bit float"


def _to_float(value: Any, param: Param) -> float:
    if isinstance(value, bool):
        raise param._fail(value)
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise param._fail(value) from None
    else:
        raise param._fail(value)
    if not math.isfinite(number):
        raise param._fail(value, why=_infinite(value))
    return number


def _num(x: float) -> str:
    if isinstance(x, int):
        return str(x)
    return str(int(x)) if float(x).is_integer() and abs(x) < 1e15 else repr(float(x))


def format_value(value: Any) -> str:
    """A parameter value as a user would type it (used in labels, titles, listings)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = f"{value:.10g}"
        return text if float(text) == value else repr(value)  # never a different number
    if isinstance(value, (tuple, list)):
        if value and all(hasattr(v, "spec") for v in value):  # child schedules
            return "[" + "; ".join(v.spec() for v in value) + "]"
        return "[" + ",".join(format_value(v) for v in value) + "]"
    if isinstance(value, str) and "," in value:  # quoted, so that a SPEC reads it back
        quote = "'" if "'" not in value else '"'
        return f"{quote}{value}{quote}"
    return str(value)


def bind(
    params: Iterable[Param], given: Mapping[str, Any], owner: str, run: Any = None
) -> dict[str, Any]:
    """Check a mapping of raw values against declared params; fill defaults.

    Unknown names and missing required ones are errors naming ``owner``. ``run``
    (engine.RunSettings) resolves durations (3ep, 10%) of length parameters.
    """
    params = tuple(params)
    by_name = {p.name: p for p in params}
    for name in given:
        if name not in by_name:
            raise ParamError(name, unknown_name_message(name, by_name, owner))
    values: dict[str, Any] = {}
    for p in params:
        if p.name in given and given[p.name] is not None:
            values[p.name] = p.parse(given[p.name], run)
        elif p.required:
            raise MissingParam(p.name, f"{owner} needs {p.name} ({p.allowed()})")
        else:
            values[p.name] = p.default
    return values


def unknown_name_message(name: str, known: Iterable[str], owner: str) -> str:
    import difflib

    known = list(known)
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(known) if known else "none"
    return f"{owner} has no parameter {name!r}{hint} (parameters: {listing})"
