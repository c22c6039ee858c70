"""TEMPORARY stand-in for `sessionview.render.chunk_text` and `render.safe` (branch
`render-api`), with their contract's names and signatures; deleted once that branch is
merged. Built on `sessionview.transcript`, which those modules replace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sessionview.store.model import Chunk
from sessionview.text import one_line as _one_line
from sessionview.text import visible
from sessionview.transcript import content_text, pretty_arguments, tool_calls


def safe_text(text: str) -> str:
    return visible(text)


def one_line(text: str, width: int | None = None) -> str:
    return _one_line(text, width)


@dataclass(frozen=True, slots=True)
class Block:
    kind: str
    text: str
    tool_name: str | None = None
    call_id: str | None = None


_ROLES = {"user": "user", "assistant": "assistant", "tool_result": "tool", "system": "system"}


def role(chunk: Chunk) -> str:
    return _ROLES.get(chunk.kind, "system")


def blocks(chunk: Chunk) -> list[Block]:
    payload: dict[str, Any] = chunk.payload
    out: list[Block] = []
    text = content_text(payload.get("content"))
    if chunk.kind == "tool_result":
        if text[:1] in ("{", "["):
            text = pretty_arguments(text)
        name = payload.get("name")
        out.append(
            Block(
                "tool_result",
                text,
                tool_name=name if isinstance(name, str) and name else None,
                call_id=str(payload.get("tool_call_id") or "") or None,
            )
        )
        return out
    if text:
        out.append(Block("text", text))
    for call_id, name, args in tool_calls(payload):
        out.append(Block("tool_call", args, tool_name=name, call_id=call_id or None))
    return out
