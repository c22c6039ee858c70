"""Pick a parent or child session to jump to."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from sessionview.render.safe import first_line, screen_text
from sessionview.store.model import SessionInfo


class LineageScreen(ModalScreen[SessionInfo | None]):
    BINDINGS = [Binding("escape", "close", "Close")]

    def __init__(self, items: list[tuple[str, str, SessionInfo | None]]) -> None:
        super().__init__()
        self.items = items

    def compose(self) -> ComposeResult:
        options = []
        for n, (relation, sid, info) in enumerate(self.items):
            label = Content.assemble(
                (f"{relation:<7}", "$text-muted"),
                (screen_text(sid[:8]), "$accent" if info else "$text-muted"),
                "  ",
                first_line(info.title, 60) if info else ("(not in the list)", "$text-muted"),
            )
            options.append(Option(label, id=str(n), disabled=info is None))
        with Vertical(id="dialog", classes="dialog"):
            yield Static(
                Content.styled("Jump to a parent or child", "bold"), classes="dialog-title"
            )
            yield OptionList(*options)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self.items[index][2])

    def action_close(self) -> None:
        self.dismiss(None)
