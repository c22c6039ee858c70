"""One session's transcript; follows a running session as its writer appends."""

from __future__ import annotations

import os
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

from sessionview.app.display import human_count, keep_end, short_path
from sessionview.app.widgets.transcript_view import Measure, TranscriptView, measure
from sessionview.render.humanize import human_bytes
from sessionview.render.safe import first_line, screen_text
from sessionview.store.errors import PersistenceError
from sessionview.store.formats import DecodeState, FormatAdapter, get_adapter
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.recent import first_chunks, last_chunks
from sessionview.store.tail import TailReader

#: How often the tail worker looks at the file when no watcher event wakes it
#: (with the watcher on, it only guards against a missed event).
POLL_FALLBACK = 0.25
POLL_FALLBACK_WATCHING = 2.0
#: Without the watcher, a session that is not running is looked at this often.
POLL_IDLE = 2.0
#: With nothing to poll, the follow thread still checks this often whether it should stop.
IDLE_WAIT = 5.0
#: Tries to get a consistent first read of an append-only file that keeps growing.
READ_TRIES = 3
#: A session file at least this big gets a quick first view (its first chunks, or its
#: last ones when following) while the whole file is read behind it.
QUICK_VIEW_BYTES = 4 << 20
QUICK_VIEW_CHUNKS = 300


def _stamp(path: Path) -> tuple[int, ...]:
    st = os.stat(path)
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def _read_whole(adapter: FormatAdapter, path: Path) -> tuple[list[Chunk], tuple[int, ...] | None]:
    """`load_chunks`, and the file's stat from just before (a change after it is seen)."""
    try:
        stamp: tuple[int, ...] | None = _stamp(path)
    except OSError:
        stamp = None
    return adapter.load_chunks(path), stamp


def _line_start(path: Path, size: int) -> int:
    """The offset just after the last newline before `size` (where a tail can start)."""
    with open(path, "rb") as fh:
        pos = size
        while pos > 0:
            step = min(1 << 16, pos)
            fh.seek(pos - step)
            block = fh.read(step)
            nl = block.rfind(b"\n")
            if nl >= 0:
                return pos - step + nl + 1
            pos -= step
    return 0


def _read_append_only(
    adapter: FormatAdapter, info: SessionInfo
) -> tuple[list[Chunk], TailReader, DecodeState]:
    """The whole transcript, a `TailReader` positioned right after what it holds, and
    the decoding state the reader's later records need (tool names seen so far).

    A running session is read through the reader itself, so not a line is lost or
    doubled while its writer appends. Other sessions go through `load_chunks` (the
    format's full parser), retried while the file grows under it.
    """
    path = Path(info.path)
    state = adapter.new_state()
    if info.state is SessionState.RUNNING:
        reader = TailReader(path)
        records: list[dict] = []
        while True:
            batch = reader.read()
            if batch.deleted or not batch.records:
                break
            records.extend(batch.records)
        return adapter.chunks_from_records(records, 0, state), reader, state
    for _ in range(READ_TRIES):
        before = os.stat(path).st_size
        state = adapter.new_state()
        chunks = adapter.load_chunks(path, state=state)
        try:
            after = os.stat(path).st_size
        except OSError:
            break
        if after == before:
            break
    return chunks, TailReader(path, offset=_line_start(path, before)), state


class TranscriptScreen(Screen):
    """Every chunk as a block; `f`/`end` follow, `x` expands cut lines, `escape` goes back."""

    BINDINGS = [
        Binding("escape", "back", "Back"),
        Binding("f", "toggle_follow", "Follow on/off"),
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
        self.quick = 0  # chunks in the quick first view of a huge session, until loaded
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
        self.stop_following()

    # ---------------------------------------------------------------- load
    @work(thread=True, exclusive=True, exit_on_error=False, group="transcript-load")
    def _load(self) -> None:
        """`_load_and_follow`; whatever it raises is shown in the screen (a worker that
        died silently would leave it "loading" forever)."""
        try:
            self._load_and_follow()
        except Exception as exc:
            error = " ".join(f"{type(exc).__name__}: {exc}".split())
            if self.loaded:
                self.app.call_from_thread(self._ended, f"stopped following: {error}")
            else:
                self.app.call_from_thread(self._failed, error)

    def _load_and_follow(self) -> None:
        """Read the transcript, then keep it current until the screen goes away.

        Append-only formats (openrath, claude, codex) are followed with a `TailReader`
        (only new bytes are read); whole-file formats (nanobot, snapshot) are re-read
        with `load_chunks` whenever the file changes.
        """
        info = self.info
        adapter = get_adapter(info.format)
        path = Path(info.path)
        reader: TailReader | None = None
        state: DecodeState | None = None
        stamp: tuple[int, ...] | None = None
        following = self.follow_wanted and info.state is SessionState.RUNNING
        if info.format == "openrath" and info.bytes >= QUICK_VIEW_BYTES:
            try:
                quick = (last_chunks if following else first_chunks)(path, QUICK_VIEW_CHUNKS)
            except PersistenceError:
                quick = []  # the full read below reports the problem properly
            if quick and not get_current_worker().is_cancelled:
                self.app.call_from_thread(self._quick_view, quick, [measure(c) for c in quick])
        try:
            if adapter.append_only:
                chunks, reader, state = _read_append_only(adapter, info)
            else:
                chunks, stamp = _read_whole(adapter, path)
        except PersistenceError as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        except OSError as exc:  # e.g. deleted between the list and the click
            self.app.call_from_thread(self._failed, f"{info.path}: {exc.strerror or exc}")
            return
        measures = [measure(c) for c in chunks]
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(self._loaded, chunks, measures)
        if reader is not None and state is not None:
            self._reader = reader
            self._tail(adapter, reader, len(chunks), state)
        else:
            self._reread(adapter, path, stamp)

    def _failed(self, error: str) -> None:
        self.load_error = error
        view = self.query_one(TranscriptView)
        view.loading = False
        self._render_status()

    def _quick_view(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        """A huge session: show a slice at once; `_loaded` replaces it with everything."""
        if self.loaded:
            return
        self.quick = len(chunks)
        view = self.query_one(TranscriptView)
        view.loading = False
        view.set_chunks(chunks, measures)
        self._render_status()

    def _loaded(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        self.loaded = True
        self.quick = 0
        view = self.query_one(TranscriptView)
        view.loading = False
        view.set_chunks(chunks, measures)
        self._render_status()

    # -------------------------------------------------------------- follow
    def _interval(self) -> float | None:
        """How long the follow thread sleeps between looks at the file when nothing wakes
        it. A session that is not running changes rarely: with the watcher on, only its
        events wake the thread (no polling at all)."""
        watching = getattr(self.app, "watching", False)
        if self.info.state is SessionState.RUNNING:
            return POLL_FALLBACK_WATCHING if watching else POLL_FALLBACK
        return None if watching else POLL_IDLE

    def _sleep(self) -> bool:
        """Wait for a wake-up or the poll interval; False once the screen is gone."""
        worker = get_current_worker()
        while True:
            interval = self._interval()
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

    def _tail(
        self, adapter: FormatAdapter, reader: TailReader, count: int, state: DecodeState
    ) -> None:
        """Append-only: read what was appended, on the load worker's thread; `state` is
        this session's decoding state (this thread's alone)."""
        while self._sleep():
            try:
                batch = reader.read()
            except PersistenceError as exc:
                self.app.call_from_thread(self._ended, f"cannot read: {exc}")
                return
            if batch.deleted:
                self.app.call_from_thread(self._ended, "the file was deleted")
                return
            if batch.reset:
                count = 0
                state = adapter.new_state()
            ended = any(adapter.is_end_record(r) for r in batch.records)
            chunks = adapter.chunks_from_records(batch.records, count, state)
            count += len(chunks)
            if chunks or batch.reset:
                measures = [measure(c) for c in chunks]
                self.app.call_from_thread(self._appended, chunks, measures, batch.reset)
            if ended:
                self.app.call_from_thread(self._ended, "closed: the writer wrote its trailer")
                return

    def _reread(self, adapter: FormatAdapter, path: Path, stamp: tuple[int, ...] | None) -> None:
        """Whole-file formats: re-read the file whenever its stat changes."""
        missing = False
        while self._sleep():
            try:
                now = _stamp(path)
            except FileNotFoundError:
                if missing:  # still gone at the next look: not a rewrite in progress
                    self.app.call_from_thread(self._ended, "the file was deleted")
                    return
                missing = True
                self._wake.set()
                time.sleep(0.2)
                continue
            except OSError as exc:
                self.app.call_from_thread(self._ended, f"cannot read: {exc.strerror or exc}")
                return
            missing = False
            if now == stamp:
                continue
            try:
                chunks, stamp = _read_whole(adapter, path)
            except PersistenceError:
                stamp = now  # unreadable as it is now: wait for its next change
                continue
            measures = [measure(c) for c in chunks]
            self.app.call_from_thread(self._replaced, chunks, measures)

    def wake(self, paths: list[str]) -> None:
        """A watcher saw these paths change; wake the follow thread if one is ours."""
        mine = {self.info.path}
        if self._reader is not None:
            mine.add(str(self._reader.path))
        stem = self.info.path.removesuffix(".__partial__")
        mine |= {stem, stem + ".__partial__"}
        if mine & set(paths):
            self._wake.set()

    def _appended(self, chunks: list[Chunk], measures: list[Measure], reset: bool) -> None:
        view = self.query_one(TranscriptView)
        if reset:
            view.set_chunks(chunks, measures)
        else:
            view.append_chunks(chunks, measures)
        self._render_status()

    def _replaced(self, chunks: list[Chunk], measures: list[Measure]) -> None:
        self.query_one(TranscriptView).replace_chunks(chunks, measures)
        self._render_status()

    def _ended(self, why: str) -> None:
        if self.ended is None:
            self.ended = why
            self._render_status()

    def session_updated(self, info: SessionInfo | None) -> None:
        """The list's row for this session changed (or vanished)."""
        if info is None:
            # Maybe only for a moment (OpenRath's `__partial__` -> `.jsonl` rename can
            # arrive as two watcher batches): the follow thread checks the file itself.
            self._wake.set()
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
        self.query_one("#transcript-title", Static).update(Content.assemble(*parts))

    def _render_status(self) -> None:
        view = self.query_one(TranscriptView)
        parts: list[tuple[str, str] | str] = []
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
                        parts.append((f"  {view.unseen} new chunks", "bold reverse $warning"))
                    parts.append(("  (f or end to follow)", "$text-muted"))
        self.query_one("#transcript-status", Static).update(Content.assemble(*parts))

    def on_transcript_view_follow_changed(self, event: TranscriptView.FollowChanged) -> None:
        self._render_status()

    # ------------------------------------------------------------- actions
    def action_back(self) -> None:
        self.dismiss()

    def action_follow(self) -> None:
        """Jump to the end and stay there as chunks arrive."""
        view = self.query_one(TranscriptView)
        view.resume_following()
        self._render_status()

    def action_toggle_follow(self) -> None:
        view = self.query_one(TranscriptView)
        if view.following:
            view.pause_following()
            self._render_status()
        else:
            self.action_follow()

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
