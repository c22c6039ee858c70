"""JSON snapshot sessions ("SessionData"): one pretty-printed `<id>.json` per session.

The id is `<12 hex of sha256(workspace_root)>_<YYYYmmdd_HHMMSS>` (UTC start). Each
save writes `<id>.tmp` and renames it over `<id>.json`, so a `.tmp` is never a
session. There is no in-progress marker and no resume-by-id command (§3 of FORMATS.md
at the repository root).
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
from sessionview.store.formats.common import first_line_title, open_regular, parse_time
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionInfo, SessionState
from sessionview.store.resume import ResumePlan, fill_template

SUFFIX = ".json"
RECENT_SECONDS = 5
MAX_BYTES = 256 << 20
_STEM_RE = re.compile(r"^[0-9a-f]{12}_\d{8}_\d{6}")
SESSION_SUBDIRS = (".sessions", "sessions")


def _int(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def normalize_usage(raw: Any) -> dict[str, int] | None:
    """`token_usage` as prompt/completion/total (also accepts input/output names)."""
    if not isinstance(raw, dict):
        return None
    prompt = _int(raw.get("prompt_tokens"))
    if prompt is None:
        prompt = _int(raw.get("input_tokens"))
    completion = _int(raw.get("completion_tokens"))
    if completion is None:
        completion = _int(raw.get("output_tokens"))
    total = _int(raw.get("total_tokens"))
    if prompt is None and completion is None and total is None:
        return None
    out = {"prompt_tokens": prompt or 0, "completion_tokens": completion or 0}
    out["total_tokens"] = (
        total if total is not None else out["prompt_tokens"] + out["completion_tokens"]
    )
    return out


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(b.get("text", "")) for b in content if isinstance(b, dict) and "text" in b
        )
    return "" if content is None else str(content)


def read_document(path: Path) -> dict[str, Any]:
    """The whole snapshot as a dict; `PersistenceError` for anything else."""
    fd, st = open_regular(path)
    try:
        if st.st_size > MAX_BYTES:
            raise PersistenceError(f"{path}: larger than {MAX_BYTES >> 20} MB, not read")
        parts: list[bytes] = []
        while True:
            block = os.read(fd, 1 << 20)
            if not block:
                break
            parts.append(block)
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)
    data = b"".join(parts)
    if not data.strip():
        raise PersistenceError(f"{path}: empty file")
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        first = str(exc).splitlines()[0] if str(exc) else "invalid JSON"
        raise PersistenceError(f"{path}: invalid JSON: {first}") from None
    if not isinstance(doc, dict):
        raise PersistenceError(f"{path}: a session must be a JSON object, got {type(doc).__name__}")
    messages = doc.get("messages")
    if messages is not None and not isinstance(messages, list):
        raise PersistenceError(f"{path}: 'messages' must be a list")
    return doc


class SnapshotFormat(FormatAdapter):
    """Whole-document JSON sessions, rewritten on every save."""

    name = "snapshot"
    append_only = False
    always_check_liveness = True  # "running" only means "saved in the last few seconds"

    # ------------------------------------------------------------ discovery
    def claims(self, path: Path) -> bool:
        name = path.name
        return (
            name.endswith(SUFFIX)
            and not name.startswith(".")
            and _STEM_RE.match(name[: -len(SUFFIX)]) is not None
        )

    def walk_into(self, name: str, path: str, depth: int) -> bool:
        """A workspace given as the root: its `.sessions/` or `sessions/` folder."""
        return depth == 0 and name in SESSION_SUBDIRS

    def sniff(self, head: bytes) -> bool:
        return b'"session_id"' in head or b'"messages"' in head

    def id_from_path(self, path: Path) -> str:
        name = path.name
        return name[: -len(SUFFIX)] if name.endswith(SUFFIX) else name

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        return []  # the directory comes from the agent's config: --dir or config.toml

    # ---------------------------------------------------------------- facts
    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        mtime = datetime.fromtimestamp(st.st_mtime, UTC)
        try:
            doc = read_document(path)
        except PersistenceError as exc:
            return SessionInfo(
                id=self.id_from_path(path),
                format=self.name,
                state=SessionState.CORRUPT,
                state_reason=str(exc),
                path=str(path),
                updated_at=mtime,
                bytes=st.st_size,
                error=str(exc),
            )
        messages = [m for m in doc.get("messages") or [] if isinstance(m, dict)]
        sid = doc.get("session_id")
        if not isinstance(sid, str) or not sid:
            sid = self.id_from_path(path)
        preview = ""
        for message in messages:
            if message.get("role") == "user":
                preview = first_line_title(_text(message.get("content")))
                if preview:
                    break
        workspace = doc.get("workspace_root")
        version = doc.get("version")
        reason = "saved"
        if isinstance(version, int) and not isinstance(version, bool) and version > 1:
            reason += f"; schema version {version} is newer than 1 (read as far as understood)"
        return SessionInfo(
            id=sid,
            format=self.name,
            state=SessionState.CLOSED,
            state_reason=reason,
            path=str(path),
            # Naive times are UTC here: the example's created_at equals the UTC start in its id.
            created_at=parse_time(doc.get("created_at")) or mtime,
            updated_at=parse_time(doc.get("updated_at")) or mtime,
            chunks=len(messages),
            bytes=st.st_size,
            title=preview,
            usage=normalize_usage(doc.get("token_usage")),
            cwd=workspace if isinstance(workspace, str) and workspace else None,
            extra={
                "model": doc.get("model") if isinstance(doc.get("model"), str) else None,
                "preview": preview,
                "version": version,
                "base_reason": reason,
            },
        )

    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        if info.state is SessionState.CORRUPT:
            return info
        age = datetime.now(UTC).timestamp() - st.st_mtime
        if age < RECENT_SECONDS:
            return replace(
                info,
                state=SessionState.RUNNING,
                state_reason=f"saved {max(0, int(age))} s ago (no in-progress marker exists)",
            )
        if info.state is SessionState.RUNNING:
            return replace(
                info, state=SessionState.CLOSED, state_reason=info.extra.get("base_reason", "saved")
            )
        return info

    # ----------------------------------------------------------- transcript
    @staticmethod
    def _map(message: dict[str, Any], index: int) -> Chunk:
        role = message.get("role")
        text = _text(message.get("content"))
        if role == "assistant":
            calls = message.get("tool_calls")
            payload: dict[str, Any] = {
                "content": text if (text or not calls) else None,
                "tool_calls": calls if isinstance(calls, list) and calls else None,
            }
            kind = "assistant"
        elif role == "tool":
            kind = "tool_result"
            payload = {
                "tool_call_id": str(message.get("tool_call_id", "")),
                "name": str(message.get("name", "")),
                "content": text,
            }
        elif role in ("user", "system"):
            kind, payload = str(role), {"content": text}
        else:
            kind, payload = str(role or "system"), {"content": text}
        ts = parse_time(message.get("timestamp"))
        return Chunk(index=index, kind=kind, payload=payload, raw=message, timestamp=ts)

    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        doc = read_document(path)
        messages = [m for m in doc.get("messages") or [] if isinstance(m, dict)]
        return [self._map(m, i) for i, m in enumerate(messages)]

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        return [
            self._map(r, first_index + i)
            for i, r in enumerate(r for r in records if isinstance(r, dict))
        ]

    # -------------------------------------------------------------- actions
    def session_files(self, info: SessionInfo) -> list[Path]:
        path = Path(info.path)
        return [path, path.with_name(self.id_from_path(path) + ".tmp")]

    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        path = Path(info.path)
        workspace = info.cwd
        if template:
            values = {
                "id": info.id,
                "path": info.path,
                "dir": str(path.parent),
                "home": workspace or str(path.parent),
                "cwd": workspace or str(path.parent),
            }
            return ResumePlan(
                command=fill_template(template, values), cwd=workspace, configured=True
            )
        where = shlex.quote(workspace) if workspace else shlex.quote(str(path.parent))
        return ResumePlan(
            command=None,
            cwd=workspace,
            snippet=f"cd {where} && $SHELL",
            hint=(
                "this agent has no resume-by-id command; starting it in workspace_root continues "
                'its newest session. Set one with [resume] snapshot = "..." in config.toml '
                "({id} {path} {dir} {home} {cwd})"
            ),
        )
