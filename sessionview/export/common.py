"""What the three export writers share: the chunk-to-text code of the transcript
(`render.chunk_text`), the header facts, and redaction of both.

Every writer gets a chunk's blocks from here, so a session reads the same in the
terminal, in Markdown and in a browser; only the escaping differs by medium.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sessionview.render.byte_search import compile_bytes
from sessionview.render.chunk_text import PRETTY_LIMIT, Block, blocks, pretty_json, role
from sessionview.render.redact import LINE_HINTS, Redactor, may_hold_secrets
from sessionview.render.safe import UNSAFE_LINE_HINTS, may_hold_unsafe, one_line, safe_text
from sessionview.store.model import Chunk, SessionInfo

__all__ = [
    "Block",
    "chunk_blocks",
    "header_facts",
    "one_line",
    "role",
    "safe",
    "title_of",
]

#: A tool result longer than this (lines or characters) is folded in `<details>`.
FOLD_LINES = 30
FOLD_CHARS = 3000


#: `render.safe.safe_text` (it skips text with nothing to escape: most text).
safe = safe_text


#: Either kind of hint: a line without any (most) needs neither redaction nor escaping,
#: and one search tells it.
_ANY_HINT = compile_bytes(LINE_HINTS + b"|" + UNSAFE_LINE_HINTS)


def _same(text: str) -> str:
    return text


def chunk_checks(
    redactor: Redactor | None, line: bytes | None
) -> tuple[Redactor | None, Callable[[str], str]]:
    """For one chunk: the redactor to use (None when its line holds nothing any rule
    could match) and the escape for its texts (`safe`, or the text unchanged when its
    line holds no unsafe character). A chunk without its line gets both."""
    if line is None:
        return redactor, safe
    first = _ANY_HINT.search(line)
    if first is None:
        return None, _same
    # No hint of either kind starts before the first one: look for each from there.
    start = first.start()
    found = redactor if redactor is not None and may_hold_secrets(line, start) else None
    return found, safe if may_hold_unsafe(line, start) else _same


def redactor_for(redactor: Redactor | None, line: bytes | None) -> Redactor | None:
    """The redactor to use on one chunk: none when its line holds nothing any rule could
    match (most chunks; see `may_hold_secrets`)."""
    if redactor is None or (line is not None and not may_hold_secrets(line)):
        return None
    return redactor


def chunk_blocks(chunk: Chunk, redactor: Redactor | None) -> list[Block]:
    """The chunk's blocks (raw text), a tool result that is JSON pretty-printed as the
    transcript shows it, and secrets replaced when redacting."""
    found = [_pretty_result(b) if b.kind == "tool_result" else b for b in blocks(chunk)]
    if redactor is None:
        return found
    return [Block(b.kind, redactor.text(b.text), b.tool_name, b.call_id) for b in found]


def _pretty_result(block: Block) -> Block:
    text = block.text
    if text.lstrip()[:1] in ("{", "[") and len(text) < PRETTY_LIMIT:
        return Block(block.kind, pretty_json(text), block.tool_name, block.call_id)
    return block


def title_of(info: SessionInfo, redactor: Redactor | None) -> str:
    """The session's title, one safe line, or `Session <short id>`. Its secrets are
    replaced but not counted: a title repeats the first message, which counts them."""
    title = info.title or ""
    if redactor is not None:
        title = Redactor().text(title)
    return one_line(title) if title.strip() else f"Session {one_line(info.short_id)}"


def when(value: datetime | None) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if value else "-"


def usage_text(usage: dict[str, Any] | None) -> str:
    if not usage:
        return "-"
    return ", ".join(f"{key} {value}" for key, value in usage.items())


def header_facts(info: SessionInfo, redactor: Redactor | None) -> list[tuple[str, str]]:
    """`(label, value)` rows for the header, each value one safe line."""
    state = info.state.value
    if info.state_reason:
        state += f" ({info.state_reason})"
    rows = [
        ("agent", info.format),
        ("id", info.id),
        ("state", state),
        ("created", when(info.created_at)),
        ("last activity", when(info.updated_at)),
        ("chunks", str(info.chunks)),
        ("usage", usage_text(info.usage)),
    ]
    if info.cwd:
        rows.append(("directory", info.cwd))
    if redactor is not None:
        rows = [(label, redactor.text(value)) for label, value in rows]
    return [(label, one_line(value)) for label, value in rows]


def is_long(text: str) -> bool:
    return len(text) > FOLD_CHARS or text.count("\n") >= FOLD_LINES


def size_note(text: str) -> str:
    """`12 lines, 3.4 KB`, for a folded block's summary."""
    lines = text.count("\n") + 1
    size = len(text.encode("utf-8", "replace"))
    amount = f"{size} B" if size < 1024 else f"{size / 1024:.1f} KB"
    if size >= 1 << 20:
        amount = f"{size / (1 << 20):.1f} MB"
    return f"{lines} line{'s' if lines != 1 else ''}, {amount}"
