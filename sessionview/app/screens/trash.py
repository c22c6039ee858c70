"""The trash: what was deleted, when and from where; restore or purge one or many."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.widgets import DataTable, Footer, Static

from sessionview.app.display import ago, short_path
from sessionview.app.messages import RestoreRequested
from sessionview.app.screens.base import SessionViewScreen
from sessionview.app.screens.confirm import ConfirmScreen
from sessionview.render.humanize import human_bytes as human_size
from sessionview.render.humanize import plural
from sessionview.render.safe import first_line as one_line
from sessionview.render.safe import screen_text as clean
from sessionview.store import actions
from sessionview.store.errors import PersistenceError

TITLE_WIDTH = 28


def _cut(text: str, width: int) -> Text:
    cell = Text(text)
    cell.truncate(width, overflow="ellipsis")
    return cell


def _deleted_at(entry: actions.TrashEntry) -> datetime | None:
    try:
        return datetime.fromisoformat(entry.deleted_at)
    except ValueError:
        return None


class TrashScreen(SessionViewScreen):
    """Entries newest first; `space` marks, `r` restores, `d` purges (after a question)."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("r", "restore", "Restore"),
        Binding("d", "purge", "Purge"),
        Binding("space", "mark", "Mark"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]

    class Listed(Message, bubble=False):
        """The reload worker read the trash."""

        def __init__(self, entries: list[actions.TrashEntry]) -> None:
            super().__init__()
            self.entries = entries

    class Purged(Message, bubble=False):
        """The purge worker finished: how many are gone, and the errors of the rest."""

        def __init__(self, purged: int, failed: list[str]) -> None:
            super().__init__()
            self.purged = purged
            self.failed = failed

    def __init__(self, now: Callable[[], datetime], trash_days: int) -> None:
        super().__init__()
        self.now = now
        self.trash_days = trash_days
        self.entries: list[actions.TrashEntry] = []
        self.marked: set[str] = set()
        self.loaded = False

    def compose(self) -> ComposeResult:
        yield Static(id="trash-title")
        yield DataTable(id="trash-table", cursor_type="row", zebra_stripes=False)
        yield Static(id="trash-empty")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        for key, label, width in (
            ("mark", " ", 1),
            ("deleted", "deleted", 9),
            ("id", "id", 8),
            ("size", "size", 8),
            ("title", "title", TITLE_WIDTH),
            ("from", "from", None),
        ):
            table.add_column(label, key=key, width=width)
        table.focus()
        self.reload()

    @work(thread=True, exclusive=True, exit_on_error=False, group="trash")
    def reload(self) -> None:
        self.post_message(self.Listed(actions.list_trash()))

    @on(Listed)
    def _listed(self, message: Listed) -> None:
        self._show(message.entries)

    def _show(self, entries: list[actions.TrashEntry]) -> None:
        self.entries = entries
        self.marked &= {e.folder for e in entries}
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        now = self.now()
        for entry in entries:
            where = short_path(entry.files[0][0].rpartition("/")[0]) if entry.files else ""
            table.add_row(
                Text("+" if entry.folder in self.marked else " "),
                Text(ago(_deleted_at(entry), now), justify="right"),
                Text(clean(entry.id[:8])),
                Text(human_size(entry.bytes), justify="right"),
                _cut(one_line(entry.title, 60) or "(no title)", TITLE_WIDTH),
                Text(where),
                key=entry.folder,
            )
        if entries:
            table.move_cursor(row=min(max(row, 0), len(entries) - 1), animate=False)
        table.display = bool(entries)
        empty = self.query_one("#trash-empty", Static)
        empty.display = not entries
        empty.update(Content.styled("the trash is empty", "$text-muted"))
        keep = (
            f"kept {plural(self.trash_days, 'day')}, then purged"
            if self.trash_days
            else "kept until purged"
        )
        total = human_size(sum(e.bytes for e in entries))
        self.query_one("#trash-title", Static).update(
            Content.assemble(
                ("Trash", "bold"),
                f"  {plural(len(entries), 'session')} · {total} · ",
                (keep, "$text-muted"),
                (f"  {len(self.marked)} marked" if self.marked else "", "bold $accent"),
            )
        )
        self.loaded = True

    def _current(self) -> actions.TrashEntry | None:
        table = self.query_one(DataTable)
        if not self.entries or not table.display:
            return None
        return self.entries[min(table.cursor_row, len(self.entries) - 1)]

    def _chosen(self) -> list[actions.TrashEntry]:
        if self.marked:
            return [e for e in self.entries if e.folder in self.marked]
        current = self._current()
        return [current] if current else []

    def action_mark(self) -> None:
        current = self._current()
        if current is None:
            return
        self.marked ^= {current.folder}
        self._show(self.entries)
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_down(self) -> None:
        self.query_one(DataTable).action_cursor_down()

    def action_cursor_up(self) -> None:
        self.query_one(DataTable).action_cursor_up()

    def action_restore(self) -> None:
        chosen = self._chosen()
        if chosen:
            self.marked.clear()
            self.post_message(RestoreRequested(tuple(chosen)))

    def action_purge(self) -> None:
        chosen = self._chosen()
        if not chosen:
            return
        parts: list[tuple[str, str] | str] = [
            (
                f"{plural(len(chosen), 'session')} ({human_size(sum(e.bytes for e in chosen))}) "
                "will be gone for good: this cannot be undone.\n\n",
                "",
            )
        ]
        for entry in chosen[:50]:
            parts.append((f"{clean(entry.id[:8])}  ", "$text-muted"))
            parts.append((one_line(entry.title, 60) or "(no title)") + "\n")
        if len(chosen) > 50:
            parts.append((f"… and {len(chosen) - 50} more\n", "$text-muted"))

        def done(ok: bool | None) -> None:
            if ok:
                self.marked.clear()
                self.purge_worker(chosen)

        self.app.push_screen(
            ConfirmScreen(
                f"Purge {plural(len(chosen), 'session')}?",
                Content.assemble(*parts).rstrip(),
                confirm_label="Purge",
            ),
            done,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="trash")
    def purge_worker(self, chosen: list[actions.TrashEntry]) -> None:
        failed = []
        for entry in chosen:
            try:
                actions.purge_trash(entry)
            except PersistenceError as exc:
                failed.append(str(exc))
        self.post_message(self.Purged(len(chosen) - len(failed), failed))

    @on(Purged)
    def _purged(self, message: Purged) -> None:
        purged, failed = message.purged, message.failed
        if purged:
            self.notify(f"purged {plural(purged, 'session')}")
        for error in failed[:5]:
            self.notify(clean(error), severity="error")
        self.reload()

    def action_back(self) -> None:
        self.dismiss()
