"""The directory walk, cached: a directory unchanged since the last walk is not listed.

Each walked directory's listing is cached keyed by its inode and ctime: adding,
removing or renaming a file changes its directory's ctime, and so does a `chmod`
that makes it readable, so one `stat` per directory proves a listing still right.
"""

from __future__ import annotations

import os
import time

from sessionview.store.index.adapters import formats, walk_key

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from sessionview.store.roots import Root

#: A directory listing is reused only if the directory's inode did not change for this
#: long before it was listed: file systems stamp times coarsely (a few ms, up to seconds),
#: so a change in the same tick as the listing could leave its mtime as it was.
RACY_NS = 2_000_000_000

#: A root's walk: the claimed files, each with the formats that claim it.
Claimed = list[tuple[str, tuple[str, ...]]]


def walk_still_valid(cached: object) -> bool:
    """Whether a cached walk's directories are unchanged, and were quiet when listed."""
    if type(cached) is not tuple or len(cached) != 4:
        return False
    walked_ns, dirs, claimed, foreign = cached
    if type(walked_ns) is not int or type(dirs) is not tuple or type(claimed) is not tuple:
        return False
    if type(foreign) is not int or not dirs:
        return False
    stable_before = walked_ns - RACY_NS
    for item in dirs:
        if type(item) is not tuple or len(item) != 3:
            return False
        directory, ino, ctime_ns = item
        try:
            st = os.stat(directory)
        except (OSError, TypeError, ValueError):
            return False
        if st.st_ino != ino or st.st_ctime_ns != ctime_ns or ctime_ns > stable_before:
            return False
    return True


class WalkCache:
    """Every root's last walk: `(root, forced format, adapters)` ->
    `(walked_ns, dirs, claimed, foreign)`, where `dirs` holds `(path, ino, ctime_ns)`
    of every directory the walk listed (builtin types: it is marshalled as is)."""

    __slots__ = ("dirty", "reuse_listings", "walks")

    def __init__(self, walks: dict[Any, Any], *, reuse_listings: bool = True) -> None:
        self.walks = walks
        self.reuse_listings = reuse_listings
        #: Whether `walks` changed since it was loaded or saved.
        self.dirty = False

    def walk_root(self, root: Root, problems: list[str]) -> tuple[Claimed, int] | None:
        """`(claimed files with their claimant formats, foreign count)`, or None after
        adding a line to `problems` (the root cannot be listed)."""
        wkey = walk_key(root)
        names = wkey[2]
        cached: Any = self.walks.get(wkey)
        if self.reuse_listings and walk_still_valid(cached):
            return list(cached[2]), cached[3]
        from sessionview.store.walk import walk

        registry = formats()
        adapters = [registry.get_adapter(n) for n in names]
        walked_ns = time.time_ns()
        try:
            found = walk(root.dir, adapters, discover=root.format is None)
        except FileNotFoundError:
            problems.append(f"{root.dir}: not a directory (it does not exist)")
            return None
        except NotADirectoryError:
            problems.append(f"{root.dir}: not a directory")
            return None
        except OSError as exc:
            problems.append(f"{root.dir}: {exc.strerror or exc}")
            return None
        shared: dict[tuple[str, ...], tuple[str, ...]] = {}  # one tuple per claimant set
        claimed = []
        for path, found_by in found.claimed:
            claimants = tuple(a.name for a in found_by)
            claimed.append((path, shared.setdefault(claimants, claimants)))
        walked = (walked_ns, tuple(found.dirs), tuple(claimed), found.foreign)
        # Rewrite the cache only for news: another listing, or one trusted next time.
        if type(cached) is not tuple or cached[1:] != walked[1:] or walk_still_valid(walked):
            self.walks[wkey] = walked
            self.dirty = True
        return claimed, found.foreign
