"""The explorer's widgets: a field generated from a declared parameter, and the chart.

The chart draws with lrplot's own terminal renderer (render.termchart, which
decimates per column: a million steps cost what a thousand do) and only marks the
cursor's column on it; the LR it reads out is the trace's own value at that step.
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.console import Group, RenderableType
from rich.text import Span, Text
from textual import events
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from ..params import BOOL, CHOICE, INT, Param
from ..render.termchart import COLORS, chart_traces
from .nudge import nudge
from .state import initial_text


class FieldInput(Input):
    """A parameter's text; Up/Down nudge it (x1.1 for a rate, +-1 for a count)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "nudge(1)", "nudge up", show=False),
        Binding("down", "nudge(0)", "nudge down", show=False),
    ]

    def __init__(self, param: Param, scope: int | str, value: str) -> None:
        placeholder = "required" if param.required else initial_text(param) or "not set"
        super().__init__(value, placeholder=placeholder, compact=True, select_on_focus=False)
        self.param = param
        self.scope = scope
        self.tooltip = f"{param.help}; {param.allowed()}"

    @property
    def signs_nudge(self) -> bool:
        """+ and - nudge too where no value has a sign: counts, choices and switches
        (a real number needs its - for an exponent: 1e-4)."""
        p = self.param
        counts = p.kind == INT and p.low is not None and p.low >= 0
        return counts or p.kind in (CHOICE, BOOL)

    async def _on_key(self, event: events.Key) -> None:
        if event.character in ("+", "-") and self.signs_nudge:
            event.stop()
            event.prevent_default()
            self.action_nudge(int(event.character == "+"))
            return
        await super()._on_key(event)

    def action_nudge(self, up: int) -> None:
        text = nudge(self.param, self.value, bool(up))
        if text is not None:
            self.value = text
            self.cursor_position = len(text)


class Field(Vertical):
    """One row of the form: the parameter's name, its text and, under it, its error."""

    def __init__(self, param: Param, scope: int | str, value: str) -> None:
        super().__init__(classes="field")
        self.param = param
        self.input = FieldInput(param, scope, value)
        self.error = Static("", classes="error")

    def compose(self) -> Any:
        with Horizontal(classes="line"):
            yield Label(self.param.name, classes="name")
            yield self.input
        yield self.error

    def show_error(self, message: str | None) -> None:
        self.error.update(message or "")
        self.error.display = bool(message)
        self.set_class(bool(message), "invalid")


class Chart(Widget, can_focus=True):
    """The LR (and momentum, metric) of every trace; a cursor column that the arrows move."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("left", "move(-1, 0)", "cursor", show=False),
        Binding("right", "move(1, 0)", "cursor", show=False),
        Binding("shift+left", "move(-1, 1)", "step", show=False),
        Binding("shift+right", "move(1, 1)", "step", show=False),
        Binding("home", "jump(0)", show=False),
        Binding("end", "jump(1)", show=False),
    ]

    traces: reactive[tuple[Any, ...]] = reactive((), always_update=True)
    log_y: reactive[bool] = reactive(False)
    cursor: reactive[int] = reactive(0)
    current: reactive[int] = reactive(0)  # the schedule being edited: the others are dimmed
    colour = True

    class Moved(Message):
        """The cursor moved (the app reads the LR out)."""

    @property
    def total(self) -> int:
        return self.traces[0].settings.total_steps if self.traces else 0

    def watch_cursor(self) -> None:
        self.post_message(self.Moved())

    def watch_traces(self) -> None:
        if self.cursor >= self.total:
            self.cursor = max(self.total - 1, 0)

    def action_move(self, direction: int, fine: int) -> None:
        step = 1 if fine else max(1, self.total // max(self._cells(), 1))
        self.cursor = min(max(self.cursor + direction * step, 0), max(self.total - 1, 0))

    def action_jump(self, end: int) -> None:
        self.cursor = max(self.total - 1, 0) if end else 0

    def _cells(self) -> int:
        return max(min(self.size.width, 80) - 10, 10)

    def render(self) -> RenderableType:
        if not self.traces:
            return Text("no schedule to draw: press a to add one", style="dim")
        width, height = self.size.width, self.size.height
        group = None
        for rows in range(max(height - 4, 3), 2, -1):  # the tallest chart that fits
            group = chart_traces(self.traces, width, self.log_y, colour=self.colour, height=rows)
            if _lines(group) <= height:
                break
        assert group is not None
        self._mark_current(group)
        self._mark_cursor(group)
        return group

    def _mark_current(self, group: Group) -> None:
        """Dim every curve (and legend entry) but the current schedule's."""
        if not self.colour or len(self.traces) < 2:
            return
        own = COLORS[self.current % len(COLORS)]
        others = {c for c in COLORS if c != own}
        for text in group.renderables:
            if isinstance(text, Text):
                text.spans = [
                    Span(s.start, s.end, f"dim {s.style}") if s.style in others else s
                    for s in text.spans
                ]

    def _mark_cursor(self, group: Group) -> None:
        """Reverse the cursor's column of the LR chart (its rows between title and axis)."""
        chart = group.renderables[0]
        if not isinstance(chart, Text):
            return
        lines = chart.plain.split("\n")
        axis = next((i for i, line in enumerate(lines) if "└" in line), None)
        if axis is None:
            return
        left = lines[axis].index("└") + 1
        cells = len(lines[axis]) - left
        dots = cells * 2
        n = self.total
        x = (
            self.cursor * dots // n
            if n >= dots
            else round(self.cursor * (dots - 1) / max(n - 1, 1))
        )
        column = left + min(x // 2, cells - 1)
        offset = 0
        for i, line in enumerate(lines):
            if 0 < i < axis and column < len(line):
                chart.stylize("reverse", offset + column, offset + column + 1)
            offset += len(line) + 1


def _lines(group: Group) -> int:
    return sum(r.plain.count("\n") + 1 for r in group.renderables if isinstance(r, Text))
