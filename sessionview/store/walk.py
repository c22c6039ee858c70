"""One pass over a sessions root for every format at once.

Listing 10,000 files once instead of once per adapter is most of a warm listing's
cost, so adapters do not walk directories themselves: they say which file names
they claim (`claims`) and which subdirectories hold more sessions (`walk_into`).

A root whose format is detected per file (`discover`) may also be a parent folder
of several agents' stores (`D/openrath/`, `D/claude/projects/...`): then every
folder down to `SEARCH_DEPTH` is searched as if it were a store of any format, and
a file found only that way is listed when its content is some claimant's format
(`sniff`), so an agent's sidecar files (Claude's `subagents/`, Codex's
`session_index.jsonl`) are not mistaken for sessions.
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

#: How many folders below a detect-per-file root are searched for stores.
SEARCH_DEPTH = 4
#: Hidden folders that are agents' own homes: searched like any other folder.
AGENT_HOMES = frozenset((".openrath", ".nanobot", ".claude", ".codex", ".sessions"))
#: Folders that never hold sessions and can hold very many files.
NEVER_SEARCHED = frozenset(("node_modules", "__pycache__", "site-packages", ".git", ".venv"))
#: Bytes read from a file found only by searching, for the formats' `sniff`.
SNIFF_BYTES = 4096


@dataclass(slots=True)
class WalkResult:
    """Files some adapter claims (with all claimants) and how many files none claims."""

    claimed: list[tuple[str, list[FormatAdapter]]] = field(default_factory=list)
    #: Non-hidden files directly in the root that no adapter claims.
    foreign: int = 0
    #: `(path, inode, ctime_ns)` of every directory listed, each stat'ed before its
    #: listing: while none of them changes, neither does this result.
    dirs: list[tuple[str, int, int]] = field(default_factory=list)


def _searched(name: str) -> bool:
    return (not name.startswith(".") or name in AGENT_HOMES) and name not in NEVER_SEARCHED


def content_claimed(path: str, claimants: Sequence[FormatAdapter]) -> bool:
    """Whether the file's first bytes are some claimant's format (unreadable: no)."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError:
        return False
    return any(a.sniff(head) for a in claimants)


def walk(
    root: str | Path, adapters: Sequence[FormatAdapter], *, discover: bool = False
) -> WalkResult:
    """Scan `root` and the subdirectories adapters ask for; an unreadable root raises OSError.

    With `discover`, folders below the root are searched for stores of any format too
    (see the module's docstring).
    """
    result = WalkResult()
    # Each folder: its depth below the root, the adapters whose layout leads there with
    # their own depth in it, and whether it is searched as a possible store of any format.
    layout0 = tuple((a, 0) for a in adapters)
    stack: list[tuple[str, int, tuple[tuple[FormatAdapter, int], ...], bool]] = [
        (str(root), 0, layout0, False)
    ]
    while stack:
        directory, depth, layout, searched = stack.pop()
        try:
            st = os.stat(directory)
            result.dirs.append((directory, st.st_ino, st.st_ctime_ns))
            with os.scandir(directory) as it:
                entries = sorted(it, key=_NAME)
        except OSError:
            if depth == 0:
                raise
            continue
        sure = [a for a, _ in layout]  # their claims need no look at the content
        # Searched: every format may start here, its layout from depth 0.
        walking = layout + tuple((a, 0) for a in adapters if a not in sure) if searched else layout
        # With `discover`, a file's claimants are every format that claims its name, the
        # same wherever it is found, so its format is detected the same from any root.
        claimers = adapters if discover else sure
        for entry in entries:
            name = entry.name
            if not name.startswith("."):
                # `claims` looks at the name only; a DirEntry has one, no Path needed.
                found = [a for a in claimers if a.claims(entry)]  # type: ignore[arg-type]
                if found:
                    if (
                        depth
                        and not any(a in sure for a in found)
                        and not (searched and content_claimed(entry.path, found))
                    ):
                        continue  # no layout leads here, and it is no format's content
                    result.claimed.append((entry.path, found))
                    continue
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                is_dir = False
            if is_dir:
                deeper = tuple((a, d + 1) for a, d in walking if a.walk_into(name, entry.path, d))
                search = discover and depth < SEARCH_DEPTH and _searched(name)
                if deeper or search:
                    stack.append((entry.path, depth + 1, deeper, search))
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
                and not any(a.companion(name) for a in adapters)
            ):
                result.foreign += 1
    return result
