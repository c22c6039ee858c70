"""Is anybody still writing this file? Answered without ever getting in a writer's way.

On Linux the kernel lists every held lock in `/proc/locks`; reading it takes no lock
at all, so a writer starting at that moment can never fail because of us. Elsewhere
we fall back to a shared, non-blocking `flock` probe that is released at once, and
only on files whose header line is already complete (OpenRath's writer takes its
lock before it writes the header, so such a file's writer already holds the lock or
never will). Process-fd scanning serves formats whose writers hold the file open
without a lock (Codex).
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:  # annotations only: a warm listing imports this module at start-up
    import threading
    from collections.abc import Callable
    from typing import TypeVar

    T = TypeVar("T")

PROC_LOCKS = "/proc/locks"


def _read_proc_locks() -> set[tuple[int, int, int]] | None:
    """`(major, minor, inode)` of every file with an flock/posix lock, or None if unknown."""
    try:
        # ASCII text, read as UTF-8: that codec is loaded already (the ASCII one is not).
        with open(PROC_LOCKS, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    held: set[tuple[int, int, int]] = set()
    for line in text.splitlines():
        fields = line.split()
        # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"; blocked waiters have "->".
        if len(fields) < 6 or fields[1] == "->":
            continue
        try:
            major, minor, inode = fields[5].split(":")
            held.add((int(major, 16), int(minor, 16), int(inode)))
        except ValueError:
            continue
    return held


def _flock_probe(path: str) -> bool | None:
    """True if some process holds a lock on `path`; None when the probe is impossible."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        return None
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        head = os.pread(fd, 1 << 16, 0)
        if b"\n" not in head:
            # The header is not complete: the writer may be between open and lock.
            # Probing now could make it fail, so we do not probe.
            return None
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        except OSError:
            return None
        fcntl.flock(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class LivenessProbe:
    """One snapshot of "who is writing what", built once per scan and reused per file.

    Cheap to create; each source (`/proc/locks`, `/proc/*/fd`) is read lazily, once.
    """

    def __init__(self) -> None:
        self._locks: set[tuple[int, int, int]] | None = None
        self._locks_read = False
        self._open_files: set[tuple[int, int]] | None = None
        self._open_files_read = False
        self._memo: dict[object, object] = {}
        self._prefetch: threading.Thread | None = None
        self._prefetched: set[tuple[int, int, int]] | None = None
        #: When the `/proc/locks` snapshot began (wall clock, as file ctimes are).
        self._locks_since_ns = 0

    def prefetch_locks(self) -> None:
        """Start reading `/proc/locks` now, in a thread, for the first `is_locked`.

        The kernel may wait for an RCU grace period before it answers (10-20 ms
        measured here, on a process's first read): a scan that knows it will ask
        overlaps that wait with its own work instead of sitting in it.
        """
        if self._locks_read or self._prefetch is not None or not sys.platform.startswith("linux"):
            return
        import threading

        self._locks_since_ns = time.time_ns()

        def read() -> None:
            self._prefetched = _read_proc_locks()

        self._prefetch = threading.Thread(target=read, name="sessionview-proc-locks", daemon=True)
        self._prefetch.start()

    def memo(self, key: object, factory: Callable[[], T]) -> T:
        """`factory()` computed once per probe (once per scan), e.g. a pid registry."""
        if key not in self._memo:
            self._memo[key] = factory()
        return self._memo[key]  # type: ignore[return-value]

    def is_locked(self, path: str, st: os.stat_result) -> tuple[bool | None, str]:
        """Whether a writer holds a lock on the file, with the evidence used."""
        return self.is_locked_at(path, st.st_dev, st.st_ino, st.st_ctime_ns)

    def is_locked_at(self, path: str, dev: int, ino: int, ctime_ns: int) -> tuple[bool | None, str]:
        """`is_locked` for a file known by its device, inode and ctime (a proof's
        kept facts, proven current: no second `stat`)."""
        if sys.platform.startswith("linux"):
            if not self._locks_read:
                if self._prefetch is not None:
                    self._prefetch.join()
                    self._locks = self._prefetched
                else:
                    self._locks_since_ns = time.time_ns()
                    self._locks = _read_proc_locks()
                self._locks_read = True
            if self._locks is not None:
                key = (os.major(dev), os.minor(dev), ino)
                if key not in self._locks and ctime_ns >= self._locks_since_ns:
                    # The file changed after the snapshot was taken: its writer may have
                    # started since. Look again, once per such change.
                    self._locks_since_ns = time.time_ns()
                    self._locks = _read_proc_locks() or set()
                if key in self._locks:
                    return True, "writer holds its lock (/proc/locks)"
                return False, "no process holds its lock (/proc/locks)"
        memo_key = ("flock", dev, ino)
        held = self.memo(memo_key, lambda: _flock_probe(path))  # probe a file once a scan
        if held is None:
            return None, "lock state unknown (header incomplete or probe impossible)"
        if held:
            return True, "writer holds its lock (flock probe)"
        return False, "no process holds its lock (flock probe)"

    def open_by_process(self, st: os.stat_result) -> bool | None:
        """Whether any process has the file open (Linux `/proc/*/fd`), None if unknown."""
        if not self._open_files_read:
            self._open_files = _scan_proc_fds()
            self._open_files_read = True
        if self._open_files is None:
            return None
        return (st.st_dev, st.st_ino) in self._open_files


def _scan_proc_fds() -> set[tuple[int, int]] | None:
    proc = "/proc"
    if not os.path.isdir(proc):
        return None
    seen: set[tuple[int, int]] = set()
    me = os.getpid()
    try:
        pids = [p for p in os.listdir(proc) if p.isdigit() and int(p) != me]
    except OSError:
        return None
    for pid in pids:
        fd_dir = f"/proc/{pid}/fd"
        try:
            fds = os.listdir(fd_dir)
        except OSError:
            continue
        for fd in fds:
            try:
                st = os.stat(f"{fd_dir}/{fd}")
            except OSError:
                continue
            seen.add((st.st_dev, st.st_ino))
    return seen


def pid_alive(pid: int) -> bool:
    """Whether a process with this pid exists (signal 0 sends nothing)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True
