"""nanobot (HKUDS/nanobot) sessions: a metadata line, then one message per line.

Three layouts (§2 of FORMATS.md at the repository root): `<workspace>/sessions/<safe_key>.jsonl`
(≤ v0.2.2, lossy names), `<workspace>/sessions/<base64url key>.jsonl` (v0.3.0) and, from
0.3.5, `<config-dir>/sessions/<workspace-id>/<base64url key>.jsonl` with a `.workspace`
file naming the workspace and a `<base64url key>.checkpoint.json` sidecar while a turn is
in flight. Files are rewritten whole (temp file + rename), so `append_only` is False.
Timestamps are naive local time.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import shlex
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.formats.base import DecodeState, FormatAdapter
from sessionview.store.formats.common import iter_records
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.paths import home_dir
from sessionview.store.resume import ResumePlan, fill_template

SUFFIX = ".jsonl"
RECENT_SECONDS = 60
PREVIEW_MAX = 120
PREVIEW_MAX_RECORDS = 200
PREVIEW_MAX_CHARS = 1_000_000
_WORKSPACE_ID_RE = re.compile(r"^[0-9a-f]{32}$")
_SNIFF_RE = re.compile(rb'"_type"\s*:\s*"metadata"')
_THINK_TAG = r"(?:think|thinking|thought)"
_THINK_BLOCK_RE = re.compile(rf"<(?P<tag>{_THINK_TAG})>[\s\S]*?</(?P=tag)>")
_THINK_OPEN_RE = re.compile(rf"^\s*<{_THINK_TAG}>[\s\S]*$")
_THINK_EDGE_RE = re.compile(rf"^\s*</{_THINK_TAG}>\s*|\s*</{_THINK_TAG}>\s*$")
#: The block nanobot's agent loop appends to a user message (`append_runtime_context`).
_RUNTIME_BLOCK_RE = re.compile(
    r"(?:\n\n)?\[Runtime Context\b[^\]\n]*\][\s\S]*?\[/Runtime Context\]"
)
CHECKPOINT_SUFFIX = ".checkpoint.json"
#: Roles `_map` turns into chunks.
_SHOWN_ROLES = ("user", "assistant", "tool", "system")
_MESSAGE_TIME_RE = re.compile(r"^\[Message Time: [^\]]+\]\n?")
_IMAGE_BREADCRUMB_RE = re.compile(r"^\[image: (?:/|~)[^\]]+\]\s*$")
_TOOL_ECHO_RE = re.compile(r"^\s*(?:generate_image|message)\([^)]*\)\s*$")
_UNSAFE_RE = re.compile(r'[<>:"/\\|?*]')


def local_time(value: Any) -> datetime | None:
    """nanobot's naive local ISO time (`datetime.now().isoformat()`) as aware UTC."""
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.astimezone()  # a naive datetime is taken as local time
        return dt.astimezone(UTC)
    except (ValueError, OverflowError, OSError):  # year 1 / 9999 do not fit once shifted
        return None


def storage_key(key: str) -> str:
    """v0.3+ file stem: base64url of the UTF-8 key, no padding."""
    return base64.urlsafe_b64encode(key.encode("utf-8")).decode("ascii").rstrip("=")


def safe_key(key: str) -> str:
    """≤ v0.2.2 (lossy) file stem: `safe_filename(key.replace(":", "_"))`."""
    return _UNSAFE_RE.sub("_", key.replace(":", "_")).strip()


def key_from_stem(stem: str) -> str:
    """Decode a base64url stem (only if it re-encodes to itself), else undo the lossy name."""
    try:
        raw = base64.urlsafe_b64decode(stem + "=" * (-len(stem) % 4))
        key = raw.decode("utf-8")
        if key and storage_key(key) == stem and key.isprintable():
            return key
    except (binascii.Error, ValueError, UnicodeDecodeError):
        pass
    return stem.replace("_", ":", 1)


def strip_think(text: str) -> str:
    """A title without reasoning, as nanobot's `strip_think` gives it: `<think>`,
    `<thinking>` and `<thought>` blocks, an unclosed one at the start, stray closing tags
    at either end."""
    if "<" not in text:
        return text.strip()
    text = _THINK_BLOCK_RE.sub("", text)
    text = _THINK_OPEN_RE.sub("", text)
    return _THINK_EDGE_RE.sub("", text).strip()


def public_content(rec: dict[str, Any]) -> Any:
    """A message's content without the runtime-context block nanobot's agent loop adds,
    as nanobot's `public_history_message` removes it: exactly, by the `_runtime_context`
    marker saved with the message; for a message without a marker, any
    `[Runtime Context ...] ... [/Runtime Context]` block."""
    content = rec.get("content")
    marker = rec.get("_runtime_context")
    if isinstance(marker, dict):
        if marker.get("version") != 1:
            return content
        suffix = marker.get("suffix")
        if isinstance(content, str) and isinstance(suffix, str) and suffix:
            if content == suffix:
                return ""
            if content.endswith("\n\n" + suffix):
                return content[: -(len(suffix) + 2)]
            return content
        blocks = marker.get("blocks")
        if (
            isinstance(content, list)
            and isinstance(blocks, list)
            and blocks
            and content[-len(blocks) :] == blocks
        ):
            return content[: -len(blocks)]
        return content
    if isinstance(content, str) and "[/Runtime Context]" in content:
        return _RUNTIME_BLOCK_RE.sub("", content)
    return content


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for block in content:
            if isinstance(block, dict) and block.get("type") == "text":
                value = block.get("text")
                if isinstance(value, str):
                    parts.append(value)
        return " ".join(parts)
    return ""


def preview_of(content: Any) -> str:
    """nanobot's list preview: sanitised text, whitespace collapsed, cut to 120."""
    text = _MESSAGE_TIME_RE.sub("", _text(content), count=1)
    lines = [
        line
        for line in text.splitlines()
        if not _IMAGE_BREADCRUMB_RE.match(line) and not _TOOL_ECHO_RE.match(line)
    ]
    text = re.sub(r"\s+", " ", "\n".join(lines)).strip()
    if len(text) > PREVIEW_MAX:
        text = text[: PREVIEW_MAX - 1].rstrip() + "…"
    return text


def locate(path: Path) -> tuple[str, Path | None, Path | None]:
    """(layout, workspace, config dir) for a session file, from where it lies.

    main: `<config>/sessions/<workspace-id>/` with `.workspace`; legacy global:
    `<config>/sessions/` beside `config.json`; otherwise `<workspace>/sessions/`.
    """
    folder = path.parent
    marker = folder / ".workspace"
    if _WORKSPACE_ID_RE.match(folder.name) or marker.is_file():
        workspace: Path | None = None
        try:
            text = marker.read_text(encoding="utf-8").strip()
            workspace = Path(text) if text else None
        except (OSError, UnicodeDecodeError):
            workspace = None
        config = folder.parent.parent if folder.parent.name == "sessions" else None
        return "main", workspace, config
    if folder.name == "sessions":
        base = folder.parent
        if (base / "config.json").is_file():
            return "global", None, base
        return "workspace", base, None
    return "unknown", None, None


def running_nanobot_pid() -> int | None:
    """The pid of a running `nanobot` process (Linux `/proc`), if any."""
    try:
        pids = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()]
    except OSError:
        return None
    for pid in pids:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as fh:
                argv = fh.read(4096).split(b"\0")
        except OSError:
            continue
        for n, arg in enumerate(argv[:4]):
            if os.path.basename(arg) == b"nanobot" or (
                arg == b"-m" and argv[n + 1 : n + 2] == [b"nanobot"]
            ):
                return int(pid)
    return None


class NanobotFormat(FormatAdapter):
    """nanobot's whole-file JSONL sessions."""

    name = "nanobot"
    append_only = False
    #: A turn can be in flight with nothing in the session file saying so: nanobot
    #: 0.3.5's `save_runtime_checkpoint` writes only the `<storage key>.checkpoint.json`
    #: sidecar. Its presence is looked at on every scan (one folder listing per scan).
    always_check_liveness = True

    # ------------------------------------------------------------ discovery
    def claims(self, path: Path) -> bool:
        name = path.name
        return name.endswith(SUFFIX) and not name.startswith(".") and len(name) > len(SUFFIX)

    def walk_into(self, name: str, path: str, depth: int) -> bool:
        """Per-workspace folders: a 32-hex workspace id, or any folder with a `.workspace` file."""
        if depth != 0 or name.startswith("."):
            return False
        return bool(_WORKSPACE_ID_RE.match(name)) or os.path.isfile(
            os.path.join(path, ".workspace")
        )

    def sniff(self, head: bytes) -> bool:
        return _SNIFF_RE.search(head.split(b"\n", 1)[0]) is not None

    def companion(self, name: str) -> bool:
        """`<storage key>.checkpoint.json`: a session's in-flight turn, not a session."""
        return name.endswith(CHECKPOINT_SUFFIX) and len(name) > len(CHECKPOINT_SUFFIX)

    def id_from_path(self, path: Path) -> str:
        name = path.name
        return key_from_stem(name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name)

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        base = home_dir(env) / ".nanobot"
        return [base / "sessions", base / "workspace" / "sessions"]

    # ---------------------------------------------------------------- facts
    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        meta: dict[str, Any] | None = None
        count = 0
        bad = 0
        first_user: str | None = None
        first_assistant: str | None = None
        scanned = 0
        scanned_chars = 0
        try:
            for _, rec in iter_records(path):
                if rec is None:
                    bad += 1
                    continue
                rtype = rec.get("_type")
                if rtype == "metadata":
                    if meta is None:
                        meta = rec
                    continue
                if rtype is not None:
                    continue  # provider_state and friends: private, never shown
                if rec.get("role") in _SHOWN_ROLES:
                    count += 1  # the messages `load_chunks` shows: one chunk each
                if first_user is None and scanned < PREVIEW_MAX_RECORDS:
                    scanned += 1
                    content = public_content(rec)
                    scanned_chars += len(content) if isinstance(content, str) else 0
                    if scanned_chars <= PREVIEW_MAX_CHARS:
                        role = rec.get("role")
                        if role == "user":
                            first_user = preview_of(content) or None
                        elif role == "assistant" and first_assistant is None:
                            first_assistant = preview_of(content) or None
        except PersistenceError as exc:
            return self._corrupt(path, st, str(exc))
        if meta is None and count == 0:
            reason = "empty file" if st.st_size == 0 else "no readable nanobot record"
            return self._corrupt(path, st, f"{path}: {reason}")
        mtime = datetime.fromtimestamp(st.st_mtime, UTC)
        md = meta.get("metadata") if meta is not None else None
        md = md if isinstance(md, dict) else {}
        key = meta.get("key") if meta is not None else None
        if not isinstance(key, str) or not key:
            key = self.id_from_path(path)
        title: str = md["title"] if isinstance(md.get("title"), str) else ""
        if title and md.get("title_user_edited") is not True:
            title = strip_think(title)
        title = re.sub(r"\s+", " ", title).strip()
        preview = first_user or first_assistant or ""
        pending = md.get("pending_user_turn") is True
        checkpoint = bool(md.get("runtime_checkpoint"))
        if pending or checkpoint:
            state, reason = SessionState.CRASHED, "interrupted turn"
            marker = "pending_user_turn" if pending else "runtime_checkpoint"
            reason += f" ({marker} set, file not modified in the last {RECENT_SECONDS} s)"
        else:
            state, reason = SessionState.CLOSED, "idle, no turn in flight"
        if meta is None:
            reason += "; no metadata line"
        if bad:
            reason += f"; {bad} corrupt line(s) skipped"
        usage = md.get("_last_usage")
        if isinstance(usage, dict):
            usage = {
                k: v for k, v in usage.items() if isinstance(v, int) and not isinstance(v, bool)
            } or None
        else:
            usage = None
        layout, workspace, config = locate(path)
        stem = path.name[: -len(SUFFIX)]
        # nanobot 0.3.5 (the per-workspace layout) lists and loads only `<storage key>.jsonl`;
        # a file kept under its old lossy name is invisible to it.
        unlisted = layout == "main" and stem != storage_key(key)
        if unlisted:
            reason += (
                f"; nanobot does not list this legacy file name (it reads {storage_key(key)}.jsonl)"
            )
        return SessionInfo(
            id=key,
            format=self.name,
            state=state,
            state_reason=reason,
            path=str(path),
            created_at=(local_time(meta.get("created_at")) if meta else None) or mtime,
            updated_at=(local_time(meta.get("updated_at")) if meta else None) or mtime,
            chunks=count,
            bytes=st.st_size,
            title=title or preview,
            usage=usage,
            cwd=str(workspace) if workspace else None,
            extra={
                "preview": preview,
                "corrupt_lines": bad,
                "turn_in_flight": pending or checkpoint,
                "pending_user_turn": pending,
                "runtime_checkpoint": checkpoint,
                "last_consolidated": meta.get("last_consolidated") if meta else None,
                "layout": layout,
                "nanobot_lists": not unlisted,
                "config_dir": str(config) if config else None,
                "base_reason": reason,
            },
        )

    @staticmethod
    def _checkpoints(folder: str) -> dict[str, int]:
        """`name -> mtime_ns` of the `*.checkpoint.json` regular files in a folder."""
        out: dict[str, int] = {}
        try:
            with os.scandir(folder) as it:
                for entry in it:
                    if entry.name.endswith(CHECKPOINT_SUFFIX) and not entry.name.startswith("."):
                        try:
                            if entry.is_file(follow_symlinks=False):
                                out[entry.name] = entry.stat(follow_symlinks=False).st_mtime_ns
                        except OSError:
                            continue
        except OSError:
            pass
        return out

    def checkpoint_path(self, info: SessionInfo) -> Path:
        """Where nanobot keeps this session's in-flight turn (`get_runtime_checkpoint_path`)."""
        return Path(info.path).with_name(storage_key(info.id) + CHECKPOINT_SUFFIX)

    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        if info.state is SessionState.CORRUPT:
            return info
        sidecar = self.checkpoint_path(info)
        folder = str(sidecar.parent)
        found = probe.memo(("nanobot-checkpoints", folder), lambda: self._checkpoints(folder))
        sidecar_ns = found.get(sidecar.name)
        # As nanobot's loader: a session saved after its sidecar supersedes it.
        if sidecar_ns is not None and st.st_mtime_ns > sidecar_ns:
            sidecar_ns = None
        if not info.extra.get("turn_in_flight") and sidecar_ns is None:
            return info
        newest = max(st.st_mtime, (sidecar_ns or 0) / 1e9)
        age = datetime.now(UTC).timestamp() - newest
        suffix = ""
        if info.extra.get("corrupt_lines"):
            suffix = f"; {info.extra['corrupt_lines']} corrupt line(s) skipped"
        where = f"checkpoint {sidecar.name}" if sidecar_ns is not None else "file"
        if age < RECENT_SECONDS:
            return replace(
                info,
                state=SessionState.RUNNING,
                state_reason=f"turn in flight ({where} modified {max(0, int(age))} s ago){suffix}",
            )
        reason = info.extra.get("base_reason") or "interrupted turn"
        if sidecar_ns is not None and not info.extra.get("turn_in_flight"):
            reason = (
                f"interrupted turn (runtime checkpoint in {sidecar.name}, "
                f"not modified in the last {RECENT_SECONDS} s){suffix}"
            )
        return replace(info, state=SessionState.CRASHED, state_reason=reason)

    def is_live(self, info: SessionInfo) -> tuple[bool, str]:
        """Also refuse while any nanobot process runs: a gateway keeps sessions in memory
        and rewrites the whole file on its next save, which would undo a delete."""
        live, why = super().is_live(info)
        if live:
            return live, why
        pid = running_nanobot_pid()
        if pid is not None:
            return (
                True,
                f"nanobot is running (pid {pid}) and would rewrite the file on its next save",
            )
        return False, why

    # ----------------------------------------------------------- transcript
    def _map(self, rec: dict[str, Any], index: int) -> Chunk | None:
        if rec.get("_type") is not None:
            return None
        role = rec.get("role")
        ts = local_time(rec.get("timestamp"))
        content = rec.get("content")
        text = content if isinstance(content, str) else _text(content)
        if role == "user":
            return Chunk(index, "user", {"content": text}, raw=rec, timestamp=ts)
        if role == "assistant":
            calls = rec.get("tool_calls")
            payload = {
                "content": text if (text or not calls) else None,
                "tool_calls": calls if isinstance(calls, list) and calls else None,
            }
            return Chunk(index, "assistant", payload, raw=rec, timestamp=ts)
        if role == "tool":
            payload = {
                "tool_call_id": str(rec.get("tool_call_id", "")),
                "name": str(rec.get("name", "")),
                "content": text,
            }
            return Chunk(index, "tool_result", payload, raw=rec, timestamp=ts)
        if role == "system":
            return Chunk(index, "system", {"content": text}, raw=rec, timestamp=ts)
        return None

    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        chunks: list[Chunk] = []
        readable = 0
        for _, rec in iter_records(path):
            if rec is None:
                continue  # nanobot skips corrupt lines too
            readable += 1
            chunk = self._map(rec, len(chunks))
            if chunk is not None:
                chunks.append(chunk)
        if readable == 0:
            raise PersistenceError(f"{path}: no readable nanobot record")
        return chunks

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        out: list[Chunk] = []
        for rec in records:
            if isinstance(rec, dict):
                chunk = self._map(rec, first_index + len(out))
                if chunk is not None:
                    out.append(chunk)
        return out

    # -------------------------------------------------------------- actions
    def session_files(self, info: SessionInfo) -> list[Path]:
        """The storage-key file and the lossy one in the same folder; main under the
        default config dir also drops the legacy global `~/.nanobot/sessions/<safe_key>`."""
        path = Path(info.path)
        key = info.id
        files = [path]
        sidecar = self.checkpoint_path(info)
        if os.path.lexists(sidecar):
            files.append(sidecar)
        for stem in (storage_key(key), safe_key(key)):
            other = path.with_name(stem + SUFFIX)
            if other != path and other not in files and os.path.lexists(other):
                files.append(other)
        layout, _, config = locate(path)
        if layout == "main" and config is not None:
            legacy = config / "sessions" / (safe_key(key) + SUFFIX)
            if legacy not in files and os.path.lexists(legacy):
                files.append(legacy)
        return files

    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        path = Path(info.path)
        layout, workspace, config = locate(path)
        if info.extra.get("nanobot_lists") is False:
            target = storage_key(info.id) + SUFFIX
            return ResumePlan(
                command=None,
                cwd=None,
                hint=(
                    f"nanobot does not read {path.name} (a legacy lossy file name): "
                    f"`nanobot agent -s {info.id}` would open {target}, a new empty session. "
                    f"To resume this one, rename it to {target} while nanobot is not running"
                ),
            )
        default_config = Path.home() / ".nanobot"
        if template:
            values = {
                "id": info.id,
                "path": info.path,
                "dir": str(path.parent),
                "home": str(config or path.parent),
                "cwd": str(workspace or path.parent),
            }
            return ResumePlan(
                command=fill_template(template, values),
                cwd=str(workspace) if workspace else None,
                configured=True,
            )
        parts = ["nanobot", "agent"]
        channel = info.id.split(":", 1)[0]
        if layout == "main" and channel != "websocket":
            parts.append("--classic")  # main's native TUI only takes websocket sessions
        if config is not None and os.path.abspath(config) != os.path.abspath(default_config):
            parts += ["-c", shlex.quote(str(config / "config.json"))]
        if workspace is not None:
            parts += ["-w", shlex.quote(str(workspace))]
        parts += ["-s", shlex.quote(info.id)]
        hint = "always the full channel:chat_id key; nanobot keeps open-ended chats, none is closed"
        if workspace is None:
            hint = "workspace unknown: add -w <workspace> if it is not the default; " + hint
        cwd = str(workspace) if workspace is not None and workspace.is_dir() else None
        return ResumePlan(command=" ".join(parts), cwd=cwd, hint=hint)
