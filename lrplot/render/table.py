"""The terminal table (rich): every row of a short run, a readable selection of a long one.

On a terminal the whole view (title, chart, table, summary) fits the screen: its
width (a compare table too wide for it gets short column keys, A, B, C ..., with a
legend, and is split into blocks if still too wide; a value is never cut) and its
height (a selection of rows; ``--all`` shows every one). Piped or redirected, the
output is not limited by any terminal: never wrapped, never padded, whole labels.
"""

from __future__ import annotations

import re
import string
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from rich.cells import cell_len
from rich.console import Console, RenderableType
from rich.markup import escape

from ..engine import Logged, Trace, summarize

if TYPE_CHECKING:  # rich's Table: on a terminal only (a pipe gets _plain_table)
    from rich.table import Table

MAX_ROWS = 100  # a run this short is shown whole when piped (`lrplot cosine --epochs 100`)
FEW_ROWS = 60  # a longer run with changes this few shows them (and the rows before)
PICK_ROWS = 25  # evenly spaced rows for a long, smooth run
MIN_ROWS = 5  # the fewest rows a table shows, however small the terminal


def select_rows(
    total: int, changes: np.ndarray | None, show_all: bool = False, lines: int | None = None
) -> np.ndarray:
    """Rows to show: all of a short run; of a long one, the first, the last and every
    change with the row before it when there are few changes (piecewise schedules),
    else evenly spaced rows. ``changes`` is None when there are too many to list.

    ``lines``: the table's height (a terminal's): the rows, with a '⋮' line at each
    gap between them, take at most this many lines."""
    if show_all:
        return np.arange(total)
    limit = MAX_ROWS if lines is None else max(lines, MIN_ROWS)
    if total <= limit:
        return np.arange(total)
    if changes is not None and 2 * len(changes) + 2 <= min(FEW_ROWS, limit):
        rows = sorted_unique(np.concatenate(([0, total - 1], changes - 1, changes)))
        if lines is None or _lines(rows) <= limit:
            return rows
    pick = PICK_ROWS if lines is None else max(min(PICK_ROWS, (limit + 1) // 2), 2)
    return sorted_unique(np.linspace(0, total - 1, pick).round().astype(np.int64))


def logged_rows(logged: Logged, show_all: bool = False, lines: int | None = None) -> np.ndarray:
    """The logged rows to show: a selection of them (as select_rows picks rows), with
    the first that differs and the one before it (room is kept for them)."""
    bad = np.flatnonzero(logged.differ)
    if show_all or not bad.size:
        return logged.rows[select_rows(len(logged.rows), None, show_all, lines)]
    room = None if lines is None else max(lines - 4, MIN_ROWS)
    picked = select_rows(len(logged.rows), None, False, room)
    first = int(bad[0])
    extra = np.array([max(first - 1, 0), first], dtype=np.int64)
    return logged.rows[sorted_unique(np.concatenate((picked, extra)))]


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique of integers, without its cost at start-up (it imports numpy.ma)."""
    values = np.sort(values)
    return values[np.concatenate(([True], values[1:] != values[:-1]))] if len(values) else values


def _lines(rows: np.ndarray) -> int:
    """Lines a selection of rows takes: a row each, and a '⋮' at each gap."""
    return len(rows) + int(np.count_nonzero(np.diff(rows) > 1))


def fmt(value: float, exact: bool) -> str:
    """Readable at a glance (6 significant digits), or exact (round-trip repr)."""
    return repr(value) if exact else f"{value:.6g}"


@dataclass(frozen=True)
class View:
    """Where the table goes: a terminal of ``width`` x ``height``, or (None) a pipe."""

    width: int | None = None
    height: int | None = None

    @classmethod
    def of(cls, console: Console) -> View:
        if not console.is_terminal:
            return cls()
        return cls(console.width, console.height)


def _keys(count: int) -> list[str]:
    letters = string.ascii_uppercase
    return [letters[i] if i < 26 else letters[i // 26 - 1] + letters[i % 26] for i in range(count)]


def render_table(
    traces: Sequence[Trace],
    console: Console,
    show_all: bool = False,
    exact: bool = False,
    chart: Callable[[int], RenderableType] | None = None,
    view: View | None = None,
    notes: Sequence[str] = (),
    reserve: int = 0,
) -> None:
    """The title line, then the terminal chart if ``chart`` (its drawing, given its
    height in lines), the table, a summary, and ``notes`` (rich-escaped lines, dim);
    ``reserve``: lines the caller prints after it (``--against``'s verdict), which the
    view leaves room for on a terminal.

    ``view``: the terminal to fit (see the module docstring); default: the console's.
    On a terminal too low for the chart and a few rows, the chart gets lower, then is
    left out (a note says so)."""
    view = view or View.of(console)
    first = traces[0]
    settings = first.settings
    total = settings.total_steps
    # the changes matter only when they are few: events (milestones, reductions) to
    # list and mark, not a smooth schedule changing on every row
    few = sum(len(t.change_rows) for t in traces) <= 4 * MAX_ROWS
    changes = sorted_unique(np.concatenate([t.change_rows for t in traces])) if few else None

    # labels, titles and file names are text, not rich markup: '[linear:...]' must show
    title = first.title() if len(traces) == 1 else f"{len(traces)} schedules"
    run = first.describe_run() if len(traces) == 1 else settings.describe()
    if len(traces) > 1 and first.resumed is not None:
        run += "; " + first.resumed.describe()
    head: list[RenderableType] = [f"[bold]{escape(title)}[/bold]  [dim]{escape(run)}[/dim]"]
    plan_line = settings.plan_line()
    if plan_line is not None:  # how the steps per epoch (and a scaled lr) were worked out
        head.append(f"[dim]plan: {escape(plan_line)}[/dim]")
    for t in traces:
        scaled = t.scaling_note()
        if scaled is not None:
            head.append(f"[dim]{escape(scaled)}[/dim]")
    if settings.groups is not None:
        head.append(f"[dim]{escape(settings.groups.describe())}[/dim]")
    dim = [f"[dim]{line}[/dim]" for line in notes]
    logged = first.logged if len(traces) == 1 else None

    def select(lines: int | None = None) -> np.ndarray:
        if logged is not None:  # the logged steps: a selection, with the first that differs
            return logged_rows(logged, show_all, lines)
        return select_rows(total, changes, show_all, lines)

    rows = select()
    room = None  # the lines left for the chart and the table, on a terminal
    for _ in range(3):  # rows fit the blocks' height; blocks fit the rows' widest values
        blocks = _blocks(traces, console, view, rows, exact)
        keys = [key for block in blocks for key, _ in block]
        named = zip(keys, traces, strict=True)
        legend = [escape(f"{k} = {t.label}") for k, t in named if k != t.label]
        summary = _summary(traces, keys, exact)
        if view.height is None or show_all:
            break
        # each block: its header, its rule and the blank line after it; then the note
        # and the prompt
        used = sum(_height(console, r) for r in [*head, *summary, *dim]) + len(legend) + 2
        used += reserve
        room = view.height - used - 4 * len(blocks)
        lines = room - (_chart_lines(console, chart, CHART_HEIGHTS[0]) if chart else 0)
        fitted = select(lines // len(blocks))
        if np.array_equal(fitted, rows):
            break
        rows = fitted
        blocks = _blocks(traces, console, view, rows, exact)  # for the rows shown, uncut
    if chart is not None:
        need = _lines(rows) * len(blocks)
        head += ["", *_fitted_chart(console, chart, view, room, need)]
    change_set = (
        set(changes.tolist()) if changes is not None and len(changes) * 2 < total else set()
    )

    for line in head:
        console.print(line)
    for block in blocks:
        grid = _grid(block, rows, change_set, exact, len(traces) == 1, logged)
        text = _plain_table(console, *grid) if view.width is None else None
        if text is None:
            console.print(_rich_table(*grid))
        else:
            console.out(text, highlight=False)
    for line in legend:
        console.print(f"[dim]{line}[/dim]")
    if logged is not None and len(rows) < len(logged.rows):
        shown = f"showing {len(rows)} of the {len(logged.rows)} logged rows"
        console.print(f"[dim]{shown}; --all shows every one[/dim]")
    elif len(rows) < total and logged is None:
        console.print(f"[dim]showing {len(rows)} of {total} rows; --all shows every row[/dim]")
    if settings.groups is not None and settings.groups.many:
        groups = settings.groups
        console.print(
            f"[dim]showing {escape(groups.column(0))} and {escape(groups.column(-1))} of "
            f"{len(groups)} groups; --csv has every group[/dim]"
        )
    for line in [*summary, *dim]:
        console.print(line)


CHART_HEIGHTS = (10, 6, 4)  # the LR chart's heights to try, in lines


def _chart_lines(console: Console, chart: Callable[[int], RenderableType], height: int) -> int:
    return _height(console, chart(height)) + 1  # and the blank line above it


def _fitted_chart(
    console: Console,
    chart: Callable[[int], RenderableType],
    view: View,
    room: int | None,
    need: int,
) -> list[RenderableType]:
    """The highest chart that leaves ``need`` lines of ``room`` for the table's rows,
    or a note."""
    if room is None:
        return [chart(CHART_HEIGHTS[0])]
    for height in CHART_HEIGHTS:
        drawing = chart(height)
        if _height(console, drawing) + need + 1 <= room:
            return [drawing]
    return [f"[dim](no chart: the terminal has {view.height} lines; -o FILE draws it)[/dim]"]


def _height(console: Console, renderable: RenderableType) -> int:
    return len(console.render_lines(renderable, pad=False)) if renderable != "" else 1


def _summary(traces: Sequence[Trace], keys: Sequence[str], exact: bool) -> list[str]:
    lines = []
    for t, key in zip(traces, keys, strict=True):
        grouped = t.settings.groups is not None
        for column, values in t.lr_columns(brief=True):
            s = summarize(t, values if grouped else None)
            label = column if len(traces) == 1 else f"{key} {column}" if grouped else key
            name = escape(f"{label}: ") if len(traces) > 1 or grouped else ""
            line = (
                f"{name}initial {fmt(s.initial, exact)}  final {fmt(s.final, exact)}  "
                f"min {fmt(s.low, exact)}  max {fmt(s.high, exact)}  changes {s.changes}"
            )
            if t.metric_source:
                line += f"  [dim]({escape(t.metric_source)})[/dim]"
            lines.append(line)
    return lines


Block = list[tuple[str, Trace]]  # (column key, trace): the key is the label when it fits


def _blocks(
    traces: Sequence[Trace], console: Console, view: View, rows: np.ndarray, exact: bool
) -> list[Block]:
    """The traces as tables that fit the terminal: whole labels when they fit, else
    keys (A, B, ...) with a legend, split into blocks when even those are too wide."""
    whole: Block = [(t.label, t) for t in traces]
    single = len(traces) == 1
    if view.width is None or _width(console, whole, rows, exact, single) <= view.width:
        return [whole]
    if single:  # one schedule's columns are few: nothing to split
        return [whole]
    keyed = list(zip(_keys(len(traces)), traces, strict=True))
    blocks: list[Block] = [[]]
    for item in keyed:
        if blocks[-1] and _width(console, [*blocks[-1], item], rows, exact, False) > view.width:
            blocks.append([])
        blocks[-1].append(item)
    return blocks


def _width(console: Console, block: Block, rows: np.ndarray, exact: bool, single: bool) -> int:
    """The width a table of these columns needs to show ``rows`` uncut."""
    table = _table(block, rows, set(), exact, single)
    options = console.options.update(width=1 << 20)  # unclamped: the width it wants
    from rich.measure import Measurement

    return Measurement.get(console, options, table).maximum


Column = tuple[str, str, str | None]  # header (markup), justify, style


def _table(
    block: Block,
    rows: np.ndarray,
    change_set: set[int],
    exact: bool,
    single: bool,
    logged: Logged | None = None,
) -> Table:
    return _rich_table(*_grid(block, rows, change_set, exact, single, logged))


def _rich_table(columns: list[Column], cells: list[list[str]]) -> Table:
    from rich import box
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD)
    for header, justify, style in columns:
        table.add_column(header, justify=justify, style=style, no_wrap=True)  # type: ignore[arg-type]
    for row in cells:
        table.add_row(*row)
    return table


def _grid(
    block: Block,
    rows: np.ndarray,
    change_set: set[int],
    exact: bool,
    single: bool,
    logged: Logged | None = None,
) -> tuple[list[Column], list[list[str]]]:
    """The table's columns and its rows of cells (rich markup)."""
    settings = block[0][1].settings
    columns: list[Column] = []
    if settings.per_step:
        columns.append(("step", "right", "cyan"))
    columns.append(("epoch", "right", "cyan"))
    for key, t in block:
        for column, _ in t.lr_columns(brief=True):
            if t.settings.groups is None:
                name = "lr" if single else key
            else:
                name = column if single else f"{key} {column}"
            columns.append((escape(name), "right", None))
        if logged is not None:
            columns.append(("logged", "right", None))
        if t.sched_momentum is not None:
            name = "momentum" if single else escape(f"{key} momentum")
            columns.append((name, "right", "green"))
        if t.sched_metric is not None:
            name = "metric" if single else escape(f"{key} metric")
            columns.append((name, "right", "magenta"))
    columns.append(("", "left", None))

    traces = [t for _, t in block]
    lrs = [t.lr_at(rows).tolist() for t in traces]  # the run's own lr: the change marks
    cells_lr = [
        [t.values_at(v, rows).tolist() for _, v in t.lr_columns(brief=True)] for t in traces
    ]
    prev = [t.lr_at(np.maximum(rows - 1, 0)).tolist() for t in traces]
    metrics = [t.metric_at(rows) for t in traces]
    momenta = [t.momentum_at(rows) for t in traces]
    epochs = (rows // settings.steps_per_epoch).tolist()
    if logged is not None:
        values, differ = logged.at(rows)
        position = np.searchsorted(logged.rows, rows).tolist()  # a gap: a logged row skipped
    grid: list[list[str]] = []
    last = -1
    for i, row in enumerate(rows.tolist()):
        skipped = position[i] != position[i - 1] + 1 if logged is not None and i else False
        if last >= 0 and (skipped if logged is not None else row != last + 1):
            grid.append(["[dim]⋮[/dim]"] + [""] * (len(columns) - 1))
        cells = [str(row)] if settings.per_step else []
        cells.append(str(epochs[i]))
        marks = []
        for j, (key, _) in enumerate(block):
            cells += [fmt(column[i], exact) for column in cells_lr[j]]
            if logged is not None:
                text = fmt(float(values[i]), exact)
                cells.append(f"[red]{text}[/red]" if differ[i] else text)
                if differ[i]:
                    marks.append("[red]≠ logged[/red]")
            momentum, metric = momenta[j], metrics[j]
            if momentum is not None:
                cells.append(fmt(float(momentum[i]), exact))
            if metric is not None:
                cells.append(fmt(float(metric[i]), exact))
            if row in change_set and lrs[j][i] != prev[j][i]:
                arrow = "↓" if lrs[j][i] < prev[j][i] else "↑"
                marks.append(arrow if single else escape(f"{arrow} {key}"))
        cells.append("[yellow]" + ", ".join(marks) + "[/yellow]" if marks else "")
        grid.append(cells)
        last = row
    return columns, grid


_PLAIN_CELL = re.compile(r"[\w.+\- ]*", re.ASCII)  # no markup, no emoji code: as it reads


def _plain_table(console: Console, columns: list[Column], grid: list[list[str]]) -> str | None:
    """The table as rich prints it to a console without colours or width (a pipe):
    the same characters, made without rich's layout machinery (which takes most of a
    short run's time); None where it might differ (colours, a narrow encoding, a cell
    of several lines), for rich to print."""
    if console.color_system is not None or console.legacy_windows:
        return None
    if not console.encoding.lower().startswith("utf"):
        return None  # rich would substitute the box's characters

    def plain(cell: str) -> tuple[str, int] | None:
        if _PLAIN_CELL.fullmatch(cell):
            return cell, len(cell)
        text = console.render_str(cell, highlight=False).plain
        if "\n" in text or "\t" in text or "\r" in text:
            return None
        return text, cell_len(text)

    heads = [plain(header) for header, _, _ in columns]
    body = [[plain(cell) for cell in row] for row in grid]
    if any(h is None for h in heads) or any(c is None for row in body for c in row):
        return None
    widths = [h[1] for h in heads]  # type: ignore[index]
    for row in body:
        for k, c in enumerate(row):
            widths[k] = max(widths[k], c[1])  # type: ignore[index]
    right = [justify == "right" for _, justify, _ in columns]

    def line(cells: Sequence[tuple[str, int] | None]) -> str:
        parts = []
        for k, c in enumerate(cells):
            text, width = c  # type: ignore[misc]
            pad = " " * (widths[k] - width)
            parts.append(f" {pad}{text} " if right[k] else f" {text}{pad} ")
        return " " + " ".join(parts) + " "

    full = sum(widths) + 3 * len(widths) + 1
    lines = [" " * full, line(heads), " " + "─" * (full - 2) + " "]
    lines += [line(row) for row in body]
    lines.append(" " * full)
    return "\n".join(lines)
