"""Prune: criteria, a live dry-run preview, then one confirmation."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from sessionview.app.display import local_time
from sessionview.app.remote_rows import host_of
from sessionview.app.screens.fit import fit_height
from sessionview.config import KNOWN_STATES, PruneDefaults
from sessionview.render.humanize import human_bytes
from sessionview.render.safe import first_line, screen_text
from sessionview.store.actions import PrunePlan, parse_age, plan_prune
from sessionview.store.model import SessionInfo

LIST_LIMIT = 200


class PruneScreen(ModalScreen[PrunePlan | None]):
    """Dismisses with the plan to execute, or None. Running sessions are never candidates.
    Remote rows are candidates too: each host prunes its own (see `remote_rows.prune`)."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("ctrl+y", "confirm", "Prune", priority=True),
    ]

    def __init__(
        self,
        sessions: Callable[[], list[SessionInfo]],
        defaults: PruneDefaults,
        now: Callable[[], datetime],
    ) -> None:
        super().__init__()
        self.sessions = sessions
        self.defaults = defaults
        self.now = now
        self.plan: PrunePlan | None = None

    def compose(self) -> ComposeResult:
        d = self.defaults
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(
                Content.styled("Prune old sessions (to the trash; u undoes)", "bold"),
                classes="dialog-title",
            )
            with Horizontal(id="prune-criteria"):
                with Vertical(classes="prune-field"):
                    yield Label("older than")
                    yield Input(d.older_than, id="prune-age", placeholder="30d, 12h, 2w")
                with Vertical(classes="prune-field"):
                    yield Label("states")
                    yield Checkbox("closed", "closed" in d.states, id="prune-closed")
                    yield Checkbox("crashed", "crashed" in d.states, id="prune-crashed")
                with Vertical(classes="prune-field"):
                    yield Label("by")
                    with RadioSet(id="prune-by"):
                        yield RadioButton("created", value=d.by == "created", id="by-created")
                        yield RadioButton("updated", value=d.by == "updated", id="by-updated")
            yield Static(id="prune-summary")
            with VerticalScroll(classes="dialog-body"):
                yield Static(id="prune-list")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Prune (ctrl+y)", variant="error", id="prune-go")
                yield Button("Cancel (esc)", id="prune-cancel")

    def on_mount(self) -> None:
        fit_height(self)
        self.query_one("#prune-age", Input).focus()
        self._update()

    def on_resize(self) -> None:
        fit_height(self)

    def on_input_changed(self, event: Input.Changed) -> None:
        self._update()

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        self._update()

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        self._update()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()

    def _criteria(self) -> tuple[str | None, list[str], str]:
        states = [name for name in KNOWN_STATES if self.query_one(f"#prune-{name}", Checkbox).value]
        by = "updated" if self.query_one("#by-updated", RadioButton).value else "created"
        return self.query_one("#prune-age", Input).value, states, by

    def _update(self) -> None:
        age_text, states, by = self._criteria()
        summary = self.query_one("#prune-summary", Static)
        listing = self.query_one("#prune-list", Static)
        button = self.query_one("#prune-go", Button)
        try:
            age = parse_age(age_text or "")
        except ValueError as exc:
            self.plan = None
            summary.update(Content.styled(str(exc), "$error"))
            listing.update("")
            button.disabled = True
            return
        # Redrawn on every keystroke: whole files are parsed when the prune runs
        # (`execute_prune` skips a file that cannot be parsed), not here.
        self.plan = plan_prune(
            self.sessions(),
            older_than=age,
            by=by,
            states=states,
            now=self.now(),
            check_parse=False,
        )
        count = len(self.plan.sessions)
        summary.update(
            Content.assemble(
                (f"{count} session{'s' if count != 1 else ''}", "bold"),
                f" would go to the trash, reclaiming {human_bytes(self.plan.bytes)}",
                ("  (running sessions are never pruned)", "$text-muted"),
            )
        )
        parts: list[tuple[str, str] | str] = []
        for info in self.plan.sessions[:LIST_LIMIT]:
            when = info.created_at if by == "created" else info.updated_at
            # A remote row is pruned on its host (into the trash there): named with it.
            host = host_of(info)
            name = f"{host}:{info.short_id}" if host else info.short_id
            parts.append((f"{info.glyph} {info.state.value:<8}", f"$sv-{info.state.value}"))
            parts.append(
                (
                    f" {screen_text(name)}  {local_time(when)}  {human_bytes(info.bytes):>9}  ",
                    "$text-muted",
                )
            )
            parts.append(first_line(info.title, 40) + "\n")
        if count > LIST_LIMIT:
            parts.append((f"… and {count - LIST_LIMIT} more", "$text-muted"))
        listing.update(
            Content.assemble(*parts).rstrip()
            if parts
            else Content.styled("nothing to prune", "$text-muted")
        )
        button.disabled = count == 0

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "prune-go":
            self.action_confirm()
        else:
            self.dismiss(None)

    def action_confirm(self) -> None:
        if self.plan is not None and self.plan.sessions:
            self.dismiss(self.plan)

    def action_cancel(self) -> None:
        self.dismiss(None)
