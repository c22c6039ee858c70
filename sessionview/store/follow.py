"""One follower of a growing session, for the CLI (`show --follow`), the TUI's transcript
screen and, later, remote hosts: they all see the same events and the same end rules.

`Follower.poll()` does one non-blocking step and returns events:

- `ChunksAppended`: new chunks, indexes continuing across batches. The first poll reads
  what the file holds already (possibly nothing: an empty batch says "loaded").
- `FollowReset`: the file was truncated, replaced or rewritten other than by appending;
  the chunks that follow start again from index 0.
- `FollowEnded`: the last event. The session ended, and the reason says how:

  * closed: the writer wrote its end record (OpenRath's trailer);
  * closed or crashed: nothing was appended for `GRACE` seconds and a fresh liveness
    check of the adapter says no writer is live (the reason is the adapter's verdict);
  * deleted: the file (and its renamed twin) is gone, twice in a row for formats that
    rewrite the whole file (their rename-over-the-old-file leaves a short gap);
  * unreadable: the file can no longer be read (`state` CORRUPT).

Append-only formats are read with a `TailReader` (only new bytes); formats that
rewrite the whole file are re-read when their stat changes, and a re-read that merely
extends what was seen is reported as appended chunks. Nothing here blocks or locks the
writer's file; `follow()` wraps the polls in a blocking generator.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import DecodeState, FormatAdapter, get_adapter
from sessionview.store.jsonl import final_record, line_start
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.tail import TailReader

#: Seconds without new data before the writer's liveness is checked (and between checks).
GRACE = 0.5
#: After a whole-file session's file went missing, look again this soon (a rewrite's gap).
MISSING_RECHECK = 0.2
#: Tries to get a consistent first read of an append-only file that keeps growing.
READ_TRIES = 3

TRAILER_REASON = "closed: the writer wrote its trailer"
DELETED_REASON = "the file was deleted"


@dataclass(frozen=True, slots=True)
class ChunksAppended:
    """Chunks new to the follower, in order; their indexes continue across batches.
    `problems`: one line per complete line that is not a valid record (never fatal)."""

    chunks: tuple[Chunk, ...]
    problems: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class FollowReset:
    """The file was truncated or rewritten: every chunk follows again from index 0."""

    reason: str


@dataclass(frozen=True, slots=True)
class FollowEnded:
    """The follow is over: closed, crashed or deleted, with the reason. When `deleted`,
    `state` is the last state known; a file that cannot be read any more is CORRUPT."""

    state: SessionState
    reason: str
    deleted: bool = False


FollowEvent = ChunksAppended | FollowReset | FollowEnded


def _stamp(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class Follower:
    """Follows one session file; `poll()` from one thread at a time."""

    def __init__(self, info: SessionInfo, *, from_chunk: int = 0) -> None:
        self.info = info
        self.adapter: FormatAdapter = get_adapter(info.format)
        self.from_chunk = from_chunk
        #: Seconds until the follower wants to be polled again whatever happens (None:
        #: only when the file changes or at the caller's own pace).
        self.wants_poll: float | None = None
        self._path = Path(info.path)
        self._lock = threading.Lock()
        self._started = False
        self._ended = False
        self._count = 0  # chunks decoded so far (the next chunk's index)
        self._state: DecodeState = self.adapter.new_state()
        self._reader: TailReader | None = None
        self._stamp: tuple[int, ...] | None = None
        self._seen: list[Chunk] = []  # whole-file formats: what the last read held
        self._missing = False
        self._pending_end = False  # the first read held the end record
        self._idle_since = time.monotonic()
        self._checked_at = 0.0

    @property
    def path(self) -> Path:
        """The file followed now (after OpenRath's `__partial__` -> `.jsonl` rename, the new name)."""
        return self._reader.path if self._reader is not None else self._path

    @property
    def ended(self) -> bool:
        return self._ended

    # ------------------------------------------------------------------ steps
    def poll(self) -> list[FollowEvent]:
        """One non-blocking read step. The first call reads the whole file so far and
        raises `PersistenceError` when it cannot; later problems end the follow instead."""
        with self._lock:
            if self._ended:
                return []
            if not self._started:
                self._started = True
                first = self._appended(self._first_read())
                self._idle_since = time.monotonic()
                return [first]
            events = self._step()
            if any(isinstance(e, FollowEnded) for e in events):
                self._ended = True
            return events

    def _appended(self, chunks: list[Chunk]) -> ChunksAppended:
        return ChunksAppended(tuple(c for c in chunks if c.index >= self.from_chunk))

    def _first_read(self) -> list[Chunk]:
        try:
            if self.adapter.append_only:
                chunks = self._first_read_append_only()
            else:
                self._stamp = _stamp(self._path)
                chunks = self.adapter.load_chunks(self._path)
                self._seen = chunks
        except OSError as exc:  # e.g. deleted between the listing and now
            raise PersistenceError(f"{self._path}: {exc.strerror or exc}") from None
        self._count = len(chunks)
        return chunks

    def _first_read_append_only(self) -> list[Chunk]:
        """A running session is read through the tail reader itself, so not a line is
        lost or doubled while its writer appends. Other sessions go through
        `load_chunks` (the format's full parser), retried while the file grows."""
        if self.info.state is SessionState.RUNNING:
            self._reader = TailReader(self._path)
            records: list[dict] = []
            while True:
                batch = self._reader.read()
                if batch.deleted or not batch.records:
                    break
                records.extend(batch.records)
            chunks = self.adapter.chunks_from_records(records, 0, self._state)
            if any(self.adapter.is_end_record(r) for r in records):
                self._pending_end = True
            return chunks
        try:
            return self._first_read_closed()
        except (FileNotFoundError, PersistenceError):
            suffix = self.adapter.partial_suffix
            if not suffix or not self._path.name.endswith(suffix) or self._path.exists():
                raise
            final = self._path.with_name(self._path.name.removesuffix(suffix))
            if not final.exists():
                raise
            # Closed since the listing: its writer renamed the partial file.
            self._path = final
            return self._first_read_closed()

    def _first_read_closed(self) -> list[Chunk]:
        """`load_chunks` until the file stops growing; the tail reader starts after."""
        before = 0
        chunks: list[Chunk] = []
        for _ in range(READ_TRIES):
            before = os.stat(self._path).st_size
            self._state = self.adapter.new_state()
            chunks = self.adapter.load_chunks(self._path, state=self._state)
            try:
                after = os.stat(self._path).st_size
            except OSError:
                break
            if after == before:
                break
        with open(self._path, "rb") as fh:
            offset = line_start(fh.fileno(), before)
            # `load_chunks` read a whole last line that has no newline yet: start after it.
            if (
                self.adapter.reads_final_line
                and offset < before
                and final_record(fh.fileno(), offset) is not None
            ):
                offset = before
        self._reader = TailReader(self._path, offset=offset)
        return chunks

    def _step(self) -> list[FollowEvent]:
        if self._pending_end:
            return [FollowEnded(SessionState.CLOSED, TRAILER_REASON)]
        if self._reader is not None:
            events = self._step_append_only(self._reader)
        else:
            events = self._step_whole_file()
        if events:
            if any(isinstance(e, ChunksAppended) and e.chunks for e in events):
                self._idle_since = time.monotonic()
            return events
        return self._check_liveness()

    def _step_append_only(self, reader: TailReader, *, final: bool = False) -> list[FollowEvent]:
        """One read of what was appended; `final` once the writer is gone: a whole last
        line without its newline is then part of the session (see `TailReader.read_final`)."""
        try:
            batch = reader.read_final() if final else reader.read()
        except PersistenceError as exc:
            return [FollowEnded(SessionState.CORRUPT, f"cannot read: {exc}")]
        if batch.deleted:
            return [FollowEnded(self.info.state, DELETED_REASON, deleted=True)]
        events: list[FollowEvent] = []
        if batch.reset:
            self._count = 0
            self._state = self.adapter.new_state()
            events.append(FollowReset("the file was truncated or replaced"))
        chunks = self.adapter.chunks_from_records(batch.records, self._count, self._state)
        self._count += len(chunks)
        if chunks or batch.reset or batch.errors:
            events.append(ChunksAppended(tuple(chunks), tuple(batch.errors)))
        if any(self.adapter.is_end_record(r) for r in batch.records):
            events.append(FollowEnded(SessionState.CLOSED, TRAILER_REASON))
        return events

    def _step_whole_file(self) -> list[FollowEvent]:
        self.wants_poll = None
        try:
            now = _stamp(self._path)
        except FileNotFoundError:
            if self._missing:  # still gone at the next look: not a rewrite in progress
                return [FollowEnded(self.info.state, DELETED_REASON, deleted=True)]
            self._missing = True
            self.wants_poll = MISSING_RECHECK
            return []
        except OSError as exc:
            return [FollowEnded(SessionState.CORRUPT, f"cannot read: {exc.strerror or exc}")]
        self._missing = False
        if now == self._stamp:
            return []
        try:
            chunks = self.adapter.load_chunks(self._path)
        except PersistenceError:
            self._stamp = now  # unreadable as it is now: wait for its next change
            return []
        self._stamp = now
        old, self._seen = self._seen, chunks
        self._count = len(chunks)
        if len(chunks) >= len(old) and chunks[: len(old)] == old:
            return [ChunksAppended(tuple(chunks[len(old) :]))] if len(chunks) > len(old) else []
        self._idle_since = time.monotonic()
        return [FollowReset("the file was rewritten"), ChunksAppended(tuple(chunks))]

    def _check_liveness(self) -> list[FollowEvent]:
        """Idle for `GRACE`: is a writer still live? If not, the adapter's verdict ends it."""
        now = time.monotonic()
        if now - self._idle_since < GRACE or now - self._checked_at < GRACE:
            return []
        self._checked_at = now
        current = replace(self.info, path=str(self.path))
        live, _ = self.adapter.is_live(current)
        if live:
            return []
        if self._reader is not None:  # what came in just before the writer went away
            events = self._step_append_only(self._reader, final=self.adapter.reads_final_line)
            if events:
                self._idle_since = time.monotonic()
                return events
        return [self._verdict(current)]

    def _verdict(self, current: SessionInfo) -> FollowEnded:
        """Closed or crashed, with the reason, from fresh facts of the file."""
        path = self.path
        try:
            st = os.stat(path)
            fresh = self.adapter.apply_liveness(
                self.adapter.read_facts(path, st), st, LivenessProbe()
            )
        except OSError:
            return FollowEnded(current.state, DELETED_REASON, deleted=True)
        state = fresh.state if fresh.state is SessionState.CRASHED else SessionState.CLOSED
        reason = fresh.state_reason or "the writer finished"
        return FollowEnded(state, f"{state.value}: {reason}")


def follow(
    info: SessionInfo,
    *,
    from_chunk: int = 0,
    interval: float = 0.05,
    stop: threading.Event | None = None,
) -> Iterator[FollowEvent]:
    """Every event of `Follower(info)` as it happens; ends after `FollowEnded` (or when
    `stop` is set). The first read's `PersistenceError` is raised to the caller."""
    follower = Follower(info, from_chunk=from_chunk)
    stop = stop or threading.Event()
    while not stop.is_set():
        events = follower.poll()
        yield from events
        if follower.ended:
            return
        if not events:
            wait = interval if follower.wants_poll is None else min(interval, follower.wants_poll)
            stop.wait(wait)
