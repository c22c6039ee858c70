"""Export the highlighted or marked sessions, or the open transcript, to a file.

Format, path and redaction are chosen here; the files are written by a thread worker
(`sessionview.export`, the code behind `sessionview export`), and the dialog then says
where, with a button that copies the path. A notification says it too.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, RadioButton, RadioSet, Static

from sessionview.app.remote_rows import export_transcript
from sessionview.export import FORMATS, ExportError, ExportResult, export_session, file_name
from sessionview.render.humanize import home_to_tilde, plural
from sessionview.render.safe import one_line, screen_text
from sessionview.store.errors import PersistenceError
from sessionview.store.model import SessionInfo

FORMAT_LABELS = (("md", "Markdown"), ("html", "HTML"), ("json", "JSON"))


class ExportScreen(ModalScreen[None]):
    """One session to a file, several to a directory (one file each)."""

    DEFAULT_CSS = """
    ExportScreen #export-options { height: auto; }
    ExportScreen .export-field { width: 1fr; height: auto; }
    ExportScreen .export-field.narrow { width: 16; }
    ExportScreen #export-options { margin-bottom: 1; }
    ExportScreen #export-status { height: auto; margin-top: 1; }
    ExportScreen #export-copy { display: none; }
    ExportScreen.-done #export-copy { display: block; }
    """

    BINDINGS = [
        Binding("escape", "close", "Close"),
        Binding("ctrl+y", "copy_path", "Copy path", show=False),
    ]

    class Finished(Message, bubble=False):
        """The export worker is done: the files written to `target`, and the errors."""

        def __init__(
            self, target: str, results: list[ExportResult], errors: list[str], redact: bool
        ) -> None:
            super().__init__()
            self.target = target
            self.results = results
            self.errors = errors
            self.redact = redact

    def __init__(self, sessions: Sequence[SessionInfo], directory: str | None = None) -> None:
        super().__init__()
        self.sessions = list(sessions)
        self.directory = directory if directory is not None else os.getcwd()
        self.written: str | None = None

    @property
    def several(self) -> bool:
        return len(self.sessions) > 1

    def default_path(self, fmt: str) -> str:
        if self.several:
            return home_to_tilde(self.directory)
        return home_to_tilde(os.path.join(self.directory, file_name(self.sessions[0], fmt)))

    def compose(self) -> ComposeResult:
        if self.several:
            what = f"Export {plural(len(self.sessions), 'session')} (one file each)"
        else:
            info = self.sessions[0]
            what = f"Export {screen_text(one_line(info.title or info.short_id, 60))}"
        with Vertical(id="dialog", classes="dialog wide"):
            yield Static(Content.styled(what, "bold"), classes="dialog-title")
            with Horizontal(id="export-options"):
                with Vertical(classes="export-field narrow"):
                    yield Label("format")
                    with RadioSet(id="export-format", compact=True):
                        for fmt, label in FORMAT_LABELS:
                            yield RadioButton(label, value=fmt == "md", id=f"fmt-{fmt}")
                with Vertical(classes="export-field"):
                    yield Label("secrets")
                    yield Checkbox(
                        "redact API keys, tokens, passwords", True, id="export-redact", compact=True
                    )
                    yield Checkbox("replace existing files", False, id="export-force", compact=True)
            yield Label("directory" if self.several else "file (or a directory)")
            yield Input(self.default_path("md"), id="export-path", compact=True)
            yield Static(id="export-status")
            with Horizontal(classes="dialog-buttons"):
                yield Button("Export (enter)", variant="primary", id="export-go")
                yield Button("Copy path (ctrl+y)", id="export-copy")
                yield Button("Close (esc)", id="export-close")

    def on_mount(self) -> None:
        self.query_one("#export-path", Input).focus()

    @property
    def fmt(self) -> str:
        pressed = self.query_one("#export-format", RadioSet).pressed_button
        return (pressed.id or "fmt-md").removeprefix("fmt-") if pressed else "md"

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self) -> None:
        """A path that ends in an export suffix follows the format."""
        field = self.query_one("#export-path", Input)
        stem, suffix = os.path.splitext(field.value)
        if not self.several and suffix in FORMATS.values():
            field.value = stem + FORMATS[self.fmt]

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-go")
    def _go(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self._status(Content.styled("give a file or directory", "$error"))
            return
        self.query_one("#export-go", Button).disabled = True
        self._status(Content.styled("exporting…", "$text-muted"))
        self._export(
            self.sessions,
            self.fmt,
            os.path.expanduser(raw),
            self.query_one("#export-redact", Checkbox).value,
            self.query_one("#export-force", Checkbox).value,
        )

    @work(thread=True, exclusive=True, exit_on_error=False, group="export")
    def _export(
        self, sessions: list[SessionInfo], fmt: str, target: str, redact: bool, force: bool
    ) -> None:
        results: list[ExportResult] = []
        errors: list[str] = []
        if len(sessions) > 1:
            try:
                Path(target).mkdir(exist_ok=True)
            except OSError as exc:
                errors.append(f"cannot create {target}: {exc.strerror or exc}")
                sessions = []
        for info in sessions:
            try:
                # A remote row's text comes from its host (`show`), never its path here.
                transcript = export_transcript(self.app, info)
                results.append(
                    export_session(
                        info, fmt, target, redact=redact, force=force, transcript=transcript
                    )
                )
            except (ExportError, PersistenceError, OSError) as exc:
                prefix = f"{info.short_id}: " if len(sessions) > 1 else ""
                errors.append(prefix + str(exc))
        self.post_message(self.Finished(target, results, errors, redact))

    @on(Finished)
    def _finished(self, message: Finished) -> None:
        target, results, errors = message.target, message.results, message.errors
        redact = message.redact
        self.query_one("#export-go", Button).disabled = False
        lines: list[tuple[str, str]] = []
        if results:
            where = results[0].path if len(results) == 1 and not self.several else target
            self.written = where
            secrets = sum(r.redacted_total for r in results)
            note = f"{plural(secrets, 'secret')} redacted" if redact else "redaction off"
            files = plural(len(results), "file")
            lines.append((f"wrote {files} ({note}):", "$success"))
            lines.append((screen_text(home_to_tilde(where)), "bold"))
            self.add_class("-done")
            self.notify(
                f"{files} written to {screen_text(home_to_tilde(where))} ({note}); "
                "ctrl+y in the dialog copies the path",
                title="Export",
                timeout=8,
            )
        lines += [(screen_text(one_line(error, 200)), "$error") for error in errors]
        if errors:
            self.notify(
                screen_text(one_line(errors[0], 200)), title="Export failed", severity="error"
            )
        self._status(Content("\n").join(Content.styled(text, style) for text, style in lines))

    def _status(self, content: Content) -> None:
        self.query_one("#export-status", Static).update(content)

    @on(Button.Pressed, "#export-copy")
    def action_copy_path(self) -> None:
        if self.written:
            self.app.copy_to_clipboard(self.written)
            self.notify("path copied to the clipboard (OSC 52)")

    @on(Button.Pressed, "#export-close")
    def action_close(self) -> None:
        self.dismiss(None)
