"""Factor expressions in ``epoch``: LambdaLR's and MultiplicativeLR's ``lr_lambda`` as text.

``lambda:expr="0.95**epoch"`` stands for PyTorch's ``lr_lambda=lambda epoch: 0.95**epoch``.

Safety: the text is parsed with ``ast.parse(mode="eval")``, every node is checked
against a whitelist (:func:`parse`), and evaluation walks the tree. Nothing is ever
handed to eval, exec or compile-to-code. Allowed: int and float literals, the names
``epoch``, ``pi`` and ``e``; ``+ - * / // % **``, unary ``+ - not``; comparisons
(chained too); ``a if c else b``; ``and``/``or``; calls to min, max, abs, floor, ceil,
exp, log, sqrt, cos, sin, tanh with positional arguments.

Semantics are Python's, as PyTorch's lambda sees them: ``epoch`` is an int and ints
stay exact ints (``//`` and ``%`` floor, ``**`` of ints is exact), ``/`` is true
division, floor and ceil return ints, min and max return one of their arguments,
``and``/``or`` return an operand, and ``a if c else b``, ``and``, ``or`` and chained
comparisons evaluate only what Python evaluates. Where Python raises (division by
zero, ``log(0)``, ``0.0 ** -1``, a float ``**`` that overflows) the evaluation fails
with an :class:`ExprError` naming the first failing epoch. Two liberties: a negative
number to a fractional power (complex in Python, never a learning rate) fails where
it appears, and so does an int of more than ``MAX_INT_BITS`` bits (where Python
would grind on).

Speed: :meth:`Expr.values` evaluates the tree once over a numpy array of epochs
(subsets for the branches that short-circuit). Only what is bit for bit Python's on
every input is numpy's (``VECTORISED``): ``+ - * /`` and comparisons (IEEE 754, one
rounding each), floor, ceil, abs, and ``sqrt`` (correctly rounded by IEEE 754, in
numpy and in C's ``sqrt`` alike). ``exp``, ``log``, ``cos``, ``sin``, ``tanh`` and
a float ``**`` are not: numpy has its own SIMD versions of some of them, 1 ulp off
C's libm on many inputs (``tanh`` on a quarter of them, here), and which ones
depends on numpy's version and the CPU; so they are always Python's own ``math``,
value by value (a million values in about 0.1 s each). Ints that could leave int64's
exact range fall back to a per-epoch evaluation with Python's own numbers.
"""

from __future__ import annotations

import ast
import math
import operator
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
else:
    from ._lazy import np

from .params import LrplotError

FUNCTIONS: dict[str, Callable[..., Any]] = {
    "min": min,
    "max": max,
    "abs": abs,
    "floor": math.floor,
    "ceil": math.ceil,
    "exp": math.exp,
    "log": math.log,
    "sqrt": math.sqrt,
    "cos": math.cos,
    "sin": math.sin,
    "tanh": math.tanh,
}
ARITY = {"min": (2, None), "max": (2, None), "log": (1, 2)}  # others take exactly 1
CONSTANTS = {"pi": math.pi, "e": math.e}
VARIABLE = "epoch"

MAX_LENGTH = 1000  # characters
MAX_DEPTH = 64  # nesting of the syntax tree
MAX_INT_BITS = 1 << 14
# the math functions whose numpy form is bit for bit Python's on every input (and
# platform): IEEE 754 makes sqrt correctly rounded. Every other one is Python's own.
VECTORISED: dict[str, Callable[..., Any]] = {"sqrt": lambda x: np.sqrt(x)}

_SAFE_INT = 1 << 62  # int64 arithmetic below this magnitude cannot overflow
_EXACT_FLOAT_INT = 1 << 53  # ints up to this convert to float exactly

_BINOPS: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Add: ("+", operator.add),
    ast.Sub: ("-", operator.sub),
    ast.Mult: ("*", operator.mul),
    ast.Div: ("/", operator.truediv),
    ast.FloorDiv: ("//", operator.floordiv),
    ast.Mod: ("%", operator.mod),
    ast.Pow: ("**", operator.pow),
}
_COMPARE: dict[type, tuple[str, Callable[[Any, Any], Any]]] = {
    ast.Lt: ("<", operator.lt),
    ast.LtE: ("<=", operator.le),
    ast.Gt: (">", operator.gt),
    ast.GtE: (">=", operator.ge),
    ast.Eq: ("==", operator.eq),
    ast.NotEq: ("!=", operator.ne),
}
_OTHER_OPERATORS = {
    ast.MatMult: "@",
    ast.LShift: "<<",
    ast.RShift: ">>",
    ast.BitOr: "|",
    ast.BitXor: "^",
    ast.BitAnd: "&",
    ast.Invert: "~",
    ast.In: "in",
    ast.NotIn: "not in",
    ast.Is: "is",
    ast.IsNot: "is not",
}
_FORBIDDEN = {
    ast.Attribute: "attribute access (.name) is not allowed",
    ast.Subscript: "subscripts (x[i]) are not allowed",
    ast.Lambda: "lambda is not allowed",
    ast.ListComp: "comprehensions are not allowed",
    ast.SetComp: "comprehensions are not allowed",
    ast.DictComp: "comprehensions are not allowed",
    ast.GeneratorExp: "comprehensions are not allowed",
    ast.JoinedStr: "f-strings are not allowed",
    ast.FormattedValue: "f-strings are not allowed",
    ast.NamedExpr: "assignment (:=) is not allowed",
    ast.Starred: "starred expressions (*x) are not allowed",
    ast.List: "lists are not allowed",
    ast.Tuple: "tuples are not allowed (a comma outside a function call)",
    ast.Set: "sets are not allowed",
    ast.Dict: "dicts are not allowed",
    ast.Await: "await is not allowed",
    ast.Yield: "yield is not allowed",
    ast.YieldFrom: "yield is not allowed",
    ast.Slice: "slices are not allowed",
}

_FUNCTION_LIST = ", ".join(FUNCTIONS)


class ExprError(LrplotError):
    """An expression that is not allowed, or that fails at some epoch."""


class _Problem(Exception):
    """Python would raise here (scalar evaluation); the message says why."""


class _Fallback(Exception):
    """The vectorized evaluation cannot be exact here: evaluate epoch by epoch."""


# --- parsing and the whitelist --------------------------------------------------


@dataclass(frozen=True)
class Expr:
    """A checked expression in ``epoch``."""

    text: str
    tree: ast.expr

    def at(self, epoch: int) -> int | float:
        """The value at one epoch, with Python's own numbers (what PyTorch's lambda gives)."""
        try:
            return _scalar(self.tree, epoch)
        except _Problem as problem:
            raise ExprError(f"{problem} at epoch {epoch}") from None
        except RecursionError:  # pragma: no cover - MAX_DEPTH keeps trees shallow
            raise ExprError("is too deeply nested") from None

    def values(self, epochs: np.ndarray) -> np.ndarray:
        """The value at every epoch, as float64, all finite; else an ExprError naming
        the first epoch where Python raises or the value is not a finite number."""
        epochs = np.asarray(epochs, dtype=np.int64)
        if epochs.size == 0:
            return np.empty(0)
        vector = _Vector(epochs)
        try:
            with np.errstate(all="ignore"):
                out = vector.evaluate(self.tree).astype(np.float64)
        except _Fallback:
            return self._scalar_values(epochs)
        bad = vector.failed | ~np.isfinite(out)
        if bad.any():
            epoch = int(epochs[int(np.argmax(bad))])
            value = self.at(epoch)  # raises with Python's reason where Python raises
            if not is_finite(value):
                raise _not_finite(value, epoch)
            return self._scalar_values(epochs)  # numpy and Python disagree: trust Python
        return out

    def _scalar_values(self, epochs: np.ndarray) -> np.ndarray:
        out = np.empty(len(epochs))
        for i, epoch in enumerate(epochs.tolist()):
            value = self.at(epoch)
            if not is_finite(value):
                raise _not_finite(value, epoch)
            out[i] = value
        return out


def _not_finite(value: int | float, epoch: int) -> ExprError:
    why = "too large for a float" if isinstance(value, int) else "not a finite number"
    return ExprError(f"gives {_show(value)} at epoch {epoch} ({why})")


def is_finite(value: int | float) -> bool:
    try:
        return math.isfinite(value)
    except OverflowError:  # an int too large for a float
        return False


def parse(text: str) -> Expr:
    """Parse and check an expression; ExprError names the first construct not allowed."""
    if not isinstance(text, str):
        raise ExprError(f"must be text, got {text!r}")
    return _parse(text.strip())


def check(text: str) -> None:
    """Param check hook: raise ExprError when ``text`` is not an allowed expression."""
    parse(text)


@lru_cache(maxsize=128)
def _parse(text: str) -> Expr:
    if not text:
        raise ExprError("is empty; give an expression in epoch, e.g. 0.95**epoch")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"is too long ({len(text)} characters, at most {MAX_LENGTH})")
    try:
        with warnings.catch_warnings():  # "1if" and the like: no SyntaxWarning on stderr
            warnings.simplefilter("ignore", SyntaxWarning)
            tree = ast.parse(text, mode="eval")
    except SyntaxError as err:
        where = f" at column {err.offset}" if err.offset else ""
        raise ExprError(f"is not a valid expression ({err.msg}{where}): {text!r}") from None
    except (RecursionError, MemoryError, ValueError):  # absurd nesting, NUL bytes
        raise ExprError(f"is not a valid expression: {text!r}") from None
    _check_depth(tree)
    _check(tree.body)
    return Expr(text, tree.body)


def _check_depth(tree: ast.AST) -> None:
    stack = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise ExprError(f"is too deeply nested (more than {MAX_DEPTH} levels)")
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _check(node: ast.AST) -> None:
    """Allow only the whitelist; the message names the first construct that is not."""
    kind = type(node)
    if type(node) is ast.Constant:
        value = node.value
        if type(value) in (int, float):
            return
        if isinstance(value, (str, bytes)):
            raise ExprError("strings are not allowed")
        if isinstance(value, bool):
            raise ExprError(f"{value} is not allowed; use 1 or 0")
        if isinstance(value, complex):
            raise ExprError("complex numbers are not allowed")
        raise ExprError(f"{value!r} is not allowed")
    if type(node) is ast.Name:
        if node.id == VARIABLE or node.id in CONSTANTS:
            return
        if node.id in FUNCTIONS:
            raise ExprError(f"{node.id} is a function: call it, e.g. {node.id}(epoch)")
        raise ExprError(f"name {node.id!r} is not allowed; use epoch, pi, e")
    if type(node) is ast.BinOp:
        _check_operator(node.op, _BINOPS)
        _check(node.left)
        _check(node.right)
        return
    if type(node) is ast.UnaryOp:
        if type(node.op) not in (ast.UAdd, ast.USub, ast.Not):
            _check_operator(node.op, {})
        _check(node.operand)
        return
    if type(node) is ast.BoolOp:
        for item in node.values:
            _check(item)
        return
    if type(node) is ast.Compare:
        for op in node.ops:
            _check_operator(op, _COMPARE)
        _check(node.left)
        for comparator in node.comparators:
            _check(comparator)
        return
    if type(node) is ast.IfExp:
        _check(node.test)
        _check(node.body)
        _check(node.orelse)
        return
    if type(node) is ast.Call:
        _check_call(node)
        return
    if kind in _FORBIDDEN:
        raise ExprError(_FORBIDDEN[kind])
    raise ExprError(f"{kind.__name__} is not allowed")


def _check_operator(op: ast.AST, allowed: dict[type, Any]) -> None:
    if type(op) in allowed:
        return
    symbol = _OTHER_OPERATORS.get(type(op), type(op).__name__)
    raise ExprError(f"operator {symbol!r} is not allowed")


def _check_call(node: ast.Call) -> None:
    func = node.func
    if type(func) is not ast.Name:
        if type(func) in _FORBIDDEN:
            raise ExprError(_FORBIDDEN[type(func)])
        raise ExprError(f"only calls to {_FUNCTION_LIST} are allowed")
    name = func.id
    if name not in FUNCTIONS:
        raise ExprError(f"function {name!r} is not allowed; use {_FUNCTION_LIST}")
    if node.keywords:
        raise ExprError(f"keyword arguments are not allowed (in {name}(...))")
    for arg in node.args:
        if type(arg) is ast.Starred:
            raise ExprError(f"starred arguments (*x) are not allowed (in {name}(...))")
    low, high = ARITY.get(name, (1, 1))
    n = len(node.args)
    if n < low or (high is not None and n > high):
        if high is None:
            wanted = f"at least {low} arguments"
        elif low == high:
            wanted = f"{low} argument" + ("s" if low > 1 else "")
        else:
            wanted = f"{low} or {high} arguments"
        raise ExprError(f"{name} takes {wanted}, got {n}")
    for arg in node.args:
        _check(arg)


# --- evaluation at one epoch: Python's own numbers --------------------------------


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) and value.bit_length() > 64:
        return f"an integer of {value.bit_length()} bits"
    return repr(value)


def _operand(value: Any) -> str:
    text = _show(value)
    return f"({text})" if text.startswith("-") else text


def _big(value: Any) -> bool:
    return type(value) is int and value.bit_length() > MAX_INT_BITS


def _scalar(node: ast.AST, epoch: int) -> Any:
    kind = type(node)
    if type(node) is ast.Constant:
        return node.value
    if type(node) is ast.Name:
        return epoch if node.id == VARIABLE else CONSTANTS[node.id]
    if type(node) is ast.BinOp:
        return _scalar_binop(node.op, _scalar(node.left, epoch), _scalar(node.right, epoch))
    if type(node) is ast.UnaryOp:
        value = _scalar(node.operand, epoch)
        if type(node.op) is ast.Not:
            return not value
        return -value if type(node.op) is ast.USub else +value
    if type(node) is ast.BoolOp:
        is_and = type(node.op) is ast.And
        value = _scalar(node.values[0], epoch)
        for item in node.values[1:]:
            if bool(value) != is_and:  # and: stop at a falsy value; or: at a truthy one
                return value
            value = _scalar(item, epoch)
        return value
    if type(node) is ast.Compare:
        left = _scalar(node.left, epoch)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = _scalar(comparator, epoch)
            if not _COMPARE[type(op)][1](left, right):
                return False
            left = right
        return True
    if type(node) is ast.IfExp:
        branch = node.body if _scalar(node.test, epoch) else node.orelse
        return _scalar(branch, epoch)
    if type(node) is ast.Call:
        name = node.func.id  # type: ignore[attr-defined]
        args = [_scalar(arg, epoch) for arg in node.args]
        shown = f"{name}({', '.join(_show(a) for a in args)})"
        try:
            value = FUNCTIONS[name](*args)
        except ZeroDivisionError:
            raise _Problem(f"{shown} divides by zero") from None
        except OverflowError:
            raise _Problem(f"{shown} is out of range") from None
        except ValueError:
            raise _Problem(f"{shown} is undefined") from None
        if _big(value):
            raise _Problem(f"{shown} is too large")
        return value
    raise _Problem(f"{kind.__name__} cannot be evaluated")  # pragma: no cover - checked


def _scalar_binop(op: ast.AST, a: Any, b: Any) -> Any:
    symbol, fn = _BINOPS[type(op)]
    shown = f"{_operand(a)} {symbol} {_operand(b)}"
    if (
        type(op) is ast.Pow
        and isinstance(a, int)
        and isinstance(b, int)
        and b > 0
        and abs(a) > 1
        and b * (abs(a).bit_length() - 1) > MAX_INT_BITS
    ):
        raise _Problem(f"{shown} is too large")
    try:
        value = fn(a, b)
    except ZeroDivisionError:
        raise _Problem(f"{shown} divides by zero") from None
    except OverflowError:
        raise _Problem(f"{shown} overflows") from None
    if isinstance(value, complex):
        raise _Problem(f"{shown} is not a real number")
    if _big(value):
        raise _Problem(f"{shown} is too large")
    return value


# --- evaluation over an array of epochs ---------------------------------------------


def _absmax(a: np.ndarray) -> int:
    return int(np.abs(a).max()) if a.size else 0


def _is_int(a: np.ndarray) -> bool:
    return a.dtype.kind == "i"


class _Vector:
    """Evaluates a checked tree over many epochs at once.

    Values are int64 arrays (Python ints and bools: exact while |x| < 2**62) or
    float64 arrays. ``failed`` marks the epochs where Python would raise; those
    elements carry a stand-in value so that the rest can go on.
    """

    def __init__(self, epochs: np.ndarray) -> None:
        self.epochs = epochs
        self.failed = np.zeros(len(epochs), dtype=bool)

    def evaluate(self, tree: ast.AST) -> np.ndarray:
        return self.eval(tree, np.arange(len(self.epochs)))

    def fail(self, idx: np.ndarray, mask: np.ndarray) -> None:
        self.failed[idx[mask]] = True

    def eval(self, node: ast.AST, idx: np.ndarray) -> np.ndarray:
        n = len(idx)
        if type(node) is ast.Constant:
            value = node.value
            if type(value) is int:
                if abs(value) >= _SAFE_INT:
                    raise _Fallback
                return np.full(n, value, dtype=np.int64)
            if type(value) is float:
                return np.full(n, value)
            raise _Fallback  # pragma: no cover - _check allows int and float only
        if type(node) is ast.Name:
            if node.id == VARIABLE:
                return self.epochs[idx]
            return np.full(n, CONSTANTS[node.id])
        if type(node) is ast.BinOp:
            a = self.eval(node.left, idx)
            b = self.eval(node.right, idx)
            return self.binop(type(node.op), a, b, idx)
        if type(node) is ast.UnaryOp:
            a = self.eval(node.operand, idx)
            if type(node.op) is ast.Not:
                return (a == 0).astype(np.int64)
            return -a if type(node.op) is ast.USub else a
        if type(node) is ast.BoolOp:
            return self.boolop(node, idx)
        if type(node) is ast.Compare:
            return self.compare_chain(node, idx)
        if type(node) is ast.IfExp:
            truth = self.eval(node.test, idx) != 0
            pos = np.arange(n)
            return _merge(
                n,
                [
                    (pos[truth], self.eval(node.body, idx[truth]) if truth.any() else None),
                    (pos[~truth], self.eval(node.orelse, idx[~truth]) if not truth.all() else None),
                ],
            )
        if type(node) is ast.Call:
            return self.call(node, idx)
        raise _Fallback  # pragma: no cover - the whitelist has nothing else

    # -- operators

    def binop(self, op: type, a: np.ndarray, b: np.ndarray, idx: np.ndarray) -> np.ndarray:
        ints = _is_int(a) and _is_int(b)
        if op in (ast.Add, ast.Sub, ast.Mult):
            fn = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply}[op]
            if ints:
                ma, mb = _absmax(a), _absmax(b)
                if (ma * mb if op is ast.Mult else ma + mb) >= _SAFE_INT:
                    raise _Fallback
                return fn(a, b)
            return fn(a.astype(np.float64), b.astype(np.float64))
        if op is ast.Pow:
            return self.power(a, b, idx)
        zero = b == 0
        if zero.any():  # ZeroDivisionError in Python
            self.fail(idx, zero)
            b = np.where(zero, 1, b).astype(b.dtype)
        if op is ast.Div:
            if ints and max(_absmax(a), _absmax(b)) > _EXACT_FLOAT_INT:
                raise _Fallback  # Python divides big ints exactly, then rounds once
            return a.astype(np.float64) / b.astype(np.float64)
        fn = np.floor_divide if op is ast.FloorDiv else np.remainder  # Python's floor rules
        if ints:
            return fn(a, b)
        return fn(a.astype(np.float64), b.astype(np.float64))

    def power(self, a: np.ndarray, b: np.ndarray, idx: np.ndarray) -> np.ndarray:
        if not (_is_int(a) and _is_int(b)):
            return self.float_power(a.astype(np.float64), b.astype(np.float64), idx)
        negative = b < 0
        if not negative.any():  # int ** int >= 0: an exact int
            bits = b * np.log2(np.maximum(np.abs(a), 1).astype(np.float64))
            if bits.size and bits.max() >= 61:
                raise _Fallback
            return np.power(a, b)
        # int ** negative int is float ** float in Python (0 ** -1 raises)
        out = np.empty(len(a))
        ok = ~negative
        if ok.any():
            out[ok] = self.power(a[ok], b[ok], idx[ok])
        out[negative] = self.float_power(
            a[negative].astype(np.float64), b[negative].astype(np.float64), idx[negative]
        )
        return out

    def float_power(self, a: np.ndarray, b: np.ndarray, idx: np.ndarray) -> np.ndarray:
        finite_b = np.isfinite(b)
        zero = (a == 0) & (b < 0) & finite_b  # ZeroDivisionError
        complex_ = np.isfinite(a) & (a < 0) & finite_b & (b != np.floor(b))  # Python: complex
        bad = zero | complex_
        self.fail(idx, bad)
        return self.libm(operator.pow, None, idx, ~bad, a, b)

    def libm(
        self,
        py: Callable[..., float],
        vec: Callable[..., np.ndarray] | None,
        idx: np.ndarray,
        ok: np.ndarray,
        *args: np.ndarray,
    ) -> np.ndarray:
        """py(*args) elementwise where ``ok`` (1.0 elsewhere): Python's math (PyTorch's
        bits), or ``vec``, numpy's form where it is the same bits (VECTORISED). A float
        result out of range fails."""
        out = np.ones(len(idx))
        where = np.flatnonzero(ok)
        if not where.size:
            return out
        sub = [x[where] for x in args]
        if vec is None:
            values, failed = [], []
            for i, xs in enumerate(zip(*(s.tolist() for s in sub), strict=True)):
                try:
                    values.append(py(*xs))
                except (ArithmeticError, ValueError):
                    values.append(1.0)
                    failed.append(i)
            result = np.array(values, dtype=np.float64)
            if failed:
                self.failed[idx[where[failed]]] = True
        else:
            result = vec(*sub)
            overflow = np.isinf(result)
            for s in sub:
                overflow &= np.isfinite(s)
            self.failed[idx[where[overflow]]] = True
        out[where] = result
        return out

    # -- comparisons and logic

    def compare(self, op: type, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        if _is_int(a) != _is_int(b):
            ints = a if _is_int(a) else b
            if _absmax(ints) > _EXACT_FLOAT_INT:
                raise _Fallback  # Python compares an int and a float exactly
        return _COMPARE[op][1](a, b)

    def compare_chain(self, node: ast.Compare, idx: np.ndarray) -> np.ndarray:
        result = np.zeros(len(idx), dtype=np.int64)
        active = np.arange(len(idx))
        left = self.eval(node.left, idx)
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self.eval(comparator, idx[active])
            holds = self.compare(type(op), left, right)
            result[active] = holds
            active, left = active[holds], right[holds]
            if not active.size:
                break
        return result

    def boolop(self, node: ast.BoolOp, idx: np.ndarray) -> np.ndarray:
        is_and = type(node.op) is ast.And
        pieces: list[tuple[np.ndarray, np.ndarray | None]] = []
        pos = np.arange(len(idx))
        last = len(node.values) - 1
        for i, item in enumerate(node.values):
            values = self.eval(item, idx[pos])
            if i == last:
                pieces.append((pos, values))
                break
            stop = (values == 0) if is_and else (values != 0)  # nan is truthy
            pieces.append((pos[stop], values[stop]))
            pos = pos[~stop]
            if not pos.size:
                break
        return _merge(len(idx), pieces)

    # -- functions

    def call(self, node: ast.Call, idx: np.ndarray) -> np.ndarray:
        name = node.func.id  # type: ignore[attr-defined]
        args = [self.eval(arg, idx) for arg in node.args]
        if name in ("min", "max"):  # Python keeps the first unless a later one is less/greater
            better = ast.Lt if name == "min" else ast.Gt
            result = args[0]
            for value in args[1:]:
                result = np.where(self.compare(better, value, result), value, result)
            return result
        x = args[0]
        if name == "abs":
            return np.abs(x)
        if name in ("floor", "ceil"):
            if _is_int(x):
                return x
            bad = ~np.isfinite(x)  # floor(inf): OverflowError, floor(nan): ValueError
            self.fail(idx, bad)
            x = np.where(bad, 0.0, x)
            x = np.floor(x) if name == "floor" else np.ceil(x)
            if x.size and np.abs(x).max() >= _SAFE_INT:
                raise _Fallback
            return x.astype(np.int64)
        x = x.astype(np.float64)
        ok = np.ones(len(x), dtype=bool)
        if name == "log":
            ok = ~(x <= 0)  # log of 0 or less: ValueError (nan is fine: nan)
            if len(args) == 2:
                base = args[1].astype(np.float64)
                ok &= ~(base <= 0)
                self.fail(idx, ~ok)
                num = self.libm(math.log, None, idx, ok, x)
                den = self.libm(math.log, None, idx, ok, base)
                zero = ok & (den == 0)  # log(x, 1): ZeroDivisionError
                self.fail(idx, zero)
                return num / np.where(zero, 1.0, den)
        elif name == "sqrt":
            ok = ~(x < 0)
        elif name in ("cos", "sin"):
            ok = ~np.isinf(x)
        self.fail(idx, ~ok)
        return self.libm(FUNCTIONS[name], VECTORISED.get(name), idx, ok, x)


def _merge(n: int, pieces: list[tuple[np.ndarray, np.ndarray | None]]) -> np.ndarray:
    """Assemble values computed on disjoint subsets (a float anywhere makes all floats)."""
    used = [(pos, values) for pos, values in pieces if values is not None and pos.size]
    dtype = np.result_type(*(values.dtype for _, values in used)) if used else np.int64
    out = np.zeros(n, dtype=dtype)
    for pos, values in used:
        out[pos] = values
    return out
