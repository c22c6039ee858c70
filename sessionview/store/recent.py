"""The last N chunks of an OpenRath session, read from the end of the file.

Opening a 130 MB, 48,000-chunk session to show its latest turns should cost what
those turns cost, not what the file costs: `last_chunks` reads the header line and
then seeks back from the end (`jsonl.last_complete_lines`), so time and memory are
proportional to the chunks returned.
"""

from __future__ import annotations

import os
from pathlib import Path

from sessionview.store.errors import PersistenceError
from sessionview.store.formats.openrath import (
    HEADER_LIMIT,
    chunk_from_record,
    parse_file,
    validate_header,
)
from sessionview.store.jsonl import iter_lines, last_complete_lines, parse_record, read_first_line
from sessionview.store.model import Chunk


def last_chunks(path: str | Path, n: int) -> list[Chunk]:
    """Up to `n` last chunks (oldest first); a torn last line is dropped.

    Raises `PersistenceError` naming `file:line` when the header or one of the lines
    read is bad (the exact line number is found by a full read, only on that error).
    """
    path = Path(path)
    if n <= 0:
        return []
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(fd).st_size
        head = read_first_line(fd, HEADER_LIMIT)
        if head is None:
            raise PersistenceError(f"{path}:1: no header record")
        header_record = parse_record(head, f"{path}:1")
        if header_record.get("record_type") != "header":
            raise PersistenceError(f"{path}:1: first record is not a header")
        _header, version = validate_header(header_record, f"{path}:1")
        want = n + 2  # room for the trailer (and the header, in a short file)
        while True:
            lines = last_complete_lines(fd, size, want)
            chunks: list[Chunk] = []
            try:
                for line in lines:
                    record = parse_record(line, f"{path}:?")
                    if record.get("record_type") == "chunk":
                        chunks.append(chunk_from_record(record, f"{path}:?", version))
            except PersistenceError:
                parse_file(path)  # raises the same error with its real line number
                raise
            if len(chunks) >= n or len(lines) < want:
                return chunks[-n:]
            want *= 2
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def first_chunks(path: str | Path, n: int) -> list[Chunk]:
    """Up to `n` first chunks of an OpenRath session, reading only as far as they go.

    For a quick first view of a huge session; the full read that follows reports any
    error with its line number, so a bad line here just ends the list early.
    """
    path = Path(path)
    chunks: list[Chunk] = []
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return chunks
    try:
        version = 0
        for lineno, (_, line) in enumerate(iter_lines(fd), start=1):
            if not line.strip():
                continue
            record = parse_record(line, f"{path}:{lineno}")
            if lineno == 1:
                _header, version = validate_header(record, f"{path}:1")
                continue
            if record.get("record_type") == "chunk":
                chunks.append(chunk_from_record(record, f"{path}:{lineno}", version))
                if len(chunks) >= n:
                    break
    except (OSError, PersistenceError):
        pass
    finally:
        os.close(fd)
    return chunks
