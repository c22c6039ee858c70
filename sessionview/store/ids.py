"""Session ids come from users and from files; they are never paths.

An id is matched against the ids of listed rows, never joined onto a directory by
the lookup, so it may hold `/`, `?`, `<` or `>`: nanobot's keys do
(`slack:C123/thread:456?x=<1>`). What is refused is what could only be meant as a
path escape: an absolute path, a `..` segment, `~`, and control characters.
"""

from __future__ import annotations

import re

from sessionview.store.errors import PersistenceError

_SEGMENTS = re.compile(r"[/\\]")


def is_path_escape(value: str) -> bool:
    """Whether `value` reads as a path that leaves a directory (`/etc/x`, `../x`, `a/../../x`, `~/x`)."""
    if value.startswith(("/", "\\", "~")):
        return True
    return any(part == ".." for part in _SEGMENTS.split(value))


def validate_session_id(value: str) -> str:
    """Return the id unchanged, or raise a one-line error when it could name a path.

    Refused: empty, `.`/`..`, a path escape (`is_path_escape`), NUL or control characters.
    """
    if not isinstance(value, str) or not value.strip():
        raise PersistenceError("empty session id")
    if (
        value in (".", "..")
        or is_path_escape(value)
        or any(ord(ch) < 32 or ord(ch) == 127 for ch in value)
    ):
        raise PersistenceError(f"invalid session id {value!r}: an id is never a path")
    if len(value) > 512:
        raise PersistenceError("invalid session id: longer than 512 characters")
    return value


def validate_file_stem(value: str) -> str:
    """`validate_session_id`, plus no separator at all: for ids that name a file (OpenRath's)."""
    validate_session_id(value)
    if _SEGMENTS.search(value):
        raise PersistenceError(f"invalid session id {value!r}: an id is never a path")
    return value


def validate_session_ref(value: str) -> str:
    """An id as the commands take it: a bare id (`validate_session_id`), or a qualified
    one, `id@folder/...` (see `qualify`), which names a listed row and is never opened
    as a path: its folder part may not hold an empty, `.` or `..` part either.
    """
    validate_session_id(value)
    if "@" in value and "/" in value:
        parts = value.replace("@", "/").split("/")
        if any(part in ("", ".", "..") for part in parts):
            raise PersistenceError(f"invalid session id {value!r}: an id is never a path")
    return value
