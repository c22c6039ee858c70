"""Batches of (path, change) for session directories, within tens of milliseconds, that
survive the directories themselves being deleted, renamed or re-created.

watchfiles' defaults (1600 ms debounce, 50 ms step) deliver a single append after
~80 ms and a burst of new files after up to 1.6 s; with a 50 ms debounce and a 10 ms
step an append arrives in ~10-15 ms. The step is also how often the watcher wakes
while idle, so 10 ms keeps both delivery and idle CPU in bounds (see the benchmarks).

inotify watches an inode: when a watched directory is removed (or renamed away) and
made again, the old watch sees nothing more, and a directory missing at start is
never watched at all. `watch_forever` re-arms: every `check_interval` seconds it
checks that each directory still is the same inode (and a directory reported deleted
is re-armed even when its successor got the same inode number), and when one
vanishes, appears or is replaced it

* yields DELETED for every file it knew under a directory that went away, and ADDED
  for every file found in a directory that (re)appeared, so a consumer that simply
  refreshes the paths it is given (`SessionIndex.refresh`) stays right; and
* calls `on_rearm(directory, present)` so a consumer can rescan instead.

A directory's files are listed before its watch is armed; once armed they are listed
again, and whatever appeared, changed or went in between is yielded too, so no write
falls into the gap. `armed` (a `threading.Event`) is set once every present directory
is watched, and cleared while re-arming: a caller waits on it instead of sleeping.

Polling (`polling=True`) is for network file systems. watchfiles' poller compares
mtimes at whole-second resolution and misses appends, so ours compares inode, size
and mtime: the same snapshot diff as the catch-up after arming (`diff`).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

DEBOUNCE_MS = 50
STEP_MS = 10

Ident = tuple[int, int]
#: The identity noted for a directory whose watch died (it never equals a real one).
_DEAD: Ident = (-1, -1)
#: (inode, size, mtime_ns) of a file; (0, 0, 0) when it cannot be stat'ed.
Signature = tuple[int, int, int]


class Change(StrEnum):
    ADDED = "added"
    MODIFIED = "modified"
    DELETED = "deleted"


@dataclass(frozen=True, slots=True)
class FileChange:
    path: str
    change: Change


def _from_watchfiles(raw: set[tuple[Any, str]]) -> list[FileChange]:
    from watchfiles import Change as WChange

    mapping = {WChange.added: Change.ADDED, WChange.modified: Change.MODIFIED}
    out: dict[str, FileChange] = {}
    for change, path in raw:
        kind = mapping.get(change, Change.DELETED)
        out[path] = FileChange(path, kind)
    return list(out.values())


def files_under(directory: Path, recursive: bool) -> dict[str, Signature]:
    """Every non-directory entry under `directory` with its (inode, size, mtime_ns);
    (0, 0, 0) for one that cannot be stat'ed (a dangling symlink is still listed)."""
    found: dict[str, Signature] = {}
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


def diff(before: dict[str, Signature], after: dict[str, Signature]) -> list[FileChange]:
    """The changes from one snapshot of files to the next (the one snapshot diff)."""
    changes: list[FileChange] = []
    for path, sig in after.items():
        old = before.get(path)
        if old is None:
            changes.append(FileChange(path, Change.ADDED))
        elif old != sig:
            changes.append(FileChange(path, Change.MODIFIED))
    changes += [FileChange(p, Change.DELETED) for p in before if p not in after]
    return changes


def _snapshot(paths: list[str], recursive: bool) -> dict[str, Signature]:
    """Every stat-able file under `paths`."""
    state: dict[str, Signature] = {}
    for path in paths:
        state.update(
            (p, sig) for p, sig in files_under(Path(path), recursive).items() if sig != (0, 0, 0)
        )
    return state


def _poll(
    paths: list[str],
    stop: threading.Event,
    interval: float,
    recursive: bool,
    armed: threading.Event,
) -> Iterator[list[FileChange]]:
    """Our own poller: compares inode, size and mtime_ns, so no append is missed."""
    before = _snapshot(paths, recursive)
    armed.set()  # every change from here on is seen by the next pass
    while not stop.wait(interval):
        after = _snapshot(paths, recursive)
        batch = diff(before, after)
        before = after
        if batch:
            yield batch


def _ident(path: Path) -> Ident | None:
    """(device, inode) of a directory, or None when it is not one (or is unreachable)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isdir(path):
        return None
    return (st.st_dev, st.st_ino)


def _owner(path: str, dirs: list[Path]) -> Path | None:
    for directory in dirs:
        prefix = str(directory) + os.sep
        if path.startswith(prefix):
            return directory
    return None


def watch(
    dirs: Iterable[str | Path],
    *,
    stop_event: threading.Event | None = None,
    polling: bool = False,
    poll_interval: float = 0.3,
    recursive: bool = True,
    armed: threading.Event | None = None,
) -> Iterator[list[FileChange]]:
    """`watch_forever` over the directories of `dirs` that exist now (none: no batch)."""
    paths = [str(d) for d in dirs if Path(d).is_dir()]
    if not paths:
        return
    yield from watch_forever(
        paths,
        stop_event or threading.Event(),
        polling=polling,
        poll_interval=poll_interval,
        recursive=recursive,
        armed=armed,
    )


def watch_forever(
    dirs: Iterable[str | Path],
    stop_event: threading.Event,
    *,
    polling: bool = False,
    poll_interval: float = 0.3,
    recursive: bool = True,
    check_interval: float = 0.5,
    on_rearm: Callable[[Path, bool], None] | None = None,
    armed: threading.Event | None = None,
) -> Iterator[list[FileChange]]:
    """Yield batches of changes under `dirs` until `stop_event` is set, whatever
    happens to the directories themselves (see the module docstring)."""
    armed = armed if armed is not None else threading.Event()
    watched = [Path(os.path.abspath(d)) for d in dirs]
    roots = {str(d) for d in watched}
    if polling:
        yield from _poll([str(d) for d in watched], stop_event, poll_interval, recursive, armed)
        return
    from watchfiles import watch as wf_watch

    idents: dict[Path, Ident | None] = {d: None for d in watched}
    known: dict[Path, set[str]] = {d: set() for d in watched}
    first = True
    while not stop_event.is_set():
        # (Re)arm: note every directory's identity and the files it holds now.
        changes: list[FileChange] = []
        #: What each directory (re)armed in this pass held before its watch was armed.
        unarmed: dict[Path, dict[str, Signature]] = {}
        for directory in watched:
            ident = _ident(directory)
            if ident == idents[directory] and not first:
                continue
            armed.clear()
            if idents[directory] is not None:
                changes += [FileChange(p, Change.DELETED) for p in sorted(known[directory])]
                known[directory] = set()
            if ident is not None:
                unarmed[directory] = files_under(directory, recursive)
                files = set(unarmed[directory])
                if not first:
                    changes += [FileChange(p, Change.ADDED) for p in sorted(files)]
                known[directory] = files
            if not first and on_rearm is not None:
                on_rearm(directory, ident is not None)
            idents[directory] = ident
        first = False
        if changes:
            yield changes
        present = [d for d in watched if idents[d] is not None]
        if not present:
            armed.set()  # nothing to watch: the directories' return is checked for
            stop_event.wait(check_interval)
            continue
        try:
            for raw in wf_watch(
                *[str(d) for d in present],
                stop_event=stop_event,
                debounce=DEBOUNCE_MS,
                step=STEP_MS,
                recursive=recursive,
                force_polling=False,
                yield_on_timeout=True,
                raise_interrupt=False,
                rust_timeout=max(1, int(check_interval * 1000)),
                ignore_permission_denied=True,
            ):
                every = _from_watchfiles(raw)
                batch = [c for c in every if c.path not in roots]
                # A watched directory itself deleted: its watch is dead, even if a new
                # directory of the same name already took the old inode number.
                dead = [c.path for c in every if c.path in roots and c.change is Change.DELETED]
                if unarmed:
                    # The watch is armed now: catch up on what changed while it was not.
                    seen = {c.path for c in batch}
                    for directory, before in unarmed.items():
                        after = files_under(directory, recursive)
                        batch += [c for c in diff(before, after) if c.path not in seen]
                    unarmed = {}
                armed.set()
                for change in batch:
                    owner = _owner(change.path, watched)
                    if owner is None:
                        continue
                    if change.change is Change.DELETED:
                        known[owner].discard(change.path)
                    else:
                        known[owner].add(change.path)
                if batch:
                    yield batch
                for path in dead:
                    idents[Path(path)] = _DEAD
                if stop_event.is_set() or any(_ident(d) != idents[d] for d in watched):
                    break  # closing the generator drops the dead inotify watches
        except (FileNotFoundError, NotADirectoryError, PermissionError, RuntimeError):
            # A directory vanished while being armed: re-arm after a pause.
            stop_event.wait(min(check_interval, 0.2))
