"""Cheap reads for a preview pane: the first user chunk, the last few chunks, a bad line.

Costs are bounded whatever the file size: the first user chunk is looked for in the
first MiB only, the last chunks come from a read backwards from the end, and an
offending line is cut to a limit. Never raises for bad content.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import FormatAdapter, get_adapter
from sessionview.store.jsonl import (
    final_record,
    iter_lines,
    last_complete_lines,
    line_start,
    parse_record,
)
from sessionview.store.model import Chunk, SessionInfo

FIRST_SCAN_LIMIT = 1 << 20
LINE_LIMIT = 4096


@dataclass(frozen=True, slots=True)
class Preview:
    """What the preview pane shows beyond `SessionInfo`."""

    first_user: Chunk | None = None
    last: list[Chunk] = field(default_factory=list)
    error: str | None = None


def read_preview(info: SessionInfo, *, last: int = 4) -> Preview:
    """The first user chunk and the last `last` chunks, for any format. Whole-file
    formats (nanobot, JSON snapshots) are read whole, as the transcript does;
    append-only ones from both ends (`load_preview`)."""
    adapter = get_adapter(info.format)
    if adapter.append_only:
        return load_preview(info, last=last)
    try:
        chunks = adapter.load_chunks(Path(info.path))
    except PersistenceError as exc:
        return Preview(error=str(exc))
    first = next((c for c in chunks if c.kind == "user"), None)
    return Preview(first_user=first, last=chunks[-last:])


def load_preview(info: SessionInfo, *, last: int = 4) -> Preview:
    """The first user chunk and the last `last` chunks of an append-only JSONL session."""
    adapter = get_adapter(info.format)
    try:
        fd = os.open(info.path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        return Preview(error=f"cannot read {info.path}: {exc.strerror or exc}")
    try:
        size = os.fstat(fd).st_size
        first = _first_user(adapter, fd, min(size, FIRST_SCAN_LIMIT))
        records = []
        for line in last_complete_lines(fd, size, last + 1):
            try:
                records.append(parse_record(line, ""))
            except PersistenceError:
                continue
        if adapter.reads_final_line:
            final = final_record(fd, line_start(fd, size))
            if final is not None:
                records.append(final)
        tail = adapter.chunks_from_records(records, 0, adapter.new_state())[-last:]
        return Preview(first_user=first, last=tail)
    except OSError as exc:
        return Preview(error=f"cannot read {info.path}: {exc.strerror or exc}")
    finally:
        os.close(fd)


def _first_user(adapter: FormatAdapter, fd: int, end: int) -> Chunk | None:
    """The first chunk the adapter decodes as "user" from the lines in `[0, end)`.

    Every line goes through the adapter, whatever its shape: which records hold a
    user's message is the format's business (Codex's `user_message` events never
    contain the token `"user"`).
    """
    state = adapter.new_state()
    count = 0
    for _, line in iter_lines(fd, 0, end):
        if not line.strip():
            continue
        try:
            chunks = adapter.chunks_from_records([parse_record(line, "")], count, state)
        except PersistenceError:
            continue
        for chunk in chunks:
            if chunk.kind == "user":
                return chunk
        count += len(chunks)
    return None


_WHERE = re.compile(r":(\d+): ")


def offending_line(info: SessionInfo, limit: int = LINE_LIMIT) -> tuple[int, str] | None:
    """`(line number, text)` of the line a corrupt row's error names, cut to `limit` bytes."""
    error = info.error or info.state_reason or ""
    prefix = f"{info.path}:"
    if not error.startswith(prefix):
        return None
    match = _WHERE.match(error, len(info.path))
    if match is None:
        return None
    wanted = int(match.group(1))
    try:
        fd = os.open(Path(info.path), os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        size = os.fstat(fd).st_size
        lineno = 0
        start = 0
        for end, _line in _line_ends(fd, size):
            lineno += 1
            if lineno == wanted:
                data = os.pread(fd, min(end - start, limit), start)
                return wanted, data.rstrip(b"\n").decode("utf-8", "replace")
            start = end
        if lineno + 1 == wanted and start < size:  # a last line without newline
            data = os.pread(fd, min(size - start, limit), start)
            return wanted, data.decode("utf-8", "replace")
    except OSError:
        return None
    finally:
        os.close(fd)
    return None


def _line_ends(fd: int, size: int):
    """Offsets just after each `\\n`, without keeping line contents."""
    pos = 0
    while pos < size:
        block = os.pread(fd, min(1 << 20, size - pos), pos)
        if not block:
            return
        cut = 0
        while True:
            nl = block.find(b"\n", cut)
            if nl < 0:
                break
            yield pos + nl + 1, None
            cut = nl + 1
        pos += len(block)
