"""Records shared by the store, the CLI and the TUI.

They are plain frozen dataclasses so they can cross threads (index workers to the
UI) and be cached on disk without surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sessionview.store.rows import ROW_FIELDS as ROW_FIELDS  # re-exported
from sessionview.store.rows import row_session_id
from sessionview.store.rows import session_row as session_row  # re-exported
from sessionview.store.states import SessionState as SessionState  # re-exported

STATE_GLYPHS: dict[SessionState, str] = {
    SessionState.RUNNING: "●",
    SessionState.CRASHED: "✖",
    SessionState.CLOSED: "✓",
    SessionState.CORRUPT: "⚠",
}

CHUNK_KINDS = ("system", "user", "assistant", "tool_result")


@dataclass(frozen=True, slots=True)
class Chunk:
    """One transcript entry in the common shape all formats map onto.

    `kind` is one of `CHUNK_KINDS` (or the raw kind when a format has one we do not
    know); `payload` follows OpenRath's payload shapes (`content`, `tool_calls`,
    `tool_call_id`, `name`), and `raw` keeps the record exactly as on disk.
    """

    index: int
    kind: str
    payload: dict[str, Any]
    raw: dict[str, Any] | None = None
    timestamp: datetime | None = None
    #: Part of a side conversation (a Claude Code subagent's sidechain), not the main thread.
    sidechain: bool = False


@dataclass(frozen=True, slots=True)
class SessionInfo:
    """Everything the list view needs about one session, read cheaply.

    `path` is the file the session currently lives in (the `__partial__` file for
    an in-flight OpenRath session). `error` is set only for `corrupt`.

    `files` is set when one row stands for several files (an OpenRath id with both a
    final and a `__partial__` file): each `(path, state)`, the row's own first; empty
    means just `path`. `qualifier` is set by the listing when another session has the
    same id: the trailing folder names of `path` that tell them apart (see `ref`).
    `updated_at` is never earlier than `created_at` (a file's mtime can be).
    """

    id: str
    format: str
    state: SessionState
    state_reason: str
    path: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    chunks: int = 0
    bytes: int = 0
    title: str = ""
    usage: dict[str, int] | None = None
    parents: tuple[str, ...] = ()
    sandbox: dict[str, Any] | None = None
    error: str | None = None
    cwd: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    files: tuple[tuple[str, str], ...] = ()
    qualifier: str = ""

    def __post_init__(self) -> None:
        created, updated = self.created_at, self.updated_at
        if created is not None and updated is not None:
            try:
                earlier = updated < created
            except TypeError:  # one naive, one aware: not comparable, left as read
                return
            if earlier:
                object.__setattr__(self, "updated_at", created)  # no activity before creation

    @property
    def short_id(self) -> str:
        return self.id[:8]

    @property
    def ref(self) -> str:
        """The id the CLI prints and accepts for this row: `id@qualifier`, or the bare id."""
        return f"{self.id}@{self.qualifier}" if self.qualifier else self.id

    @property
    def file_states(self) -> tuple[tuple[str, str], ...]:
        """Every file of this row with its state (`files`, or just `path`)."""
        return self.files or ((self.path, self.state.value),)

    @property
    def total_tokens(self) -> int | None:
        if not self.usage:
            return None
        total = self.usage.get("total_tokens")
        if isinstance(total, int):
            return total
        values = [v for v in self.usage.values() if isinstance(v, int)]
        return sum(values) if values else None

    @property
    def glyph(self) -> str:
        return STATE_GLYPHS[self.state]

    def to_json(self) -> dict[str, Any]:
        """The JSON shape printed by `sessionview ls --json` (and kept in the index cache)."""
        return session_row(
            self.ref,
            self.format,
            self.state.value,
            self.state_reason,
            path=self.path,
            created_at=_iso(self.created_at),
            updated_at=_iso(self.updated_at),
            chunks=self.chunks,
            size=self.bytes,
            title=self.title,
            usage=self.usage,
            parents=list(self.parents),
            sandbox=self.sandbox,
            error=self.error,
            cwd=self.cwd,
            extra=self.extra,
            session_id=self.id,
            files=[{"path": p, "state": s} for p, s in self.file_states],
        )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionInfo:
        """Inverse of `to_json` (used by the on-disk index cache)."""
        ref = data["id"]
        sid = row_session_id(data)
        files = data.get("files") or ()
        return cls(
            id=sid,
            format=data["format"],
            state=SessionState(data["state"]),
            state_reason=data["state_reason"],
            path=data["path"],
            created_at=_parse(data.get("created_at")),
            updated_at=_parse(data.get("updated_at")),
            chunks=data.get("chunks", 0),
            bytes=data.get("bytes", 0),
            title=data.get("title", ""),
            usage=data.get("usage"),
            parents=tuple(data.get("parents") or ()),
            sandbox=data.get("sandbox"),
            error=data.get("error"),
            cwd=data.get("cwd"),
            extra=data.get("extra") or {},
            files=tuple((f["path"], f["state"]) for f in files) if len(files) > 1 else (),
            qualifier=ref[len(sid) + 1 :] if ref.startswith(sid + "@") else "",
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
