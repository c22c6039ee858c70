"""Untrusted session text made safe to print, and small human-friendly formatters.

Session content comes from models and shells: it may hold ANSI/OSC/DCS escapes,
BEL, backspaces and bidi overrides. Printed raw, those would drive the terminal.
`visible()` turns every control character (and any lone surrogate, which cannot be
printed) into a visible code, keeping newlines and tabs when asked. No textual
import here: the CLI uses it too.
"""

from __future__ import annotations

from datetime import UTC, datetime

# Bidi controls that can reorder what a reader sees (Trojan Source).
_BIDI = {
    0x202A,
    0x202B,
    0x202C,
    0x202D,
    0x202E,
    0x2066,
    0x2067,
    0x2068,
    0x2069,
    0x200E,
    0x200F,
    0x061C,
}


_SURROGATES = range(0xD800, 0xE000)


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code == 0x1B:
        return "\\e"
    if code < 0x20 or code == 0x7F:
        return f"\\x{code:02x}"
    if 0x80 <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (a file name's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


def _build_table(keep_newlines: bool) -> dict[int, str]:
    table: dict[int, str] = {}
    # Lone surrogates too: they cannot be printed (or encoded) at all.
    for code in [*range(0x20), 0x7F, *range(0x80, 0xA0), *_BIDI, 0x2028, 0x2029, *_SURROGATES]:
        if keep_newlines and code in (0x0A, 0x09):
            continue
        table[code] = _escape_char(chr(code))
    return table


_TABLE_LINES = _build_table(True)
_TABLE_FLAT = _build_table(False)


def visible(text: str, *, keep_newlines: bool = True) -> str:
    """`text` with control, C1 and bidi characters shown as escapes like `\\e` or `\\x07`."""
    return text.translate(_TABLE_LINES if keep_newlines else _TABLE_FLAT)


def one_line(text: str, limit: int | None = None) -> str:
    """A title-safe single line: controls escaped, newlines escaped, cut to `limit`."""
    flat = visible(text, keep_newlines=False)
    if limit is not None and len(flat) > limit:
        return flat[: max(0, limit - 1)] + "…"
    return flat


def human_bytes(size: int) -> str:
    """1536 -> '1.5 KB' (decimal-ish units people read quickly)."""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover


def ago(when: datetime | None, now: datetime | None = None) -> str:
    """'just now' (under a minute), '5m ago', '3h ago', '2d ago'; '-' when unknown."""
    if when is None:
        return "-"
    now = now or datetime.now(UTC)
    seconds = int((now - when).total_seconds())
    if seconds < 60:  # as the TUI says it: seconds of drift are not news
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def short_time(when: datetime | None) -> str:
    """UTC 'YYYY-MM-DD HH:MM' or '-'."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else "-"


def plural(count: int, noun: str, plural_noun: str | None = None) -> str:
    """`1 session`, `3 sessions`, `0 sessions` (the count and the right form)."""
    return f"{count} {noun if count == 1 else plural_noun or noun + 's'}"


def reason_without_path(message: str, path: str) -> str:
    """A store message about `path` without the path: `path:3: bad` -> `line 3: bad`
    (a listing has the path in its own column, and the reason is what was cut off)."""
    if not message.startswith(path + ":"):
        return message.replace(path, "(file)") if path else message
    rest = message[len(path) + 1 :]
    number, sep, tail = rest.partition(":")
    if sep and number.isdigit():
        return f"line {number}:{tail}"
    return rest.lstrip()
