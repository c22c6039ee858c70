"""A listing row: the one place its shape is built and its session id is read.

A row is what `ls --json` prints and the index cache keeps, built here by
`SessionInfo.to_json` and by the adapters' `read_facts_row`. Its own module (no
`dataclasses`, no record classes) so that a search answering from kept rows never
imports the record classes to print a few of them.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


#: The keys of a listing row (`ls --json`, the index cache), in their order.
ROW_FIELDS: tuple[str, ...] = (
    "id", "format", "state", "state_reason", "path", "created_at", "updated_at", "chunks",
    "bytes", "title", "usage", "parents", "sandbox", "error", "cwd", "extra", "session_id",
    "files",
)  # fmt: skip


def session_row(
    ref: str,
    fmt: str,
    state: str,
    reason: str,
    *,
    path: str = "",
    created_at: str | None = None,
    updated_at: str | None = None,
    chunks: int = 0,
    size: int = 0,
    title: str = "",
    usage: dict[str, Any] | None = None,
    parents: list[str] | None = None,
    sandbox: Any = None,
    error: str | None = None,
    cwd: str | None = None,
    extra: dict[str, Any] | None = None,
    session_id: str | None = None,
    files: list[dict[str, str]] | None = None,
) -> dict[str, Any]:
    """A listing row, the one place its shape is built (keys in `ROW_FIELDS` order):
    `SessionInfo.to_json` and the adapters' `read_facts_row` both build it here.
    `ref` is the id as listed (qualified or bare), `session_id` the session's own id
    (`ref` when not given)."""
    return {
        "id": ref,
        "format": fmt,
        "state": state,
        "state_reason": reason,
        "path": path,
        "created_at": created_at,
        "updated_at": updated_at,
        "chunks": chunks,
        "bytes": size,
        "title": title,
        "usage": usage,
        "parents": [] if parents is None else parents,
        "sandbox": sandbox,
        "error": error,
        "cwd": cwd,
        "extra": {} if extra is None else extra,
        "session_id": ref if session_id is None else session_id,
        "files": [] if files is None else files,
    }


def row_session_id(row: dict[str, Any]) -> str:
    """The session's own id in a row (`id` is the id as listed, maybe qualified; rows
    of older caches have no `session_id`)."""
    return row.get("session_id") or row["id"]
