"""Read many files on two cores: a forked child reads every other file.

A cold listing is bound by Python, not by the disk (~60 µs a file to parse a header,
find a title and build a row, against ~10 µs of reads), so a second process halves
it. Forking is only safe where no other thread could hold a lock the child would
inherit, so it happens only in a single-threaded process (the CLI, never the TUI),
only for many files and only with two CPUs to run on. The child only reads: it
writes its results to an unlinked temporary file and leaves with `os._exit`, never
running the parent's clean-ups. Whatever goes wrong with it, the parent reads its
files itself, so the result never depends on the child.
"""

from __future__ import annotations

import marshal
import os
import sys

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

#: Below this many files, a fork costs more than it saves.
MIN_FILES = 400
#: What a child sends for a file it could not report (the parent reads it itself).
RETRY = 0
#: The child reads 11 jobs in 20: the parent also puts every result to use, its own as
#: they come and the child's after it (measured: an even split left the parent last).
CHILD_SHARE = (11, 20)


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def worthwhile(count: int) -> bool:
    """Whether `count` files are worth a second process here, and it is safe to fork."""
    if count < MIN_FILES:
        return False
    import threading

    return (
        count >= MIN_FILES
        and sys.platform == "linux"  # elsewhere system libraries may not survive a fork
        and hasattr(os, "fork")
        and hasattr(os, "memfd_create")
        and threading.active_count() == 1
        and _cpus() >= 2
    )


def read_all(
    jobs: Sequence[Any],
    read_one: Callable[[Any], Any],
    use: Callable[[int, Any], None],
    *,
    portable: Callable[[Any], bool],
    after_fork: Callable[[], None] | None = None,
) -> None:
    """`use(i, read_one(jobs[i]))` for every job, some jobs read by a forked child.

    The parent uses each of its results at once, while the child still reads. The
    child sends a result only if `portable(result)` (builtin types, for `marshal`),
    else `RETRY`; a `RETRY`, and every job of a child that failed, is read again
    here. `after_fork` runs in the parent once the child is started (it may start
    threads: the fork is behind it).
    """
    share, out_of = CHILD_SHARE

    def child_reads(i: int) -> bool:
        return i % out_of < share

    theirs_at = [i for i in range(len(jobs)) if child_reads(i)]
    # An anonymous in-memory file for the child's report: no pipe to fill up while
    # the parent is busy, nothing on disk, no tempfile import.
    try:
        out = os.memfd_create("sessionview-forked-read", os.MFD_CLOEXEC)
    except OSError:
        out = -1
    try:
        pid = os.fork() if out >= 0 else -1
    except OSError:  # no memory or no process to spare: one process reads it all
        pid = -1
    if pid < 0:
        if out >= 0:
            os.close(out)
        for i, job in enumerate(jobs):
            use(i, read_one(job))
        return
    try:
        if pid == 0:  # the child: read, report, leave without clean-ups
            status = 1
            try:
                mine = []
                for job in (jobs[i] for i in theirs_at):
                    try:
                        result = read_one(job)
                    except Exception:
                        result = RETRY
                    mine.append(result if portable(result) else RETRY)
                report = memoryview(marshal.dumps(mine))
                while report:
                    report = report[os.write(out, report) :]
                status = 0
            finally:
                os._exit(status)
        try:
            if after_fork is not None:
                after_fork()
            for i in range(len(jobs)):
                if not child_reads(i):
                    use(i, read_one(jobs[i]))
        finally:
            _, status = os.waitpid(pid, 0)
        theirs: Any = None
        if os.waitstatus_to_exitcode(status) == 0:
            try:
                theirs = marshal.loads(_read_all(out))
            except (EOFError, ValueError, TypeError, OSError):
                theirs = None
    finally:
        os.close(out)
    if type(theirs) is not list or len(theirs) != len(theirs_at):
        theirs = [RETRY] * len(theirs_at)
    for i, result in zip(theirs_at, theirs, strict=True):
        use(i, read_one(jobs[i]) if result == RETRY else result)


def _read_all(fd: int) -> bytes:
    """Everything in the memfd, from its start."""
    size = os.fstat(fd).st_size
    parts = []
    offset = 0
    while offset < size:
        block = os.pread(fd, size - offset, offset)
        if not block:
            break
        parts.append(block)
        offset += len(block)
    return b"".join(parts)
