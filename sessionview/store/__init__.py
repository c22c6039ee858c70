"""sessionview's shared loader: formats, index, liveness, tailing and actions. No UI here.

The OpenRath-compatible API (`load_session`, `list_persisted_sessions`,
`delete_session`, `prune_sessions`, `SessionWriter`, the migration registry) is
re-exported at this level, as in `rath.session.persistence`.
"""

from sessionview.store.errors import (
    AmbiguousSessionId,
    PersistenceError,
    SessionBusy,
    SessionNotFound,
)
from sessionview.store.index import SessionIndex
from sessionview.store.migrations import (
    CURRENT_SCHEMA_VERSION,
    register_chunk_migration,
    register_header_migration,
)
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.persistence import (
    PersistedSession,
    PersistedSessionHeader,
    PersistedSessionMeta,
    ResumablePair,
    delete_session,
    list_persisted_sessions,
    load_session,
    prune_sessions,
)
from sessionview.store.roots import Root, resolve_roots
from sessionview.store.tail import TailBatch, TailReader
from sessionview.store.writer import SessionWriter

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
