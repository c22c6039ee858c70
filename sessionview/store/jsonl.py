"""Byte-level JSONL reading shared by every append-only format.

Files are read as bytes and split on `\\n` before any decoding, so a torn last line
cut inside a multi-byte UTF-8 character is simply an incomplete line (OpenRath's
text-mode reader crashes on it with `UnicodeDecodeError`). Only complete lines are
ever parsed.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import orjson

from sessionview.store.errors import PersistenceError

BLOCK_SIZE = 1 << 20


def parse_record(line: bytes, where: str) -> dict[str, Any]:
    """Parse one complete line into a JSON object or raise a one-line error.

    `where` is `file:line`, put in front of the message.
    """
    try:
        record = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise PersistenceError(f"{where}: invalid JSON: {_first_line(str(exc))}") from None
    except RecursionError:  # pragma: no cover - orjson limits depth itself
        raise PersistenceError(f"{where}: invalid JSON: nested too deeply") from None
    if not isinstance(record, dict):
        raise PersistenceError(
            f"{where}: record must be a JSON object, got {type(record).__name__}"
        )
    return record


def _first_line(text: str) -> str:
    return text.splitlines()[0] if text else text


def iter_lines(
    fd: int, start: int = 0, end: int | None = None, block_size: int = BLOCK_SIZE
) -> Iterator[tuple[int, bytes]]:
    """Yield `(offset_after_line, line)` for each complete line in `[start, end)`.

    The line excludes its `\\n`. Blank lines are yielded too (callers skip them and
    keep the line numbers right). A last line without `\\n` is never yielded.
    Reads with `os.pread`, so the caller's file position is untouched. A caller that
    usually stops after a few lines passes a small `block_size`.
    """
    pos = start
    pending = bytearray()
    pending_start = start
    while end is None or pos < end:
        want = block_size if end is None else min(block_size, end - pos)
        block = os.pread(fd, want, pos)
        if not block:
            break
        pos += len(block)
        cut = 0
        while True:
            nl = block.find(b"\n", cut)
            if nl < 0:
                break
            if pending:
                pending += block[cut:nl]
                line = bytes(pending)
                pending.clear()
            else:
                line = block[cut:nl]
            yield pending_start + len(line) + 1, line
            pending_start += len(line) + 1
            cut = nl + 1
        if cut < len(block):
            pending += block[cut:]


def line_start(fd: int, size: int) -> int:
    """The offset just after the last `\\n` before `size` (0 when there is none)."""
    pos = size
    while pos > 0:
        step = min(1 << 16, pos)
        block = os.pread(fd, step, pos - step)
        nl = block.rfind(b"\n")
        if nl >= 0:
            return pos - step + nl + 1
        pos -= step
    return 0


def final_record(fd: int, start: int) -> dict[str, Any] | None:
    """The file's last line when it has no `\\n` yet but is a whole JSON object, else None.

    `start` is where that line begins (just after the last newline). Agents such as
    Claude Code can leave a finished file without a final newline; such a line is
    complete and is read. A torn line (cut mid-write) does not parse and stays held
    back until its newline arrives. Data past `start` that holds a newline means the
    file grew since the caller's pass: None, the caller's next pass reads it.
    """
    chunks: list[bytes] = []
    pos = start
    while True:
        block = os.pread(fd, BLOCK_SIZE, pos)
        if not block:
            break
        if b"\n" in block:
            return None
        chunks.append(block)
        pos += len(block)
    line = b"".join(chunks)
    if not line.strip():
        return None
    try:
        record = orjson.loads(line)
    except (orjson.JSONDecodeError, RecursionError):
        return None
    return record if isinstance(record, dict) else None


def count_newlines(fd: int, start: int, end: int) -> int:
    """Count `\\n` bytes in `[start, end)` without keeping any of the data."""
    total = 0
    pos = start
    while pos < end:
        block = os.pread(fd, min(BLOCK_SIZE, end - pos), pos)
        if not block:
            break
        total += _count_lf(block)
        pos += len(block)
    return total


def _count_lf(block: bytes) -> int:
    """`block.count(b"\\n")`, about twice as fast on session files.

    `bytes.count` looks at every byte; `find` jumps with memchr, which wins while
    lines are long (chunk lines are kilobytes). After 64 lines averaging under
    256 bytes the rest of the block is counted plainly.
    """
    find = block.find
    hit = find(b"\n")
    found = 0
    while hit >= 0:
        found += 1
        if found == 64 and hit < 64 * 256:
            return found + block.count(b"\n", hit + 1)
        hit = find(b"\n", hit + 1)
    return found


def read_first_line(fd: int, limit: int) -> bytes | None:
    """The first line (without `\\n`) if it completes within `limit` bytes, else None."""
    pos = 0
    parts: list[bytes] = []
    step = 4096  # a header is a few hundred bytes; grow for long ones
    while pos < limit:
        block = os.pread(fd, min(step, limit - pos), pos)
        if not block:
            return None
        nl = block.find(b"\n")
        if nl >= 0:
            parts.append(block[:nl])
            return b"".join(parts)
        parts.append(block)
        pos += len(block)
        step = min(step * 4, 1 << 20)
    return None


def last_complete_lines(
    fd: int, size: int, count: int, window: int = 65536, max_line: int | None = None
) -> list[bytes]:
    """Up to `count` last complete, non-blank lines, oldest first, reading from the end.

    Grows the window until enough lines are found or the start of the file is reached,
    so the cost is proportional to what is returned, not to the file. A torn last line
    (no trailing `\\n`) is skipped. With `max_line`, stops at a line longer than that
    (returning the shorter lines after it), so a 100 MB line is never held in memory.
    """
    found: list[bytes] = []
    carry = b""  # the start of a line whose end we already read, with its newline
    cut_torn = False
    pos = size
    while pos > 0 and len(found) < count:
        if max_line is not None and len(carry) > max_line + 1:
            break
        step = min(window, pos)
        pos -= step
        block = os.pread(fd, step, pos) + carry
        if not cut_torn:
            nl = block.rfind(b"\n")
            if nl < 0:
                carry = b""
                continue
            block = block[: nl + 1]
            cut_torn = True
        parts = block.split(b"\n")[:-1]
        if pos > 0:
            carry = parts[0] + b"\n"
            parts = parts[1:]
        for line in reversed(parts):
            if line.strip():
                found.append(line)
                if len(found) >= count:
                    break
        window = min(window * 2, 1 << 24)
    found.reverse()
    return found


def dumps_lenient(data: Any, *, indent: bool = False) -> bytes:
    """JSON for any facts or records: orjson, or for what it refuses (a file name that
    is not UTF-8, nesting deeper than its 254 levels) the stdlib encoder, with bytes
    that are not UTF-8 shown as `\\xff` escapes (`json_stdlib.dumps`, the same bytes).
    Output only; never parsed back for paths."""
    try:
        return orjson.dumps(data, option=orjson.OPT_INDENT_2 if indent else 0)
    except orjson.JSONEncodeError:
        pass
    from sessionview.store import json_stdlib

    return json_stdlib.dumps(data, indent=indent)
