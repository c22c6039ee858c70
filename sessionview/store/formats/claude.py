"""Claude Code transcripts: `<root>/projects/<escaped cwd>/<sessionId>.jsonl`, and its
subagents' `<root>/projects/<escaped cwd>/<sessionId>/subagents/agent-<agentId>.jsonl`.

`<root>` is `$CLAUDE_CONFIG_DIR`, else `~/.claude`. The record format is internal to
Claude Code (§4 of FORMATS.md at the repository root). Facts need one streaming pass
(titles can be appended at any time, usage is summed per `message.id`); the index caches
them by stat key, so the pass only runs when a file changed. A subagent transcript is a
row of its own whose parent is its session. Liveness comes from the pid registry
`<root>/sessions/<pid>.json`, read once per scan.
"""

from __future__ import annotations

import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from sessionview.store.errors import PersistenceError
from sessionview.store.formats.base import DecodeState, FormatAdapter
from sessionview.store.formats.common import iter_records, parse_time, preview_text
from sessionview.store.liveness import LivenessProbe, pid_alive
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.paths import agent_home
from sessionview.store.resume import ResumePlan, fill_template

SUFFIX = ".jsonl"
_UUID_RE = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
)
_AGENT_RE = re.compile(r"^agent-[A-Za-z0-9_-]{1,128}$")
_SNIFF_TYPE_RE = re.compile(rb'"type"\s*:\s*"([A-Za-z_-]+)"')
_SNIFF_KEYS = (b'"sessionId"', b'"uuid"', b'"leafUuid"', b'"customTitle"', b'"aiTitle"')
_NOT_A_PROMPT = ("<command-name>", "<command-message>", "<local-command-", "Caveat:")
_TITLE_TYPES = {"summary", "custom-title", "ai-title", "agent-name"}
_CLAUDE_TYPES = {
    b"summary",
    b"custom-title",
    b"ai-title",
    b"agent-name",
    b"file-history-snapshot",
    b"queue-operation",
    b"last-prompt",
    b"user",
    b"assistant",
    b"system",
}
_USAGE_KEYS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def claude_root(env: Mapping[str, str]) -> Path:
    """`$CLAUDE_CONFIG_DIR` (stripped, non-empty), else `~/.claude`."""
    return agent_home(env, "CLAUDE_CONFIG_DIR", ".claude")


def subagent_parent(path: Path) -> str | None:
    """The session id a `<proj>/<sessionId>/subagents/agent-*.jsonl` transcript belongs to."""
    if path.parent.name == "subagents" and _UUID_RE.match(path.parent.parent.name):
        return path.parent.parent.name
    return None


def root_of(path: Path) -> Path | None:
    """The Claude root a transcript lives under, when it sits in `<root>/projects/<proj>/`
    (a subagent's: in `<root>/projects/<proj>/<sessionId>/subagents/`)."""
    if subagent_parent(path) is not None:
        path = path.parent.parent
    if path.parent.parent.name == "projects":
        return path.parent.parent.parent
    return None


def _text_of(content: Any) -> str | None:
    """A user message's text: the string, or its text blocks joined; None for tool results only."""
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        return None
    parts = [
        str(b.get("text", "")) for b in content if isinstance(b, dict) and b.get("type") == "text"
    ]
    return "\n".join(parts) if parts else None


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _usage_of(raw: Any) -> dict[str, int] | None:
    if not isinstance(raw, dict):
        return None
    return {key: _int(raw.get(key)) for key in _USAGE_KEYS}


def _tool_result_text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict):
                if block.get("type") == "text":
                    parts.append(str(block.get("text", "")))
                elif block.get("type") == "image":
                    parts.append("[image]")
        return "\n".join(parts)
    return "" if content is None else str(content)


class _Facts:
    """What one streaming pass over a transcript collects.

    `subagent`: the file is a subagent's own transcript, where every record is a
    sidechain record and is the thread itself (in a main file they are left out of the
    prompts, the title and the interruption heuristics).
    """

    def __init__(self, *, subagent: bool = False) -> None:
        self.subagent = subagent
        self.chunks = 0
        self.session_id: str | None = None
        self.cwd: str | None = None
        self.branch: str | None = None
        self.version: str | None = None
        self.model: str | None = None
        self.first: datetime | None = None
        self.last: datetime | None = None
        self.custom_title = ""
        self.ai_title = ""
        self.summary = ""
        self.agent_name = ""
        self.preview = ""
        self.prompts = 0
        self.assistant_ids: set[str] = set()
        self.assistant_anon = 0
        self.usage: dict[str, dict[str, int]] = {}
        self.records = 0
        self.bad_lines = 0
        self.open_tool_use: str | None = None
        self.last_turn: str | None = None  # "prompt" | "assistant" | "tool_result"

    def add(self, rec: dict[str, Any]) -> None:
        self.records += 1
        # One definition of a chunk for the list, the preview, `show` and the transcript:
        # what `ChunkMapper.map` makes of the record (`count` says how many, cheaply).
        self.chunks += ChunkMapper.count(rec)
        rtype = rec.get("type")
        ts = parse_time(rec.get("timestamp"))
        if ts is not None:
            if self.first is None or ts < self.first:
                self.first = ts
            if self.last is None or ts > self.last:
                self.last = ts
        if rtype in _TITLE_TYPES:
            if rtype == "custom-title" and isinstance(rec.get("customTitle"), str):
                self.custom_title = rec["customTitle"]
            elif rtype == "ai-title" and isinstance(rec.get("aiTitle"), str):
                self.ai_title = rec["aiTitle"]
            elif rtype == "summary" and isinstance(rec.get("summary"), str):
                self.summary = rec["summary"]
            elif rtype == "agent-name" and isinstance(rec.get("agentName"), str):
                self.agent_name = rec["agentName"]
            return
        if rtype not in ("user", "assistant"):
            return
        if self.session_id is None and isinstance(rec.get("sessionId"), str):
            self.session_id = rec["sessionId"]
        if self.cwd is None and isinstance(rec.get("cwd"), str):
            self.cwd = rec["cwd"]
        if isinstance(rec.get("gitBranch"), str) and rec["gitBranch"]:
            self.branch = rec["gitBranch"]
        if isinstance(rec.get("version"), str):
            self.version = rec["version"]
        message = rec.get("message")
        if not isinstance(message, dict):
            return
        sidechain = rec.get("isSidechain") is True and not self.subagent
        if rtype == "assistant":
            mid = message.get("id")
            usage = _usage_of(message.get("usage"))
            if isinstance(mid, str) and mid:
                if usage is not None:
                    self.usage[mid] = usage  # the last line of a message has its final usage
                if not sidechain:
                    self.assistant_ids.add(mid)
            else:
                if usage is not None:
                    self.usage[f"#{self.records}"] = usage
                if not sidechain:
                    self.assistant_anon += 1
            if isinstance(message.get("model"), str) and message["model"] != "<synthetic>":
                self.model = message["model"]
            if sidechain:
                return
            content = message.get("content")
            if isinstance(content, list):
                for block in content:
                    if isinstance(block, dict) and block.get("type") == "tool_use":
                        self.open_tool_use = str(block.get("id"))
            self.last_turn = "assistant"
            return
        if sidechain:
            return
        content = message.get("content")
        if isinstance(content, list) and any(
            isinstance(b, dict) and b.get("type") == "tool_result" for b in content
        ):
            for block in content:
                if (
                    isinstance(block, dict)
                    and block.get("type") == "tool_result"
                    and str(block.get("tool_use_id")) == self.open_tool_use
                ):
                    self.open_tool_use = None
            self.last_turn = "tool_result"
            return
        if rec.get("isMeta") is True:
            return
        text = _text_of(content)
        if text is None:
            return
        stripped = text.lstrip()
        if stripped.startswith("[Request interrupted"):
            self.last_turn = "user-interrupt"
            return
        if stripped.startswith(_NOT_A_PROMPT):
            return
        self.prompts += 1
        self.last_turn = "prompt"
        if not self.preview and stripped:
            self.preview = preview_text(text)

    @property
    def title(self) -> str:
        for candidate in (self.custom_title, self.ai_title, self.summary, self.preview):
            if candidate and candidate.strip():
                return preview_text(candidate)
        return ""

    def interrupted(self) -> str | None:
        if self.open_tool_use is not None:
            return "the last tool call has no result"
        if self.last_turn == "prompt":
            return "the last prompt has no reply"
        if self.last_turn == "user-interrupt":
            return "interrupted by the user"
        return None

    def usage_total(self) -> dict[str, int] | None:
        if not self.usage:
            return None
        out = dict.fromkeys(_USAGE_KEYS, 0)
        for usage in self.usage.values():
            for key in _USAGE_KEYS:
                out[key] += usage.get(key, 0)
        out["total_tokens"] = sum(out[key] for key in _USAGE_KEYS)
        return out


class ChunkMapper:
    """Claude records -> OpenRath-shaped chunks, for one session: tool names are kept in
    its `DecodeState` (the caller's, when it follows the session across calls)."""

    def __init__(self, state: DecodeState | None = None) -> None:
        self.state = state if state is not None else DecodeState()

    @staticmethod
    def count(rec: dict[str, Any]) -> int:
        """`len(map(rec, ...))` without building the chunks (the listing counts every
        record of every file; a test holds the two to the same answer)."""
        rtype = rec.get("type")
        message = rec.get("message")
        if rtype == "user" and isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                return 1
            if not isinstance(content, list):
                return 0
            results = 0
            texts = 0
            for block in content:
                if isinstance(block, dict):
                    btype = block.get("type")
                    if btype == "tool_result":
                        results += 1
                    elif btype in ("text", "image"):
                        texts = 1
            return results + texts
        if rtype == "assistant" and isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                return 1
            if isinstance(content, list):
                for block in content:
                    if not isinstance(block, dict):
                        continue
                    btype = block.get("type")
                    if btype in ("text", "redacted_thinking", "tool_use", "server_tool_use"):
                        return 1
                    if btype == "thinking" and str(block.get("thinking", "")).strip():
                        return 1
            return 0
        if rtype == "system":
            text = rec.get("content")
            return 1 if isinstance(text, str) and text.strip() else 0
        return 0

    def map(self, rec: dict[str, Any], index: int) -> list[Chunk]:
        rtype = rec.get("type")
        ts = parse_time(rec.get("timestamp"))
        message = rec.get("message")
        side = rec.get("isSidechain") is True
        out: list[Chunk] = []

        def add(kind: str, payload: dict[str, Any]) -> None:
            out.append(
                Chunk(
                    index=index + len(out),
                    kind=kind,
                    payload=payload,
                    raw=rec,
                    timestamp=ts,
                    sidechain=side,
                )
            )

        if rtype == "user" and isinstance(message, dict):
            content = message.get("content")
            if isinstance(content, str):
                add("system" if rec.get("isMeta") is True else "user", {"content": content})
                return out
            if not isinstance(content, list):
                return out
            texts: list[str] = []
            for block in content:
                if not isinstance(block, dict):
                    continue
                btype = block.get("type")
                if btype == "tool_result":
                    tid = str(block.get("tool_use_id", ""))
                    add(
                        "tool_result",
                        {
                            "tool_call_id": tid,
                            "name": self.state.tool_names.get(tid, ""),
                            "content": _tool_result_text(block.get("content")),
                        },
                    )
                elif btype == "text":
                    texts.append(str(block.get("text", "")))
                elif btype == "image":
                    texts.append("[image]")
            if texts:
                add(
                    "system" if rec.get("isMeta") is True else "user", {"content": "\n".join(texts)}
                )
            return out
        if rtype == "assistant" and isinstance(message, dict):
            content = message.get("content")
            texts = []
            calls: list[dict[str, Any]] = []
            if isinstance(content, str):
                texts.append(content)
            elif isinstance(content, list):
                for block in content:
                    if not isinstance(block, dict):
                        continue
                    btype = block.get("type")
                    if btype == "text":
                        texts.append(str(block.get("text", "")))
                    elif btype == "thinking":
                        thought = str(block.get("thinking", "")).strip()
                        if thought:
                            texts.append(f"[thinking] {thought}")
                    elif btype == "redacted_thinking":
                        texts.append("[thinking redacted]")
                    elif btype in ("tool_use", "server_tool_use"):
                        tid = str(block.get("id", ""))
                        name = str(block.get("name", ""))
                        self.state.remember_tool(tid, name)
                        calls.append(
                            {
                                "id": tid,
                                "type": "function",
                                "function": {
                                    "name": name,
                                    "arguments": orjson.dumps(block.get("input", {})).decode(),
                                },
                            }
                        )
            if texts or calls:
                add(
                    "assistant",
                    {"content": "\n".join(texts) if texts else None, "tool_calls": calls or None},
                )
            return out
        if rtype == "system":
            text = rec.get("content")
            if isinstance(text, str) and text.strip():
                add("system", {"content": text})
        return out


class ClaudeFormat(FormatAdapter):
    """Claude Code's append-only JSONL transcripts."""

    name = "claude"
    append_only = True
    always_check_liveness = True
    reads_final_line = True

    # ------------------------------------------------------------ discovery
    def claims(self, path: Path) -> bool:
        """`<sessionId>.jsonl`, and subagent transcripts `agent-<agentId>.jsonl`."""
        name = path.name
        if not name.endswith(SUFFIX):
            return False
        stem = name[: -len(SUFFIX)]
        if stem.startswith("agent-"):
            return _AGENT_RE.match(stem) is not None
        return _UUID_RE.match(stem) is not None

    def walk_into(self, name: str, path: str, depth: int) -> bool:
        """`<root>/<proj>/` folders (the root is usually `projects/`), and a session's
        `<proj>/<sessionId>/subagents/` folder, where its subagents' transcripts are."""
        if name.startswith("."):
            return False
        if depth == 0:
            return True
        if depth <= 1 and _UUID_RE.match(name):
            return True
        return (
            depth <= 2
            and name == "subagents"
            and _UUID_RE.match(os.path.basename(os.path.dirname(path))) is not None
        )

    def sniff(self, head: bytes) -> bool:
        first = head.split(b"\n", 1)[0]
        if b'"_type"' in first or b'"record_type"' in first or b'"payload"' in first[:400]:
            return False
        match = _SNIFF_TYPE_RE.search(first)
        if match is None:
            return False
        if match.group(1) in _CLAUDE_TYPES:
            return True
        return any(key in first for key in _SNIFF_KEYS)

    def id_from_path(self, path: Path) -> str:
        name = path.name
        return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        return [claude_root(env) / "projects"]

    # ---------------------------------------------------------------- facts
    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        subagent = path.name.startswith("agent-")
        facts = _Facts(subagent=subagent)
        try:
            for _, rec in iter_records(path, final_line=True):
                if rec is None:
                    facts.bad_lines += 1
                else:
                    facts.add(rec)
        except PersistenceError as exc:
            return self._corrupt(path, st, str(exc))
        if facts.records == 0:
            reason = "empty file" if st.st_size == 0 else "no readable Claude Code record"
            return self._corrupt(path, st, f"{path}: {reason}")
        mtime = datetime.fromtimestamp(st.st_mtime, UTC)
        parents: tuple[str, ...] = ()
        if subagent:
            parent = subagent_parent(path) or facts.session_id
            parents = (parent,) if parent else ()
        reason = "ended"
        why = facts.interrupted()
        if why:
            reason += f"; possibly interrupted ({why})"
        if facts.bad_lines:
            reason += f"; {facts.bad_lines} unreadable line(s) skipped"
        return SessionInfo(
            id=self.id_from_path(path),
            format=self.name,
            state=SessionState.CLOSED,
            state_reason=reason,
            path=str(path),
            created_at=facts.first or mtime,
            updated_at=facts.last or mtime,
            chunks=facts.chunks,
            bytes=st.st_size,
            title=facts.title,
            usage=facts.usage_total(),
            parents=parents,
            cwd=facts.cwd,
            extra={
                "subagent_of": parents[0] if parents else None,
                "session_id": facts.session_id,
                "branch": facts.branch,
                "model": facts.model,
                "version": facts.version,
                "preview": facts.preview,
                "agent_name": facts.agent_name or None,
                "bad_lines": facts.bad_lines,
                "interrupted": why,
                "ended_reason": reason,
            },
        )

    # ------------------------------------------------------------- liveness
    def _registry_dir(self, path: Path) -> Path:
        root = root_of(path)
        return (root if root is not None else claude_root(os.environ)) / "sessions"

    @staticmethod
    def _read_registry(directory: Path) -> dict[str, list[dict[str, Any]]]:
        """sessionId -> registry records (`<root>/sessions/<pid>.json`), parked jobs left out."""
        out: dict[str, list[dict[str, Any]]] = {}
        try:
            entries = list(os.scandir(directory))
        except OSError:
            return out
        for entry in entries:
            if not entry.name.endswith(".json") or entry.name.startswith("."):
                continue
            try:
                with open(entry.path, "rb") as fh:
                    data = orjson.loads(fh.read(1 << 20))
            except (OSError, orjson.JSONDecodeError):
                continue
            if not isinstance(data, dict) or data.get("parkedJobId"):
                continue
            sid = data.get("sessionId")
            pid = data.get("pid")
            if not isinstance(sid, str) or isinstance(pid, bool) or not isinstance(pid, int):
                stem = entry.name[: -len(".json")]
                if isinstance(sid, str) and stem.isdigit():
                    data = {**data, "pid": int(stem)}
                else:
                    continue
            out.setdefault(sid, []).append(data)
        return out

    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        if info.state is SessionState.CORRUPT:
            return info
        directory = self._registry_dir(Path(info.path))
        registry = probe.memo(
            ("claude-registry", str(directory)), lambda: self._read_registry(directory)
        )
        sid = info.extra.get("session_id") or info.id
        records = list(registry.get(sid, []))
        if sid != info.id:
            records += registry.get(info.id, [])
        for record in records:
            pid = record["pid"]
            if pid_alive(pid):
                status = record.get("status")
                what = "a turn is running" if status == "busy" else str(status or "alive")
                return replace(
                    info,
                    state=SessionState.RUNNING,
                    state_reason=f"claude pid {pid} is live ({what})",
                )
        return self._no_longer_running(info)

    # ----------------------------------------------------------- transcript
    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        mapper = ChunkMapper(state)
        chunks: list[Chunk] = []
        seen = 0
        for _, rec in iter_records(path, final_line=True):
            if rec is None:
                continue
            seen += 1
            chunks.extend(mapper.map(rec, len(chunks)))
        if seen == 0:
            raise PersistenceError(f"{path}: no readable Claude Code record")
        return chunks

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        mapper = ChunkMapper(state)
        out: list[Chunk] = []
        for rec in records:
            if isinstance(rec, dict):
                out.extend(mapper.map(rec, first_index + len(out)))
        return out

    # -------------------------------------------------------------- actions
    def session_files(self, info: SessionInfo) -> list[Path]:
        path = Path(info.path)
        sid = self.id_from_path(path)
        if sid.startswith("agent-"):
            meta = path.with_name(f"{sid}.meta.json")
            return [path, meta] if meta.is_file() else [path]
        proj = path.parent
        files = [path]
        sidecar = proj / sid
        if sidecar.is_dir():
            files.append(sidecar)
        try:
            legacy = sorted(p for p in proj.glob("agent-*.jsonl") if p.is_file())
        except OSError:
            legacy = []
        for candidate in legacy:
            try:
                with open(candidate, "rb") as fh:
                    head = fh.read(1 << 16)
            except OSError:
                continue
            first = head.split(b"\n", 1)[0]
            try:
                rec = orjson.loads(first)
            except orjson.JSONDecodeError:
                continue
            if isinstance(rec, dict) and rec.get("sessionId") == sid:
                files.append(candidate)
        root = root_of(path)
        if root is not None:
            for extra in (
                root / "file-history" / sid,
                root / "session-env" / sid,
                root / "tasks" / sid,
                root / "debug" / f"{sid}.txt",
            ):
                if os.path.lexists(extra):
                    files.append(extra)
            todos = root / "todos"
            if todos.is_dir():
                files.extend(sorted(todos.glob(f"{glob_escape(sid)}-agent-*.json")))
        return files

    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        path = Path(info.path)
        root = root_of(path)
        env: dict[str, str] = {}
        default = Path.home() / ".claude"
        if os.environ.get("CLAUDE_CONFIG_DIR", "").strip():
            env["CLAUDE_CONFIG_DIR"] = str(root or claude_root(os.environ))
        elif root is not None and os.path.abspath(root) != os.path.abspath(default):
            env["CLAUDE_CONFIG_DIR"] = str(root)
        cwd = info.cwd
        if template:
            values = {
                "id": info.extra.get("subagent_of") or info.id,
                "path": info.path,
                "dir": str(path.parent),
                "home": str(root or claude_root(os.environ)),
                "cwd": cwd or str(path.parent),
            }
            return ResumePlan(
                command=fill_template(template, values), cwd=cwd, env=env, configured=True
            )
        sid = info.extra.get("subagent_of") or info.id  # a subagent resumes with its session
        command = f"claude --resume {shlex.quote(sid)}"
        hint = (
            "claude finds a session by id only from its project folder (or a git worktree of it)"
            if cwd
            else "the session's cwd is unknown: run this from the folder the session was started in"
        )
        return ResumePlan(command=command, cwd=cwd, env=env, hint=hint)


def glob_escape(text: str) -> str:
    """Escape glob metacharacters in a literal."""
    return re.sub(r"([*?\[])", r"[\1]", text)
