"""One pass over a sessions root for every format at once.

Listing 10,000 files once instead of once per adapter is most of a warm listing's
cost, so adapters do not walk directories themselves: they say which file names
they claim (`claims`) and which subdirectories hold more sessions (`walk_into`).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sessionview.store.formats.base import FormatAdapter


_NAME = attrgetter("name")


@dataclass(slots=True)
class WalkResult:
    """Files some adapter claims (with all claimants) and how many files none claims."""

    claimed: list[tuple[str, list[FormatAdapter]]] = field(default_factory=list)
    #: Non-hidden files directly in the root that no adapter claims.
    foreign: int = 0
    #: `(path, inode, ctime_ns)` of every directory listed, each stat'ed before its
    #: listing: while none of them changes, neither does this result.
    dirs: list[tuple[str, int, int]] = field(default_factory=list)


def walk(root: str | Path, adapters: Sequence[FormatAdapter]) -> WalkResult:
    """Scan `root` and the subdirectories adapters ask for; an unreadable root raises OSError."""
    result = WalkResult()
    stack: list[tuple[str, int, Sequence[FormatAdapter]]] = [(str(root), 0, adapters)]
    while stack:
        directory, depth, active = stack.pop()
        try:
            st = os.stat(directory)
            result.dirs.append((directory, st.st_ino, st.st_ctime_ns))
            with os.scandir(directory) as it:
                entries = sorted(it, key=_NAME)
        except OSError:
            if depth == 0:
                raise
            continue
        for entry in entries:
            name = entry.name
            if not name.startswith("."):
                # `claims` looks at the name only; a DirEntry has one, no Path needed.
                found = [a for a in active if a.claims(entry)]  # type: ignore[arg-type]
                if found:
                    result.claimed.append((entry.path, found))
                    continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                deeper = [a for a in active if a.walk_into(name, entry.path, depth)]
                if deeper:
                    stack.append((entry.path, depth + 1, deeper))
                else:
                    # Declined, perhaps for what is inside it (nanobot's `.workspace`):
                    # its ctime too must prove a cached walk unchanged.
                    try:
                        sub = os.stat(entry.path)
                    except OSError:
                        continue
                    result.dirs.append((entry.path, sub.st_ino, sub.st_ctime_ns))
            elif (
                depth == 0
                and not name.startswith(".")
                and not any(a.companion(name) for a in active)
            ):
                result.foreign += 1
    return result
