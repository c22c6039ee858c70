"""The session list with its header, filter, preview pane and every list action."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.reactive import var
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import DataTable, Footer, Input, ProgressBar, Static

from sessionview.app.display import short_path
from sessionview.app.messages import (
    CopyIdRequested,
    DeleteRequested,
    LineageRequested,
    OpenRequested,
    PagerRequested,
    PruneRequested,
    ResumeRequested,
    SortChosen,
    TrashRequested,
    UndoRequested,
)
from sessionview.app.remote_rows import host_of
from sessionview.app.screens.base import SessionViewScreen
from sessionview.app.widgets.preview import PreviewPane
from sessionview.app.widgets.session_table import SessionTable, session_key
from sessionview.projects import project_of
from sessionview.render.humanize import plural
from sessionview.render.safe import screen_text as clean
from sessionview.sorting import SORT_COLUMNS, SortOrder
from sessionview.store.model import STATE_GLYPHS, SessionInfo, SessionState

STATE_FILTERS = ("all", "running", "crashed", "closed", "corrupt")
#: (width, height) under which the preview pane is hidden.
COLLAPSE_BELOW = (60, 18)


class MainScreen(SessionViewScreen):
    """Sessions, newest activity first; the cursor stays on its session through updates."""

    AUTO_FOCUS = "#sessions"
    BINDINGS = [
        Binding("enter", "open", "Open"),
        Binding("slash", "filter", "Filter"),
        Binding("s", "search", "Search", show=False),
        Binding("space", "mark", "Mark", show=False),
        Binding("d", "delete", "Delete"),
        Binding("u", "undo", "Undo"),
        Binding("p", "prune", "Prune"),
        Binding("r", "resume", "Resume"),
        Binding("c", "copy_id", "Copy id", show=False),
        Binding("o", "pager", "Pager", show=False),
        Binding("e", "export", "Export", show=False),
        Binding("l", "lineage", "Lineage", show=False),
        Binding("t", "trash", "Trash", show=False),
        Binding("f", "cycle_format", "Format filter (cycle)", show=False),
        Binding("w", "cycle_project", "Project filter (cycle)", show=False),
        Binding("greater_than_sign", "cycle_sort", "Sort by the next column", show=False),
        Binding("less_than_sign", "reverse_sort", "Reverse the sort", show=False),
        Binding("h", "cycle_host", "Host filter (cycle)", show=False),
        Binding("1", "state_filter('all')", "All states", show=False),
        Binding("2", "state_filter('running')", "Running only", show=False),
        Binding("3", "state_filter('crashed')", "Crashed only", show=False),
        Binding("4", "state_filter('closed')", "Closed only", show=False),
        Binding("5", "state_filter('corrupt')", "Corrupt only", show=False),
        Binding("escape", "clear_marks", "Clear marks", show=False),
    ]

    class Ready(Message):
        """Composed and mounted: the App may start scanning and watching."""

    # The view's state: changing any of these re-applies the list once (`_refilter`).
    #: The list's order (`>` cycles columns, `<` or a second header click reverses).
    sort: var[SortOrder] = var(SortOrder, init=False)
    filter_text: var[str] = var("", init=False)
    state_filter: var[str] = var("all", init=False)
    #: "all", or one format id: only that agent's sessions are listed.
    format_filter: var[str] = var("all", init=False)
    #: "all", or one project directory (see `sessionview.projects`).
    project_filter: var[str] = var("all", init=False)
    #: "all", "local", or one host name (`--host`): only that host's sessions are listed.
    host_filter: var[str] = var("all", init=False)

    def __init__(
        self,
        now: Callable[[], datetime],
        dirs: Sequence[str],
        banner: str | None,
        watching: bool,
        *,
        dir_problems: Sequence[str] = (),
        sort: SortOrder | None = None,
    ) -> None:
        super().__init__()
        #: Rows arrived while a full screen covered the list: applied on resume.
        self._list_stale = False
        self.set_reactive(MainScreen.sort, sort or SortOrder())
        #: Lines about named directories that are missing or not directories.
        self.dir_problems = list(dir_problems)
        self.now = now
        self.dirs = list(dirs)
        self.banner = banner
        self.watching = watching
        self.all_rows: list[SessionInfo] = []
        self.by_id: dict[str, list[SessionInfo]] = {}
        #: Inside `_filters_batch`: watchers leave the re-apply to its end.
        self._batching = False
        self.hosts: list[str] = []
        self.scanning = False
        self._preview_timer: Timer | None = None

    # ------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        if self.banner:
            yield Static(Content(self.banner), id="banner")
        yield Static(id="status")
        yield Static(id="hosts")
        yield ProgressBar(id="scan-progress", show_eta=False)
        yield Input(placeholder="filter: title, id or format", id="filter")
        with Vertical(id="body"):
            yield SessionTable(self.now, id="sessions")
            yield Static(id="empty")
        yield PreviewPane(self.now, id="preview")
        # Compact, and the rarer keys only in `?` help and the palette: at 80 columns
        # the footer must still show q Quit and ? Help.
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.table.focus()
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        self.set_interval(5.0, self._tick)
        self._render_status()
        self.post_message(self.Ready())

    def on_resize(self, event) -> None:
        """Below COLLAPSE_BELOW the preview pane goes: the list needs the rows."""
        width, height = COLLAPSE_BELOW
        self.set_class(event.size.width < width or event.size.height < height, "-cramped")

    def _theme_changed(self, _theme) -> None:
        self.table.restyle()
        self._render_status()

    def _tick(self) -> None:
        """Keep "12s ago" honest: only activity cells whose text changed are touched,
        and nothing while another screen (a transcript) covers the list."""
        if self.visible_to_user:
            self.table.refresh_ages()

    @property
    def visible_to_user(self) -> bool:
        """On top, or under a dialog (a transcript covers the list completely)."""
        top = self.app.screen
        return top is self or (isinstance(top, ModalScreen) and self.app.screen_stack[-2] is self)

    def on_screen_resume(self) -> None:
        if self.is_mounted:
            if self._list_stale:
                self._list_stale = False
                self._apply()
            self.table.refresh_ages()

    @property
    def table(self) -> SessionTable:
        return self.query_one(SessionTable)

    @property
    def current(self) -> SessionInfo | None:
        table = self.table
        return table.info(table.current_key)

    # ------------------------------------------------------------ updates
    def set_sessions(self, rows: list[SessionInfo]) -> None:
        """The whole list changed (a scan batch, a file event, a liveness flip)."""
        self.all_rows = rows
        by_id: dict[str, list[SessionInfo]] = {}
        for info in rows:
            by_id.setdefault(info.id, []).append(info)
        self.by_id = by_id
        if self.is_mounted and not self.visible_to_user:
            # Covered by a full screen (a transcript, the search): the table is brought
            # up to date when it is shown again, not on every watcher batch meanwhile
            # (re-applying 10,000 rows took the UI thread from the screen on top).
            self._list_stale = True
            return
        self._apply()

    def set_progress(self, seen: int | None, total: int | None) -> None:
        """The first scan's progress; `None` when it is done. The bar is removed then:
        a ProgressBar keeps a 1 s timer running even while hidden."""
        bars = self.query("#scan-progress").results(ProgressBar)
        bar = next(bars, None)
        if seen is None:
            self.scanning = False
            if bar is not None:
                bar.remove()
        else:
            self.scanning = True
            if bar is None:
                bar = ProgressBar(id="scan-progress", show_eta=False)
                self.mount(bar, after="#status")
            bar.display = True
            bar.update(total=max(total or 1, seen), progress=seen)
        self._apply()

    def set_hosts(self, lines: list[tuple[str, str, bool]]) -> None:
        """One header line: each remote host and its connection's state."""
        from sessionview.render.safe import first_line

        self.hosts = [name for name, _, _ in lines]
        self.table.show_hosts = True
        parts: list[tuple[str, str] | str] = [("hosts: ", "$text-muted")]
        if self.host_filter != "all":
            parts.append((f"[host: {first_line(self.host_filter, 40)}]  ", "bold $accent"))
        for name, state, stale in lines:
            style = "$success" if state == "connected" else "$warning"
            if state.startswith(("unreachable", "sessionview", "error", "protocol")):
                style = "$error"
            parts.append((first_line(name, 40), "bold"))
            parts.append((f" {first_line(state, 120)}", style))
            if stale:
                parts.append((" (rows stale)", "$text-muted"))
            parts.append("  ")
        line = self.query_one("#hosts", Static)
        line.update(Content.assemble(*parts).rstrip())
        line.display = True

    def action_cycle_host(self) -> None:
        if not self.hosts:
            self.notify("no remote hosts: start with --host DEST or hosts in config.toml")
            return
        names = ["all", "local", *self.hosts]
        at = names.index(self.host_filter) if self.host_filter in names else 0
        self.host_filter = names[(at + 1) % len(names)]

    # The watchers of the view state: each change re-applies the list, once.
    def watch_sort(self) -> None:
        self._refilter()

    def watch_filter_text(self) -> None:
        self._refilter()

    def watch_state_filter(self) -> None:
        self._refilter()

    def watch_format_filter(self) -> None:
        self._refilter()

    def watch_project_filter(self) -> None:
        self._refilter()

    def watch_host_filter(self) -> None:
        self._refilter()

    def _refilter(self) -> None:
        if not self._batching and self.is_mounted:
            self._apply()

    @contextmanager
    def _filters_batch(self) -> Iterator[None]:
        """Change several filters, re-apply the list once at the end."""
        self._batching = True
        try:
            yield
        finally:
            self._batching = False
        self._apply()

    def _visible(self) -> list[SessionInfo]:
        rows = self.all_rows
        if self.host_filter != "all":
            wanted = None if self.host_filter == "local" else self.host_filter
            rows = [r for r in rows if host_of(r) == wanted]
        if self.format_filter != "all":
            rows = [r for r in rows if r.format == self.format_filter]
        if self.state_filter != "all":
            rows = [r for r in rows if r.state.value == self.state_filter]
        if self.project_filter != "all":
            rows = [r for r in rows if project_of(r) == self.project_filter]
        needle = self.filter_text.casefold().strip()
        if needle:
            rows = [
                r
                for r in rows
                if needle in r.title.casefold()
                or needle in r.id.casefold()
                or needle in r.format.casefold()
            ]
        return self.sort.apply(rows)

    def _apply(self) -> None:
        if not self.query("#empty"):
            return  # the app is exiting: the screen's widgets are already gone
        table = self.table
        visible = self._visible()
        table.marked &= {session_key(r) for r in self.all_rows}
        table.show(visible)
        empty = self.query_one("#empty", Static)
        if not self.all_rows and not self.scanning:
            dirs = ", ".join(short_path(d) for d in self.dirs) or "(no directories)"
            problems = [(f"{clean(p)}\n", "bold $error") for p in self.dir_problems]
            empty.update(
                Content.assemble(
                    *problems,
                    (f"no sessions in {dirs}; try `sessionview --demo`\n\n", "bold"),
                    ("Point it elsewhere: ", "$text-muted"),
                    "sessionview --dir PATH",
                    (", the ", "$text-muted"),
                    "SESSIONVIEW_DIR",
                    (" environment variable, or ", "$text-muted"),
                    'dirs = ["PATH"]',
                    (" in config.toml.", "$text-muted"),
                )
            )
            empty.display = True
            table.display = False
        elif not visible and not self.scanning:
            empty.update(
                Content.styled(
                    "no session matches the filter "
                    "(1 shows all states, f cycles formats, w projects, / edits the text)",
                    "$text-muted",
                )
            )
            empty.display = True
            table.display = False
        else:
            empty.display = False
            table.display = True
            if self.focused is None:
                # Hiding the table (a filter matching nothing) took its focus away.
                table.focus()
        self._render_status()
        self._schedule_preview()

    def _render_status(self) -> None:
        counts = {state: 0 for state in SessionState}
        for info in self.all_rows:
            counts[info.state] += 1
        parts: list[tuple[str, str] | str] = []
        for state in SessionState:
            style = f"$sv-{state.value}"
            if self.state_filter == state.value:
                style += " reverse"
            parts.append((f"{STATE_GLYPHS[state]} {counts[state]} {state.value}", style))
            parts.append("  ")
        total = len(self.all_rows)
        shown = len(self.table.keys) if self.is_mounted else total
        count = f"{shown} of " if shown != total else ""
        parts.append((f"{count}{plural(total, 'session')}  ", "bold"))
        # Filters and marks before the directories: on a narrow terminal the line is cut
        # (with an ellipsis). Each filter is named in words, never shown by colour alone.
        if self.state_filter != "all":
            parts.append((f"[state: {self.state_filter}]", "bold $accent"))
            parts.append("  ")
        if self.format_filter != "all":
            parts.append((f"[format: {self.format_filter}]", "bold $accent"))
            parts.append("  ")
        if self.project_filter != "all":
            parts.append((f"[project: {short_path(self.project_filter)}]", "bold $accent"))
            parts.append("  ")
        if self.filter_text:
            parts.append(("filter: ", "$text-muted"))
            parts.append((self.filter_text, "$accent"))
            parts.append("  ")
        marked = len(self.table.marked) if self.is_mounted else 0
        if marked:
            parts.append((f"{marked} marked", "bold $accent"))
            parts.append("  ")
        if not self.sort.is_default:
            parts.append((f"sort: {self.sort.label()}", "$accent"))
            parts.append("  ")
        if self.dir_problems:
            parts.append((f"{clean(self.dir_problems[0])}  ", "bold $error"))
        dirs = ", ".join(short_path(d) for d in self.dirs) or "(none)"
        verb = "watching" if self.watching else "showing"
        parts.append((f"· {verb} ", "$text-muted"))
        parts.append(dirs)
        self.query_one("#status", Static).update(Content.assemble(*parts))

    # ------------------------------------------------------------ preview
    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._schedule_preview()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_open()

    def _schedule_preview(self) -> None:
        if self._preview_timer is not None:
            self._preview_timer.stop()
        self._preview_timer = self.set_timer(0.05, self._update_preview)

    def _update_preview(self) -> None:
        self._preview_timer = None
        info = self.current
        pane = self.query_one(PreviewPane)
        if info is None:
            pane.show(None)
            return
        parents = [(p, self._lookup(p)) for p in info.parents]
        children = [r for r in self.all_rows if info.id in r.parents]
        pane.show(info, parents, children)

    def _lookup(self, sid: str) -> SessionInfo | None:
        found = self.by_id.get(sid)
        return found[0] if found else None

    def lineage(self) -> list[tuple[str, str, SessionInfo | None]]:
        info = self.current
        if info is None:
            return []
        out: list[tuple[str, str, SessionInfo | None]] = [
            ("parent", p, self._lookup(p)) for p in info.parents
        ]
        out += [("child", r.id, r) for r in self.all_rows if info.id in r.parents]
        return out

    def jump_to(self, info: SessionInfo) -> None:
        key = session_key(info)
        if not self.table.select_key(key):
            with self._filters_batch():
                self.filter_text = ""
                self.state_filter = "all"
                self.format_filter = "all"
                self.project_filter = "all"
            self.query_one("#filter", Input).value = ""
            self.table.select_key(key)
        self.table.focus()

    # ------------------------------------------------------------- filter
    def action_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.display = True
        # At once, not after a refresh: keys typed right after `/` belong to the box.
        self.set_focus(box)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "filter":
            self.filter_text = event.value

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "filter":
            event.stop()
            box = event.input
            box.display = bool(box.value)
            self.table.focus()

    def on_key(self, event) -> None:
        box = self.query_one("#filter", Input)
        if event.key == "slash" and self.focused is not box:
            # Open the box now, not when the binding runs (after every key already
            # queued has gone to the list): see the branch for printable keys below.
            event.stop()
            event.prevent_default()
            self.action_filter()
        elif event.key == "escape" and box.has_focus:
            event.stop()
            event.prevent_default()
            box.value = ""
            box.display = False
            self.filter_text = ""
            self.table.focus()
        elif self.focused is box and event.is_printable and event.character:
            # Typed in the same burst as `/` (a fast typist, a paste): the key was
            # routed to the list before the box had the focus. It belongs to the box.
            event.stop()
            event.prevent_default()
            box.insert_text_at_cursor(event.character)

    def action_state_filter(self, state: str) -> None:
        self.state_filter = state

    @property
    def formats(self) -> list[str]:
        """The formats of the listed sessions, sorted (what `f` cycles through)."""
        return sorted({info.format for info in self.all_rows})

    def action_format_filter(self, name: str) -> None:
        self.format_filter = name

    @property
    def projects(self) -> list[str]:
        """The projects (working directories) of the listed sessions, sorted."""
        return sorted({p for p in map(project_of, self.all_rows) if p})

    def action_project_filter(self, project: str) -> None:
        self.project_filter = project

    def action_cycle_project(self) -> None:
        """all -> each project present -> all (`w`: working directory)."""
        cycle = ["all", *self.projects]
        if len(cycle) == 1:
            self.notify("no listed session records a project or working directory")
            return
        at = cycle.index(self.project_filter) if self.project_filter in cycle else 0
        self.action_project_filter(cycle[(at + 1) % len(cycle)])

    def action_cycle_format(self) -> None:
        """all -> each format present -> all."""
        cycle = ["all", *self.formats]
        at = cycle.index(self.format_filter) if self.format_filter in cycle else 0
        self.action_format_filter(cycle[(at + 1) % len(cycle)])

    # --------------------------------------------------------------- sort
    def set_sort(self, order: SortOrder) -> None:
        self.sort = order
        self.post_message(SortChosen(order))

    def action_cycle_sort(self) -> None:
        self.set_sort(self.sort.next_column())

    def action_reverse_sort(self) -> None:
        self.set_sort(self.sort.reversed())

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """A click on a column header sorts by it; a second click reverses."""
        event.stop()
        column = str(event.column_key.value)
        if column not in SORT_COLUMNS:
            return
        if column == self.sort.column:
            self.set_sort(self.sort.reversed())
        else:
            self.set_sort(SortOrder(column))

    # ------------------------------------------------------------ actions
    def selected_for_action(self) -> list[SessionInfo]:
        table = self.table
        if table.marked:
            marked = (table.info(k) for k in table.keys if k in table.marked)
            return [info for info in marked if info is not None]
        info = self.current
        return [info] if info else []

    def action_mark(self) -> None:
        self.table.toggle_mark()
        self._render_status()

    def action_clear_marks(self) -> None:
        """`escape` on the list: clear the marks, else a text filter kept with `enter`
        (its box holds no focus then, so its own `escape` could not be reached)."""
        if self.table.marked:
            self.table.marked.clear()
            self.table.restyle()
            self._render_status()
        elif self.filter_text:
            box = self.query_one("#filter", Input)
            box.value = ""
            box.display = False
            self.filter_text = ""

    def clear_marks(self) -> None:
        self.action_clear_marks()

    def action_open(self) -> None:
        info = self.current
        if info is not None:
            self.post_message(OpenRequested(info))

    def action_delete(self) -> None:
        sessions = self.selected_for_action()
        if sessions:
            self.post_message(DeleteRequested(tuple(sessions)))

    def action_undo(self) -> None:
        self.post_message(UndoRequested())

    def action_prune(self) -> None:
        self.post_message(PruneRequested())

    def action_resume(self) -> None:
        if self.current is not None:
            self.post_message(ResumeRequested(self.current))

    def action_copy_id(self) -> None:
        if self.current is not None:
            self.post_message(CopyIdRequested(self.current))

    def action_pager(self) -> None:
        if self.current is not None:
            self.post_message(PagerRequested(self.current))

    def action_lineage(self) -> None:
        self.post_message(LineageRequested())

    def action_export(self) -> None:
        sessions = self.selected_for_action()
        if sessions:
            from sessionview.app.screens.export import ExportScreen

            self.app.push_screen(ExportScreen(sessions))

    def action_search(self) -> None:
        """Full-text search over every session's transcript."""
        from sessionview.app.screens.search import SearchScreen

        self.app.push_screen(SearchScreen())

    def action_trash(self) -> None:
        self.post_message(TrashRequested())
