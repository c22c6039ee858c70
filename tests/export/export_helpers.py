"""Sessions written as real OpenRath files, for the export tests."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo
from sessionview.store.roots import resolve_roots

HOSTILE = [
    "<script>document.title='PWNED';fetch('http://127.0.0.1:9/x')</script>",
    "<img src=x onerror=\"document.title='PWNED'\">",
    "<a href=\"javascript:document.title='PWNED'\">click me</a>",
    "</details></pre></article><script>document.title='PWNED'</script>",
    '"><svg onload="document.title=\'PWNED\'">',
    "<style>body{background:url(http://127.0.0.1:9/css)}</style>",
    '<link rel="stylesheet" href="http://127.0.0.1:9/link.css">',
    '<iframe src="http://127.0.0.1:9/frame"></iframe><meta http-equiv=refresh content=0;url=http://127.0.0.1:9/>',
    "\x1b]0;evil title\x07\x1b[2J\u202e bidi",
]


def user(text: str) -> dict[str, Any]:
    return {"kind": "user", "payload": {"content": text}}


def assistant(text: str | None, *calls: tuple[str, str, Any]) -> dict[str, Any]:
    tool_calls = [
        {
            "id": call_id,
            "type": "function",
            "function": {"name": name, "arguments": json.dumps(args)},
        }
        for call_id, name, args in calls
    ]
    return {"kind": "assistant", "payload": {"content": text, "tool_calls": tool_calls or None}}


def tool(call_id: str, name: str, text: str) -> dict[str, Any]:
    return {
        "kind": "tool_result",
        "payload": {"content": text, "tool_call_id": call_id, "name": name},
    }


def write_session(
    directory: Path,
    chunks: list[dict[str, Any]],
    *,
    sid: str | None = None,
    closed: bool = True,
    usage: dict[str, int] | None = None,
) -> str:
    """An OpenRath session file as the real writer lays it out; returns its id."""
    sid = sid or str(uuid.uuid4())
    directory.mkdir(parents=True, exist_ok=True)
    lines = [
        {
            "record_type": "header",
            "schema_version": 1,
            "id": sid,
            "created_at": "2026-11-21T11:52:34.104903+00:00",
            "parent_session_ids": [],
            "lineage_operator": "implicit",
            "lineage_kind": "unknown",
            "lineage_extras": [],
            "sandbox_backend": "local",
            "sandbox_spec": {"working_dir": "/srv/agent"},
            "sandbox_handle_id": None,
        }
    ]
    for i, chunk in enumerate(chunks):
        lines.append({"record_type": "chunk", "index": i, **chunk})
    if closed:
        lines.append(
            {
                "record_type": "trailer",
                "closed_at": "2026-11-21T12:00:00+00:00",
                "final_chunk_count": len(chunks),
                "cumulative_usage": usage,
            }
        )
    name = f"{sid}.jsonl" if closed else f"{sid}.jsonl.__partial__"
    (directory / name).write_text("".join(json.dumps(r) + "\n" for r in lines))
    return sid


def session_info(directory: Path, sid: str) -> SessionInfo:
    index = SessionIndex(resolve_roots([directory]))
    index.scan()
    return index.resolve(sid)


def hostile_chunks() -> list[dict[str, Any]]:
    chunks: list[dict[str, Any]] = []
    for i, text in enumerate(HOSTILE):
        chunks.append(user(text))
        chunks.append(assistant(text, (f"call_{i}", text, {"cmd": text})))
        chunks.append(tool(f"call_{i}", text, text))
    chunks.append(tool("call_long", "bash", "\n".join(HOSTILE * 10)))
    return chunks
