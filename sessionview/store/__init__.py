"""sessionview's shared loader: formats, index, liveness, tailing and actions. No UI here.

The OpenRath-compatible API (`load_session`, `list_persisted_sessions`,
`delete_session`, `prune_sessions`, `SessionWriter`, the migration registry) is
re-exported at this level, as in `rath.session.persistence`.
"""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

# Names are imported on first use (PEP 562), so `sessionview ls` pays only for the
# modules it needs: a warm listing is dominated by start-up time.
_EXPORTS = {
    "AmbiguousSessionId": "errors",
    "PersistenceError": "errors",
    "SessionBusy": "errors",
    "SessionNotFound": "errors",
    "SessionIndex": "index",
    "CURRENT_SCHEMA_VERSION": "migrations",
    "register_chunk_migration": "migrations",
    "register_header_migration": "migrations",
    "Chunk": "model",
    "SessionInfo": "model",
    "SessionState": "model",
    "PersistedSession": "persistence",
    "PersistedSessionHeader": "persistence",
    "PersistedSessionMeta": "persistence",
    "ResumablePair": "persistence",
    "delete_session": "persistence",
    "list_persisted_sessions": "persistence",
    "load_session": "persistence",
    "prune_sessions": "persistence",
    "Root": "roots",
    "resolve_roots": "roots",
    "TailBatch": "tail",
    "TailReader": "tail",
    "SessionWriter": "writer",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'sessionview.store' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"sessionview.store.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "CURRENT_SCHEMA_VERSION",
    "AmbiguousSessionId",
    "Chunk",
    "PersistedSession",
    "PersistedSessionHeader",
    "PersistedSessionMeta",
    "PersistenceError",
    "ResumablePair",
    "Root",
    "SessionBusy",
    "SessionIndex",
    "SessionInfo",
    "SessionNotFound",
    "SessionState",
    "SessionWriter",
    "TailBatch",
    "TailReader",
    "delete_session",
    "list_persisted_sessions",
    "load_session",
    "prune_sessions",
    "register_chunk_migration",
    "register_header_migration",
    "resolve_roots",
]
