"""Full-text search over every session: results as you type, grouped by session.

The index (`sessionview.store.search`) is brought up to date by a worker when the
screen opens, with a progress bar; results found meanwhile are marked partial. While
the screen is open, the sessions whose rows the app's watcher changed are indexed
again (only those) and the query re-run, so a session that gets a new matching chunk
appears.

Typing costs one query per keystroke and nothing more: the query runs in a thread
worker at once (no debounce); a newer keystroke stops it inside SQLite (its `cancel`
event) and a query not yet started then never runs; a keystroke that leaves the terms
unchanged runs none. The listing is matched to the index's files once (`Prepared`), not
per keystroke. A word in nearly every session draws its newest sessions first (found by
looking from the newest, which stops early) and the BM25 ranking replaces them. The
worker prepares the result rows, so the UI thread only hands them to one
`SearchResults` widget, which draws the rows on screen and nothing else. Only the
sessions that fit are asked for; scrolling to the end asks for more. Text from sessions
is shown literally (plain segments, never markup).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, replace
from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.widgets import Footer, Input, ProgressBar, Select, Static
from textual.worker import get_current_worker

from sessionview.app.messages import OpenRequested
from sessionview.app.screens.base import SessionViewScreen
from sessionview.app.widgets.search_results import ResultRow, SearchResults
from sessionview.render.humanize import plural
from sessionview.render.safe import first_line as one_line
from sessionview.render.safe import screen_text as clean
from sessionview.store.model import Chunk, SessionInfo
from sessionview.store.search import (
    Listed,
    Prepared,
    SearchCancelled,
    SearchIndex,
    SearchUnavailable,
    SessionHits,
    parse,
)
from sessionview.store.search.query import Term, match_spans
from sessionview.store.search.searcher import roles_mask
from sessionview.store.search.text import role_bits, searchable

FORMATS = ("openrath", "nanobot", "claude", "codex", "snapshot")
STATES = ("running", "crashed", "closed", "corrupt")
KINDS = ("user", "assistant", "tool", "system")
#: Sessions asked for at first (with their hits, more rows than a 45-row screen shows),
#: and how many more each time the list is scrolled to its end.
PAGE = 10
#: Hits listed per session (its first ones; "… N more" says how many are left, and the
#: transcript's `n`/`N` step through all of them). Each costs an excerpt.
HITS = 3
#: How long the query worker lets the UI paint the newest sessions before it ranks
#: (the ranking holds a core, and the GIL in turns, for up to a few hundred ms).
PAINT_WAIT = 0.25
#: The newest sessions looked at for a first answer before the ranking (see
#: `_quick_first`): a word missing from more than PROBE - PAGE of them is left to the
#: ranking alone.
PROBE = 2 * PAGE
#: While the first build runs, the query is re-run every this many files indexed.
PARTIAL_EVERY = 200


@dataclass(frozen=True, slots=True)
class Request:
    """What a query asks: the text, the filters, how many sessions; `epoch` counts the
    index changes, so the same text asked after the index changed is a new request."""

    query: str
    fmt: str | None
    state: str | None
    kind: str | None
    limit: int
    epoch: int

    @property
    def key(self) -> tuple:
        """What the answer depends on: the query's terms, not its spelling (`quick ` and
        `quick` ask the same; the space typed after a word costs no query)."""
        return (tuple(parse(self.query)), self.fmt, self.state, self.kind, self.limit, self.epoch)


@dataclass(frozen=True, slots=True)
class Answer:
    """A request's results and the rows that show them."""

    request: Request
    results: list[SessionHits]
    partial: bool
    rows: list[ResultRow] = field(default_factory=list)
    error: str | None = None
    #: False: the newest matching sessions, shown while the ranked answer is computed.
    ranked: bool = True

    @property
    def query(self) -> str:
        return self.request.query


@dataclass(frozen=True, slots=True)
class HitQuery:
    """A search, as the transcript opened from one of its hits needs it: the words to
    highlight (by the search's own matching rule) and every chunk of a session it hits."""

    index: SearchIndex
    query: str
    kind: str | None = None
    terms: tuple[Term, ...] = ()
    #: The role bits of `kind` (0: every kind), as the index stores them per chunk.
    roles: int = 0

    @classmethod
    def of(cls, index: SearchIndex, query: str, kind: str | None = None) -> HitQuery:
        roles = roles_mask([kind]) if kind else 0
        return cls(index, query, kind, tuple(parse(query)), roles)

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the query's terms match in `text` (character offsets)."""
        return match_spans(text, self.terms) if self.terms else []

    def matches(self, chunk: Chunk) -> bool:
        """Whether the query matches this chunk as the index would (a chunk that just
        arrived in a followed transcript, not indexed yet): some term in its searchable
        text, and of the query's kind."""
        if self.roles and not role_bits(chunk) & self.roles:
            return False
        return bool(self.spans(searchable(chunk)))

    def chunks(self, path: str) -> list[int]:
        """Every chunk of the session file `path` the query matches (reads the index)."""
        return self.index.chunks_matching(self.query, path, kinds=[self.kind] if self.kind else [])


def result_rows(results: list[SessionHits]) -> list[ResultRow]:
    """A session header, then one row per hit (`#chunk kind  excerpt`, matches styled),
    then how many more chunks match. Every text is made terminal-safe here."""
    rows: list[ResultRow] = []
    for found in results:
        info = found.info
        rows.append(
            ResultRow(
                (
                    (f"{info.glyph} ", "session"),
                    (one_line(info.title or "(untitled)", 70), "session"),
                    (f"  {clean(info.short_id)}  {info.format}  {info.state.value}", "meta"),
                )
            )
        )
        for hit in found.hits:
            parts: list[tuple[str, str]] = [(f"  #{hit.chunk} {clean(hit.kind)}  ", "where")]
            for segment, is_match in hit.excerpt:
                parts.append((clean(segment), "match" if is_match else "text"))
            rows.append(ResultRow(tuple(parts), (info.path, hit.chunk)))
        more = found.matching_chunks - len(found.hits)
        if more > 0:
            rows.append(ResultRow(((f"  … {plural(more, 'more matching chunk')}", "more"),)))
    return rows


class SearchScreen(SessionViewScreen):
    """A query box, format/state/kind filters, and the matching chunks per session."""

    AUTO_FOCUS = "#search-query"
    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("down", "results", "Results", show=False),
        Binding("ctrl+f", "filters", "Filters"),
    ]

    #: The first build (or catch-up) of the index is running.
    building: var[bool] = var(True, init=False)
    #: Why search cannot work (a read-only cache directory, a full disk); None: it works.
    unavailable: var[str | None] = var(None, init=False)
    #: The answer shown.
    answer: var[Answer | None] = var(None, init=False, always_update=True)
    #: What the progress bar says while building.
    progress_text: var[str] = var("indexing…", init=False)

    # -------------------------------------------------------------- messages
    @dataclass
    class Progress(Message):
        """The build read `done` of `total` files."""

        done: int
        total: int
        done_bytes: int
        total_bytes: int

    @dataclass
    class Built(Message):
        """The index is current with the listing the screen opened with."""

    @dataclass
    class Failed(Message):
        """The index cannot be used (said in the status line)."""

        error: str

    @dataclass
    class Refreshed(Message):
        """Sessions that changed were indexed again."""

    @dataclass
    class Answered(Message):
        """A query's answer, rows prepared (posted by the query worker); `painted` is set
        once it is on screen."""

        answer: Answer
        painted: threading.Event | None = None

    # ------------------------------------------------------------------ init
    def __init__(self, index: SearchIndex | None = None, query: str = "") -> None:
        super().__init__()
        self.search_index = index or SearchIndex()
        self.initial_query = query
        self._stop = threading.Event()
        #: One query at a time in SQLite: a cancelled one waiting here never runs.
        self._query_lock = threading.Lock()
        #: Set to stop the query running now (a newer one replaces it).
        self._cancel = threading.Event()
        #: Set when the answer being shown is painted (see `Answered.painted`).
        self._painted: threading.Event | None = None
        #: `Listed` per session path, reused while the app's row is the same object.
        self._listed: dict[str, tuple[SessionInfo, Listed]] = {}
        #: The listing prepared for queries, and what it was prepared from.
        self._prepared: tuple[dict, tuple, Prepared] | None = None
        #: Whether row changes are heeded: from `on_mount` on, whose build reads the
        #: rows of that moment (a change before it is in them).
        self._heeding = False
        #: The changed sessions not yet indexed again.
        self._pending: dict[str, SessionInfo] = {}
        self._refreshing = False
        self._epoch = 0
        self._asked: Request | None = None

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
        yield SearchResults(id="search-results")
        yield Footer()

    def on_mount(self) -> None:
        self._render_status()
        self._heeding = True
        self._build(self.sv_app.all_sessions())

    def on_unmount(self) -> None:
        self._stop.set()
        self._cancel.set()

    # ------------------------------------------------------------- the index
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="search-index",
        description="search index build",
    )
    def _build(self, sessions: list[SessionInfo]) -> None:
        """Bring the index up to date with the listing (everything, the first time)."""

        def progress(done: int, total: int, done_bytes: int, total_bytes: int) -> None:
            self.post_message(self.Progress(done, total, done_bytes, total_bytes))

        try:
            self.search_index.update(sessions, progress=progress, stop=self._stop)
        except SearchUnavailable as exc:
            self.post_message(self.Failed(str(exc)))
            return
        except Exception as exc:  # shown, never a dead worker behind a frozen bar
            self.post_message(self.Failed(f"search failed: {exc}"))
            return
        self.post_message(self.Built())

    @on(Progress)
    def _progress(self, message: Progress) -> None:
        for bar in self.query("#search-progress").results(ProgressBar):
            bar.update(total=max(message.total_bytes, 1), progress=message.done_bytes)
        self.progress_text = f"indexing {message.done}/{message.total} files"
        # Show what the index holds so far (marked partial) every few files.
        if message.done % PARTIAL_EVERY == 0:
            self._epoch += 1
            self._ask()

    @on(Built)
    def _built(self) -> None:
        for notice in self.search_index.notices:
            self.notify(clean(notice), title="search index", severity="warning")
        self.search_index.notices.clear()
        self._epoch += 1
        self.building = False
        self._ask()
        self._refresh_pending()

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.unavailable = message.error
        self.building = False

    def watch_building(self, building: bool) -> None:
        if not building:
            for bar in self.query("#search-progress").results(ProgressBar):
                bar.remove()  # a ProgressBar keeps a timer running even while hidden
        self._render_status()

    def watch_unavailable(self) -> None:
        self._render_status()

    def watch_progress_text(self) -> None:
        self._render_status()

    def rows_changed(self, old: dict[str, SessionInfo], new: dict[str, SessionInfo]) -> None:
        """Sessions whose rows the app replaced: index them again (the app keeps each
        unchanged row's object)."""
        if not self._heeding or self.unavailable:
            return
        for key, info in new.items():
            if old.get(key) is not info:
                self._pending[info.path] = info
        if not self._pending and old.keys() - new.keys():
            self._epoch += 1  # sessions gone: they leave the results
            self._ask()
        self._refresh_pending()

    def _refresh_pending(self) -> None:
        if self.building or self._refreshing or not self._pending or self.unavailable:
            return
        changed = list(self._pending.values())
        self._pending.clear()
        self._refreshing = True
        self._refresh_index(changed)

    @work(thread=True, exit_on_error=False, group="search-fresh", description="search refresh")
    def _refresh_index(self, sessions: list[SessionInfo]) -> None:
        """Index the changed sessions' files (appended chunks only, for a growing one)."""
        try:
            self.search_index.update(sessions, stop=self._stop)
        except Exception:  # the next change tries again; the results stay as they are
            pass
        finally:
            self.post_message(self.Refreshed())

    @on(Refreshed)
    def _refreshed(self) -> None:
        self._refreshing = False
        self._epoch += 1
        self._ask()
        self._refresh_pending()  # what changed meanwhile

    # ---------------------------------------------------------------- query
    @on(Input.Changed, "#search-query")
    def _typed(self) -> None:
        self._ask()

    @on(Select.Changed)
    def _filtered(self) -> None:
        self._ask()

    @on(SearchResults.NearEnd)
    def _more(self) -> None:
        """The list was scrolled to its end: ask for another page of sessions."""
        answer = self.answer
        if answer is None or len(answer.results) < answer.request.limit:
            return  # everything is shown
        if self._asked is not None and self._asked.limit > answer.request.limit:
            return  # the next page is on its way
        self._ask(limit=answer.request.limit + PAGE)

    def _filters(self) -> tuple[str | None, str | None, str | None]:
        values = []
        for name in ("format", "state", "kind"):
            value = self.query_one(f"#search-{name}", Select).value
            values.append(value if isinstance(value, str) else None)
        return values[0], values[1], values[2]

    def _ask(self, limit: int = PAGE) -> None:
        """Run the query for what the box and filters say, unless that exact request
        (same text, filters, page and index state) was already asked."""
        if self.unavailable:
            return
        fmt, state, kind = self._filters()
        text = self.query_one("#search-query", Input).value
        asked = self._asked
        if asked is not None and (asked.query, asked.fmt, asked.state, asked.kind) == (
            text,
            fmt,
            state,
            kind,
        ):
            limit = max(limit, asked.limit)  # a re-run keeps the pages already shown
        request = Request(text, fmt, state, kind, limit, self._epoch)
        if request == asked:
            return
        self._asked = request
        if asked is not None and request.key == asked.key:
            # The same question spelled differently: the answer (shown or on its way)
            # is relabelled, not asked again.
            answer = self.answer
            if answer is not None and answer.request.key == request.key:
                self.answer = replace(answer, request=request)
            return
        self._cancel.set()  # the query running now (if any) stops inside SQLite
        self._cancel = threading.Event()
        self._query_worker(request, self.sv_app.rows, self.building, self._cancel)

    # `description` given: Textual would otherwise repr() the arguments, 10,000 rows.
    @work(
        thread=True,
        exclusive=True,
        exit_on_error=False,
        group="search-query",
        description="search query",
    )
    def _query_worker(
        self,
        request: Request,
        rows: dict[Any, SessionInfo],
        partial: bool,
        cancel: threading.Event,
    ) -> None:
        worker = get_current_worker()
        with self._query_lock:
            if worker.is_cancelled or cancel.is_set():  # a newer keystroke came first
                return
            kinds = [request.kind] if request.kind else []
            try:
                listed = self._prepared_for(rows, request)
                if request.limit == PAGE:
                    self._quick_first(request, listed, partial, cancel)
                results = self.search_index.search(
                    request.query,
                    listed,
                    kinds=kinds,
                    limit=request.limit,
                    max_hits=HITS,
                    cancel=cancel,
                )
                answer = Answer(request, results, partial, result_rows(results))
            except SearchCancelled:
                return
            except SearchUnavailable as exc:
                answer = Answer(request, [], partial, error=str(exc))
            except Exception as exc:  # e.g. the index busy past the timeout: said
                answer = Answer(
                    request, [], partial, error=f"search failed: {type(exc).__name__}: {exc}"
                )
        if not worker.is_cancelled:  # a newer query replaced this one
            self.post_message(self.Answered(answer))

    def _quick_first(
        self, request: Request, listed: Prepared, partial: bool, cancel: threading.Event
    ) -> None:
        """Draw the newest sessions holding every term, if the PROBE newest hold a page
        of them: a word in nearly every session, whose ranking is a pass over hundreds of
        thousands of rows. A rarer word gives up after a few lookups (its ranking is
        fast). The caller then ranks."""
        newest = self.search_index.newest_matching(
            request.query,
            listed.sessions[:PROBE],
            kinds=[request.kind] if request.kind else [],
            limit=PAGE,
            max_hits=HITS,
            cancel=cancel,
        )
        if newest:
            first = Answer(request, newest, partial, result_rows(newest), ranked=False)
            painted = threading.Event()
            self.post_message(self.Answered(first, painted))
            painted.wait(PAINT_WAIT)  # the ranking would hold the GIL through the paint
            if cancel.is_set():
                raise SearchCancelled()

    def _prepared_for(self, rows: dict[Any, SessionInfo], request: Request) -> Prepared:
        """The sessions the filters allow, newest first, matched to the index's files
        once per listing (the app replaces its rows dict when anything changes) and per
        index change: matching 10,000 sessions on every keystroke was most of a query.
        `Listed` objects are kept per row object across listings."""
        key = (request.fmt, request.state, request.epoch)
        if self._prepared is not None:
            seen_rows, seen_key, prepared = self._prepared
            if seen_rows is rows and seen_key == key:
                return prepared
        cache = self._listed
        out: list[Listed] = []
        for info in rows.values():
            if request.fmt is not None and info.format != request.fmt:
                continue
            if request.state is not None and info.state.value != request.state:
                continue
            cached = cache.get(info.path)
            if cached is None or cached[0] is not info:
                cached = (info, Listed(info))
                cache[info.path] = cached
            out.append(cached[1])
        prepared = Prepared(out)
        self._prepared = (rows, key, prepared)
        return prepared

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        asked = self._asked
        answer = message.answer
        shown = self.answer
        if (
            asked is None
            or answer.request.key != asked.key  # an older request's, after a newer was asked
            or (not answer.ranked and shown is not None and shown.request.key == asked.key)
        ):
            if message.painted is not None:
                message.painted.set()  # never drawn: the worker need not wait
            return
        self._painted = message.painted
        self.answer = replace(answer, request=asked)

    def watch_answer(self, answer: Answer | None) -> None:
        results = self.query_one("#search-results", SearchResults)
        if answer is not None:
            painted, self._painted = self._painted, None
            results.set_rows(answer.rows, tag=answer, keep=results.current, painted=painted)
        self._render_status()

    def _render_status(self) -> None:
        status = self.query_one("#search-status", Static)
        answer = self.answer
        if self.unavailable:
            status.update(Content(clean(self.unavailable)), layout=False)
            return
        parts: list[str] = []
        if answer is not None and answer.error:
            parts.append(clean(answer.error))
        elif answer is not None and answer.query.strip():
            n = len(answer.results)
            if n == 0:
                request = answer.request
                filtered = request.fmt or request.state or request.kind
                where = " with these filters" if filtered else ""
                parts.append(f"no session contains {one_line(answer.query, 60)}{where}")
            else:
                more = "+" if n >= answer.request.limit else ""
                parts.append(f"{n}{more} session{'s' if n != 1 else ''}")
            if answer.partial:
                parts.append("partial results")
            if not answer.ranked:
                parts.append("newest first, ranking…")
        elif not self.building:
            parts.append("type to search every session's transcript")
        if self.building:
            parts.append(self.progress_text)
        status.update(Content("  ·  ".join(parts)), layout=False)  # one line, always

    # -------------------------------------------------------------- actions
    @on(Input.Submitted, "#search-query")
    def _submitted(self) -> None:
        self.action_results()

    def action_results(self) -> None:
        results = self.query_one("#search-results", SearchResults)
        if results.rows:
            results.focus()

    def action_filters(self) -> None:
        self.query_one("#search-format", Select).focus()

    @on(SearchResults.Opened)
    def _open(self, message: SearchResults.Opened) -> None:
        answer = self.answer
        if answer is None:
            return
        path, chunk = message.hit
        found = next((r for r in answer.results if r.info.path == path), None)
        if found is None:
            return
        self.post_message(
            OpenRequested(
                found.info,
                at_chunk=chunk,
                hits=tuple(h.chunk for h in found.hits),
                search=HitQuery.of(self.search_index, answer.query, answer.request.kind),
            )
        )

    def action_back(self) -> None:
        self._stop.set()
        self.dismiss()
