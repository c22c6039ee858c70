"""Every session's facts without reading whole files, cached across restarts.

Each file's facts (from its format adapter) are cached on disk keyed by
(device, inode, size, mtime_ns), so a restart re-reads only files that changed.
Liveness is never cached: a writer can die without its file changing, so open
sessions get a fresh check (one read of `/proc/locks` per scan) every time.
"""

from __future__ import annotations

import os
import stat as stat_mod
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from sessionview.store.errors import AmbiguousSessionId, SessionNotFound
from sessionview.store.formats import ADAPTERS, detect, get_adapter
from sessionview.store.formats.base import FormatAdapter
from sessionview.store.jsonl import dumps_lenient
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.roots import Root
from sessionview.store.walk import walk

CACHE_VERSION = 2
OPEN_STATES = (SessionState.CRASHED, SessionState.RUNNING)
OPEN_STATE_VALUES = frozenset(s.value for s in OPEN_STATES)

StatKey = tuple[int, int, int, int]
NO_KEY: StatKey = (0, 0, 0, 0)


def default_cache_path() -> Path:
    """`index.json` in the platformdirs user cache directory."""
    from platformdirs import user_cache_path

    return user_cache_path("sessionview", appauthor=False) / "index.json"


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _unreadable(path: str, adapter: FormatAdapter, reason: str, size: int = 0) -> SessionInfo:
    return SessionInfo(
        id=adapter.id_from_path(Path(path)),
        format=adapter.name,
        state=SessionState.CORRUPT,
        state_reason=reason,
        path=path,
        bytes=size,
        error=f"{path}: {reason}",
    )


def _cache_hit(cached: object, key: StatKey) -> bool:
    """A cache entry is `[dev, ino, size, mtime_ns, format, state, updated, id, row_json]`.

    Anything else (an old or damaged cache) is a miss. Kept cheap: it runs per file
    on every warm listing.
    """
    return (
        type(cached) is list
        and len(cached) == 9
        and cached[3] == key[3]
        and cached[2] == key[2]
        and cached[1] == key[1]
        and cached[0] == key[0]
        and type(cached[4]) is str
        and type(cached[5]) is str
        and type(cached[6]) is str
        and type(cached[7]) is str
        and type(cached[8]) is str
    )


PARTIAL_TAIL = ".__partial__"


@dataclass(slots=True)
class _Entry:
    """One indexed file: sort and group keys as plain strings, the row built lazily.

    A warm listing never needs more than `row` (the cached JSON of the row), so it
    never rebuilds `SessionInfo` objects for files that did not change.
    """

    key: StatKey
    format: str
    state: str
    updated: str
    id: str
    path: str
    row: str | bytes | None
    info: SessionInfo | None = None

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
            assert self.row is not None
            self.info = SessionInfo.from_json(orjson.loads(self.row))
        return self.info

    def json_row(self) -> str | bytes:
        if self.row is None:
            # Lenient: facts nested deeper than orjson writes, or a non-UTF-8 file name.
            self.row = dumps_lenient(self.materialize().to_json())
        return self.row


class SessionIndex:
    """The set of sessions under some roots; thread-safe, refreshed file by file."""

    def __init__(
        self,
        roots: Sequence[Root | Path | str],
        *,
        cache_path: Path | None = None,
        use_cache: bool = True,
    ) -> None:
        self.roots: list[Root] = [r if isinstance(r, Root) else Root(Path(r)) for r in roots]
        self.cache_path = (cache_path or default_cache_path()) if use_cache else None
        self._lock = threading.RLock()
        self._cache: dict[str, list] = {}
        self._cache_dirty = False
        self._entries: dict[str, _Entry] = {}
        self._root_of: dict[str, Root] = {}
        #: One line per problem that is not a session (unreadable root, foreign files).
        self.problems: list[str] = []
        self._load_cache()

    # ------------------------------------------------------------------ cache
    def _load_cache(self) -> None:
        if self.cache_path is None:
            return
        try:
            data = orjson.loads(self.cache_path.read_bytes())
        except (OSError, orjson.JSONDecodeError):
            return
        if isinstance(data, dict) and data.get("version") == CACHE_VERSION:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self._cache = entries

    def save_cache(self) -> None:
        """Write the cache atomically if anything changed; failures are not fatal."""
        if self.cache_path is None or not self._cache_dirty:
            return
        with self._lock:
            payload = orjson.dumps({"version": CACHE_VERSION, "entries": self._cache})
            self._cache_dirty = False
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_name(f".{self.cache_path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(payload)
            os.replace(tmp, self.cache_path)
        except OSError:
            pass

    def _remember(
        self, skey: str, key: StatKey, adapter: FormatAdapter, info: SessionInfo
    ) -> _Entry:
        """Cache a file's facts and return its entry, the row serialized once for both."""
        data = info.to_json()
        updated = data["updated_at"] or ""
        entry = _Entry(key, info.format, data["state"], updated, info.id, info.path, None, info)
        try:
            row = orjson.dumps(data).decode()
        except (orjson.JSONEncodeError, UnicodeDecodeError):
            # Facts can hold JSON nested deeper than orjson writes (254 levels), or a
            # file name that is not UTF-8: such a file is simply not cached.
            return entry
        entry.row = row
        with self._lock:
            self._cache[skey] = [*key, adapter.name, entry.state, updated, info.id, row]
            self._cache_dirty = True
        return entry

    # ---------------------------------------------------------------- listing
    def iter_candidates(self) -> Iterator[tuple[str, Root, list[FormatAdapter]]]:
        """Every file under the roots that some adapter claims, with its claimants.

        One directory walk per root serves every adapter (see `walk.py`).
        """
        self.problems = []
        for root in self.roots:
            adapters = [get_adapter(root.format)] if root.format else list(ADAPTERS.values())
            try:
                found = walk(root.path, adapters)
            except FileNotFoundError:
                self.problems.append(f"{root.path}: not a directory (it does not exist)")
                continue
            except NotADirectoryError:
                self.problems.append(f"{root.path}: not a directory")
                continue
            except OSError as exc:
                self.problems.append(f"{root.path}: {exc.strerror or exc}")
                continue
            for path, claimants in found.claimed:
                yield path, root, claimants
            if not root.format and found.foreign:
                self.problems.append(
                    f"{root.path}: {found.foreign} file(s) match no known session format "
                    "(not listed)"
                )

    def _scan_entries(
        self,
        on_batch: Callable[[list[SessionInfo]], None] | None,
        batch_size: int,
        on_total: Callable[[int], None] | None = None,
    ) -> None:
        probe = LivenessProbe()
        fresh: dict[str, _Entry] = {}
        batch: list[SessionInfo] = []
        candidates = list(self.iter_candidates())
        if on_total is not None:
            on_total(len(candidates))
        for path, root, claimants in candidates:
            entry = self._facts(path, claimants, probe)
            if entry is None:
                continue
            fresh[path] = entry
            self._root_of[path] = root
            if on_batch is not None:
                batch.append(entry.materialize())
                if len(batch) >= batch_size:
                    on_batch(batch)
                    batch = []
        if on_batch is not None and batch:
            on_batch(batch)
        with self._lock:
            gone = [p for p in self._cache if p not in fresh and self._under_roots(p)]
            for p in gone:
                del self._cache[p]
                self._cache_dirty = True
            self._entries = fresh
        self.save_cache()

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

    def scan_json(self, states: Iterable[str] | None = None) -> list[orjson.Fragment]:
        """`scan()` for `ls --json`: each row's JSON, newest activity first.

        Unchanged files' rows come straight from the cache, without building objects.
        """
        self._scan_entries(None, 0)
        wanted = set(states) if states is not None else None
        return [
            orjson.Fragment(e.json_row())
            for e in self._best_entries()
            if wanted is None or e.state in wanted
        ]

    def _under_roots(self, path: str) -> bool:
        return any(path.startswith(str(root.path) + os.sep) for root in self.roots)

    def _facts(
        self, path: str, claimants: list[FormatAdapter], probe: LivenessProbe
    ) -> _Entry | None:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                return _Entry.of(NO_KEY, _unreadable(path, claimants[0], "dangling symlink"))
            return None
        except OSError as exc:
            return _Entry.of(NO_KEY, _unreadable(path, claimants[0], exc.strerror or str(exc)))
        key = _stat_key(st)
        if not stat_mod.S_ISREG(st.st_mode):
            kind = "a directory" if stat_mod.S_ISDIR(st.st_mode) else "not a regular file"
            return _Entry.of(key, _unreadable(path, claimants[0], f"is {kind}, not a session file"))
        cached = self._cache.get(path)
        entry: _Entry | None = None
        adapter: FormatAdapter | None = None
        if _cache_hit(cached, key):
            for candidate in claimants:  # a plain loop: this runs per file, per listing
                if candidate.name == cached[4]:
                    adapter = candidate
                    break
            if adapter is not None:
                entry = _Entry(key, cached[4], cached[5], cached[6], cached[7], path, cached[8])
        if entry is None:
            adapter, info = self._read(path, st, claimants)
            if info is None:
                return None
            entry = self._remember(path, key, adapter, info)
        assert adapter is not None
        if entry.state in OPEN_STATE_VALUES or adapter.always_check_liveness:
            try:
                info = entry.materialize()
            except (KeyError, TypeError, ValueError, orjson.JSONDecodeError):
                adapter, info = self._read(path, st, claimants)
                if info is None:
                    return None
            entry = _Entry.of(key, adapter.apply_liveness(info, st, probe))
        return entry

    @staticmethod
    def _read(
        path: str, st: os.stat_result, claimants: list[FormatAdapter]
    ) -> tuple[FormatAdapter, SessionInfo | None]:
        """Read a file's facts with the right adapter.

        Several adapters may claim a name (`*.jsonl`); the first one reads it, and only
        if it finds the file unreadable are the first bytes sniffed for another
        format, so a directory of one format costs one read per file.
        """
        p = Path(path)
        adapter = claimants[0]
        info = adapter.read_facts(p, st)
        if info.state is SessionState.CORRUPT and len(claimants) > 1:
            other = detect(p)
            if other is not None and other is not adapter:
                adapter, info = other, other.read_facts(p, st)
        if info.state is SessionState.CORRUPT and not os.path.lexists(path):
            # Renamed (an OpenRath close) or deleted between the stat and the read:
            # it is gone, not corrupt; the watcher reports where it went.
            return adapter, None
        return adapter, info

    def refresh(self, path: str | Path) -> SessionInfo | None:
        """Re-read one file after a change; None when it is gone (its entry is dropped)."""
        skey = str(path)
        root = self._root_of.get(skey) or self._root_for(Path(skey))
        if root is None:
            return None
        adapters = [get_adapter(root.format)] if root.format else list(ADAPTERS.values())
        name = Path(skey)
        claimants = [a for a in adapters if a.claims(name)]
        if not claimants:
            return None
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
        for skey, entry in items:
            adapter = ADAPTERS.get(entry.format)
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
        one row, the better state winning (the final file on a tie); a copied or
        hostile header claiming another file's id must not hide that session.
        """
        with self._lock:
            entries = dict(self._entries)
        dropped: set[str] = set()
        for path, entry in entries.items():
            if entry.format != "openrath" or not path.endswith(PARTIAL_TAIL):
                continue
            twin = entries.get(path[: -len(PARTIAL_TAIL)])
            if twin is None or twin.id != entry.id:
                continue
            if _PREFERENCE[twin.state] >= _PREFERENCE[entry.state]:
                dropped.add(path)
            else:
                dropped.add(twin.path)
        rows = [e for p, e in entries.items() if p not in dropped]
        rows.sort(key=lambda e: e.updated, reverse=True)
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
        return get_adapter(info.format)


_PREFERENCE = {"closed": 4, "running": 3, "crashed": 2, "corrupt": 1}


def resolve_id(sessions: Iterable[SessionInfo], id_or_prefix: str) -> SessionInfo:
    """Exact id first, then a unique prefix; otherwise a one-line error."""
    from sessionview.store.ids import validate_session_id

    wanted = validate_session_id(id_or_prefix)
    rows = list(sessions)
    exact = [s for s in rows if s.id == wanted]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [s for s in rows if s.id.startswith(wanted)]
    if not matches:
        raise SessionNotFound(f"no session matches {wanted!r}")
    if len(matches) > 1:
        names = ", ".join(f"{m.id} ({m.format})" for m in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise AmbiguousSessionId(f"{wanted!r} matches {len(matches)} sessions: {names}{more}")
    return matches[0]
