"""The search index file: where it lives, its schema, and opening it safely.

One SQLite file in the user cache directory, in WAL mode with a busy timeout, so the
TUI and a CLI search can read and update it at once. Anything wrong with the file (not
a database, damaged, another version's schema) is not an error for the user: the file
is removed and built again, with one line saying so (`SearchDb.notices`). A cache
directory that cannot be written is `SearchUnavailable`, which callers show as "search
is unavailable" while the rest of the app keeps working.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3

#: Bump when the schema or what is indexed changes: older files are rebuilt.
SCHEMA_VERSION = 8
#: `PRAGMA application_id`: tells our file from any other SQLite file.
APPLICATION_ID = 0x53565352  # "SVSR"
BUSY_TIMEOUT_MS = 30_000

SCHEMA = """
CREATE TABLE files (
    id INTEGER PRIMARY KEY,
    path TEXT NOT NULL UNIQUE,
    format TEXT NOT NULL,
    dev INTEGER NOT NULL,
    ino INTEGER NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    offset INTEGER NOT NULL,     -- bytes indexed so far (append-only formats)
    lineno INTEGER NOT NULL,
    chunks INTEGER NOT NULL      -- chunks read so far: the next chunk's index
);
CREATE INDEX files_inode ON files (dev, ino);
CREATE TABLE body (
    id INTEGER PRIMARY KEY,      -- `chunk_rowid(file, first chunk, 0)`: a block of chunks
    meta TEXT NOT NULL,          -- per chunk, one line: "chunk roles kind bytes"
    z BLOB NOT NULL              -- their searchable texts, concatenated, zlib-compressed
);
-- The CLI's proof that the listing is unchanged since its last search (snapshot.py).
CREATE TABLE snapshot (
    roots TEXT PRIMARY KEY,      -- the roots listed (`snapshot.roots_key`)
    data BLOB NOT NULL           -- walks, per-file stat facts, sessions, problems (marshal)
);
CREATE TABLE listed (
    roots TEXT NOT NULL,
    path TEXT NOT NULL,
    sig TEXT NOT NULL,           -- what the row was made from (rewritten when it changes)
    format TEXT NOT NULL,
    state TEXT NOT NULL,
    updated TEXT NOT NULL,
    row BLOB NOT NULL,           -- the listing's JSON row of the session
    PRIMARY KEY (roots, path)
);
CREATE VIRTUAL TABLE fts USING fts5 (
    w, g, content = '', tokenize = 'unicode61 remove_diacritics 2'
);
-- Pending terms are flushed to a new segment each time they reach this many bytes (and
-- at each commit): the default 1 MB made a build write, then merge, many small ones.
INSERT INTO fts (fts, rank) VALUES ('hashsize', 33554432);
"""


#: A chunk's rowid packs its file, its index and its `--kind` bits, so a query groups by
#: file, filters by kind and reads one file's hits (a rowid range, which FTS5 seeks to)
#: without a join.
CHUNK_SHIFT = 4
FILE_SHIFT = 36


def chunk_rowid(file_id: int, chunk: int, roles: int) -> int:
    return (file_id << FILE_SHIFT) | (chunk << CHUNK_SHIFT) | roles


def file_range(file_id: int, from_chunk: int = 0) -> tuple[int, int]:
    """`[low, high)` of the rowids of a file's chunks (from `from_chunk` on)."""
    return chunk_rowid(file_id, from_chunk, 0), (file_id + 1) << FILE_SHIFT


class SearchUnavailable(Exception):
    """The index cannot be created or written (read-only cache dir, full disk): one line."""


def default_path() -> str:
    """`search.sqlite3` in sessionview's user cache directory (next to the listing cache)."""
    from sessionview.store.userdirs import user_dir

    return os.path.join(user_dir("cache"), "search.sqlite3")


def _remove(path: str) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path + suffix)


def _describe(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def connect(path: str, notices: list[str]) -> sqlite3.Connection:
    """An open, current-schema connection; rebuilds a bad file once, noting why."""
    directory = os.path.dirname(path) or "."
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        raise SearchUnavailable(
            f"search is unavailable: cannot create {directory}: {_describe(exc)}"
        ) from None
    for attempt in range(2):
        try:
            return _open(path)
        except _Foreign as exc:
            reason = str(exc)
        except sqlite3.DatabaseError as exc:
            if _is_disk_problem(exc):
                raise SearchUnavailable(f"search is unavailable: {path}: {exc}") from None
            reason = f"damaged ({exc})"
        if attempt:
            break
        notices.append(f"the search index {path} was {reason}; rebuilding it")
        try:
            _remove(path)
        except OSError as exc:
            raise SearchUnavailable(
                f"search is unavailable: cannot remove {path}: {_describe(exc)}"
            ) from None
    raise SearchUnavailable(f"search is unavailable: {path} cannot be rebuilt")


class _Foreign(Exception):
    """The file is a database, but not ours or not this version."""


def _is_disk_problem(exc: sqlite3.DatabaseError) -> bool:
    text = str(exc).lower()
    return any(
        s in text for s in ("readonly", "read-only", "disk is full", "unable to open", "disk i/o")
    )


def _open(path: str) -> sqlite3.Connection:
    con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Takes effect only on a new, empty file (before WAL writes its first page):
        # the pages FTS5 merges leave free can then be given back (`give_back_free`).
        con.execute("PRAGMA auto_vacuum = INCREMENTAL")
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = NORMAL")
        con.execute("PRAGMA cache_size = -32768")  # 32 MB: FTS5 merges touch many pages
        version, app = _versions(con)
        if version == 0 and app == 0:
            con.execute("BEGIN IMMEDIATE")
            version, app = _versions(con)
            if version == 0 and app == 0:
                if con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                    con.execute("ROLLBACK")
                    raise _Foreign("not a sessionview search index")
                for statement in SCHEMA.split(";"):
                    if statement.strip():
                        con.execute(statement)
                con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
                con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
                con.execute("COMMIT")
                return con
            con.execute("ROLLBACK")
        if app != APPLICATION_ID:
            raise _Foreign("not a sessionview search index")
        if version != SCHEMA_VERSION:
            raise _Foreign(f"from another version (schema {version}, this is {SCHEMA_VERSION})")
        return con
    except BaseException:
        con.close()
        raise


def _versions(con: sqlite3.Connection) -> tuple[int, int]:
    version = con.execute("PRAGMA user_version").fetchone()[0]
    app = con.execute("PRAGMA application_id").fetchone()[0]
    return version, app


#: Free pages are given back once they are more than this share of the file.
FREE_SHARE = 0.01


def give_back_free(con: sqlite3.Connection) -> None:
    """Shrink the file by its free pages (left by FTS5's segment merges during a big
    update) when they are more than `FREE_SHARE` of it."""
    free = con.execute("PRAGMA freelist_count").fetchone()[0]
    if free > 256 and free > FREE_SHARE * con.execute("PRAGMA page_count").fetchone()[0]:
        # `execute` steps the pragma once (one page); a script runs it to the end.
        con.executescript("PRAGMA incremental_vacuum;")


class transaction:  # noqa: N801 - used as a statement: `with transaction(con):`
    """`BEGIN IMMEDIATE` ... `COMMIT`, rolled back on any exception: a write holds the
    file's write lock from its start, so a second process waits (busy timeout) instead
    of failing half-way."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def __enter__(self) -> None:
        self.con.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.con.execute("COMMIT" if exc_type is None else "ROLLBACK")
