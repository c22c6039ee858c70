"""Session ids come from users and from files; they are never paths."""

from __future__ import annotations

from sessionview.store.errors import PersistenceError

_FORBIDDEN = set("/\\\0\n\r\t")


def validate_session_id(value: str) -> str:
    """Return the id unchanged, or raise a one-line error when it could name a path.

    Refused: empty, `.`/`..`, anything with a path separator, NUL or control characters.
    """
    if not isinstance(value, str) or not value.strip():
        raise PersistenceError("empty session id")
    if value in (".", "..") or any(ch in _FORBIDDEN or ord(ch) < 32 for ch in value):
        raise PersistenceError(f"invalid session id {value!r}: an id is never a path")
    if len(value) > 512:
        raise PersistenceError("invalid session id: longer than 512 characters")
    return value


def validate_session_ref(value: str) -> str:
    """An id as the commands take it: a bare id (`validate_session_id`), or a qualified
    one, `id@folder/...` (see `qualify`), which names a listed row and is never opened
    as a path: refused when it starts with `/`, has an empty, `.` or `..` part, a
    backslash, NUL or control characters.
    """
    if not isinstance(value, str) or "@" not in value or "/" not in value:
        return validate_session_id(value)
    if (
        len(value) > 4096
        or any(part in ("", ".", "..") for part in value.replace("@", "/").split("/"))
        or any(ch in _FORBIDDEN - {"/"} or ord(ch) < 32 for ch in value)
    ):
        raise PersistenceError(f"invalid session id {value!r}: an id is never a path")
    return value
