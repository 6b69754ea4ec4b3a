"""The shape of the code: imports flow one way, and only a schedule's own module names it.

Both checks read the source with ``ast`` (nothing is imported to find the edges), so a
function-level (lazy) import counts as much as a module-level one; imports under
``if TYPE_CHECKING:`` do not (they never run).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "lrplot"
# the package's __init__ is the public root (a lazy API over everything): it may import
# any module, so its own imports are left out of the graph
LEAF_ROOT = "lrplot"


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(ROOT.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement that runs: at module level or in functions, not under
    ``if TYPE_CHECKING:`` (its ``else:`` branch runs, and counts)."""
    found: list[ast.Import | ast.ImportFrom] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


def _edges(name: str, path: Path) -> set[str]:
    """The lrplot modules that ``name`` imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            # `from . import x` / `from .pkg import sub`: the submodule, when it is one
            targets = [
                f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module
                for a in node.names
            ]
        for target in targets:
            while target and target not in MODULES:  # import a.b.c: the deepest module
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def import_graph() -> dict[str, set[str]]:
    return {
        name: (set() if name == LEAF_ROOT else _edges(name, path)) for name, path in MODULES.items()
    }


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph as a path [a, b, ..., a], or None."""
    state: dict[str, int] = {}  # 1: on the stack, 2: done
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_graph_sees_lazy_imports_and_skips_type_checking() -> None:
    tree = ast.parse(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from .a import x\nelse:\n    from .b import y\n"
        "def f():\n    from .c import z\n"
    )
    modules = [n.module for n in _imports(tree) if isinstance(n, ast.ImportFrom)]
    assert modules == ["typing", "b", "c"]


def test_find_cycle_reports_the_path() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_known_edges_are_found() -> None:
    graph = import_graph()
    assert "lrplot.params" in graph["lrplot.schedules.base"]
    assert "lrplot.durations" in graph["lrplot.params"]
    assert "lrplot.schedules.base" in graph["lrplot.schedules"]
    assert "lrplot.durations" in graph["lrplot.plan"]


def test_no_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


@pytest.mark.parametrize("lower", ["lrplot.params", "lrplot.durations", "lrplot.errors"])
def test_bottom_modules_import_no_schedule_layer(lower: str) -> None:
    graph = import_graph()
    seen, todo = set(), [lower]
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo += graph[node]
    assert not {m for m in seen if m.startswith(("lrplot.spec", "lrplot.plan", "lrplot.sched"))}


# --- only a schedule's own module names it ----------------------------------------------

# Words that are registered schedule names but, where they are compared, mean something
# else: the run's vocabulary. A comparison whose other side is one of these attributes
# or variables is about that vocabulary, not about a schedule.
VOCABULARY = {
    "interval": "the run's interval: step or epoch",
    "shape": "a warmup's shape: linear, cosine or exponential",
}
# framework readers compare against their config format's own words (timm's sched
# "cosine", transformers' lr_scheduler_type "constant"): each declares them as WORDS
FRAMEWORK_WORDS = "WORDS"
# the rest, one by one: (module, word) -> what the word means there
ALLOWED = {
    ("lrplot.expr", "cos"): "the math function cos of lrplot's expression language",
}


def _schedule_names() -> set[str]:
    from lrplot.schedules import REGISTRY

    return {n for d in REGISTRY.values() for n in (d.name, *d.aliases)}


def _subject(node: ast.expr) -> str:
    """The attribute or variable a value is compared with: ``settings.interval`` ->
    interval."""
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def _strings(node: ast.AST) -> list[ast.Constant]:
    """String constants of a comparison operand: itself or a tuple/list/set's items."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [e for e in node.elts if isinstance(e, ast.Constant) and isinstance(e.value, str)]
    return []


def names_compared(tree: ast.AST, names: set[str]) -> list[tuple[int, str]]:
    """(line, word) of every registered name used to dispatch: compared (==, !=, in,
    not in), a dict key, or the argument of startswith/endswith/removeprefix."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            subjects = {_subject(o) for o in operands}
            if subjects & set(VOCABULARY):
                continue
            for operand in operands:
                found += [(c.lineno, c.value) for c in _strings(operand) if c.value in names]
        elif isinstance(node, ast.Dict):
            found += [
                (k.lineno, k.value)
                for k in node.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str) and k.value in names
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("startswith", "endswith", "removeprefix", "removesuffix")
        ):
            for arg in node.args:
                found += [
                    (c.lineno, c.value)
                    for c in _strings(arg)
                    if c.value.rstrip("-")
                    and any(n.startswith(c.value) or n == c.value for n in names)
                ]
    return found


def _framework_words(name: str) -> set[str]:
    if not name.startswith("lrplot.frameworks."):
        return set()
    import importlib

    return set(getattr(importlib.import_module(name), FRAMEWORK_WORDS, ()))


def test_the_name_check_catches_dispatch() -> None:
    names = {"cosine", "hf-linear", "step"}
    tree = ast.parse(
        'if d.name == "cosine": pass\n'
        'if s.name.startswith("hf-"): pass\n'
        'x = {"step": 1}\n'
        'if name in ("cosine", "other"): pass\n'
        'if settings.interval == "step": pass\n'  # the run's vocabulary: allowed
        'y = lookup("StepLR")\n'  # a class it reproduces: allowed
    )
    assert names_compared(tree, names) == [(1, "cosine"), (2, "hf-"), (3, "step"), (4, "cosine")]


def test_no_module_outside_schedules_dispatches_on_a_schedule_name() -> None:
    names = _schedule_names()
    bad = []
    for name, path in MODULES.items():
        if name.startswith("lrplot.schedules"):
            continue
        words = _framework_words(name)
        tree = ast.parse(path.read_text(encoding="utf-8"))
        bad += [
            f"{path.relative_to(ROOT.parent)}:{line}: {word!r}"
            for line, word in names_compared(tree, names)
            if word not in words and (name, word) not in ALLOWED
        ]
    assert not bad, "schedule names outside their modules:\n" + "\n".join(bad)


def test_schedule_modules_register_themselves() -> None:
    """A new schedule is one new module: lrplot/schedules/__init__.py lists none of them,
    and every module that declares schedules is loaded."""
    from lrplot.schedules import REGISTRY

    package = ROOT / "schedules"
    init = ast.parse((package / "__init__.py").read_text(encoding="utf-8"))
    imported = {n.module for n in _imports(init) if isinstance(n, ast.ImportFrom) and n.level == 1}
    assert imported <= {"base"}, imported

    def declares(path: Path) -> bool:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        return any(
            isinstance(d, ast.Call) and isinstance(d.func, ast.Name) and d.func.id == "schedule"
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef)
            for d in node.decorator_list
        )

    declaring = {p.stem for p in package.glob("*.py") if declares(p)}
    loaded = {d.lr_fn.__module__.rpartition(".")[2] for d in REGISTRY.values()}
    assert declaring == loaded
    assert "swa" in loaded
