"""A transcript rendered with the Line API: only the rows on screen are ever built.

Each chunk is measured once (in a worker) into a width-independent `Measure`: how
many of its lines are short, and the cell length of each long one. The rows a chunk
takes at a given width follow from that arithmetically, so a resize re-lays out
50,000 chunks in milliseconds and opening one never wraps text that is off screen.
Rows are built on demand from `chunk_lines` and kept in LRU caches.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from itertools import accumulate
from math import ceil

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from sessionview.render.chunk_text import LINE_LIMIT, Line, chunk_lines, has_cut
from sessionview.store.model import Chunk

SHORT = 20
MIN_WIDTH = SHORT + 1
STYLE_NAMES = (
    "system",
    "system-head",
    "user",
    "user-head",
    "assistant",
    "assistant-head",
    "tool-call",
    "tool-call-head",
    "tool-result",
    "tool-result-head",
    "meta",
    "meta-head",
    "marker",
    "blank",
    "find",
    "hit",
)


@dataclass(frozen=True, slots=True)
class Measure:
    """A chunk's shape: `short` lines of at most SHORT cells, and the long ones' cells."""

    short: int
    long_ascii: tuple[int, ...]
    long_wide: tuple[int, ...]

    def rows(self, width: int) -> int:
        total = self.short
        for cells in self.long_ascii:
            total += ceil(cells / width)
        for cells in self.long_wide:
            total += ceil(cells / (width - 1))
        return total


def measure(chunk: Chunk, expanded: bool = False) -> Measure:
    """Width-independent shape of a chunk's block (run it in a worker for big sessions)."""
    short = 0
    long_ascii: list[int] = []
    long_wide: list[int] = []
    for line in chunk_lines(chunk, expanded=expanded):
        text = line.text + line.marker
        if text.isascii():
            cells = len(text)
            if cells > SHORT:
                long_ascii.append(cells)
            else:
                short += 1
        else:
            cells = cell_len(text)
            if cells > SHORT:
                long_wide.append(cells)
            else:
                short += 1
    return Measure(short, tuple(long_ascii), tuple(long_wide))


def _wrap(text: str, width: int) -> list[str]:
    if text.isascii():
        if len(text) <= width:
            return [text]
        return [text[i : i + width] for i in range(0, len(text), width)]
    cells = cell_len(text)
    if cells <= SHORT:
        return [text]
    if cells <= width:
        return [text]
    pieces = chop_cells(text, width)
    want = ceil(cells / (width - 1))
    # Greedy pieces hold at least width-1 cells, so there are never more than `want`.
    return pieces + [""] * (want - len(pieces))


class TranscriptView(ScrollView, can_focus=True):
    """Chunks as styled blocks; follows the end while `following` is true."""

    COMPONENT_CLASSES = {f"transcript--{name}" for name in STYLE_NAMES}
    DEFAULT_CSS = """
    TranscriptView {
        background: $surface;
        & > .transcript--system-head { color: $sv-system; text-style: bold; }
        & > .transcript--system { color: $text-muted; }
        & > .transcript--user-head { color: $sv-user; text-style: bold; }
        & > .transcript--user { color: $text; }
        & > .transcript--assistant-head { color: $sv-assistant; text-style: bold; }
        & > .transcript--assistant { color: $text; }
        & > .transcript--tool-call-head { color: $sv-tool; text-style: bold; }
        & > .transcript--tool-call { color: $text-muted; }
        & > .transcript--tool-result-head { color: $sv-tool-result; text-style: bold; }
        & > .transcript--tool-result { color: $text-muted; }
        & > .transcript--meta-head { color: $warning; text-style: bold; }
        & > .transcript--meta { color: $text-disabled; }
        & > .transcript--marker { color: $warning; text-style: italic; }
        & > .transcript--blank { color: $text; }
        & > .transcript--find, & > .transcript--hit {
            background: $warning; color: $background; text-style: bold;
        }
    }
    """
    BINDINGS = [
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("pageup,b", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        # ScrollView binds `end` to a plain scroll_end; here it is the screen's follow
        # (the README and the status line say so), which knows whether the session can
        # still grow: a closed one is only scrolled to its end.
        Binding("end,G", "screen.follow", "End (follow)", show=False),
    ]

    #: Rows stay pinned to the bottom while true; scrolling up sets it false.
    following: reactive[bool] = reactive(False)
    #: Chunks that arrived while not following.
    unseen: reactive[int] = reactive(0)

    class FollowChanged(Message):
        def __init__(self, view: TranscriptView, following: bool, unseen: int) -> None:
            super().__init__()
            self.view = view
            self.following = following
            self.unseen = unseen

        @property
        def control(self) -> TranscriptView:
            return self.view

    def __init__(self, *, limit: int = LINE_LIMIT, **kwargs) -> None:
        super().__init__(**kwargs)
        self.limit = limit
        self.chunks: list[Chunk] = []
        self._measures: list[Measure] = []
        self._offsets: list[int] = [0]
        self._expanded: set[int] = set()
        self._width = 0
        self._rows_cache: LRUCache[tuple[int, int], list[list[tuple[str, str]]]] = LRUCache(512)
        self._strip_cache: LRUCache[tuple[int, int], Strip] = LRUCache(1024)
        self._styles: dict[str, Style] = {}
        self._auto_scrolling = False
        #: What `/` looks for (lower-cased); matches on screen are highlighted.
        self._find = ""
        #: Where a search hit's words are highlighted: `line text -> [(start, end)]`
        #: (the search's own matching rule, so the words it found are the ones marked).
        self._hit_spans: Callable[[str], list[tuple[int, int]]] | None = None

    # ------------------------------------------------------------------ data
    def set_chunks(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        self.chunks = list(chunks)
        self._measures = list(measures)
        self._relayout()
        if self.following:
            self._stick()

    def append_chunks(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        if not chunks:
            return
        self.chunks.extend(chunks)
        self._measures.extend(measures)
        width = self._wrap_width()
        last = self._offsets[-1]
        for m in measures:
            last += m.rows(width)
            self._offsets.append(last)
        self.virtual_size = Size(width, last)
        if self.following:
            self._stick()
        else:
            self.unseen += len(chunks)
        self.refresh()

    def replace_chunks(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        """The file was rewritten whole (nanobot, snapshots): show `chunks` instead,
        keeping the scroll position (or the end, while following)."""
        old = self.chunks
        if len(chunks) >= len(old) and chunks[: len(old)] == old:
            self.append_chunks(chunks[len(old) :], measures[len(old) :])
            return
        self.chunks = list(chunks)
        self._measures = list(measures)
        self._expanded = {i for i in self._expanded if i < len(chunks)}
        y = self.scroll_y
        self._relayout(keep_top_chunk=False)
        if self.following:
            self._stick()
        else:
            self.scroll_to(y=min(y, max(0, self.total_rows - self.size.height)), animate=False)

    @property
    def total_rows(self) -> int:
        return self._offsets[-1]

    # ---------------------------------------------------------------- layout
    def _wrap_width(self) -> int:
        width = self.scrollable_content_region.width or self.size.width or 80
        return max(MIN_WIDTH, width)

    def _relayout(self, keep_top_chunk: bool = True) -> None:
        width = self._wrap_width()
        self._width = width
        top_chunk = self._chunk_at(int(self.scroll_y)) if self.chunks else 0
        self._offsets = [0, *accumulate(m.rows(width) for m in self._measures)]
        self._rows_cache.clear()
        self._strip_cache.clear()
        self.virtual_size = Size(width, self._offsets[-1])
        if keep_top_chunk and not self.following and self.chunks:
            self.scroll_to(y=self._offsets[top_chunk], animate=False)
        self.refresh()

    def on_resize(self) -> None:
        if self._wrap_width() != self._width:
            self._relayout()
            if self.following:
                self._stick()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._strip_cache.clear()

    def _chunk_at(self, y: int) -> int:
        return max(0, min(len(self.chunks) - 1, bisect_right(self._offsets, y) - 1))

    def visible_chunks(self) -> range:
        if not self.chunks:
            return range(0)
        top = self._chunk_at(int(self.scroll_y))
        bottom = self._chunk_at(int(self.scroll_y) + self.size.height - 1)
        return range(top, bottom + 1)

    def toggle_expand(self) -> int:
        """Expand (or fold again) the cut lines and folded tool results of the chunks on
        screen; returns how many changed (0, and the view stays put, when none hides
        anything)."""
        visible = [
            i
            for i in self.visible_chunks()
            if i in self._expanded or has_cut(self.chunks[i], limit=self.limit)
        ]
        if not visible:
            return 0
        fold = all(i in self._expanded for i in visible)
        for i in visible:
            if fold:
                self._expanded.discard(i)
            else:
                self._expanded.add(i)
            self._measures[i] = measure(self.chunks[i], i in self._expanded)
        self._relayout()
        return len(visible)

    def _unfold(self, index: int) -> None:
        """Expand chunk `index` to show a match hidden in a cut line or a folded tool
        result (the view is laid out again; the caller scrolls to the match)."""
        self._expanded.add(index)
        self._measures[index] = measure(self.chunks[index], True)
        self._relayout(keep_top_chunk=False)

    # ----------------------------------------------------------------- find
    def set_find(self, query: str) -> None:
        """Highlight `query` (case-insensitive) in the rows on screen; "" clears it."""
        self._find = query.lower()
        self._strip_cache.clear()
        self.refresh()

    # ------------------------------------------------------------ search hits
    def set_hit_spans(self, spans: Callable[[str], list[tuple[int, int]]] | None) -> None:
        """Highlight, in every line, the spans `spans(line text)` gives (the words a
        search matched); None clears it."""
        self._hit_spans = spans
        self._rows_cache.clear()
        self._strip_cache.clear()
        self.refresh()

    def hit_row(self, index: int) -> int | None:
        """The first row (absolute) of chunk `index` showing a highlighted hit; a hit
        hidden in a cut line or a folded tool result unfolds its chunk. None when the
        chunk shows none (its match is in text the transcript does not show)."""
        if not 0 <= index < len(self.chunks) or self._hit_spans is None:
            return None
        rows = self._chunk_rows(index, self._width)
        found = next((n for n, parts in enumerate(rows) if any(s == "hit" for _, s in parts)), None)
        if (
            found is None
            and index not in self._expanded
            and has_cut(self.chunks[index], limit=self.limit)
        ):
            self._unfold(index)
            return self.hit_row(index)
        return None if found is None else self._offsets[index] + found

    def show_hit(self, index: int) -> None:
        """Scroll to chunk `index`'s first highlighted hit: the chunk's top at the top
        when the hit is then on screen, else the hit a third of the way down."""
        if not self.chunks:
            return
        index = max(0, min(index, len(self.chunks) - 1))
        self.following = False
        row = self.hit_row(index)
        top = self._offsets[index]
        height = self.scrollable_content_region.height or self.size.height or 1
        if row is None or row - top < height - 1:
            self.scroll_to(y=top, animate=False, immediate=True)
        else:
            self.show_row(row)

    def _match_rows(self, index: int) -> list[int]:
        """The rows (absolute) of chunk `index` that show the find text."""
        rows = self._chunk_rows(index, self._width)
        top = self._offsets[index]
        needle = self._find
        return [
            top + n
            for n, parts in enumerate(rows)
            if needle in "".join(t for t, _ in parts).lower()
        ]

    def next_match(self, chunks: list[int], after: float, forward: bool = True) -> int | None:
        """The first row after (or before) row `after` that shows the find text, among
        the chunks `chunks` (sorted indices whose text holds it); wraps around. A match
        hidden in a cut line or a folded tool result unfolds its chunk."""
        if not chunks or not self._find or not self.chunks:
            return None
        start = self._chunk_at(int(after)) if after >= 0 else -1
        at = bisect_right(chunks, start)  # chunks[:at] are at or before `start`
        current = [start] if at and chunks[at - 1] == start else []
        before = chunks[: at - len(current)]
        if forward:
            order = current + chunks[at:] + before + current
        else:
            order = current + before[::-1] + chunks[at:][::-1] + current
        for visit, index in enumerate(order):
            if index >= len(self.chunks):
                continue
            rows = self._match_rows(index)
            if not rows and index not in self._expanded:
                self._unfold(index)
                rows = self._match_rows(index)
            if visit == 0 and current:  # the chunk `after` is in: only rows past it
                rows = [r for r in rows if (r > after if forward else r < after)]
            if rows:
                return rows[0] if forward else rows[-1]
        return None

    def show_row(self, row: int) -> None:
        """Scroll so that `row` is on screen, a third of the way down; stop following."""
        self.following = False
        self.scroll_to(y=max(0, row - self.size.height // 3), animate=False)

    # ------------------------------------------------------------ scrolling
    def action_page_up(self) -> None:
        self.scroll_page_up(animate=False)

    def action_page_down(self) -> None:
        self.scroll_page_down(animate=False)

    def action_scroll_home(self) -> None:
        self.scroll_home(animate=False)

    # ------------------------------------------------------------ following
    def _stick(self) -> None:
        self._auto_scrolling = True
        self.scroll_to(
            y=max(0, self.total_rows - self.scrollable_content_region.height), animate=False
        )
        self.call_after_refresh(self._stick_done)

    def _stick_done(self) -> None:
        self.scroll_end(animate=False, immediate=True)
        self._auto_scrolling = False

    def resume_following(self) -> None:
        self.unseen = 0
        self.following = True
        self._stick()

    def pause_following(self) -> None:
        self.following = False

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if self._auto_scrolling or not self.chunks:
            return
        if new_value < old_value and self.following and new_value < self.max_scroll_y:
            # The user scrolled up. (A layout that clamps scroll_y to a new, smaller
            # max_scroll_y also lowers it, but leaves the view at the end: keep following.)
            self.following = False
        elif new_value >= self.max_scroll_y and not self.following and self.unseen:
            self.unseen = 0
            self.following = True

    def watch_following(self, value: bool) -> None:
        self.post_message(self.FollowChanged(self, value, self.unseen))

    def watch_unseen(self, value: int) -> None:
        self.post_message(self.FollowChanged(self, self.following, value))

    # -------------------------------------------------------------- render
    def _style(self, name: str) -> Style:
        style = self._styles.get(name)
        if style is None:
            style = self.get_component_rich_style(f"transcript--{name}")
            self._styles[name] = style
        return style

    def _chunk_rows(self, index: int, width: int) -> list[list[tuple[str, str]]]:
        key = (index, width)
        rows = self._rows_cache.get(key)
        if rows is not None:
            return rows
        rows = []
        spans = self._hit_spans
        for line in chunk_lines(
            self.chunks[index], expanded=index in self._expanded, limit=self.limit
        ):
            line_rows = _line_rows(line, width)
            if spans is not None and line.text:
                found = spans(line.text)
                if found:
                    line_rows = _mark_hits(line_rows, found)
            rows.extend(line_rows)
        want = self._offsets[index + 1] - self._offsets[index]
        if len(rows) < want:
            rows += [[("", "blank")]] * (want - len(rows))
        self._rows_cache[key] = rows
        return rows

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        row = scroll_y + y
        width = self.size.width
        if row >= self.total_rows or not self.chunks:
            return Strip.blank(width, self.rich_style)
        key = (row, width)
        strip = self._strip_cache.get(key)
        if strip is None:
            index = self._chunk_at(row)
            rows = self._chunk_rows(index, self._width)
            parts = (
                rows[row - self._offsets[index]] if row - self._offsets[index] < len(rows) else []
            )
            base = self.rich_style
            if self._find:
                parts = _highlight(parts, self._find)
            segments = [Segment(text, base + self._style(style)) for text, style in parts if text]
            strip = Strip(segments).extend_cell_length(width, base)
            self._strip_cache[key] = strip
        return strip.crop(scroll_x, scroll_x + width)


def _line_rows(line: Line, width: int) -> list[list[tuple[str, str]]]:
    """A logical line as wrapped rows of (text, style) parts; the cut marker is styled apart."""
    text = line.text + line.marker
    pieces = _wrap(text, width)
    if not line.marker:
        return [[(piece, line.style)] for piece in pieces]
    rows: list[list[tuple[str, str]]] = []
    body_left = len(line.text)
    for piece in pieces:
        if body_left >= len(piece):
            rows.append([(piece, line.style)])
            body_left -= len(piece)
        elif body_left > 0:
            rows.append([(piece[:body_left], line.style), (piece[body_left:], "marker")])
            body_left = 0
        else:
            rows.append([(piece, "marker")])
    return rows


def _mark_hits(
    rows: list[list[tuple[str, str]]], spans: list[tuple[int, int]]
) -> list[list[tuple[str, str]]]:
    """A line's rows with the characters inside `spans` (offsets in the line's text,
    which the rows' parts spell out in order) split out as "hit"."""
    out: list[list[tuple[str, str]]] = []
    at = 0  # offset of the current part in the line
    for row in rows:
        new_row: list[tuple[str, str]] = []
        for text, style in row:
            end = at + len(text)
            pos = at
            if style != "marker":
                for s, e in spans:
                    if e <= pos or s >= end:
                        continue
                    s = max(s, pos)
                    if s > pos:
                        new_row.append((text[pos - at : s - at], style))
                    stop = min(e, end)
                    new_row.append((text[s - at : stop - at], "hit"))
                    pos = stop
            if pos < end or not text:
                new_row.append((text[pos - at :], style))
            at = end
        out.append(new_row)
    return out


def _highlight(parts: list[tuple[str, str]], needle: str) -> list[tuple[str, str]]:
    """`parts` with every occurrence of `needle` (lower-case) split out as "find"."""
    out: list[tuple[str, str]] = []
    for text, style in parts:
        lower = text.lower()
        if needle not in lower or len(lower) != len(text):
            out.append((text, style))
            continue
        start = 0
        while (found := lower.find(needle, start)) >= 0:
            out.append((text[start:found], style))
            out.append((text[found : found + len(needle)], "find"))
            start = found + len(needle)
        out.append((text[start:], style))
    return out
