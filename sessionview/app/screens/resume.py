"""Shown when no resume command is configured: the command or snippet, and a copy button."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from sessionview.render.humanize import home_to_tilde
from sessionview.render.safe import screen_lines
from sessionview.store.resume import ResumePlan


class ResumeScreen(ModalScreen[None]):
    """How to resume by hand; `c` copies it to the clipboard (OSC 52)."""

    BINDINGS = [
        Binding("c", "copy", "Copy"),
        Binding("escape,q", "close", "Close"),
    ]

    def __init__(self, title: str, plan: ResumePlan, note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.plan = plan
        self.note = note

    def compose(self) -> ComposeResult:
        text = "\n".join(screen_lines(home_to_tilde(self.plan.display())))
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Content.styled(self.title_text, "bold"), classes="dialog-title")
            if self.note:
                yield Static(Content.styled(self.note, "$warning"))
            with VerticalScroll(classes="dialog-body"):
                yield Static(Content(text), id="resume-command", classes="code")
            if self.plan.hint:
                yield Static(Content.styled(self.plan.hint, "$text-muted"), id="resume-hint")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Copy (c)", variant="primary", id="copy")
                yield Button("Close (esc)", id="close")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "copy":
            self.action_copy()
        else:
            self.dismiss(None)

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.plan.display())
        self.notify("copied to the clipboard (OSC 52)")

    def action_close(self) -> None:
        self.dismiss(None)
