"""Full-text search over every session: results as you type, grouped by session.

The index (`sessionview.store.search`) is brought up to date by a worker when the
screen opens, with a progress bar; results found meanwhile are marked partial. While
the screen is open, sessions whose rows changed in the app's index (the watcher's
events) are indexed again and the query re-run, so a session that gets a new matching
chunk appears. Text from sessions is shown literally: every excerpt is plain `Content`.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.timer import Timer
from textual.widgets import Footer, Input, OptionList, ProgressBar, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from sessionview.app.screens.base import SessionViewScreen
from sessionview.render.safe import first_line as one_line
from sessionview.render.safe import screen_text as clean
from sessionview.store.model import SessionInfo
from sessionview.store.search import SearchIndex, SearchUnavailable, SessionHits

#: Seconds of quiet typing before the query runs (a query superseded meanwhile is
#: dropped: its worker is cancelled and its answer never drawn).
DEBOUNCE = 0.03
#: How often the screen looks for sessions the app's index saw change.
FRESHNESS = 0.25
FORMATS = ("openrath", "nanobot", "claude", "codex", "snapshot")
STATES = ("running", "crashed", "closed", "corrupt")
KINDS = ("user", "assistant", "tool", "system")
RESULT_LIMIT = 50


@dataclass(frozen=True, slots=True)
class _Answer:
    query: str
    results: list[SessionHits]
    partial: bool
    error: str | None = None


def _signature(info: SessionInfo) -> tuple:
    return (info.path, info.bytes, info.chunks, info.updated_at, info.state)


class SearchScreen(SessionViewScreen):
    """A query box, format/state/kind filters, and the matching chunks per session."""

    AUTO_FOCUS = "#search-query"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("down", "results", "Results", show=False),
        Binding("ctrl+f", "filters", "Filters"),
    ]

    def __init__(self, index: SearchIndex | None = None, query: str = "") -> None:
        super().__init__()
        self.search_index = index or SearchIndex()
        self.initial_query = query
        self.building = True
        self.unavailable: str | None = None
        self.answer: _Answer | None = None
        self._hits: dict[str, tuple[SessionInfo, int, list[int]]] = {}
        self._debounce: Timer | None = None
        self._stop = threading.Event()
        self._seen: dict[str, tuple] = {}
        self._indexing = False
        self._progress_text = "indexing…"

    # --------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Input(
            self.initial_query,
            placeholder='search every session: words, "a phrase", prefix*',
            id="search-query",
        )
        with Horizontal(id="search-filters"):
            yield Select([(f, f) for f in FORMATS], prompt="every format", id="search-format")
            yield Select([(s, s) for s in STATES], prompt="every state", id="search-state")
            yield Select([(k, k) for k in KINDS], prompt="every kind", id="search-kind")
        yield ProgressBar(id="search-progress", show_eta=False)
        yield Static(id="search-status")
        yield OptionList(id="search-results")
        yield Footer()

    def on_mount(self) -> None:
        self._render_status()
        self._build()
        self.set_interval(FRESHNESS, self._check_fresh)

    def on_unmount(self) -> None:
        self._stop.set()

    # ------------------------------------------------------------- the index
    def _sessions(self) -> list[SessionInfo]:
        return list(self.sv_app.all_sessions())

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-index")
    def _build(self) -> None:
        """Bring the index up to date with the listing (everything, the first time)."""
        sessions = self._sessions()
        self._seen = {s.path: _signature(s) for s in sessions}

        def progress(done: int, total: int, done_bytes: int, total_bytes: int) -> None:
            self.app.call_from_thread(self._progress, done_bytes, total_bytes, done, total)

        try:
            self.search_index.update(sessions, progress=progress, stop=self._stop)
        except SearchUnavailable as exc:
            self.app.call_from_thread(self._unavailable, str(exc))
            return
        except Exception as exc:  # shown, never a dead worker behind a frozen bar
            self.app.call_from_thread(self._unavailable, f"search failed: {exc}")
            return
        self.app.call_from_thread(self._built)

    def _progress(self, done_bytes: int, total_bytes: int, done: int, total: int) -> None:
        bar = self.query_one("#search-progress", ProgressBar)
        bar.update(total=max(total_bytes, 1), progress=done_bytes)
        self._progress_text = f"indexing {done}/{total} files"
        self._render_status()
        # Show what the index holds so far (marked partial) every few files.
        if done % 200 == 0:
            self._run_query()

    def _built(self) -> None:
        self.building = False
        for bar in self.query("#search-progress").results(ProgressBar):
            bar.remove()  # a ProgressBar keeps a timer running even while hidden
        for notice in self.search_index.notices:
            self.notify(clean(notice), title="search index", severity="warning")
        self.search_index.notices.clear()
        self._run_query()

    def _unavailable(self, error: str) -> None:
        self.building = False
        self.unavailable = error
        for bar in self.query("#search-progress").results(ProgressBar):
            bar.remove()
        self._render_status()

    def _check_fresh(self) -> None:
        """Sessions the app saw change since the last look: index them, search again."""
        if self.building or self.unavailable or self._indexing:
            return
        sessions = self._sessions()
        now = {s.path: _signature(s) for s in sessions}
        if now == self._seen:
            return
        self._seen = now
        self._indexing = True
        self._refresh_index(sessions)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-fresh")
    def _refresh_index(self, sessions: list[SessionInfo]) -> None:
        try:
            self.search_index.update(sessions, stop=self._stop)
        except Exception:  # the next change tries again; the results stay as they are
            pass
        finally:
            self.app.call_from_thread(self._refreshed)

    def _refreshed(self) -> None:
        self._indexing = False
        self._run_query()

    # ---------------------------------------------------------------- query
    @on(Input.Changed, "#search-query")
    def _typed(self) -> None:
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE, self._run_query)

    @on(Select.Changed)
    def _filtered(self) -> None:
        self._run_query()

    def _filters(self) -> tuple[str | None, str | None, str | None]:
        values = []
        for name in ("format", "state", "kind"):
            value = self.query_one(f"#search-{name}", Select).value
            values.append(value if isinstance(value, str) else None)
        return values[0], values[1], values[2]

    def _run_query(self) -> None:
        if self.unavailable:
            return
        text = self.query_one("#search-query", Input).value
        fmt, state, kind = self._filters()
        sessions = [
            s
            for s in self._sessions()
            if (fmt is None or s.format == fmt) and (state is None or s.state.value == state)
        ]
        self._query_worker(text, sessions, kind, self.building)

    @work(thread=True, exclusive=True, exit_on_error=False, group="search-query")
    def _query_worker(
        self, text: str, sessions: list[SessionInfo], kind: str | None, partial: bool
    ) -> None:
        try:
            results = self.search_index.search(
                text, sessions, kinds=[kind] if kind else [], limit=RESULT_LIMIT
            )
            answer = _Answer(text, results, partial)
        except SearchUnavailable as exc:
            answer = _Answer(text, [], partial, str(exc))
        except Exception as exc:  # e.g. the index busy past the timeout: said, not swallowed
            answer = _Answer(text, [], partial, f"search failed: {type(exc).__name__}: {exc}")
        if not get_current_worker().is_cancelled:  # a newer query replaced this one
            self.app.call_from_thread(self._show, answer)

    def _show(self, answer: _Answer) -> None:
        self.answer = answer
        results = self.query_one("#search-results", OptionList)
        highlighted = results.highlighted_option.id if results.highlighted_option else None
        results.clear_options()
        self._hits = {}
        options: list[Option] = []
        for n, found in enumerate(answer.results):
            info = found.info
            header = Content.assemble(
                (f"{info.glyph} ", "bold"),
                (one_line(info.title or "(untitled)", 70), "bold"),
                (f"  {clean(info.short_id)}  {info.format}  {info.state.value}", "dim"),
            )
            options.append(Option(header, id=f"s{n}", disabled=True))
            chunks = [h.chunk for h in found.hits]
            for hit in found.hits:
                key = f"s{n}c{hit.chunk}"
                self._hits[key] = (info, hit.chunk, chunks)
                parts: list[str | tuple[str, str]] = [
                    (f"  #{hit.chunk} {clean(hit.kind)}  ", "dim")
                ]
                for segment, is_match in hit.excerpt:
                    safe = clean(segment)
                    parts.append((safe, "bold reverse") if is_match else safe)
                options.append(Option(Content.assemble(*parts), id=key))
            more = found.matching_chunks - len(found.hits)
            if more > 0:
                options.append(
                    Option(Content(f"  … {more} more matching chunks"), id=f"s{n}m", disabled=True)
                )
        results.add_options(options)
        if highlighted in self._hits:
            results.highlighted = results.get_option_index(highlighted)
        self._render_status()

    def _render_status(self) -> None:
        status = self.query_one("#search-status", Static)
        answer = self.answer
        if self.unavailable:
            status.update(Content(clean(self.unavailable)))
            return
        parts: list[str] = []
        if answer is not None and answer.error:
            parts.append(clean(answer.error))
        elif answer is not None and answer.query.strip():
            n = len(answer.results)
            if n == 0:
                parts.append(f"no session contains {one_line(answer.query, 60)}")
            else:
                parts.append(f"{n} session{'s' if n != 1 else ''}")
            if answer.partial:
                parts.append("partial results")
        elif not self.building:
            parts.append("type to search every session's transcript")
        if self.building:
            parts.append(self._progress_text)
        status.update(Content("  ·  ".join(parts)))

    # -------------------------------------------------------------- actions
    @on(Input.Submitted, "#search-query")
    def _submitted(self) -> None:
        self.action_results()

    def action_results(self) -> None:
        results = self.query_one("#search-results", OptionList)
        if results.option_count:
            results.focus()
            if results.highlighted is None:
                results.action_first()

    def action_filters(self) -> None:
        self.query_one("#search-format", Select).focus()

    @on(OptionList.OptionSelected, "#search-results")
    def _open(self, event: OptionList.OptionSelected) -> None:
        found = self._hits.get(event.option.id or "")
        if found is None:
            return
        info, chunk, chunks = found
        from sessionview.app.screens.transcript import TranscriptScreen

        self.app.push_screen(TranscriptScreen(info, follow=False, start_chunk=chunk, hits=chunks))

    def action_back(self) -> None:
        self._stop.set()
        self.dismiss()
