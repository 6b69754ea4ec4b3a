"""A launch script's words, read as text: a small subset of bash, never executed.

:func:`commands` splits a script into its simple commands, each a list of
:class:`Word` after bash's expansions of the script's own variables:

* backslash-newline continuations, ``#`` comments, ``'...'`` and ``"..."`` quotes
  (``\\`` escapes in double quotes), ``;``, ``&&``, ``||``, ``|``, ``&`` and newlines
  between commands;
* assignments ``NAME=value``, ``NAME+=value``, ``export``/``declare``/``local``/
  ``readonly NAME=value``, arrays ``NAME=(a b c)`` over several lines;
* expansions ``$NAME``, ``${NAME}``, ``${NAME:-default}`` (also ``-``, ``:=``, ``=``;
  defaults nest), ``${NAME[@]}``/``${NAME[*]}``, split into words where bash splits
  them (unquoted); ``$((...))`` of integers and known integer variables.

What it cannot know (a variable the script does not set, ``$(...)``, backticks, ``$1``)
makes the word *unknown*: :attr:`Word.unknown` names what it came from, and the
reader decides whether that matters. A variable set to different values in the
branches of an ``if``/``case`` (or a loop), or set before one and again inside it, is
unknown too: which assignment runs depends on the run. (Arrays keep their last
value.) The script of ``bash -c "..."`` is read as commands too, its unknowns staying
unknown. Everything else of bash (functions, here-documents) is read as plain words.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from itertools import pairwise

from ..errors import LrplotError

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASSIGN = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)(\+?)=")
_DECLARE = frozenset({"export", "declare", "local", "readonly", "typeset"})
_SEPARATORS = ";&|\n()"

# a variable's text: (known text, None, line) and ("", what, line) for what the script
# does not give (line 0: not known, the line where it is used)
Text = list[tuple[str, str | None, int]]


@dataclass(frozen=True)
class Word:
    """One word of a command after expansion, and the line it starts on."""

    text: str
    line: int
    unknown: str | None = None  # what made it unknown (``$DATA``), if anything
    alone: bool = False  # unknown and unquoted on its own: it could be several words
    script: str | None = None  # an unknown word's text as a script, unknowns as ${...}


# a word before expansion: its pieces, (kind, text, quoted) with kind "lit", "var"
# (text: the ${...} inside), "unknown" (text: what it is)
Piece = tuple[str, str, bool, int]  # ..., and the line it is on


@dataclass
class _Raw:
    pieces: list[Piece]
    line: int
    array: list[_Raw] | None = None  # NAME=( ... ): the elements


class _Lexer:
    def __init__(self, text: str, where: str, line: int = 1) -> None:
        self.text = text
        self.i = 0
        self.line = line
        self.where = where

    def error(self, message: str) -> LrplotError:
        return LrplotError(f"{self.where}, line {self.line}: {message}")

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < len(self.text) else ""

    def take(self) -> str:
        c = self.text[self.i]
        self.i += 1
        if c == "\n":
            self.line += 1
        return c

    def skip_blanks(self, newlines: bool) -> None:
        """Spaces, continuations and comments (and newlines, inside an array)."""
        while self.i < len(self.text):
            c = self.peek()
            if c in " \t\r" or (newlines and c == "\n"):
                self.take()
            elif c == "\\" and self.peek(1) == "\n":
                self.take()
                self.take()
            elif c == "#":
                while self.i < len(self.text) and self.peek() != "\n":
                    self.take()
            else:
                return

    def command(self) -> list[_Raw] | None:
        """The next simple command's raw words (None at the end of the text)."""
        words: list[_Raw] = []
        while True:
            self.skip_blanks(newlines=False)
            if self.i >= len(self.text):
                return words if words else None
            c = self.peek()
            if c in _SEPARATORS:
                self.take()
                if words:
                    return words
                continue
            if c in "<>":  # a redirection: the operator goes, its target stays a word
                while self.peek() and self.peek() in "<>&":
                    self.take()
                continue
            words.append(self.word())

    def word(self) -> _Raw:
        line = self.line
        pieces: list[Piece] = []
        start = self.i
        while self.i < len(self.text):
            c = self.peek()
            if c in " \t\r" or c in _SEPARATORS or c in "<>":
                if c == "(" and self.i > start and _ASSIGN.fullmatch(self.text[start : self.i]):
                    self.take()
                    return _Raw(pieces, line, self.array())
                break
            if c == "\\":
                self.take()
                if self.peek() == "\n":
                    self.take()
                elif self.i < len(self.text):
                    pieces.append(self.lit(True))
            elif c == "'":
                self.take()
                end = self.text.find("'", self.i)
                if end < 0:
                    raise self.error("a ' quote is not closed")
                chunk, at = self.text[self.i : end], self.line
                while self.i <= end:
                    self.take()
                pieces.append(("lit", chunk, True, at))
            elif c == '"':
                self.take()
                self.double_quoted(pieces)
            elif c == "$":
                pieces.append(self.dollar(quoted=False))
            elif c == "`":
                pieces.append(self.backticks(quoted=False))
            else:
                pieces.append(self.lit(False))
        return _Raw(pieces, line)

    def double_quoted(self, pieces: list[Piece]) -> None:
        while True:
            if self.i >= len(self.text):
                raise self.error('a " quote is not closed')
            c = self.peek()
            if c == '"':
                self.take()
                return
            if c == "\\" and self.peek(1) in '$`"\\\n':
                self.take()
                at = self.line
                nxt = self.take()
                if nxt != "\n":
                    pieces.append(("lit", nxt, True, at))
            elif c == "$":
                pieces.append(self.dollar(quoted=True))
            elif c == "`":
                pieces.append(self.backticks(quoted=True))
            else:
                pieces.append(self.lit(True))

    def backticks(self, quoted: bool) -> Piece:
        """A `command` substitution: skipped, its value unknown (never run)."""
        self.take()
        end = self.text.find("`", self.i)
        if end < 0:
            raise self.error("a ` quote is not closed")
        while self.i <= end:
            self.take()
        return ("unknown", "`...`", quoted, self.line)

    def lit(self, quoted: bool) -> Piece:
        """The next character as literal text."""
        at = self.line
        return ("lit", self.take(), quoted, at)

    def dollar(self, quoted: bool) -> Piece:
        at = self.line
        self.take()  # $
        c = self.peek()
        if c == "{":
            end = self._brace_end()
            inner = self.text[self.i + 1 : end]
            while self.i <= end:
                self.take()
            return ("var", inner, quoted, at)
        if c == "(" and self.peek(1) == "(":  # $(( arithmetic ))
            end = self._arithmetic_end()
            if end >= 0:
                inner = self.text[self.i + 2 : end]
                while self.i < end + 2:
                    self.take()
                return ("arith", inner, quoted, at)
        if c == "(":
            depth = 0
            while self.i < len(self.text):
                ch = self.take()
                depth += ch == "("
                depth -= ch == ")"
                if depth == 0:
                    break
            return ("unknown", "$(...)", quoted, at)
        m = _NAME.match(self.text, self.i)
        if m:
            while self.i < m.end():
                self.take()
            return ("var", m.group(), quoted, at)
        if c and (c.isdigit() or c in "@*#?$!-"):
            self.take()
            return ("unknown", "$" + c, quoted, at)
        return ("lit", "$", quoted, at)

    def _arithmetic_end(self) -> int:
        """Where the ``))`` of the ``$((`` at self.i starts (-1: none)."""
        depth = 0
        for j in range(self.i + 2, len(self.text)):
            c = self.text[j]
            if c == "(":
                depth += 1
            elif c == ")":
                if depth == 0:
                    return j if self.text[j + 1 : j + 2] == ")" else -1
                depth -= 1
        return -1

    def _brace_end(self) -> int:
        """Where the ``}`` of the ``${`` at self.i is: past nested ``${...}`` and quotes
        (``${LOG_DIR:-"${PWD}/logs"}``)."""
        j, depth, double = self.i + 1, 1, False
        text = self.text
        while j < len(text):
            c = text[j]
            if c == "\\":
                j += 2
                continue
            if c == "'" and not double:
                close = text.find("'", j + 1)
                j = close + 1 if close >= 0 else len(text)
                continue
            if c == '"':
                double = not double
            elif c == "$" and text[j + 1 : j + 2] == "{":
                depth += 1
                j += 1
            elif c == "}":
                depth -= 1
                if depth == 0:
                    return j
            j += 1
        raise self.error("a ${ is not closed")

    def array(self) -> list[_Raw]:
        items: list[_Raw] = []
        while True:
            self.skip_blanks(newlines=True)
            if self.i >= len(self.text):
                raise self.error("an array ( is not closed")
            if self.peek() == ")":
                self.take()
                return items
            items.append(self.word())


class _Field:
    """A word being built by expansion."""

    def __init__(self) -> None:
        self.text = ""
        self.line = 0  # where its first piece is
        self.unknown: str | None = None
        self.solid = False  # holds text, or quotes (a quoted "" is a word)
        self.quoted_unknown = False
        self.script = ""  # the text with each unknown as a placeholder ${name}

    def add(self, text: str, line: int) -> None:
        self.line = self.line or line
        self.text += text
        self.script += text
        self.solid = True

    def mark(self, what: str, quoted: bool, line: int, placeholder: str) -> None:
        self.line = self.line or line
        self.unknown = self.unknown or what
        self.quoted_unknown = self.quoted_unknown or quoted
        self.script += placeholder

    @property
    def empty(self) -> bool:
        return not self.solid and self.unknown is None

    def word(self, line: int) -> Word:
        alone = self.unknown is not None and not self.solid and not self.quoted_unknown
        script = self.script if self.unknown is not None else None
        return Word(self.text, self.line or line, self.unknown, alone, script)


@dataclass
class Array:
    """An array variable's elements."""

    items: list[Text]


class Script:
    """A script's variables, set as its commands are read in order. A value is text
    (:data:`Text`: its known pieces and its unknown ones, kept apart so that the known
    words of ``ARGS="--lr 1e-4 --data $DATA"`` stay known), or an :class:`Array`."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.variables: dict[str, Text | Array] = {}
        self.depth = 0  # inside how many if/case/loop blocks
        self.set_at: dict[str, tuple[Text, int, bool]] = {}  # value, line, in a block
        self.placeholders: dict[str, str] = {}  # placeholder name -> what is unknown

    def placeholder(self, what: str) -> str:
        """``${name}`` standing for an unknown in a text read again as a script."""
        for name, known in self.placeholders.items():
            if known == what:
                return "${" + name + "}"
        name = f"__lrplot_unknown_{len(self.placeholders)}"
        self.placeholders[name] = what
        return "${" + name + "}"

    def _lookup(self, inner: str) -> list[Text]:
        """The value of ``${inner}``: one text, or an array's elements (``[@]``, ``[*]``)."""
        m = re.fullmatch(r"([A-Za-z_][A-Za-z0-9_]*)(\[([@*]|\d+)\])?(?:(:?[-=])(.*))?", inner, re.S)
        if not m:
            return [[("", "${" + inner + "}", 0)]]
        name, index, op, default = m.group(1), m.group(3), m.group(4), m.group(5)
        if name in self.placeholders:
            return [[("", self.placeholders[name], 0)]]
        value = self.variables.get(name)
        empty = value is None or value == [] or (isinstance(value, Array) and not value.items)
        if op is not None and (value is None or (op.startswith(":") and empty)):
            pieces = _Lexer(default or "", self.where).word().pieces
            value = self.text([(k, t, q, 0) for k, t, q, _ in pieces])  # lines: where used
            if op.endswith("="):
                self.variables[name] = value
        if value is None:
            return [[("", "$" + name, 0)]]
        if isinstance(value, Array):
            if index in ("@", "*"):
                return value.items
            k = int(index) if index else 0
            return [value.items[k] if k < len(value.items) else []]
        return [value]

    def _values(self, kind: str, inner: str) -> list[Text]:
        """A ``var`` piece's value (:meth:`_lookup`), or an ``arith`` one's."""
        if kind == "arith":
            return [self._arithmetic(inner)]
        return self._lookup(inner)

    def _arithmetic(self, inner: str) -> Text:
        """``$((...))`` of integers and the script's integer variables (+ - * / % and
        parentheses, bash's integer division), else unknown."""
        unknown: Text = [("", "$((" + inner + "))", 0)]

        def number(m: re.Match[str]) -> str:
            value = self.variables.get(m.group(1) or m.group(2) or m.group(3))
            if not isinstance(value, list) or any(u is not None for _, u, _ in value):
                raise ValueError
            text = "".join(t for t, _, _ in value).strip()
            if not re.fullmatch(r"-?\d+", text):
                raise ValueError
            return f"({text})"

        try:
            expr = re.sub(r"\$\{(\w+)\}|\$(\w+)|\b([A-Za-z_]\w*)\b", number, inner)
            if not re.fullmatch(r"[\d\s+\-*/%()]*", expr) or "**" in expr:
                return unknown
            return [(str(_evaluate(ast.parse(expr.strip(), mode="eval").body)), None, 0)]
        except (ValueError, SyntaxError, ZeroDivisionError, RecursionError):
            return unknown

    def text(self, pieces: list[Piece]) -> Text:
        """Pieces as one text, unsplit (an assignment's value; a default)."""
        out: Text = []
        for kind, text, _quoted, line in pieces:
            if kind == "lit":
                out.append((text, None, line))
            elif kind == "unknown":
                out.append(("", text, line))
            else:
                for n, item in enumerate(self._values(kind, text)):
                    if n:
                        out.append((" ", None, line))
                    out += item
        return out

    def expand(self, raw: _Raw) -> list[Word]:
        """bash's expansion and word splitting of one raw word."""
        fields = [_Field()]
        for kind, text, quoted, line in raw.pieces:
            if kind == "lit":
                fields[-1].add(text, line)
                continue
            if kind == "unknown":
                fields[-1].mark(text, quoted, line, self.placeholder(text))
                continue
            for n, item in enumerate(self._values(kind, text)):
                if n:
                    fields.append(_Field())  # an array's elements are words of their own
                for chunk, unknown, at in item:
                    at = at or line  # 0: where it is used
                    if unknown is not None:
                        fields[-1].mark(unknown, quoted, at, self.placeholder(unknown))
                    elif quoted:
                        fields[-1].add(chunk, at)
                    else:
                        for part in re.split(r"(\s+)", chunk):
                            if part.isspace():
                                if not fields[-1].empty:
                                    fields.append(_Field())
                            elif part:
                                fields[-1].add(part, at)
                if quoted and fields[-1].unknown is None:
                    fields[-1].solid = True  # "" is a word
        return [f.word(raw.line) for f in fields if not f.empty]

    def assign(self, raw: _Raw) -> bool:
        """Set a variable if the raw word is an assignment (True), else False."""
        head = ""
        m = None
        for kind, text, quoted, _line in raw.pieces:
            if kind != "lit" or quoted:
                break
            head += text
            m = _ASSIGN.fullmatch(head)
            if m:
                break
        if m is None:
            return False
        name, append = m.group(1), bool(m.group(2))
        old = self.variables.get(name)
        if raw.array is not None:
            items: list[Text] = []
            for element in raw.array:
                for w in self.expand(element):
                    unknown = [("", w.unknown, w.line)] if w.unknown else []
                    items.append([(w.text, None, w.line), *unknown])
            if append and isinstance(old, Array):
                items = old.items + items
            self.variables[name] = Array(items)
        else:
            value = self.text(_drop(raw.pieces, m.end()))
            if append and isinstance(old, list):
                value = old + value
            self.variables[name] = self._branched(name, value, raw.line)
        return True

    def _branched(self, name: str, value: Text, line: int) -> Text:
        """The value, or an unknown one when a block may or may not have set it: set in
        a block to a value other than the one before (or than another branch's)."""
        before = self.set_at.get(name)
        self.set_at[name] = (value, line, self.depth > 0)
        if self.depth == 0 or before is None:
            return value
        old, old_line, _ = before
        plain = [(t, u) for t, u, _ in value]
        if plain == [(t, u) for t, u, _ in old]:
            self.set_at[name] = before
            return value
        what = (
            f"${name} (set to {_shown(old)} on line {old_line} and to {_shown(value)} on line "
            f"{line}, in the branches of an if, case or loop: which one runs is not in the "
            "script)"
        )
        self.set_at[name] = ([("", what, line)], line, True)
        return [("", what, line)]


def _shown(value: Text) -> str:
    """A variable's value for a message: its known text, ``?`` for what is not known."""
    text = "".join(t if u is None else "?" for t, u, _ in value)
    if len(text) > 40:
        text = text[:37] + "..."
    return repr(text) if not re.fullmatch(r"[\w.+-]+", text) else text


def _evaluate(node: ast.expr) -> int:
    """An integer expression of + - * / % as bash computes it (division truncates)."""
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        value = _evaluate(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp):
        a, b = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Add):
            return a + b
        if isinstance(node.op, ast.Sub):
            return a - b
        if isinstance(node.op, ast.Mult):
            return a * b
        if isinstance(node.op, ast.Div | ast.FloorDiv | ast.Mod):
            if b == 0:
                raise ZeroDivisionError
            quotient = abs(a) // abs(b) * (1 if (a < 0) == (b < 0) else -1)
            return quotient if not isinstance(node.op, ast.Mod) else a - b * quotient
    raise ValueError


def _drop(pieces: list[Piece], count: int) -> list[Piece]:
    """The pieces after the first ``count`` characters of literal text."""
    out: list[Piece] = []
    for kind, text, quoted, line in pieces:
        if count <= 0:
            out.append((kind, text, quoted, line))
        elif len(text) <= count:
            count -= len(text)
        else:
            out.append((kind, text[count:], quoted, line))
            count = 0
    return out


def commands(text: str, where: str) -> list[list[Word]]:
    """The script's commands other than assignments, each as its expanded words; the
    assignments set the variables of the commands after them. The script of a
    ``bash -c "..."`` (``srun bash -c ...``) is read as commands too."""
    out: list[list[Word]] = []
    _read(text, where, Script(where), out, 0)
    return out


_OPEN = frozenset({"if", "case", "for", "while", "until", "select"})
_CLOSE = frozenset({"fi", "esac", "done"})
_BRANCH = frozenset({"then", "else", "elif", "do"})


def _read(
    text: str, where: str, script: Script, out: list[list[Word]], depth: int, line: int = 1
) -> None:
    lexer = _Lexer(text, where, line)
    while True:
        raw = lexer.command()
        if raw is None:
            return
        words = raw
        while words and _plain(words[0]) in _BRANCH | _CLOSE:
            if _plain(words[0]) in _CLOSE:
                script.depth = max(script.depth - 1, 0)
            words = words[1:]
        if words and _plain(words[0]) in _OPEN:
            script.depth += 1
        if not words:
            continue
        if words and _plain(words[0]) in _DECLARE:
            words = [w for w in words[1:] if not _plain(w).startswith("-")]
            for w in words:
                script.assign(w)
            continue
        k = 0
        while k < len(words) and script.assign(words[k]):
            k += 1
        if k == len(words):
            continue
        expanded = [w for raw_word in words[k:] for w in script.expand(raw_word)]
        if not expanded:
            continue
        out.append(expanded)
        for before, after in pairwise(expanded):
            if before.text == "-c" and not after.alone and depth < 3:
                inner = after.text if after.script is None else after.script
                _read(inner, where, script, out, depth + 1, after.line)


def _plain(raw: _Raw) -> str:
    """A raw word's literal text, if it is only literal text."""
    if all(piece[0] == "lit" for piece in raw.pieces):
        return "".join(piece[1] for piece in raw.pieces)
    return ""
