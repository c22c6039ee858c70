"""Which orders the session list offers, and how a `sort` setting is read and written.

The index hands rows over newest activity first; that default costs nothing. Any
other order is one `sorted()` per list update, only while the user chose it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sessionview.store.model import SessionInfo, SessionState

_EPOCH = datetime.fromtimestamp(0, UTC)
_STATE_ORDER = {
    SessionState.RUNNING: 0,
    SessionState.CRASHED: 1,
    SessionState.CLOSED: 2,
    SessionState.CORRUPT: 3,
}

#: column -> (sort key, newest/biggest first by default?)
SORT_COLUMNS: dict[str, tuple[Callable[[SessionInfo], Any], bool]] = {
    "activity": (lambda i: i.updated_at or _EPOCH, True),
    "created": (lambda i: i.created_at or _EPOCH, True),
    "title": (lambda i: (i.title or "\uffff").casefold(), False),
    "state": (lambda i: _STATE_ORDER[i.state], False),
    "id": (lambda i: i.id, False),
    "format": (lambda i: i.format, False),
    "chunks": (lambda i: i.chunks, True),
    "size": (lambda i: i.bytes, True),
    "tokens": (lambda i: i.total_tokens or 0, True),
}
DEFAULT_SORT = "activity"


@dataclass(frozen=True, slots=True)
class SortOrder:
    """A column and a direction; `descending` None means the column's natural one."""

    column: str = DEFAULT_SORT
    descending: bool | None = None

    @property
    def is_descending(self) -> bool:
        natural = SORT_COLUMNS[self.column][1]
        return natural if self.descending is None else self.descending

    @property
    def is_default(self) -> bool:
        return self.column == DEFAULT_SORT and self.is_descending

    def reversed(self) -> SortOrder:
        return SortOrder(self.column, not self.is_descending)

    def next_column(self) -> SortOrder:
        """The next column in SORT_COLUMNS' order, in its natural direction."""
        names = list(SORT_COLUMNS)
        return SortOrder(names[(names.index(self.column) + 1) % len(names)])

    def apply(self, rows: list[SessionInfo]) -> list[SessionInfo]:
        """`rows` (newest activity first) in this order; ties keep that order. The
        default order is `rows` itself: no work on the list's hot path."""
        if self.is_default:
            return rows
        key = SORT_COLUMNS[self.column][0]
        return sorted(rows, key=key, reverse=self.is_descending)

    def label(self) -> str:
        return f"{self.column} {'▼' if self.is_descending else '▲'}"

    def setting(self) -> str:
        """The config.toml value: `"size desc"`, `"title asc"`."""
        return f"{self.column} {'desc' if self.is_descending else 'asc'}"


def parse_sort(text: str) -> SortOrder:
    """`"size"`, `"size desc"`, `"title asc"` -> SortOrder; a one-line ValueError otherwise."""
    words = text.split()
    if not words or len(words) > 2 or words[0] not in SORT_COLUMNS:
        raise ValueError(
            f"expected a column ({', '.join(SORT_COLUMNS)}) and optionally asc or desc, "
            f"got {text!r}"
        )
    if len(words) == 1:
        return SortOrder(words[0])
    if words[1] not in ("asc", "desc"):
        raise ValueError(f"expected asc or desc after {words[0]!r}, got {words[1]!r}")
    return SortOrder(words[0], words[1] == "desc")
