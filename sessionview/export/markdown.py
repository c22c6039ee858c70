"""A session as Markdown: readable as plain text and as rendered by GitHub.

A header table (title, agent, state, dates, usage), then each chunk under a heading
with its index and role. Message text is kept as Markdown (it usually is), made safe
for a terminal (`safe_text`), with a code fence it leaves open closed at its end and
a line that would start a raw HTML block shown as text, so no chunk can swallow the
ones after it. Tool calls are fenced blocks (a fence longer than any backtick run in
them) with the tool name and pretty-printed arguments; long tool results are folded
in `<details>`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import BinaryIO

from sessionview.export import common
from sessionview.export.source import Transcript
from sessionview.render.redact import Redactor
from sessionview.store.model import Chunk

_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})(.*)")
_HTML_BLOCK_START = re.compile(r"(?m)^( {0,3})(<[A-Za-z/!?])")
_BACKTICKS = re.compile(r"`+")
_MARKUP = re.compile(r"([\\`*_\[\]<>|])")


def write_markdown(transcript: Transcript, out: BinaryIO, redactor: Redactor | None) -> int:
    """Write the whole document; returns the number of chunks written."""
    info = transcript.info

    def put(text: str) -> None:
        out.write(text.encode("utf-8", "backslashreplace"))

    put(f"# {_inline(common.title_of(info, redactor))}\n\n| | |\n|---|---|\n")
    for label, value in common.header_facts(info, redactor):
        put(f"| {label} | {_cell(value)} |\n")
    put("\n")
    count = 0
    for chunk, line in transcript.entries:
        count += 1
        put(_chunk(chunk, *common.chunk_checks(redactor, line)))
    if count == 0:
        put("*(no chunks)*\n")
    return count


def _chunk(chunk: Chunk, redactor: Redactor | None, escape: Callable[[str], str]) -> str:
    who = common.role(chunk)
    stamp = f" · {common.when(chunk.timestamp)}" if chunk.timestamp else ""
    parts = [f'<a id="chunk-{chunk.index}"></a>\n\n### {chunk.index} · {who}{stamp}\n\n']
    for block in common.chunk_blocks(chunk, redactor):
        text = escape(block.text)
        if block.kind == "text":
            parts.append(_markdown_text(text) + "\n\n")
        elif block.kind == "tool_call":
            name = _code_span(common.one_line(block.tool_name or "?"))
            call = f" {_code_span(common.one_line(block.call_id))}" if block.call_id else ""
            parts.append(f"**→ tool call {name}**{call}\n\n{_fenced(text, 'json')}\n\n")
        elif block.kind == "tool_result":
            name = f" {_code_span(common.one_line(block.tool_name))}" if block.tool_name else ""
            fenced = _fenced(text, "json" if text[:1] in "{[" else "text")
            if common.is_long(text):
                summary = html.escape(f"result {common.size_note(text)}", quote=True)
                parts.append(
                    f"**← result**{name}\n\n<details><summary>{summary}</summary>\n\n"
                    f"{fenced}\n\n</details>\n\n"
                )
            else:
                parts.append(f"**← result**{name}\n\n{fenced}\n\n")
        elif block.kind == "thinking":
            summary = html.escape(f"thinking ({common.size_note(text)})", quote=True)
            parts.append(
                f"<details><summary>{summary}</summary>\n\n{_fenced(text, 'text')}\n\n</details>\n\n"
            )
        else:  # image, other: a short placeholder
            parts.append(f"*{_inline(text)}*\n\n")
    return "".join(parts)


def _fenced(text: str, info: str) -> str:
    """`text` in a code fence longer than any run of backticks inside it."""
    runs = [len(m) for m in _BACKTICKS.findall(text)] if "`" in text else []
    fence = "`" * max(3, max(runs, default=0) + 1)
    return f"{fence}{info}\n{text}\n{fence}"


def _code_span(text: str) -> str:
    """Inline code that holds any backticks in `text`."""
    runs = [len(m) for m in _BACKTICKS.findall(text)] if "`" in text else []
    ticks = "`" * (max(runs, default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _inline(text: str) -> str:
    """One line of plain text in Markdown: markup characters backslash-escaped."""
    return _MARKUP.sub(r"\\\1", text)


def _cell(text: str) -> str:
    return _inline(text)


def _markdown_text(text: str) -> str:
    """Message text kept as Markdown, unable to break the document: a fence it opens
    is closed at its end, and a line starting a raw HTML block is escaped."""
    if "```" not in text and "~~~" not in text:
        if "<" not in text:
            return text
        return _HTML_BLOCK_START.sub(r"\1\\\2", text)
    out: list[str] = []
    fence: tuple[str, int] | None = None
    for line in text.split("\n"):
        m = _FENCE.match(line)
        if fence is None:
            if m and not (m.group(1)[0] == "`" and "`" in m.group(2)):
                fence = (m.group(1)[0], len(m.group(1)))
            elif "<" in line:
                line = _HTML_BLOCK_START.sub(r"\1\\\2", line)
        elif (
            m
            and m.group(1)[0] == fence[0]
            and len(m.group(1)) >= fence[1]
            and not m.group(2).strip()
        ):
            fence = None
        out.append(line)
    if fence is not None:
        out.append(fence[0] * fence[1])
    return "\n".join(out)
