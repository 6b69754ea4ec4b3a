"""The explorer's dialogs: pick a schedule, ask for a file name, show code."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from ..schedules import REGISTRY, ScheduleDef


class PickSchedule(ModalScreen[str | None]):
    """Every registered schedule (its class, and its summary under it); Enter picks,
    Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]

    def compose(self) -> Any:
        with Vertical(classes="dialog"):
            yield Label("Add a schedule (Enter picks, Esc cancels)", classes="heading")
            yield OptionList(*(Option(_entry(d), id=d.name) for d in REGISTRY.values()), id="pick")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


def _entry(d: ScheduleDef) -> Text:
    text = Text(d.name, style="bold")
    text.append(f"  {d.torch_class}\n")
    text.append(f"  {d.summary}", style="dim")
    return text


class AskPath(ModalScreen[str | None]):
    """A file name, pre-filled; Enter accepts, Escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "dismiss(None)", "cancel")]

    def __init__(self, prompt: str, default: str) -> None:
        super().__init__()
        self.prompt = prompt
        self.default = default

    def compose(self) -> Any:
        with Vertical(classes="dialog small"):
            yield Label(self.prompt, classes="heading")
            yield Input(self.default, id="path")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)


class ShowCode(ModalScreen[None]):
    """Text to read (the ``--emit torch`` code); Escape or q closes."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,c", "dismiss(None)", "close")]

    def __init__(self, title: str, code: str) -> None:
        super().__init__()
        self.title_text = title
        self.code = code

    def compose(self) -> Any:
        with Vertical(classes="dialog"):
            yield Label(self.title_text, classes="heading")
            with VerticalScroll(id="code"):
                yield Static(self.code, markup=False)
