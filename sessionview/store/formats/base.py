"""The interface every agent's format adapter implements.

The index, the tailer, the actions and the UI only talk to adapters through this
class, so adding an agent means adding one module in `formats/` and registering it.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import Chunk, SessionInfo, SessionState, session_row
from sessionview.store.resume import ResumePlan


class DecodeState:
    """What decoding one session's earlier records taught, for its later ones.

    A tool result names only its call id; the tool's name comes from the call, which
    may have been decoded by an earlier `load_chunks` or `chunks_from_records` call.
    The caller that reads one session (the transcript screen, `show --follow`) owns
    one of these and passes it to every call; adapters keep no per-session state of
    their own, so one adapter serves every thread and every session at once.
    """

    #: Tool names kept at most (the oldest is forgotten first).
    MAX_TOOLS = 20000

    __slots__ = ("tool_names",)

    def __init__(self) -> None:
        self.tool_names: dict[str, str] = {}

    def remember_tool(self, call_id: str, name: str) -> None:
        names = self.tool_names
        if call_id not in names and len(names) >= self.MAX_TOOLS:
            names.pop(next(iter(names)))
        names[call_id] = name


def facts_row(fmt: str, sid: str, state: str, reason: str) -> dict[str, Any]:
    """An empty listing row (`model.session_row`) for an adapter to fill in."""
    return session_row(sid, fmt, state, reason)


def corrupt_row(fmt: str, sid: str, path: str, st: os.stat_result, error: str) -> dict[str, Any]:
    """`FormatAdapter._corrupt` as a row: listed with the reason, never hidden."""
    row = facts_row(fmt, sid, "corrupt", error)
    row["path"] = path
    row["updated_at"] = datetime.fromtimestamp(st.st_mtime, UTC).isoformat()
    row["bytes"] = st.st_size
    row["error"] = error
    return row


class FormatAdapter(ABC):
    """One agent's on-disk session format.

    Adapters are shared by every thread: they hold no per-session state (see
    `DecodeState`).
    """

    #: Format id shown in the UI and `--format`: openrath, nanobot, claude, codex, snapshot.
    name: ClassVar[str]
    #: True when sessions only ever grow by appended lines (follow reads new bytes);
    #: False when the file is rewritten whole (follow re-reads and diffs).
    append_only: ClassVar[bool] = True
    #: True when a session's state can change without its file changing in a way
    #: `read_facts` can see (Claude Code's pid registry, Codex's open fds, mtime-based
    #: states): the index then calls `apply_liveness` on every scan for every row,
    #: not only for running/crashed ones. It must stay cheap (use `probe.memo`).
    always_check_liveness: ClassVar[bool] = False
    #: True when a last line without its newline is read if it is a whole JSON object
    #: (`jsonl.final_record`): the agent can leave a finished file that way. Readers
    #: that hand over to a `TailReader` then start it after that line, not at it.
    reads_final_line: ClassVar[bool] = False
    #: The suffix of a session's in-progress file, renamed away when it closes
    #: (OpenRath's `X.jsonl.__partial__` -> `X.jsonl`): such a pair is one session
    #: (see `store/fold.py`). None for formats whose session stays in one file.
    partial_suffix: ClassVar[str | None] = None
    #: True when a closed session may still grow (Claude Code, Codex and nanobot close a
    #: session by going quiet, and a resume writes on in the same file); False when
    #: closing is final (OpenRath writes a trailer): a closed transcript then has
    #: nothing to follow.
    grows_after_close: ClassVar[bool] = True

    def project_dir(self, info: SessionInfo) -> str | None:
        """The project a session of this format belongs to when it records no `cwd`
        (None: no project). OpenRath derives it from where its store lives."""
        return None

    @abstractmethod
    def claims(self, path: Path) -> bool:
        """Whether a file with this name belongs to this format. Name only, no I/O.

        Only `path.name` may be used: the directory walk passes `os.DirEntry` objects.
        """

    def walk_into(self, name: str, path: str, depth: int) -> bool:
        """Whether the shared walk descends into this subdirectory (depth 0: a root's child)."""
        return False

    def iter_files(self, root: Path) -> Iterator[Path]:
        """The files under `root` this format claims (the shared walk, this adapter alone)."""
        from sessionview.store.walk import walk

        for path, _ in walk(root, [self]).claimed:
            yield Path(path)

    def companion(self, name: str) -> bool:
        """Whether a file with this name is part of some session without being one (a
        sidecar): never listed, never reported as a file of no known format."""
        return False

    def sniff(self, head: bytes) -> bool:
        """Whether a file's first bytes look like this format (used when several claim a name)."""
        return True

    def id_from_path(self, path: Path) -> str:
        """The session id a file name implies (used for rows that cannot be read)."""
        return path.name.split(".", 1)[0]

    def _corrupt(self, path: Path, st: os.stat_result, error: str, **kw: Any) -> SessionInfo:
        """The row for a file that cannot be read: listed with the reason, never hidden."""
        return SessionInfo(
            id=kw.pop("id", None) or self.id_from_path(path),
            format=self.name,
            state=SessionState.CORRUPT,
            state_reason=error,
            path=str(path),
            updated_at=datetime.fromtimestamp(st.st_mtime, UTC),
            bytes=st.st_size,
            error=error,
            **kw,
        )

    @abstractmethod
    def read_facts(self, path: Path, st: os.stat_result) -> SessionInfo:
        """Cheap facts from the file. Never raises for bad content: returns a corrupt row.

        The result is cached keyed by (device, inode, size, mtime), so it must depend
        only on the file's bytes; anything that changes without the file changing
        (a writer dying) belongs in `apply_liveness`.
        """

    def read_facts_row(self, path: str, st: os.stat_result) -> dict[str, Any]:
        """`read_facts(...).to_json()`: what the index caches and `ls --json` prints.

        An adapter on the hot path (OpenRath) builds the dict directly instead.
        """
        return self.read_facts(Path(path), st).to_json()

    def apply_liveness(
        self, info: SessionInfo, st: os.stat_result, probe: LivenessProbe
    ) -> SessionInfo:
        """Decide running vs crashed with evidence; called on every scan for open sessions."""
        return info

    def lock_decides_liveness(self, row: dict[str, Any]) -> bool:
        """Whether `apply_liveness` of this row depends on nothing but `probe.is_locked`.

        Then `apply_lock_verdict` gives the live row, the index remembers the row for
        each verdict, and a warm listing picks one by reading `/proc/locks` alone.
        """
        return False

    def apply_lock_verdict(
        self, row: dict[str, Any], verdict: tuple[bool | None, str]
    ) -> dict[str, Any]:
        """`apply_liveness` on a row for which `lock_decides_liveness` is true."""
        raise NotImplementedError

    def new_state(self) -> DecodeState:
        """A fresh decoding state for one reader of one session."""
        return DecodeState()

    @staticmethod
    def _no_longer_running(info: SessionInfo) -> SessionInfo:
        """For formats where a crash and a clean exit look the same: not live is closed."""
        if info.state is SessionState.RUNNING:
            return replace(
                info,
                state=SessionState.CLOSED,
                state_reason=info.extra.get("ended_reason") or "ended",
            )
        return info

    @abstractmethod
    def load_chunks(self, path: Path, *, state: DecodeState | None = None) -> list[Chunk]:
        """The whole transcript; raises `PersistenceError` naming `file:line`.

        With `state`, what the load learned is left in it, so a reader that follows
        the file afterwards (`chunks_from_records(..., state)`) carries on from it.
        """

    def load_transcript(self, path: Path) -> tuple[list[Chunk], dict[str, Any] | None]:
        """The whole transcript and the session's header record (None for formats
        without one), from one read of the file; raises as `load_chunks` does."""
        return self.load_chunks(path), None

    def stream_transcript(
        self, path: Path
    ) -> tuple[dict[str, Any] | None, Iterator[tuple[Chunk, bytes | None]]]:
        """The header (as `load_transcript`) and the chunks one at a time, each with the
        line it was read from (None when the file is decoded whole), for writers that
        must not hold a huge session in memory. Formats whose files are small or need
        a whole read keep this default; the iterator's `close()` releases the file."""
        chunks, header = self.load_transcript(path)
        return header, ((chunk, None) for chunk in chunks)

    def first_chunks(self, path: Path, n: int) -> list[Chunk]:
        """Up to `n` first chunks, read only as far as they go, for a quick first view
        of a huge session; [] when the format cannot do that cheaply. Never raises for
        bad content (the full read that follows reports it)."""
        return []

    def last_chunks(self, path: Path, n: int) -> list[Chunk]:
        """Up to `n` last chunks (oldest first), read from the end, for a quick view of a
        huge session's latest turns; [] when the format cannot do that cheaply."""
        return []

    def chunks_from_records(
        self, records: list[dict[str, Any]], first_index: int, state: DecodeState | None = None
    ) -> list[Chunk]:
        """Turn records appended to a file (by a tail reader) into chunks.

        `state` carries what earlier records of the same session taught (pass the same
        object to every call for one session); without it, nothing is remembered.
        """
        return []

    def is_end_record(self, record: dict[str, Any]) -> bool:
        """Whether this appended record says the session has ended (OpenRath's trailer)."""
        return False

    def session_files(self, info: SessionInfo) -> list[Path]:
        """Every file that belongs to the session (deleted together)."""
        return [Path(info.path)]

    def is_live(self, info: SessionInfo) -> tuple[bool, str]:
        """Fresh liveness check right before a destructive action."""
        try:
            st = os.stat(info.path)
        except OSError:
            return False, "file is gone"
        fresh = self.apply_liveness(info, st, LivenessProbe())
        return fresh.state is SessionState.RUNNING, fresh.state_reason

    @abstractmethod
    def resume_plan(self, info: SessionInfo, template: str | None) -> ResumePlan:
        """How to resume: the configured `template` filled in, or the agent's own command."""

    def default_roots(self, env: Mapping[str, str]) -> list[Path]:
        """Directories this agent writes sessions to on this machine (may not exist)."""
        return []
