"""One session's transcript; follows a running session as its writer appends."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.timer import Timer
from textual.widgets import Footer, Input, Static
from textual.worker import get_current_worker

from sessionview.app.display import human_count, keep_end, short_path
from sessionview.app.messages import CopyIdRequested, PagerRequested, ResumeRequested
from sessionview.app.screens.base import SessionViewScreen
from sessionview.app.widgets.session_table import session_key
from sessionview.app.widgets.transcript_view import Measure, TranscriptView, measure
from sessionview.render.chunk_text import chunk_lines
from sessionview.render.humanize import human_bytes, plural
from sessionview.render.safe import first_line, screen_text
from sessionview.store.errors import PersistenceError
from sessionview.store.follow import (
    ChunksAppended,
    FollowEnded,
    Follower,
    FollowEvent,
    FollowReset,
)
from sessionview.store.formats import get_adapter
from sessionview.store.model import Chunk, SessionInfo, SessionState

if TYPE_CHECKING:
    from sessionview.app.screens.search import HitQuery

#: How often the tail worker looks at the file when no watcher event wakes it
#: (with the watcher on, it only guards against a missed event).
POLL_FALLBACK = 0.25
POLL_FALLBACK_WATCHING = 2.0
#: Without the watcher, a session that is not running is looked at this often.
POLL_IDLE = 2.0
#: With nothing to poll, the follow thread still checks this often whether it should stop.
IDLE_WAIT = 5.0
#: A session file at least this big gets a quick first view (its first chunks, or its
#: last ones when following) while the whole file is read behind it.
QUICK_VIEW_BYTES = 4 << 20
QUICK_VIEW_CHUNKS = 300
#: Seconds of quiet typing before the find box searches.
FIND_DEBOUNCE = 0.15


class TranscriptScreen(SessionViewScreen):
    """Every chunk as a block; `f`/`end` follow, `x` expands cut lines, `escape` goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f", "toggle_follow", "Follow on/off"),
        Binding("end", "follow", "Follow (end)", show=False),
        Binding("slash", "find", "Find"),
        Binding("n", "find_next", "Next match", show=False),
        Binding("N", "find_previous", "Previous match", show=False),
        Binding("x", "expand", "Expand", show=False),
        Binding("r", "resume", "Resume"),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("o", "pager", "Pager", show=False),
        Binding("e", "export", "Export", show=False),
    ]

    #: The search hit (chunk) shown last: `n`/`N` go on from it, the status line says
    #: which of how many it is. None: none yet.
    hit_at: var[int | None] = var(None, init=False)

    # The load/follow worker's results, handled by this screen (they do not bubble).
    class QuickView(Message, bubble=False):
        """A huge session's first (or last) chunks, shown while the rest is read."""

        def __init__(self, chunks: list[Chunk], measures: list[Measure]) -> None:
            super().__init__()
            self.chunks = chunks
            self.measures = measures

    class Loaded(Message, bubble=False):
        """Every chunk written so far: the transcript is loaded; following starts."""

        def __init__(self, chunks: list[Chunk], measures: list[Measure]) -> None:
            super().__init__()
            self.chunks = chunks
            self.measures = measures

    class LoadFailed(Message, bubble=False):
        """The worker failed (before the load: it cannot open; after: following stops)."""

        def __init__(self, error: str) -> None:
            super().__init__()
            self.error = error

    class Found(Message, bubble=False):
        """The find worker's chunks holding `query` so far (`done`: all of them)."""

        def __init__(self, query: str, chunks: list[int], done: bool) -> None:
            super().__init__()
            self.query = query
            self.chunks = chunks
            self.done = done

    class HitsFound(Message, bubble=False):
        """Every chunk of the session in which the search matched."""

        def __init__(self, chunks: list[int]) -> None:
            super().__init__()
            self.chunks = chunks

    def __init__(
        self,
        info: SessionInfo,
        *,
        follow: bool = True,
        start_chunk: int | None = None,
        hits: tuple[int, ...] | list[int] = (),
        search: HitQuery | None = None,
    ) -> None:
        """`start_chunk`: open scrolled to that chunk (a search hit); `hits`: the
        session's other hits, stepped through with `n`/`N`; `search`: the query whose
        words are highlighted, and where the rest of the session's hits come from."""
        super().__init__()
        self.info = info
        self.start_chunk = start_chunk
        self.hits = sorted(set(hits) | ({start_chunk} if start_chunk is not None else set()))
        self.search = search
        self.follow_wanted = follow
        self.loaded = False
        self.quick = 0  # chunks in the quick first view of a huge session, until loaded
        self.ended: str | None = None
        self.load_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._follower: Follower | None = None
        #: Running when opened, or chunks arrived since: its end is announced.
        self._saw_running = info.state is SessionState.RUNNING
        #: Find (`/`): the text, the sorted indices of the chunks holding it, whether
        #: the search is still running, and the row of the match last shown.
        self.find_query = ""
        self.find_chunks: list[int] = []
        self.find_done = True
        self._find_row = -1.0
        self._find_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="transcript-title")
        yield TranscriptView(id="transcript")
        yield Input(placeholder="find (enter: keep, n/N: next/previous, esc: clear)", id="find")
        yield Static(id="transcript-status")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.following = self.follow_wanted and self.info.state is SessionState.RUNNING
        view.loading = True
        view.focus()
        self._render_title()
        self._render_status()
        self._load()

    def on_unmount(self) -> None:
        self.stop_following()

    # ---------------------------------------------------------------- load
    @work(thread=True, exclusive=True, exit_on_error=False, group="transcript-load")
    def _load(self) -> None:
        """`_load_and_follow`; whatever it raises is shown in the screen (a worker that
        died silently would leave it "loading" forever)."""
        try:
            self._load_and_follow()
        except Exception as exc:
            self.post_message(self.LoadFailed(" ".join(f"{type(exc).__name__}: {exc}".split())))

    def _load_and_follow(self) -> None:
        """Read the transcript, then keep it current until the screen goes away.

        One `Follower` (the CLI's `show --follow` uses the same) does both: its first
        poll reads the file, later polls report appended chunks, a reset, or the end.
        """
        info = self.info
        following = self.follow_wanted and info.state is SessionState.RUNNING
        if info.bytes >= QUICK_VIEW_BYTES:
            adapter = get_adapter(info.format)
            slice_of = adapter.last_chunks if following else adapter.first_chunks
            quick = slice_of(Path(info.path), QUICK_VIEW_CHUNKS)  # [] when it has no cheap way
            if quick and not get_current_worker().is_cancelled:
                self.post_message(self.QuickView(quick, [measure(c) for c in quick]))
        follower = Follower(info)
        try:
            (first,) = follower.poll()
        except PersistenceError as exc:
            self.post_message(self.LoadFailed(str(exc)))
            return
        assert isinstance(first, ChunksAppended)
        chunks = list(first.chunks)
        measures = [measure(c) for c in chunks]
        if get_current_worker().is_cancelled:
            return
        self._follower = follower
        self.post_message(self.Loaded(chunks, measures))
        while not follower.ended and self._sleep(follower.wants_poll):
            self._post_events(follower.poll())

    def _post_events(self, events: list[FollowEvent]) -> None:
        """A follower's events as this screen's messages (one per batch, then the end)."""
        reset = False
        chunks: list[Chunk] = []
        for event in events:
            if isinstance(event, FollowReset):
                reset, chunks = True, []
            elif isinstance(event, ChunksAppended):
                chunks.extend(event.chunks)
            elif isinstance(event, FollowEnded):
                if chunks or reset:
                    self.post_message(self.Appended(chunks, [measure(c) for c in chunks], reset))
                    chunks, reset = [], False
                self.post_message(self.Ended(event))
        if chunks or reset:
            self.post_message(self.Appended(chunks, [measure(c) for c in chunks], reset))

    def _failed(self, error: str) -> None:
        self.load_error = error
        view = self.query_one(TranscriptView)
        view.loading = False
        self._render_status()

    @on(LoadFailed)
    def _load_failed(self, message: LoadFailed) -> None:
        """Shown in the screen: a worker that died silently would leave it "loading"
        forever. After the load, it is the end of following."""
        if self.loaded:
            self._ended(f"stopped following: {message.error}")
        else:
            self._failed(message.error)

    @on(QuickView)
    def _quick_view(self, message: QuickView) -> None:
        """A huge session: show a slice at once; `_loaded` replaces it with everything."""
        if self.loaded:
            return
        self.quick = len(message.chunks)
        view = self.query_one(TranscriptView)
        view.loading = False
        view.set_chunks(message.chunks, message.measures)
        self._render_status()

    @on(Loaded)
    def _loaded(self, message: Loaded) -> None:
        self.loaded = True
        self.quick = 0
        view = self.query_one(TranscriptView)
        view.loading = False
        view.set_chunks(message.chunks, message.measures)
        if self.search is not None:
            view.set_hit_spans(self.search.spans)
            self._all_hits(self.search)
        if self.start_chunk is not None:
            view.following = False
            view.call_after_refresh(self._show_hit, self.start_chunk)
        self._render_status()

    # ----------------------------------------------------------- search hits
    @work(thread=True, exclusive=True, exit_on_error=False, group="transcript-hits")
    def _all_hits(self, search: HitQuery) -> None:
        """Every chunk of this session the search matched (a result lists the first
        few), from the index; on failure `n`/`N` keep to the ones the result listed."""
        try:
            chunks = search.chunks(self.info.path)
        except Exception:
            return
        self.post_message(self.HitsFound(chunks))

    @on(HitsFound)
    def _hits_found(self, message: HitsFound) -> None:
        self._add_hits(message.chunks)
        self._render_status()

    def _add_hits(self, chunks: Iterable[int]) -> None:
        """More chunks the search matched join the ones `n`/`N` step through."""
        self.hits = sorted(set(self.hits) | set(chunks))

    def _show_hit(self, chunk: int) -> None:
        self.hit_at = chunk
        self.query_one(TranscriptView).show_hit(chunk)

    def watch_hit_at(self) -> None:
        self._render_status()

    def action_hit(self, step: int) -> None:
        """Show the next (or previous) search hit after the one shown last (or after
        the chunk at the top); wraps around."""
        view = self.query_one(TranscriptView)
        if not self.hits or not view.chunks:
            return
        at = self.hit_at if self.hit_at is not None else view.visible_chunks().start
        later = [h for h in self.hits if (h > at if step > 0 else h < at)]
        target = (
            (later[0] if step > 0 else later[-1]) if later else self.hits[0 if step > 0 else -1]
        )
        self._show_hit(target)

    # -------------------------------------------------------------- follow
    def _interval(self) -> float | None:
        """How long the follow thread sleeps between looks at the file when nothing wakes
        it. A session that is not running changes rarely: with the watcher on, only its
        events wake the thread (no polling at all)."""
        watching = getattr(self.app, "watching", False)
        if self.info.state is SessionState.RUNNING:
            return POLL_FALLBACK_WATCHING if watching else POLL_FALLBACK
        return None if watching else POLL_IDLE

    def _sleep(self, wanted: float | None = None) -> bool:
        """Wait for a wake-up, the poll interval or the follower's `wanted` delay;
        False once the screen is gone."""
        worker = get_current_worker()
        while True:
            interval = self._interval()
            if wanted is not None:
                interval = wanted if interval is None else min(interval, wanted)
            woken = self._wake.wait(IDLE_WAIT if interval is None else interval)
            self._wake.clear()
            if self._stop.is_set() or worker.is_cancelled:
                return False
            if woken or interval is not None:
                return True

    def stop_following(self) -> None:
        """End the follow thread (the screen goes away, or the app exits)."""
        self._stop.set()
        self._wake.set()

    def wake(self, paths: Iterable[str]) -> None:
        """A watcher saw these paths change; wake the follow thread if one is ours."""
        mine = {self.info.path}
        if self._follower is not None:
            mine.add(str(self._follower.path))
        suffix = get_adapter(self.info.format).partial_suffix
        if suffix:  # the session's other file (OpenRath's `__partial__` and final file)
            stem = self.info.path.removesuffix(suffix)
            mine |= {stem, stem + suffix}
        if mine & set(paths):
            self._wake.set()

    class Appended(Message, bubble=False):
        """The follower read new chunks (after a reset: every chunk, from index 0)."""

        def __init__(self, chunks: list[Chunk], measures: list[Measure], reset: bool) -> None:
            super().__init__()
            self.chunks = chunks
            self.measures = measures
            self.reset = reset

    class Ended(Message, bubble=False):
        """The follower's last event: the session closed, crashed or was deleted."""

        def __init__(self, end: FollowEnded) -> None:
            super().__init__()
            self.end = end

    @on(Appended)
    def _appended(self, message: Appended) -> None:
        view = self.query_one(TranscriptView)
        if message.chunks:
            self._saw_running = True
        if message.reset:
            view.replace_chunks(message.chunks, message.measures)
            if self.search is not None:
                self._all_hits(self.search)  # rewritten: ask the index again
        else:
            view.append_chunks(message.chunks, message.measures)
            if self.search is not None:
                self._add_hits(c.index for c in message.chunks if self.search.matches(c))
        self._render_status()

    @on(Ended)
    def _follow_ended(self, message: Ended) -> None:
        """The end is announced for a session seen running (or for a file gone); a
        session opened after it ended just stops being followed."""
        end = message.end
        if self._saw_running or end.deleted or end.state is SessionState.CORRUPT:
            self._ended(end.reason)

    def _ended(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
            self._render_status()

    def rows_changed(self, old: dict[str, SessionInfo], new: dict[str, SessionInfo]) -> None:
        """The list's row for this session changed (or vanished)."""
        info = new.get(session_key(self.info))
        if not self.is_mounted:
            if info is not None:
                self.info = info  # pushed but not composed yet: no title to redraw
            return
        if info is None:
            # Maybe only for a moment (OpenRath's `__partial__` -> `.jsonl` rename can
            # arrive as two watcher batches): the follow thread checks the file itself.
            self._wake.set()
            return
        was = self.info.state
        self.info = info
        if was is not info.state:
            self._wake.set()  # the follower checks the writer itself
        self._render_title()

    # ------------------------------------------------------------ display
    def on_resize(self) -> None:
        self._render_title()

    def _render_title(self) -> None:
        """One line: state, title, id, format and path; the title and the path give way
        (the path keeps its file name) when the terminal is narrow."""
        info = self.info
        state = f"{info.glyph} {info.state.value}  "
        meta = f"  {screen_text(info.short_id)} · {screen_text(info.format)} · "
        room = max(0, (self.size.width or 120) - 2 - len(state) - len(meta))
        path = short_path(info.path)
        title = first_line(info.title, max(12, room - min(len(path), 16))) or "(no title)"
        parts: list[tuple[str, str] | str] = [
            (state, f"bold $sv-{info.state.value}"),
            (title, "bold"),
            (meta + keep_end(path, max(12, room - len(title))), "$text-muted"),
        ]
        for title_bar in self.query("#transcript-title").results(Static):  # none before compose
            title_bar.update(Content.assemble(*parts))

    def _render_status(self) -> None:
        view = self.query_one(TranscriptView)
        parts: list[tuple[str, str] | str] = []
        hints: list[str] = []
        if self.load_error:
            parts.append((f"cannot open: {screen_text(self.load_error)}", "bold $error"))
        elif not self.loaded and self.quick:
            where = "last" if view.following else "first"
            parts.append(
                (
                    f"showing the {where} {self.quick} chunks · loading the rest of "
                    f"{human_bytes(self.info.bytes)}…",
                    "$text-muted",
                )
            )
        elif not self.loaded:
            parts.append((f"loading {human_bytes(self.info.bytes)}…", "$text-muted"))
        else:
            count = len(view.chunks)
            noun = "chunk" if count == 1 else "chunks"
            parts.append((f"{human_count(count)} {noun}", "$text-muted"))
            if self.ended:
                style = "$sv-closed" if self.ended.startswith("closed") else "$sv-crashed"
                parts.append(("  ■ session ended: ", f"bold {style}"))
                parts.append((screen_text(self.ended), style))
            elif self.info.state is SessionState.RUNNING or view.following or view.unseen:
                if view.following:
                    parts.append(("  ● following", "bold $sv-running"))
                else:
                    parts.append(("  ‖ paused", "bold $warning"))
                    if view.unseen:
                        parts.append(
                            (f"  {plural(view.unseen, 'new chunk')}", "bold reverse $warning")
                        )
                    hints.append("f or end to follow")
        # What is shown comes first, the hints for keys last: a narrow terminal cuts the
        # line at its end (with an ellipsis).
        if self.search is not None and self.hits and not self.find_query:
            where = f"{self.hits.index(self.hit_at) + 1}/" if self.hit_at in self.hits else ""
            parts.append((f"  hit {where}{len(self.hits)}", "bold $accent"))
            parts.append((f" of search “{screen_text(self.search.query)}”", "$accent"))
            hints.append("n/N next/previous hit")
        if self.find_query:
            found = f"{plural(len(self.find_chunks), 'chunk')} match"
            if len(self.find_chunks) == 1:
                found += "es"
            parts.append((f"  find “{screen_text(self.find_query)}”: ", "bold $accent"))
            parts.append((found + ("" if self.find_done else " (searching…)"), "$accent"))
            if self.find_chunks:
                hints.append("n/N next/previous")
        if hints:
            parts.append((f"  ({'; '.join(hints)})", "$text-muted"))
        self.query_one("#transcript-status", Static).update(Content.assemble(*parts))

    def on_transcript_view_follow_changed(self, event: TranscriptView.FollowChanged) -> None:
        self._render_status()

    # ---------------------------------------------------------------- find
    def action_find(self) -> None:
        box = self.query_one("#find", Input)
        box.display = True
        # At once, not after a refresh: keys typed right after `/` belong to the box.
        self.set_focus(box)

    def on_key(self, event) -> None:
        """`/` opens the box at once, and printable keys that reached the screen while
        the box has the focus (typed in the same burst as `/`) go into it."""
        box = self.query_one("#find", Input)
        if event.key == "slash" and self.focused is not box:
            event.stop()
            event.prevent_default()
            self.action_find()
        elif self.focused is box and event.is_printable and event.character:
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id != "find":
            return
        event.stop()
        if self._find_timer is not None:
            self._find_timer.stop()
        # Typing fast restarts the search once, not on every key.
        self._find_timer = self.set_timer(FIND_DEBOUNCE, lambda: self._start_find(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id != "find":
            return
        event.stop()
        event.input.display = bool(event.value)
        self.query_one(TranscriptView).focus()
        if self._find_timer is not None:
            self._find_timer.stop()
            self._find_timer = None
        if event.value != self.find_query:
            self._start_find(event.value)

    def _start_find(self, query: str) -> None:
        self._find_timer = None
        self.find_query = query
        self.find_chunks = []
        self._find_row = -1.0
        view = self.query_one(TranscriptView)
        view.set_find(query)
        if not query:
            self.find_done = True
            self.workers.cancel_group(self, "find")
            self._render_status()
            return
        self.find_done = False
        self._render_status()
        self._search(query, list(view.chunks))

    @work(thread=True, exclusive=True, exit_on_error=False, group="find")
    def _search(self, query: str, chunks: list[Chunk]) -> None:
        """Which chunks hold `query` (case-insensitive), in a thread: 50,000 chunks take
        a few seconds, the screen stays live, the first match is shown as soon as found
        and the count grows in batches."""
        import orjson

        worker = get_current_worker()
        needle = query.lower()
        # A chunk whose raw JSON lacks the text cannot show it: that test is ~50x
        # cheaper than laying the chunk out. (Text JSON would escape is not pre-tested.)
        prefilter = needle.isprintable() and '"' not in needle and "\\" not in needle
        found: list[int] = []
        sent = 0
        for n, chunk in enumerate(chunks):
            if n % 256 == 0:
                if worker.is_cancelled:
                    return
                if len(found) > sent and (sent == 0 or n % 4096 == 0):
                    self.post_message(self.Found(query, list(found), False))
                    sent = len(found)
                time.sleep(0)  # let the UI thread take the GIL now and then
            if prefilter:
                try:
                    raw = orjson.dumps(chunk.payload).decode("utf-8", "replace")
                except TypeError:
                    raw = None
                if raw is not None and needle not in f"{chunk.kind} {raw}".lower().replace(
                    "_", " "
                ):
                    continue
            text = "\n".join(line.text for line in chunk_lines(chunk, expanded=True))
            if needle in text.lower():
                found.append(n)
        if not worker.is_cancelled:
            self.post_message(self.Found(query, found, True))

    @on(Found)
    def _found(self, message: Found) -> None:
        query, chunks, done = message.query, message.chunks, message.done
        if query != self.find_query:
            return
        first = not self.find_chunks and chunks
        self.find_chunks = chunks
        self.find_done = done
        if first:
            self._goto_match(forward=True)
        self._render_status()

    def _goto_match(self, forward: bool) -> None:
        view = self.query_one(TranscriptView)
        after = self._find_row if self._find_row >= 0 else view.scroll_y - 1
        row = view.next_match(self.find_chunks, after, forward)
        if row is None:
            return
        self._find_row = float(row)
        view.show_row(row)

    def action_find_next(self) -> None:
        if not self.find_query and self.hits:
            self.action_hit(1)  # opened from a search: n steps through its hits
            return
        if not self.find_chunks:
            self.notify("nothing found" if self.find_query else "/ finds text in this transcript")
            return
        self._goto_match(forward=True)

    def action_find_previous(self) -> None:
        if not self.find_query and self.hits:
            self.action_hit(-1)
            return
        if not self.find_chunks:
            self.notify("nothing found" if self.find_query else "/ finds text in this transcript")
            return
        self._goto_match(forward=False)

    def _clear_find(self) -> None:
        box = self.query_one("#find", Input)
        box.value = ""
        box.display = False
        self._start_find("")
        self.query_one(TranscriptView).focus()

    # ------------------------------------------------------------- actions
    def action_back(self) -> None:
        """`escape`: first clears a find, then goes back to the list."""
        if self.find_query or self.query_one("#find", Input).display:
            self._clear_find()
            return
        self.dismiss()

    @property
    def can_follow(self) -> bool:
        """Whether anything more can arrive: not seen to end, and running, or closed
        by going quiet in a format whose sessions may go on (see `grows_after_close`)."""
        if self.ended or self.info.state is SessionState.CORRUPT:
            return False
        if self.info.state is SessionState.RUNNING:
            return True
        return get_adapter(self.info.format).grows_after_close

    def action_follow(self) -> None:
        """Jump to the end and, while the session runs, stay there as chunks arrive."""
        view = self.query_one(TranscriptView)
        if self.can_follow:
            view.resume_following()
        else:
            view.scroll_end(animate=False)
        self._render_status()

    def action_toggle_follow(self) -> None:
        view = self.query_one(TranscriptView)
        if view.following:
            view.pause_following()
            self._render_status()
        elif self.can_follow:
            self.action_follow()
        else:
            state = self.ended or self.info.state.value
            self.notify(f"nothing to follow: the session is {screen_text(state)}", timeout=3)

    def action_expand(self) -> None:
        view = self.query_one(TranscriptView)
        if not view.toggle_expand():
            self.notify("nothing to expand")

    def action_resume(self) -> None:
        self.post_message(ResumeRequested(self.info))

    def action_copy_id(self) -> None:
        self.post_message(CopyIdRequested(self.info))

    def action_export(self) -> None:
        from sessionview.app.screens.export import ExportScreen

        self.app.push_screen(ExportScreen([self.info]))

    def action_pager(self) -> None:
        self.post_message(PagerRequested(self.info))
