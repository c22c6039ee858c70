"""The proof that a listing would come out as it did last time, from `stat` alone.

A listing rests on three kinds of facts, and each can be checked again without
reading a file or loading the record cache:

* each root's directory walk (directories with their inode and ctime, as
  `walk_cache` keeps them: adding, removing or renaming a file changes its
  directory's ctime);
* every listed file's `(device, inode, size, mtime, ctime)`;
* for a file whose state only its writer's lock decides (a running or crashed
  OpenRath session), the lock verdict it had.

When all agree, the listing would list the same files with the same rows in the same
order. A file whose row its adapter decides on every scan (a state that ages with
the clock) cannot be proven this way: a listing holding one has no proof.

Callers that keep such proofs: `ls --json` prints its last output again and a host's
`serve` answers `ls --host` from it (`last_listing`), and a CLI search skips the
listing before it answers (`store/search/snapshot.py`).
"""

from __future__ import annotations

import marshal
import os
import sys

from sessionview import __version__
from sessionview.store.index.disk_cache import CACHE_VERSION
from sessionview.store.index.records import BY_LOCK, STATIC, stat_key
from sessionview.store.index.walk_cache import walk_still_valid

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from sessionview.store.liveness import LivenessProbe

#: Rows are the record cache's (its version), a kept listing's order and lines are this
#: sessionview's, and marshal's format belongs to the Python that wrote it: a proof
#: written by another one proves nothing.
TAG = f"sv-proof-2 {__version__} {CACHE_VERSION} {sys.implementation.cache_tag} {marshal.version}"

#: A file's fact: `(path, dev, ino, size, mtime_ns, ctime_ns, lock verdict or None)`.
Fact = tuple[str, int, int, int, int, int, "Any"]

#: Facts as kept: `(paths, stats, verdicts)`, the paths joined by NUL (which no path
#: holds), five 64-bit numbers per file (mtime, size, inode, ctime, device) and
#: `(position, verdict)` of
#: the files whose lock decides. Loading 10,000 facts as tuples of ints was a tenth of
#: a search answered from the index; these are three objects.
Packed = tuple[str, bytes, tuple[tuple[int, "Any"], ...]]


def pack(facts: Sequence[Fact]) -> Packed | None:
    """`facts` as kept; None for a number a signed 64-bit field cannot hold."""
    from array import array

    try:
        stats = array("q", [n for f in facts for n in (f[4], f[3], f[2], f[5], f[1])])
    except OverflowError:
        return None
    verdicts = tuple((i, f[6]) for i, f in enumerate(facts) if f[6] is not None)
    return "\0".join(f[0] for f in facts), stats.tobytes(), verdicts


def unpack(packed: Packed) -> list[Fact]:
    """The facts `pack` kept."""
    paths, stats, verdicts = _loaded(packed)
    found = dict(verdicts)
    facts: list[Fact] = []
    for i, path in enumerate(paths):
        mtime_ns, size, ino, ctime_ns, dev = stats[5 * i : 5 * i + 5]
        facts.append((path, dev, ino, size, mtime_ns, ctime_ns, found.get(i)))
    return facts


def _loaded(packed: Packed) -> tuple[list[str], Any, tuple[tuple[int, Any], ...]]:
    from array import array

    text, raw, verdicts = packed
    if type(text) is not str or type(raw) is not bytes or type(verdicts) is not tuple:
        raise ValueError("damaged facts")
    stats = array("q")
    stats.frombytes(raw)
    paths = text.split("\0") if text else []
    if len(stats) != 5 * len(paths):
        raise ValueError("damaged facts")
    for item in verdicts:
        if type(item) is not tuple or len(item) != 2 or not 0 <= item[0] < len(paths):
            raise ValueError("damaged facts")
    return paths, stats, verdicts


def listing_facts(
    scan: tuple[list[Any], dict[str, Any]], problems: Sequence[str], listed: int
) -> tuple[Any, ...] | None:
    """`(walks, files, problems, simple)` of a listing (`scan`: what
    `SessionIndex.last_scan()` said right after it, `problems` its lines; `files`
    packed), which showed `listed` rows; None when stat and lock cannot prove it (a
    root not walked from the cache, a file not from a cached record, a state its
    adapter decides). `simple`: every file is its own row (no partial and final file
    folded into one)."""
    walks, entries = scan
    if any(walk is None for walk in walks):
        return None
    from sessionview.store.liveness import LivenessProbe

    probe = LivenessProbe()
    files = []
    for path, (entry, record) in entries.items():
        fact = file_fact(path, entry, record, probe)
        if fact is None:
            return None
        files.append(fact)
    packed = pack(files)
    if packed is None:
        return None
    # A walk's directories prove it; its files are in `files` already.
    walks = [(walked_ns, dirs, (), foreign) for walked_ns, dirs, _claimed, foreign in walks]
    return (tuple(walks), packed, tuple(problems), len(entries) == listed)


def file_fact(path: str, entry: Any, record: Any, probe: LivenessProbe) -> Fact | None:
    """What proves a file's listing entry (`Fact`); None when stat and lock cannot."""
    if record is None or entry.key != record.key or entry.row is None:
        return None  # not from a cached record: unreadable, or not cached
    if record.mode == STATIC:
        verdict = None
    elif record.mode == BY_LOCK:
        try:
            st = os.stat(path)
        except OSError:
            return None
        if stat_key(st) != tuple(entry.key):
            return None
        verdict = probe.is_locked(path, st)
        if record.locked_row(verdict) != (entry.state, entry.row):
            return None  # the verdict now is not the one the listing saw
    else:
        return None  # the adapter decides on every scan
    return (absolute(path), *record.key, record.ctime_ns, verdict)


def changed_files(
    walks: Any, packed: Packed, limit: int, meanwhile: Callable[[], None] | None = None
) -> list[str] | None:
    """The files whose stat key or lock verdict moved since `packed` was kept, when
    the walks still hold and at most `limit` moved; else None (only a whole listing
    can tell: a directory changed or is too recent to trust, a file vanished, too
    many files changed, facts damaged). `meanwhile`: the caller's own work, done
    while a forked child stats (`_Child`), or first."""
    if not all(walk_still_valid(walk) for walk in walks):
        return None
    try:
        paths, stats, verdicts = _loaded(packed)
    except (ValueError, TypeError):
        return None
    probe = None
    if verdicts:
        from sessionview.store.liveness import LivenessProbe

        probe = LivenessProbe()

    def own_work() -> None:
        # `/proc/locks` is read in a thread while the files are stat'ed (after the
        # fork: the child must start alone): the kernel can take 10-20 ms to answer.
        if probe is not None:
            probe.prefetch_locks()
        if meanwhile is not None:
            meanwhile()

    def verdicts_moved() -> list[str]:
        """The files whose lock verdict moved, against their kept facts: the stat loop
        proves those current, or reports the file itself."""
        assert probe is not None
        moved = []
        for i, verdict in verdicts:
            j = 5 * i
            dev, ino, ctime_ns = stats[j + 4], stats[j + 2], stats[j + 3]
            if probe.is_locked_at(paths[i], dev, ino, ctime_ns) != verdict:
                moved.append(paths[i])
        return moved

    then = verdicts_moved if probe is not None else None
    child = _Child.start(paths, stats, limit) if _may_split(len(paths)) else None
    try:
        own_work()
        mine = _moved(paths, stats, 0, child.start_at if child else len(paths), limit)
        if mine is not None and then is not None:
            mine += then()  # while the child may still be at work
    finally:
        theirs = child.answer() if child is not None else []
    if mine is None or theirs is None:
        return None
    changed = list(dict.fromkeys(mine + theirs))
    return changed if len(changed) <= limit else None


def _moved(paths: list[str], stats: Any, lo: int, hi: int, limit: int) -> list[str] | None:
    """The files `paths[lo:hi]` whose stat key moved; None when one vanished or more
    than `limit` moved."""
    stat = os.stat
    changed: list[str] = []
    j = 5 * lo
    # A plain loop: proving a listing is this and little else, once per file.
    for path in paths[lo:hi]:
        try:
            st = stat(path)
        except OSError:
            return None
        if (
            st.st_mtime_ns != stats[j]
            or st.st_size != stats[j + 1]
            or st.st_ino != stats[j + 2]
            or st.st_ctime_ns != stats[j + 3]
            or st.st_dev != stats[j + 4]
        ):
            changed.append(path)
            if len(changed) > limit:
                return None
        j += 5
    return changed


#: Below this many files one process stats them all (a fork costs about what 500 do).
SPLIT_AT = 4000
#: The share of the files the parent stats itself: it has its caller's work and the
#: lock verdicts to do too.
PARENT_SHARE = 0.4


def _may_split(count: int) -> bool:
    if count < SPLIT_AT or not hasattr(os, "fork"):
        return False
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    if (cores or 1) < 2:
        return False
    import threading

    from sessionview.store import fast_paths

    # A fork copies only the calling thread: with others running (a watcher, a test
    # runner's) one of them could hold a lock the child would then wait on forever.
    return fast_paths.enabled("split_stat") and threading.active_count() == 1


class _Child:
    """A forked child that stats the files from `start_at` on, on another core: a
    `stat` is a system call, and 10,000 of them were a third of a search answered from
    the index. It only stats and writes its answer (`_moved`'s) to a pipe."""

    __slots__ = ("_args", "_pid", "_read_end", "start_at")

    def __init__(self, pid: int, read_end: int, start_at: int, args: tuple[Any, ...]) -> None:
        self._pid = pid
        self._read_end = read_end
        self.start_at = start_at
        self._args = args

    @classmethod
    def start(cls, paths: list[str], stats: Any, limit: int) -> _Child | None:
        """The child, started; None when the system will not fork."""
        import signal

        start_at = int(len(paths) * PARENT_SHARE)
        read_end, write_end = os.pipe()
        # Ctrl-C held back across the fork: a child interrupted before its `try` would
        # run the caller's code on; the parent gets it once the child is known.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            pid = os.fork()
        except OSError:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
            os.close(read_end)
            os.close(write_end)
            return None
        if pid == 0:  # the child (Ctrl-C still held): stat, answer, leave at once
            status = 1
            try:
                os.close(read_end)
                answer = marshal.dumps(_moved(paths, stats, start_at, len(paths), limit))
                view = memoryview(answer)
                while view:
                    view = view[os.write(write_end, view) :]
                status = 0
            finally:
                os._exit(status)
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(write_end)
        return cls(pid, read_end, start_at, (paths, stats, start_at, len(paths), limit))

    def answer(self) -> list[str] | None:
        """What the child found (reaped first); its share stat'ed here if it failed."""
        parts = []
        try:
            while chunk := os.read(self._read_end, 1 << 16):
                parts.append(chunk)
        finally:
            os.close(self._read_end)
            _, status = os.waitpid(self._pid, 0)
        try:
            if status != 0:
                raise ValueError("the child did not answer")
            found: list[str] | None = marshal.loads(b"".join(parts))
            return found
        except (EOFError, ValueError, TypeError):
            return _moved(*self._args)


def absolute(path: str) -> str:
    """The path as a proof keeps it (search knows files by absolute path)."""
    return path if path.startswith("/") else os.path.abspath(path)
