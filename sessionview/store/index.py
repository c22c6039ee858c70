"""Every session's facts without reading whole files, cached across restarts.

Each file's facts (from its format adapter) are cached on disk keyed by
(device, inode, size, mtime_ns), so a restart re-reads only files that changed, and
each walked directory's listing is cached keyed by its inode and ctime, so a restart
lists no directory that did not change (see `index_cache`). Liveness is never
cached: a writer can die without its file changing, so open sessions get a fresh
check (one read of `/proc/locks` per scan) every time; what is cached is the row
each verdict produced.

A warm `ls --json` is dominated by start-up, so this module imports no adapter, no
JSON library and no record class until a file actually has to be read: a cached
row is printed as the bytes it was cached as.
"""

from __future__ import annotations

import os
import stat as stat_mod
import sys
import time
from _thread import RLock  # threading's own RLock; `threading` is a slower import
from operator import attrgetter

from sessionview.store import forked_read, index_cache
from sessionview.store.errors import AmbiguousSessionId, SessionNotFound
from sessionview.store.fold import STATE_PREFERENCE
from sessionview.store.index_cache import BY_ADAPTER, BY_LOCK, STATIC
from sessionview.store.liveness import LivenessProbe
from sessionview.store.registry import FORMAT_NAMES
from sessionview.store.roots import Root

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Sequence
    from pathlib import Path
    from typing import Any

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.model import SessionInfo

OPEN_STATE_VALUES = frozenset(("crashed", "running"))
#: The built-in formats in registration order (`formats.ADAPTERS`; a test checks).
#: A cached directory walk is valid for the adapters it was made with.
BUILTIN_FORMATS = FORMAT_NAMES

StatKey = tuple[int, int, int, int]
NO_KEY: StatKey = (0, 0, 0, 0)
PARTIAL_TAIL = ".__partial__"


def default_cache_path() -> str:
    """`index.bin` in the platformdirs user cache directory."""
    return index_cache.default_cache_path()


_FORMATS: Any = None


def _formats() -> Any:
    """The adapter registry, imported on first need (a warm listing never needs it)."""
    global _FORMATS
    if _FORMATS is None:
        from sessionview.store import formats

        _FORMATS = formats
    return _FORMATS


def _active_formats(root: Root) -> tuple[str, ...]:
    if root.format:
        return (root.format,)
    if "sessionview.store.formats" in sys.modules:
        return tuple(_formats().ADAPTERS)
    return BUILTIN_FORMATS


def _walk() -> Any:
    """`walk`, imported on first need (it imports pathlib and dataclasses)."""
    from sessionview.store import walk

    return walk


def _path(value: str | Path) -> Path:
    from pathlib import Path

    return Path(value)


def _adapter(claimants: tuple[str, ...]) -> FormatAdapter:
    return _formats().get_adapter(claimants[0])


def _session_info(data: dict[str, Any]) -> SessionInfo:
    from sessionview.store.model import SessionInfo

    return SessionInfo.from_json(data)


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _unreadable(path: str, adapter: FormatAdapter, reason: str, size: int = 0) -> SessionInfo:
    from pathlib import Path

    from sessionview.store.model import SessionInfo, SessionState

    return SessionInfo(
        id=adapter.id_from_path(Path(path)),
        format=adapter.name,
        state=SessionState.CORRUPT,
        state_reason=reason,
        path=path,
        bytes=size,
        error=f"{path}: {reason}",
    )


def _complete_row(data: dict[str, Any]) -> dict[str, Any]:
    """An adapter's row made whole, as `SessionInfo.to_json` gives it: `session_id`, the
    one-file `files` list, and no activity before creation (a crashed file's mtime can
    be earlier than the time its header says it was created)."""
    created, updated = data.get("created_at"), data.get("updated_at")
    if created and updated and created != updated:
        from datetime import datetime

        try:
            if datetime.fromisoformat(updated) < datetime.fromisoformat(created):
                data["updated_at"] = created
        except (TypeError, ValueError):
            pass  # unparseable or not comparable: left as read
    data["session_id"] = data["id"]
    data["files"] = [{"path": data["path"], "state": data["state"]}]
    return data


def _dumps(data: dict[str, Any]) -> bytes | None:
    """A row's JSON, or None when orjson refuses it (nested deeper than its 254
    levels, or a file name that is not UTF-8): such a row is not cached."""
    import orjson

    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return None


class _Lenient:
    """Facts that orjson cannot write: kept as they are, not cached, printed leniently."""

    __slots__ = ("adapter", "data")

    def __init__(self, adapter: FormatAdapter, data: dict[str, Any]) -> None:
        self.adapter = adapter
        self.data = data


class _Entry:
    """One indexed file: sort and group keys as plain strings, the row built lazily.

    A warm listing never needs more than `row` (the cached JSON of the row), so it
    never rebuilds `SessionInfo` objects for files that did not change.
    """

    __slots__ = ("format", "id", "info", "key", "path", "row", "state", "updated")

    def __init__(
        self,
        key: StatKey,
        fmt: str,
        state: str,
        updated: str,
        sid: str,
        path: str,
        row: bytes | None,
        info: SessionInfo | None = None,
    ) -> None:
        self.key = key
        self.format = fmt
        self.state = state
        self.updated = updated
        self.id = sid
        self.path = path
        self.row = row
        self.info = info

    @classmethod
    def of(cls, key: StatKey, info: SessionInfo) -> _Entry:
        return cls(
            key,
            info.format,
            info.state.value,
            info.updated_at.isoformat() if info.updated_at else "",
            info.id,
            info.path,
            None,
            info,
        )

    def materialize(self) -> SessionInfo:
        if self.info is None:
            import orjson

            from sessionview.store.model import SessionInfo

            assert self.row is not None
            self.info = SessionInfo.from_json(orjson.loads(self.row))
        return self.info

    def json_row(self) -> bytes:
        if self.row is None:
            from sessionview.store.jsonl import dumps_lenient

            # Lenient: facts nested deeper than orjson writes, or a non-UTF-8 file name.
            self.row = dumps_lenient(self.materialize().to_json())
        return self.row


class SessionIndex:
    """The set of sessions under some roots; thread-safe, refreshed file by file."""

    def __init__(
        self,
        roots: Sequence[Root | Path | str],
        *,
        cache_path: Path | str | None = None,
        use_cache: bool = True,
        reuse_listings: bool = True,
    ) -> None:
        """`reuse_listings=False` lists every directory on every scan (network file
        systems, whose cached attributes can hide a change for a while)."""
        self.roots: list[Root] = [r if isinstance(r, Root) else Root(r) for r in roots]
        self.cache_path = str(cache_path or default_cache_path()) if use_cache else None
        self.reuse_listings = reuse_listings
        self._lock = RLock()
        self._cache: dict[str, tuple] = {}
        self._walks: dict[tuple, tuple] = {}
        self._cache_dirty = False
        self._saving: threading.Thread | None = None
        self._devices: dict[int, int] = {}
        self._entries: dict[str, _Entry] = {}
        self._root_of: dict[str, Root] = {}
        #: One line per problem that is not a session (unreadable root, foreign files).
        self.problems: list[str] = []
        if self.cache_path is not None:
            self._cache, self._walks = index_cache.load(self.cache_path)

    # ------------------------------------------------------------------ cache
    def save_cache(self, *, background: bool = False) -> None:
        """Write the cache atomically if anything changed; failures are not fatal.

        With `background`, a (non-daemon) thread writes it while the caller goes on
        to print; the interpreter waits for it before it exits.
        """
        if self.cache_path is None or not self._cache_dirty:
            return
        with self._lock:
            files, walks = dict(self._cache), dict(self._walks)
            self._cache_dirty = False
            if self._saving is not None:
                self._saving.join()  # saves land in order
                self._saving = None
            if background:
                import threading

                self._saving = threading.Thread(
                    target=index_cache.save,
                    args=(self.cache_path, files, walks),
                    name="sessionview-save-index",
                )
                self._saving.start()
                return
        index_cache.save(self.cache_path, files, walks)

    def wait_saved(self, timeout: float | None = None) -> None:
        """Wait for a background cache save (a process leaving with `os._exit` would cut
        it off, and the next listing would start cold)."""
        saving = self._saving
        if saving is not None:
            saving.join(timeout)

    def _keep_verdict(
        self, path: str, key: StatKey, verdict: tuple, state: str, row: bytes
    ) -> None:
        """Keep the row a lock verdict gave, so the next scan needs no adapter for it."""
        with self._lock:
            cached = self._cache.get(path)
            if type(cached) is tuple and cached[:4] == key and type(cached[10]) is dict:
                cached[10][verdict] = (state, row)
                self._cache_dirty = True

    # ---------------------------------------------------------------- listing
    def _walk_root(self, root: Root) -> tuple[list[tuple[str, tuple[str, ...]]], int] | None:
        """`(claimed files with their claimant formats, foreign count)`, or None (a problem).

        A directory unchanged since the last walk is not listed again (`index_cache`).
        """
        names = _active_formats(root)
        wkey = (root.dir, root.format or "", names)
        cached: Any = self._walks.get(wkey)
        if self.reuse_listings and index_cache.walk_still_valid(cached):
            return list(cached[2]), cached[3]
        from sessionview.store.walk import walk

        formats = _formats()
        adapters = [formats.get_adapter(n) for n in names]
        walked_ns = time.time_ns()
        try:
            found = walk(root.dir, adapters, discover=root.format is None)
        except FileNotFoundError:
            self.problems.append(f"{root.dir}: not a directory (it does not exist)")
            return None
        except NotADirectoryError:
            self.problems.append(f"{root.dir}: not a directory")
            return None
        except OSError as exc:
            self.problems.append(f"{root.dir}: {exc.strerror or exc}")
            return None
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per claimant set
        claimed = []
        for path, found_by in found.claimed:
            claimants = tuple(a.name for a in found_by)
            claimed.append((path, shared.setdefault(claimants, claimants)))
        walked = (walked_ns, tuple(found.dirs), tuple(claimed), found.foreign)
        # Rewrite the cache only for news: another listing, or one trusted next time.
        if (
            type(cached) is not tuple
            or cached[1:] != walked[1:]
            or index_cache.walk_still_valid(walked)
        ):
            with self._lock:
                self._walks[wkey] = walked
                self._cache_dirty = True
        return claimed, found.foreign

    def _candidates(self) -> list[tuple[str, Root, tuple[str, ...]]]:
        """Every file under the roots that some adapter claims, with its claimants' names.

        One directory walk per root serves every adapter (see `walk.py`).
        """
        self.problems = []
        found: list[tuple[str, Root, tuple[str, ...]]] = []
        for root in self.roots:
            walked = self._walk_root(root)
            if walked is None:
                continue
            claimed, foreign = walked
            found += [(path, root, claimants) for path, claimants in claimed]
            if not root.format and foreign:
                self.problems.append(
                    f"{root.dir}: {foreign} {'file matches' if foreign == 1 else 'files match'} "
                    "no known session format (not listed)"
                )
        return found

    def _scan_entries(
        self,
        on_batch: Callable[[list[SessionInfo]], None] | None,
        batch_size: int,
        on_total: Callable[[int], None] | None = None,
        *,
        save_in_background: bool = False,
    ) -> None:
        probe = LivenessProbe()
        with self._lock:
            cached_rows = tuple(self._cache.values())
        # Cached verdicts will be looked up: /proc/locks is read from now on, in a thread.
        wants_locks = any(
            type(e) is tuple and len(e) == index_cache.FILE_FIELDS and e[9] == BY_LOCK
            for e in cached_rows
        )
        batch: list[SessionInfo] = []
        candidates = self._candidates()
        if on_total is not None:
            on_total(len(candidates))

        def emit(entry: _Entry | None) -> None:
            nonlocal batch
            if on_batch is not None and entry is not None:
                batch.append(entry.materialize())
                if len(batch) >= batch_size:
                    on_batch(batch)
                    batch = []

        # 1. Stat every file; unchanged ones come from the cache. In the walk's order
        #    (ties sort the same, warm or cold): a file that takes the long way holds
        #    its place with None until its entry is known.
        fresh: dict[str, _Entry | None] = dict.fromkeys(c[0] for c in candidates)
        entry: _Entry | None
        cached: Any
        root_of = self._root_of
        later: list[tuple[int, os.stat_result | None]] = []  # st None: stat it again
        if wants_locks:
            probe.prefetch_locks()
        stat, cache_get, hit = os.stat, self._cache.get, index_cache.file_hit
        for i, (path, _root, claimants) in enumerate(candidates):
            # A plain loop: a warm scan is this and little else, 10,000 times.
            try:
                st = stat(path)
            except OSError:
                later.append((i, None))
                continue
            cached = cache_get(path)
            if hit(cached, st, claimants) and cached[9] == STATIC:
                fresh[path] = entry = _Entry(
                    cached[:4], cached[4], cached[5], cached[6], cached[7], path, cached[8]
                )
                if on_batch is not None:
                    emit(entry)
            else:
                later.append((i, st))
        # Later, after that loop: by then the /proc/locks read is done, and no file
        # waited for it.
        found: list[_Entry | None] = [None] * len(candidates)
        to_read: list[tuple[int, os.stat_result]] = []
        cached_entry = self._cached_entry
        for i, maybe_st in later:
            path, _root, claimants = candidates[i]
            if maybe_st is not None:
                st = maybe_st
            else:
                try:
                    st = os.stat(path)
                except OSError:
                    found[i] = entry = self._facts(path, claimants, probe)  # why, or gone
                    emit(entry)
                    continue
            entry = cached_entry(path, st, claimants, probe)
            if entry is None:
                to_read.append((i, st))
            else:
                found[i] = entry
                emit(entry)
        # 2. The rest needs its adapter: mostly files to read, on two cores when many.
        if on_batch is None and len(to_read) >= forked_read.MIN_FILES:
            probe.wait_for_prefetch()  # its thread must be gone before any fork
        if on_batch is None and forked_read.worthwhile(len(to_read)):
            self._read_forked(candidates, to_read, found, probe)
        else:
            for i, st in to_read:
                path, _root, claimants = candidates[i]
                found[i] = entry = self._entry_of(path, st, claimants, probe)
                emit(entry)
        # A partial file that vanished since the walk was most likely closed: renamed to
        # its final name, which the walk did not see yet. That file is listed instead.
        renamed: list[tuple[str, Root, tuple[str, ...]]] = []
        for i, _st in later:
            path, root, claimants = candidates[i]
            fresh[path] = entry = found[i]
            if entry is not None:
                root_of[path] = root
            elif path.endswith(PARTIAL_TAIL):
                renamed.append((path[: -len(PARTIAL_TAIL)], root, claimants))
        listed = {p: e for p, e in fresh.items() if e is not None}
        for final, root, claimants in renamed:
            if final not in listed:
                entry = self._facts(final, claimants, probe)
                if entry is not None:
                    listed[final] = entry
                    root_of[final] = root
                    emit(entry)
        if on_batch is not None and batch:
            on_batch(batch)
        with self._lock:
            gone = [p for p in tuple(self._cache) if p not in listed and self._under_roots(p)]
            for p in gone:
                del self._cache[p]
                self._cache_dirty = True
            self._entries = listed
        self.save_cache(background=save_in_background)

    def scan(
        self,
        *,
        on_batch: Callable[[list[SessionInfo]], None] | None = None,
        batch_size: int = 200,
        on_total: Callable[[int], None] | None = None,
    ) -> list[SessionInfo]:
        """List every session under the roots, re-reading only files that changed.

        `on_total` hears how many files will be read (for a progress bar) before the
        first `on_batch`, from the same directory walk.
        """
        self._scan_entries(on_batch, batch_size, on_total)
        return self.sessions()

    def scan_entries(self) -> list[_Entry]:
        """`scan()` without building a `SessionInfo` per row: the listing's entries
        (`path`, `format`, `state`, `updated`, `key`: the `stat` key just read,
        `materialize()`), for callers that need the full row of a few (search).
        """
        self._scan_entries(None, 0)
        return self._best_entries()

    def scan_json(self, states: Iterable[str] | None = None) -> bytes:
        """`scan()` for `ls --json`: one JSON array of rows, newest activity first.

        Unchanged files' rows are the cached bytes, without building objects.
        """
        # The cache is written while the caller prints (the JSON does not wait for it).
        self._scan_entries(None, 0, save_in_background=True)
        wanted = set(states) if states is not None else None
        rows = [
            e.row if e.row is not None else e.json_row()
            for e in self._best_entries()
            if wanted is None or e.state in wanted
        ]
        if not rows:
            return b"[]"
        # One copy of megabytes of rows, not three: the brackets go on the end rows.
        rows[0] = b"[" + rows[0]
        rows[-1] = rows[-1] + b"]"
        return b",".join(rows)

    def _under_roots(self, path: str) -> bool:
        return any(path.startswith(root.dir + os.sep) for root in self.roots)

    def _facts(self, path: str, claimants: tuple[str, ...], probe: LivenessProbe) -> _Entry | None:
        """The entry for one file, from the cache when it is unchanged; None when gone."""
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                return _Entry.of(NO_KEY, _unreadable(path, _adapter(claimants), "dangling symlink"))
            return None
        except OSError as exc:
            reason = exc.strerror or str(exc)
            return _Entry.of(NO_KEY, _unreadable(path, _adapter(claimants), reason))
        return self._cached_entry(path, st, claimants, probe) or self._entry_of(
            path, st, claimants, probe
        )

    def _cached_entry(
        self, path: str, st: os.stat_result, claimants: tuple[str, ...], probe: LivenessProbe
    ) -> _Entry | None:
        """The cached row, when it still describes the file and needs no adapter."""
        cached = self._cache.get(path)
        if not index_cache.file_hit(cached, st, claimants):
            return None
        assert cached is not None
        mode = cached[9]
        key = _stat_key(st)
        if mode == STATIC:
            return _Entry(key, cached[4], cached[5], cached[6], cached[7], path, cached[8])
        if mode == BY_LOCK and type(cached[10]) is dict:
            known = cached[10].get(probe.is_locked(path, st))
            if type(known) is tuple and len(known) == 2:
                state, row = known
                if type(state) is str and type(row) is bytes:
                    return _Entry(key, cached[4], state, cached[6], cached[7], path, row)
        return None

    def _entry_of(
        self, path: str, st: os.stat_result, claimants: tuple[str, ...], probe: LivenessProbe
    ) -> _Entry | None:
        """The entry for a file whose cached row is missing or needs its adapter."""
        key = _stat_key(st)
        if not stat_mod.S_ISREG(st.st_mode):
            kind = "a directory" if stat_mod.S_ISDIR(st.st_mode) else "not a regular file"
            reason = f"is {kind}, not a session file"
            return _Entry.of(key, _unreadable(path, _adapter(claimants), reason))
        cached = self._cache.get(path)
        if index_cache.file_hit(cached, st, claimants):
            assert cached is not None
            adapter = _formats().ADAPTERS.get(cached[4])
            if adapter is not None:
                entry = _Entry(key, cached[4], cached[5], cached[6], cached[7], path, cached[8])
                return self._live(
                    path, st, claimants, entry, adapter, probe, cached[9], from_disk_cache=True
                )
        return self._entry_from_record(
            path, st, claimants, self._read_record(path, st, claimants), probe
        )

    def _read_record(
        self, path: str, st: os.stat_result, claimants: tuple[str, ...]
    ) -> tuple | _Lenient | None:
        """Read a file: `(format, state, updated, id, row, mode)` as cached; None when
        the file is gone; `_Lenient` for facts orjson cannot write (not cached).

        Builtin types only (but for `_Lenient`): a forked reader sends these back.
        """
        adapter, data = self._read(path, st, claimants)
        if data is None:
            return None
        _complete_row(data)
        row = _dumps(data)
        if row is None:
            return _Lenient(adapter, data)
        state = data["state"]
        if adapter.lock_decides_liveness(data):
            mode = BY_LOCK
        elif state in OPEN_STATE_VALUES or adapter.always_check_liveness:
            mode = BY_ADAPTER
        else:
            mode = STATIC
        return (adapter.name, state, data["updated_at"] or "", data["id"], row, mode)

    def _entry_from_record(
        self,
        path: str,
        st: os.stat_result,
        claimants: tuple[str, ...],
        record: tuple | _Lenient | None,
        probe: LivenessProbe,
    ) -> _Entry | None:
        """Cache what `_read_record` found and give the entry, liveness applied."""
        if record is None:
            return None
        # One object for every file's device: `marshal` then writes it once, not 10,000 times.
        dev = self._devices.setdefault(st.st_dev, st.st_dev)
        key = (dev, st.st_ino, st.st_size, st.st_mtime_ns)
        ctime = st.st_ctime_ns  # a chmod changes it: a row read while unreadable goes
        if isinstance(record, _Lenient):
            adapter, data = record.adapter, record.data
            entry = _Entry(
                key, adapter.name, data["state"], data["updated_at"] or "", data["id"],
                data["path"], None, _session_info(data),
            )  # fmt: skip
            mode = BY_ADAPTER
        else:
            fmt, state, updated, sid, row, mode = record
            lock_rows: dict[Any, Any] | None = {} if mode == BY_LOCK else None
            with self._lock:  # a watcher thread's refresh() may write it too
                self._cache[path] = (
                    *key, fmt, state, updated, sid, row, mode, lock_rows, ctime, claimants
                )  # fmt: skip
                self._cache_dirty = True
            entry = _Entry(key, fmt, state, updated, sid, path, row)
            if mode == STATIC:
                return entry
            adapter = _formats().get_adapter(fmt)
        if entry.state not in OPEN_STATE_VALUES and not adapter.always_check_liveness:
            return entry
        return self._live(path, st, claimants, entry, adapter, probe, mode)

    def _live(
        self,
        path: str,
        st: os.stat_result,
        claimants: tuple[str, ...],
        entry: _Entry,
        adapter: FormatAdapter,
        probe: LivenessProbe,
        mode: int = BY_ADAPTER,
        *,
        from_disk_cache: bool = False,
    ) -> _Entry | None:
        """The entry with its adapter's liveness verdict; a lock verdict's row is kept."""
        if mode == BY_LOCK and entry.row is not None:
            live = self._live_by_lock(path, st, entry, adapter, probe)
            if live is not None:
                return live
        try:
            info = entry.materialize()
        except (KeyError, TypeError, ValueError):  # a damaged cached row: read the file
            if not from_disk_cache:
                raise  # a row just read cannot be damaged: a bug, not damage
            with self._lock:
                self._cache.pop(path, None)
            record = self._read_record(path, st, claimants)
            return self._entry_from_record(path, st, claimants, record, probe)
        return _Entry.of(entry.key, adapter.apply_liveness(info, st, probe))

    def _live_by_lock(
        self,
        path: str,
        st: os.stat_result,
        entry: _Entry,
        adapter: FormatAdapter,
        probe: LivenessProbe,
    ) -> _Entry | None:
        """The live entry of a row whose state only the lock decides, row to row
        (no `SessionInfo`), its row kept for the verdict; None to take the long way."""
        import orjson

        if entry.row is None:
            return None
        try:
            base = orjson.loads(entry.row)
        except orjson.JSONDecodeError:
            return None
        if type(base) is not dict or not adapter.lock_decides_liveness(base):
            return None
        verdict = probe.is_locked(path, st)
        live = adapter.apply_lock_verdict(base, verdict)
        live["files"] = [{"path": live["path"], "state": live["state"]}]
        row = _dumps(live)
        if row is None:
            return None
        self._keep_verdict(path, entry.key, verdict, live["state"], row)
        return _Entry(entry.key, entry.format, live["state"], entry.updated, entry.id, path, row)

    def _read_forked(
        self,
        candidates: list[tuple[str, Root, tuple[str, ...]]],
        to_read: list[tuple[int, os.stat_result]],
        found: list[_Entry | None],
        probe: LivenessProbe,
    ) -> None:
        """Phase 2 of a scan with many files to read, split with a forked child."""
        jobs = []
        for i, st in to_read:
            path, _root, claimants = candidates[i]
            cached = self._cache.get(path)
            if stat_mod.S_ISREG(st.st_mode) and not index_cache.file_hit(cached, st, claimants):
                jobs.append((i, st))
            else:  # cheap: a cached row that wants its adapter, or a non-file
                found[i] = self._entry_of(path, st, claimants, probe)

        def read_one(job: tuple[int, os.stat_result]) -> tuple | _Lenient | None:
            path, _root, claimants = candidates[job[0]]
            return self._read_record(path, job[1], claimants)

        def use(k: int, record: tuple | _Lenient | None) -> None:
            i, st = jobs[k]
            path, _root, claimants = candidates[i]
            found[i] = self._entry_from_record(path, st, claimants, record, probe)

        _formats()  # imported once, before the fork, for both processes
        forked_read.read_all(
            jobs,
            read_one,
            use,
            portable=lambda r: not isinstance(r, _Lenient),
            after_fork=probe.prefetch_locks,  # the verdicts `use` gives need /proc/locks
        )

    @staticmethod
    def _read(
        path: str, st: os.stat_result, claimants: tuple[str, ...]
    ) -> tuple[FormatAdapter, dict[str, Any] | None]:
        """Read a file's facts with the right adapter, as a row (`SessionInfo.to_json`).

        Several adapters may claim a name (`*.jsonl`); the first one reads it, and only
        if it finds the file unreadable are the first bytes sniffed for another
        format, so a directory of one format costs one read per file.
        """
        formats = _formats()
        adapter = formats.get_adapter(claimants[0])
        data = adapter.read_facts_row(path, st)
        if data["state"] == "corrupt" and len(claimants) > 1:
            from pathlib import Path

            other = formats.detect(Path(path))
            if other is not None and other is not adapter and other.name in claimants:
                adapter, data = other, other.read_facts_row(path, st)
        if data["state"] == "corrupt" and not os.path.lexists(path):
            # Renamed (an OpenRath close) or deleted between the stat and the read:
            # it is gone, not corrupt; the watcher reports where it went.
            return adapter, None
        return adapter, data

    def refresh(self, path: str | Path) -> SessionInfo | None:
        """Re-read one file after a change; None when it is gone (its entry is dropped)."""
        skey = str(path)
        root = self._root_of.get(skey) or self._root_for(_path(skey))
        if root is None:
            return None
        formats = _formats()
        name = _path(skey)
        claimants = tuple(n for n in _active_formats(root) if formats.get_adapter(n).claims(name))
        if not claimants:
            return None
        if (
            root.format is None
            and skey not in self._entries
            and os.path.dirname(skey) != root.dir
            and not _walk().content_claimed(skey, [formats.get_adapter(n) for n in claimants])
        ):
            return None  # below a root, a new file must be some format's content (walk.py)
        entry = self._facts(skey, claimants, LivenessProbe())
        with self._lock:
            if entry is None:
                self._entries.pop(skey, None)
                if self._cache.pop(skey, None) is not None:
                    self._cache_dirty = True
                return None
            self._entries[skey] = entry
            self._root_of[skey] = root
        return entry.materialize()

    def forget(self, path: str | Path) -> None:
        """Drop a path from the index (after a delete)."""
        with self._lock:
            self._entries.pop(str(path), None)
            self._cache.pop(str(path), None)
            self._cache_dirty = True

    def recheck_liveness(self) -> list[SessionInfo]:
        """Re-evaluate running/crashed for open sessions; returns the rows that changed.

        Called periodically by watchers: a writer can die without touching its file.
        """
        probe = LivenessProbe()
        changed: list[SessionInfo] = []
        with self._lock:
            items = list(self._entries.items())
        adapters = _formats().ADAPTERS
        for skey, entry in items:
            adapter = adapters.get(entry.format)
            if adapter is None:
                continue
            if entry.state not in OPEN_STATE_VALUES and not adapter.always_check_liveness:
                continue
            try:
                st = os.stat(skey)
            except OSError:
                continue
            if _stat_key(st) != entry.key:
                continue  # the watcher will refresh it
            info = entry.materialize()
            new = adapter.apply_liveness(info, st, probe)
            if new.state != info.state or new.state_reason != info.state_reason:
                with self._lock:
                    self._entries[skey] = _Entry.of(entry.key, new)
                changed.append(new)
        return changed

    def _root_for(self, path: Path) -> Root | None:
        best: Root | None = None
        for root in self.roots:
            try:
                path.relative_to(root.path)
            except ValueError:
                continue
            if best is None or len(str(root.path)) > len(str(best.path)):
                best = root
        return best

    # ---------------------------------------------------------------- queries
    def _best_entries(self) -> list[_Entry]:
        """One entry per session, newest activity first.

        Only an OpenRath final/partial pair (same file stem, same header id) folds into
        one row, the better state winning (a live writer's file first, then the final
        file), the row listing both files; a copied or hostile header claiming another
        file's id must not hide that session. Rows that share an id are qualified.
        """
        with self._lock:
            entries = dict(self._entries)
        dropped: set[str] = set()
        folded: dict[str, _Entry] = {}
        for path in [p for p in entries if p.endswith(PARTIAL_TAIL)]:
            entry = entries[path]
            if entry.format != "openrath":
                continue
            twin = entries.get(path[: -len(PARTIAL_TAIL)])
            if twin is None or twin.id != entry.id:
                continue
            if _PREFERENCE.get(twin.state, 0) >= _PREFERENCE.get(entry.state, 0):
                keep, other = twin, entry
            else:
                keep, other = entry, twin
            dropped.add(other.path)
            folded[keep.path] = _Entry.of(
                keep.key,
                _replace(
                    keep.materialize(), files=((keep.path, keep.state), (other.path, other.state))
                ),
            )
        if dropped:
            rows = [folded.get(p, e) for p, e in entries.items() if p not in dropped]
        else:
            rows = [*entries.values()]
        ids = [e.id for e in rows]
        if len(set(ids)) != len(ids):
            rows = _qualified(rows)
        # Stable: ties keep the walk's order (by name), cold or warm, forked or not.
        rows.sort(key=attrgetter("updated"), reverse=True)
        return rows

    def sessions(self) -> list[SessionInfo]:
        """One row per session, newest activity first.

        An OpenRath session with both a final and a `__partial__` file shows once
        (the final file wins).
        """
        return [entry.materialize() for entry in self._best_entries()]

    def get_path(self, path: str | Path) -> SessionInfo | None:
        with self._lock:
            entry = self._entries.get(str(path))
        return entry.materialize() if entry else None

    def resolve(self, id_or_prefix: str) -> SessionInfo:
        """The one session whose id equals or starts with the argument."""
        return resolve_id(self.sessions(), id_or_prefix)

    def adapter_for(self, info: SessionInfo) -> FormatAdapter:
        return _formats().get_adapter(info.format)


_PREFERENCE = STATE_PREFERENCE


def _replace(info: SessionInfo, **changes: Any) -> SessionInfo:
    from dataclasses import replace

    return replace(info, **changes)


def _qualified(rows: list[_Entry]) -> list[_Entry]:
    """The entries with those that share an id qualified (`qualify`)."""
    from collections import Counter

    from sessionview.store.qualify import qualify

    counts = Counter(e.id for e in rows)
    shared = [i for i, e in enumerate(rows) if counts[e.id] > 1]
    infos = qualify([rows[i].materialize() for i in shared])
    out = list(rows)
    for i, info in zip(shared, infos, strict=True):
        out[i] = _Entry.of(rows[i].key, info)
    return out


def resolve_id(sessions: Iterable[SessionInfo], id_or_prefix: str) -> SessionInfo:
    """The row an id names: its id as listed (qualified or bare), then `id@folders`
    matched on the file's path, then a unique prefix; otherwise a one-line error that
    lists the candidates by their qualified ids and says how to pick one."""
    from sessionview.store.ids import validate_session_ref
    from sessionview.store.qualify import names_file, qualify, split_ref

    wanted = validate_session_ref(id_or_prefix)
    rows = list(sessions)
    for named in ([s for s in rows if s.ref == wanted], [s for s in rows if s.id == wanted]):
        if len(named) == 1:
            return named[0]
    matches = [s for s in rows if s.id == wanted]
    if not matches and "@" in wanted:
        for sid, qualifier in split_ref(wanted):
            on_path = [s for s in rows if names_file(s.path, qualifier)]
            matches += [s for s in on_path if s.id == sid] or [
                s for s in on_path if s.id.startswith(sid)
            ]
        matches = list({id(s): s for s in matches}.values())  # one row per reading
    if not matches:
        matches = [s for s in rows if s.id.startswith(wanted)]
    if not matches:
        raise SessionNotFound(f"no session matches {wanted!r}")
    if len(matches) > 1:
        if len({m.ref for m in matches}) < len(matches):
            matches = qualify(matches)
        names = "; ".join(f"{m.ref} ({m.format}, in {_folder(m.path)})" for m in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise AmbiguousSessionId(
            f"{wanted!r} matches {len(matches)} sessions: {names}{more}; "
            "name one by its id as `sessionview ls --json` prints it"
        )
    return matches[0]


def _folder(path: str) -> str:
    return os.path.dirname(path) or "."
