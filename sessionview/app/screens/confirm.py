"""A yes/no question before something destructive (the caller acts in the callback)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sessionview.app.screens.fit import fit_height


class ConfirmScreen(ModalScreen[bool]):
    """`y`/`enter` confirm, `n`/`escape` cancel. The body is a `Content` (never markup)."""

    BINDINGS = [
        Binding("y,enter", "confirm", "Yes", priority=True),
        Binding("n,escape", "cancel", "No", priority=True),
    ]

    def __init__(self, title: str, body: Content, *, confirm_label: str = "Delete") -> None:
        super().__init__()
        self.title_text = title
        self.body = body
        self.confirm_label = confirm_label

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="dialog"):
            yield Static(Content.styled(self.title_text, "bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body"):
                yield Static(self.body)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{self.confirm_label} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        fit_height(self)

    def on_resize(self) -> None:
        fit_height(self)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_confirm(self) -> None:
        self.dismiss(True)

    def action_cancel(self) -> None:
        self.dismiss(False)
