"""Every session's facts without reading whole files, cached across restarts.

One job per module:

* `session_index`: `SessionIndex`, the scan that ties the others together;
* `walk_cache`: the directory walk, not repeated for directories that did not change;
* `records`: one file's cached facts, `FileRecord`, with named fields;
* `disk_cache`: the records and walks on disk (`marshal`, builtin types only);
* `reading`: one file's entry, cheapest source first (cache hit, lock verdict,
  adapter liveness, read the file);
* `liveness`: the liveness check applied to an entry;
* `entries`: an indexed file in memory (`IndexEntry`) and the rows built for it;
* `folding`: a session's final and partial files as one row, newest first;
* `adapters`: the adapter registry, imported only when a file must be read;
* `resolve`: which session an id names.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from sessionview.store.index.adapters import BUILTIN_FORMATS
    from sessionview.store.index.entries import OPEN_STATE_VALUES
    from sessionview.store.index.resolve import resolve_id
    from sessionview.store.index.session_index import SessionIndex, default_cache_path

__all__ = [
    "BUILTIN_FORMATS",
    "OPEN_STATE_VALUES",
    "SessionIndex",
    "default_cache_path",
    "resolve_id",
]

#: Where each name lives: imported when first asked for, so that a module of this
#: package (the proof a search checks, the disk cache) comes without the whole scan.
_HOMES = {
    "BUILTIN_FORMATS": "adapters",
    "OPEN_STATE_VALUES": "entries",
    "resolve_id": "resolve",
    "SessionIndex": "session_index",
    "default_cache_path": "session_index",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value
