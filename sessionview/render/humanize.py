"""Sizes, counts, ages and times as people read them, the same in the CLI and the TUI.

Each function that may lack a value takes `unknown`, the placeholder for its medium: the
CLI's default `-` (plain ASCII for pipes), the TUI passes `–` (see `app/display.py`).
Paths are shown with the home directory as `~`. Nothing here escapes: callers pass the
results through `render.safe` for their medium when they hold untrusted text.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def human_bytes(n: int) -> str:
    """1536 -> '1.5 KB' (1024-based units, one decimal)."""
    value = float(n)
    for unit in ("B", "KB", "MB"):
        if value < 1024:
            return f"{int(value)} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


def human_count(n: int | None, *, unknown: str = "-") -> str:
    """12345 -> '12.3k', 2_500_000 -> '2.5M'; counts under 10,000 as they are."""
    if n is None:
        return unknown
    if n < 10_000:
        return str(n)
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.1f}M"


def plural(n: int, word: str, plural_word: str | None = None) -> str:
    """'1 chunk', '3 chunks' ('2 children' with `plural_word`)."""
    return f"{n} {word if n == 1 else (plural_word or word + 's')}"


def utc_now() -> datetime:
    """The current time, timezone-aware (the default clock of `ago`)."""
    return datetime.now(UTC)


def ago(when: datetime | None, now: datetime | None = None, *, unknown: str = "-") -> str:
    """'12s ago', '5m ago', '3h ago', '2d ago'; 'just now' under a second (or in the future)."""
    if when is None:
        return unknown
    seconds = int(((now or utc_now()) - when).total_seconds())
    if seconds < 1:
        return "just now"
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds}s ago"


def short_time(when: datetime | None, *, unknown: str = "-") -> str:
    """UTC 'YYYY-MM-DD HH:MM' (the CLI's times: the same on every machine)."""
    return when.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if when else unknown


def local_time(when: datetime | None, *, unknown: str = "-") -> str:
    """Local 'YYYY-MM-DD HH:MM' (the TUI's times: the reader's clock)."""
    return when.astimezone().strftime("%Y-%m-%d %H:%M") if when else unknown


def home_to_tilde(text: str) -> str:
    """Every occurrence of the home directory shown as `~` (display only)."""
    home = os.path.expanduser("~")
    if home in ("", "/"):
        return text
    return text.replace(home + os.sep, "~" + os.sep).replace(home, "~")


def tilde_path(path: str | Path) -> str:
    """A path that starts in the home directory shown as `~/...`."""
    text = str(path)
    home = os.path.expanduser("~")
    if home not in ("", "/") and (text == home or text.startswith(home + os.sep)):
        text = "~" + text[len(home) :]
    return text


def reason_without_path(message: str, path: str) -> str:
    """A store message about `path` without the path: `path:3: bad` -> `line 3: bad`;
    elsewhere in the message the path is shortened to `~/...`."""
    if message.startswith(path + ":"):
        rest = message[len(path) + 1 :]
        number, sep, tail = rest.partition(":")
        if sep and number.isdigit():
            return f"line {number}:{tail}"
        return rest.lstrip()
    return message.replace(path, tilde_path(path))
