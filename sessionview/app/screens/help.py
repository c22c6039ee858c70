"""Every key, generated from the screens' bindings so it cannot go stale."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.keys import key_to_character
from textual.screen import ModalScreen
from textual.widgets import Static

KEY_NAMES = {
    "slash": "/",
    "space": "space",
    "question_mark": "?",
    "escape": "esc",
    "enter": "enter",
}


def key_label(keys: str) -> str:
    """`greater_than_sign` as `>`: what the user types, not Textual's key name."""
    return ", ".join(_one_key(k) for k in keys.split(","))


def _one_key(key: str) -> str:
    if key in KEY_NAMES:
        return KEY_NAMES[key]
    character = key_to_character(key)
    return character if character and character.isprintable() and character != " " else key


class HelpScreen(ModalScreen[None]):
    """Sections of (keys, description); `escape`, `q` or `?` closes."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def __init__(self, sections: list[tuple[str, list[tuple[str, str]]]]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        parts: list[tuple[str, str] | str] = []
        for title, rows in self.sections:
            parts.append((f"{title}\n", "bold $accent"))
            for keys, description in rows:
                parts.append((f"  {keys:<18}", "bold"))
                parts.append(f"{description}\n")
            parts.append("\n")
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Content.styled("Keys", "bold"), classes="dialog-title")
            with VerticalScroll(classes="dialog-body tall"):
                yield Static(Content.assemble(*parts).rstrip())

    def action_close(self) -> None:
        self.dismiss(None)


def binding_rows(bindings: list[Binding | tuple]) -> list[tuple[str, str]]:
    rows = []
    for b in bindings:
        if isinstance(b, Binding):
            rows.append((key_label(b.key), b.description))
    return rows
