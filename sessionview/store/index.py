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
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import orjson

from sessionview.store.errors import AmbiguousSessionId, SessionNotFound
from sessionview.store.formats import ADAPTERS, detect, get_adapter
from sessionview.store.formats.base import FormatAdapter
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.roots import Root

CACHE_VERSION = 1
OPEN_STATES = (SessionState.CRASHED, SessionState.RUNNING)

StatKey = tuple[int, int, int, int]


def default_cache_path() -> Path:
    """`index.json` in the platformdirs user cache directory."""
    from platformdirs import user_cache_path

    return user_cache_path("sessionview", appauthor=False) / "index.json"


def _stat_key(st: os.stat_result) -> StatKey:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _unreadable(path: Path, adapter: FormatAdapter, reason: str, size: int = 0) -> SessionInfo:
    return SessionInfo(
        id=adapter.id_from_path(path),
        format=adapter.name,
        state=SessionState.CORRUPT,
        state_reason=reason,
        path=str(path),
        bytes=size,
        error=f"{path}: {reason}",
    )


def _valid_entry(cached: object) -> bool:
    """A cache entry is `[[dev, ino, size, mtime_ns], format, info]`; anything else is a miss."""
    return (
        isinstance(cached, list)
        and len(cached) == 3
        and isinstance(cached[0], list)
        and isinstance(cached[2], dict)
    )


def _dumpable(value: object) -> bool:
    try:
        orjson.dumps(value)
    except orjson.JSONEncodeError:
        return False
    return True


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
        self._entries: dict[str, tuple[StatKey, SessionInfo]] = {}
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
            try:
                payload = orjson.dumps({"version": CACHE_VERSION, "entries": self._cache})
            except orjson.JSONEncodeError:
                # A file's facts can hold JSON nested deeper than orjson writes (254
                # levels): leave those entries out of the cache rather than fail.
                for skey in [k for k, v in self._cache.items() if not _dumpable(v)]:
                    del self._cache[skey]
                payload = orjson.dumps({"version": CACHE_VERSION, "entries": self._cache})
            self._cache_dirty = False
        try:
            self.cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.cache_path.with_name(f".{self.cache_path.name}.{os.getpid()}.tmp")
            tmp.write_bytes(payload)
            os.replace(tmp, self.cache_path)
        except OSError:
            pass

    # ---------------------------------------------------------------- listing
    def iter_candidates(self) -> Iterator[tuple[Path, Root, list[FormatAdapter]]]:
        """Every file under the roots that some adapter claims, with its claimants."""
        self.problems = []
        for root in self.roots:
            try:
                if not root.path.is_dir():
                    self.problems.append(f"{root.path}: not a directory")
                    continue
            except OSError as exc:
                self.problems.append(f"{root.path}: {exc.strerror or exc}")
                continue
            adapters = [get_adapter(root.format)] if root.format else list(ADAPTERS.values())
            claimants: dict[str, list[FormatAdapter]] = {}
            first_path: dict[str, Path] = {}  # reuse the adapter's Path, don't rebuild it
            for adapter in adapters:
                try:
                    paths = list(adapter.iter_files(root.path))
                except OSError as exc:
                    self.problems.append(f"{root.path}: {exc.strerror or exc}")
                    continue
                for path in paths:
                    key = str(path)
                    found = claimants.get(key)
                    if found is None:
                        claimants[key] = [adapter]
                        first_path[key] = path
                    else:
                        found.append(adapter)
            for key, found in claimants.items():
                yield first_path[key], root, found
            if not root.format:
                foreign = self._count_foreign(root.path, set(claimants))
                if foreign:
                    self.problems.append(
                        f"{root.path}: {foreign} file(s) match no known session format "
                        "(not listed)"
                    )

    @staticmethod
    def _count_foreign(directory: Path, claimed: set[str]) -> int:
        count = 0
        try:
            with os.scandir(directory) as it:
                for entry in it:
                    if entry.name.startswith("."):
                        continue
                    if entry.path not in claimed and not entry.is_dir(follow_symlinks=False):
                        count += 1
        except OSError:
            return 0
        return count

    def scan(
        self,
        *,
        on_batch: Callable[[list[SessionInfo]], None] | None = None,
        batch_size: int = 200,
    ) -> list[SessionInfo]:
        """List every session under the roots, re-reading only files that changed."""
        probe = LivenessProbe()
        fresh: dict[str, tuple[StatKey, SessionInfo]] = {}
        batch: list[SessionInfo] = []
        for path, root, claimants in self.iter_candidates():
            info, key = self._facts(path, claimants, probe)
            if info is None:
                continue
            fresh[str(path)] = (key, info)
            self._root_of[str(path)] = root
            if on_batch is not None:
                batch.append(info)
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
        return self.sessions()

    def _under_roots(self, path: str) -> bool:
        return any(path.startswith(str(root.path) + os.sep) for root in self.roots)

    def _facts(
        self, path: Path, claimants: list[FormatAdapter], probe: LivenessProbe
    ) -> tuple[SessionInfo | None, StatKey]:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            if os.path.islink(path):
                return _unreadable(path, claimants[0], "dangling symlink"), (0, 0, 0, 0)
            return None, (0, 0, 0, 0)
        except OSError as exc:
            return _unreadable(path, claimants[0], exc.strerror or str(exc)), (0, 0, 0, 0)
        key = _stat_key(st)
        if not stat_mod.S_ISREG(st.st_mode):
            kind = "a directory" if stat_mod.S_ISDIR(st.st_mode) else "not a regular file"
            return _unreadable(path, claimants[0], f"is {kind}, not a session file"), key
        skey = str(path)
        cached = self._cache.get(skey)
        info: SessionInfo | None = None
        adapter: FormatAdapter | None = None
        if _valid_entry(cached) and tuple(cached[0]) == key:
            adapter = next((a for a in claimants if a.name == cached[1]), None)
            if adapter is not None:
                try:
                    info = SessionInfo.from_json(cached[2])
                except (KeyError, TypeError, ValueError):
                    info = None
        if info is None:
            adapter = claimants[0] if len(claimants) == 1 else (detect(path) or claimants[0])
            info = adapter.read_facts(path, st)
            if info.state is SessionState.CORRUPT and not os.path.lexists(path):
                # Renamed (an OpenRath close) or deleted between the stat and the read:
                # it is gone, not corrupt; the watcher reports where it went.
                return None, key
            with self._lock:
                self._cache[skey] = [list(key), adapter.name, info.to_json()]
                self._cache_dirty = True
        assert adapter is not None
        if info.state in OPEN_STATES or adapter.always_check_liveness:
            info = adapter.apply_liveness(info, st, probe)
        return info, key

    def refresh(self, path: str | Path) -> SessionInfo | None:
        """Re-read one file after a change; None when it is gone (its entry is dropped)."""
        path = Path(path)
        skey = str(path)
        root = self._root_of.get(skey) or self._root_for(path)
        if root is None:
            return None
        adapters = [get_adapter(root.format)] if root.format else list(ADAPTERS.values())
        claimants = [a for a in adapters if a.claims(path)]
        if not claimants:
            return None
        info, key = self._facts(path, claimants, LivenessProbe())
        with self._lock:
            if info is None:
                self._entries.pop(skey, None)
                if self._cache.pop(skey, None) is not None:
                    self._cache_dirty = True
                return None
            self._entries[skey] = (key, info)
            self._root_of[skey] = root
        return info

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
        for skey, (key, info) in items:
            adapter = ADAPTERS.get(info.format)
            if adapter is None:
                continue
            if info.state not in OPEN_STATES and not adapter.always_check_liveness:
                continue
            try:
                st = os.stat(skey)
            except OSError:
                continue
            if _stat_key(st) != key:
                continue  # the watcher will refresh it
            new = adapter.apply_liveness(info, st, probe)
            if new.state != info.state or new.state_reason != info.state_reason:
                with self._lock:
                    self._entries[skey] = (key, new)
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
    def sessions(self) -> list[SessionInfo]:
        """One row per session, newest activity first.

        An OpenRath session with both a final and a `__partial__` file shows once
        (the final file wins).
        """
        with self._lock:
            infos = [info for _, info in self._entries.values()]
        best: dict[tuple[str, str, str, str], SessionInfo] = {}
        for info in infos:
            # Only an OpenRath final/partial pair (same id in the file name) folds into
            # one row: a copied or hostile header claiming another file's id must not
            # hide that session.
            stem = ""
            if info.format == "openrath":
                stem = ADAPTERS[info.format].id_from_path(Path(info.path))
            key = (info.format, os.path.dirname(info.path), info.id, stem)
            prev = best.get(key)
            if prev is None or _preference(info) > _preference(prev):
                best[key] = info
        epoch = datetime.fromtimestamp(0, UTC)
        return sorted(best.values(), key=lambda i: i.updated_at or epoch, reverse=True)

    def get_path(self, path: str | Path) -> SessionInfo | None:
        with self._lock:
            entry = self._entries.get(str(path))
        return entry[1] if entry else None

    def resolve(self, id_or_prefix: str) -> SessionInfo:
        """The one session whose id equals or starts with the argument."""
        return resolve_id(self.sessions(), id_or_prefix)

    def adapter_for(self, info: SessionInfo) -> FormatAdapter:
        return get_adapter(info.format)


def _preference(info: SessionInfo) -> int:
    return {
        SessionState.CLOSED: 4,
        SessionState.RUNNING: 3,
        SessionState.CRASHED: 2,
        SessionState.CORRUPT: 1,
    }[info.state]


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
