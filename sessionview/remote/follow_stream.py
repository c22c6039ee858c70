"""A session's chunks as they are written, from a chunk index on, as events.

This is what a remote `follow` streams. It reads with `TailReader` and the format's
adapter exactly as `sessionview show --follow` does, and skips chunks below
`from_chunk`, so a client that lost its connection asks again from the first chunk it
has not seen and gets every later chunk once. (When `sessionview.store.follow` lands,
this module becomes a thin wrapper over its `follow()`.)
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sessionview.store.model import Chunk, SessionInfo

LIVENESS_EVERY_S = 0.5
STEP_S = 0.02


@dataclass(frozen=True, slots=True)
class Chunks:
    chunks: tuple[Chunk, ...]


@dataclass(frozen=True, slots=True)
class Reset:
    reason: str


@dataclass(frozen=True, slots=True)
class Ended:
    state: str
    reason: str


def follow_events(
    info: SessionInfo, *, from_chunk: int = 0, stop: threading.Event | None = None
) -> Iterator[Chunks | Reset | Ended]:
    """Chunks with index >= `from_chunk`, in order, until the session ends (then `Ended`)."""
    from sessionview.store.formats import get_adapter

    stop = stop or threading.Event()
    adapter = get_adapter(info.format)
    if not adapter.append_only:
        yield from _follow_rewrites(info, adapter, from_chunk, stop)
        return
    from sessionview.store.tail import TailReader

    reader = TailReader(info.path)
    state = adapter.new_state()
    seen = 0
    idle_since = time.monotonic()
    first = True
    while not stop.is_set():
        batch = reader.read()
        if batch.deleted:
            yield Ended("deleted", "the session file was deleted")
            return
        if batch.reset:
            state = adapter.new_state()
            seen = 0
            from_chunk = 0
            yield Reset("the file was truncated or replaced; every chunk follows again")
        fresh = list(adapter.chunks_from_records(batch.records, seen, state))
        seen += len(fresh)
        wanted = tuple(c for c in fresh if c.index >= from_chunk)
        if wanted or first:  # the first message is what is written so far, maybe nothing
            yield Chunks(wanted)
            first = False
        if any(adapter.is_end_record(r) for r in batch.records):
            yield Ended("closed", "the trailer was written")
            return
        if batch.records:
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since > LIVENESS_EVERY_S:
            idle_since = time.monotonic()
            live, why = adapter.is_live(replace(info, path=str(reader.path)))
            if not live:
                final = reader.read()
                late = list(adapter.chunks_from_records(final.records, seen, state))
                seen += len(late)
                late_wanted = tuple(c for c in late if c.index >= from_chunk)
                if late_wanted:
                    yield Chunks(late_wanted)
                if not final.records:
                    yield _ended(info, reader.path, why)
                    return
        stop.wait(STEP_S)


def _ended(info: SessionInfo, path: Path, why: str) -> Ended:
    if path.name.endswith(".jsonl"):
        return Ended("closed", why or "closed")
    if info.format == "openrath" and path.name.endswith(".__partial__"):
        return Ended("crashed", why or "no process holds its lock")
    return Ended("closed", why or "the writer is gone")


def _follow_rewrites(
    info: SessionInfo, adapter: Any, from_chunk: int, stop: threading.Event
) -> Iterator[Chunks | Reset | Ended]:
    """Whole-file formats: re-read on change, send the chunks not sent yet."""
    from sessionview.store.errors import PersistenceError

    seen = from_chunk
    first = True
    last_sig: tuple[int, int] | None = None
    quiet_since = time.monotonic()
    while not stop.is_set():
        try:
            st = os.stat(info.path)
        except FileNotFoundError:
            yield Ended("deleted", "the session file was deleted")
            return
        sig = (st.st_size, st.st_mtime_ns)
        if sig != last_sig:
            last_sig = sig
            quiet_since = time.monotonic()
            try:
                chunks = adapter.load_chunks(Path(info.path))
            except PersistenceError:
                chunks = []
            if chunks[seen:] or first:
                yield Chunks(tuple(chunks[seen:]))
                first = False
            seen = max(seen, len(chunks))
        elif time.monotonic() - quiet_since > 1.0:
            live, why = adapter.is_live(info)
            if not live:
                yield Ended("closed", why or "the writer is gone")
                return
            quiet_since = time.monotonic()
        stop.wait(0.1)
