"""The explorer app: a form (generated from the declarations), the chart, the summary.

State lives in :class:`.state.State`; every change re-simulates it in a worker
(:meth:`State.simulate`, which calls :func:`lrplot.compare`) and shows the result.
On quit :meth:`App.run` returns the equivalent ``lrplot`` command (the CLI prints it).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import App
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from .. import api, engine
from ..errors import LrplotError
from ..render.termchart import COLORS
from . import session
from .screens import AskPath, PickSchedule, ShowCode
from .state import RUN, Entry, Outcome, State
from .widgets import Chart, Field, FieldInput

CSS = """
#form { width: 36; border-right: solid $primary-darken-2; }
#view { width: 1fr; }
.heading { text-style: bold; color: $accent; margin-top: 1; }
#schedules { margin-bottom: 0; }
.field { height: auto; }
.field .line { height: 1; }
.field .name { width: 18; color: $text-muted; }
.field FieldInput { width: 1fr; }
.field .error { color: $error; display: none; padding-left: 2; }
.field.invalid .name { color: $error; }
#chart { height: 1fr; min-height: 8; }
#readout { height: auto; max-height: 3; }
#help { height: auto; max-height: 2; color: $text-muted; }
#info { height: auto; max-height: 35%; }
.dialog { width: 80%; height: 80%; background: $panel; border: thick $primary; padding: 0 1; }
.dialog.small { height: auto; }
PickSchedule, AskPath, ShowCode { align: center middle; }
"""


class ExploreApp(App[str | None]):
    """``lrplot explore``: schedules, their knobs and their curves, live."""

    TITLE = "lrplot explore"
    CSS = CSS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "leave", "keys"),
        Binding("a", "add", "add"),
        Binding("d", "duplicate", "duplicate"),
        Binding("x", "remove", "remove"),
        Binding("n", "switch(1)", "next"),
        Binding("p", "switch(-1)", "prev", show=False),
        Binding("l", "log", "log-y"),
        Binding("s", "save", "save"),
        Binding("e", "export", "export"),
        Binding("c", "code", "code"),
        Binding("q", "quit", "quit"),
    ]

    def __init__(self, state: State | None = None, colour: bool | None = None) -> None:
        super().__init__()
        self.colour = "NO_COLOR" not in os.environ if colour is None else colour
        self.state = state if state is not None else State()
        self.comparison: api.Comparison | None = None  # the last one drawn
        self.outcome: Outcome | None = None
        self.version = 0  # of the state: a worker's result for an older one is dropped

    def compose(self) -> Any:
        with Horizontal():
            with VerticalScroll(id="form"):
                yield Static(id="schedules")
                yield Static(id="title", classes="heading")
                yield Vertical(id="schedule-fields")
                yield Static("Run", classes="heading")
                yield Vertical(id="run-fields")
            with Vertical(id="view"):
                yield Chart(id="chart")
                yield Static(id="readout")
                yield Static(id="help")
                yield Static(id="info")
        yield Footer()

    def on_mount(self) -> None:
        self.chart.colour = self.colour
        self.build_form()
        if not self.state.entries:
            self.action_add()

    @property
    def chart(self) -> Chart:
        return self.query_one(Chart)

    # --- the form -------------------------------------------------------------------

    def build_form(self, focus: bool = True) -> None:
        """The fields of the current schedule and of the run, from their declarations."""
        state = self.state
        state.current = min(state.current, max(len(state.entries) - 1, 0))
        own = self.query_one("#schedule-fields")
        own.remove_children()
        entry = state.entries[state.current] if state.entries else None
        title = ""
        if entry is not None:
            d = entry.definition
            title = f"{d.name}: {d.torch_class}"
            own.mount_all(Field(p, state.current, entry.texts[p.name]) for p in entry.fields)
        self.query_one("#title", Static).update(title)
        run = self.query_one("#run-fields")
        run.remove_children()
        run.mount_all(Field(p, RUN, state.run[p.name]) for p in state.run_fields)
        self.show_schedules()
        self.simulate()
        if focus and entry is not None:
            self.call_after_refresh(self._focus_first)

    def _focus_first(self) -> None:
        fields = self.query(FieldInput)
        if fields:
            fields.first().focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        field = event.input
        if not isinstance(field, FieldInput):
            return
        if field.scope == RUN:
            before = self.state.needs_metric
            self.state.run[field.param.name] = event.value
            if self.state.needs_metric != before:
                self.build_form(focus=False)
        else:
            self.state.entries[int(field.scope)].texts[field.param.name] = event.value
        self.simulate()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if isinstance(event.input, FieldInput):  # Enter applies (as every change does)
            self.simulate()

    def on_descendant_focus(self, event: Any) -> None:
        widget = event.widget
        help_line = ""
        if isinstance(widget, FieldInput):
            p = widget.param
            help_line = f"{p.option}: {p.help}; {p.allowed()}"
            if not p.required:
                help_line += f" [default: {p.default_text()}]"
        elif isinstance(widget, Chart):
            help_line = "←/→ move the cursor (shift: one step), Home/End; Tab: back to the form"
        self.query_one("#help", Static).update(Text(help_line, style="italic"))

    # --- simulating -----------------------------------------------------------------

    def simulate(self) -> None:
        self.version += 1
        self._simulate(self.state.copy(), self.version)

    @work(thread=True, exclusive=True, group="simulate")
    def _simulate(self, state: State, version: int) -> None:
        outcome = state.simulate()
        report: tuple[engine.Summary, list[str]] | None = None
        if outcome.comparison is not None and state.entries:
            current = outcome.comparison[min(state.current, len(outcome.comparison) - 1)]
            report = (current.summary(), [f.message for f in current.check()])
        if not get_current_worker().is_cancelled:
            self.call_from_thread(self.show, outcome, report, version)

    def show(
        self, outcome: Outcome, report: tuple[engine.Summary, list[str]] | None, version: int
    ) -> None:
        """A simulation's result (the current schedule's summary and findings in
        ``report``), unless the state has changed since it started."""
        if version != self.version:
            return
        self.outcome = outcome
        for field in self.query(Field):
            field.show_error(outcome.errors.get((field.input.scope, field.param.name)))
        if outcome.comparison is not None:
            self.comparison = outcome.comparison
            self.chart.traces = tuple(outcome.comparison)
        elif not self.state.entries:
            self.comparison = None
            self.chart.traces = ()
        self.show_schedules()
        self.show_info(outcome, report)
        self.show_readout()

    def show_schedules(self) -> None:
        self.chart.current = self.state.current
        labels = self.comparison.labels if self.comparison is not None else []
        text = Text()
        many = len(self.state.entries) > 1
        for i, entry in enumerate(self.state.entries):
            label = (
                labels[i]
                if i < len(labels) and len(labels) == len(self.state.entries)
                else entry.name
            )
            mark = "▶ " if i == self.state.current else "  "
            style = "bold reverse" if i == self.state.current else ""
            text.append(mark, style=style)
            if self.chart.colour:
                text.append("━━ ", style=COLORS[i % len(COLORS)] if many else "cyan")
            else:  # the chart writes each curve's letter on it
                text.append(f"{chr(ord('A') + i % 26) if many else '━'}  ", style="bold")
            text.append(f"{label}\n", style=style)
        self.query_one("#schedules", Static).update(text)

    def show_info(self, outcome: Outcome, report: tuple[engine.Summary, list[str]] | None) -> None:
        text = Text()
        for problem in outcome.problems:
            text.append(f"error: {problem}\n", style="bold red")
        if outcome.errors:
            text.append("fix the fields in red: the chart shows the last valid values\n", "red")
        comparison = outcome.comparison
        if comparison is not None and report is not None:
            trace = comparison[min(self.state.current, len(comparison) - 1)]
            s, findings = report
            text.append(f"{trace.schedule.title()}\n", style="bold")
            text.append(
                f"{trace.describe_run()}: initial {s.initial:.6g}, final {s.final:.6g}, "
                f"min {s.low:.6g}, max {s.high:.6g}, {s.changes} changes\n"
            )
            for finding in findings:
                text.append(f"warning: {finding}\n", style="yellow")
            if not findings:
                text.append("check: no problems found\n", style="green")
        self.query_one("#info", Static).update(text)

    def on_chart_moved(self, _: Chart.Moved) -> None:
        self.show_readout()

    def show_readout(self) -> None:
        traces = self.chart.traces
        text = Text()
        if traces:
            row = self.chart.cursor
            per = traces[0].settings.steps_per_epoch
            text.append(f"step {row} (epoch {row // per}): ", style="bold")
            for i, t in enumerate(traces):
                color = COLORS[i % len(COLORS)] if len(traces) > 1 else "cyan"
                text.append(f"{t.label} = ", style=color)
                text.append(f"{float(t.lr[row])!r}   ")
        self.query_one("#readout", Static).update(text)

    # --- actions --------------------------------------------------------------------

    def action_leave(self) -> None:
        self.chart.focus()

    def action_add(self) -> None:
        def added(name: str | None) -> None:
            if name:
                self.state.entries.append(Entry.new(name, example=True))
                self.state.current = len(self.state.entries) - 1
                self.build_form()

        self.push_screen(PickSchedule(), added)

    def action_duplicate(self) -> None:
        if self.state.entries:
            self.state.entries.insert(self.state.current + 1, self.current_entry().copy())
            self.state.current += 1
            self.build_form()

    def action_remove(self) -> None:
        if self.state.entries:
            del self.state.entries[self.state.current]
            self.build_form()

    def action_switch(self, by: int) -> None:
        if self.state.entries:
            self.state.current = (self.state.current + by) % len(self.state.entries)
            self.build_form()

    def action_log(self) -> None:
        self.chart.log_y = not self.chart.log_y

    def current_entry(self) -> Entry:
        return self.state.entries[self.state.current]

    def _shown(self) -> api.Comparison | None:
        if self.comparison is None:
            self.notify("nothing to save yet: no valid schedule", severity="error")
        return self.comparison

    def action_save(self) -> None:
        comparison = self._shown()
        if comparison is not None:
            text = session.config(comparison)
            self.push_screen(
                AskPath("Save the session as an lrplot config (TOML)", "explore.toml"),
                lambda path: self._write(path, lambda p: _write_text(p, text)),
            )

    def action_export(self) -> None:
        comparison = self._shown()
        if comparison is not None:
            self.push_screen(
                AskPath("Export: .png, .svg, .pdf (the chart) or .csv", "explore.png"),
                lambda path: self._write(path, lambda p: _export(comparison, p, self.chart.log_y)),
            )

    def _write(self, path: str | None, write: Any) -> None:
        if not path:
            return
        try:
            write(path)
        except (LrplotError, OSError) as err:
            self.notify(str(err), severity="error", timeout=8)
        else:
            self.notify(f"wrote {path}")

    def action_code(self) -> None:
        comparison = self._shown()
        if comparison is not None:
            trace = comparison[min(self.state.current, len(comparison) - 1)]
            try:
                code = trace.to_code("torch")
            except LrplotError as err:
                self.notify(str(err), severity="error")
                return
            shown = session.command(api.Comparison([trace]))
            self.push_screen(ShowCode(f"{shown} --emit torch", code))

    async def action_quit(self) -> None:
        self.exit(session.command(self.comparison) if self.comparison is not None else None)


def _write_text(path: str, text: str) -> None:
    from ..render.output import open_output

    with open_output(path, "path") as f:
        f.write(text.encode())


def _export(comparison: api.Comparison, path: str, log_y: bool) -> None:
    suffix = Path(path).suffix.lower()
    if suffix == ".csv":
        comparison.to_csv(path)
    elif suffix in (".png", ".svg", ".pdf"):
        from ..render.plot import save_chart

        save_chart(list(comparison), path, log_y)
    else:
        raise LrplotError(f"{path}: use .png, .svg, .pdf or .csv")
