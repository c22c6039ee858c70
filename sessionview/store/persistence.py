"""OpenRath's loader API (`load_session`, `list_persisted_sessions`, ...), kept compatible.

Same names, same documented semantics as `rath.session.persistence`, without
importing OpenRath (which costs ~2 s and 100 MB). Two fixes: bytes are split into
lines before decoding, so a torn line cut inside a UTF-8 character cannot crash the
listing; and `delete_session` refuses while the session's writer holds its lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from uuid import UUID

from sessionview.store.errors import PersistenceError, SessionBusy
from sessionview.store.formats.common import parse_time
from sessionview.store.formats.openrath import (
    FINAL_SUFFIX,
    PARTIAL_SUFFIX,
    OpenRathFormat,
    parse_file,
)
from sessionview.store.ids import validate_file_stem
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionState
from sessionview.store.paths import openrath_sessions_dir

_ADAPTER = OpenRathFormat()

OPENRATH_HINT = (
    "install the optional extra for real OpenRath sessions: pip install 'sessionview[openrath]'"
)


@dataclass(frozen=True, kw_only=True, slots=True)
class PersistedSessionHeader:
    """The header line, decoded (OpenRath's field names)."""

    schema_version: int
    id: UUID | str
    created_at: datetime
    parent_session_ids: tuple[str, ...]
    lineage_operator: str
    lineage_kind: str
    lineage_extras: tuple[tuple[str, Any], ...]
    sandbox_backend: str | None
    sandbox_spec: dict[str, Any] | None
    sandbox_handle_id: str | None


@dataclass(frozen=True, kw_only=True, slots=True)
class PersistedSessionMeta:
    """One listing entry (OpenRath's shape)."""

    id: UUID | str
    path: Path
    created_at: datetime
    lineage_operator: str
    lineage_kind: str
    chunk_count: int
    closed: bool


@dataclass(frozen=True, slots=True)
class ResumablePair:
    """What `to_resumable_pair` returns without OpenRath installed.

    `user_rows` is the transcript to continue (the user side), `agent_prompt` the
    system prompt for the agent side, and `hint` says how to get real `Session`s.
    """

    user_rows: tuple[Chunk, ...]
    agent_prompt: str | None
    hint: str = OPENRATH_HINT

    def __iter__(self):  # allows `user, agent = pair`
        return iter((self.user_rows, self.agent_prompt))


@dataclass(frozen=True, kw_only=True, slots=True)
class PersistedSession:
    """One session file, fully read."""

    header: PersistedSessionHeader
    chunks: tuple[Chunk, ...]
    cumulative_usage: dict[str, int] | None
    closed: bool
    path: Path
    trailer_raw: dict[str, Any] | None = field(default=None, repr=False)
    #: The header record as read (upgraded), for rebuilding OpenRath's own objects.
    header_raw: dict[str, Any] | None = field(default=None, repr=False)

    def to_resumable_pair(self, agent_prompt: str | None = None) -> Any:
        """`(user_session, agent_session)` as OpenRath builds them, when OpenRath is installed.

        Built from what sessionview read, never by asking OpenRath's loader to read the
        file again: its loader splits lines with `str.splitlines`, so a chunk holding a raw
        U+2028, U+2029 or U+0085 (its own writer writes them unescaped) makes it fail on a
        file sessionview reads fine. Any error OpenRath raises while building the pair comes
        out as sessionview's `PersistenceError`, never as another package's exception.
        Without OpenRath, a `ResumablePair` of plain records plus a one-line hint.
        """
        system = agent_prompt
        if system is None:
            for chunk in self.chunks:
                if chunk.kind == "system":
                    content = chunk.payload.get("content")
                    system = str(content) if content is not None else None
                    break
        try:
            from rath.session.persistence import loader as rath_loader
        except ImportError:
            return ResumablePair(self.chunks, system)
        try:
            real = _rath_session(rath_loader, self)
            return real.to_resumable_pair(agent_prompt=agent_prompt)
        except Exception as exc:  # OpenRath's own classes must not leave this API
            raise PersistenceError(
                f"{self.path}: OpenRath cannot build a resumable pair: {type(exc).__name__}: {exc}"
            ) from exc


def _rath_session(rath_loader: Any, session: PersistedSession) -> Any:
    """OpenRath's `PersistedSession` for what sessionview loaded (the same header fields,
    the same chunk rows, in order), decoded with OpenRath's own helpers."""
    from rath.backend.persistence.spec_json import spec_from_jsonable
    from rath.session.chunk import ChunkKind, ChunkRow, ChunkTable
    from rath.session.persistence._serialize import (
        coerce_lineage_kind,
        lineage_extras_from_jsonable,
        parse_uuid_list,
        usage_from_jsonable,
    )

    raw = session.header_raw or {}
    header = session.header
    real_header = rath_loader.PersistedSessionHeader(
        schema_version=header.schema_version,
        id=UUID(str(header.id)),
        created_at=header.created_at,
        parent_session_ids=parse_uuid_list(raw.get("parent_session_ids")),
        lineage_operator=header.lineage_operator,
        lineage_kind=coerce_lineage_kind(raw.get("lineage_kind")),
        lineage_extras=lineage_extras_from_jsonable(raw.get("lineage_extras")),
        sandbox_backend=header.sandbox_backend,
        sandbox_spec=spec_from_jsonable(raw.get("sandbox_spec")),
        sandbox_handle_id=header.sandbox_handle_id,
    )
    rows = tuple(ChunkRow(kind=ChunkKind(c.kind), payload=dict(c.payload)) for c in session.chunks)
    return rath_loader.PersistedSession(
        header=real_header,
        chunk_table=ChunkTable(rows=rows),
        cumulative_usage=usage_from_jsonable(session.cumulative_usage),
        closed=session.closed,
        path=session.path,
        trailer_raw=session.trailer_raw,
    )


def _coerce_id(value: str) -> UUID | str:
    try:
        return UUID(value)
    except ValueError:
        return value


def _header(record: dict[str, Any]) -> PersistedSessionHeader:
    raw_extras = record.get("lineage_extras")
    extras = tuple(
        (e[0], e[1])
        for e in (raw_extras if isinstance(raw_extras, list) else ())
        if isinstance(e, list | tuple) and len(e) == 2 and isinstance(e[0], str)
    )
    parents = record.get("parent_session_ids") or []
    spec = record.get("sandbox_spec")
    return PersistedSessionHeader(
        schema_version=int(record["schema_version"]),
        id=_coerce_id(record["id"]),
        created_at=parse_time(record["created_at"]) or datetime.fromtimestamp(0, UTC),
        parent_session_ids=tuple(str(p) for p in parents) if isinstance(parents, list) else (),
        lineage_operator=str(record.get("lineage_operator", "implicit")),
        lineage_kind=str(record.get("lineage_kind") or "unknown"),
        lineage_extras=extras,
        sandbox_backend=record.get("sandbox_backend"),
        sandbox_spec=spec if isinstance(spec, dict) else None,
        sandbox_handle_id=record.get("sandbox_handle_id"),
    )


def _session_paths(session_id: str, directory: Path | None) -> tuple[Path, Path]:
    sid = validate_file_stem(session_id)
    base = directory if directory is not None else openrath_sessions_dir()
    return base / f"{sid}{FINAL_SUFFIX}", base / f"{sid}{PARTIAL_SUFFIX}"


def load_session(
    session_id: UUID | str | None = None, *, path: Path | None = None, directory: Path | None = None
) -> PersistedSession:
    """Read one session; falls back to the `__partial__` file when the final one is missing."""
    if path is not None:
        target = Path(path)
        if not target.is_file():
            raise PersistenceError(f"persisted session file not found: {target}")
    else:
        if session_id is None:
            raise PersistenceError("load_session needs a session id or a path")
        final, partial = _session_paths(str(session_id), directory)
        if final.is_file():
            target = final
        elif partial.is_file():
            target = partial
        else:
            raise PersistenceError(f"persisted session file not found: {final}")
    parsed = parse_file(target)
    trailer = parsed.trailer
    usage = trailer.get("cumulative_usage") if trailer else None
    return PersistedSession(
        header=_header(parsed.header),
        chunks=parsed.chunks,
        cumulative_usage=usage if isinstance(usage, dict) else None,
        closed=trailer is not None,
        path=target,
        trailer_raw=trailer,
        header_raw=parsed.header,
    )


def list_persisted_sessions(directory: Path | None = None) -> list[PersistedSessionMeta]:
    """Every readable session in the directory, oldest `created_at` first.

    Unreadable files are skipped (never abort the listing), as in OpenRath; the
    index (`SessionIndex`) is the API that reports them as corrupt instead.
    """
    target = directory if directory is not None else openrath_sessions_dir()
    try:
        entries = sorted(os.scandir(target), key=lambda e: e.name)
    except OSError:
        return []
    metas: list[PersistedSessionMeta] = []
    for entry in entries:
        path = Path(entry.path)
        if not _ADAPTER.claims(path):
            continue
        try:
            st = os.stat(path)
        except OSError:
            continue
        if not entry.is_file():
            continue
        info = _ADAPTER.read_facts(path, st)
        if info.state is SessionState.CORRUPT or info.created_at is None:
            continue
        metas.append(
            PersistedSessionMeta(
                id=_coerce_id(info.id),
                path=path,
                created_at=info.created_at,
                lineage_operator=str(info.extra.get("lineage_operator") or "implicit"),
                lineage_kind=str(info.extra.get("lineage_kind") or "unknown"),
                chunk_count=info.chunks,
                closed=bool(info.extra.get("has_trailer")),
            )
        )
    metas.sort(key=lambda m: m.created_at)
    return metas


def _writer_alive(partial: Path) -> bool:
    try:
        st = os.stat(partial)
    except OSError:
        return False
    held, _ = LivenessProbe().is_locked(str(partial), st)
    return bool(held)


def delete_session(
    session_id: UUID | str | None = None, *, path: Path | None = None, directory: Path | None = None
) -> bool:
    """Unlink the session's files; refuses (`SessionBusy`) while its writer is alive.

    Returns True when something was removed. With `path`, only that file (and its
    `__partial__` twin) is considered.
    """
    if path is not None:
        p = Path(path)
        name = p.name
        if name.endswith(PARTIAL_SUFFIX):
            final, partial = p.with_name(name[: -len(".__partial__")]), p
        else:
            final, partial = p, p.with_name(name + ".__partial__")
        targets = [p]
    else:
        if session_id is None:
            raise PersistenceError("delete_session needs a session id or a path")
        final, partial = _session_paths(str(session_id), directory)
        targets = [final, partial]
    if _writer_alive(partial):
        raise SessionBusy(f"session {session_id or path} is being written (writer holds its lock)")
    removed = False
    for target in targets:
        try:
            target.unlink()
            removed = True
        except FileNotFoundError:
            continue
    return removed


def prune_sessions(
    *, older_than: timedelta, directory: Path | None = None, now: datetime | None = None
) -> list[UUID | str]:
    """Delete sessions whose header `created_at` is older than `older_than`.

    Unparseable files are never pruned and running sessions are skipped.
    """
    cutoff = (now or datetime.now(UTC)) - older_than
    removed: list[UUID | str] = []
    for meta in list_persisted_sessions(directory):
        if meta.created_at >= cutoff:
            continue
        try:
            if delete_session(meta.id, path=meta.path):
                removed.append(meta.id)
        except SessionBusy:
            continue
    return removed
