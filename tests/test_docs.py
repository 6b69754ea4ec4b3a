"""The docs are tested: every example in them runs, and what they show is what lrplot prints.

The conventions (docs/contributing.md, "Writing docs"):

* A ```` ```console ```` block holds commands, each on a line starting with ``$ lrplot``
  (or ``$ COLUMNS=80 lrplot``: variables set for it; a trailing ``\\`` continues it on
  the next line). The lines beneath a command, up to
  the next ``$``, are its output: they must appear in what it prints, in order (a line
  ``...`` stands for any number of lines). A command exits 0, unless the line ends with
  a comment ``# exit N``. ``| head -N`` (and ``| tail -N``) may follow a command.
* A ```` ```toml ````, ```` ```yaml ```` or ```` ```text ```` block whose first line is
  ``# NAME.EXT`` (a bare file name) is a file: it is written to the folder the page's
  commands run in. ``sample_configs/`` is there too (a copy).
* A ```` ```python ```` block runs, the page's blocks one after another in one namespace
  (a notebook); illustrative code that needs torch is fenced as ```` ```py ````.

The pages are checked after the mkdocs hook (docs/hooks.py) has generated their tables,
so the generated examples (one per schedule) run too.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import ENV, TERMINAL, cli_runner, plain

from lrplot.cli import app
from lrplot.schedules import REGISTRY

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
README = ROOT / "README.md"
SAMPLES = ROOT / "sample_configs"


QUICK_START = (
    "pip install -e . && lrplot cosine --t-max 50 --epochs 100",
    'pip install -e ".[test]" && pytest',
)


def _load_hooks():
    spec = importlib.util.spec_from_file_location("lrplot_docs_hooks", DOCS / "hooks.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hooks = _load_hooks()


# --- reading the pages ------------------------------------------------------------------


@dataclass
class Block:
    page: str
    line: int  # 1-based line of the opening fence
    lang: str
    text: str


@dataclass
class Example:
    page: str
    line: int
    command: str  # as written, continuation lines joined
    expected: list[str] = field(default_factory=list)
    exit_code: int = 0

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def pages() -> list[Path]:
    return [*sorted(DOCS.glob("*.md")), README]


def page_name(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@functools.cache
def page_text(path: Path) -> str:
    """A page as the site shows it: docs pages with their generated tables."""
    text = path.read_text(encoding="utf-8")
    if path.parent == DOCS:
        text = hooks.render(text, path.name)
    return text


FENCE = re.compile(r"^(\s*)(`{3,})\s*([\w+-]*)")


def blocks(path: Path) -> list[Block]:
    """The fenced code blocks of a page (indented ones in list items too)."""
    out = []
    lines = page_text(path).splitlines()
    i = 0
    while i < len(lines):
        m = FENCE.match(lines[i])
        if not m:
            i += 1
            continue
        indent, ticks, lang = m.groups()
        start = i
        body = []
        i += 1
        while i < len(lines) and lines[i].strip() != ticks:
            body.append(lines[i][len(indent) :] if lines[i].startswith(indent) else lines[i])
            i += 1
        out.append(Block(page_name(path), start + 1, lang, "\n".join(body)))
        i += 1
    return out


EXIT = re.compile(r"\s+#\s*exit (\d+)\s*$")


def examples(block: Block) -> list[Example]:
    """The commands of a console block, with the output shown beneath each."""
    out: list[Example] = []
    lines = block.text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("$ "):
            number = block.line + 1 + i
            command = line[2:]
            while command.endswith("\\") and i + 1 < len(lines):
                i += 1
                command = command[:-1].rstrip() + " " + lines[i].strip()
            code = 0
            m = EXIT.search(command)
            if m:
                code = int(m.group(1))
                command = command[: m.start()]
            out.append(Example(block.page, number, command.strip(), exit_code=code))
        elif out:
            out[-1].expected.append(line)
        else:
            raise AssertionError(f"{block.page}:{block.line}: console text before any '$ ' line")
        i += 1
    return out


def all_blocks() -> list[Block]:
    return [b for path in pages() for b in blocks(path)]


def all_examples() -> list[Example]:
    return [e for b in all_blocks() if b.lang == "console" for e in examples(b)]


FILE_NAME = re.compile(r"^#\s*([\w.-]+\.\w+)\s*$")


def page_files(page: str) -> dict[str, str]:
    """The files a page defines (a toml/yaml/text block whose first line is '# NAME')."""
    out = {}
    for b in blocks(ROOT / page):
        if b.lang in ("toml", "yaml", "text"):
            first = b.text.splitlines()[0] if b.text else ""
            m = FILE_NAME.match(first)
            if m:
                out[m.group(1)] = b.text + "\n"
    return out


# --- running them -----------------------------------------------------------------------


ASSIGNMENT = re.compile(r"^([A-Z_][A-Z0-9_]*)=(.*)$")


def split_command(example: Example) -> tuple[dict[str, str], list[str], list[str]]:
    """(the environment set before it: COLUMNS=80, lrplot's arguments, the pipe after
    it: ['head', '-3'] or [])."""
    tokens = shlex.split(example.command)
    env = {}
    while tokens and ASSIGNMENT.match(tokens[0]):
        name, value = ASSIGNMENT.match(tokens.pop(0)).groups()
        env[name] = value
    assert tokens and tokens[0] == "lrplot", f"{example.id}: a console example runs 'lrplot'"
    if "|" in tokens:
        at = tokens.index("|")
        return env, tokens[1:at], tokens[at + 1 :]
    return env, tokens[1:], []


def pipe(stdout: str, command: list[str], where: str) -> str:
    """What `head -N` / `tail -N` (or `-n N`, `-n +N`) leave of stdout."""
    assert command and command[0] in ("head", "tail"), f"{where}: only | head or | tail"
    args = command[1:]
    if args[:1] == ["-n"]:
        args = args[1:]
    count = args[0].lstrip("-") if args else "10"
    lines = stdout.splitlines(keepends=True)
    if command[0] == "head":
        return "".join(lines[: int(count)])
    if count.startswith("+"):
        return "".join(lines[int(count[1:]) - 1 :])
    return "".join(lines[-int(count) :])


def _normal(lines: list[str]) -> list[str]:
    lines = [line.rstrip() for line in lines]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def assert_shows(actual: str, expected: list[str], where: str) -> None:
    """The expected lines appear in the actual output, in order; '...' skips lines."""
    got = _normal(actual.splitlines())
    chunks: list[list[str]] = [[]]
    for line in _normal(expected):
        if line.strip() == "...":
            chunks.append([])
        else:
            chunks[-1].append(line)
    at = 0
    for chunk in (c for c in chunks if c):
        for start in range(at, len(got) - len(chunk) + 1):
            if got[start : start + len(chunk)] == chunk:
                at = start + len(chunk)
                break
        else:
            shown = "\n".join(chunk)
            raise AssertionError(f"{where}: the docs show\n{shown}\n\nbut lrplot printed\n{actual}")


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private working folder with a copy of sample_configs/."""
    shutil.copytree(SAMPLES, tmp_path / "sample_configs")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def run_example(example: Example, folder: Path) -> str:
    for name, text in page_files(example.page).items():
        (folder / name).write_text(text, encoding="utf-8")
    env, args, after = split_command(example)
    if "COLUMNS" in env and not after:  # "as in a terminal of COLUMNS": a terminal it is
        env = {**TERMINAL, **env}
    result = cli_runner({**ENV, **env}).invoke(app, args)
    # what a terminal shows: lrplot writes its notes (stderr) before the table (stdout);
    # joined here, not taken from result.output, which mixes them only on click 8.2+
    stdout = plain(result.stdout)
    shown = plain(result.stderr) + (pipe(stdout, after, example.id) if after else stdout)
    assert "Traceback" not in result.output, f"{example.id}\n{result.output}"
    assert result.exit_code == example.exit_code, (
        f"{example.id}: `{example.command}` exited {result.exit_code}, the docs say "
        f"{example.exit_code}\n{result.output}"
    )
    return shown


EXAMPLES = all_examples()


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_console_example(example: Example, folder: Path):
    """Every command in the docs runs, exits as they say, and prints what they show."""
    shown = run_example(example, folder)
    if example.expected:
        assert_shows(shown, example.expected, f"{example.id}: `{example.command}`")


PYTHON_PAGES = sorted({b.page for b in all_blocks() if b.lang == "python"})


@pytest.mark.parametrize("page", PYTHON_PAGES)
def test_python_examples(page: str, folder: Path):
    """Every ```python block runs (a page's blocks in order, in one namespace)."""
    namespace: dict[str, object] = {"__name__": "__docs__"}
    for b in blocks(ROOT / page):
        if b.lang == "python":
            code = compile(b.text, f"{b.page}:{b.line}", "exec")
            exec(code, namespace)


def test_python_examples_compile():
    """Every ```python block is valid Python (the README's too)."""
    for b in all_blocks():
        if b.lang == "python":
            compile(b.text, f"{b.page}:{b.line}", "exec")


# --- the rules of the docs --------------------------------------------------------------


def test_examples_were_found():
    """The extraction works: the docs have examples on most pages, with output."""
    assert len(EXAMPLES) >= 60
    assert sum(bool(e.expected) for e in EXAMPLES) >= 20
    assert any(e.exit_code == 2 for e in EXAMPLES)
    assert any(e.exit_code == 1 for e in EXAMPLES)
    assert {"README.md", "docs/api.md"} <= set(PYTHON_PAGES)


def test_readme_is_an_entrance():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    sh = [b for b in blocks(README) if b.lang == "sh" and b.text.strip() in quick]
    assert sh, "the quick start has a sh block"
    assert [line.strip() for line in sh[0].text.splitlines()] == list(QUICK_START)
    for target in re.findall(r"\]\((docs/[^)#]+)", text):
        assert (ROOT / target).exists(), target


def test_every_page_leads_with_a_runnable_example():
    for path in sorted(DOCS.glob("*.md")):
        if path.name == "contributing.md":
            continue
        first = next((b for b in blocks(path)), None)
        assert first is not None and first.lang in ("console", "python"), path.name


def test_console_blocks_hold_only_lrplot_commands():
    for b in all_blocks():
        if b.lang == "console":
            for e in examples(b):
                split_command(e)  # asserts it is an lrplot command


def test_catalog_lists_every_schedule():
    catalog = hooks.render("<!-- lrplot:catalog -->", "schedules.md")
    rows = [line for line in catalog.splitlines() if line.startswith("| [")]
    assert [re.match(r"\| \[`([^`]+)`\]", row).group(1) for row in rows] == list(REGISTRY)
    reference = page_text(DOCS / "schedules.md")
    for name, d in REGISTRY.items():
        assert f"### `{name}` {{ #{name} }}" in reference
        for p in d.params:
            assert f"`{p.option}`" in reference, p.option


def test_every_option_of_every_command_is_documented():
    """The generated tables cover the whole command line."""
    import click

    text = "\n".join(page_text(p) for p in sorted(DOCS.glob("*.md")))
    group = app
    ctx = click.Context(group, info_name="lrplot")
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if hasattr(command, "list_commands"):  # check: the schedules' options again
            continue
        for p in command.params:
            for option in p.opts:
                if option.startswith("--") and option != "--help":
                    assert f"`{option}`" in text, f"lrplot {name} {option}"


def test_markers_are_all_known_and_replaced():
    for path in sorted(DOCS.glob("*.md")):
        assert not hooks.MARKER.search(page_text(path)), path.name
    with pytest.raises(ValueError, match="unknown docs marker"):
        hooks.render("<!-- lrplot:nonsense -->")


def test_generation_imports_no_matplotlib():
    code = textwrap.dedent(
        f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("h", {str(DOCS / "hooks.py")!r})
        hooks = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(hooks)
        for page in {[p.name for p in DOCS.glob("*.md")]!r}:
            text = open({str(DOCS)!r} + "/" + page, encoding="utf-8").read()
            hooks.render(text, page)
        assert "matplotlib" not in sys.modules, "the docs build imported matplotlib"
        """
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr


def test_mkdocs_build_strict(tmp_path: Path):
    for module in ("mkdocs", "material"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[docs]')")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-q", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    catalog = (tmp_path / "site" / "schedules" / "index.html").read_text(encoding="utf-8")
    for name in REGISTRY:
        assert f'id="{name}"' in catalog, name


def test_schedule_counts_in_the_docs_are_current():
    """A page that counts the schedules counts the registry."""
    for path in [README, *sorted(DOCS.glob("*.md"))]:
        for count in re.findall(r"(\d+) schedules: all of", path.read_text()):
            assert int(count) == len(REGISTRY), path
