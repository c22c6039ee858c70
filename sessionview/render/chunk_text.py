"""A chunk as text: its blocks (raw), and the two layouts built on them.

`blocks()` is the one reader of payload shapes (OpenRath/OpenAI `content` + `tool_calls`,
Anthropic content lists with text, thinking, tool_use, tool_result and image blocks). Its
texts are RAW: each output escapes them for its medium. Two layouts use it:

- `chunk_to_text`: what `sessionview show` prints (terminal escapes, long content cut with
  "... N KB more" so a 100 MB line never floods a terminal);
- `chunk_lines` / `chunk_summary`: the TUI's transcript lines and one-line preview (screen
  escapes; the TUI wraps them in its own Text objects, never parsed as markup).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson

from sessionview.render.safe import first_line, one_line, safe_text, screen_lines, screen_text
from sessionview.store.jsonl import dumps_lenient
from sessionview.store.model import Chunk

BLOCK_KINDS = ("text", "thinking", "tool_call", "tool_result", "image", "other")
IMAGE = "[image]"
REDACTED_THINKING = "[thinking redacted]"
ENCRYPTED_REASONING = "[encrypted reasoning]"
TOO_DEEP = "[nested too deeply to show]"
_PLACEHOLDERS = frozenset({IMAGE, REDACTED_THINKING, ENCRYPTED_REASONING})
#: Tool results longer than this are not parsed to be pretty-printed.
PRETTY_LIMIT = 1 << 20


@dataclass(frozen=True, slots=True)
class Block:
    """One piece of a chunk: `text` is raw (untrusted, not escaped)."""

    kind: str
    text: str
    tool_name: str | None = None
    call_id: str | None = None


def pretty_json(value: Any) -> str:
    """Indented JSON; a string that holds JSON (tool arguments) is parsed first.

    What orjson will not write (nesting deeper than 254 levels, odd types) is shown as
    the text it came from, else as lenient JSON, else as `repr()`; JSON nested ~1000
    levels makes `repr()` raise `RecursionError`, so nothing here raises.
    """
    raw = value if isinstance(value, str) else None
    if raw is not None:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            return raw
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 | orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        pass
    if raw is not None:
        return raw
    try:
        return dumps_lenient(value).decode("utf-8", "replace")
    except (RecursionError, TypeError, ValueError):
        pass
    try:
        return repr(value)
    except RecursionError:
        return TOO_DEEP


def _str(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except RecursionError:
        return TOO_DEEP


def _payload(chunk: Chunk) -> dict[str, Any]:
    return chunk.payload if isinstance(chunk.payload, dict) else {}


def role(chunk: Chunk) -> str:
    """`user`, `assistant`, `tool` (a tool call's result) or `system` (anything else)."""
    if chunk.kind == "tool_result":
        return "tool"
    return chunk.kind if chunk.kind in ("user", "assistant") else "system"


def _content_block(item: Any, text_kind: str) -> Block:
    """One entry of a content list (Anthropic, OpenAI or Codex shaped)."""
    if isinstance(item, str):
        return Block(text_kind, item)
    if not isinstance(item, dict):
        return Block("other", pretty_json(item))
    btype = item.get("type")
    if btype == "thinking" and isinstance(item.get("thinking"), str):
        return Block("thinking", item["thinking"])
    if btype == "redacted_thinking":
        return Block("other", REDACTED_THINKING)
    if btype == "reasoning" and item.get("encrypted_content"):
        return Block("other", ENCRYPTED_REASONING)
    if btype in ("tool_use", "server_tool_use"):
        return Block(
            "tool_call",
            pretty_json(item.get("input", "")),
            tool_name=_str(item.get("name", "?")),
            call_id=_str(item.get("id", "")),
        )
    if btype == "tool_result":
        return Block(
            "tool_result",
            _content_text(item.get("content")),
            call_id=_str(item.get("tool_use_id", "")),
        )
    if btype in ("image", "input_image", "image_url"):
        return Block("image", IMAGE)
    if isinstance(item.get("text"), str):
        return Block(text_kind, item["text"])
    return Block("other", pretty_json(item))


def _content_blocks(content: Any, text_kind: str) -> list[Block]:
    if content is None:
        return []
    if isinstance(content, str):
        return [Block(text_kind, content)] if content else []
    if isinstance(content, list):
        return [_content_block(item, text_kind) for item in content]
    return [Block("other", pretty_json(content))]


def _content_text(content: Any) -> str:
    return "\n".join(b.text for b in _content_blocks(content, "text"))


def _tool_call_block(call: Any) -> Block:
    """An OpenAI-shaped call (`function: {name, arguments}`) or an Anthropic one (`name`, `input`)."""
    if not isinstance(call, dict):
        return Block("tool_call", pretty_json(call), tool_name="?", call_id="")
    fn: dict[str, Any] = call["function"] if isinstance(call.get("function"), dict) else call
    args = fn.get("arguments", fn.get("input", ""))
    return Block(
        "tool_call",
        pretty_json(args) if args != "" else "",
        tool_name=_str(fn.get("name", "?")),
        call_id=_str(call.get("id", "")),
    )


def blocks(chunk: Chunk) -> list[Block]:
    """Every block of a chunk, content first, then its tool calls (texts raw)."""
    payload = _payload(chunk)
    if role(chunk) == "tool":
        out = _content_blocks(payload.get("content"), "tool_result")
        name = _str(payload.get("name") or "") or None
        call_id = _str(payload.get("tool_call_id") or "") or None
        out = [Block(b.kind, b.text, name, call_id) if b.kind == "tool_result" else b for b in out]
    else:
        out = _content_blocks(payload.get("content"), "text")
    calls = payload.get("tool_calls")
    if isinstance(calls, list):
        out += [_tool_call_block(call) for call in calls]
    return out


def plain_text(chunk: Chunk) -> str:
    """The raw searchable text: text, thinking, tool names and arguments, tool results."""
    parts: list[str] = []
    for block in blocks(chunk):
        if block.kind in ("image", "other") and block.text in _PLACEHOLDERS:
            continue
        if block.kind == "tool_call":
            parts.append(
                f"{block.tool_name}\n{block.text}" if block.text else block.tool_name or ""
            )
        else:
            parts.append(block.text)
    return "\n".join(parts)


def _is_body(block: Block) -> bool:
    """Blocks shown as the chunk's running text (the rest get a heading of their own)."""
    return block.kind not in ("thinking", "tool_call")


def _result_text(text: str) -> str:
    """A tool result that is JSON, pretty-printed (up to `PRETTY_LIMIT` characters)."""
    if text.lstrip()[:1] in ("{", "[") and len(text) < PRETTY_LIMIT:
        return pretty_json(text)
    return text


def _sections(chunk: Chunk) -> list[tuple[str, list[Block]]]:
    """Consecutive body blocks grouped (they read as one text), each other block alone."""
    out: list[tuple[str, list[Block]]] = []
    for block in blocks(chunk):
        if _is_body(block) and out and out[-1][0] == "body":
            out[-1][1].append(block)
        else:
            out.append(("body" if _is_body(block) else block.kind, [block]))
    return out


def _body_text(chunk: Chunk, group: list[Block]) -> str:
    payload = _payload(chunk)
    if role(chunk) == "tool" and isinstance(payload.get("content"), str):
        return _result_text(group[0].text)
    return "\n".join(b.text for b in group)


# ------------------------------------------------------------------ the terminal (CLI)
CUT_AT = 20_000


def cut(text: str, limit: int = CUT_AT) -> str:
    """`text` up to `limit` characters, then '... N KB more'."""
    if len(text) <= limit:
        return text
    rest = len(text.encode("utf-8", "replace")) - len(text[:limit].encode("utf-8", "replace"))
    return f"{text[:limit]}\n... {max(1, rest // 1024)} KB more"


def chunk_title(chunk: Chunk) -> str:
    """The block heading: `#3 assistant`, `#4 tool_result run_shell_command`."""
    name = ""
    if chunk.kind == "tool_result":
        payload = _payload(chunk)
        name = " " + _str(payload.get("name") or payload.get("tool_call_id") or "")
    side = " (sidechain)" if chunk.sidechain else ""
    return one_line(f"#{chunk.index} {chunk.kind}{name}{side}")


def chunk_body(chunk: Chunk, limit: int = CUT_AT) -> str:
    """The block's text: content, thinking, then one line per tool call with its arguments."""
    parts: list[str] = []
    for section, group in _sections(chunk):
        if section == "body":
            text = _body_text(chunk, group)
            if text:
                parts.append(cut(text, limit))
        elif section == "thinking":
            parts.append(f"[thinking] {cut(group[0].text, limit)}")
        else:
            call = group[0]
            parts.append(f"→ {call.tool_name}({cut(call.text, limit)})")
    return safe_text("\n".join(parts))


def chunk_to_text(chunk: Chunk, limit: int = CUT_AT) -> str:
    """What `sessionview show` prints: heading line plus the indented body."""
    body = chunk_body(chunk, limit)
    indented = "\n".join("  " + line for line in body.splitlines()) if body else "  (empty)"
    return f"── {chunk_title(chunk)} ──\n{indented}"


# --------------------------------------------------------------------- the screen (TUI)
#: Characters of one line shown before "... N KB more".
LINE_LIMIT = 2000
INDENT = "  "
KIND_LABELS = {
    "system": "system",
    "user": "user",
    "assistant": "assistant",
    "tool_result": "tool result",
}
_SKIP_EXTRA = ("content", "tool_calls", "tool_call_id", "name")


class Line(NamedTuple):
    """One logical transcript line: a style name, safe text, and an optional cut marker."""

    style: str
    text: str
    marker: str = ""


def _kind_style(kind: str) -> str:
    return {"tool_result": "tool-result"}.get(kind, kind if kind in KIND_LABELS else "meta")


#: A tool result longer than FOLD_OVER lines shows its first FOLD_KEEP (x expands it).
FOLD_OVER = 20
FOLD_KEEP = 10


def _lines(
    text: str,
    style: str,
    expanded: bool,
    limit: int,
    indent: str = INDENT,
    *,
    fold: bool = False,
) -> list[Line]:
    lines: list[Line] = []
    raws = screen_lines(text)
    hidden = 0
    if fold and not expanded and len(raws) > FOLD_OVER:
        hidden = len(raws) - FOLD_KEEP
        raws = raws[:FOLD_KEEP]
    for raw in raws:
        if not expanded and len(raw) > limit:
            rest = len(raw[limit:].encode("utf-8", "replace"))
            kb = max(1, round(rest / 1024))
            lines.append(Line(style, indent + raw[:limit], f" ... {kb} KB more (x expands)"))
        else:
            lines.append(Line(style, indent + raw))
    if hidden:
        lines.append(Line(style, indent, f"... {hidden} more lines (x expands)"))
    return lines


def chunk_lines(chunk: Chunk, *, expanded: bool = False, limit: int = LINE_LIMIT) -> list[Line]:
    """Every line of a chunk's block in the TUI, header first and a blank line last."""
    payload = _payload(chunk)
    kind = chunk.kind
    style = _kind_style(kind)
    head = f"▌ {KIND_LABELS.get(kind, screen_text(_str(kind)))}"
    if kind == "tool_result" and payload.get("name"):
        head += f" · {screen_text(_str(payload['name']))}"
    head += f"  #{chunk.index}"
    if chunk.sidechain:
        head += "  · sidechain"
    if kind == "tool_result" and payload.get("tool_call_id"):
        head += f"  ({screen_text(_str(payload['tool_call_id']))})"
    lines = [Line(f"{style}-head", head)]
    for section, group in _sections(chunk):
        if section == "body":
            text = _body_text(chunk, group)
            if text:
                lines += _lines(text, style, expanded, limit, fold=kind == "tool_result")
        elif section == "thinking":
            lines.append(Line("meta-head", f"{INDENT}thinking"))
            lines += _lines(group[0].text, "meta", expanded, limit, INDENT * 2)
        else:
            call = group[0]
            tail = f"  ({screen_text(call.call_id)})" if call.call_id else ""
            lines.append(
                Line("tool-call-head", f"{INDENT}⚙ {screen_text(call.tool_name or '?')}{tail}")
            )
            if call.text:
                lines += _lines(call.text, "tool-call", expanded, limit, INDENT * 2)
    extra = {k: v for k, v in payload.items() if k not in _SKIP_EXTRA}
    if extra:
        lines += _lines(pretty_json(extra), "meta", expanded, limit)
    if len(lines) == 1:
        lines.append(Line("meta", INDENT + "(empty)"))
    lines.append(Line("blank", ""))
    return lines


def has_cut(chunk: Chunk, *, limit: int = LINE_LIMIT) -> bool:
    """Does the chunk's block hide anything (a cut line, a folded tool result)?"""
    return any(line.marker for line in chunk_lines(chunk, limit=limit))


def chunk_summary(chunk: Chunk, limit: int = 100) -> str:
    """One TUI line: the text, or the tool calls' names, or the tool result's first line."""
    payload = _payload(chunk)
    parts = blocks(chunk)
    text = first_line("\n".join(b.text for b in parts if _is_body(b)), limit)
    names = ", ".join(screen_text(b.tool_name or "?") for b in parts if b.kind == "tool_call")
    if names:
        text = f"{text}  ⚙ {names}" if text else f"⚙ {names}"
    if chunk.kind == "tool_result" and payload.get("name"):
        text = f"{screen_text(_str(payload['name']))}: {text}"
    return text[:limit] if text else "(empty)"
