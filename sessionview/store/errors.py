"""The one error type the store raises for bad session data.

Every reader in the store turns I/O failures and malformed content into a
`PersistenceError` whose message is one line naming the file (and the line,
where there is one), so callers can print it as is: no traceback, no guessing.
"""

from __future__ import annotations


class PersistenceError(Exception):
    """A session file cannot be read or does not follow its format."""


class SessionNotFound(PersistenceError):
    """No session matches an id (or id prefix)."""


class AmbiguousSessionId(PersistenceError):
    """An id prefix matches more than one session."""


class SessionBusy(PersistenceError):
    """The session's writer is alive, so it must not be deleted or pruned."""
