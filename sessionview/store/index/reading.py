"""Reading one file's entry, cheapest source first.

The fallback order, for a file whose `stat` is known:

1. **cache hit**: the record still describes the file and its row is final
   (`STATIC`): the cached row, as bytes;
2. **lock verdict**: the row's state only the writer's lock decides (`BY_LOCK`) and
   this verdict was seen before: the row it gave then;
3. **adapter liveness**: the cached row with a fresh liveness check (a new lock
   verdict row to row, or the adapter's own check);
4. **read the file**: the adapter reads its facts (another claimant's adapter when
   the first finds it unreadable), and the record is cached with how its liveness is
   decided next time.

Steps 1 and 2 need no adapter (`cached_entry`); the listing runs them for every file
before it reads any.
"""

from __future__ import annotations

import os
import stat as stat_mod

from sessionview.store.index import liveness
from sessionview.store.index.adapters import adapter_of, formats
from sessionview.store.index.entries import (
    NO_KEY,
    IndexEntry,
    Lenient,
    complete_row,
    dumps,
    session_info,
    unreadable,
)
from sessionview.store.index.records import BY_ADAPTER, BY_LOCK, STATIC, FileRecord, stat_key

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from _thread import RLock
    from typing import Any

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.liveness import LivenessProbe

#: What reading a file gives, as cached: `(format, state, updated, id, row, mode)`.
#: Builtin types only, as the marshal cache keeps them.
ReadRecord = tuple[str, str, str, str, bytes, int]


def read_facts(
    path: str, st: os.stat_result, claimants: tuple[str, ...]
) -> tuple[FormatAdapter, dict[str, Any] | None]:
    """Read a file's facts with the right adapter, as a row (`SessionInfo.to_json`).

    Several adapters may claim a name (`*.jsonl`); the first one reads it, and only
    if it finds the file unreadable are the first bytes sniffed for another
    format, so a directory of one format costs one read per file. None for the row:
    the file is gone.
    """
    registry = formats()
    adapter = registry.get_adapter(claimants[0])
    data = adapter.read_facts_row(path, st)
    if data["state"] == "corrupt" and len(claimants) > 1:
        from pathlib import Path

        other = registry.detect(Path(path))
        if other is not None and other is not adapter and other.name in claimants:
            adapter, data = other, other.read_facts_row(path, st)
    if data["state"] == "corrupt" and not os.path.lexists(path):
        # Renamed (an OpenRath close) or deleted between the stat and the read:
        # it is gone, not corrupt; the watcher reports where it went.
        return adapter, None
    return adapter, data


def read_record(
    path: str, st: os.stat_result, claimants: tuple[str, ...]
) -> ReadRecord | Lenient | None:
    """Read a file (step 4): its record as cached; None when the file is gone;
    `Lenient` for facts orjson cannot write (not cached)."""
    adapter, data = read_facts(path, st, claimants)
    if data is None:
        return None
    complete_row(data)
    row = dumps(data)
    if row is None:
        return Lenient(adapter, data)
    state = data["state"]
    if adapter.lock_decides_liveness(data):
        mode = BY_LOCK
    elif liveness.needs_check(state, adapter):
        mode = BY_ADAPTER
    else:
        mode = STATIC
    return (adapter.name, state, data["updated_at"] or "", data["id"], row, mode)


class EntryReader:
    """The file records and the reading of entries through them; thread-safe.

    `files` is the record cache (path -> `FileRecord`); `dirty` says it changed
    since it was loaded or saved.
    """

    __slots__ = ("devices", "dirty", "files", "lock")

    def __init__(self, files: dict[str, FileRecord], lock: RLock) -> None:
        self.files = files
        self.lock = lock
        self.dirty = False
        #: One int object per device: `marshal` then writes it once, not per file.
        self.devices: dict[int, int] = {}

    def drop(self, path: str) -> None:
        with self.lock:
            if self.files.pop(path, None) is not None:
                self.dirty = True

    def facts(
        self, path: str, claimants: tuple[str, ...], probe: LivenessProbe
    ) -> IndexEntry | None:
        """The entry for one file, all steps; None when it is gone."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                return IndexEntry.of(
                    NO_KEY, unreadable(path, adapter_of(claimants), "dangling symlink")
                )
            return None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return IndexEntry.of(NO_KEY, unreadable(path, adapter_of(claimants), reason))
        return self.cached_entry(path, st, claimants, probe) or self.entry_of(
            path, st, claimants, probe
        )

    def cached_entry(
        self, path: str, st: os.stat_result, claimants: tuple[str, ...], probe: LivenessProbe
    ) -> IndexEntry | None:
        """Steps 1 and 2: the cached row, when it needs no adapter; else None."""
        record = self.files.get(path)
        if record is None or not record.describes(st, claimants):
            return None
        if record.mode == STATIC:
            return IndexEntry(
                record.key, record.format, record.state, record.updated, record.id, path, record.row
            )
        if record.mode == BY_LOCK:
            known = record.locked_row(probe.is_locked(path, st))
            if known is not None:
                state, row = known
                return IndexEntry(
                    record.key, record.format, state, record.updated, record.id, path, row
                )
        return None

    def entry_of(
        self, path: str, st: os.stat_result, claimants: tuple[str, ...], probe: LivenessProbe
    ) -> IndexEntry | None:
        """Steps 3 and 4, for a file whose cached row is missing or needs its adapter."""
        key = stat_key(st)
        if not stat_mod.S_ISREG(st.st_mode):
            kind = "a directory" if stat_mod.S_ISDIR(st.st_mode) else "not a regular file"
            reason = f"is {kind}, not a session file"
            return IndexEntry.of(key, unreadable(path, adapter_of(claimants), reason))
        record = self.files.get(path)
        if record is not None and record.describes(st, claimants):
            adapter = formats().ADAPTERS.get(record.format)
            if adapter is not None:
                entry = IndexEntry(
                    key, record.format, record.state, record.updated, record.id, path, record.row
                )
                return self.live(
                    path, st, claimants, entry, adapter, probe, record.mode, from_disk_cache=True
                )
        return self.entry_from_record(path, st, claimants, read_record(path, st, claimants), probe)

    def entry_from_record(
        self,
        path: str,
        st: os.stat_result,
        claimants: tuple[str, ...],
        read: ReadRecord | Lenient | None,
        probe: LivenessProbe,
    ) -> IndexEntry | None:
        """Cache what `read_record` found and give the entry, liveness applied."""
        if read is None:
            return None
        dev = self.devices.setdefault(st.st_dev, st.st_dev)
        key = (dev, st.st_ino, st.st_size, st.st_mtime_ns)
        ctime = st.st_ctime_ns  # a chmod changes it: a row read while unreadable goes
        if isinstance(read, Lenient):
            adapter, data = read.adapter, read.data
            entry = IndexEntry(
                key, adapter.name, data["state"], data["updated_at"] or "", data["id"],
                data["path"], None, session_info(data),
            )  # fmt: skip
            mode = BY_ADAPTER
        else:
            fmt, state, updated, sid, row, mode = read
            record = FileRecord(
                *key, fmt, state, updated, sid, row, mode, {} if mode == BY_LOCK else None,
                ctime, claimants,
            )  # fmt: skip
            with self.lock:  # a watcher thread's refresh() may write it too
                self.files[path] = record
                self.dirty = True
            entry = IndexEntry(key, fmt, state, updated, sid, path, row)
            if mode == STATIC:
                return entry
            adapter = formats().get_adapter(fmt)
        if not liveness.needs_check(entry.state, adapter):
            return entry
        return self.live(path, st, claimants, entry, adapter, probe, mode)

    def live(
        self,
        path: str,
        st: os.stat_result,
        claimants: tuple[str, ...],
        entry: IndexEntry,
        adapter: FormatAdapter,
        probe: LivenessProbe,
        mode: int = BY_ADAPTER,
        *,
        from_disk_cache: bool = False,
    ) -> IndexEntry | None:
        """Step 3: the entry with its liveness verdict; a lock verdict's row is kept."""
        if mode == BY_LOCK:
            found = liveness.by_lock(path, st, entry, adapter, probe)
            if found is not None:
                live, verdict = found
                self._keep_verdict(path, entry.key, verdict, live.state, live.row)
                return live
        try:
            entry.materialize()
        except (KeyError, TypeError, ValueError):  # a damaged cached row: read the file
            if not from_disk_cache:
                raise  # a row just read cannot be damaged: a bug, not damage
            with self.lock:
                self.files.pop(path, None)
            read = read_record(path, st, claimants)
            return self.entry_from_record(path, st, claimants, read, probe)
        return liveness.by_adapter(entry, adapter, st, probe)

    def _keep_verdict(
        self, path: str, key: tuple[int, ...], verdict: object, state: str, row: bytes | None
    ) -> None:
        """Keep the row a lock verdict gave, so the next scan needs no adapter for it."""
        with self.lock:
            record = self.files.get(path)
            if record is not None and record.key == key and type(record.lock_rows) is dict:
                record.lock_rows[verdict] = (state, row)
                self.dirty = True
