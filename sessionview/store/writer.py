"""A writer that produces exactly the bytes OpenRath's `SessionWriter` produces.

Used by the demo, the tests and the benchmarks, so everything sessionview reads in
CI was written the way the real agent writes it: header at construction under an
exclusive non-blocking `flock`, one flushed `json.dumps(ensure_ascii=False)` line per
chunk, and on `close()` a trailer, unlock, close, then an atomic rename of
`<id>.jsonl.__partial__` to `<id>.jsonl`. `abandon()` leaves the partial file.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from sessionview.store.errors import PersistenceError
from sessionview.store.migrations import CURRENT_SCHEMA_VERSION

PARTIAL_SUFFIX = ".__partial__"


def _iso(dt: datetime | None) -> str:
    dt = dt or datetime.now(UTC)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.isoformat()


class SessionWriter:
    """Append-only writer for one OpenRath session file (a context manager)."""

    def __init__(
        self,
        session_id: str | None = None,
        *,
        directory: Path | str | None = None,
        path: Path | str | None = None,
        created_at: datetime | None = None,
        parent_session_ids: tuple[str, ...] | list[str] = (),
        lineage_operator: str = "implicit",
        lineage_kind: str = "unknown",
        lineage_extras: list[list[Any]] | None = None,
        sandbox_backend: str | None = None,
        sandbox_spec: dict[str, Any] | None = None,
        sandbox_handle_id: str | None = None,
    ) -> None:
        self.session_id = session_id or str(uuid.uuid4())
        if path is not None:
            final = Path(path).absolute()
        elif directory is not None:
            final = Path(directory).absolute() / f"{self.session_id}.jsonl"
        else:
            from sessionview.store.paths import openrath_sessions_dir

            final = openrath_sessions_dir() / f"{self.session_id}.jsonl"
        self.path = final
        self.partial_path = final.with_name(final.name + PARTIAL_SUFFIX)
        self.chunks_written = 0
        self._closed = False
        self._file: IO[str] | None = None
        self._open()
        self._write(
            {
                "record_type": "header",
                "schema_version": CURRENT_SCHEMA_VERSION,
                "id": self.session_id,
                "created_at": _iso(created_at),
                "parent_session_ids": [str(p) for p in parent_session_ids],
                "lineage_operator": lineage_operator,
                "lineage_kind": lineage_kind,
                "lineage_extras": lineage_extras or [],
                "sandbox_backend": sandbox_backend,
                "sandbox_spec": sandbox_spec,
                "sandbox_handle_id": sandbox_handle_id,
            }
        )

    def _open(self) -> None:
        self.partial_path.parent.mkdir(parents=True, exist_ok=True)
        existed = self.partial_path.exists()
        handle = self.partial_path.open("a", encoding="utf-8")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            handle.close()
            raise PersistenceError(
                f"another process is already writing to {str(self.partial_path)!r}; "
                "refusing to interleave appends"
            ) from exc
        if not existed:
            os.chmod(self.partial_path, 0o600)
        self._file = handle

    def _write(self, record: dict[str, Any]) -> None:
        assert self._file is not None
        self._file.write(json.dumps(record, ensure_ascii=False) + "\n")
        self._file.flush()

    def write_chunk(self, index: int, kind: str, payload: dict[str, Any]) -> None:
        """Append one chunk record (`kind`: system, user, assistant, tool_result)."""
        if self._closed:
            raise RuntimeError(f"SessionWriter({self.path}) is closed; cannot append more chunks")
        self._write({"record_type": "chunk", "index": index, "kind": kind, "payload": payload})
        self.chunks_written += 1

    def append(self, kind: str, payload: dict[str, Any]) -> int:
        """Append the next chunk, numbered after the ones already written; returns its index."""
        index = self.chunks_written
        self.write_chunk(index, kind, payload)
        return index

    def close(
        self, *, usage: dict[str, int] | None = None, closed_at: datetime | None = None
    ) -> None:
        """Write the trailer, release the lock, then rename partial -> final. Idempotent."""
        if self._closed:
            return
        try:
            self._write(
                {
                    "record_type": "trailer",
                    "closed_at": _iso(closed_at),
                    "final_chunk_count": self.chunks_written,
                    "cumulative_usage": usage,
                }
            )
        finally:
            self._release()
        try:
            os.replace(self.partial_path, self.path)
        except FileNotFoundError:
            return

    def abandon(self) -> None:
        """Release the file without a trailer or rename (what a crash leaves)."""
        if not self._closed:
            self._release()

    def _release(self) -> None:
        self._closed = True
        if self._file is not None:
            try:
                fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            finally:
                self._file.close()
                self._file = None

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abandon()
