"""What search needs of a listed session, from a `SessionInfo` or a listing entry.

A CLI search over 10,000 unchanged sessions must cost about what a warm `ls` does, so
it does not build 10,000 `SessionInfo` objects (each a JSON parse of its cached row):
the listing's entries already carry the path, format, state, activity time and the
`(device, inode, size, mtime)` the listing just read with `stat`. Only the sessions
shown become `SessionInfo`. The TUI passes its `SessionInfo` rows, which work the same.
"""

from __future__ import annotations

import os
from datetime import datetime

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sessionview.store.index.records import StatKey
    from sessionview.store.model import SessionInfo


class Listed:
    """One session as search sees it (its file's absolute path is its identity)."""

    __slots__ = ("_info", "_recency", "_source", "format", "key", "path", "state")

    def __init__(self, source: Any) -> None:
        self._source = source
        path = source.path
        self.path: str = path if path.startswith("/") else os.path.abspath(path)
        self._recency: float | None = None
        self.format: str = source.format
        if hasattr(source, "materialize"):  # a listing entry
            self._info: SessionInfo | None = None
            self.state: str = source.state
            #: The `stat` key the listing read just now; None: stat the file.
            self.key: StatKey | None = tuple(source.key)
        else:
            self._info = source
            self.state = source.state.value
            self.key = None

    @classmethod
    def of(
        cls, source: Any, path: str, fmt: str, state: str, recency: float | None = None
    ) -> Listed:
        """A listing entry's `Listed` from facts known good (an absolute path), without
        the checks of the constructor: 10,000 of them on every search."""
        listed = cls.__new__(cls)
        listed._source = source
        listed._info = None
        listed.path = path
        listed.format = fmt
        listed.state = state
        listed.key = None
        listed._recency = recency
        return listed

    def row(self) -> dict[str, Any]:
        """The session's listing row (as `ls --json` prints it), without building the
        record when the listing has the row."""
        if self._info is not None:
            return self._info.to_json()
        data: dict[str, Any] = self._source.row_data()
        return data

    def info(self) -> SessionInfo:
        if self._info is None:
            self._info = self._source.materialize()
        assert self._info is not None
        return self._info

    def updated_at(self) -> datetime | None:
        """Last activity (or creation) time, without building the `SessionInfo` when
        the listing has it as text."""
        if self._info is None:
            text = self._source.updated
            if text:
                return datetime.fromisoformat(text)
        info = self.info()
        return info.updated_at or info.created_at

    def recency(self) -> float:
        """Last activity as a timestamp (kept: a query sorts thousands of sessions by it,
        and the TUI keeps its `Listed` objects across keystrokes)."""
        if self._recency is None:
            when = self.updated_at()
            try:
                self._recency = when.timestamp() if when is not None else 0.0
            except (OverflowError, OSError, ValueError):
                self._recency = 0.0
        return self._recency


def as_listed(sessions: Iterable[Any]) -> list[Listed]:
    return [s if type(s) is Listed else Listed(s) for s in sessions]
