"""One session's transcript; follows a running session as its writer appends."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import get_current_worker

from sessionview.app.text import clean, human_count, human_size, short_path
from sessionview.app.widgets.transcript_view import Measure, TranscriptView, measure
from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.tail import TailReader

#: How often the tail worker looks at the file when no watcher event wakes it
#: (with the watcher on, it only guards against a missed event).
POLL_FALLBACK = 0.25
POLL_FALLBACK_WATCHING = 2.0


class TranscriptScreen(Screen):
    """Every chunk as a block; `f`/`end` follow, `x` expands cut lines, `escape` goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f", "follow", "Follow"),
        Binding("end", "follow", "Follow (end)", show=False),
        Binding("x", "expand", "Expand long lines"),
        Binding("r", "resume", "Resume"),
        Binding("c", "copy_id", "Copy id"),
        Binding("o", "pager", "Pager"),
    ]

    def __init__(self, info: SessionInfo, *, follow: bool = True) -> None:
        super().__init__()
        self.info = info
        self.follow_wanted = follow
        self.loaded = False
        self.ended: str | None = None
        self.load_error: str | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._reader: TailReader | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="transcript-title")
        yield TranscriptView(id="transcript")
        yield Static(id="transcript-status")
        yield Footer()

    def on_mount(self) -> None:
        view = self.query_one(TranscriptView)
        view.following = self.follow_wanted and self.info.state is SessionState.RUNNING
        view.loading = True
        view.focus()
        self._render_title()
        self._render_status()
        self._load()

    def on_unmount(self) -> None:
        self._stop.set()
        self._wake.set()

    # ---------------------------------------------------------------- load
    @work(thread=True, exclusive=True, exit_on_error=False, group="transcript-load")
    def _load(self) -> None:
        info = self.info
        adapter = get_adapter(info.format)
        chunks: list[Chunk]
        reader: TailReader | None = None
        try:
            if info.state is SessionState.RUNNING and adapter.append_only:
                reader = TailReader(info.path)
                records: list[dict] = []
                while True:
                    batch = reader.read()
                    if batch.deleted or not batch.records:
                        break
                    records.extend(batch.records)
                chunks = adapter.chunks_from_records(records, 0)
                del records
            else:
                chunks = adapter.load_chunks(Path(info.path))
        except PersistenceError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        measures = [measure(c) for c in chunks]
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._loaded, chunks, measures)
        if reader is not None:
            self._reader = reader
            self._tail(reader)

    def _failed(self, error: str) -> None:
        self.load_error = error
        view = self.query_one(TranscriptView)
        view.loading = False
        self._render_status()

    def _loaded(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        self.loaded = True
        view = self.query_one(TranscriptView)
        view.loading = False
        view.set_chunks(chunks, measures)
        self._render_status()

    # ---------------------------------------------------------------- tail
    def _tail(self, reader: TailReader) -> None:
        """Runs on the load worker's thread until the screen goes away or the session ends."""
        adapter = get_adapter(self.info.format)
        worker = get_current_worker()
        interval = POLL_FALLBACK_WATCHING if getattr(self.app, "watching", False) else POLL_FALLBACK
        while not self._stop.is_set() and not worker.is_cancelled:
            self._wake.wait(interval)
            self._wake.clear()
            if self._stop.is_set():
                return
            try:
                batch = reader.read()
            except PersistenceError as exc:
                self.app.call_from_thread(self._ended, f"cannot read: {exc}")
                return
            if batch.deleted:
                self.app.call_from_thread(self._ended, "the file was deleted")
                return
            ended = any(adapter.is_end_record(r) for r in batch.records)
            chunks = adapter.chunks_from_records(batch.records, 0)
            if chunks or batch.reset:
                measures = [measure(c) for c in chunks]
                self.app.call_from_thread(
                    self._appended, chunks, measures, batch.reset, time.monotonic()
                )
            if ended:
                self.app.call_from_thread(self._ended, "closed: the writer wrote its trailer")
                return

    def wake(self, paths: list[str]) -> None:
        """A watcher saw these paths change; wake the tail thread if one is ours."""
        mine = {self.info.path}
        if self._reader is not None:
            mine.add(str(self._reader.path))
        stem = self.info.path.removesuffix(".__partial__")
        mine |= {stem, stem + ".__partial__"}
        if mine & set(paths):
            self._wake.set()

    def _appended(
        self, chunks: list[Chunk], measures: list[Measure], reset: bool, _t: float
    ) -> None:
        view = self.query_one(TranscriptView)
        if reset:
            view.set_chunks(chunks, measures)
        else:
            view.append_chunks(chunks, measures)
        self._render_status()

    def _ended(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
            self._render_status()

    def session_updated(self, info: SessionInfo | None) -> None:
        """The list's row for this session changed (or vanished)."""
        if info is None:
            if self.loaded and self.info.state is SessionState.RUNNING:
                self._ended("the session is gone from the list")
            return
        was = self.info.state
        self.info = info
        if was is SessionState.RUNNING and info.state is SessionState.CLOSED:
            self._ended("closed: the writer finished")
            self._wake.set()
        elif was is SessionState.RUNNING and info.state is SessionState.CRASHED:
            self._ended(f"crashed: {info.state_reason}")
            self._wake.set()
        self._render_title()

    # ------------------------------------------------------------ display
    def _render_title(self) -> None:
        info = self.info
        parts: list[tuple[str, str] | str] = [
            (f"{info.glyph} {info.state.value}", f"bold $sv-{info.state.value}"),
            "  ",
            (clean(info.title) or "(no title)", "bold"),
            (
                f"  {clean(info.short_id)} · {clean(info.format)} · {short_path(info.path)}",
                "$text-muted",
            ),
        ]
        self.query_one("#transcript-title", Static).update(Content.assemble(*parts))

    def _render_status(self) -> None:
        view = self.query_one(TranscriptView)
        parts: list[tuple[str, str] | str] = []
        if self.load_error:
            parts.append((f"cannot open: {clean(self.load_error)}", "bold $error"))
        elif not self.loaded:
            parts.append((f"loading {human_size(self.info.bytes)}…", "$text-muted"))
        else:
            parts.append((f"{human_count(len(view.chunks))} chunks", "$text-muted"))
            if self.ended:
                style = "$sv-closed" if self.ended.startswith("closed") else "$sv-crashed"
                parts.append(("  ■ session ended: ", f"bold {style}"))
                parts.append((clean(self.ended), style))
            elif self.info.state is SessionState.RUNNING:
                if view.following:
                    parts.append(("  ● following", "bold $sv-running"))
                else:
                    parts.append(("  ‖ paused", "bold $warning"))
                    if view.unseen:
                        parts.append((f"  {view.unseen} new chunks", "bold reverse $warning"))
                    parts.append(("  (f or end to follow)", "$text-muted"))
        self.query_one("#transcript-status", Static).update(Content.assemble(*parts))

    def on_transcript_view_follow_changed(self, event: TranscriptView.FollowChanged) -> None:
        self._render_status()

    # ------------------------------------------------------------- actions
    def action_back(self) -> None:
        self.dismiss()

    def action_follow(self) -> None:
        view = self.query_one(TranscriptView)
        view.resume_following()
        self._render_status()

    def action_expand(self) -> None:
        view = self.query_one(TranscriptView)
        if not view.toggle_expand():
            self.notify("nothing to expand")

    def action_resume(self) -> None:
        self.app.resume(self.info)  # type: ignore[attr-defined]

    def action_copy_id(self) -> None:
        self.app.copy_id(self.info)  # type: ignore[attr-defined]

    def action_pager(self) -> None:
        self.app.open_in_pager(self.info)  # type: ignore[attr-defined]
