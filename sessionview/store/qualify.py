"""Qualified ids: one name per row when two sessions share an id.

Two Claude Code projects can hold a transcript with the same session id (a copied
project, a restored backup), and so can two stores of any agent. The listing then
prints such a row's id as `<id>@<folders>`: the fewest trailing folder names of its
file's path that no other row with that id has (the file's name too when they share
a folder), and every command takes that back. A bare id that is not unique is
refused with the candidates, told apart by these qualified ids. (The id comes first:
Claude Code's project folders start with `-`, which a command line takes for an option.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import replace

from sessionview.store.model import SessionInfo

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Protocol, TypeVar

    class _Named(Protocol):
        @property
        def id(self) -> str: ...

    _N = TypeVar("_N", bound=_Named)


def _parts(path: str) -> list[str]:
    return [p for p in path.split(os.sep) if p and p != "."]


def qualifiers(paths: Sequence[str]) -> list[str]:
    """For files whose sessions share an id: the shortest trailing folder names of each
    path that tell them all apart; with the file name when two share a folder."""
    split = [_parts(p) for p in paths]
    dirs = [parts[:-1] for parts in split]
    for k in range(1, max((len(d) for d in dirs), default=0) + 1):
        quals = ["/".join(d[-k:]) for d in dirs]
        if len(set(quals)) == len(quals) and all(quals):
            return quals
    for k in range(1, max((len(s) for s in split), default=0) + 1):
        quals = ["/".join(s[-k:]) for s in split]
        if len(set(quals)) == len(quals):
            return quals
    return ["/".join(s) for s in split]


def qualify(rows: Sequence[SessionInfo]) -> list[SessionInfo]:
    """Rows of one listing, those sharing an id given their `qualifier` (others as they are)."""
    by_id: dict[str, list[int]] = {}
    for i, info in enumerate(rows):
        by_id.setdefault(info.id, []).append(i)
    out = list(rows)
    for positions in by_id.values():
        if len(positions) < 2:
            continue
        quals = qualifiers([rows[i].path for i in positions])
        for i, qual in zip(positions, quals, strict=True):
            out[i] = replace(rows[i], qualifier=qual)
    return out


def names_file(path: str, qualifier: str) -> bool:
    """Whether `qualifier` is the trailing folder names of `path` (or those and its name)."""
    want = _parts(qualifier)
    parts = _parts(path)
    if not want:
        return False
    return parts[:-1][-len(want) :] == want or parts[-len(want) :] == want


def split_ref(ref: str) -> Iterable[tuple[str, str]]:
    """Every `(id, qualifier)` reading of a qualified id (an id may hold a `@` itself)."""
    at = ref.find("@")
    while at != -1:
        if at and ref[at + 1 :]:
            yield ref[:at], ref[at + 1 :]
        at = ref.find("@", at + 1)


def matching_ref(items: Sequence[_N], wanted: str, path_of: Callable[[_N], str]) -> list[_N]:
    """The items (listed rows, trash entries) a session reference names, by the rule every
    command shares: the id exactly; else each `id@folders` reading (`split_ref`) matched on
    the item's file path, the id or else a prefix of it; else a prefix of the id. Empty
    when nothing matches; more than one when the reference is ambiguous."""
    matches = [s for s in items if s.id == wanted]
    if not matches and "@" in wanted:
        for sid, qualifier in split_ref(wanted):
            on_path = [s for s in items if names_file(path_of(s), qualifier)]
            matches += [s for s in on_path if s.id == sid] or [
                s for s in on_path if s.id.startswith(sid)
            ]
        matches = list({id(s): s for s in matches}.values())  # one per item
    if not matches:
        matches = [s for s in items if s.id.startswith(wanted)]
    return matches
