"""Builders for realistic session files of every format, written from FORMATS.md (the repository root)."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures"


def copy_fixture(name: str, target: Path) -> Path:
    """A writable copy of `tests/fixtures/<name>` (dotfiles included)."""
    shutil.copytree(FIXTURES / name, target)
    return target


def write_jsonl(path: Path, records: list[Any], *, torn: bytes = b"") -> Path:
    """One compact JSON object per line, `\\n`-terminated, plus an optional torn tail."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"".join(
        (r if isinstance(r, bytes) else json.dumps(r, ensure_ascii=False).encode()) + b"\n"
        for r in records
    )
    path.write_bytes(data + torn)
    return path


def dead_pid() -> int:
    """The pid of a process that has already exited."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


# ----------------------------------------------------------------- Claude Code
def claude_envelope(sid: str, rtype: str, uid: str, parent: str | None, ts: str, **kw: Any) -> dict:
    rec = {
        "parentUuid": parent,
        "isSidechain": False,
        "userType": "external",
        "cwd": kw.pop("cwd", "/home/alice/src/app"),
        "sessionId": sid,
        "version": "2.1.30",
        "gitBranch": kw.pop("branch", "main"),
        "type": rtype,
        "uuid": uid,
        "timestamp": ts,
    }
    rec.update(kw)
    return rec


def claude_usage(inp: int, out: int, read: int = 0, write: int = 0) -> dict:
    return {
        "input_tokens": inp,
        "output_tokens": out,
        "cache_read_input_tokens": read,
        "cache_creation_input_tokens": write,
    }


def claude_records(
    sid: str, *, prompt: str = "Add a --verbose flag to cli.py", cwd: str = "/home/alice/src/app"
) -> list[dict]:
    """A realistic session: bookkeeping, a command, a prompt, one API message split over
    two lines (thinking + tool_use, same id and usage), a tool result, a reply, titles."""
    u = claude_usage(12, 40, 9000, 2048)
    recs = [
        {
            "type": "file-history-snapshot",
            "messageId": "m0",
            "snapshot": {},
            "isSnapshotUpdate": False,
        },
        claude_envelope(
            sid,
            "user",
            "c1",
            None,
            "2026-03-02T09:15:00.000Z",
            message={"role": "user", "content": "<command-name>/clear</command-name>"},
        ),
        claude_envelope(
            sid,
            "user",
            "c2",
            "c1",
            "2026-03-02T09:15:00.500Z",
            isMeta=True,
            message={"role": "user", "content": "Caveat: the messages below were generated"},
        ),
        claude_envelope(
            sid,
            "user",
            "u1",
            "c2",
            "2026-03-02T09:15:04.120Z",
            message={"role": "user", "content": prompt},
        ),
        claude_envelope(
            sid,
            "assistant",
            "a1",
            "u1",
            "2026-03-02T09:15:06.000Z",
            requestId="req_1",
            message={
                "id": "msg_01A",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [
                    {"type": "thinking", "thinking": "Read the file first.", "signature": "x"}
                ],
                "stop_reason": None,
                "usage": u,
            },
        ),
        claude_envelope(
            sid,
            "assistant",
            "a2",
            "a1",
            "2026-03-02T09:15:06.500Z",
            requestId="req_1",
            message={
                "id": "msg_01A",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [
                    {
                        "type": "tool_use",
                        "id": "toolu_01",
                        "name": "Read",
                        "input": {"file_path": "/home/alice/src/app/cli.py"},
                    }
                ],
                "stop_reason": "tool_use",
                "usage": u,
            },
        ),
        claude_envelope(
            sid,
            "user",
            "u2",
            "a2",
            "2026-03-02T09:15:06.700Z",
            message={
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01",
                        "content": "import argparse\n",
                    }
                ],
            },
            toolUseResult={"type": "text"},
        ),
        {"type": "attachment", "uuid": "att1", "sessionId": sid},
        {"type": "brand-new-bookkeeping", "sessionId": sid, "whatever": [1, 2]},
        claude_envelope(
            sid,
            "assistant",
            "a3",
            "u2",
            "2026-03-02T09:15:12.900Z",
            requestId="req_2",
            message={
                "id": "msg_01B",
                "type": "message",
                "role": "assistant",
                "model": "claude-opus-4-1",
                "content": [{"type": "text", "text": "Added --verbose; it sets DEBUG."}],
                "stop_reason": "end_turn",
                "usage": claude_usage(30, 95, 11048, 0),
            },
        ),
        {"type": "ai-title", "aiTitle": "Verbose flag for the CLI", "sessionId": sid},
        {"type": "summary", "summary": "Add --verbose flag", "leafUuid": "a3"},
    ]
    for rec in recs:
        if "cwd" in rec:
            rec["cwd"] = cwd
    return recs


def make_claude(
    root: Path,
    sid: str | None = None,
    *,
    cwd: str = "/home/alice/src/app",
    records: list | None = None,
    torn: bytes = b"",
) -> Path:
    """`<root>/projects/<escaped cwd>/<sid>.jsonl`."""
    sid = sid or str(uuid.uuid4())
    proj = "".join(ch if ch.isalnum() else "-" for ch in cwd)
    path = root / "projects" / proj / f"{sid}.jsonl"
    recs = records if records is not None else claude_records(sid, cwd=cwd)
    return write_jsonl(path, recs, torn=torn)


def claude_registry(root: Path, pid: int, sid: str, **kw: Any) -> Path:
    path = root / "sessions" / f"{pid}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        "pid": pid,
        "sessionId": sid,
        "cwd": "/home/alice/src/app",
        "startedAt": 1772442904120,
        "version": "2.1.30",
        "kind": "interactive",
        "entrypoint": "cli",
        "status": "busy",
        **kw,
    }
    path.write_text(json.dumps(data, indent=2))
    return path


# ----------------------------------------------------------------------- Codex
def codex_line(ts: str, rtype: str, payload: dict) -> dict:
    return {"timestamp": ts, "type": rtype, "payload": payload}


def codex_records(
    sid: str, *, cwd: str = "/home/alice/src/app", prompt: str = "Add a --verbose flag"
) -> list[dict]:
    usage1 = {
        "input_tokens": 100,
        "cached_input_tokens": 0,
        "output_tokens": 10,
        "reasoning_output_tokens": 0,
        "total_tokens": 110,
    }
    usage2 = {
        "input_tokens": 5210,
        "cached_input_tokens": 3072,
        "output_tokens": 412,
        "reasoning_output_tokens": 256,
        "total_tokens": 5622,
    }
    return [
        codex_line(
            "2026-03-02T09:15:04.512Z",
            "session_meta",
            {
                "id": sid,
                "timestamp": "2026-03-02T09:15:04.498Z",
                "cwd": cwd,
                "originator": "codex_cli_rs",
                "cli_version": "0.46.0",
                "instructions": None,
                "source": "cli",
                "model_provider": "openai",
                "git": {
                    "commit_hash": "9f1e",
                    "branch": "feature/x",
                    "repository_url": "git@x:y.git",
                },
            },
        ),
        codex_line(
            "2026-03-02T09:15:09.001Z",
            "response_item",
            {
                "type": "message",
                "role": "user",
                "content": [
                    {
                        "type": "input_text",
                        "text": "<environment_context>\n  <cwd>/x</cwd>\n</environment_context>",
                    }
                ],
            },
        ),
        codex_line(
            "2026-03-02T09:15:09.002Z",
            "turn_context",
            {
                "cwd": cwd,
                "model": "gpt-5-codex",
                "approval_policy": "on-request",
                "sandbox_policy": {"type": "workspace-write"},
                "summary": "auto",
            },
        ),
        codex_line(
            "2026-03-02T09:15:09.003Z",
            "response_item",
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": prompt}],
            },
        ),
        codex_line(
            "2026-03-02T09:15:09.004Z", "event_msg", {"type": "user_message", "message": prompt}
        ),
        codex_line(
            "2026-03-02T09:15:10.000Z",
            "event_msg",
            {
                "type": "token_count",
                "info": {
                    "total_token_usage": usage1,
                    "last_token_usage": usage1,
                    "model_context_window": 272000,
                },
                "rate_limits": None,
            },
        ),
        codex_line(
            "2026-03-02T09:15:11.000Z",
            "response_item",
            {"type": "reasoning", "summary": [], "encrypted_content": "gAAA"},
        ),
        codex_line(
            "2026-03-02T09:15:13.410Z",
            "response_item",
            {
                "type": "function_call",
                "name": "shell",
                "arguments": '{"command":["rg","argparse"]}',
                "call_id": "call_abc",
            },
        ),
        codex_line(
            "2026-03-02T09:15:13.620Z",
            "response_item",
            {
                "type": "function_call_output",
                "call_id": "call_abc",
                "output": "3:import argparse\n",
            },
        ),
        codex_line(
            "2026-03-02T09:15:14.000Z",
            "event_msg",
            {"type": "token_count", "info": None, "rate_limits": None},
        ),
        codex_line(
            "2026-03-02T09:15:15.000Z",
            "turn_context",
            {"cwd": cwd, "model": "gpt-5.1-codex", "summary": "auto"},
        ),
        codex_line(
            "2026-03-02T09:15:20.880Z",
            "response_item",
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "Added --verbose."}],
            },
        ),
        codex_line(
            "2026-03-02T09:15:20.881Z",
            "event_msg",
            {"type": "agent_message", "message": "Added --verbose."},
        ),
        codex_line("2026-03-02T09:15:20.900Z", "event_msg", {"type": "brand_new_event", "x": 1}),
        codex_line(
            "2026-03-02T09:15:20.950Z",
            "event_msg",
            {
                "type": "token_count",
                "info": {
                    "total_token_usage": usage2,
                    "last_token_usage": usage2,
                    "model_context_window": 272000,
                },
                "rate_limits": None,
            },
        ),
    ]


def make_codex(
    home: Path,
    sid: str | None = None,
    *,
    records: list | None = None,
    torn: bytes = b"",
    day: str = "2026/03/02",
    archived: bool = False,
) -> Path:
    sid = sid or str(uuid.uuid4())
    folder = home / "archived_sessions" if archived else home / "sessions" / day
    name = f"rollout-{day.replace('/', '-')}T10-15-04-{sid}.jsonl"
    return write_jsonl(
        folder / name, records if records is not None else codex_records(sid), torn=torn
    )


# --------------------------------------------------------------------- nanobot
def storage_key(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def nanobot_records(key: str, metadata: dict | None = None, messages: list | None = None) -> list:
    meta = {
        "_type": "metadata",
        "key": key,
        "created_at": "2026-03-01T18:02:11.402113",
        "updated_at": "2026-03-01T18:04:40.918277",
        "metadata": metadata or {},
        "last_consolidated": 0,
    }
    if messages is None:
        messages = [
            {
                "role": "user",
                "content": "[Message Time: 2026-03-01 18:02]\nFind a   10 km loop\nnear Zurich.",
                "timestamp": "2026-03-01T18:02:11.400871",
            },
            {
                "role": "assistant",
                "content": "",
                "tool_calls": [
                    {
                        "id": "call_w1",
                        "type": "function",
                        "function": {"name": "web_search", "arguments": '{"query": "loop"}'},
                    }
                ],
                "timestamp": "2026-03-01T18:02:15.002311",
            },
            {
                "role": "tool",
                "tool_call_id": "call_w1",
                "name": "web_search",
                "content": "1. Uetliberg",
                "timestamp": "2026-03-01T18:02:17.551920",
            },
            {
                "role": "assistant",
                "content": [{"type": "text", "text": "The Uetliberg loop fits."}],
                "timestamp": "2026-03-01T18:04:40.918011",
            },
        ]
    return [meta, *messages]


def make_nanobot(
    folder: Path,
    key: str,
    *,
    metadata: dict | None = None,
    messages: list | None = None,
    lossy: bool = False,
    extra_lines: list | None = None,
) -> Path:
    stem = key.replace(":", "_") if lossy else storage_key(key)
    records = nanobot_records(key, metadata, messages) + (extra_lines or [])
    return write_jsonl(folder / f"{stem}.jsonl", records)


# -------------------------------------------------------------------- snapshot
def snapshot_doc(
    sid: str = "a1b2c3d4e5f6_20260302_091504", workspace: str = "/home/alice/src/app", **kw: Any
) -> dict:
    doc = {
        "version": 1,
        "session_id": sid,
        "created_at": "2026-03-02T09:15:04.120331+00:00",
        "updated_at": "2026-03-02T09:20:41.000912+00:00",
        "model": "gpt-4o-mini",
        "workspace_root": workspace,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Explain the build script.\nIt is long."},
            {
                "role": "assistant",
                "content": None,
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "read", "arguments": "{}"},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "name": "read", "content": "ruff; pytest"},
            {"role": "assistant", "content": "It runs ruff, then pytest."},
        ],
        "token_usage": {"input_tokens": 640, "output_tokens": 42},
    }
    doc.update(kw)
    return doc


def make_snapshot(folder: Path, doc: dict | None = None) -> Path:
    doc = doc or snapshot_doc()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{doc['session_id']}.json"
    path.write_text(json.dumps(doc, indent=2))
    old = 1_700_000_000
    os.utime(path, (old, old))
    return path


# ------------------------------------------------------------------- OpenRath
def openrath_records(sid: str) -> list[dict]:
    return [
        {
            "record_type": "header",
            "schema_version": 1,
            "id": sid,
            "created_at": "2026-03-02T09:15:04.120331+00:00",
            "parent_session_ids": [],
            "lineage_operator": "Session.create",
            "lineage_kind": "op_create",
            "lineage_extras": [],
            "sandbox_backend": None,
            "sandbox_spec": None,
            "sandbox_handle_id": None,
        },
        {"record_type": "chunk", "index": 0, "kind": "user", "payload": {"content": "hello"}},
        {
            "record_type": "trailer",
            "closed_at": "2026-03-02T09:15:09.874512+00:00",
            "final_chunk_count": 1,
            "cumulative_usage": None,
        },
    ]
