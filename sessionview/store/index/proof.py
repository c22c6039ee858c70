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

Two callers keep such proofs: `ls --json` prints its last output again
(`last_listing`), and a CLI search skips the listing before it answers
(`store/search/snapshot.py`).
"""

from __future__ import annotations

import marshal
import os
import sys

from sessionview.store.index.disk_cache import CACHE_VERSION
from sessionview.store.index.records import BY_LOCK, STATIC, stat_key
from sessionview.store.index.walk_cache import walk_still_valid

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from sessionview.store.index.session_index import SessionIndex
    from sessionview.store.liveness import LivenessProbe

#: Rows are the record cache's (its version), and marshal's format belongs to the
#: Python that wrote it: a proof written by another one proves nothing.
TAG = f"sv-proof-1 {CACHE_VERSION} {sys.implementation.cache_tag} {marshal.version}"

#: A file's fact: `(path, dev, ino, size, mtime_ns, ctime_ns, lock verdict or None)`.
Fact = tuple[str, int, int, int, int, int, "Any"]


def listing_facts(index: SessionIndex, listed: int) -> tuple[Any, ...] | None:
    """`(walks, files, problems, simple)` of the listing `index` just made, which
    showed `listed` rows; None when stat and lock cannot prove it (a root not walked
    from the cache, a file not from a cached record, a state its adapter decides).
    `simple`: every file is its own row (no partial and final file folded into one)."""
    walks, entries = index.last_scan()
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
    # A walk's directories prove it; its files are in `files` already.
    walks = [(walked_ns, dirs, (), foreign) for walked_ns, dirs, _claimed, foreign in walks]
    return (tuple(walks), tuple(files), tuple(index.problems), len(entries) == listed)


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


def changed_files(walks: Any, files: Any, limit: int) -> list[str] | None:
    """The files whose stat key or lock verdict moved since `files` were kept, when
    the walks still hold and at most `limit` moved; else None (only a whole listing
    can tell: a directory changed or is too recent to trust, a file vanished, too
    many files changed)."""
    if not all(walk_still_valid(walk) for walk in walks):
        return None
    verdicts = [fact for fact in files if fact[6] is not None]
    probe = None
    if verdicts:
        from sessionview.store.liveness import LivenessProbe

        probe = LivenessProbe()

    def meanwhile() -> None:
        # `/proc/locks` is read in a thread while the files are stat'ed (after the
        # fork: the child must start alone): the kernel can take 10-20 ms to answer.
        if probe is not None:
            probe.prefetch_locks()

    if _may_split(len(files)):
        changed = _split_moved(files, limit, meanwhile)
    else:
        meanwhile()
        changed = _moved(files, limit)
    if changed is None:
        return None
    if probe is not None:
        gone = set(changed)
        for path, _dev, _ino, _size, _mtime, _ctime, verdict in verdicts:
            if path in gone:
                continue
            try:
                st = os.stat(path)  # again: the verdict is read against the file as it is
            except OSError:
                return None
            if probe.is_locked(path, st) != verdict:
                changed.append(path)
                if len(changed) > limit:
                    return None
    return changed


def _moved(files: Any, limit: int) -> list[str] | None:
    """The files of `files` whose stat key moved; None when one vanished or more than
    `limit` moved."""
    stat = os.stat
    changed: list[str] = []
    # A plain loop: proving a listing is this and little else, once per file.
    for path, dev, ino, size, mtime_ns, ctime_ns, _verdict in files:
        try:
            st = stat(path)
        except OSError:
            return None
        if (
            st.st_mtime_ns != mtime_ns
            or st.st_size != size
            or st.st_ino != ino
            or st.st_ctime_ns != ctime_ns
            or st.st_dev != dev
        ):
            changed.append(path)
            if len(changed) > limit:
                return None
    return changed


#: Below this many files one process stats them all (a fork costs about what 500 do).
SPLIT_AT = 4000


def _may_split(count: int) -> bool:
    if count < SPLIT_AT or not hasattr(os, "fork") or (os.cpu_count() or 1) < 2:
        return False
    import threading

    from sessionview.store import fast_paths

    # A fork copies only the calling thread: with others running (a watcher, a test
    # runner's) one of them could hold a lock the child would then wait on forever.
    return fast_paths.enabled("split_stat") and threading.active_count() == 1


def _split_moved(files: Any, limit: int, meanwhile: Callable[[], None]) -> list[str] | None:
    """`_moved` with the second half of the files stat'ed by a forked child on another
    core: a `stat` is a system call, and 10,000 of them were a third of a search
    answered from the index. The child only stats and writes its answer to a pipe;
    the parent runs `meanwhile` once the child is started, then stats the first half."""
    half = len(files) // 2
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        meanwhile()
        return _moved(files, limit)
    if pid == 0:  # the child: stat, answer, leave without running any cleanup
        status = 1
        try:
            os.close(read_end)
            answer = marshal.dumps(_moved(files[half:], limit))
            view = memoryview(answer)
            while view:
                view = view[os.write(write_end, view) :]
            status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    try:
        meanwhile()
        first = _moved(files[:half], limit)
        parts = []
        while chunk := os.read(read_end, 1 << 16):
            parts.append(chunk)
    finally:
        os.close(read_end)
        _, status = os.waitpid(pid, 0)
    try:
        second = marshal.loads(b"".join(parts)) if status == 0 else _moved(files[half:], limit)
    except (EOFError, ValueError, TypeError):
        second = _moved(files[half:], limit)
    if first is None or second is None or len(first) + len(second) > limit:
        return None
    return first + second


def absolute(path: str) -> str:
    """The path as a proof keeps it (search knows files by absolute path)."""
    return path if path.startswith("/") else os.path.abspath(path)
