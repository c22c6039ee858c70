"""A chunk as readable plain text: the CLI's `show`, and the basis of the TUI's blocks.

Control characters are escaped (see `sessionview.text.visible`), tool-call
arguments are pretty-printed when they are JSON, and very long content is cut
with a "... N KB more" marker so a 100 MB line never floods a terminal.
"""

from __future__ import annotations

import json
from typing import Any

from sessionview.store.model import Chunk
from sessionview.text import visible

CUT_AT = 20_000


def cut(text: str, limit: int = CUT_AT) -> str:
    """`text` up to `limit` characters, then '... N KB more'."""
    if len(text) <= limit:
        return text
    rest = len(text.encode("utf-8", "replace")) - len(text[:limit].encode("utf-8", "replace"))
    return f"{text[:limit]}\n... {max(1, rest // 1024)} KB more"


TOO_DEEP = "(nested too deeply to show as text; see `show --json`)"


def _dumps(value: Any) -> str:
    """Pretty JSON of a payload value; JSON nested ~1000 deep (orjson reads 1024) is
    beyond Python's recursion limit, so it gets a marker instead of a crash."""
    try:
        return json.dumps(value, ensure_ascii=False, indent=2)
    except (RecursionError, ValueError, TypeError):
        return TOO_DEEP


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except RecursionError:
        return TOO_DEEP


def content_text(content: Any) -> str:
    """Message content (a string, or a list of text blocks) as text."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                if "text" in block:
                    parts.append(_str(block["text"]))
                else:
                    parts.append(_dumps(block))
            else:
                parts.append(_str(block))
        return "\n".join(parts)
    return _dumps(content)


def pretty_arguments(arguments: Any) -> str:
    """Tool-call arguments (a JSON string, usually) pretty-printed; raw when not JSON."""
    if isinstance(arguments, str):
        try:
            return json.dumps(json.loads(arguments), ensure_ascii=False, indent=2)
        except (ValueError, RecursionError):
            return arguments
    return _dumps(arguments)


def tool_calls(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """`(call id, tool name, pretty arguments)` for each OpenAI-style tool call."""
    calls = payload.get("tool_calls")
    out: list[tuple[str, str, str]] = []
    if not isinstance(calls, list):
        return out
    for call in calls:
        if not isinstance(call, dict):
            continue
        function = call.get("function") if isinstance(call.get("function"), dict) else {}
        out.append(
            (
                _str(call.get("id", "")),
                _str(function.get("name", "?")),
                pretty_arguments(function.get("arguments", "")),
            )
        )
    return out


def chunk_title(chunk: Chunk) -> str:
    """The block heading: `#3 assistant`, `#4 tool_result run_shell_command`."""
    name = ""
    if chunk.kind == "tool_result":
        name = " " + _str(chunk.payload.get("name") or chunk.payload.get("tool_call_id") or "")
    side = " (sidechain)" if chunk.sidechain else ""
    return visible(f"#{chunk.index} {chunk.kind}{name}{side}", keep_newlines=False)


def chunk_body(chunk: Chunk, limit: int = CUT_AT) -> str:
    """The block's text: content, then one line per tool call with its arguments."""
    parts = []
    text = content_text(chunk.payload.get("content"))
    if chunk.kind == "tool_result" and text[:1] in ("{", "["):
        text = pretty_arguments(text)
    if text:
        parts.append(cut(text, limit))
    for _, name, args in tool_calls(chunk.payload):
        parts.append(f"→ {name}({cut(args, limit)})")
    return visible("\n".join(parts))


def chunk_to_text(chunk: Chunk, limit: int = CUT_AT) -> str:
    """Heading line plus the indented body, for plain terminal output."""
    body = chunk_body(chunk, limit)
    indented = "\n".join("  " + line for line in body.splitlines()) if body else "  (empty)"
    return f"── {chunk_title(chunk)} ──\n{indented}"
