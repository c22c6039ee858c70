"""The session list: a DataTable keyed by session, updated in place so the cursor never jumps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.widgets import DataTable
from textual.widgets.data_table import RowDoesNotExist

from sessionview.app.display import ago, human_count, local_time, reason_text
from sessionview.app.remote_rows import host_of
from sessionview.render.humanize import human_bytes as human_size
from sessionview.render.safe import screen_text as clean
from sessionview.store.fold import row_key
from sessionview.store.model import SessionInfo, SessionState

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("mark", " ", 1),
    ("state", "state", 9),
    ("title", "title", None),
    ("id", "id", 8),
    ("format", "format", 8),
    ("created", "created", 16),
    ("activity", "activity", 9),
    ("chunks", "chunks", 6),
    ("size", "size", 8),
    ("tokens", "tokens", 7),
)
#: Columns given up, in this order, while the title would be narrower than WANT_TITLE
#: (the preview pane repeats all of them).
DROP_ORDER = ("tokens", "created", "size", "chunks", "id")
WANT_TITLE = 24
HOST_WIDTH = 10
MIN_TITLE = 16
CELL_PADDING = 2  # DataTable's cell_padding on both sides of each column


def columns_for(width: int) -> tuple[list[tuple[str, str, int | None]], int]:
    """The columns that fit `width` cells, and the title column's width."""
    shown = list(COLUMNS)

    def title_width() -> int:
        fixed = sum(w for _, _, w in shown if w) + CELL_PADDING * len(shown) + 2
        return width - fixed

    for key in DROP_ORDER:
        if title_width() >= WANT_TITLE:
            break
        shown = [c for c in shown if c[0] != key]
    return shown, max(MIN_TITLE, title_width())


class RowMark(Text):
    """The mark cell; it also carries its row's key, so `sort` can order rows by key."""

    row_key: str = ""


_KEY_CACHE: dict[int, tuple[SessionInfo, str]] = {}


def session_key(info: SessionInfo) -> str:
    """`store.fold.row_key` (one row per session), remembered per `SessionInfo` object.

    The list asks for every row's key on each update; the index hands back the same
    object for an unchanged file, so a 10,000-row update computes a handful of keys.
    The cache holds the object itself, so an id is never reused while cached.
    """
    hit = _KEY_CACHE.get(id(info))
    if hit is not None and hit[0] is info:
        return hit[1]
    key = row_key(info)
    if len(_KEY_CACHE) > 100_000:
        _KEY_CACHE.clear()
    _KEY_CACHE[id(info)] = (info, key)
    return key


def _next_age_change(updated: datetime | None, stamp: float) -> float:
    """When an "N<unit> ago" text for `updated` changes next (a POSIX time)."""
    if updated is None:
        return float("inf")
    secs = stamp - updated.timestamp()
    for size in (86400, 3600, 60):
        if secs >= size:
            return stamp + size - secs % size
    return stamp + max(1.0, 60 - secs)  # "just now" until the first minute is up


class SessionTable(DataTable):
    """Sessions, newest activity first; `show()` diffs against what is on screen."""

    COMPONENT_CLASSES = {
        "session-table--running",
        "session-table--crashed",
        "session-table--closed",
        "session-table--corrupt",
        "session-table--mark",
        "session-table--dim",
    }
    BINDINGS = [
        Binding("enter", "select_cursor", "Open"),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
    ]
    DEFAULT_CSS = """
    SessionTable {
        & > .session-table--running { color: $sv-running; }
        & > .session-table--crashed { color: $sv-crashed; }
        & > .session-table--closed { color: $sv-closed; }
        & > .session-table--corrupt { color: $sv-corrupt; }
        & > .session-table--mark { color: $accent; text-style: bold; }
        & > .session-table--dim { color: $sv-system; }
    }
    """

    def __init__(self, now: Callable[[], datetime], **kwargs) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.now = now
        self.marked: set[str] = set()
        self._keys: list[str] = []
        self._cells: dict[str, tuple] = {}
        self._infos: dict[str, SessionInfo] = {}
        self._age_due: dict[str, float] = {}
        self._title_width = 30
        self._built_width = 0
        self._columns: list[str] = [key for key, _, _ in COLUMNS]
        #: The session the cursor was last on: a filter that shows no rows for a
        #: while must not lose it (the cursor returns to it when it is shown again).
        self._remembered: str | None = None
        self._show_hosts = False

    # ----------------------------------------------------------------- columns
    @property
    def show_hosts(self) -> bool:
        return self._show_hosts

    @show_hosts.setter
    def show_hosts(self, value: bool) -> None:
        """A host column after the state (only with remote hosts)."""
        if value != self._show_hosts:
            self._show_hosts = value
            infos = [self._infos[k] for k in self._keys]
            self._build_columns(self._built_width or self.size.width or 120)
            self._rebuild(infos)

    def on_mount(self) -> None:
        self._build_columns(self.size.width or 120)

    def on_resize(self) -> None:
        width = self.size.width
        if width and width != self._built_width:
            infos = [self._infos[k] for k in self._keys]
            key = self.current_key
            self._build_columns(width)
            self._rebuild(infos)
            if key is not None:
                self.select_key(key)

    def _build_columns(self, width: int) -> None:
        self._built_width = width
        columns, self._title_width = columns_for(width - (HOST_WIDTH + 2) * self._show_hosts)
        if self._show_hosts:
            columns.insert(2, ("host", "host", HOST_WIDTH))
        self._columns = [key for key, _, _ in columns]
        self.clear(columns=True)
        self._keys = []
        self._cells = {}
        for key, label, col_width in columns:
            self.add_column(label, key=key, width=col_width or self._title_width)

    # ------------------------------------------------------------------- cells
    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"session-table--{name}", partial=True)

    def _cell(self, column: str, info: SessionInfo, key: str) -> Text:
        if column == "mark":
            mark = RowMark("+", style=self._style("mark")) if key in self.marked else RowMark(" ")
            mark.row_key = key
            return mark
        if column == "state":
            return Text(f"{info.glyph} {info.state.value}", style=self._style(info.state.value))
        if column == "title":
            title = clean(info.title) if info.title else ""
            if not title and info.state is SessionState.CORRUPT:
                title = reason_text(info.state_reason, info.path)
            text = Text(title) if title else Text("(no title)", style=self._style("dim"))
            text.truncate(self._title_width, overflow="ellipsis")
            return text
        if column == "id":
            return Text(clean(info.short_id))
        if column == "host":
            host = host_of(info)
            text = Text(clean(host)) if host else Text("local", style=self._style("dim"))
            text.truncate(HOST_WIDTH, overflow="ellipsis")
            return text
        if column == "format":
            return Text(clean(info.format))
        if column == "created":
            return Text(local_time(info.created_at))
        if column == "activity":
            return Text(ago(info.updated_at, self.now()), justify="right")
        if column == "chunks":
            return Text(human_count(info.chunks), justify="right")
        if column == "size":
            return Text(human_size(info.bytes), justify="right")
        return Text(human_count(info.total_tokens), justify="right")  # tokens

    def _row(self, info: SessionInfo) -> tuple[Text, ...]:
        key = session_key(info)
        return tuple(self._cell(column, info, key) for column in self._columns)

    @staticmethod
    def _plain(cells: tuple) -> tuple:
        return tuple((c.plain, str(c.style)) for c in cells)

    # ------------------------------------------------------------------ update
    @property
    def current_key(self) -> str | None:
        if not self._keys or self.cursor_row < 0 or self.cursor_row >= len(self._keys):
            return None
        return self._keys[self.cursor_row]

    def info(self, key: str | None) -> SessionInfo | None:
        return self._infos.get(key) if key else None

    @property
    def keys(self) -> list[str]:
        return list(self._keys)

    def show(self, infos: Sequence[SessionInfo]) -> None:
        """Make the table show exactly `infos`, in order, keeping the cursor's session.

        Only rows whose session changed are re-rendered (the index hands back the same
        `SessionInfo` object for an unchanged file), rows are added and removed one by
        one, and a new order is applied with `DataTable.sort`: one append to a file in
        a 10,000-session list costs one row, not a rebuild of the table.
        """
        if self.current_key is not None:
            self._remembered = self.current_key
        keys = [session_key(i) for i in infos]
        if keys == self._keys:
            for info, key in zip(infos, keys, strict=True):
                if self._infos.get(key) is not info:
                    self._infos[key] = info
                    self._update_row(key, info)
            return
        if not self._keys or len(set(keys).symmetric_difference(self._keys)) > len(keys) // 2:
            self._rebuild(list(infos))
            return
        self._reorder(keys, list(infos))

    def _reorder(self, keys: list[str], infos: list[SessionInfo]) -> None:
        old_key, old_row, offset = self.current_key, self.cursor_row, self._cursor_offset()
        wanted = dict(zip(keys, infos, strict=True))
        for key in [k for k in self._keys if k not in wanted]:
            self.remove_row(key)
            self._infos.pop(key, None)
            self._cells.pop(key, None)
            self.marked.discard(key)
        for key, info in wanted.items():
            if key not in self._infos:
                cells = self._row(info)
                self._infos[key] = info
                self._cells[key] = self._plain(cells)
                self.add_row(*cells, key=key)
            elif self._infos[key] is not info:
                self._infos[key] = info
                self._update_row(key, info)
        self._keys = keys
        position = {key: n for n, key in enumerate(keys)}
        self.sort("mark", key=lambda cell: position[cell.row_key])
        self._restore_cursor(old_key, old_row, offset)

    def _cursor_offset(self) -> int:
        return self.cursor_row - int(self.scroll_y)

    def _restore_cursor(self, old_key: str | None, old_row: int, offset: int) -> None:
        """Put the cursor back on its session, at the same height on screen."""
        if not self._keys:
            return
        if old_key not in self._infos and self._remembered in self._infos:
            old_key = self._remembered
        if old_key in self._infos:
            row = self._keys.index(old_key)
        else:
            row = max(0, min(old_row, len(self._keys) - 1))
        self.move_cursor(row=row, animate=False, scroll=False)
        target = max(0, row - max(0, offset))
        self.call_after_refresh(self.scroll_to, y=target, animate=False)

    def _update_row(self, key: str, info: SessionInfo) -> None:
        self._age_due.pop(key, None)
        cells = self._row(info)
        plain = self._plain(cells)
        old = self._cells.get(key)
        if old == plain:
            return
        self._cells[key] = plain
        for n, col in enumerate(self._columns):
            if not old or old[n] != plain[n]:
                try:
                    self.update_cell(key, col, cells[n])
                except RowDoesNotExist:
                    return

    def refresh_ages(self) -> int:
        """The clock moved: update only the "activity" cells whose text changed.

        Each row remembers when its text next changes ("5m ago" changes once a minute,
        "3d ago" once a day), so a tick over 10,000 old sessions is a dictionary
        lookup per row. Returns how many cells changed."""
        if "activity" not in self._columns:
            return 0
        column = self._columns.index("activity")
        now = self.now()
        stamp = now.timestamp()
        due = self._age_due
        changed = 0
        for key in self._keys:
            if due.get(key, 0.0) > stamp:
                continue
            old = self._cells.get(key)
            if not old:
                continue
            updated = self._infos[key].updated_at
            due[key] = _next_age_change(updated, stamp)
            text = ago(updated, now)
            if old[column][0] == text:
                continue
            cell = Text(text, justify="right")
            self._cells[key] = (*old[:column], (text, str(cell.style)), *old[column + 1 :])
            changed += 1
            try:
                self.update_cell(key, "activity", cell)
            except RowDoesNotExist:
                continue
        return changed

    def refresh_rows(self) -> None:
        """Re-render every cell whose text or style changed (e.g. after a theme change)."""
        for key in self._keys:
            self._update_row(key, self._infos[key])

    def restyle(self) -> None:
        self._cells = {k: () for k in self._cells}
        self.refresh_rows()

    def _rebuild(self, infos: list[SessionInfo]) -> None:
        old_key, old_row, offset = self.current_key, self.cursor_row, self._cursor_offset()
        self.clear(columns=False)
        self._keys = [session_key(i) for i in infos]
        self._infos = dict(zip(self._keys, infos, strict=True))
        self._cells = {}
        for key, info in zip(self._keys, infos, strict=True):
            cells = self._row(info)
            self._cells[key] = self._plain(cells)
            self.add_row(*cells, key=key)
        self._restore_cursor(old_key, old_row, offset)

    def select_key(self, key: str) -> bool:
        if key not in self._infos:
            return False
        self.move_cursor(row=self._keys.index(key), animate=False)
        return True

    def toggle_mark(self) -> None:
        key = self.current_key
        if key is None:
            return
        if key in self.marked:
            self.marked.discard(key)
        else:
            self.marked.add(key)
        self._update_row(key, self._infos[key])
        if self.cursor_row < len(self._keys) - 1:
            self.move_cursor(row=self.cursor_row + 1)
