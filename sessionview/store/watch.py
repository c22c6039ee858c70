"""Batches of (path, change) for session directories, within tens of milliseconds.

watchfiles' defaults (1600 ms debounce, 50 ms step) deliver a single append after
~80 ms and a burst of new files after up to 1.6 s; with a 50 ms debounce and a 10 ms
step an append arrives in ~10-15 ms. The step is also how often the watcher wakes
while idle: 5 ms cost ~0.6% of a core in the TUI, 10 ms ~0.3%, so 10 ms keeps both
delivery (well under 50 ms) and idle CPU (under 1%) in bounds. Polling is only for
network filesystems, and since
watchfiles' poller compares mtimes at whole-second resolution (it missed 39-45% of
appends when measured), our poller compares sizes too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

DEBOUNCE_MS = 50
STEP_MS = 10


class Change(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    change: Change


def _from_watchfiles(raw: set[tuple[object, str]]) -> list[FileChange]:
    from watchfiles import Change as WChange

    mapping = {WChange.added: Change.ADDED, WChange.modified: Change.MODIFIED}
    out: dict[str, FileChange] = {}
    for change, path in raw:
        kind = mapping.get(change, Change.DELETED)  # type: ignore[arg-type]
        out[path] = FileChange(path, kind)
    return list(out.values())


def watch(
    dirs: Iterable[str | Path],
    *,
    stop_event: threading.Event | None = None,
    polling: bool = False,
    poll_interval: float = 0.3,
    recursive: bool = True,
) -> Iterator[list[FileChange]]:
    """Yield batches of changes under `dirs` until `stop_event` is set.

    Directories that do not exist now are skipped. This is `watch_forever` (one
    watchfiles loop for both): a watched directory that is deleted and re-created
    keeps being watched.
    """
    from sessionview.store.watch_resilient import watch_forever

    paths = [str(d) for d in dirs if Path(d).is_dir()]
    if not paths:
        return
    yield from watch_forever(
        paths,
        stop_event or threading.Event(),
        polling=polling,
        poll_interval=poll_interval,
        recursive=recursive,
    )


def files_under(directory: Path, recursive: bool) -> dict[str, tuple[int, int, int]]:
    """Every non-directory entry under `directory` with its (inode, size, mtime_ns);
    (0, 0, 0) for one that cannot be stat'ed (a dangling symlink is still listed)."""
    found: dict[str, tuple[int, int, int]] = {}
    stack = [str(directory)]
    while stack:
        current = stack.pop()
        try:
            with os.scandir(current) as entries:
                for entry in entries:
                    try:
                        if entry.is_dir(follow_symlinks=False):
                            if recursive:
                                stack.append(entry.path)
                            continue
                    except OSError:
                        continue
                    try:
                        st = entry.stat()
                        found[entry.path] = (st.st_ino, st.st_size, st.st_mtime_ns)
                    except OSError:
                        found[entry.path] = (0, 0, 0)
        except OSError:
            continue
    return found


def _snapshot(paths: list[str], recursive: bool) -> dict[str, tuple[int, int, int]]:
    """Every stat-able file under `paths` (the poller compares inode, size and mtime)."""
    state: dict[str, tuple[int, int, int]] = {}
    for path in paths:
        state.update(
            (p, sig) for p, sig in files_under(Path(path), recursive).items() if sig != (0, 0, 0)
        )
    return state


def _poll(
    paths: list[str], stop: threading.Event, interval: float, recursive: bool
) -> Iterator[list[FileChange]]:
    """Our own poller: compares inode, size and mtime_ns, so no append is missed."""
    before = _snapshot(paths, recursive)
    while not stop.wait(interval):
        after = _snapshot(paths, recursive)
        batch: list[FileChange] = []
        for path, sig in after.items():
            old = before.get(path)
            if old is None:
                batch.append(FileChange(path, Change.ADDED))
            elif old != sig:
                batch.append(FileChange(path, Change.MODIFIED))
        batch += [FileChange(p, Change.DELETED) for p in before if p not in after]
        before = after
        if batch:
            yield batch
