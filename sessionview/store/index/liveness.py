"""Liveness applied to an indexed entry: whether it needs a check, and the check.

Liveness is never cached as such: a writer can die without its file changing. What
the index keeps is the row each lock verdict produced (`FileRecord.lock_rows`), so
a file whose state only its lock decides is re-checked row to row, with no adapter
reading it and no `SessionInfo` built.
"""

from __future__ import annotations

from sessionview.store.index.entries import OPEN_STATE_VALUES, IndexEntry, dumps

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import os

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.liveness import LivenessProbe


def needs_check(state: str, adapter: FormatAdapter) -> bool:
    """Whether a row in this state must have its liveness checked on every scan."""
    return state in OPEN_STATE_VALUES or adapter.always_check_liveness


def by_lock(
    path: str,
    st: os.stat_result,
    entry: IndexEntry,
    adapter: FormatAdapter,
    probe: LivenessProbe,
) -> tuple[IndexEntry, tuple[bool | None, str]] | None:
    """`(live entry, the lock verdict that made it)` for a row whose state only the
    lock decides, built row to row; None when the row is not such a row (the caller
    asks the adapter instead)."""
    import orjson

    if entry.row is None:
        return None
    try:
        base = orjson.loads(entry.row)
    except orjson.JSONDecodeError:
        return None
    if type(base) is not dict or not adapter.lock_decides_liveness(base):
        return None
    verdict = probe.is_locked(path, st)
    live = adapter.apply_lock_verdict(base, verdict)
    live["files"] = [{"path": live["path"], "state": live["state"]}]
    row = dumps(live)
    if row is None:
        return None
    state = live["state"]
    return IndexEntry(entry.key, entry.format, state, entry.updated, entry.id, path, row), verdict


def by_adapter(
    entry: IndexEntry, adapter: FormatAdapter, st: os.stat_result, probe: LivenessProbe
) -> IndexEntry:
    """The entry with its adapter's liveness verdict (builds its `SessionInfo`)."""
    return IndexEntry.of(entry.key, adapter.apply_liveness(entry.materialize(), st, probe))
