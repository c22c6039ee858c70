"""Turning untrusted session data into safe, plain display strings.

Nothing here builds markup: callers wrap the results in `rich.text.Text` (or put them
in `Segment`s), so `[bold]` or `[@click=app.quit]` in a chunk is shown as typed.
Control characters become visible: ESC as `␛`, other C0 controls as their Unicode
control pictures, C1 controls and bidi overrides as `\\x9b`-style escapes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
from rich.cells import cell_len

from sessionview.store.jsonl import dumps_lenient

_TABLE: dict[int, str] = {c: chr(0x2400 + c) for c in range(0x20)}
_TABLE[0x1B] = "␛"
_TABLE[0x7F] = "␡"
_TABLE[0x09] = "    "
for _c in range(0x80, 0xA0):
    _TABLE[_c] = f"\\x{_c:02x}"
for _c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0xFEFF):
    _TABLE[_c] = f"\\u{_c:04x}"

_LINE_TABLE = dict(_TABLE)
_LINE_TABLE.pop(0x0A)  # keep newlines: callers split on them


def clean(text: str) -> str:
    """One line of safe text: every control character (newlines too) made visible."""
    return text.translate(_TABLE)


def clean_lines(text: str) -> list[str]:
    """Safe text split into lines (`\\r\\n` is one break; a lone `\\r` is shown as `␍`)."""
    return text.replace("\r\n", "\n").translate(_LINE_TABLE).split("\n")


def one_line(text: str, limit: int = 200) -> str:
    """The first non-blank line, cleaned and cut to `limit` characters."""
    for line in text.splitlines():
        if line.strip():
            line = clean(line.strip())
            return line if len(line) <= limit else line[: limit - 1] + "…"
    return ""


def content_text(content: Any) -> str:
    """The text of a message `content` (a string, or a list of blocks)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and isinstance(block.get("text"), str):
                parts.append(block["text"])
            else:
                parts.append(pretty_json(block))
        return "\n".join(parts)
    return pretty_json(content)


def pretty_json(value: Any) -> str:
    """Indented JSON; a string that holds JSON (tool arguments) is parsed first.

    What orjson will not write (nesting deeper than 254 levels, odd types) is shown
    as the text it came from, else as compact JSON, else as `repr()`; JSON nested
    ~1000 levels makes `repr()` raise `RecursionError`, so nothing here raises.
    """
    raw = value if isinstance(value, str) else None
    if raw is not None:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        pass
    if raw is not None:
        return raw
    try:
        return dumps_lenient(value).decode("utf-8", "replace")
    except (RecursionError, TypeError, ValueError):
        pass
    try:
        return repr(value)
    except RecursionError:
        return "[nested too deeply to show]"


def human_size(n: int) -> str:
    size = float(n)
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{int(size)} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def human_count(n: int | None) -> str:
    if n is None:
        return "–"
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def ago(when: datetime | None, now: datetime) -> str:
    """`12s ago`, `5m ago`, `3h ago`, `4d ago`; `just now` for the future."""
    if when is None:
        return "–"
    secs = int((now - when).total_seconds())
    if secs < 1:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs >= size:
            return f"{secs // size}{unit} ago"
    return f"{secs}s ago"


def local_time(when: datetime | None) -> str:
    if when is None:
        return "–"
    return when.astimezone().strftime("%Y-%m-%d %H:%M")


def short_path(path: str | Path) -> str:
    """A path with the home directory shown as `~` (and made safe to display)."""
    text = str(path)
    home = os.path.expanduser("~")
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    return clean(text)


def utc_now() -> datetime:
    return datetime.now(UTC)


def without_path(message: str, path: str) -> str:
    """A store error message with the file's full path shortened to `~/...` (and cleaned)."""
    return clean(message.replace(path, short_path(path)))


def reason_text(message: str, path: str) -> str:
    """A store message about `path` without the path: `path:3: bad` -> `line 3: bad`."""
    if message.startswith(path + ":"):
        rest = message[len(path) + 1 :]
        number, sep, tail = rest.partition(":")
        if sep and number.isdigit():
            return clean(f"line {number}:{tail}")
        return clean(rest.lstrip())
    return without_path(message, path)


def home_to_tilde(text: str) -> str:
    """Every occurrence of the home directory shown as `~` (display only)."""
    home = os.path.expanduser("~")
    if home in ("", "/"):
        return text
    return text.replace(home + os.sep, "~" + os.sep).replace(home, "~")


def keep_end(text: str, width: int) -> str:
    """`text` cut from the left to `width` cells (a path's file name matters most)."""
    if width < 8 or cell_len(text) <= width:
        return text
    while cell_len(text) > width - 1:
        text = text[1:]
    return "…" + text
