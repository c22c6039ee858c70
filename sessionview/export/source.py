"""A session's header and chunks, read one chunk at a time for an export.

An export of a 130 MB session must not hold it in memory, so the transcript comes from
the adapter's `stream_transcript`: formats with big files (OpenRath) stream line by
line; the rest are decoded whole by their adapter, the one place that knows them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.model import Chunk, SessionInfo, SessionState

#: A chunk and the JSON line it was read from (None when the format's adapter read the
#: file whole): the line lets an export skip redacting chunks that hold no secret.
Entry = tuple[Chunk, bytes | None]


@dataclass(frozen=True, slots=True)
class Transcript:
    """What an export reads: the header (OpenRath's, else None), then the chunks once,
    in order, each with its line. `close()` releases the file when an export stops early."""

    info: SessionInfo
    header: dict[str, Any] | None
    entries: Iterator[Entry]

    @property
    def chunks(self) -> Iterator[Chunk]:
        return (chunk for chunk, _ in self.entries)

    def close(self) -> None:
        close = getattr(self.entries, "close", None)
        if close is not None:
            close()


def open_transcript(info: SessionInfo) -> Transcript:
    """The session's transcript; raises `PersistenceError` (one line) when it cannot be read."""
    if info.state is SessionState.CORRUPT:
        raise PersistenceError(info.error or f"{info.path}: cannot be read")
    header, entries = get_adapter(info.format).stream_transcript(Path(info.path))
    return Transcript(info, header, entries)
