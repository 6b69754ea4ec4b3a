"""The terminal table (rich): every row of a short run, a readable selection of a long one."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich import box
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.table import Table

from ..engine import Trace, summarize

MAX_ROWS = 100  # a run this short is shown whole (`lrplot cosine --epochs 100`: every epoch)
FEW_ROWS = 60  # a longer run with changes this few shows them (and the rows before)
PICK_ROWS = 25  # evenly spaced rows for a long, smooth run


def select_rows(total: int, changes: np.ndarray | None, show_all: bool = False) -> np.ndarray:
    """Rows to show: all of a short run; of a long one, the first, the last and every
    change with the row before it when there are few changes (piecewise schedules),
    else evenly spaced rows. ``changes`` is None when there are too many to list."""
    if show_all or total <= MAX_ROWS:
        return np.arange(total)
    if changes is not None and 2 * len(changes) + 2 <= FEW_ROWS:  # each with the row before
        return np.unique(np.concatenate(([0, total - 1], changes - 1, changes)))
    return np.unique(np.linspace(0, total - 1, PICK_ROWS).round().astype(np.int64))


def fmt(value: float, exact: bool) -> str:
    """Readable at a glance (6 significant digits), or exact (round-trip repr)."""
    return repr(value) if exact else f"{value:.6g}"


def render_table(
    traces: Sequence[Trace],
    console: Console,
    show_all: bool = False,
    exact: bool = False,
    chart: RenderableType | None = None,
) -> None:
    """The title line, then ``chart`` (the terminal chart) if given, the table, a summary."""
    first = traces[0]
    settings = first.settings
    total = settings.total_steps
    # the changes matter only when they are few: events (milestones, reductions) to
    # list and mark, not a smooth schedule changing on every row
    few = sum(len(t.change_rows) for t in traces) <= 4 * MAX_ROWS
    changes = np.unique(np.concatenate([t.change_rows for t in traces])) if few else None
    rows = select_rows(total, changes, show_all)
    change_set = (
        set(changes.tolist()) if changes is not None and len(changes) * 2 < total else set()
    )

    # labels, titles and file names are text, not rich markup: '[linear:...]' must show
    title = first.schedule.title() if len(traces) == 1 else f"{len(traces)} schedules"
    run = first.describe_run() if len(traces) == 1 else settings.describe()
    console.print(f"[bold]{escape(title)}[/bold]  [dim]{escape(run)}[/dim]")
    if settings.plan is not None:  # how the steps per epoch were worked out
        console.print(f"[dim]plan: {escape(settings.plan.describe(settings.epochs))}[/dim]")
    if chart is not None:
        console.print()
        console.print(chart)
    table = Table(box=box.SIMPLE_HEAD)
    if settings.per_step:
        table.add_column("step", justify="right", style="cyan")
    table.add_column("epoch", justify="right", style="cyan")
    for t in traces:
        table.add_column("lr" if len(traces) == 1 else escape(t.label), justify="right")
        if t.sched_momentum is not None:
            table.add_column(
                "momentum" if len(traces) == 1 else escape(f"{t.label} momentum"),
                justify="right",
                style="green",
            )
        if t.sched_metric is not None:
            table.add_column(
                "metric" if len(traces) == 1 else escape(f"{t.label} metric"),
                justify="right",
                style="magenta",
            )
    table.add_column("", justify="left")

    lrs = [t.lr_at(rows).tolist() for t in traces]
    prev = [t.lr_at(np.maximum(rows - 1, 0)).tolist() for t in traces]
    metrics = [t.metric_at(rows) for t in traces]
    momenta = [t.momentum_at(rows) for t in traces]
    epochs = (rows // settings.steps_per_epoch).tolist()
    last = -1
    for i, row in enumerate(rows.tolist()):
        if last >= 0 and row != last + 1:
            gap = ["[dim]⋮[/dim]"] + [""] * (len(table.columns) - 1)
            table.add_row(*gap)
        cells = [str(row)] if settings.per_step else []
        cells.append(str(epochs[i]))
        marks = []
        for j, t in enumerate(traces):
            cells.append(fmt(lrs[j][i], exact))
            momentum, metric = momenta[j], metrics[j]
            if momentum is not None:
                cells.append(fmt(float(momentum[i]), exact))
            if metric is not None:
                cells.append(fmt(float(metric[i]), exact))
            if row in change_set and lrs[j][i] != prev[j][i]:
                arrow = "↓" if lrs[j][i] < prev[j][i] else "↑"
                marks.append(arrow if len(traces) == 1 else escape(f"{arrow} {t.label}"))
        cells.append("[yellow]" + ", ".join(marks) + "[/yellow]" if marks else "")
        table.add_row(*cells)
        last = row
    console.print(table)
    if len(rows) < total:
        console.print(f"[dim]showing {len(rows)} of {total} rows; --all shows every row[/dim]")
    for t in traces:
        s = summarize(t)
        name = "" if len(traces) == 1 else escape(f"{t.label}: ")
        line = (
            f"{name}initial {fmt(s.initial, exact)}  final {fmt(s.final, exact)}  "
            f"min {fmt(s.low, exact)}  max {fmt(s.high, exact)}  changes {s.changes}"
        )
        if t.metric_source:
            line += f"  [dim]({escape(t.metric_source)})[/dim]"
        console.print(line)
