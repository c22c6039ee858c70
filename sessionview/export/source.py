"""A session's header and chunks, read one chunk at a time for an export.

An export of a 130 MB session must not hold it in memory: OpenRath files (the big
ones) are read line by line with the semantics of `openrath.parse_file` (the same
header checks, the same fatal errors, a torn last line ignored), so only the chunk
being written is alive. Other formats are read whole by their adapter's
`load_chunks`: their files are whole-document JSON (snapshot), need two passes
(Codex) or are small, and their adapters are the one place that decodes them.
"""

from __future__ import annotations

import os
import stat as stat_mod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.formats.openrath import chunk_from_record, validate_header
from sessionview.store.jsonl import iter_lines, parse_record
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
    path = Path(info.path)
    if info.format == "openrath":
        return _open_openrath(info, path)
    chunks = get_adapter(info.format).load_chunks(path)
    return Transcript(info, None, ((chunk, None) for chunk in chunks))


def _open_openrath(info: SessionInfo, path: Path) -> Transcript:
    try:
        fd = os.open(
            path, os.O_RDONLY | os.O_NONBLOCK
        )  # read-only, no lock: never disturb a writer
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        if not stat_mod.S_ISREG(os.fstat(fd).st_mode):
            raise PersistenceError(f"{path}: not a regular file")
        lines = _numbered(fd, path)
        header: dict[str, Any] | None = None
        version = 0
        for where, record, _ in lines:
            rt = record.get("record_type")
            if rt == "header":
                header, version = validate_header(record, where)
                break
            if rt == "chunk":
                raise PersistenceError(f"{where}: chunk record before header")
            if rt != "trailer":
                raise PersistenceError(f"{where}: unknown record_type={rt!r}")
        if header is None:
            raise PersistenceError(f"{path}: no header record found")
    except BaseException:
        os.close(fd)
        raise
    return Transcript(info, header, _openrath_chunks(fd, lines, version))


def _numbered(fd: int, path: Path) -> Iterator[tuple[str, dict[str, Any], bytes]]:
    """`(file:line, record, line)` for each complete non-blank line."""
    lineno = 0
    try:
        for _, line in iter_lines(fd):
            lineno += 1
            if line.strip():
                where = f"{path}:{lineno}"
                yield where, parse_record(line, where), line
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None


def _openrath_chunks(
    fd: int, lines: Iterator[tuple[str, dict[str, Any], bytes]], version: int
) -> Iterator[Entry]:
    try:
        for where, record, line in lines:
            rt = record.get("record_type")
            if rt == "chunk":
                yield chunk_from_record(record, where, version), line
            elif rt == "header":
                raise PersistenceError(f"{where}: duplicate header record")
            elif rt != "trailer":
                raise PersistenceError(f"{where}: unknown record_type={rt!r}")
    finally:
        os.close(fd)
