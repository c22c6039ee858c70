"""OpenAI Codex CLI rollouts: `$CODEX_HOME/sessions/YYYY/MM/DD/rollout-<local time>-<uuid>.jsonl`.

Also `$CODEX_HOME/archived_sessions/` (flat). Every line is `{timestamp, type, payload}`
(§5 of FORMATS.md at the repository root). Facts need one streaming pass, but the bulky
`response_item` lines are recognised from their first bytes and never parsed. Titles
live outside the rollout, in `session_index.jsonl`; they are re-applied on every scan
from a copy cached by that file's stat, so a rename shows without the rollout changing.
"""

from __future__ import annotations

import os
import re
import shlex
import threading
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sessionview.store.errors import PersistenceError
from sessionview.store.formats.base import DecodeState, FormatAdapter
from sessionview.store.formats.common import iter_records, open_regular, parse_time, preview_text
from sessionview.store.jsonl import iter_lines, parse_record
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.paths import agent_home
from sessionview.store.resume import ResumePlan, fill_template

PREFIX = "rollout-"
SUFFIX = ".jsonl"
INDEX_NAME = "session_index.jsonl"
RECENT_SECONDS = 60
_TOP_TYPE_RE = re.compile(rb'^\s*\{\s*"timestamp"\s*:\s*"([^"]*)"\s*,\s*"type"\s*:\s*"([a-z_]+)"')
_SNIFF_META_RE = re.compile(rb'"type"\s*:\s*"session_meta"')
_UUID_TAIL_RE = re.compile(
    r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_SKIP_TYPES = {b"response_item", b"compacted"}
_PAYLOAD_TYPE_RE = re.compile(rb'"payload"\s*:\s*\{\s*"type"\s*:\s*"([a-z_]+)"')
#: `response_item` payloads that are one chunk each (a tool call, its output).
_TOOL_ITEMS = {
    b"function_call",
    b"custom_tool_call",
    b"local_shell_call",
    b"function_call_output",
    b"custom_tool_call_output",
    b"local_shell_call_output",
}
_INJECTED_PREFIXES = (
    "<environment_context>",
    "<user_instructions>",
    "# AGENTS.md",
    "<INSTRUCTIONS>",
)
_USAGE_KEYS = (
    "input_tokens",
    "cached_input_tokens",
    "output_tokens",
    "reasoning_output_tokens",
    "total_tokens",
)


def codex_home(env: Mapping[str, str]) -> Path:
    """`$CODEX_HOME` when non-empty, else `~/.codex`."""
    return agent_home(env, "CODEX_HOME", ".codex")


def home_of(path: Path) -> Path | None:
    """The Codex home a rollout belongs to: the parent of its `sessions/` folder."""
    for parent in path.parents:
        if parent.name in ("sessions", "archived_sessions"):
            return parent.parent
    return None


def _usage(raw: Any) -> dict[str, int] | None:
    if not isinstance(raw, dict):
        return None
    out = {}
    for key in _USAGE_KEYS:
        value = raw.get(key, 0)
        out[key] = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return out


class _TitleIndex:
    """`session_index.jsonl` files, parsed once per change (keyed by their stat)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[tuple[int, int, int], dict[str, str]]] = {}

    def titles(self, index_path: Path) -> dict[str, str]:
        try:
            st = os.stat(index_path)
        except OSError:
            return {}
        key = (st.st_ino, st.st_size, st.st_mtime_ns)
        with self._lock:
            cached = self._cache.get(str(index_path))
            if cached is not None and cached[0] == key:
                return cached[1]
        names: dict[str, str] = {}
        try:
            fd = os.open(index_path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return {}
        try:
            for _, line in iter_lines(fd):
                if not line.strip():
                    continue
                try:
                    rec = parse_record(line, "")
                except PersistenceError:
                    continue
                sid, name = rec.get("id"), rec.get("thread_name")
                if isinstance(sid, str):
                    if isinstance(name, str) and name.strip():
                        names[sid] = name
                    else:
                        names.pop(sid, None)
        except OSError:
            return {}
        finally:
            os.close(fd)
        with self._lock:
            self._cache[str(index_path)] = (key, names)
        return names


class _Facts:
    def __init__(self) -> None:
        self.meta: dict[str, Any] | None = None
        self.model: str | None = None
        self.preview = ""
        #: Chunks from `event_msg` records (prompts, replies, aborted turns, compactions).
        self.count = 0
        #: Chunks from tool calls, their outputs and `compacted` records.
        self.items = 0
        #: Chunks from `response_item` messages: shown only in rollouts without events.
        self.message_items = 0
        self.has_events = False
        self.usage: dict[str, int] | None = None
        self.last_event: str | None = None
        self.aborted = False
        self.bad_lines = 0
        self.records = 0

    def add(self, rec: dict[str, Any]) -> None:
        self.records += 1
        rtype = rec.get("type")
        payload = rec.get("payload")
        if not isinstance(payload, dict):
            return
        if rtype == "session_meta":
            if self.meta is None:
                self.meta = payload
        elif rtype == "turn_context":
            if isinstance(payload.get("model"), str):
                self.model = payload["model"]
        elif rtype == "event_msg":
            etype = payload.get("type")
            if etype == "user_message":
                self.has_events = True
                self.count += isinstance(payload.get("message"), str)
                self.last_event = "user"
                if not self.preview and isinstance(payload.get("message"), str):
                    self.preview = preview_text(payload["message"])
            elif etype == "agent_message":
                self.has_events = True
                self.count += isinstance(payload.get("message"), str)
                self.last_event = "agent"
            elif etype == "context_compacted":
                self.count += 1
            elif etype == "token_count":
                info = payload.get("info")
                if isinstance(info, dict):
                    usage = _usage(info.get("total_token_usage"))
                    if usage is not None:
                        self.usage = usage
            elif etype == "turn_aborted":
                self.count += 1
                self.aborted = True

    @property
    def chunks(self) -> int:
        """What `load_chunks` shows: events, or (old rollouts) the messages, plus tools."""
        if self.has_events:
            return self.count + self.items
        return self.items + self.message_items

    def interrupted(self) -> str | None:
        if self.aborted:
            return "a turn was aborted"
        if self.last_event == "user":
            return "the last prompt has no reply"
        return None


class CodexFormat(FormatAdapter):
    """Codex CLI's append-only rollout files."""

    name = "codex"
    append_only = True
    always_check_liveness = True

    def __init__(self) -> None:
        self._titles = _TitleIndex()  # a cache of files, behind a lock: shared safely

    # ------------------------------------------------------------ discovery
    def claims(self, path: Path) -> bool:
        name = path.name
        return name.startswith(PREFIX) and name.endswith(SUFFIX)

    def walk_into(self, name: str, path: str, depth: int) -> bool:
        """The `YYYY/MM/DD/` date folders."""
        return depth < 3 and name.isdigit()

    def sniff(self, head: bytes) -> bool:
        first = head.split(b"\n", 1)[0]
        return bool(_SNIFF_META_RE.search(first[:512]) or _TOP_TYPE_RE.match(first))

    def id_from_path(self, path: Path) -> str:
        stem = path.name[: -len(SUFFIX)] if path.name.endswith(SUFFIX) else path.name
        match = _UUID_TAIL_RE.search(stem)
        return match.group(0) if match else stem

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        home = codex_home(env)
        return [home / "sessions", home / "archived_sessions"]

    # ---------------------------------------------------------------- facts
    def _scan(self, path: Path) -> tuple[_Facts, datetime | None]:
        facts = _Facts()
        last_ts: datetime | None = None
        fd, _ = open_regular(path)
        try:
            for _, line in iter_lines(fd):
                if not line.strip():
                    continue
                top = _TOP_TYPE_RE.match(line[:256])
                if top is not None:
                    ts = parse_time(top.group(1).decode("utf-8", "replace"))
                    if ts is not None:
                        last_ts = ts
                    if top.group(2) in _SKIP_TYPES:
                        facts.records += 1
                        ptype = _PAYLOAD_TYPE_RE.search(line[:512])
                        if ptype is not None and top.group(2) == b"response_item":
                            if ptype.group(1) in _TOOL_ITEMS:
                                facts.items += 1
                            elif ptype.group(1) == b"message" and not facts.has_events:
                                # Shown only while the rollout has no events (old builds).
                                facts.message_items += self._message_chunks(line)
                            continue
                        self._count_item(facts, line)
                        continue
                try:
                    rec = parse_record(line, "")
                except PersistenceError:
                    facts.bad_lines += 1
                    continue
                if top is None:
                    ts = parse_time(rec.get("timestamp"))
                    if ts is not None:
                        last_ts = ts
                facts.add(rec)
        except OSError as exc:
            raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
        finally:
            os.close(fd)
        return facts, last_ts

    def _count_item(self, facts: _Facts, line: bytes) -> None:
        """A `response_item` or `compacted` line whose payload type is not in its first
        bytes: parsed, and counted as `load_chunks` maps it."""
        try:
            item = parse_record(line, "")
        except PersistenceError:
            return
        made = len(self._map(item, 0, DecodeState(), messages=True))
        payload = item.get("payload")
        if isinstance(payload, dict) and payload.get("type") == "message":
            facts.message_items += made
        else:
            facts.items += made

    def _message_chunks(self, line: bytes) -> int:
        """How many chunks a `response_item` message line makes (0 for injected context)."""
        try:
            item = parse_record(line, "")
        except PersistenceError:
            return 0
        return len(self._map(item, 0, DecodeState(), messages=True))

    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        try:
            facts, last_ts = self._scan(path)
        except PersistenceError as exc:
            return self._corrupt(path, st, str(exc))
        if facts.records == 0:
            reason = "empty file" if st.st_size == 0 else "no readable Codex record"
            return self._corrupt(path, st, f"{path}: {reason}")
        mtime = datetime.fromtimestamp(st.st_mtime, UTC)
        meta = facts.meta or {}
        sid = meta.get("id") or meta.get("session_id")
        if not isinstance(sid, str) or not sid:
            sid = self.id_from_path(path)
        git: dict[str, Any] = meta["git"] if isinstance(meta.get("git"), dict) else {}
        reason = "ended"
        why = facts.interrupted()
        if why:
            reason += f"; interrupted? ({why})"
        if facts.meta is None:
            reason += "; no session_meta record"
        if facts.bad_lines:
            reason += f"; {facts.bad_lines} unreadable line(s) skipped"
        info = SessionInfo(
            id=sid,
            format=self.name,
            state=SessionState.CLOSED,
            state_reason=reason,
            path=str(path),
            created_at=parse_time(meta.get("timestamp")) or mtime,
            updated_at=last_ts or mtime,
            chunks=facts.chunks,
            bytes=st.st_size,
            title=facts.preview,
            usage=facts.usage,
            cwd=meta.get("cwd") if isinstance(meta.get("cwd"), str) else None,
            extra={
                "preview": facts.preview,
                "branch": git.get("branch"),
                "model": facts.model,
                "originator": meta.get("originator"),
                "source": meta.get("source") if isinstance(meta.get("source"), str) else None,
                "cli_version": meta.get("cli_version"),
                "forked_from_id": meta.get("forked_from_id"),
                "archived": "archived_sessions" in path.parts,
                "bad_lines": facts.bad_lines,
                "interrupted": why,
                "ended_reason": reason,
            },
        )
        return self._with_title(info)

    def _with_title(self, info: SessionInfo) -> SessionInfo:
        path = Path(info.path)
        names = self._titles.titles((home_of(path) or path.parent) / INDEX_NAME)
        title = names.get(info.id) or info.extra.get("preview") or ""
        return info if title == info.title else replace(info, title=title)

    # ------------------------------------------------------------- liveness
    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        if info.state is SessionState.CORRUPT:
            return info
        info = self._with_title(info)
        held = probe.open_by_process(st)
        if held:
            return replace(
                info, state=SessionState.RUNNING, state_reason="a process holds the file open"
            )
        if held is None:
            age = datetime.now(UTC).timestamp() - st.st_mtime
            if age < RECENT_SECONDS:
                return replace(
                    info,
                    state=SessionState.RUNNING,
                    state_reason=f"modified {int(age)} s ago (open files cannot be checked)",
                )
        return self._no_longer_running(info)

    # ----------------------------------------------------------- transcript
    def _map(
        self, rec: dict[str, Any], index: int, state: DecodeState, messages: bool
    ) -> list[Chunk]:
        rtype = rec.get("type")
        payload = rec.get("payload")
        if not isinstance(payload, dict):
            return []
        ts = parse_time(rec.get("timestamp"))
        ptype = payload.get("type")

        def one(kind: str, body: dict[str, Any]) -> list[Chunk]:
            return [Chunk(index=index, kind=kind, payload=body, raw=rec, timestamp=ts)]

        if rtype == "event_msg" and not messages:
            if ptype == "user_message" and isinstance(payload.get("message"), str):
                return one("user", {"content": payload["message"]})
            if ptype == "agent_message" and isinstance(payload.get("message"), str):
                return one("assistant", {"content": payload["message"], "tool_calls": None})
            if ptype == "turn_aborted":
                reason = payload.get("reason")
                return one(
                    "system", {"content": f"[turn aborted{': ' + str(reason) if reason else ''}]"}
                )
            if ptype == "context_compacted":
                return one("system", {"content": "[context compacted]"})
            return []
        if rtype == "compacted":
            message = payload.get("message")
            return one(
                "system", {"content": f"[compacted] {message}" if message else "[compacted]"}
            )
        if rtype != "response_item":
            return []
        if ptype in ("function_call", "custom_tool_call", "local_shell_call"):
            call_id = str(payload.get("call_id") or payload.get("id") or "")
            if ptype == "function_call":
                name = str(payload.get("name", ""))
                args = payload.get("arguments")
            elif ptype == "custom_tool_call":
                name = str(payload.get("name", ""))
                args = payload.get("input")
            else:
                name = "local_shell"
                args = payload.get("action")
            if not isinstance(args, str):
                args = orjson.dumps(args if args is not None else {}).decode()
            state.remember_tool(call_id, name)
            call = {
                "id": call_id,
                "type": "function",
                "function": {"name": name, "arguments": args},
            }
            return one("assistant", {"content": None, "tool_calls": [call]})
        if ptype in ("function_call_output", "custom_tool_call_output", "local_shell_call_output"):
            call_id = str(payload.get("call_id", ""))
            output = payload.get("output")
            if isinstance(output, dict):
                output = output.get("content", orjson.dumps(output).decode())
            if not isinstance(output, str):
                output = "" if output is None else orjson.dumps(output).decode()
            return one(
                "tool_result",
                {
                    "tool_call_id": call_id,
                    "name": state.tool_names.get(call_id, ""),
                    "content": output,
                },
            )
        if messages and ptype == "message":
            role = payload.get("role")
            content = payload.get("content")
            text = ""
            if isinstance(content, list):
                text = "\n".join(
                    str(b.get("text", ""))
                    for b in content
                    if isinstance(b, dict)
                    and b.get("type") in ("input_text", "output_text", "text")
                )
            elif isinstance(content, str):
                text = content
            if role == "user" and not text.lstrip().startswith(_INJECTED_PREFIXES):
                return one("user", {"content": text})
            if role == "assistant":
                return one("assistant", {"content": text, "tool_calls": None})
        return []

    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        records = [rec for _, rec in iter_records(path) if rec is not None]
        if not records:
            raise PersistenceError(f"{path}: no readable Codex record")
        # User and assistant text comes from event_msg; only very old rollouts without
        # those events fall back to the response_item messages (never both: no doubles).
        has_events = any(
            rec.get("type") == "event_msg"
            and isinstance(rec.get("payload"), dict)
            and rec["payload"].get("type") in ("user_message", "agent_message")
            for rec in records
        )
        state = state if state is not None else DecodeState()
        chunks: list[Chunk] = []
        for rec in records:
            chunks.extend(self._map(rec, len(chunks), state, messages=not has_events))
        return chunks

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        state = state if state is not None else DecodeState()
        out: list[Chunk] = []
        for rec in records:
            if isinstance(rec, dict):
                out.extend(self._map(rec, first_index + len(out), state, messages=False))
        return out

    # -------------------------------------------------------------- actions
    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        path = Path(info.path)
        home = home_of(path)
        env: dict[str, str] = {}
        if home is not None and (
            os.environ.get("CODEX_HOME", "").strip()
            or os.path.abspath(home) != os.path.abspath(Path.home() / ".codex")
        ):
            env["CODEX_HOME"] = str(home)
        cwd = info.cwd
        if template:
            values = {
                "id": info.id,
                "path": info.path,
                "dir": str(path.parent),
                "home": str(home or path.parent),
                "cwd": cwd or str(path.parent),
            }
            return ResumePlan(
                command=fill_template(template, values), cwd=cwd, env=env, configured=True
            )
        exec_mode = info.extra.get("source") == "exec"
        if cwd:
            command = f"codex -C {shlex.quote(cwd)} resume {shlex.quote(info.id)}"
        else:
            command = f"codex resume {shlex.quote(info.id)}"
        hint = (
            'started with `codex exec`: continue with codex exec resume <id> "<prompt>"'
            if exec_mode
            else "Codex reopens the same rollout file and appends to it"
        )
        return ResumePlan(command=command, cwd=cwd, env=env, hint=hint)
