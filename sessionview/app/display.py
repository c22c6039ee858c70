"""The TUI's flavour of `sessionview.render`: its placeholder, screen-safe paths and
reasons, and cuts measured in terminal cells (rich's `cell_len`, hence here, not in render).

The rules (which characters are escaped, how ages and sizes read) live in
`sessionview.render`; this module only fixes the TUI's choices on top of them.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from rich.cells import cell_len

from sessionview.render import humanize
from sessionview.render.safe import screen_text

#: What the TUI shows for a value it does not have.
UNKNOWN = "–"


def ago(when: datetime | None, now: datetime) -> str:
    return humanize.ago(when, now, unknown=UNKNOWN)


def human_count(n: int | None) -> str:
    return humanize.human_count(n, unknown=UNKNOWN)


def local_time(when: datetime | None) -> str:
    return humanize.local_time(when, unknown=UNKNOWN)


def short_path(path: str | Path) -> str:
    """A path with the home directory shown as `~`, made safe to display."""
    return screen_text(humanize.tilde_path(path))


def reason_text(message: str, path: str) -> str:
    """A store message about `path` without the path (`path:3: bad` -> `line 3: bad`), safe."""
    return screen_text(humanize.reason_without_path(message, path))


def without_path(message: str, path: str) -> str:
    """A store error message with the file's full path shortened to `~/...`, safe."""
    return screen_text(message.replace(path, humanize.tilde_path(path)))


def keep_end(text: str, width: int) -> str:
    """`text` cut from the left to `width` cells (a path's file name matters most)."""
    if width < 8 or cell_len(text) <= width:
        return text
    while cell_len(text) > width - 1:
        text = text[1:]
    return "…" + text
