"""Bring the search index up to date with the listing, file by file, incrementally.

A file is read again only when its `(device, inode, size, mtime)` changed. An
append-only file that grew is read from the byte offset the last pass stopped at
(the `TailReader` way, so an incomplete last line waits for its newline); a file that
shrank, was replaced or was rewritten in place is indexed whole again; a file that left
the listing (deleted, trashed) is dropped, and comes back when restored. A session
renamed on close (OpenRath's `__partial__` -> `.jsonl`, same inode) keeps its rows.

Files are parsed outside any transaction and written in batches, one transaction per
batch, each checking that no other process updated the same file meanwhile: a kill
loses at most the batch in progress, and two processes can update at once.
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sessionview.store.search import body
from sessionview.store.search.db import chunk_rowid, file_range, give_back_free, transaction
from sessionview.store.search.listing import Listed
from sessionview.store.search.text import columns, role_bits, searchable

if TYPE_CHECKING:
    from sessionview.store.model import Chunk

#: A batch is written once it holds this many bytes of new text, or this many files.
BATCH_BYTES = 32 << 20
BATCH_FILES = 200

#: `(files done, files to do, bytes done, bytes to do)`, called after every file.
ProgressFn = Callable[[int, int, int, int], None]

_Row = tuple[int, str, int, int, int, int, int, int, int]  # id .. chunks, as in `files`


@dataclass(frozen=True, slots=True)
class UpdateStats:
    """What one `update` did (for tests, the benchmark and the progress line)."""

    files_read: int = 0
    files_appended: int = 0
    files_dropped: int = 0
    chunks_added: int = 0
    stopped: bool = False


@dataclass(slots=True)
class _Job:
    path: str
    format: str
    st: os.stat_result
    base: _Row | None  # the `files` row this job was planned from
    append: bool


@dataclass(slots=True)
class _Parsed:
    job: _Job
    rows: list[tuple[int, int, str, str]]  # chunk, roles, words, grams: the fts rows
    blocks: list[body.Block]  # their texts, compressed (here: in a worker process)
    offset: int
    lineno: int
    chunks: int
    size: int


def _key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _entries_of(chunks: Iterable[Chunk]) -> list[body.Entry]:
    entries = []
    for chunk in chunks:
        text = searchable(chunk)
        if text.strip():
            entries.append((chunk.index, role_bits(chunk), str(chunk.kind), text))
    return entries


def _parsed(
    job: _Job, entries: list[body.Entry], offset: int, lineno: int, chunks: int, size: int
) -> _Parsed:
    rows = [(chunk, roles, *columns(text)) for chunk, roles, _, text in entries]
    return _Parsed(job, rows, body.pack(entries), offset, lineno, chunks, size)


def _parse(job: _Job) -> _Parsed:
    """The new chunks of one file (all of them, or those past the stored offset)."""
    # Imported here: a search over an up-to-date index needs no format adapter.
    from sessionview.store.errors import PersistenceError
    from sessionview.store.formats import get_adapter

    adapter = get_adapter(job.format)
    size = job.st.st_size
    if not adapter.append_only:
        try:
            chunks = adapter.load_chunks(Path(job.path))
        except PersistenceError:
            chunks = []
        return _parsed(job, _entries_of(chunks), size, 0, len(chunks), size)
    from sessionview.store.tail import TailReader

    if job.append and job.base is not None:
        offset, lineno, first = job.base[6], job.base[7], job.base[8]
    else:
        offset, lineno, first = 0, 0, 0
    reader = TailReader(job.path, offset=offset, lineno=lineno)
    state = adapter.new_state()
    entries: list[body.Entry] = []
    count = first
    while True:
        before = reader.offset
        try:
            batch = reader.read()
        except PersistenceError:
            break
        if batch.deleted or batch.reset:
            break
        chunks = adapter.chunks_from_records(batch.records, count, state)
        count += len(chunks)
        entries.extend(_entries_of(chunks))
        if reader.offset == before or reader.offset >= size:
            break
    return _parsed(job, entries, reader.offset, reader.lineno, count, max(size, reader.offset))


def _parse_or_none(job: _Job) -> _Parsed | None:
    try:
        return _parse(job)
    except OSError:  # gone or unreadable since the plan: the next pass sees it
        return None


#: A build reading at least this much is parsed by worker processes (one per core, the
#: SQLite writes stay in this process); smaller updates are cheaper in-process.
POOL_BYTES = 64 << 20


def _pool(jobs: int, total_bytes: int) -> Any:
    """A process pool for a big build, or None.

    Workers are forked (no re-import of the caller's main module), so only from a
    process with one thread: a fork of a threaded process (the TUI) could inherit a
    lock held by another thread. The TUI builds in its own worker thread instead.
    """
    if total_bytes < POOL_BYTES or jobs < 16 or threading.active_count() > 1:
        return None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        return None
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    try:
        return ProcessPoolExecutor(
            max_workers=min(cores or 2, 8), mp_context=multiprocessing.get_context("fork")
        )
    except (OSError, ValueError):
        return None


def _parsed_in_order(pool: Any, jobs: list[_Job]) -> Iterator[_Parsed | None]:
    """The pool's results in job order, at most `POOL_WINDOW` files ahead of the writer
    (so parsed text never piles up in memory when SQLite is the slower side)."""
    for start in range(0, len(jobs), POOL_WINDOW):
        yield from pool.map(_parse_or_none, jobs[start : start + POOL_WINDOW], chunksize=2)


POOL_WINDOW = 32


def _delete_body(con: sqlite3.Connection, file_id: int, from_chunk: int = 0) -> None:
    """Remove a file's chunks (from `from_chunk` on) from the text index and the bodies.

    `from_chunk` is 0 or where an earlier pass ended, so it is a block boundary."""
    low, high = file_range(file_id, from_chunk)
    blocks = con.execute(
        "SELECT meta, z FROM body WHERE id >= ? AND id < ?", (low, high)
    ).fetchall()
    for meta, z in blocks:
        con.executemany(
            "INSERT INTO fts (fts, rowid, w, g) VALUES ('delete', ?, ?, ?)",
            [
                (chunk_rowid(file_id, chunk, roles), *columns(text))
                for chunk, roles, _, text in body.unpack(meta, z)
            ],
        )
    con.execute("DELETE FROM body WHERE id >= ? AND id < ?", (low, high))


class Indexer:
    """One pass of index maintenance over a listing, on one connection."""

    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con

    def _rows(self, paths: list[str] | None = None) -> dict[str, _Row]:
        select = "SELECT id, path, dev, ino, size, mtime_ns, offset, lineno, chunks FROM files"
        if paths is None:
            return {row[1]: row for row in self.con.execute(select)}
        return {
            row[1]: row
            for row in self.con.execute(
                f"{select} WHERE path IN ({','.join('?' * len(paths))})", paths
            )
        }

    def plan(
        self, sessions: Iterable[Listed], *, only: bool = False
    ) -> tuple[list[_Job], list[_Row]]:
        """The files to read and the rows of files gone from the listing.

        A file whose listing entry carries the `stat` key the index has is current
        without another `stat` (the listing stat'ed it just now). With `only`, the
        sessions are a few files of a listing, not all of it: no other file is gone.
        """
        wanted = {s.path: s for s in sessions if s.state != "corrupt"}
        rows = self._rows(list(wanted) if only else None)
        by_inode = {(r[2], r[3]): r for p, r in rows.items() if p not in wanted}
        jobs: list[_Job] = []
        rows_get, stat = rows.get, os.stat
        for path, info in wanted.items():
            base = rows_get(path)
            if base is not None and info.key is not None and base[2:6] == info.key:
                continue
            try:
                st = stat(path)
            except OSError:
                continue
            if base is None:
                moved = by_inode.pop((st.st_dev, st.st_ino), None)
                if moved is not None and not os.path.exists(moved[1]):
                    self._move(moved, path)
                    base = (moved[0], path, *moved[2:])
                    rows[path] = base
                    del rows[moved[1]]
            if base is not None and (base[2], base[3], base[4], base[5]) == _key(st):
                continue
            append = (
                base is not None
                and (base[2], base[3]) == (st.st_dev, st.st_ino)
                and st.st_size > base[4]
                and base[6] <= st.st_size
            )
            jobs.append(_Job(path, info.format, st, base, append))
        gone = [r for p, r in rows.items() if p not in wanted]
        return jobs, gone

    def _move(self, row: _Row, path: str) -> None:
        with transaction(self.con):
            self.con.execute(
                "UPDATE files SET path = ? WHERE id = ? AND path = ?", (path, *row[:2])
            )

    def update(
        self,
        sessions: Iterable[Listed],
        *,
        progress: ProgressFn | None = None,
        stop: threading.Event | None = None,
        only: bool = False,
    ) -> UpdateStats:
        jobs, gone = self.plan(sessions, only=only)
        dropped = 0
        if gone:
            with transaction(self.con):
                for row in gone:
                    current = self.con.execute(
                        "SELECT id FROM files WHERE id = ? AND path = ?", row[:2]
                    ).fetchone()
                    if current is None or os.path.exists(row[1]):
                        continue
                    _delete_body(self.con, row[0])
                    self.con.execute("DELETE FROM files WHERE id = ?", (row[0],))
                    dropped += 1
        total_bytes = sum(j.st.st_size - (j.base[6] if j.append and j.base else 0) for j in jobs)
        done_bytes = 0
        batch: list[_Parsed] = []
        batch_bytes = 0
        added = appended = read = 0
        stopped = False
        pool = _pool(len(jobs), total_bytes)
        results = _parsed_in_order(pool, jobs) if pool else map(_parse_or_none, jobs)
        try:
            for n, (job, parsed) in enumerate(zip(jobs, results, strict=True), 1):
                if stop is not None and stop.is_set():
                    stopped = True
                    break
                if parsed is None:
                    continue
                read += 1
                appended += job.append
                batch.append(parsed)
                grown = parsed.size - (job.base[6] if job.append and job.base else 0)
                batch_bytes += max(grown, 0)
                done_bytes += max(grown, 0)
                if batch_bytes >= BATCH_BYTES or len(batch) >= BATCH_FILES:
                    added += self._write(batch)
                    batch, batch_bytes = [], 0
                if progress is not None:
                    progress(n, len(jobs), done_bytes, max(total_bytes, done_bytes))
        finally:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
        if batch:
            added += self._write(batch)
        if read or dropped:
            give_back_free(self.con)
        return UpdateStats(read, appended, dropped, added, stopped)

    def _write(self, batch: list[_Parsed]) -> int:
        added = 0
        con = self.con
        with transaction(con):
            for parsed in batch:
                job = parsed.job
                current = con.execute(
                    "SELECT id, path, dev, ino, size, mtime_ns, offset, lineno, chunks"
                    " FROM files WHERE path = ?",
                    (job.path,),
                ).fetchone()
                if current != job.base:
                    continue  # another process got there first; the next pass checks again
                st = job.st
                # What the files table says of a file: its format, stat key and how far
                # it is indexed (the byte offset, line and chunk the next pass goes on from).
                facts = (
                    job.format,
                    st.st_dev,
                    st.st_ino,
                    parsed.size,
                    st.st_mtime_ns,
                    parsed.offset,
                    parsed.lineno,
                    parsed.chunks,
                )
                if current is None:
                    cursor = con.execute(
                        "INSERT INTO files (format, dev, ino, size, mtime_ns, offset, lineno,"
                        " chunks, path) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        (*facts, job.path),
                    )
                    assert cursor.lastrowid is not None  # an INSERT sets it
                    file_id = cursor.lastrowid
                else:
                    file_id = current[0]
                    # Appended: drop nothing below the old end; whole: drop everything.
                    _delete_body(con, file_id, current[8] if job.append else 0)
                    con.execute(
                        "UPDATE files SET format = ?, dev = ?, ino = ?, size = ?, mtime_ns = ?,"
                        " offset = ?, lineno = ?, chunks = ? WHERE id = ?",
                        (*facts, file_id),
                    )
                con.executemany(
                    "INSERT INTO body (id, meta, z) VALUES (?, ?, ?)",
                    [(chunk_rowid(file_id, first, 0), meta, z) for first, meta, z in parsed.blocks],
                )
                con.executemany(
                    "INSERT INTO fts (rowid, w, g) VALUES (?, ?, ?)",
                    [
                        (chunk_rowid(file_id, chunk, roles), words, grams)
                        for chunk, roles, words, grams in parsed.rows
                    ],
                )
                added += len(parsed.rows)
        return added
