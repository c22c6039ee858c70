"""A watcher that survives its directories being deleted, renamed or re-created.

`store.watch.watch()` arms inotify once: when a watched directory is removed (or
renamed away) and made again, inotify watches the old, dead inode and nothing more
ever arrives; a directory missing at start is never watched at all. `watch_forever`
re-arms: it checks every `check_interval` seconds that each directory still is the
same inode, and when one vanishes, appears or is replaced it

* yields DELETED for every file it knew under a directory that went away, and ADDED
  for every file found in a directory that (re)appeared, so a consumer that simply
  refreshes the paths it is given (`SessionIndex.refresh`) stays right; and
* calls `on_rearm(directory, present)` so a consumer can rescan instead.

A directory's files are listed before its watch is armed; once armed they are listed
again, and whatever appeared, changed or went in between is yielded too, so no write
falls into the gap.

Polling mode (`polling=True`) uses `store.watch`'s own poller, which compares paths,
inodes, sizes and mtimes on every pass and so needs no re-arming.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from sessionview.store.watch import (
    DEBOUNCE_MS,
    STEP_MS,
    Change,
    FileChange,
    _from_watchfiles,
    _poll,
    files_under,
)

Ident = tuple[int, int]
Signature = tuple[int, int, int]


def _ident(path: Path) -> Ident | None:
    """(device, inode) of a directory, or None when it is not one (or is unreachable)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not os.path.isdir(path):
        return None
    return (st.st_dev, st.st_ino)


def _differences(before: dict[str, Signature], after: dict[str, Signature]) -> list[FileChange]:
    changes: list[FileChange] = []
    for path, sig in after.items():
        old = before.get(path)
        if old is None:
            changes.append(FileChange(path, Change.ADDED))
        elif old != sig:
            changes.append(FileChange(path, Change.MODIFIED))
    changes += [FileChange(p, Change.DELETED) for p in before if p not in after]
    return changes


def _owner(path: str, dirs: list[Path]) -> Path | None:
    for directory in dirs:
        prefix = str(directory) + os.sep
        if path.startswith(prefix):
            return directory
    return None


def watch_forever(
    dirs: Iterable[str | Path],
    stop_event: threading.Event,
    *,
    polling: bool = False,
    poll_interval: float = 0.3,
    recursive: bool = True,
    check_interval: float = 0.5,
    on_rearm: Callable[[Path, bool], None] | None = None,
) -> Iterator[list[FileChange]]:
    """Yield batches of changes under `dirs` until `stop_event` is set, whatever
    happens to the directories themselves (see the module docstring)."""
    watched = [Path(os.path.abspath(d)) for d in dirs]
    roots = {str(d) for d in watched}
    if polling:
        yield from _poll([str(d) for d in watched], stop_event, poll_interval, recursive)
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
                batch = [c for c in _from_watchfiles(raw) if c.path not in roots]
                if unarmed:
                    # The watch is armed now: catch up on what changed while it was not.
                    seen = {c.path for c in batch}
                    for directory, before in unarmed.items():
                        after = files_under(directory, recursive)
                        batch += [c for c in _differences(before, after) if c.path not in seen]
                    unarmed = {}
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
                if stop_event.is_set() or any(_ident(d) != idents[d] for d in watched):
                    break  # closing the generator drops the dead inotify watches
        except (FileNotFoundError, NotADirectoryError, PermissionError, RuntimeError):
            # A directory vanished while being armed: re-arm after a pause.
            stop_event.wait(min(check_interval, 0.2))
