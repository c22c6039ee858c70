"""How a chunk looks: its lines (for the transcript) and a one-line summary (for the preview).

Pure functions over `Chunk`; every string they return is already cleaned of control
characters and is meant to be shown as plain text, never parsed as markup.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from sessionview.app.text import clean, clean_lines, content_text, one_line, pretty_json
from sessionview.store.model import Chunk

#: Characters of one line shown before "... N KB more".
LINE_LIMIT = 2000
INDENT = "  "


class Line(NamedTuple):
    """One logical transcript line: a style name, safe text, and an optional cut marker."""

    style: str
    text: str
    marker: str = ""


KIND_LABELS = {
    "system": "system",
    "user": "user",
    "assistant": "assistant",
    "tool_result": "tool result",
}


def _kind_style(kind: str) -> str:
    return {"tool_result": "tool-result"}.get(kind, kind if kind in KIND_LABELS else "meta")


def _tool_calls(payload: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(name, id, arguments) of each tool call, OpenAI- or Anthropic-shaped."""
    calls = payload.get("tool_calls")
    out: list[tuple[str, str, str]] = []
    if not isinstance(calls, list):
        return out
    for call in calls:
        if not isinstance(call, dict):
            out.append(("?", "", pretty_json(call)))
            continue
        fn = call.get("function") if isinstance(call.get("function"), dict) else call
        name = str(fn.get("name", "?"))
        args = fn.get("arguments", fn.get("input", ""))
        out.append((name, str(call.get("id", "")), pretty_json(args) if args != "" else ""))
    return out


def _body(text: str, style: str, expanded: bool, limit: int, indent: str = INDENT) -> list[Line]:
    lines: list[Line] = []
    for raw in clean_lines(text):
        if not expanded and len(raw) > limit:
            rest = len(raw[limit:].encode("utf-8", "replace"))
            kb = max(1, round(rest / 1024))
            lines.append(Line(style, indent + raw[:limit], f" ... {kb} KB more (x expands)"))
        else:
            lines.append(Line(style, indent + raw))
    return lines


def _result_text(content: Any) -> str:
    if isinstance(content, str):
        stripped = content.lstrip()
        if stripped[:1] in ("{", "[") and len(content) < (1 << 20):
            pretty = pretty_json(content)
            if pretty is not content:
                return pretty
        return content
    return content_text(content)


def chunk_lines(chunk: Chunk, *, expanded: bool = False, limit: int = LINE_LIMIT) -> list[Line]:
    """Every line of a chunk's block, header first and a blank line last."""
    payload = chunk.payload if isinstance(chunk.payload, dict) else {}
    kind = chunk.kind
    style = _kind_style(kind)
    label = KIND_LABELS.get(kind, clean(str(kind)))
    head = f"▌ {label}"
    if kind == "tool_result":
        name = payload.get("name")
        if name:
            head += f" · {clean(str(name))}"
    head += f"  #{chunk.index}"
    if chunk.sidechain:
        head += "  · sidechain"
    if kind == "tool_result" and payload.get("tool_call_id"):
        head += f"  ({clean(str(payload['tool_call_id']))})"
    lines = [Line(f"{style}-head", head)]
    if kind == "tool_result":
        body = _result_text(payload.get("content"))
    else:
        body = content_text(payload.get("content"))
    if body:
        lines += _body(body, style, expanded, limit)
    for name, call_id, args in _tool_calls(payload):
        tail = f"  ({clean(call_id)})" if call_id else ""
        lines.append(Line("tool-call-head", f"{INDENT}⚙ {clean(name)}{tail}"))
        if args:
            lines += _body(args, "tool-call", expanded, limit, INDENT * 2)
    extra = {
        k: v
        for k, v in payload.items()
        if k not in ("content", "tool_calls", "tool_call_id", "name")
    }
    if extra:
        lines += _body(pretty_json(extra), "meta", expanded, limit)
    if len(lines) == 1:
        lines.append(Line("meta", INDENT + "(empty)"))
    lines.append(Line("blank", ""))
    return lines


def chunk_summary(chunk: Chunk, limit: int = 100) -> str:
    """One line: the text, or the tool calls' names, or the tool result's first line."""
    payload = chunk.payload if isinstance(chunk.payload, dict) else {}
    text = one_line(content_text(payload.get("content")), limit)
    calls = _tool_calls(payload)
    if calls:
        names = ", ".join(clean(name) for name, _, _ in calls)
        text = f"{text}  ⚙ {names}" if text else f"⚙ {names}"
    if chunk.kind == "tool_result" and payload.get("name"):
        text = f"{clean(str(payload['name']))}: {text}"
    return text[:limit] if text else "(empty)"
