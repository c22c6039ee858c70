"""The index's entries as one row per session, newest activity first.

A session's final and partial files (same name but for the adapter's
`partial_suffix`, same header id) fold into one row, the better state winning
(`fold.STATE_PREFERENCE`); a copied or hostile header claiming another file's id
must not hide that session. Rows that share an id are qualified (`qualify`).
"""

from __future__ import annotations

from operator import attrgetter

from sessionview.store.fold import STATE_PREFERENCE

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from sessionview.store.index.entries import IndexEntry
    from sessionview.store.model import SessionInfo


def best_entries(entries: dict[str, IndexEntry], suffixes: dict[str, str]) -> list[IndexEntry]:
    """One entry per session, newest activity first; ties keep the walk's order.

    `suffixes` maps a format to its `partial_suffix` (`adapters.partial_suffixes`).
    """
    dropped: set[str] = set()
    folded: dict[str, IndexEntry] = {}
    for suffix in set(suffixes.values()):
        for path in [p for p in entries if p.endswith(suffix)]:
            entry = entries[path]
            if suffixes.get(entry.format) != suffix:
                continue
            twin = entries.get(path[: -len(suffix)])
            if twin is None or twin.id != entry.id:
                continue
            if STATE_PREFERENCE.get(twin.state, 0) >= STATE_PREFERENCE.get(entry.state, 0):
                keep, other = twin, entry
            else:
                keep, other = entry, twin
            dropped.add(other.path)
            folded[keep.path] = _with_files(keep, other)
    if dropped:
        rows = [folded.get(p, e) for p, e in entries.items() if p not in dropped]
    else:
        rows = [*entries.values()]
    ids = [e.id for e in rows]
    if len(set(ids)) != len(ids):
        rows = _qualified(rows)
    # Stable: ties keep the walk's order (by name), cold or warm, forked or not.
    rows.sort(key=attrgetter("updated"), reverse=True)
    return rows


def _with_files(keep: IndexEntry, other: IndexEntry) -> IndexEntry:
    """The winning entry's row, listing both files with their states."""
    from dataclasses import replace

    from sessionview.store.index.entries import IndexEntry

    info: SessionInfo = keep.materialize()
    files = ((keep.path, keep.state), (other.path, other.state))
    return IndexEntry.of(keep.key, replace(info, files=files))


def _qualified(rows: list[IndexEntry]) -> list[IndexEntry]:
    """The entries with those that share an id qualified (`qualify`)."""
    from collections import Counter

    from sessionview.store.index.entries import IndexEntry
    from sessionview.store.qualify import qualify

    counts = Counter(e.id for e in rows)
    shared = [i for i, e in enumerate(rows) if counts[e.id] > 1]
    infos = qualify([rows[i].materialize() for i in shared])
    out = list(rows)
    for i, info in zip(shared, infos, strict=True):
        out[i] = IndexEntry.of(rows[i].key, info)
    return out
