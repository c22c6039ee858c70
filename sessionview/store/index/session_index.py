"""`SessionIndex`: every session under some roots, without reading whole files.

A scan walks the roots (`walk_cache`: unchanged directories are not listed again),
stats every claimed file and takes each entry from the cheapest source that still
describes it (`reading`: cache hit, lock verdict, adapter liveness, read the file),
then folds a session's files into one row (`folding`). The records are cached on
disk across restarts (`disk_cache`, `records`).

A warm `ls --json` is dominated by start-up, so this package imports no adapter, no
JSON library and no record class until a file actually has to be read: a cached
row is printed as the bytes it was cached as.
"""

from __future__ import annotations

import os
from _thread import RLock  # threading's own RLock; `threading` is a slower import

from sessionview.store.index import disk_cache, folding
from sessionview.store.index.adapters import active_formats, formats, partial_suffixes, walk_key
from sessionview.store.index.entries import IndexEntry
from sessionview.store.index.liveness import needs_check
from sessionview.store.index.reading import EntryReader
from sessionview.store.index.records import BY_LOCK, STATIC, records_of, stat_key, tuples_of
from sessionview.store.index.resolve import resolve_id
from sessionview.store.index.walk_cache import WalkCache
from sessionview.store.liveness import LivenessProbe
from sessionview.store.roots import Root

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import threading
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path
    from typing import Any

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.index.last_listing import Last
    from sessionview.store.index.records import FileRecord
    from sessionview.store.model import SessionInfo

#: A claimed file: its path, the root it was found under, the formats that claim it.
Candidate = tuple[str, Root, tuple[str, ...]]


def default_cache_path() -> str:
    """`index.bin` in the platformdirs user cache directory."""
    return disk_cache.default_cache_path()


def _path(value: str | Path) -> Path:
    from pathlib import Path

    return Path(value)


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
        self._lock = RLock()
        self._reuse_listings = reuse_listings
        #: The record cache and the walks, loaded on first use (`_load`).
        self._loaded: tuple[EntryReader, WalkCache] | None = None
        #: How many records the cache held when loaded (0: this is a cold listing).
        self._cached_records = 0
        self._saving: threading.Thread | None = None
        self._keeping: list[threading.Thread] = []  # `last_listing.keep`
        self._entries: dict[str, IndexEntry] = {}
        self._root_of: dict[str, Root] = {}
        #: One line per problem that is not a session (unreadable root, foreign files).
        self.problems: list[str] = []

    @property
    def reuse_listings(self) -> bool:
        return self._reuse_listings

    def _load(self) -> tuple[EntryReader, WalkCache]:
        """The cached records and walks, read from disk the first time they are asked
        for (a listing proven unchanged, `last_listing`, never needs them)."""
        loaded = self._loaded
        if loaded is None:
            with self._lock:
                loaded = self._loaded
                if loaded is None:
                    files: dict = {}
                    walks: dict = {}
                    if self.cache_path is not None:
                        files, walks = disk_cache.load(self.cache_path)
                    self._cached_records = len(files)
                    loaded = self._loaded = (
                        EntryReader(records_of(files), self._lock),
                        WalkCache(walks, reuse_listings=self._reuse_listings),
                    )
        return loaded

    @property
    def _reader(self) -> EntryReader:
        return self._load()[0]

    @property
    def _walks(self) -> WalkCache:
        return self._load()[1]

    @property
    def _records(self) -> dict[str, FileRecord]:
        return self._reader.files

    # ------------------------------------------------------------------ cache
    def save_cache(self, *, background: bool = False) -> None:
        """Write the cache atomically if anything changed; failures are not fatal.

        With `background`, a (non-daemon) thread writes it while the caller goes on
        to print; the interpreter waits for it before it exits.
        """
        if self.cache_path is None or self._loaded is None:
            return
        if not (self._reader.dirty or self._walks.dirty):
            return
        with self._lock:
            records, walks = dict(self._records), dict(self._walks.walks)
            self._reader.dirty = self._walks.dirty = False
            if self._saving is not None:
                self._saving.join()  # saves land in order
                self._saving = None
            if background:
                import threading

                self._saving = threading.Thread(
                    target=_save, args=(self.cache_path, records, walks),
                    name="sessionview-save-index",
                )  # fmt: skip
                self._saving.start()
                return
        _save(self.cache_path, records, walks)

    def wait_saved(self, timeout: float | None = None) -> None:
        """Wait for a background cache save and a listing being kept (a process leaving
        with `os._exit` would cut them off, and the next listing would start cold)."""
        for thread in (self._saving, *self._keeping):
            if thread is not None:
                thread.join(timeout)
        self._keeping = [t for t in self._keeping if t.is_alive()]

    @property
    def cache_loaded(self) -> bool:
        """Whether the record cache was read (a listing proven unchanged never reads it)."""
        return self._loaded is not None

    # ---------------------------------------------------------------- listing
    def _candidates(self) -> list[Candidate]:
        """Every file under the roots that some adapter claims, with its claimants' names.

        One directory walk per root serves every adapter (see `walk.py`).
        """
        self.problems = []
        found: list[Candidate] = []
        for root in self.roots:
            walked = self._walks.walk_root(root, self.problems)
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
        """The scan: (1) stat every file and take unchanged ones from the cache,
        (2) read the rest, (3) list a vanished partial file's final file, (4) keep
        the entries and drop the records of files gone."""
        probe = LivenessProbe()
        reader = self._reader
        with self._lock:
            records = tuple(reader.files.values())
        batch: list[SessionInfo] = []
        candidates = self._candidates()
        if on_total is not None:
            on_total(len(candidates))

        def emit(entry: IndexEntry | None) -> None:
            nonlocal batch
            if on_batch is not None and entry is not None:
                batch.append(entry.materialize())
                if len(batch) >= batch_size:
                    on_batch(batch)
                    batch = []

        # 1. Stat every file; unchanged ones come from the cache. In the walk's order
        #    (ties sort the same, warm or cold): a file that takes the long way holds
        #    its place with None until its entry is known.
        fresh: dict[str, IndexEntry | None] = dict.fromkeys(c[0] for c in candidates)
        entry: IndexEntry | None
        later: list[tuple[int, os.stat_result | None]] = []  # st None: stat it again
        # Cached verdicts will be looked up: /proc/locks is read from now on, in a thread.
        if any(r.mode == BY_LOCK for r in records):
            probe.prefetch_locks()
        stat, record_of = os.stat, reader.files.get
        for i, (path, _root, claimants) in enumerate(candidates):
            # A plain loop: a warm scan is this and little else, 10,000 times.
            try:
                st = stat(path)
            except OSError:
                later.append((i, None))
                continue
            record = record_of(path)
            if record is not None and record.mode == STATIC and record.describes(st, claimants):
                fresh[path] = entry = IndexEntry(
                    record.key, record.format, record.state, record.updated, record.id, path,
                    record.row,
                )  # fmt: skip
                if on_batch is not None:
                    emit(entry)
            else:
                later.append((i, st))
        # Later, after that loop: by then the /proc/locks read is done, and no file
        # waited for it.
        found: list[IndexEntry | None] = [None] * len(candidates)
        to_read: list[tuple[int, os.stat_result]] = []
        for i, maybe_st in later:
            path, _root, claimants = candidates[i]
            if maybe_st is not None:
                st = maybe_st
            else:
                try:
                    st = os.stat(path)
                except OSError:
                    found[i] = entry = reader.facts(path, claimants, probe)  # why, or gone
                    emit(entry)
                    continue
            entry = reader.cached_entry(path, st, claimants, probe)
            if entry is None:
                to_read.append((i, st))
            else:
                found[i] = entry
                emit(entry)
        # 2. The rest needs its adapter: mostly files to read.
        for i, st in to_read:
            path, _root, claimants = candidates[i]
            found[i] = entry = reader.entry_of(path, st, claimants, probe)
            emit(entry)
        # 3. A partial file that vanished since the walk was most likely closed: renamed
        #    to its final name, which the walk did not see yet. That file is listed instead.
        suffixes = partial_suffixes()
        renamed: list[Candidate] = []
        root_of = self._root_of
        for i, _st in later:
            path, root, claimants = candidates[i]
            fresh[path] = entry = found[i]
            if entry is not None:
                root_of[path] = root
                continue
            for suffix in suffixes.values():
                if path.endswith(suffix):
                    renamed.append((path[: -len(suffix)], root, claimants))
                    break
        listed = {p: e for p, e in fresh.items() if e is not None}
        for final, root, claimants in renamed:
            if final not in listed:
                entry = reader.facts(final, claimants, probe)
                if entry is not None:
                    listed[final] = entry
                    root_of[final] = root
                    emit(entry)
        if on_batch is not None and batch:
            on_batch(batch)
        # 4. Keep the entries; forget the records of files no longer under the roots.
        with self._lock:
            gone = [p for p in tuple(reader.files) if p not in listed and self._under_roots(p)]
            for p in gone:
                del reader.files[p]
                reader.dirty = True
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

    def scan_entries(self) -> list[IndexEntry]:
        """`scan()` without building a `SessionInfo` per row: the listing's entries
        (`path`, `format`, `state`, `updated`, `key`: the `stat` key just read,
        `materialize()`), for callers that need the full row of a few (search).
        """
        self._scan_entries(None, 0)
        return self._best_entries()

    def last_scan(self) -> tuple[list[Any], dict[str, tuple[IndexEntry, FileRecord | None]]]:
        """What the last scan rested on, for a caller that keeps its own proof that
        nothing changed since (search's snapshot): each root's cached walk (None for a
        root not walked), and every listed file's entry (before folding) with its record."""
        with self._lock:
            walks = [self._walks.walks.get(walk_key(root)) for root in self.roots]
            files = {p: (e, self._reader.files.get(p)) for p, e in self._entries.items()}
        return walks, files

    def scan_json(self, states: Iterable[str] | None = None, *, reuse_last: bool = False) -> bytes:
        """`scan()` for `ls --json`: one JSON array of rows, newest activity first.

        Unchanged files' rows are the cached bytes, without building objects. With
        `reuse_last`, the last such listing of these roots and states when nothing it
        rested on changed (`last_listing`: then no scan happens, and only `problems` is
        set), and this one is kept for the next.
        """
        last = self._proven_last(states) if reuse_last else None
        if last is not None:
            return last.output
        rows = self._json_rows(states)
        kept = list(rows) if reuse_last else []
        if not rows:
            output = b"[]"
        else:
            # One copy of megabytes of rows, not three: the brackets go on the end rows.
            rows[0] = b"[" + rows[0]
            rows[-1] = rows[-1] + b"]"
            output = b",".join(rows)
        if reuse_last:
            self._keep_last(states, kept, output)
        return output

    def scan_json_rows(
        self,
        states: Iterable[str] | None = None,
        *,
        extra: Mapping[str, str] | None = None,
        reuse_last: bool = False,
    ) -> list[bytes]:
        """`scan_json`'s rows, each one JSON object. `extra`: fields added at the end of
        every row (`serve` tags each row with the name its client calls the host, so the
        client can print the bytes as they came). `reuse_last`: as for `scan_json`."""
        tail = b"}"
        if extra:
            import orjson

            tail = b"," + orjson.dumps(dict(extra))[1:]  # `"host":"devbox"}`
        last = self._proven_last(states) if reuse_last else None
        if last is not None:
            return last.rows(tail)
        rows = self._json_rows(states)
        if reuse_last:
            self._keep_last(states, rows, None)
        if extra and rows:
            rows = [row[:-1] + tail for row in rows]
        return rows

    def _json_rows(self, states: Iterable[str] | None) -> list[bytes]:
        # The cache is written while the caller prints (the JSON does not wait for it).
        self._scan_entries(None, 0, save_in_background=True)
        wanted = set(states) if states is not None else None
        return [
            e.row if e.row is not None else e.json_row()
            for e in self._best_entries()
            if wanted is None or e.state in wanted
        ]

    def _proven_last(self, states: Iterable[str] | None) -> Last | None:
        """The kept listing of these roots and states when its proof holds, its
        problem lines then this index's (`last_listing.proven`)."""
        from sessionview.store.index import last_listing

        last = last_listing.proven(self, states)
        if last is not None:
            self.problems = last.problems
        return last

    def _keep_last(
        self, states: Iterable[str] | None, rows: list[bytes], output: bytes | None
    ) -> None:
        """Keep this listing for the next (`last_listing.keep`), but not after a cold
        listing: reading every file is its work, and writing megabytes more would slow
        it down. The next listing keeps its output."""
        if self._cached_records:
            from sessionview.store.index import last_listing

            thread = last_listing.keep(self, states, rows, output)
            if thread is not None:
                self._keeping = [t for t in self._keeping if t.is_alive()] + [thread]

    def _under_roots(self, path: str) -> bool:
        return any(path.startswith(root.dir + os.sep) for root in self.roots)

    def refresh(self, path: str | Path) -> SessionInfo | None:
        """Re-read one file after a change; None when it is gone (its entry is dropped)."""
        skey = str(path)
        root = self._root_of.get(skey) or self._root_for(_path(skey))
        if root is None:
            return None
        registry = formats()
        name = _path(skey)
        claimants = tuple(n for n in active_formats(root) if registry.get_adapter(n).claims(name))
        if not claimants:
            return None
        if root.format is None and skey not in self._entries and os.path.dirname(skey) != root.dir:
            from sessionview.store.walk import content_claimed

            if not content_claimed(skey, [registry.get_adapter(n) for n in claimants]):
                return None  # below a root, a new file must be some format's content
        entry = self._reader.facts(skey, claimants, LivenessProbe())
        with self._lock:
            if entry is None:
                self._entries.pop(skey, None)
                self._reader.drop(skey)
                return None
            self._entries[skey] = entry
            self._root_of[skey] = root
        return entry.materialize()

    def forget(self, path: str | Path) -> None:
        """Drop a path from the index (after a delete)."""
        with self._lock:
            self._entries.pop(str(path), None)
            self._records.pop(str(path), None)
            self._reader.dirty = True

    def recheck_liveness(self) -> list[SessionInfo]:
        """Re-evaluate running/crashed for open sessions; returns the rows that changed.

        Called periodically by watchers: a writer can die without touching its file.
        """
        probe = LivenessProbe()
        changed: list[SessionInfo] = []
        with self._lock:
            items = list(self._entries.items())
        adapters = formats().ADAPTERS
        for skey, entry in items:
            adapter = adapters.get(entry.format)
            if adapter is None or not needs_check(entry.state, adapter):
                continue
            try:
                st = os.stat(skey)
            except OSError:
                continue
            if stat_key(st) != entry.key:
                continue  # the watcher will refresh it
            info = entry.materialize()
            new = adapter.apply_liveness(info, st, probe)
            if new.state != info.state or new.state_reason != info.state_reason:
                with self._lock:
                    self._entries[skey] = IndexEntry.of(entry.key, new)
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
    def _best_entries(self) -> list[IndexEntry]:
        """One entry per session, newest activity first (`folding.best_entries`)."""
        with self._lock:
            entries = dict(self._entries)
        return folding.best_entries(entries, partial_suffixes())

    def sessions(self) -> list[SessionInfo]:
        """One row per session, newest activity first.

        A session with both a final and a partial file shows once (`folding`).
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
        return formats().get_adapter(info.format)


def _save(path: str, records: dict[str, FileRecord], walks: dict) -> None:
    disk_cache.save(path, tuples_of(records), walks)
