"""Messages that cross widgets and screens (a widget's own messages live in the widget)."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.message import Message

from sessionview.store.model import SessionInfo


@dataclass
class SessionsChanged(Message):
    """The index changed: some files were re-read, some are gone, a scan made progress."""

    paths: list[str] = field(default_factory=list)
    #: Set while the first scan is running: (sessions seen, candidate files).
    progress: tuple[int, int] | None = None
    scan_done: bool = False


@dataclass
class HostsChanged(Message):
    """A remote host's rows or connection state changed (see sessionview.remote.live)."""


@dataclass
class ScanBatch(Message):
    """Rows found by the first scan, shown before it finishes."""

    infos: list[SessionInfo]
    seen: int
    total: int
