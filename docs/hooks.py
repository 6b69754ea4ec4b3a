"""mkdocs hook: the reference tables of the docs, generated from lrplot's own declarations.

A page asks for a table with a marker on a line of its own; the hook replaces it before
the page is rendered, so the tables cannot drift from the code:

* ``<!-- lrplot:catalog -->``: every registered schedule (``lrplot.schedules.REGISTRY``):
  name, the class or function it reproduces, what it does;
* ``<!-- lrplot:schedules -->``: one section per schedule: formula, parameters (option,
  SPEC key, default, what it accepts, meaning) and its example command;
* ``<!-- lrplot:options GROUP -->``: a group of declared options, GROUP one of ``run``
  (``lrplot.engine.PARAMS`` without the plan and the groups), ``plan``
  (``lrplot.plan.PARAMS``), ``groups`` (``lrplot.groups.PARAMS``),
  ``metric`` (``lrplot.metrics.PARAMS``), ``warmup``
  (``lrplot.schedules.warmup.WARMUP_PARAMS``), or ``output`` (the Output options of
  ``lrplot compare``, read from the command line itself);
* ``<!-- lrplot:command NAME -->``: a command's arguments and its own options, read from
  the command line (``lrplot.cli.app``), with links to the option groups it shares;
* ``<!-- lrplot:include PATH -->``: a markdown file of the repository (PATH from its
  root), without its title, its headings one level down: benchmarks/README.md is
  written once and shown on the Speed page too.

It uses only long-standing fields (``ScheduleDef.name``, ``torch_class``, ``summary``,
``formula``, ``params``, ``aliases``, ``example``, ``needs_metric``; ``Param.option``,
``name``, ``help``, ``allowed()``, ``default_text()``) and never imports matplotlib.
``render(markdown)`` is what the test suite calls to see the generated pages.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # a checkout without `pip install -e .` still builds
    sys.path.insert(0, str(ROOT))

MARKER = re.compile(r"^<!-- lrplot:([a-z-]+)((?: [^ >]+)*) -->$", re.MULTILINE)

# The option groups that several commands share, and where the commands page lists them.
GROUP_ANCHORS = {
    "run": "commands.md#run-options",
    "plan": "planning.md#the-plan-options",
    "groups": "groups.md#the-group-options",
    "metric": "commands.md#plateaus-metric",
    "warmup": "compositions.md#warmup-options",
    "output": "commands.md#output-options",
}
GROUP_TITLES = {
    "run": "run",
    "plan": "training plan",
    "groups": "param groups",
    "metric": "metric (plateau)",
    "warmup": "warmup",
    "output": "output",
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any) -> str:
    """mkdocs' hook: the page's markdown, markers replaced by the generated tables."""
    here = page.file.src_uri if page is not None else ""
    return render(markdown, here)


def render(markdown: str, page: str = "") -> str:
    """Replace every ``<!-- lrplot:KIND ARGS -->`` marker line in ``markdown``.

    ``page`` (the page's path under docs/) makes the generated links relative to it."""

    def replace(match: re.Match[str]) -> str:
        kind, args = match.group(1), match.group(2).split()
        try:
            generate = GENERATORS[kind]
        except KeyError:
            known = ", ".join(GENERATORS)
            raise ValueError(f"unknown docs marker lrplot:{kind} (known: {known})") from None
        return generate(page, *args)

    return MARKER.sub(replace, markdown)


# --- markdown helpers -------------------------------------------------------------------


def _text(value: str) -> str:
    """Plain text in a table cell: pipes escaped, one line."""
    return " ".join(value.replace("|", "\\|").split())


def _code(value: str) -> str:
    """A code span in a table cell (pipes need no escape inside one)."""
    value = " ".join(value.split())
    fence = "``" if "`" in value else "`"
    pad = " " if "`" in value else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def _link(page: str, target: str) -> str:
    """``target`` (a path under docs/, with an anchor) relative to ``page``."""
    path, _, anchor = target.partition("#")
    if path == page:
        return f"#{anchor}"
    depth = page.count("/")
    return "../" * depth + target


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


# --- schedules --------------------------------------------------------------------------


def _registry() -> dict[str, Any]:
    from lrplot.schedules import REGISTRY

    return REGISTRY


def catalog(page: str) -> str:
    """The catalog table: one row per registered schedule."""
    here = "schedules.md"
    rows = [
        (
            f"[{_code(d.name)}]({_link(page, here + '#' + d.name)})",
            _code(d.torch_class),
            _text(_sentence(d.summary)),
        )
        for d in _registry().values()
    ]
    return _table(("schedule", "reproduces", "what it does"), rows)


def _option(p: Any) -> str:
    """The option cell: child schedules are a repeated --schedule SPEC."""
    from lrplot.params import GROUPS, SCHEDULES

    if p.kind == SCHEDULES:
        return f"`--schedule` SPEC, once per child (or {_code(p.option)})"
    if p.kind == GROUPS:
        return "`--group` NAME=SCALE, once per group"
    return _code(p.option)


def _opts(p: Any) -> tuple[str, ...]:
    """A declared parameter's command-line options (param groups: ``--group``)."""
    from lrplot.params import GROUPS

    return ("--group",) if p.kind == GROUPS else (p.option,)


def param_rows(params: Iterable[Any]) -> list[tuple[str, ...]]:
    rows = []
    for p in params:
        rows.append(
            (
                _option(p),
                _code(p.name),
                _code(p.default_text()) if p.default is not None else "none",
                _text(p.allowed()),
                _text(_sentence(p.help)),
            )
        )
    return rows


def param_table(params: Iterable[Any], key: str = "SPEC / config key") -> str:
    header = ("option", key, "default", "accepts", "meaning")
    rows = param_rows(params)
    if not rows:
        return "No parameters of its own."
    return _table(header, rows)


def schedules(page: str) -> str:
    """One section per schedule, in the registry's order."""
    out = []
    for d in _registry().values():
        parts = [f"### `{d.name}` {{ #{d.name} }}", ""]
        also = f" (also: {', '.join(_code(a) for a in d.aliases)})" if d.aliases else ""
        parts += [f"Reproduces {_code(d.torch_class)}{also}. {_sentence(d.summary)}", ""]
        parts += ["```text", f"LR after n scheduler steps: {d.formula}", "```", ""]
        parts += [param_table(d.params), ""]
        extra = "the warmup options, the run and plan options"
        if d.needs_metric:
            extra += ", the metric options"
        parts += [
            f"It also takes {extra} ([every schedule]({_link(page, 'commands.md#one-schedule')}))"
            ". Try it:",
            "",
        ]
        example = f"lrplot {d.name} {d.example}".strip()
        parts += ["```console", f"$ {example}", f"$ lrplot explain {d.name}", "```", ""]
        out.append("\n".join(parts))
    return "\n".join(out)


# --- option groups ----------------------------------------------------------------------


def _group_params(group: str) -> tuple[Any, ...]:
    from lrplot import engine, metrics, plan
    from lrplot import groups as param_groups
    from lrplot.schedules.warmup import WARMUP_PARAMS

    plan_names = {p.name for p in (*plan.PARAMS, *param_groups.PARAMS)}
    groups = {
        "run": tuple(p for p in engine.PARAMS if p.name not in plan_names),
        "plan": tuple(plan.PARAMS),
        "groups": tuple(param_groups.PARAMS),
        "metric": tuple(metrics.PARAMS),
        "warmup": tuple(WARMUP_PARAMS),
    }
    return groups[group]


def options(page: str, group: str) -> str:
    """The table of one option group."""
    if group == "output":
        return _cli_table(_output_options())
    key = "SPEC / config key" if group == "warmup" else "config key"
    return param_table(_group_params(group), key)


# --- the command line, read from the app itself -----------------------------------------


def _cli() -> Any:
    import click

    from lrplot.cli import app

    return app, click.Context(app, info_name="lrplot")


def _command(name: str) -> Any:
    group, ctx = _cli()
    command = group.get_command(ctx, name)
    if command is None:
        raise ValueError(f"docs marker: lrplot has no command {name!r}")
    return command


def _help_text(text: str | None) -> str:
    return _text((text or "").replace("\\[", "["))


def _names(p: Any) -> str:
    names = [*p.opts, *getattr(p, "secondary_opts", [])]
    metavar = getattr(p, "metavar", None)
    shown = ", ".join(_code(n) for n in names)
    if metavar and not getattr(p, "is_flag", False):
        shown += " " + _code(metavar)
    return shown


def _cli_table(params: Iterable[Any]) -> str:
    rows = [(_names(p), _help_text(p.help)) for p in params]
    return _table(("option", "meaning"), rows)


def _panel(p: Any) -> str | None:
    return getattr(p, "panel", None)


def _declared_group(p: Any) -> str | None:
    """The shared group an option of the command line belongs to, if any: one that
    ``lrplot compare`` has too, under the same heading of ``--help`` (``run``'s
    ``--lr`` replaces a config's value: it is ``run``'s own)."""
    reference = {o: _panel(q) for q in _command("compare").params for o in q.opts}
    if any(reference.get(o, "") != _panel(p) for o in p.opts):
        return None
    for group in ("run", "plan", "groups", "metric", "warmup"):
        if any(o in p.opts for q in _group_params(group) for o in _opts(q)):
            return group
    if any(p.opts == q.opts for q in _output_options()):
        return "output"
    return None


def _output_options() -> list[Any]:
    """The Output options, as ``lrplot compare`` declares them."""
    compare = _command("compare")
    return [
        p
        for p in compare.params
        if getattr(p, "panel", None) == "Output" and p.param_type_name == "option"
    ]


def command(page: str, name: str) -> str:
    """A command's arguments and own options, and the shared option groups it takes."""
    cmd = _command(name)
    if hasattr(cmd, "list_commands"):  # check: one subcommand per schedule
        _, ctx = _cli()
        sub_ctx = type(ctx)(cmd, info_name=name, parent=ctx)
        sub_name = cmd.list_commands(sub_ctx)[0]
        cmd = cmd.get_command(sub_ctx, sub_name)
    args = [p for p in cmd.params if p.param_type_name == "argument"]
    own, shared = [], []
    for p in cmd.params:
        if p.param_type_name != "option" or "--help" in p.opts:
            continue
        group = _declared_group(p)
        if group is None:
            own.append(p)
        elif group not in shared:
            shared.append(group)
    parts = []
    if args:
        rows = [
            (_code(a.metavar or a.name.upper()), _help_text(getattr(a, "help", ""))) for a in args
        ]
        parts += [_table(("argument", "meaning"), rows), ""]
    if own:
        parts += [_cli_table(own), ""]
    if shared:
        links = [f"[{GROUP_TITLES[g]}]({_link(page, GROUP_ANCHORS[g])})" for g in shared]
        parts += [f"Shared options: {', '.join(links)}.", ""]
    if not parts:
        parts = ["No options (besides `--help`).", ""]
    return "\n".join(parts).rstrip("\n")


def include(page: str, path: str) -> str:
    """A repository file's markdown, after its first heading, headings one level down."""
    text = (ROOT / path).read_text(encoding="utf-8")
    lines = text.splitlines()
    if lines and lines[0].startswith("# "):
        lines = lines[1:]
    out, fenced = [], False
    for line in lines:
        if line.startswith("```"):
            fenced = not fenced
        out.append("#" + line if line.startswith("#") and not fenced else line)
    return "\n".join(out).strip("\n")


GENERATORS: dict[str, Callable[..., str]] = {
    "catalog": catalog,
    "schedules": schedules,
    "options": options,
    "command": command,
    "include": include,
}
