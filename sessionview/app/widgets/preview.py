"""The pane under the list: the highlighted session's facts, lineage and latest chunks."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from textual import on, work
from textual.containers import VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.widgets import Static

from sessionview.app.display import (
    ago,
    human_count,
    keep_end,
    local_time,
    reason_text,
    short_path,
    without_path,
)
from sessionview.app.remote_rows import display_path, host_of
from sessionview.render.chunk_text import KIND_LABELS, chunk_summary, plain_text
from sessionview.render.humanize import human_bytes
from sessionview.render.safe import first_line, screen_text
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.preview import Preview, offending_line, read_preview

LABEL = "$text-muted"
#: The newest chunks read for the pane; as many as fit are shown.
PREVIEW_CHUNKS = 12


def _row(label: str, *parts: tuple[str, str] | str) -> list[tuple[str, str] | str]:
    return [(f"{label:<9}", LABEL), *parts, "\n"]


class PreviewPane(VerticalScroll):
    """Shows one session; reads its first and last chunks in a worker."""

    DEFAULT_CSS = """
    PreviewPane {
        height: 40%;
        min-height: 7;
        max-height: 20;
        border-top: solid $primary-muted;
        padding: 0 1;
        & > Static { width: 1fr; text-wrap: nowrap; text-overflow: ellipsis; }
    }
    """

    class Read(Message, bubble=False):
        """The worker read `info`'s preview."""

        def __init__(self, info: SessionInfo, preview: Preview) -> None:
            super().__init__()
            self.info = info
            self.preview = preview

    class CorruptRead(Message, bubble=False):
        """The worker looked for corrupt `info`'s offending line: (number, text) or None."""

        def __init__(self, info: SessionInfo, bad: tuple[int, str] | None) -> None:
            super().__init__()
            self.info = info
            self.bad = bad

    def __init__(self, now: Callable[[], datetime], **kwargs) -> None:
        super().__init__(**kwargs)
        self.now = now
        self.info: SessionInfo | None = None
        self._parents: list[tuple[str, SessionInfo | None]] = []
        self._children: list[SessionInfo] = []
        self._preview: Preview | None = None
        self._bad_line: tuple[int, str] | None = None
        self._loaded_for: tuple[str, int, str] | None = None
        self._bad_done = False

    @property
    def is_loaded(self) -> bool:
        """Whether the chunks (or the offending line) of the shown session have been read."""
        if self.info is None:
            return True
        if self.info.state is SessionState.CORRUPT:
            return self._bad_line is not None or self._bad_done
        return self._preview is not None

    def compose(self):
        yield Static(id="preview-body")

    def show(
        self,
        info: SessionInfo | None,
        parents: Sequence[tuple[str, SessionInfo | None]] = (),
        children: Sequence[SessionInfo] = (),
    ) -> None:
        same = self.info is not None and info is not None and self.info.id == info.id
        self.info = info
        self._parents = list(parents)
        self._children = list(children)
        if not same:
            # What was read is dropped, so it must be read again even when the file is
            # unchanged (a filter that matched nothing, then cleared: None, then this row).
            self._preview = None
            self._bad_line = None
            self._bad_done = False
            self._loaded_for = None  # what was read is gone: read it again when shown
            self.scroll_home(animate=False)
        self._refresh_body()
        if info is None:
            return
        stamp = (info.path, info.bytes, info.state.value)
        if stamp != self._loaded_for:
            self._loaded_for = stamp
            self._load(info)

    @work(thread=True, exclusive=True, exit_on_error=False, group="preview")
    def _load(self, info: SessionInfo) -> None:
        if host_of(info):
            # A remote row (`--host`): its path names a file on that host, never read here.
            self.post_message(self.Read(info, Preview()))
            return
        if info.state is SessionState.CORRUPT:
            self.post_message(self.CorruptRead(info, offending_line(info)))
            return
        self.post_message(self.Read(info, read_preview(info, last=PREVIEW_CHUNKS)))

    def on_resize(self) -> None:
        self._refresh_body()

    @on(Read)
    def _loaded(self, message: Read) -> None:
        if self.info is not None and self.info.id == message.info.id:
            self._preview = message.preview
            self._refresh_body()

    @on(CorruptRead)
    def _corrupt_loaded(self, message: CorruptRead) -> None:
        if self.info is not None and self.info.id == message.info.id:
            self._bad_line = message.bad
            self._bad_done = True
            self._refresh_body()

    def _refresh_body(self) -> None:
        body = self.query_one("#preview-body", Static)
        info = self.info
        if info is None:
            body.update(Content.styled("no session selected", LABEL))
            return
        parts: list[tuple[str, str] | str] = []
        parts += _row("id", screen_text(info.id), (f"   {screen_text(info.format)}", LABEL))
        if host_of(info):
            parts += _row("path", keep_end(display_path(info), self._text_width() - 9))
        else:
            parts += _row("path", keep_end(short_path(info.path), self._text_width() - 9))
        state_style = f"$sv-{info.state.value}"
        parts += _row(
            "state",
            (f"{info.glyph} {info.state.value}", f"bold {state_style}"),
            f"  {reason_text(info.state_reason, info.path)}",
        )
        parts += _row(
            "created",
            local_time(info.created_at),
            ("   last activity ", LABEL),
            ago(info.updated_at, self.now()),
        )
        usage = info.usage or {}
        tokens = (
            f"{human_count(usage.get('prompt_tokens'))} in / "
            f"{human_count(usage.get('completion_tokens'))} out / "
            f"{human_count(info.total_tokens)} total"
            if usage
            else "–"
        )
        parts += _row(
            "usage",
            f"{human_count(info.chunks)} chunk{'' if info.chunks == 1 else 's'}"
            f" · {human_bytes(info.bytes)} · tokens {tokens}",
        )
        if info.sandbox:
            sandbox = info.sandbox
            spec = sandbox.get("spec") if isinstance(sandbox.get("spec"), dict) else {}
            bits = [screen_text(str(sandbox.get("backend") or "?"))]
            if spec and spec.get("working_dir"):
                bits.append(f"dir {short_path(str(spec['working_dir']))}")
            if sandbox.get("handle_id"):
                bits.append(f"handle {screen_text(str(sandbox['handle_id']))[:8]}")
            parts += _row("sandbox", " · ".join(bits))
        if self._parents:
            parts += _row("parents", *self._lineage(self._parents))
        if self._children:
            parts += _row("children", *self._lineage([(c.id, c) for c in self._children]))
        if info.state is SessionState.CORRUPT:
            if self._bad_line is not None:
                lineno, text = self._bad_line
                parts += _row(f"line {lineno}", (screen_text(text[:500]), "$text-muted"))
        else:
            preview = self._preview
            if preview is None:
                parts += _row("first", ("loading…", LABEL))
            elif preview.error:
                parts += _row("error", (without_path(preview.error, info.path), "$error"))
            else:
                first = preview.first_user
                text = first_line(plain_text(first), 300) if first else ""
                if not text and info.title:
                    text = first_line(info.title, 300)  # e.g. Codex: the prompt is the title
                parts += _row("first", text or ("(no user message)", LABEL))
                # The newest chunks that fit: one line each, under what is above.
                room = max(1, self.scrollable_content_region.height - parts.count("\n"))
                for n, chunk in enumerate(preview.last[-room:]):
                    label = KIND_LABELS.get(chunk.kind, screen_text(chunk.kind))
                    parts += _row(
                        "" if n else "latest",
                        (f"{label:<12}", f"$sv-{_kind_var(chunk.kind)}"),
                        chunk_summary(chunk, max(20, self._text_width() - 21)),
                    )
        if parts and parts[-1] == "\n":
            parts.pop()
        body.update(Content.assemble(*parts))

    def _text_width(self) -> int:
        return self.scrollable_content_region.width or 80

    def _lineage(self, items: list[tuple[str, SessionInfo | None]]) -> list[tuple[str, str] | str]:
        out: list[tuple[str, str] | str] = []
        for n, (sid, info) in enumerate(items[:6]):
            if n:
                out.append(("  ", LABEL))
            out.append((screen_text(sid[:8]), "$accent" if info else LABEL))
            if info and info.title:
                out.append(f" {first_line(info.title, 30)}")
            elif not info:
                out.append(("(not listed)", LABEL))
        if len(items) > 6:
            out.append((f"  +{len(items) - 6} more", LABEL))
        out.append(("   l jumps", LABEL))
        return out


def _kind_var(kind: str) -> str:
    return {
        "system": "system",
        "user": "user",
        "assistant": "assistant",
        "tool_result": "tool-result",
    }.get(kind, "tool")
