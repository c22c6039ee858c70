"""The CLI's proof that nothing changed since its last search: the listing, skipped.

A CLI search must bring the index up to date first, and the cheapest way to know it
is up to date is to show that the listing would come out as it did last time. After
a search that listed the sessions (the slow way: `SessionIndex.scan_entries`, then
`SearchIndex.update`), the facts that listing rested on (`store/index/proof.py`:
walks, stat keys, lock verdicts) are kept in the search index file per set of roots,
with the rows printed for the sessions (table `listed`, rewritten only for rows that
changed) and the listing's problem lines.

The next search checks those facts (`proof.changed_files`), with no listing cache to
load, no entry per file and no per-file query: when all agree, the index, brought up
to date with that listing last time, is still current for every session. A few files
whose stat key or lock verdict moved (a running session that grew) are read alone, as
the listing would read them, indexed, and the snapshot updated (`catch_up`). Anything
else is "not proven": the caller lists and updates the slow way, which writes a new
snapshot.
"""

from __future__ import annotations

import marshal
import sqlite3
from collections.abc import Iterator, Mapping

from sessionview.store.index.disk_cache import unmarshal
from sessionview.store.index.proof import (
    TAG,
    absolute,
    changed_files,
    file_fact,
    listing_facts,
    pack,
    unpack,
)
from sessionview.store.search.db import transaction

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import Root
    from sessionview.store.search.listing import Listed

#: A snapshot written by another Python or another record cache version proves nothing.
_TAG = f"sv-search-snapshot-6 {TAG}"


def roots_key(roots: Sequence[Root], reuse_listings: bool) -> str | None:
    """The snapshot's key for these roots; None when no snapshot may be used (a
    listing that must list every directory every time cannot be skipped either)."""
    if not reuse_listings:
        return None
    from sessionview.store.index.adapters import walk_key

    return repr([walk_key(root) for root in roots])


class Stale(Exception):
    """The snapshot changed under this search (another process kept a newer one)."""


class _Row:
    """A listed session's row as the snapshot keeps it (what `Listed` asks of a
    listing entry: `updated`, `row_data()`, `materialize()`); read from the index only
    for the sessions shown, while the search's connection is open."""

    __slots__ = ("_con", "_data", "_roots", "info", "path", "updated")

    def __init__(self, con: sqlite3.Connection, roots: str, path: str, updated: str) -> None:
        self._con = con
        self._roots = roots
        self.path = path
        self.updated = updated
        self._data: dict[str, Any] | None = None
        self.info: Any = None

    def row_data(self) -> dict[str, Any]:
        if self._data is None:
            # The stdlib's parser: a search that prints a few rows needs no orjson.
            import json

            found = self._con.execute(
                "SELECT row FROM listed WHERE roots = ? AND path = ?", (self._roots, self.path)
            ).fetchone()
            if found is None:  # another search replaced the snapshot meanwhile
                raise Stale(self.path)
            self._data = json.loads(found[0])
        return self._data

    def materialize(self) -> Any:
        if self.info is None:
            from sessionview.store.model import SessionInfo

            self.info = SessionInfo.from_json(self.row_data())
        return self.info


#: More files changed than this since the last search: list them all the slow way.
MAX_CHANGED = 64


class Proof:
    """What `current` found: the listed sessions by file id, the listing's problem
    lines, and the files that changed since (each must be caught up first)."""

    __slots__ = ("changed", "data", "problems", "sessions")

    def __init__(
        self, sessions: Sessions, problems: list[str], changed: list[str], data: Any
    ) -> None:
        self.sessions = sessions
        self.problems = problems
        self.changed = changed
        self.data = data


def current(con: sqlite3.Connection, key: str) -> Proof | None:
    """The snapshot of `key` checked against the disk: None when the listing may have
    changed in a way only a whole listing can tell (a directory changed, a file
    vanished, many files changed); else the proof, with the files whose stat key or
    lock verdict moved (none: the index is current for the whole listing)."""
    found = con.execute("SELECT data FROM snapshot WHERE roots = ?", (key,)).fetchone()
    if found is None:
        return None
    try:
        tag, walks, files, problems, simple, best_data = unmarshal(found[0])
    except (ValueError, TypeError, EOFError):
        return None
    if tag != _TAG:
        return None
    # The sessions' rows are marshalled apart and read while a forked child stats files.
    loaded: list[Any] = []

    def load_best() -> None:
        try:
            loaded.append(unmarshal(best_data))
        except (ValueError, TypeError, EOFError):
            loaded.append(None)  # damaged: the long way

    changed = changed_files(walks, files, MAX_CHANGED if simple else 0, load_best)
    if changed is None or not loaded or loaded[0] is None:
        return None
    best = loaded[0]
    data = (tag, walks, files, problems, simple, best)
    return Proof(Sessions(con, key, best), list(problems), changed, data)


class Sessions(Mapping[int, "Listed"]):
    """The listed sessions by file id, each `Listed` made when first asked for (a
    search asks for a few: making 10,000 was a tenth of a rare word's search)."""

    def __init__(self, con: sqlite3.Connection, key: str, best: tuple[Any, ...]) -> None:
        self._con = con
        self._key = key
        self._facts = {fact[1]: fact for fact in best}
        self._made: dict[int, Listed] = {}

    def __getitem__(self, file_id: int) -> Listed:
        listed = self._made.get(file_id)
        if listed is None:
            from sessionview.store.search.listing import Listed

            path, _, fmt, state, updated, recency = self._facts[file_id]
            row = _Row(self._con, self._key, path, updated)
            listed = self._made[file_id] = Listed.of(row, path, fmt, state, recency)
        return listed

    def __setitem__(self, file_id: int, listed: Listed) -> None:
        self._made[file_id] = listed
        self._facts[file_id] = (listed.path, file_id, listed.format, listed.state, "", 0.0)

    def __contains__(self, file_id: object) -> bool:
        return file_id in self._facts

    def __iter__(self) -> Iterator[int]:
        return iter(self._facts)

    def __len__(self) -> int:
        return len(self._facts)

    def newest(self) -> list[int]:
        """The file ids, the most recently active session first (`Listed.recency`)."""
        facts = self._facts
        made = self._made
        return sorted(facts, key=lambda f: -(made[f].recency() if f in made else facts[f][5]))


def catch_up(
    con: sqlite3.Connection, key: str, proof: Proof, roots: Sequence[Root], reuse: bool
) -> bool:
    """Bring the listing's rows, the index and the snapshot up to date for the few
    files `proof` found changed, reading those files only (no whole listing, no
    listing cache); False when that cannot be shown right (then list the slow way).

    Only for a snapshot where every file is its own session (no partial and final
    file folded into one row), so a changed file changes its own row and nothing else.
    """
    from sessionview.store.index import SessionIndex
    from sessionview.store.liveness import LivenessProbe
    from sessionview.store.search.indexer import Indexer
    from sessionview.store.search.listing import Listed

    tag, walks, files, problems, simple, best = proof.data
    index = SessionIndex(roots, use_cache=False, reuse_listings=reuse)
    for path in proof.changed:
        if index.refresh(path) is None:
            return False
    _, fresh = index.last_scan()
    probe = LivenessProbe()
    facts = {}
    for path, (entry, record) in fresh.items():
        fact = file_fact(path, entry, record, probe)
        if fact is None or entry.state == "corrupt":
            return False
        facts[absolute(path)] = fact
    entries = [entry for entry, _ in fresh.values()]
    Indexer(con).update([Listed(e) for e in entries], only=True)
    with transaction(con):
        ids = _indexed_as_listed(con, entries)
        if ids is None:
            return False
        rows = {}
        for entry in entries:
            path = absolute(entry.path)
            listed = Listed(entry)
            rows[path] = (
                path,
                ids[path],
                entry.format,
                entry.state,
                entry.updated,
                listed.recency(),
            )
            proof.sessions[ids[path]] = Listed.of(
                _Row(con, key, path, entry.updated),
                path,
                entry.format,
                entry.state,
                listed.recency(),
            )
        best = tuple(rows.pop(s[0], s) for s in best)
        if rows:
            return False  # a file that was not a session of this listing
        files = pack([facts.get(f[0], f) for f in unpack(files)])
        if files is None:
            return False
        _write(con, key, (tag, walks, files, problems, simple, best), entries)
    proof.changed = []
    return True


def save(con: sqlite3.Connection, key: str, index: SessionIndex, best: Sequence[Any]) -> bool:
    """Keep what the listing `index` just made (its best entries `best`) as the
    snapshot for `key`; False (and any old snapshot for `key` removed) when a file's
    state is not provable by stat and lock alone, or a file changed meanwhile."""
    facts = listing_facts(index.last_scan(), index.problems, len(best))
    with transaction(con):
        # The index must hold every file as this listing saw it (another process may
        # have indexed another version of one meanwhile).
        ids = _indexed_as_listed(con, best) if facts is not None else None
        if facts is None or ids is None:
            con.execute("DELETE FROM snapshot WHERE roots = ?", (key,))
            return False
        from sessionview.store.search.listing import Listed

        sessions = []
        for e in best:
            path = absolute(e.path)
            if path in ids:
                recency = Listed(e).recency()  # as the search sorts by it
                sessions.append((path, ids[path], e.format, e.state, e.updated, recency))
        kept = dict(con.execute("SELECT path, sig FROM listed WHERE roots = ?", (key,)))
        gone = set(kept) - {absolute(e.path) for e in best}
        con.executemany("DELETE FROM listed WHERE roots = ? AND path = ?", [(key, p) for p in gone])
        _write(con, key, (_TAG, *facts, tuple(sessions)), best, kept)
    return True


def _write(
    con: sqlite3.Connection,
    key: str,
    data: tuple[Any, ...],
    entries: Sequence[Any],
    kept: dict[str, str] | None = None,
) -> None:
    """The snapshot blob, and the rows of `entries` that changed (inside a transaction).
    `data` is `(tag, walks, files, problems, simple, best)`; `best` is marshalled on
    its own inside it (`current` reads it while the files are stat'ed)."""
    data = (*data[:5], marshal.dumps(data[5]))
    if kept is None:
        paths = [absolute(e.path) for e in entries]
        kept = dict(
            con.execute(
                f"SELECT path, sig FROM listed WHERE roots = ? AND path IN"
                f" ({','.join('?' * len(paths))})",
                (key, *paths),
            )
        )
    changed = []
    for entry in entries:
        path = absolute(entry.path)
        sig = repr((entry.key, entry.state, entry.format, entry.updated))
        if kept.get(path) != sig:
            row = (entry.format, entry.state, entry.updated, entry.json_row())
            changed.append((key, path, sig, *row))
    con.executemany(
        "INSERT OR REPLACE INTO listed (roots, path, sig, format, state, updated, row)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        changed,
    )
    con.execute(
        "INSERT OR REPLACE INTO snapshot (roots, data) VALUES (?, ?)", (key, marshal.dumps(data))
    )


def _indexed_as_listed(con: sqlite3.Connection, best: Sequence[Any]) -> dict[str, int] | None:
    """The index's file ids of the listed sessions (corrupt ones are not indexed), when
    it holds every one of their files as the listing saw it; else None."""
    query = "SELECT id, path, dev, ino, size, mtime_ns FROM files"
    if len(best) <= 100:  # a few files caught up: look them up, not the whole table
        paths = [absolute(e.path) for e in best]
        rows = con.execute(f"{query} WHERE path IN ({','.join('?' * len(paths))})", paths)
    else:
        rows = con.execute(query)
    indexed = {
        path: (file_id, (dev, ino, size, mtime)) for file_id, path, dev, ino, size, mtime in rows
    }
    ids = {}
    for e in best:
        if e.state == "corrupt":
            continue
        path = absolute(e.path)
        found = indexed.get(path)
        if found is None or found[1] != tuple(e.key):
            return None
        ids[path] = found[0]
    return ids
