"""One session, one row: which files are the same session, and which row of it wins.

An OpenRath session lives in `X.jsonl.__partial__` while it runs and is renamed to
`X.jsonl` when it closes; for a moment both may be listed. The index folds such a
pair into one row and the TUI keys its rows so the rename flips a row in place.
Which files pair up is the adapter's knowledge (`FormatAdapter.partial_suffix`);
which of two rows wins is `STATE_PREFERENCE` (the final file's state on a tie).
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `typing`: the warm listing imports this module
if TYPE_CHECKING:
    from sessionview.store.model import SessionInfo

#: Of two rows for one session, the higher wins: a live writer's file wins over all
#: (a second writer may reopen a closed id: the row must say running, and every
#: action refuses it), then a closed final file, then a crashed or corrupt leftover.
#: Keyed by the state's value (`SessionState` is a `str`, so it looks up the same way).
STATE_PREFERENCE: dict[str, int] = {"running": 5, "closed": 4, "crashed": 2, "corrupt": 1}


def row_key(info: SessionInfo) -> str:
    """The same key before and after a session moves from its partial to its final file.

    Unique for every row the index returns: the file's path, except that a session's
    two files (same name but for the adapter's `partial_suffix`, same id) share one.
    Two files whose headers claim one id (a copy, a hostile header) get two keys.
    """
    from sessionview.store.formats import get_adapter

    host = info.extra.get("host") if info.extra else None
    if host is not None:  # a remote row (`--host`): its path is a path on that host
        from dataclasses import replace

        return f"{host}\0" + row_key(replace(info, extra={}))
    suffix = get_adapter(info.format).partial_suffix
    if suffix is None:
        return f"{info.format}\0{info.path}"
    return f"{info.format}\0{info.path.removesuffix(suffix)}\0{info.id}"
