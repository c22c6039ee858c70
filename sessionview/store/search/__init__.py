"""Full-text search over every chunk of every session (SQLite FTS5, standard library).

`SearchIndex` is the one entry point for the CLI and the TUI: `update(sessions)` brings
the index up to date with a listing (stat-based, incremental), `search(text, sessions)`
answers from it. Each call opens its own connection, so any thread may call either;
several processes may too (WAL, busy timeout, one transaction per batch). No textual
or rich here.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from typing import Any

from sessionview.store.search.db import SearchUnavailable, connect, default_path
from sessionview.store.search.indexer import Indexer, ProgressFn, UpdateStats
from sessionview.store.search.listing import Listed, as_listed
from sessionview.store.search.query import parse
from sessionview.store.search.searcher import Hit, SessionHits, roles_mask, search


class SearchIndex:
    """The search index file at `path` (default: the user cache directory)."""

    def __init__(self, path: str | None = None) -> None:
        self.path = path or default_path()
        #: One line per thing the user should know (an index rebuilt, and why).
        self.notices: list[str] = []

    @contextlib.contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        con = connect(self.path, self.notices)
        try:
            yield con
        except sqlite3.OperationalError as exc:
            text = str(exc).lower()
            if any(s in text for s in ("full", "readonly", "read-only", "i/o", "unable to open")):
                raise SearchUnavailable(f"search is unavailable: {self.path}: {exc}") from None
            raise
        except sqlite3.DatabaseError as exc:
            # Damaged under us: the next connection rebuilds it.
            self.notices.append(f"the search index {self.path} is damaged ({exc}); rebuilding it")
            con.close()
            with contextlib.suppress(OSError):
                from sessionview.store.search.db import _remove

                _remove(self.path)
            raise SearchUnavailable(
                "search is unavailable: the index was damaged; it is rebuilt on the next search"
            ) from None
        finally:
            con.close()

    def update(
        self,
        sessions: Iterable[Any],
        *,
        progress: ProgressFn | None = None,
        stop: threading.Event | None = None,
    ) -> UpdateStats:
        """Index what changed in these sessions' files; drop files gone from disk."""
        with self._connection() as con:
            return Indexer(con).update(as_listed(sessions), progress=progress, stop=stop)

    def pending(self, sessions: Iterable[Any]) -> int:
        """How many files `update` would read (0: the index is current)."""
        with self._connection() as con:
            jobs, _ = Indexer(con).plan(as_listed(sessions))
            return len(jobs)

    def search(
        self,
        text: str,
        sessions: Iterable[Any],
        *,
        kinds: Iterable[str] = (),
        limit: int | None = 20,
    ) -> list[SessionHits]:
        """Sessions in which every term matches, best first (see `searcher.search`)."""
        with self._connection() as con:
            return search(con, text, as_listed(sessions), roles=roles_mask(kinds), limit=limit)


__all__ = [
    "Hit",
    "Listed",
    "SearchIndex",
    "SearchUnavailable",
    "SessionHits",
    "UpdateStats",
    "default_path",
    "parse",
]
