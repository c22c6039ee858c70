"""OpenRath (`rath.session.persistence`) sessions: `<uuid>.jsonl` and `<uuid>.jsonl.__partial__`.

Facts come from the header line, the last complete line (a closed file's trailer
holds `final_chunk_count`, `closed_at` and usage) and, only for files without a
trailer, a newline count. Bodies of closed files are never read for the listing.
The format, and where OpenRath's own loader fails on its own files, is §1 of
FORMATS.md at the repository root.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shlex
import stat as stat_mod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.formats.base import DecodeState, FormatAdapter, corrupt_row, facts_row
from sessionview.store.formats.common import first_line_title, open_regular, utc_iso
from sessionview.store.jsonl import (
    count_newlines,
    iter_lines,
    last_complete_lines,
    parse_record,
    read_first_line,
)
from sessionview.store.liveness import LivenessProbe
from sessionview.store.migrations import header_version, upgrade_chunk, upgrade_header
from sessionview.store.model import Chunk, SessionInfo, SessionState, session_row
from sessionview.store.paths import openrath_home
from sessionview.store.resume import ResumePlan, fill_template

FINAL_SUFFIX = ".jsonl"
PARTIAL_SUFFIX = ".jsonl.__partial__"
HEADER_LIMIT = 16 << 20
TITLE_SCAN_LIMIT = 1 << 20
TRAILER_LIMIT = 1 << 20
HEAD_READ = 8 << 10  # header + first user chunk, nearly always; measured: 4% faster than 16 KB
USER_MARKERS = (b'"kind": "user"', b'"kind":"user"')
TAIL_READ = 4 << 10
TITLE_BLOCK = 16 << 10
TAIL_WINDOW = 4 << 10  # a trailer is ~200 bytes; the window doubles for a long last line
CHUNK_KINDS = {"system", "user", "assistant", "tool_result"}
# A top-level OpenRath record, not the words "record_type" inside another tool's line.
_RECORD_TYPE_RE = re.compile(rb'"record_type"\s*:\s*"(?:header|chunk|trailer)"')

RESUME_SNIPPET = """\
from rath.llm import Provider
from rath.session import load_session, run_session_loop, user_text_chunk
p = load_session({id})
user, agent = p.to_resumable_pair()
user.chunk_table = user.chunk_table.extend(user_text_chunk(input("next prompt> ")))
out = run_session_loop(user, agent, agent_provider=Provider(model="<model>"), persist=True)
out.synchronize()"""


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """A whole OpenRath file, read with OpenRath's loader semantics."""

    header: dict[str, Any]
    header_version: int
    chunks: tuple[Chunk, ...]
    trailer: dict[str, Any] | None
    torn_tail: bool


def validate_header(record: dict[str, Any], where: str) -> tuple[dict[str, Any], int]:
    """Upgrade and check a header record; returns (upgraded, original version)."""
    try:
        version = header_version(record)
        upgraded = upgrade_header(record)
    except ValueError as exc:
        raise PersistenceError(f"{where}: {exc}") from None
    sid = upgraded.get("id")
    if not isinstance(sid, str) or not sid:
        raise PersistenceError(f"{where}: malformed header record: 'id' missing or not a string")
    if utc_iso(upgraded.get("created_at")) is None:
        raise PersistenceError(
            f"{where}: malformed header record: 'created_at' is not an ISO-8601 time"
        )
    return upgraded, version


def chunk_from_record(record: dict[str, Any], where: str, version: int) -> Chunk:
    record = upgrade_chunk(record, header_version=version)
    kind = record.get("kind")
    if not isinstance(kind, str) or kind not in CHUNK_KINDS:
        raise PersistenceError(f"{where}: invalid chunk kind: {kind!r}")
    payload = record.get("payload")
    if not isinstance(payload, dict):
        raise PersistenceError(f"{where}: chunk payload must be a JSON object")
    index = record.get("index")
    if isinstance(index, bool) or not isinstance(index, int):
        raise PersistenceError(f"{where}: chunk index must be an integer")
    return Chunk(index=index, kind=kind, payload=payload, raw=record)


def parse_file(path: Path) -> ParsedFile:
    """Read a whole file as OpenRath's `load_session` does, but from bytes.

    Fatal, as in OpenRath: invalid JSON, a non-object record, a duplicate header, a
    chunk before the header, an unknown `record_type`, and a missing header.
    """
    fd, st = open_regular(path)
    try:
        header: dict[str, Any] | None = None
        version = 0
        chunks: list[Chunk] = []
        trailer: dict[str, Any] | None = None
        consumed = 0
        lineno = 0
        try:
            for consumed, line in iter_lines(fd):  # noqa: B007 - consumed is used after
                lineno += 1
                if not line.strip():
                    continue
                where = f"{path}:{lineno}"
                record = parse_record(line, where)
                rt = record.get("record_type")
                if rt == "header":
                    if header is not None:
                        raise PersistenceError(f"{where}: duplicate header record")
                    header, version = validate_header(record, where)
                elif rt == "chunk":
                    if header is None:
                        raise PersistenceError(f"{where}: chunk record before header")
                    chunks.append(chunk_from_record(record, where, version))
                elif rt == "trailer":
                    trailer = record
                else:
                    raise PersistenceError(f"{where}: unknown record_type={rt!r}")
        except OSError as exc:
            raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
        if header is None:
            raise PersistenceError(f"{path}: no header record found")
        return ParsedFile(header, version, tuple(chunks), trailer, consumed < st.st_size)
    finally:
        os.close(fd)


def stream_file(path: Path) -> tuple[dict[str, Any], Iterator[tuple[Chunk, bytes]]]:
    """The header, then the chunks one line at a time, with `parse_file`'s fatal errors
    (raised by the iterator when it reaches them), so a 130 MB session is never held in
    memory. The iterator owns the file: exhausting or closing it releases it."""
    fd, _ = open_regular(path)
    try:
        lines = _numbered_records(fd, path)
        header: dict[str, Any] | None = None
        version = 0
        for where, record, _line in lines:
            rt = record.get("record_type")
            if rt == "header":
                header, version = validate_header(record, where)
                break
            if rt == "chunk":
                raise PersistenceError(f"{where}: chunk record before header")
            if rt != "trailer":
                raise PersistenceError(f"{where}: unknown record_type={rt!r}")
        if header is None:
            raise PersistenceError(f"{path}: no header record found")
    except BaseException:
        os.close(fd)
        raise
    return header, _streamed_chunks(fd, lines, version)


def _numbered_records(fd: int, path: Path) -> Iterator[tuple[str, dict[str, Any], bytes]]:
    """`(file:line, record, line)` for each complete non-blank line."""
    lineno = 0
    try:
        for _, line in iter_lines(fd):
            lineno += 1
            if line.strip():
                where = f"{path}:{lineno}"
                yield where, parse_record(line, where), line
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None


def _streamed_chunks(
    fd: int, lines: Iterator[tuple[str, dict[str, Any], bytes]], version: int
) -> Iterator[tuple[Chunk, bytes]]:
    try:
        for where, record, line in lines:
            rt = record.get("record_type")
            if rt == "chunk":
                yield chunk_from_record(record, where, version), line
            elif rt == "header":
                raise PersistenceError(f"{where}: duplicate header record")
            elif rt != "trailer":
                raise PersistenceError(f"{where}: unknown record_type={rt!r}")
    finally:
        os.close(fd)


def _mtime_iso(st: os.stat_result) -> str:
    return datetime.fromtimestamp(st.st_mtime, UTC).isoformat()


def _usage(raw: Any) -> dict[str, int] | None:
    if not isinstance(raw, dict):
        return None
    out: dict[str, int] = {}
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        value = raw.get(key, 0)
        out[key] = value if isinstance(value, int) and not isinstance(value, bool) else 0
    return out


def _last_line_in(block: bytes, block_start: int) -> bytes | None:
    """The last complete, non-blank line inside a tail block, or None to read further."""
    end = block.rfind(b"\n")
    if end < 0:
        return None
    start = block.rfind(b"\n", 0, end)
    if start < 0 and block_start > 0:
        return None  # the line may begin before the block
    line = block[start + 1 : end]
    return line if line.strip() else None


# ------------------------------------------------- slices of a huge session
# Opening a 130 MB, 48,000-chunk session to show its latest turns should cost what
# those turns cost, not what the file costs: `last_chunks` reads the header line and
# then seeks back from the end (`jsonl.last_complete_lines`), so time and memory are
# proportional to the chunks returned.


def last_chunks(path: str | Path, n: int) -> list[Chunk]:
    """Up to `n` last chunks (oldest first); a torn last line is dropped.

    Raises `PersistenceError` naming `file:line` when the header or one of the lines
    read is bad (the exact line number is found by a full read, only on that error).
    """
    path = Path(path)
    if n <= 0:
        return []
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        size = os.fstat(fd).st_size
        head = read_first_line(fd, HEADER_LIMIT)
        if head is None:
            raise PersistenceError(f"{path}:1: no header record")
        header_record = parse_record(head, f"{path}:1")
        if header_record.get("record_type") != "header":
            raise PersistenceError(f"{path}:1: first record is not a header")
        _header, version = validate_header(header_record, f"{path}:1")
        want = n + 2  # room for the trailer (and the header, in a short file)
        while True:
            lines = last_complete_lines(fd, size, want)
            chunks: list[Chunk] = []
            try:
                for line in lines:
                    record = parse_record(line, f"{path}:?")
                    if record.get("record_type") == "chunk":
                        chunks.append(chunk_from_record(record, f"{path}:?", version))
            except PersistenceError:
                parse_file(path)  # raises the same error with its real line number
                raise
            if len(chunks) >= n or len(lines) < want:
                return chunks[-n:]
            want *= 2
    except OSError as exc:
        raise PersistenceError(f"cannot read {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def first_chunks(path: str | Path, n: int) -> list[Chunk]:
    """Up to `n` first chunks of an OpenRath session, reading only as far as they go.

    For a quick first view of a huge session; the full read that follows reports any
    error with its line number, so a bad line here just ends the list early.
    """
    path = Path(path)
    chunks: list[Chunk] = []
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return chunks
    try:
        version = 0
        for lineno, (_, line) in enumerate(iter_lines(fd), start=1):
            if not line.strip():
                continue
            record = parse_record(line, f"{path}:{lineno}")
            if lineno == 1:
                _header, version = validate_header(record, f"{path}:1")
                continue
            if record.get("record_type") == "chunk":
                chunks.append(chunk_from_record(record, f"{path}:{lineno}", version))
                if len(chunks) >= n:
                    break
    except (OSError, PersistenceError):
        pass
    finally:
        os.close(fd)
    return chunks


class OpenRathFormat(FormatAdapter):
    """OpenRath's append-only JSONL session store."""

    name = "openrath"
    append_only = True
    partial_suffix = ".__partial__"
    grows_after_close = False

    def project_dir(self, info: SessionInfo) -> str | None:
        """A project-local store is `<project>/.openrath/sessions` (OpenRath's own
        resolution): the project holds `.openrath`; `~/.openrath/sessions` is no project's."""
        store = os.path.dirname(info.path)
        dot, name = os.path.split(store)
        if name == "sessions" and os.path.basename(dot) == ".openrath":
            project = os.path.dirname(dot)
            if project and project != os.path.expanduser("~"):
                return project
        return None

    def claims(self, path: Path) -> bool:
        name = path.name
        return (name.endswith(FINAL_SUFFIX) or name.endswith(PARTIAL_SUFFIX)) and not (
            name.startswith(".")
        )

    def sniff(self, head: bytes) -> bool:
        first = head.split(b"\n", 1)[0]
        return _RECORD_TYPE_RE.search(first) is not None or not first.strip()

    def id_from_path(self, path: Path) -> str:
        name = path.name
        for suffix in (PARTIAL_SUFFIX, FINAL_SUFFIX):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        return SessionInfo.from_json(self.read_facts_row(str(path), st))

    def read_facts_row(self, path: str, st: os.stat_result) -> dict[str, Any]:
        """The facts as `SessionInfo.to_json()` would give them, built without objects.

        A cold listing runs this once per file, so it works on strings and dicts only
        (no `Path`, no `SessionInfo`): the index caches and prints the dict as it is.
        """
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError as exc:
            return self._corrupt_row(path, st, f"cannot read {path}: {exc.strerror or exc}")
        try:
            return self._facts_row_fd(path, fd, st)
        except OSError as exc:
            return self._corrupt_row(path, st, f"cannot read {path}: {exc.strerror or exc}")
        except PersistenceError as exc:
            return self._corrupt_row(path, st, str(exc))
        finally:
            os.close(fd)

    def _sid_of(self, path: str) -> str:
        name = path.rpartition(os.sep)[2]
        for suffix in (PARTIAL_SUFFIX, FINAL_SUFFIX):
            if name.endswith(suffix):
                return name[: -len(suffix)]
        return name

    def _corrupt_row(self, path: str, st: os.stat_result, error: str) -> dict[str, Any]:
        return corrupt_row(self.name, self._sid_of(path), path, st, error)

    def _facts_row_fd(self, path: str, fd: int, st: os.stat_result) -> dict[str, Any]:
        size = st.st_size
        partial = path.endswith(PARTIAL_SUFFIX)
        if not stat_mod.S_ISREG(st.st_mode):
            raise PersistenceError(f"{path}: not a regular file")
        # Two reads serve almost every file: the first HEAD_READ (8 KB: header and, nearly
        # always, the first user chunk for the title) and the last 4 KB (trailer).
        head_block = os.pread(fd, min(size, HEAD_READ), 0) if size else b""
        first_nl = head_block.find(b"\n")
        head = head_block[:first_nl] if first_nl >= 0 else read_first_line(fd, HEADER_LIMIT)
        if head is None:
            if partial:
                # A writer creates the file, takes its lock, then writes the header:
                # an incomplete header is a writer still starting (or one that died).
                row = facts_row(self.name, self._sid_of(path), "crashed", "header not complete")
                row.update(
                    path=path, updated_at=_mtime_iso(st), bytes=size, extra={"no_header": True}
                )
                return row
            reason = "empty file" if size == 0 else "first line is torn or too long"
            raise PersistenceError(f"{path}:1: {reason}: no header record")
        where1 = f"{path}:1"
        if not head.strip():
            raise PersistenceError(f"{where1}: blank first line: no header record")
        record = parse_record(head, where1)
        if record.get("record_type") != "header":
            raise PersistenceError(
                f"{where1}: first record is {record.get('record_type')!r}, not a header"
            )
        header, _version = validate_header(record, where1)
        header_end = len(head) + 1

        # A trailer is a few hundred bytes: a longer last line is not one (and a 100 MB
        # chunk line must not be pulled into memory just to find that out).
        if size <= len(head_block):
            tail_block, tail_start = head_block, 0
        else:
            tail_start = max(0, size - TAIL_READ)
            tail_block = os.pread(fd, size - tail_start, tail_start)
        torn = size > 0 and not tail_block.endswith(b"\n")
        in_block = _last_line_in(tail_block, tail_start)
        if in_block is not None:
            last = [in_block]
        else:
            last = last_complete_lines(fd, size, 1, window=TAIL_WINDOW, max_line=TRAILER_LIMIT)
        trailer: dict[str, Any] | None = None
        lines_total: int | None = None
        if last and size > header_end:
            tail_record: dict[str, Any] | None = None
            try:
                tail_record = parse_record(last[-1], f"{path}:last")
            except PersistenceError:
                lines_total = count_newlines(fd, 0, size)
                tail_record = parse_record(last[-1], f"{path}:{lines_total}")
            if tail_record.get("record_type") == "trailer":
                trailer = tail_record
        final_count = trailer.get("final_chunk_count") if trailer is not None else None
        if isinstance(final_count, int) and not isinstance(final_count, bool) and final_count >= 0:
            chunks = final_count
        else:
            if lines_total is None:
                lines_total = count_newlines(fd, 0, size)
            chunks = max(0, lines_total - 1 - (1 if trailer is not None else 0))
        title = self._title(fd, header_end, size, head_block)
        parents = header.get("parent_session_ids")
        sandbox = None
        if header.get("sandbox_backend") or header.get("sandbox_spec"):
            sandbox = {
                "backend": header.get("sandbox_backend"),
                "spec": header.get("sandbox_spec"),
                "handle_id": header.get("sandbox_handle_id"),
            }
        if trailer is not None:
            updated = utc_iso(trailer.get("closed_at")) or _mtime_iso(st)
            if partial:
                state, reason = "crashed", "trailer written, never renamed"
            else:
                state, reason = "closed", "trailer seen"
        else:
            updated = _mtime_iso(st)
            reason = "no trailer" if partial else "final file without a trailer"
            state = "crashed"
        if torn:
            reason += "; torn last line dropped"
        created = utc_iso(header.get("created_at"))
        return session_row(
            header["id"],
            self.name,
            state,
            reason,
            path=path,
            created_at=created,
            updated_at=updated,
            chunks=chunks,
            size=size,
            title=title,
            usage=_usage(trailer.get("cumulative_usage")) if trailer else None,
            parents=[str(p) for p in parents] if isinstance(parents, list) else [],
            sandbox=sandbox,
            extra={
                "lineage_operator": header.get("lineage_operator"),
                "lineage_kind": header.get("lineage_kind"),
                "has_trailer": trailer is not None,
                "torn_tail": torn,
            },
        )

    def _title(self, fd: int, start: int, size: int, head_block: bytes = b"") -> str:
        """First line of the first user chunk, looked for in the first 1 MB only."""
        end = min(size, start + TITLE_SCAN_LIMIT)
        # The first user chunk is almost always within the head block already read:
        # find its marker there with one search instead of splitting every line.
        in_block = head_block.rfind(b"\n") + 1
        if in_block > start:
            for marker in USER_MARKERS:
                hit = head_block.find(marker, start, in_block)
                if hit >= 0:
                    line_start = head_block.rfind(b"\n", start, hit) + 1
                    line_end = head_block.find(b"\n", hit)
                    return self._title_of(head_block[max(line_start, start) : line_end])
        if end <= max(in_block, start):
            return ""
        for _, line in iter_lines(fd, max(in_block, start), end, block_size=TITLE_BLOCK):
            if any(marker in line for marker in USER_MARKERS):
                return self._title_of(line)
        return ""

    @staticmethod
    def _title_of(line: bytes) -> str:
        try:
            record = parse_record(line, "")
        except PersistenceError:
            return ""
        payload = record.get("payload")
        if record.get("kind") == "user" and isinstance(payload, dict):
            return first_line_title(payload.get("content"))
        return ""

    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        open_states = (SessionState.CRASHED, SessionState.RUNNING)
        if info.state not in open_states or not info.path.endswith(PARTIAL_SUFFIX):
            return info
        if info.extra.get("has_trailer"):
            return info
        verdict = probe.is_locked(info.path, st)
        return SessionInfo.from_json(self.apply_lock_verdict(info.to_json(), verdict))

    def apply_lock_verdict(
        self, row: dict[str, Any], verdict: tuple[bool | None, str]
    ) -> dict[str, Any]:
        held, evidence = verdict
        extra = row.get("extra") or {}
        torn = "; torn last line dropped" if extra.get("torn_tail") else ""
        if held:
            state, reason = "running", evidence
        elif extra.get("no_header") and held is None:
            state, reason = row["state"], "header not complete; " + evidence
        else:
            state, reason = "crashed", f"{evidence}{torn}"
        return {**row, "state": state, "state_reason": reason}

    def lock_decides_liveness(self, row: dict[str, Any]) -> bool:
        extra = row.get("extra") or {}
        return (
            row.get("state") in ("crashed", "running")
            and str(row.get("path", "")).endswith(PARTIAL_SUFFIX)
            and not extra.get("has_trailer")
        )

    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        return list(parse_file(path).chunks)

    def load_transcript(self, path: Path) -> tuple[list[Chunk], dict[str, Any] | None]:
        parsed = parse_file(path)
        return list(parsed.chunks), parsed.header

    def stream_transcript(
        self, path: Path
    ) -> tuple[dict[str, Any] | None, Iterator[tuple[Chunk, bytes | None]]]:
        return stream_file(path)

    def first_chunks(self, path: Path, n: int) -> list[Chunk]:
        return first_chunks(path, n)

    def last_chunks(self, path: Path, n: int) -> list[Chunk]:
        try:
            return last_chunks(path, n)
        except PersistenceError:
            return []  # the full read reports the problem with its line number

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        out: list[Chunk] = []
        for record in records:
            if record.get("record_type") != "chunk":
                continue
            try:
                out.append(chunk_from_record(record, "", 1))
            except PersistenceError:
                continue
        return out

    def is_end_record(self, record: dict[str, Any]) -> bool:
        return record.get("record_type") == "trailer"

    def session_files(self, info: SessionInfo) -> list[Path]:
        path = Path(info.path)
        sid = self.id_from_path(path)
        return [path.with_name(sid + FINAL_SUFFIX), path.with_name(sid + PARTIAL_SUFFIX)]

    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        sessions_dir = Path(info.path).parent
        home = sessions_dir.parent
        if template:
            values = {
                "id": info.id,
                "path": info.path,
                "dir": str(sessions_dir),
                "home": str(home),
                "cwd": str(sessions_dir),
            }
            return ResumePlan(
                command=fill_template(template, values),
                cwd=str(sessions_dir),
                env={"OPENRATH_HOME": str(home)},
                configured=True,
            )
        snippet = RESUME_SNIPPET.format(id=json.dumps(info.id))
        shell = f"OPENRATH_HOME={shlex.quote(str(home))} python -c {shlex.quote(snippet)}"
        return ResumePlan(
            command=None,
            cwd=str(sessions_dir),
            env={"OPENRATH_HOME": str(home)},
            snippet=shell,
            hint=(
                "OpenRath has no resume command; set one with "
                '[resume] openrath = "..." in config.toml ({id} {path} {dir} {home})'
            ),
        )

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        roots: list[Path] = []
        with contextlib.suppress(PersistenceError):
            roots.append(openrath_home(env) / "sessions")
        for extra in (
            Path.cwd() / ".openrath" / "sessions",
            Path.home() / ".openrath" / "sessions",
        ):
            if extra not in roots:
                roots.append(extra)
        return roots
