"""Full-text search over every chunk of every session (SQLite FTS5, standard library).

`SearchIndex` is the one entry point for the CLI and the TUI: `update(sessions)` brings
the index up to date with a listing (stat-based, incremental), `search(text, sessions)`
answers from it. Each call opens its own connection, so any thread may call either;
several processes may too (WAL, busy timeout, one transaction per batch). No textual
or rich here.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence

from sessionview.store.search.db import SearchUnavailable, connect, default_path
from sessionview.store.search.listing import Listed, as_listed
from sessionview.store.search.query import parse
from sessionview.store.search.searcher import (
    MAX_HITS,
    Hit,
    SessionHits,
    chunks_matching,
    files_stamp,
    listed_ids,
    newest_matching,
    roles_mask,
    search,
    search_files,
)

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any, Protocol

    from sessionview.store.index import SessionIndex
    from sessionview.store.model import SessionInfo
    from sessionview.store.roots import Root
    from sessionview.store.search.indexer import ProgressFn, UpdateStats

    class Cancel(Protocol):
        """What stops a query: a `threading.Event`, or anything with its `is_set`."""

        def is_set(self) -> bool: ...


class SearchCancelled(Exception):
    """A query stopped by its `cancel` event."""


class Prepared:
    """A listing matched to the index's files once, for many queries: the TUI asks one
    per keystroke over the same 10,000 sessions, and matching them to the file table
    was most of a rare word's query. Rematched when files were added or dropped."""

    __slots__ = ("_ids", "_stamp", "sessions")

    def __init__(self, sessions: Iterable[Any]) -> None:
        self.sessions = as_listed(sessions)
        self._ids: dict[int, Listed] | None = None
        self._stamp: tuple[int, int] | None = None

    def ids(self, con: sqlite3.Connection) -> dict[int, Listed]:
        stamp = files_stamp(con)
        if self._ids is None or stamp != self._stamp:
            self._ids, self._stamp = listed_ids(con, self.sessions), stamp
        return self._ids


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
        from sessionview.store.search.indexer import Indexer

        with self._connection() as con:
            return Indexer(con).update(as_listed(sessions), progress=progress, stop=stop)

    def pending(self, sessions: Iterable[Any]) -> int:
        """How many files `update` would read (0: the index is current)."""
        from sessionview.store.search.indexer import Indexer

        with self._connection() as con:
            jobs, _ = Indexer(con).plan(as_listed(sessions))
            return len(jobs)

    @contextlib.contextmanager
    def _query(self, cancel: Cancel | None) -> Iterator[sqlite3.Connection]:
        """A connection for one query; `cancel`, set from another thread, stops it inside
        SQLite within milliseconds (`SearchCancelled`): the TUI drops a query the next
        keystroke replaced instead of letting it finish on a shared core."""
        if cancel is not None and cancel.is_set():
            raise SearchCancelled()
        with self._connection() as con:
            if cancel is not None:
                con.set_progress_handler(cancel.is_set, 10_000)
            try:
                yield con
            except sqlite3.OperationalError:
                if cancel is not None and cancel.is_set():
                    raise SearchCancelled() from None
                raise

    def search_if_current(
        self,
        text: str,
        roots: Sequence[Root],
        *,
        reuse_listings: bool = True,
        keep: Callable[[Listed], bool] | None = None,
        kinds: Iterable[str] = (),
        limit: int | None = 20,
    ) -> tuple[list[SessionHits], list[str]] | None:
        """`search` over the sessions of the last listing of `roots` that `keep`
        allows, with that listing's problem lines, when the snapshot kept by
        `remember` proves that listing unchanged but for a few files (which are then
        read and indexed alone); None when it cannot: list, `update`, `search` and
        `remember` instead. See `snapshot.py`."""
        from sessionview.store.search import snapshot

        key = snapshot.roots_key(roots, reuse_listings)
        if key is None:
            return None
        with self._connection() as con:
            proof = snapshot.current(con, key)
            if proof is None:
                return None
            if proof.changed and not snapshot.catch_up(con, key, proof, roots, reuse_listings):
                return None
            sessions: Mapping[int, Listed] = proof.sessions
            if keep is not None:
                sessions = {f: s for f, s in sessions.items() if keep(s)}
            try:
                results = search_files(con, text, sessions, roles=roles_mask(kinds), limit=limit)
                for result in results:
                    result.listed.row()  # read now, while the connection is open
            except snapshot.Stale:
                return None
            return results, proof.problems

    def remember(
        self,
        roots: Sequence[Root],
        index: SessionIndex,
        entries: Sequence[Any],
        *,
        reuse_listings: bool = True,
    ) -> bool:
        """Keep the listing `index` just made (its `scan_entries()`), once `update` made
        the index current with it, so that the next `search_if_current` can skip it."""
        from sessionview.store.search import snapshot

        key = snapshot.roots_key(roots, reuse_listings)
        if key is None:
            return False
        with self._connection() as con:
            return snapshot.save(con, key, index, entries)

    def search(
        self,
        text: str,
        sessions: Iterable[Any] | Prepared,
        *,
        kinds: Iterable[str] = (),
        limit: int | None = 20,
        max_hits: int = MAX_HITS,
        cancel: Cancel | None = None,
    ) -> list[SessionHits]:
        """Sessions in which every term matches, best first, each with its first
        `max_hits` hits (see `searcher.search`); `cancel` stops it (see `_query`).
        `sessions` may be a `Prepared` listing (kept across queries)."""
        with self._query(cancel) as con:
            if isinstance(sessions, Prepared):
                listed, ids = sessions.sessions, sessions.ids(con)
            else:
                listed, ids = as_listed(sessions), None
            return search(
                con, text, listed, roles=roles_mask(kinds), limit=limit, max_hits=max_hits, ids=ids
            )

    def newest_matching(
        self,
        text: str,
        newest_first: Iterable[Any],
        *,
        kinds: Iterable[str] = (),
        limit: int = 20,
        max_hits: int = MAX_HITS,
        cancel: Cancel | None = None,
    ) -> list[SessionHits] | None:
        """The `limit` newest sessions (of `newest_first`, sorted newest first) that
        contain every term, found by looking from the newest; None when the first
        fifty do not hold that many (see `searcher.newest_matching`). For drawing
        something at once while `search` ranks."""
        with self._query(cancel) as con:
            return newest_matching(
                con,
                text,
                as_listed(newest_first),
                roles=roles_mask(kinds),
                limit=limit,
                max_hits=max_hits,
            )

    def chunks_matching(self, text: str, path: str, *, kinds: Iterable[str] = ()) -> list[int]:
        """Every chunk of the session file `path` where a term of `text` matches, in
        order (all of a session's hits; `search` lists only the first few)."""
        with self._connection() as con:
            return chunks_matching(con, text, os.path.abspath(path), roles=roles_mask(kinds))


def search_rows(
    index: SearchIndex,
    text: str,
    sessions: Iterable[SessionInfo],
    *,
    formats: Iterable[str] | None = None,
    states: Iterable[str] | None = None,
    kinds: Iterable[str] = (),
    since: str | None = None,
    limit: int | None = 20,
    progress: ProgressFn | None = None,
) -> list[dict[str, Any]]:
    """One host's whole search as JSON rows, best first: index what changed, keep the
    sessions the filters allow, search. `search --json`'s row plus `updated_at`,
    `matching_chunks` and `score` (lower is better), so rows of several hosts merge.
    The remote `serve` answers `search` with this; ValueError for a bad `since`."""
    from datetime import UTC, datetime

    cutoff = None
    if since:
        from sessionview.store.actions import parse_age

        cutoff = datetime.now(UTC) - parse_age(since)
    sessions = list(sessions)
    index.update(sessions, progress=progress)
    wanted_formats = None if formats is None else set(formats)
    wanted_states = None if states is None else set(states)
    wanted = [
        s
        for s in sessions
        if (wanted_formats is None or s.format in wanted_formats)
        and (wanted_states is None or s.state.value in wanted_states)
        and (cutoff is None or (s.updated_at or s.created_at or cutoff) >= cutoff)
    ]
    results = index.search(text, wanted, kinds=kinds, limit=limit)
    return [
        {
            **r.to_json(),
            "updated_at": r.info.updated_at.isoformat() if r.info.updated_at else None,
            "matching_chunks": r.matching_chunks,
            "score": r.score,
        }
        for r in results
    ]


__all__ = [
    "Hit",
    "Listed",
    "Prepared",
    "SearchCancelled",
    "SearchIndex",
    "SearchUnavailable",
    "SessionHits",
    "UpdateStats",
    "default_path",
    "parse",
    "search_rows",
]


def __getattr__(name: str) -> Any:
    # The indexer (and what it imports) is loaded only by a search that indexes.
    if name == "UpdateStats":
        from sessionview.store.search.indexer import UpdateStats

        return UpdateStats
    raise AttributeError(name)
