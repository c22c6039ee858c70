"""Which listed session an id names (`sessionview show ID`, `rm ID`, ...)."""

from __future__ import annotations

import os

from sessionview.store.errors import AmbiguousSessionId, SessionNotFound

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Iterable

    from sessionview.store.model import SessionInfo


def resolve_id(sessions: Iterable[SessionInfo], id_or_prefix: str) -> SessionInfo:
    """The row an id names: its id as listed (qualified or bare), then `id@folders`
    matched on the file's path, then a unique prefix; otherwise a one-line error that
    lists the candidates by their qualified ids and says how to pick one."""
    from sessionview.store.ids import validate_session_ref
    from sessionview.store.qualify import matching_ref, qualify

    wanted = validate_session_ref(id_or_prefix)
    rows = list(sessions)
    for named in ([s for s in rows if s.ref == wanted], [s for s in rows if s.id == wanted]):
        if len(named) == 1:
            return named[0]
    matches = matching_ref(rows, wanted, lambda s: s.path)
    if not matches:
        raise SessionNotFound(f"no session matches {wanted!r}")
    if len(matches) > 1:
        if len({m.ref for m in matches}) < len(matches):
            matches = qualify(matches)
        names = "; ".join(f"{m.ref} ({m.format}, in {_folder(m.path)})" for m in matches[:5])
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise AmbiguousSessionId(
            f"{wanted!r} matches {len(matches)} sessions: {names}{more}; "
            "name one by its id as `sessionview ls --json` prints it"
        )
    return matches[0]


def _folder(path: str) -> str:
    return os.path.dirname(path) or "."
