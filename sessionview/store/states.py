"""A session's states, the one list of them: the record classes, the CLI's choices
and the listing all take it from here.

Its own module so that naming the states (a CLI's `--state` help) costs no import
of the record classes (`model`, with `dataclasses` and `inspect`).
"""

from __future__ import annotations

from enum import StrEnum


class SessionState(StrEnum):
    """What the evidence on disk says about a session."""

    RUNNING = "running"
    CRASHED = "crashed"
    CLOSED = "closed"
    CORRUPT = "corrupt"


#: Every state's name, in `SessionState`'s order.
STATE_NAMES = tuple(state.value for state in SessionState)
