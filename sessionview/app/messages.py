"""Messages that cross widgets and screens (a widget's own messages live in the widget).

Two kinds:

* **Requests**: a screen asks the App to act (`self.post_message(DeleteRequested(...))`);
  the message bubbles from the screen to the App, which handles it with `@on`. Screens
  read App state (config, rows) but never call the App's methods to act.
* **Results**: the App's workers and the file watcher report back with these (messages are
  thread-safe to post); tests can wait for them or for their effect.

Fields are set once, when posted: handlers read them and never change them (the one
exception is `SessionsChanged.can_replace`, which folds a superseded batch into the next).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from sessionview.app.remote_rows import RemoteTrash
from sessionview.sorting import SortOrder
from sessionview.store.actions import TrashEntry
from sessionview.store.model import SessionInfo

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionview.app.screens.search import HitQuery

# ---------------------------------------------------------------- requests


@dataclass
class OpenRequested(Message):
    """Open a session's transcript (or, when corrupt, why it cannot be read).

    `at_chunk`: open it scrolled to that chunk and not following (a search hit);
    `hits`: the session's other hits, stepped through with `n`/`N`; `search`: the query
    whose words are highlighted and which finds the session's other hits."""

    info: SessionInfo
    at_chunk: int | None = None
    hits: tuple[int, ...] = ()
    search: HitQuery | None = None


@dataclass
class DeleteRequested(Message):
    """Move these sessions to the trash, after a confirmation (running ones are skipped)."""

    sessions: tuple[SessionInfo, ...]


@dataclass
class UndoRequested(Message):
    """Restore what the last delete (or prune) moved to the trash."""


@dataclass
class RestoreRequested(Message):
    """Restore these trash entries (the trash screen's `r`)."""

    entries: tuple[TrashEntry, ...]


@dataclass
class PruneRequested(Message):
    """Open the prune dialog over this machine's sessions."""


@dataclass
class ResumeRequested(Message):
    """Resume a session with its agent (a running one asks first)."""

    info: SessionInfo


@dataclass
class CopyIdRequested(Message):
    """Copy a session's id to the clipboard."""

    info: SessionInfo


@dataclass
class PagerRequested(Message):
    """Open a session's raw file in `$PAGER`."""

    info: SessionInfo


@dataclass
class LineageRequested(Message):
    """Pick a parent or child of the highlighted session and jump to it."""


@dataclass
class TrashRequested(Message):
    """Open the trash."""


@dataclass
class SortChosen(Message):
    """The user chose the list's order: keep it in config.toml for the next start."""

    order: SortOrder


# ----------------------------------------------------------------- results


@dataclass
class SessionsChanged(Message):
    """The watcher or the liveness check re-read these paths in the index.

    A burst of these waiting in the App's queue is handled once: `can_replace` folds the
    earlier batch's paths into the next one, so the App re-applies the list once and
    still wakes every transcript whose file changed."""

    paths: tuple[str, ...] = ()

    def can_replace(self, message: Message) -> bool:
        """Textual asks this of a queued message when `message` is next in the queue:
        True drops this one, so its paths travel on in `message` (nothing is lost)."""
        if not isinstance(message, SessionsChanged):
            return False
        message.paths = tuple(dict.fromkeys((*self.paths, *message.paths)))
        return True


@dataclass
class ScanBatch(Message):
    """Rows found by the first scan, shown before it finishes."""

    infos: list[SessionInfo]
    seen: int
    total: int


@dataclass
class ScanDone(Message):
    """The first scan finished: the index holds every session."""


@dataclass
class HostsChanged(Message):
    """A remote host's rows or connection state changed (see sessionview.remote.live).

    It carries nothing (the App reads the feeds), so a queued burst is handled once."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, HostsChanged)


@dataclass
class SessionsDeleted(Message):
    """A delete or prune worker finished: what went to the trash, and what could not."""

    entries: list[TrashEntry | RemoteTrash] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


@dataclass
class SessionsRestored(Message):
    """A restore (undo, or the trash's `r`) finished."""

    restored: int
    failed: list[str] = field(default_factory=list)


@dataclass
class TrashExpired(Message):
    """The start-up expiry purged `purged` sessions kept longer than `days`."""

    purged: int
    days: int
