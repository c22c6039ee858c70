"""One indexed file in memory, and the rows the index builds for files it reads.

An entry keeps the sort and group keys as plain strings and builds its row lazily:
a warm listing prints the cached JSON bytes and never rebuilds a `SessionInfo`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

    from sessionview.store.formats.base import FormatAdapter
    from sessionview.store.index.records import StatKey
    from sessionview.store.model import SessionInfo

#: The states whose liveness a scan checks again (a writer can die without a write).
OPEN_STATE_VALUES = frozenset(("crashed", "running"))
NO_KEY = (0, 0, 0, 0)


class IndexEntry:
    """One indexed file: sort and group keys as plain strings, the row built lazily."""

    __slots__ = ("format", "id", "info", "key", "path", "row", "state", "updated")

    def __init__(
        self,
        key: StatKey,
        fmt: str,
        state: str,
        updated: str,
        sid: str,
        path: str,
        row: bytes | None,
        info: SessionInfo | None = None,
    ) -> None:
        self.key = key
        self.format = fmt
        self.state = state
        self.updated = updated
        self.id = sid
        self.path = path
        self.row = row
        self.info = info

    @classmethod
    def of(cls, key: StatKey, info: SessionInfo) -> IndexEntry:
        return cls(
            key,
            info.format,
            info.state.value,
            info.updated_at.isoformat() if info.updated_at else "",
            info.id,
            info.path,
            None,
            info,
        )

    def materialize(self) -> SessionInfo:
        if self.info is None:
            import orjson

            from sessionview.store.model import SessionInfo

            assert self.row is not None
            self.info = SessionInfo.from_json(orjson.loads(self.row))
        return self.info

    def row_data(self) -> dict[str, Any]:
        """The row as data (without building the record when only its bytes are known)."""
        if self.info is not None or self.row is None:
            return self.materialize().to_json()
        import orjson

        data: dict[str, Any] = orjson.loads(self.row)
        return data

    def json_row(self) -> bytes:
        if self.row is None:
            from sessionview.store.jsonl import dumps_lenient

            # Lenient: facts nested deeper than orjson writes, or a non-UTF-8 file name.
            self.row = dumps_lenient(self.materialize().to_json())
        return self.row


class Lenient:
    """Facts that orjson cannot write: kept as they are, not cached, printed leniently."""

    __slots__ = ("adapter", "data")

    def __init__(self, adapter: FormatAdapter, data: dict[str, Any]) -> None:
        self.adapter = adapter
        self.data = data


def session_info(data: dict[str, Any]) -> SessionInfo:
    from sessionview.store.model import SessionInfo

    return SessionInfo.from_json(data)


def unreadable(path: str, adapter: FormatAdapter, reason: str, size: int = 0) -> SessionInfo:
    """The row of a file that cannot be read as a session (listed, with why)."""
    from pathlib import Path

    from sessionview.store.model import SessionInfo, SessionState

    return SessionInfo(
        id=adapter.id_from_path(Path(path)),
        format=adapter.name,
        state=SessionState.CORRUPT,
        state_reason=reason,
        path=path,
        bytes=size,
        error=f"{path}: {reason}",
    )


def complete_row(data: dict[str, Any]) -> dict[str, Any]:
    """An adapter's row made whole, as `SessionInfo.to_json` gives it: `session_id`, the
    one-file `files` list, and no activity before creation (a crashed file's mtime can
    be earlier than the time its header says it was created)."""
    created, updated = data.get("created_at"), data.get("updated_at")
    if created and updated and created != updated:
        from datetime import datetime

        try:
            if datetime.fromisoformat(updated) < datetime.fromisoformat(created):
                data["updated_at"] = created
        except (TypeError, ValueError):
            pass  # unparseable or not comparable: left as read
    data["session_id"] = data["id"]
    data["files"] = [{"path": data["path"], "state": data["state"]}]
    return data


def dumps(data: dict[str, Any]) -> bytes | None:
    """A row's JSON, or None when orjson refuses it (nested deeper than its 254
    levels, or a file name that is not UTF-8): such a row is not cached."""
    import orjson

    try:
        return orjson.dumps(data)
    except orjson.JSONEncodeError:
        return None
