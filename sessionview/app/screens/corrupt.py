"""A corrupt session: why it cannot be read, and the offending line shown as data."""

from __future__ import annotations

from rich.cells import cell_len
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Footer, Static

from sessionview.app.display import keep_end, reason_text, short_path
from sessionview.app.messages import DeleteRequested, PagerRequested
from sessionview.app.screens.base import SessionViewScreen
from sessionview.render.humanize import human_bytes
from sessionview.render.safe import screen_lines, screen_text
from sessionview.store.model import SessionInfo
from sessionview.store.preview import offending_line


class CorruptScreen(SessionViewScreen):
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("o", "pager", "Pager"),
        Binding("d", "delete", "Delete"),
    ]

    class LineFound(Message, bubble=False):
        """The worker looked for the offending line: (line number, text), or None."""

        def __init__(self, bad: tuple[int, str] | None) -> None:
            super().__init__()
            self.bad = bad

    def __init__(self, info: SessionInfo) -> None:
        super().__init__()
        self.info = info
        self.bad: tuple[int, str] | None = None
        self.looked = False

    def compose(self) -> ComposeResult:
        yield Static(id="corrupt-title")
        with VerticalScroll(id="corrupt-body"):
            yield Static(id="corrupt-text")
        yield Footer()

    def on_mount(self) -> None:
        info = self.info
        head = f"{info.glyph} corrupt"
        meta = f"  {screen_text(info.short_id)} · {screen_text(info.format)} · "
        # One line: a path too long for it would wrap onto a line the title has not got.
        room = self.app.size.width - 2 - cell_len(head + meta)
        self.query_one("#corrupt-title", Static).update(
            Content.assemble(
                (head, "bold $sv-corrupt"),
                (meta + keep_end(short_path(info.path), max(12, room)), "$text-muted"),
            )
        )
        self._refresh_body()
        self._find_line()

    @work(thread=True, exclusive=True, exit_on_error=False, group="corrupt")
    def _find_line(self) -> None:
        self.post_message(self.LineFound(offending_line(self.info)))

    @on(LineFound)
    def _found(self, message: LineFound) -> None:
        self.bad = message.bad
        self.looked = True
        self._refresh_body()

    def _refresh_body(self) -> None:
        info = self.info
        error = info.error or info.state_reason
        error = reason_text(error, info.path)
        parts: list[tuple[str, str] | str] = [
            ("This file cannot be read as a session.\n\n", "bold"),
            ("reason   ", "$text-muted"),
            (error + "\n", "$sv-corrupt"),
            ("size     ", "$text-muted"),
            human_bytes(info.bytes) + "\n\n",
        ]
        if self.bad is not None:
            lineno, text = self.bad
            parts.append(
                (f"line {lineno} (as stored, control characters made visible):\n", "$text-muted")
            )
            parts.append(("\n".join(screen_lines(text)), "$text"))
        elif self.looked:
            parts.append(("(no single line to show)", "$text-muted"))
        else:
            parts.append(("looking for the line…", "$text-muted"))
        self.query_one("#corrupt-text", Static).update(Content.assemble(*parts))

    def action_back(self) -> None:
        self.dismiss()

    def action_pager(self) -> None:
        self.post_message(PagerRequested(self.info))

    def action_delete(self) -> None:
        self.post_message(DeleteRequested((self.info,)))
