"""Export a session to Markdown, HTML or JSON, secrets redacted by default.

Textual-free: the CLI (`sessionview export`) and the TUI's export dialog both call
`export_session`. The file is streamed chunk by chunk into a temporary file beside
the target and renamed into place (see `atomic`), so a failed export leaves no
half-written file under the target's name.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sessionview.export.atomic import ExportError, atomic_file
from sessionview.export.source import Transcript, open_transcript
from sessionview.render.redact import Redactor
from sessionview.store.model import SessionInfo

__all__ = [
    "FORMATS",
    "ExportError",
    "ExportResult",
    "export_session",
    "file_name",
    "write_export",
]

#: Export format -> file suffix.
FORMATS = {"md": ".md", "html": ".html", "json": ".json"}

Writer = Callable[[Transcript, BinaryIO, Redactor | None], int]


@dataclass(frozen=True, slots=True)
class ExportResult:
    """What one export wrote: where (`-` for stdout), how many chunks, how many
    secrets it redacted (by kind)."""

    path: str
    chunks: int
    redacted: dict[str, int]

    @property
    def redacted_total(self) -> int:
        return sum(self.redacted.values())


def _writer(fmt: str) -> Writer:
    if fmt == "md":
        from sessionview.export.markdown import write_markdown

        return write_markdown
    if fmt == "html":
        from sessionview.export.html import write_html

        return write_html
    if fmt == "json":
        from sessionview.export.json import write_json

        return write_json
    raise ExportError(f"unknown export format {fmt!r}: use {', '.join(FORMATS)}")


def write_export(
    info: SessionInfo,
    fmt: str,
    out: BinaryIO,
    *,
    redact: bool = True,
    transcript: Transcript | None = None,
) -> ExportResult:
    """Stream the session into `out` (an open binary file). `transcript`: read from
    there instead of the session's file (a remote session's, from its host's `show`)."""
    writer = _writer(fmt)
    redactor = Redactor() if redact else None
    if transcript is None:
        transcript = open_transcript(info)
    try:
        chunks = writer(transcript, out, redactor)
    finally:
        transcript.close()
    return ExportResult("-", chunks, dict(redactor.counts) if redactor else {})


def export_session(
    info: SessionInfo,
    fmt: str,
    target: str | Path,
    *,
    redact: bool = True,
    force: bool = False,
    transcript: Transcript | None = None,
) -> ExportResult:
    """Export to `target`: a file, or `-` for stdout. A directory gets `file_name(...)`
    inside it. Raises `ExportError` (one line) when it cannot be written, and
    `PersistenceError` when the session cannot be read; neither leaves a file behind.
    `transcript`: see `write_export` (redaction is applied here, the same way)."""
    _writer(fmt)  # an unknown format fails before anything is opened
    if str(target) == "-":
        result = write_export(info, fmt, sys.stdout.buffer, redact=redact, transcript=transcript)
        sys.stdout.buffer.flush()
        return ExportResult("-", result.chunks, result.redacted)
    path = Path(target)
    if path.is_dir():
        path = path / file_name(info, fmt, redact=redact)
    with atomic_file(path, force=force) as out:
        result = write_export(info, fmt, out, redact=redact, transcript=transcript)
    return ExportResult(str(path), result.chunks, result.redacted)


_UNSAFE = re.compile(r"[^A-Za-z0-9]+")


def file_name(info: SessionInfo, fmt: str, *, redact: bool = True) -> str:
    """`<title>-<short id>.<suffix>`: ASCII letters, digits and `-` only (safe
    on every file system and in a shell), the title cut to 60 characters and, when
    redacting, without the secrets a title may hold."""
    title = Redactor().text(info.title or "") if redact else info.title or ""
    title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = _UNSAFE.sub("-", title).strip("-")[:60].rstrip("-").lower()
    short = _UNSAFE.sub("-", info.short_id).strip("-") or "session"
    stem = f"{slug}-{short}" if slug else short
    return stem + FORMATS[fmt]
