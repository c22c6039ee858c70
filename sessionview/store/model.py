"""Records shared by the store, the CLI and the TUI.

They are plain frozen dataclasses so they can cross threads (index workers to the
UI) and be cached on disk without surprises.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SessionState(StrEnum):
    """What the evidence on disk says about a session."""

    RUNNING = "running"
    CRASHED = "crashed"
    CLOSED = "closed"
    CORRUPT = "corrupt"


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

    @property
    def short_id(self) -> str:
        return self.id[:8]

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
        return {
            "id": self.id,
            "format": self.format,
            "state": self.state.value,
            "state_reason": self.state_reason,
            "path": self.path,
            "created_at": _iso(self.created_at),
            "updated_at": _iso(self.updated_at),
            "chunks": self.chunks,
            "bytes": self.bytes,
            "title": self.title,
            "usage": self.usage,
            "parents": list(self.parents),
            "sandbox": self.sandbox,
            "error": self.error,
            "cwd": self.cwd,
            "extra": self.extra,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionInfo:
        """Inverse of `to_json` (used by the on-disk index cache)."""
        return cls(
            id=data["id"],
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
        )


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None
