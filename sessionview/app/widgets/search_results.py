"""The search screen's result list: one widget drawing prepared lines (the Line API).

A list of 50 sessions with 10 excerpts each was 550 `Option`s in an `OptionList`;
replacing them on every keystroke (and laying them out) cost more than the query. Here
a new answer is a list of rows, each a few `(text, style)` parts prepared in the
worker that ran the query; only the rows on screen are turned into strips, so showing
an answer costs the same for 5 rows or 5,000. Text is drawn as `Segment`s: nothing in
it is ever read as markup.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

#: The parts' style names (component classes `search-results--NAME`).
STYLE_NAMES = ("session", "meta", "where", "text", "match", "more", "cursor")


@dataclass(frozen=True, slots=True)
class ResultRow:
    """One line of the list: terminal-safe `(text, style name)` parts; `hit` is the
    (session path, chunk) that `enter` opens, None for a session's header."""

    parts: tuple[tuple[str, str], ...]
    hit: tuple[str, int] | None = None


class SearchResults(ScrollView, can_focus=True):
    """Rows of an answer, a cursor on the hit rows, `enter` to open one."""

    COMPONENT_CLASSES = {f"search-results--{name}" for name in STYLE_NAMES}
    DEFAULT_CSS = """
    SearchResults {
        height: 1fr;
        overflow-x: hidden;
        background: $surface;
        & > .search-results--session { color: $text; text-style: bold; }
        & > .search-results--meta { color: $text-muted; }
        & > .search-results--where { color: $text-muted; }
        & > .search-results--text { color: $text; }
        & > .search-results--match { background: $warning; color: $background; text-style: bold; }
        & > .search-results--more { color: $text-muted; text-style: italic; }
        & > .search-results--cursor { background: $block-cursor-blurred-background; }
        &:focus > .search-results--cursor { background: $block-cursor-background; }
    }
    """
    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "last", "Last", show=False),
        Binding("enter", "open", "Open", show=False),
    ]

    #: Index (in `rows`) of the hit row under the cursor; -1: none.
    cursor: reactive[int] = reactive(-1, always_update=True)

    class Opened(Message):
        """`enter` on a hit row: open that session at that chunk."""

        def __init__(self, results: SearchResults, hit: tuple[str, int]) -> None:
            super().__init__()
            self.results = results
            self.hit = hit

        @property
        def control(self) -> SearchResults:
            return self.results

    class NearEnd(Message):
        """The cursor or the view reached the last rows: the screen may fetch more."""

        def __init__(self, results: SearchResults) -> None:
            super().__init__()
            self.results = results

        @property
        def control(self) -> SearchResults:
            return self.results

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: list[ResultRow] = []
        self._hit_rows: list[int] = []
        self._styles: dict[str, Style] = {}
        #: The tag of the rows set last, and of the rows last drawn on screen: a
        #: benchmark waits for `drawn` to become a query's tag.
        self.tag: object = None
        self.drawn: object = None
        self._painted: threading.Event | None = None

    # ------------------------------------------------------------------ data
    def set_rows(
        self,
        rows: list[ResultRow],
        tag: object = None,
        keep: object = None,
        painted: threading.Event | None = None,
    ) -> None:
        """Show `rows`; the cursor goes to the hit equal to `keep` if there is one.
        `painted` is set when the rows are drawn (a worker waiting to start a long
        query lets the paint go first)."""
        old_cursor = self.cursor
        self.rows = rows
        self.tag = tag
        if self._painted is not None:
            self._painted.set()  # superseded: nobody should wait for it any longer
        self._painted = painted
        self._hit_rows = [n for n, row in enumerate(rows) if row.hit is not None]
        self.virtual_size = Size(0, len(rows))
        cursor = -1
        if keep is not None:
            cursor = next((n for n in self._hit_rows if rows[n].hit == keep), -1)
        if cursor < 0 and self.has_focus and self._hit_rows:
            cursor = self._hit_rows[0]
        self.cursor = cursor
        if cursor < 0 or cursor != old_cursor:
            self.scroll_to(y=0 if cursor < 0 else self.scroll_y, animate=False, immediate=True)
        self.refresh()

    @property
    def current(self) -> tuple[str, int] | None:
        if 0 <= self.cursor < len(self.rows):
            return self.rows[self.cursor].hit
        return None

    # --------------------------------------------------------------- cursor
    def on_focus(self) -> None:
        if self.cursor < 0 and self._hit_rows:
            self.cursor = self._hit_rows[0]
        self.refresh()

    def on_blur(self) -> None:
        self.refresh()

    def watch_cursor(self, old: int, new: int) -> None:
        if new >= 0:
            # Keep the cursor row on screen (with its session header above it when
            # it is the session's first hit).
            height = self.scrollable_content_region.height or self.size.height or 1
            if new < self.scroll_y:
                header = new > 0 and self.rows[new - 1].hit is None
                self.scroll_to(y=max(0, new - header), animate=False, immediate=True)
            elif new >= self.scroll_y + height:
                self.scroll_to(y=new - height + 1, animate=False, immediate=True)
            if new >= len(self.rows) - height:
                self.post_message(self.NearEnd(self))
        self.refresh()

    def _on_a_hit(self) -> list[int] | None:
        """The hit rows, with the cursor put on the first when it is on none; None when
        there is nothing to move (no hits, or the cursor was just put there)."""
        hits = self._hit_rows
        if not hits:
            return None
        if self.cursor not in hits:
            self.cursor = hits[0]
            return None
        return hits

    def _move(self, steps: int) -> None:
        hits = self._on_a_hit()
        if hits is not None:
            at = hits.index(self.cursor)
            self.cursor = hits[max(0, min(len(hits) - 1, at + steps))]

    def action_cursor(self, steps: int) -> None:
        self._move(steps)

    def action_page(self, direction: int) -> None:
        height = self.scrollable_content_region.height or 1
        hits = self._on_a_hit()
        if hits is None:
            return
        target = self.cursor + direction * height
        if direction > 0:
            later = [n for n in hits if n >= target]
            self.cursor = later[0] if later else hits[-1]
        else:
            earlier = [n for n in hits if n <= target]
            self.cursor = earlier[-1] if earlier else hits[0]

    def action_first(self) -> None:
        if self._hit_rows:
            self.cursor = self._hit_rows[0]

    def action_last(self) -> None:
        if self._hit_rows:
            self.cursor = self._hit_rows[-1]

    def action_open(self) -> None:
        hit = self.current
        if hit is not None:
            self.post_message(self.Opened(self, hit))

    def on_click(self, event) -> None:
        row = int(self.scroll_y) + event.y
        if 0 <= row < len(self.rows) and self.rows[row].hit is not None:
            self.cursor = row
            if event.chain >= 2:
                self.action_open()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        height = self.scrollable_content_region.height or 1
        if self.rows and new_value + 2 * height >= len(self.rows):
            self.post_message(self.NearEnd(self))

    # --------------------------------------------------------------- render
    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"search-results--{name}")
            self._styles[name] = style
        return style

    def render_line(self, y: int) -> Strip:
        self.drawn = self.tag
        if self._painted is not None:
            self._painted.set()
            self._painted = None
        row_number = int(self.scroll_y) + y
        width = self.scrollable_content_region.width or self.size.width
        base = self.rich_style
        if row_number >= len(self.rows):
            return Strip.blank(width, base)
        row = self.rows[row_number]
        if row_number == self.cursor:
            base = base + self._style("cursor")
        segments = [Segment(text, base + self._style(name)) for text, name in row.parts if text]
        # One strip, cut or padded to the width here (every crop or pad of a Strip is a
        # new Strip with its caches: a repaint of the list is a screenful of lines).
        if Segment.get_line_length(segments) > width:  # the excerpt goes on: say so
            segments = Segment.adjust_line_length(segments, width - 1, base)
            segments.append(Segment("…", base))
        else:
            segments = Segment.adjust_line_length(segments, width, base)
        return Strip(segments, width)
