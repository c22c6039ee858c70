"""Helpers every format adapter may use, in one place (adapters never import each other).

Times (`parse_time`, `utc_iso`), titles and previews cut to a length, and the read-only
opening and record-by-record reading of a JSONL file that must be a regular file (a
FIFO or a device in a session directory must never block a listing).
"""

from __future__ import annotations

import os
import re
import stat as stat_mod
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.jsonl import final_record, iter_lines, parse_record

TITLE_MAX = 120
PREVIEW_MAX = 120
_WS_RE = re.compile(r"\s+")


def parse_time(value: Any) -> datetime | None:
    """ISO-8601 to an aware UTC datetime (naive is taken as UTC); None when unparseable."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=UTC)
        # A time near year 1 or 9999 with an offset does not fit in UTC.
        return dt.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


_CANONICAL_UTC = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.(?!000000)[0-9]{6}\+00:00"
)
_last_iso: tuple[object, str | None] = (None, None)


def utc_iso(value: Any) -> str | None:
    """`parse_time(value).isoformat()`, or None; a value already in that form (what
    OpenRath writes: `2026-06-01T12:00:00.123456+00:00`) is checked and kept as is,
    which a listing of 10,000 files does 20,000 times. (`isoformat()` leaves out a
    zero fraction, hence the `000000` exception.)"""
    global _last_iso
    last_value, last_result = _last_iso
    if value is last_value and value is not None:
        return last_result  # the header's created_at: checked, then printed
    if type(value) is str and _CANONICAL_UTC.fullmatch(value):
        try:
            datetime.fromisoformat(value)
            result: str | None = value
        except ValueError:
            result = None
    else:
        parsed = parse_time(value)
        result = parsed.isoformat() if parsed is not None else None
    _last_iso = (value, result)
    return result


def first_line_title(content: Any) -> str:
    """First non-blank line of a message's text, cut to 120 characters."""
    if isinstance(content, list):
        content = " ".join(
            str(block.get("text", "")) for block in content if isinstance(block, dict)
        )
    if not isinstance(content, str):
        return ""
    # Look at a bounded prefix: a title needs one line, not a 100 MB message split up.
    pos = 0
    while pos < len(content):
        window = content[pos : pos + 4096]
        for line in window.splitlines():
            line = line.strip()
            if line:
                return line[:TITLE_MAX]
        pos += 4096
    return ""


def preview_text(text: str) -> str:
    """Whitespace collapsed, cut to 120 characters."""
    text = _WS_RE.sub(" ", text).strip()
    if len(text) > PREVIEW_MAX:
        text = text[: PREVIEW_MAX - 1].rstrip() + "…"
    return text


def open_regular(path: Path) -> tuple[int, os.stat_result]:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        st = os.fstat(fd)
    except OSError as exc:
        os.close(fd)
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    if not stat_mod.S_ISREG(st.st_mode):
        os.close(fd)
        raise PersistenceError(f"{path}: not a regular file")
    return fd, st


def iter_records(
    path: Path, *, final_line: bool = False
) -> Iterator[tuple[int, dict[str, Any] | None]]:
    """`(line number, record)` for each complete non-blank line; record None when unparseable.

    With `final_line`, a last line without its newline is read too when it is a whole
    JSON object (Claude Code can end a finished file so); a torn one is left out.
    Raises `PersistenceError` when the file cannot be opened or read.
    """
    fd, _ = open_regular(path)
    try:
        lineno = 0
        consumed = 0
        for consumed, line in iter_lines(fd):  # noqa: B007 - consumed is used after
            lineno += 1
            if not line.strip():
                continue
            try:
                yield lineno, parse_record(line, "")
            except PersistenceError:
                yield lineno, None
        if final_line:
            last = final_record(fd, consumed)
            if last is not None:
                yield lineno + 1, last
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
