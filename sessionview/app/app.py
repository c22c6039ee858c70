"""The App: owns the index, the watcher and liveness workers, and the actions' file work."""

from __future__ import annotations

import os
import shlex
import subprocess
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import partial
from pathlib import Path

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.content import Content
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from sessionview.app import remote_rows
from sessionview.app.display import short_path
from sessionview.app.messages import (
    CopyIdRequested,
    DeleteRequested,
    HostsChanged,
    LineageRequested,
    OpenRequested,
    PagerRequested,
    PruneRequested,
    RestoreRequested,
    ResumeRequested,
    ScanBatch,
    ScanDone,
    SessionsChanged,
    SessionsDeleted,
    SessionsRestored,
    SortChosen,
    TrashExpired,
    TrashRequested,
    UndoRequested,
)
from sessionview.app.screens.base import SessionViewScreen
from sessionview.app.screens.confirm import ConfirmScreen
from sessionview.app.screens.corrupt import CorruptScreen
from sessionview.app.screens.fit import is_short
from sessionview.app.screens.help import HelpScreen, binding_rows
from sessionview.app.screens.lineage import LineageScreen
from sessionview.app.screens.main import STATE_FILTERS, MainScreen
from sessionview.app.screens.prune import PruneScreen
from sessionview.app.screens.resume import ResumeScreen
from sessionview.app.screens.search import SearchScreen
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.screens.trash import TrashScreen
from sessionview.app.themes import apply_themes, remember_theme_changes, variable_defaults_for
from sessionview.app.widgets.search_results import SearchResults
from sessionview.app.widgets.session_table import session_key
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.config import Config
from sessionview.render.humanize import human_bytes as human_size
from sessionview.render.humanize import plural, utc_now
from sessionview.render.safe import first_line as one_line
from sessionview.render.safe import screen_text as clean
from sessionview.sorting import parse_sort
from sessionview.store import actions
from sessionview.store.errors import PersistenceError
from sessionview.store.fold import STATE_PREFERENCE
from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.resume import ResumePlan
from sessionview.store.watch import watch_forever

LIVENESS_INTERVAL = 1.0
SCAN_REDRAW = 0.5
#: Closes and crashes within this many seconds share one toast.
ANNOUNCE_DELAY = 0.5
ANNOUNCE_TIMEOUT = 4.0


def _label(info: SessionInfo, width: int = 40) -> str:
    return f"{info.short_id} {one_line(info.title, width)}".strip()


class SessionViewApp(App[None]):
    """Lists, follows and cleans up agent sessions; all file work runs in workers."""

    CSS_PATH = "sessionview.tcss"
    TITLE = "sessionview"
    BINDINGS = [
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help"),
        Binding("ctrl+p", "command_palette", "Commands", show=False),
    ]

    def __init__(
        self,
        index: SessionIndex,
        config: Config,
        *,
        watch: bool = True,
        banner: str | None = None,
        now: Callable[[], datetime] | None = None,
        dir_problems: Sequence[str] = (),
        hosts: list | None = None,
        remote_args: list[str] | None = None,
    ) -> None:
        """`watch=False` turns off the file watcher and liveness polling (snapshot
        tests); `now` is the clock behind "12s ago"; `banner` is a line shown on top;
        `dir_problems` are lines about directories the user named that are not there;
        `hosts` (remote `HostSpec`s) join the list live over ssh, with `remote_args`
        (`--dir`)."""
        super().__init__()
        self.dir_problems = tuple(dir_problems)
        self.index = index
        self.config = config
        self.watching = watch
        self.banner = banner
        self.now = now or utc_now
        self.rows: dict[str, SessionInfo] = {}
        self._scan_overlay: dict[str, SessionInfo] | None = None
        self._stop = threading.Event()
        #: Set once the file watcher watches every root (cleared while it re-arms).
        self.watch_armed = threading.Event()
        #: Set while some listed session is running (the liveness thread waits for it).
        self._running_rows = threading.Event()
        self._undo: list[list[actions.TrashEntry | remote_rows.RemoteTrash]] = []
        #: Sessions that closed or crashed since the last toast (see `_announce`).
        self._announcements: list[SessionInfo] = []
        self._problems_shown = False
        self._scan_drawn = 0.0
        #: (monotonic time, paths) of the latest file event, for the benchmark.
        self.last_event_at: float = 0.0
        #: Remote hosts' live rows (`sessionview --host`), by host name.
        self.feeds: dict = {}
        if hosts:
            self.set_remote_hosts(hosts, remote_args or [])

    def set_remote_hosts(self, specs: list, remote_args: list[str]) -> None:
        self.feeds = remote_rows.make_feeds(specs, remote_args, self, self._stop)

    # ----------------------------------------------------------- theming
    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Every `$sv-*` variable the CSS uses, derived from the active theme's colours
        (a theme's own `[variables]` still win); `sv-tool-result` follows `sv-tool`."""
        theme = self.current_theme
        defaults = variable_defaults_for(theme)
        own = theme.variables if theme is not None else {}
        defaults["sv-tool-result"] = own.get("sv-tool", defaults["sv-tool"])
        return defaults

    def on_mount(self) -> None:
        remember_theme_changes(self, apply_themes(self, self.config.theme))
        self.set_class(is_short(self.size.height), "-short")

    def on_resize(self, event: events.Resize) -> None:
        """A short terminal (80x24) gets tighter dialogs: see `screens.fit`."""
        self.set_class(is_short(event.size.height), "-short")

    def get_default_screen(self) -> Screen:
        dirs = [str(root.path) for root in self.index.roots]
        return MainScreen(
            self.now,
            dirs,
            self.banner,
            self.watching,
            dir_problems=self.dir_problems,
            sort=parse_sort(self.config.sort),
        )

    @on(SortChosen)
    def remember_sort(self, message: SortChosen) -> None:
        """Keep the list's order in config.toml for the next start."""
        from sessionview.config import config_path, save_setting

        try:
            save_setting("sort", message.order.setting())
        except OSError as exc:
            self.notify(
                f"{config_path()}: cannot save the sort: {exc.strerror or exc}", severity="warning"
            )

    @property
    def main(self) -> MainScreen:
        """The session list (always at the bottom of the screen stack)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    # ------------------------------------------------------------ startup
    def on_main_screen_ready(self, _message: MainScreen.Ready) -> None:
        if self.config.problems:
            self.notify(
                "\n".join(self.config.problems), title="config.toml", severity="warning", timeout=10
            )
        existing = self.index.sessions()
        if existing:
            self._apply_rows(existing)
        self._scan_overlay = {}
        if not existing:
            self.main.set_progress(0, None)
        self.scan()
        self.expire_trash()
        if self.watching:
            self.watch_files()
            self.liveness_loop()
        if self.feeds:
            self.main.set_hosts(remote_rows.host_lines(self.feeds))
            remote_rows.start(self.feeds)

    def on_hosts_changed(self, _message: HostsChanged) -> None:
        if not self.screen_stack:
            return
        for feed in self.feeds.values():
            for line in feed.take_reports():  # interrupted actions, settled on reconnect
                self.notify(clean(line), severity="warning", timeout=10)
        self.main.set_hosts(remote_rows.host_lines(self.feeds))
        if self._scan_overlay is None:
            self._apply_rows(self.index.sessions())

    def on_unmount(self) -> None:
        self._stop_threads()

    def exit(self, *args, **kwargs) -> None:  # noqa: D401 - stop threads before exiting
        self._stop_threads()
        super().exit(*args, **kwargs)

    def _stop_threads(self) -> None:
        self._stop.set()
        self._running_rows.set()  # wakes the liveness thread, which then sees _stop
        for screen in self.screen_stack:
            if isinstance(screen, TranscriptScreen):
                screen.stop_following()

    # ----------------------------------------------------------- workers
    @work(thread=True, exclusive=True, exit_on_error=False, group="scan")
    def scan(self) -> None:
        seen = total = 0

        def on_total(count: int) -> None:
            nonlocal total
            total = count

        def on_batch(batch: list[SessionInfo]) -> None:
            nonlocal seen
            seen += len(batch)
            self.post_message(ScanBatch(list(batch), seen, total))

        self.index.scan(on_batch=on_batch, batch_size=500, on_total=on_total)
        self.post_message(ScanDone())

    @work(thread=True, exclusive=True, exit_on_error=False, group="watch")
    def watch_files(self) -> None:
        """Refresh every path the watcher reports. `watch_forever` survives a root being
        deleted and re-created (DELETED for its files, then ADDED) and starts watching a
        root that did not exist at startup once it appears."""
        roots = [root.path for root in self.index.roots]
        for batch in watch_forever(
            roots,
            self._stop,
            polling=self.config.polling,
            poll_interval=self.config.poll_interval,
            armed=self.watch_armed,
        ):
            if self._stop.is_set():
                return
            stamp = time.monotonic()
            paths: list[str] = []
            for change in batch:
                self.index.refresh(change.path)
                paths.append(change.path)
            if paths:
                self.last_event_at = stamp
                self.post_message(SessionsChanged(paths=tuple(paths)))

    @work(thread=True, exclusive=True, exit_on_error=False, group="liveness-loop")
    def liveness_loop(self) -> None:
        """A writer can die without touching its file: while some row is running, recheck
        the running rows every LIVENESS_INTERVAL. With none running the thread sleeps
        (a new writer shows itself by writing, which the watcher sees)."""
        while not self._stop.is_set():
            self._running_rows.wait()
            if self._stop.wait(LIVENESS_INTERVAL):
                return
            if not self._running_rows.is_set():
                continue
            changed = self.index.recheck_liveness()
            if changed:
                self.post_message(SessionsChanged(paths=tuple(c.path for c in changed)))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR:
            error = event.worker.error
            self.notify(
                f"{event.worker.group}: {type(error).__name__}: {clean(str(error))}",
                title="background task failed",
                severity="error",
                timeout=10,
            )

    # ------------------------------------------------------------ updates
    def on_scan_batch(self, message: ScanBatch) -> None:
        if self._scan_overlay is None or not self.screen_stack:
            return  # a batch that arrives while the app shuts down
        for info in message.infos:
            key = session_key(info)
            prev = self._scan_overlay.get(key)
            if prev is None or STATE_PREFERENCE[info.state] > STATE_PREFERENCE[prev.state]:
                self._scan_overlay[key] = info
        # Rows go on screen at once for the first batch, then at most every
        # SCAN_REDRAW seconds: each table update costs O(rows) on the UI thread.
        now = time.monotonic()
        if message.seen < message.total and now - self._scan_drawn < SCAN_REDRAW:
            self.main.set_progress(message.seen, message.total)
            return
        self._scan_drawn = now
        merged = {session_key(i): i for i in self.index.sessions()}
        merged.update(self._scan_overlay)
        epoch = datetime.fromtimestamp(0).astimezone()
        rows = sorted(merged.values(), key=lambda i: i.updated_at or epoch, reverse=True)
        self.main.set_progress(message.seen, message.total)
        self._apply_rows(rows)

    @on(ScanDone)
    def _scan_done(self) -> None:
        if not self.screen_stack:
            return  # the app is shutting down
        self._scan_overlay = None
        self.main.set_progress(None, None)
        if self.index.problems and not self._problems_shown:
            self._problems_shown = True
            self.notify(
                "\n".join(clean(p) for p in self.index.problems[:8]),
                title="not everything could be listed",
                severity="warning",
                timeout=8,
            )
        self._apply_rows(self.index.sessions())

    @on(SessionsChanged)
    def _sessions_changed(self, message: SessionsChanged) -> None:
        """A (possibly coalesced, see `SessionsChanged.can_replace`) batch of re-read paths."""
        if not self.screen_stack:
            return  # the app is shutting down
        if self._scan_overlay is not None:
            # A file event during the first scan: update the overlay with it.
            for path in message.paths:
                info = self.index.get_path(path)
                if info is not None:
                    self._scan_overlay[session_key(info)] = info
            return
        self._apply_rows(self.index.sessions())
        for screen in self.screen_stack:
            if isinstance(screen, TranscriptScreen) and message.paths:
                screen.wake(message.paths)

    def _apply_rows(self, rows: list[SessionInfo]) -> None:
        if self.feeds:
            rows = remote_rows.merged(rows, self.feeds)
        old = self.rows
        new = {session_key(i): i for i in rows}
        self.rows = new
        if any(info.state is SessionState.RUNNING for info in rows):
            self._running_rows.set()
        elif not self._stop.is_set():
            self._running_rows.clear()
        for key, info in new.items():
            prev = old.get(key)
            if prev is None or prev.state is not SessionState.RUNNING:
                continue
            if info.state in (SessionState.CLOSED, SessionState.CRASHED):
                self._announce(info)
        self.main.set_sessions(rows)
        for screen in self.screen_stack:
            if isinstance(screen, SessionViewScreen):
                screen.rows_changed(old, new)

    def _announce(self, info: SessionInfo) -> None:
        """A running session closed or crashed: one short toast, soon, for every such
        change in the next ANNOUNCE_DELAY ("3 sessions closed"), as `notify` allows."""
        if self.config.bell:
            self.bell()
        wanted = self.config.notify
        if wanted == "none" or (wanted == "crashes" and info.state is not SessionState.CRASHED):
            return
        if not self._announcements:
            self.set_timer(ANNOUNCE_DELAY, self._flush_announcements)
        self._announcements.append(info)

    def _flush_announcements(self) -> None:
        infos, self._announcements = self._announcements, []
        levels: tuple[tuple[SessionState, SeverityLevel], ...] = (
            (SessionState.CRASHED, "warning"),
            (SessionState.CLOSED, "information"),
        )
        for state, severity in levels:
            these = [i for i in infos if i.state is state]
            if not these:
                continue
            glyph = these[0].glyph
            if len(these) == 1:
                text = f"{glyph} {state.value}: {_label(these[0], 24)}"
            else:
                text = f"{glyph} {len(these)} sessions {state.value}"
            self.notify(text, severity=severity, timeout=ANNOUNCE_TIMEOUT)

    def all_sessions(self) -> list[SessionInfo]:
        return list(self.rows.values())

    # ------------------------------------------------------------ actions
    # Each `@on(...Requested)` handler is what a screen's key asks for (see `messages`).
    @on(OpenRequested)
    def _open_requested(self, message: OpenRequested) -> None:
        if message.at_chunk is None:
            self.open_session(message.info)
        else:
            self.push_screen(
                TranscriptScreen(
                    message.info,
                    follow=False,
                    start_chunk=message.at_chunk,
                    hits=message.hits,
                    search=message.search,
                )
            )

    def open_session(self, info: SessionInfo) -> None:
        if remote_rows.host_of(info):
            self.push_screen(remote_rows.transcript(self, info))
        elif info.state is SessionState.CORRUPT:
            self.push_screen(CorruptScreen(info))
        else:
            self.push_screen(TranscriptScreen(info, follow=self.config.follow_by_default))

    @on(DeleteRequested)
    def confirm_delete(self, message: DeleteRequested) -> None:
        targets = list(message.sessions)
        if not targets:
            return
        running = [t for t in targets if t.state is SessionState.RUNNING]
        targets = [t for t in targets if t.state is not SessionState.RUNNING]
        if running and not targets:
            info = running[0]
            self.notify(
                f"{_label(info)} is running ({clean(info.state_reason)}); a session can be "
                "deleted once its writer has exited",
                title="cannot delete a running session",
                severity="warning",
            )
            return
        parts: list[tuple[str, str] | str] = [
            (
                f"Move {len(targets)} session{'s' if len(targets) > 1 else ''} "
                f"({human_size(sum(t.bytes for t in targets))}) to the trash? u undoes.\n\n",
                "",
            )
        ]
        for info in targets[:100]:
            parts.append((f"{info.glyph} {info.state.value:<8}", f"$sv-{info.state.value}"))
            parts.append((f" {clean(info.short_id)}  ", "$text-muted"))
            parts.append((one_line(info.title, 70) or "(no title)") + "\n")
        if len(targets) > 100:
            parts.append((f"… and {len(targets) - 100} more\n", "$text-muted"))
        if running:
            parts.append(
                (f"\nskipped, still running: {', '.join(_label(r) for r in running)}", "$warning")
            )
        title = (
            f"Delete {_label(targets[0])}?"
            if len(targets) == 1
            else f"Delete {len(targets)} marked sessions?"
        )

        def done(ok: bool | None) -> None:
            if ok:
                self.delete_worker(targets)

        self.push_screen(ConfirmScreen(title, Content.assemble(*parts).rstrip()), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="delete")
    def delete_worker(self, targets: list[SessionInfo]) -> None:
        roots = [root.path for root in self.index.roots]
        done: list = []
        failed: list[str] = []
        remote = [t for t in targets if remote_rows.host_of(t)]
        targets = [t for t in targets if not remote_rows.host_of(t)]
        remote_rows.delete(self.feeds, remote, done, failed)
        for info in targets:
            try:
                entry = actions.delete_session(info, roots=roots)
            except PersistenceError as exc:
                failed.append(str(exc))
                continue
            done.append(entry)
            for original, _ in entry.files:
                self.index.forget(original)
        self.post_message(SessionsDeleted(done, failed))

    @on(SessionsDeleted)
    def _deleted(self, message: SessionsDeleted) -> None:
        done, failed = message.entries, message.failed
        if done:
            self._undo.append(done)
            self.notify(f"moved {plural(len(done), 'session')} to the trash; u undoes")
        for error in failed[:5]:
            self.notify(clean(error), title="not deleted", severity="error")
        self.main.clear_marks()
        self._apply_rows(self.index.sessions())

    @on(UndoRequested)
    def undo_delete(self) -> None:
        if not self._undo:
            self.notify("nothing to undo")
            return
        self.restore_worker(self._undo.pop())

    @on(RestoreRequested)
    def _restore_requested(self, message: RestoreRequested) -> None:
        self.restore_worker(list(message.entries))

    @work(thread=True, exclusive=True, exit_on_error=False, group="delete")
    def restore_worker(self, entries: list[actions.TrashEntry | remote_rows.RemoteTrash]) -> None:
        restored = 0
        failed: list[str] = []
        for entry in entries:
            if isinstance(entry, remote_rows.RemoteTrash):
                ok = remote_rows.restore(self.feeds, entry, failed)
                restored += ok
                continue
            try:
                paths = actions.restore(entry)
            except PersistenceError as exc:
                failed.append(str(exc))
                continue
            restored += 1
            for path in paths:
                self.index.refresh(path)
        self.post_message(SessionsRestored(restored, failed))

    @on(SessionsRestored)
    def _restored(self, message: SessionsRestored) -> None:
        restored, failed = message.restored, message.failed
        if restored:
            self.notify(f"restored {plural(restored, 'session')}")
        for error in failed[:5]:
            self.notify(clean(error), title="not restored", severity="error")
        self._apply_rows(self.index.sessions())
        for screen in self.screen_stack:
            if isinstance(screen, TrashScreen):
                screen.reload()

    @on(TrashRequested)
    def open_trash(self) -> None:
        self.push_screen(TrashScreen(self.now, self.config.trash_days))

    @work(thread=True, exclusive=True, exit_on_error=False, group="trash-expiry")
    def expire_trash(self) -> None:
        """Purge what the trash has kept longer than `trash_days`, and say so."""
        purged = actions.expire_trash(self.config.trash_days)
        if purged:
            self.post_message(TrashExpired(len(purged), self.config.trash_days))

    @on(TrashExpired)
    def _trash_expired(self, message: TrashExpired) -> None:
        days = plural(message.days, "day")
        self.notify(
            f"purged {plural(message.purged, 'session')} kept in the trash over {days}",
            timeout=8,
        )

    @on(PruneRequested)
    def open_prune(self) -> None:
        def done(plan: actions.PrunePlan | None) -> None:
            if plan is not None:
                self.prune_worker(plan)

        self.push_screen(PruneScreen(self.all_sessions, self.config.prune, self.now), done)

    @work(thread=True, exclusive=True, exit_on_error=False, group="delete")
    def prune_worker(self, plan: actions.PrunePlan) -> None:
        # Remote rows are pruned by their own host (the trash is there), local ones here.
        roots = [root.path for root in self.index.roots]
        entries, skipped = actions.execute_prune(remote_rows.local_part(plan), roots=roots)
        for entry in entries:
            for original, _ in entry.files:
                self.index.forget(original)
        done: list = list(entries)
        failed = [f"{s.short_id}: {why}" for s, why in skipped]
        remote_rows.prune(self.feeds, plan, done, failed)
        self.post_message(SessionsDeleted(done, failed))

    @on(ResumeRequested)
    def resume(self, message: ResumeRequested) -> None:
        """Resume with the configured command; a running session asks first (a second
        writer on a live session is rarely what anyone wants)."""
        info = message.info
        if info.state is SessionState.RUNNING:
            body = Content.assemble(
                (f"{info.glyph} running", "$sv-running"),
                f" ({clean(info.state_reason)}).\n\n",
                "Its agent is still writing it: resuming now starts a second writer "
                "on the same session.",
            )

            def done(ok: bool | None) -> None:
                if ok:
                    self._resume(info)

            self.push_screen(
                ConfirmScreen(
                    f"Resume {_label(info, 30)} while it runs?", body, confirm_label="Resume"
                ),
                done,
            )
            return
        self._resume(info)

    def _resume(self, info: SessionInfo) -> None:
        if remote_rows.host_of(info):
            remote_rows.resume(self, info)
            return
        try:
            plan = actions.resume_plan(info, self.config.resume)
        except (PersistenceError, KeyError) as exc:
            self.notify(clean(str(exc)), title="cannot resume", severity="error")
            return
        if plan.command is None:
            self.push_screen(ResumeScreen(f"Resume {_label(info)}", plan))
            return
        tail: list[str] = []
        try:
            with self.suspend():
                if info.state is SessionState.CRASHED:
                    print(f"# this session crashed ({info.state_reason})", flush=True)
                print(f"$ {plan.display()}", flush=True)
                status = actions.run_resume(plan, stderr_tail=tail)
        except (
            Exception
        ) as exc:  # SuspendNotSupported (headless, web) or the command failed to start
            self.push_screen(
                ResumeScreen(f"Resume {_label(info)}", plan, note=f"could not run it here: {exc}")
            )
            return
        self.resume_finished(info, plan, status, tail)

    def resume_finished(
        self, info: SessionInfo, plan: ResumePlan, status: int, stderr_tail: list[str]
    ) -> None:
        """Back from a resume command: a short toast on success; on failure the
        command and its last lines of error output, which the app's screen hid."""
        if status == 0:
            self.notify("resume command finished")
            return
        note = f"the command exited with status {status}"
        if stderr_tail:
            note += "; its last error output:\n" + "\n".join(clean(line) for line in stderr_tail)
        else:
            note += " (it wrote no error output)"
        self.push_screen(ResumeScreen(f"Resume {_label(info)} failed", plan, note=note))

    @on(CopyIdRequested)
    def copy_id(self, message: CopyIdRequested) -> None:
        self.copy_to_clipboard(message.info.id)
        self.notify(f"copied {clean(message.info.id)}")

    @on(PagerRequested)
    def open_in_pager(self, message: PagerRequested) -> None:
        info = message.info
        if remote_rows.host_of(info):
            remote_rows.explain_open(self, info)
            return
        pager = os.environ.get("PAGER") or "less"
        try:
            with self.suspend():
                status = subprocess.call([*shlex.split(pager), str(Path(info.path))])
        except Exception as exc:
            self.notify(f"cannot open a pager: {clean(str(exc))}", severity="error")
            return
        if status not in (0, None):
            self.notify(f"{clean(pager)} exited with status {status}", severity="warning")

    @on(LineageRequested)
    def open_lineage(self) -> None:
        items = self.main.lineage()
        if not items:
            self.notify("this session has no parents or children in the list")
            return

        def done(info: SessionInfo | None) -> None:
            if info is not None:
                self.main.jump_to(info)

        self.push_screen(LineageScreen(items), done)

    def action_help(self) -> None:
        sections = [
            ("Session list", binding_rows(MainScreen.BINDINGS)),
            (
                "Filter box",
                [("enter", "keep the filter, back to the list"), ("esc", "clear the filter")],
            ),
            (
                "Search (s)",
                binding_rows(SearchScreen.BINDINGS)
                + binding_rows(SearchResults.BINDINGS)
                + [("n / N", "in the transcript opened from a hit: next / previous hit")],
            ),
            (
                "Transcript",
                # The view's `end, G` is the screen's follow (`end`): listed once.
                [r for r in binding_rows(TranscriptScreen.BINDINGS) if r[0] != "end"]
                + binding_rows(TranscriptView.BINDINGS),
            ),
            (
                "Dialogs",
                [
                    ("y, enter / n, esc", "confirm / cancel a delete"),
                    ("ctrl+y", "prune (in the prune dialog)"),
                ],
            ),
            ("Trash", binding_rows(TrashScreen.BINDINGS)),
            ("Everywhere", binding_rows(self.BINDINGS)),
        ]
        self.push_screen(HelpScreen(sections))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Every action of the screen the palette was opened on (ctrl+p)."""
        yield from super().get_system_commands(screen)
        yield SystemCommand("Help", "List every key", self.action_help)
        if isinstance(screen, TranscriptScreen):
            yield from self._transcript_commands(screen)
        elif isinstance(screen, MainScreen):
            yield from self._list_commands(screen)

    def _transcript_commands(self, screen: TranscriptScreen) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Follow: toggle",
            "Follow the end of the transcript, or stop following",
            screen.action_toggle_follow,
        )
        yield SystemCommand(
            "Expand long lines",
            "Show the cut lines on screen in full (or fold them)",
            screen.action_expand,
        )
        yield SystemCommand("Resume", "Resume this session with its agent", screen.action_resume)
        yield SystemCommand(
            "Copy id", "Copy the session id to the clipboard", screen.action_copy_id
        )
        yield SystemCommand("Open in pager", "Open the raw file in $PAGER", screen.action_pager)
        yield SystemCommand("Back", "Back to the session list", screen.action_back)

    def _list_commands(self, main: MainScreen) -> Iterable[SystemCommand]:
        yield SystemCommand(
            "Open session", "Open the highlighted session's transcript", main.action_open
        )
        yield SystemCommand("Mark", "Mark or unmark the highlighted session", main.action_mark)
        yield SystemCommand("Clear marks", "Unmark every session", main.action_clear_marks)
        yield SystemCommand(
            "Delete", "Move the marked (or highlighted) sessions to the trash", main.action_delete
        )
        yield SystemCommand("Undo delete", "Restore the last deleted sessions", main.action_undo)
        yield SystemCommand(
            "Prune", "Remove old closed/crashed sessions, with a preview", main.action_prune
        )
        yield SystemCommand("Resume", "Resume the highlighted session", main.action_resume)
        yield SystemCommand("Copy id", "Copy the session id to the clipboard", main.action_copy_id)
        yield SystemCommand("Open in pager", "Open the raw file in $PAGER", main.action_pager)
        yield SystemCommand("Lineage", "Jump to a parent or child session", main.action_lineage)
        yield SystemCommand("Trash", "See, restore or purge deleted sessions", main.action_trash)
        yield SystemCommand(
            "Sort: next column", "Sort the list by the next column", main.action_cycle_sort
        )
        yield SystemCommand("Sort: reverse", "Reverse the list's order", main.action_reverse_sort)
        yield SystemCommand("Filter: text", "Filter by title, id or format", main.action_filter)
        yield SystemCommand("Search", "Full-text search in every session", main.action_search)
        for state in STATE_FILTERS:
            label = "all states" if state == "all" else state
            yield SystemCommand(
                f"Filter: state {label}",
                f"List {label} sessions only" if state != "all" else "List every state",
                partial(main.action_state_filter, state),
            )
        yield SystemCommand(
            "Filter: all formats",
            "List every agent's sessions",
            partial(main.action_format_filter, "all"),
        )
        for name in main.formats:
            yield SystemCommand(
                f"Filter: format {name}",
                f"List {name} sessions only",
                partial(main.action_format_filter, name),
            )
        yield SystemCommand(
            "Filter: all projects",
            "List every project's sessions",
            partial(main.action_project_filter, "all"),
        )
        for project in main.projects:
            yield SystemCommand(
                f"Filter: project {short_path(project)}",
                f"List the sessions started in {short_path(project)} only",
                partial(main.action_project_filter, project),
            )
