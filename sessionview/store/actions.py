"""Delete (to a restorable trash), restore, prune and resume: the only code that changes files.

Every destructive action (`rm`, the TUI's `d` and bulk delete, prune) goes through
`delete_session`, which applies one rule (`refuse_if_live`) to every file it would
touch, once before it starts and again right before it touches each file: a session
with any live file is refused. It touches only the session's own files, removes
symlinks without following them, and keeps what it moves restorable with its
original path. Prune also never removes a file whose transcript cannot be parsed.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import stat as stat_mod
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sessionview.store.errors import PersistenceError, SessionBusy, SessionNotFound
from sessionview.store.formats import FormatAdapter, get_adapter
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.resume import ResumePlan

MANIFEST = "manifest.json"


def default_trash_dir() -> Path:
    """`trash/` in the platformdirs user data directory."""
    from sessionview.store.userdirs import user_dir

    return Path(user_dir("data")) / "trash"


@dataclass(frozen=True, slots=True)
class TrashEntry:
    """One deleted session in the trash: where each file came from and where it is now."""

    id: str
    format: str
    folder: str
    deleted_at: str
    files: tuple[tuple[str, str], ...]  # (original path, stored path)
    bytes: int = 0
    title: str = ""


@dataclass(frozen=True, slots=True)
class DeleteOutcome:
    deleted: list[TrashEntry] = field(default_factory=list)
    refused: list[tuple[SessionInfo, str]] = field(default_factory=list)


def _inside(path: Path, roots: Sequence[Path] | None) -> bool:
    if not roots:
        return True
    parent = Path(os.path.abspath(path.parent))
    for root in roots:
        root_abs = Path(os.path.abspath(root))
        if parent == root_abs or root_abs in parent.parents:
            return True
    return False


def _move(src: Path, dst: Path) -> None:
    """Move a file or a symlink (never its target), across filesystems too."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.rename(src, dst)
        return
    except OSError as exc:
        if exc.errno != 18:  # EXDEV: another filesystem
            raise
    if src.is_symlink():
        os.symlink(os.readlink(src), dst)
        os.unlink(src)
    elif src.is_dir():
        shutil.copytree(src, dst, symlinks=True)
        shutil.rmtree(src)
    else:
        shutil.copy2(src, dst, follow_symlinks=False)
        os.unlink(src)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        os.unlink(path)


def _size(path: Path) -> int:
    try:
        return path.lstat().st_size
    except OSError:
        return 0


def _file_is_live(adapter: FormatAdapter, path: Path, probe: LivenessProbe) -> str | None:
    """Why this one file is live right now, or None: a lock someone holds on it (Linux's
    `/proc/locks`, which takes no lock), or its format's own evidence read afresh from
    the file (an OpenRath `__partial__` whose writer reopened a closed id, a Claude Code
    pid registry, a Codex writer holding the rollout open)."""
    try:
        st = os.stat(path)
    except OSError:
        return None  # gone (or a dangling link): nothing writes it
    if not stat_mod.S_ISREG(st.st_mode):
        return None
    if sys.platform.startswith("linux"):
        held, evidence = probe.is_locked(str(path), st)
        if held:
            return evidence
    if adapter.claims(path):
        fresh = adapter.apply_liveness(adapter.read_facts(path, st), st, probe)
        if fresh.state is SessionState.RUNNING:
            return fresh.state_reason
    return None


def refuse_if_live(info: SessionInfo, files: Iterable[Path], *, whole: bool = True) -> None:
    """The one liveness rule of every action: `SessionBusy` if any of `files` is live.

    Evidence is read afresh (a new probe each call), never taken from the listing,
    which may be seconds old. `whole` adds the format's session-wide evidence
    (`is_live`: e.g. a nanobot process that would rewrite the file).
    """
    adapter = get_adapter(info.format)
    probe = LivenessProbe()
    for path in files:
        why = _file_is_live(adapter, Path(path), probe)
        if why is not None:
            raise SessionBusy(f"session {info.ref} is running ({path}: {why}); not deleted")
    if whole:
        live, why = adapter.is_live(info)
        if live:
            raise SessionBusy(f"session {info.ref} is running ({why}); not deleted")


def session_paths(info: SessionInfo) -> list[Path]:
    """Every existing file an action on this session would touch (the format's list,
    and every file the row stands for)."""
    adapter = get_adapter(info.format)
    paths = [*adapter.session_files(info), *(Path(p) for p, _ in info.files)]
    return [p for p in dict.fromkeys(paths) if os.path.lexists(p)]


def delete_session(
    info: SessionInfo,
    *,
    force: bool = False,
    purge: bool = False,
    trash_dir: Path | None = None,
    roots: Sequence[Path] | None = None,
) -> TrashEntry:
    """Move (or with `purge`, unlink) the session's files; refuses a live writer.

    Raises `SessionBusy` when any of its files is live and `force` is not given (checked
    for every file first, then again for each right before it is moved), and
    `PersistenceError` (one line) for anything else; on error nothing is lost.
    """
    files = session_paths(info)
    if not force:
        refuse_if_live(info, files)
    if not files:
        raise SessionNotFound(f"session {info.id}: its files are already gone")
    # The session file itself must sit in a watched directory; its sidecars (Claude's
    # file-history, ...) are derived by the adapter from the validated id.
    if not _inside(Path(info.path), roots):
        raise PersistenceError(f"refusing to touch {info.path}: outside the watched directories")
    stamp = datetime.now(UTC)
    total = sum(_size(p) for p in files)
    if purge:
        for path in files:
            if not force:
                refuse_if_live(info, [path], whole=False)  # right before this file
            try:
                _remove(path)
            except OSError as exc:
                raise PersistenceError(f"cannot remove {path}: {exc.strerror or exc}") from None
        return TrashEntry(
            info.id, info.format, "", stamp.isoformat(), tuple((str(p), "") for p in files), total
        )
    trash = trash_dir or default_trash_dir()
    safe_id = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in info.id)[:80]
    folder = trash / f"{stamp.strftime('%Y%m%dT%H%M%S%f')}-{info.format}-{safe_id}"
    moved: list[tuple[str, str]] = []
    try:
        folder.mkdir(parents=True, exist_ok=False)
        for n, path in enumerate(files):
            if not force:
                refuse_if_live(info, [path], whole=False)  # right before this file
            stored = folder / f"{n}-{path.name}"
            _move(path, stored)
            moved.append((str(path), str(stored)))
        entry = TrashEntry(
            info.id, info.format, str(folder), stamp.isoformat(), tuple(moved), total
        )
        # The stdlib encoder with ensure_ascii keeps a file name that is not UTF-8
        # (surrogate-escaped) as `\\udcff` escapes, so it is restored byte for byte.
        (folder / MANIFEST).write_bytes(
            json.dumps(
                {
                    "id": entry.id,
                    "format": entry.format,
                    "deleted_at": entry.deleted_at,
                    "files": [list(pair) for pair in moved],
                    "bytes": total,
                    "title": info.title,
                },
                indent=2,
            ).encode("ascii")
        )
    except (OSError, ValueError, TypeError, SessionBusy) as exc:
        # Put back whatever moved so the session stays intact.
        for original, kept in reversed(moved):
            with contextlib.suppress(OSError):
                _move(Path(kept), Path(original))
        shutil.rmtree(folder, ignore_errors=True)
        if isinstance(exc, SessionBusy):
            raise SessionBusy(f"{exc}; nothing was deleted") from None
        raise PersistenceError(
            f"cannot move {info.id} to the trash: {getattr(exc, 'strerror', None) or exc}; "
            "nothing was deleted"
        ) from None
    return entry


def list_trash(trash_dir: Path | None = None) -> list[TrashEntry]:
    """Trash entries, newest first; unreadable manifests are skipped."""
    trash = trash_dir or default_trash_dir()
    entries: list[TrashEntry] = []
    try:
        folders = sorted(trash.iterdir(), reverse=True)
    except OSError:
        return []
    for folder in folders:
        try:
            data = json.loads((folder / MANIFEST).read_bytes())
            entries.append(
                TrashEntry(
                    id=data["id"],
                    format=data["format"],
                    folder=str(folder),
                    deleted_at=data["deleted_at"],
                    files=tuple((a, b) for a, b in data["files"]),
                    bytes=int(data.get("bytes", 0)),
                    title=str(data.get("title") or ""),
                )
            )
        except (OSError, KeyError, TypeError, ValueError):
            continue
    return entries


def restore(entry: TrashEntry) -> list[str]:
    """Move a trash entry's files back; refuses to overwrite anything that exists now."""
    for original, _ in entry.files:
        if os.path.lexists(original):
            raise PersistenceError(f"cannot restore {entry.id}: {original} exists")
    restored: list[str] = []
    for original, stored in entry.files:
        try:
            _move(Path(stored), Path(original))
        except OSError as exc:
            raise PersistenceError(f"cannot restore {original}: {exc.strerror or exc}") from None
        restored.append(original)
    shutil.rmtree(entry.folder, ignore_errors=True)
    return restored


def purge_trash(entry: TrashEntry) -> None:
    """Remove a trash entry for good (its stored files and its manifest)."""
    folder = Path(entry.folder)
    if not entry.folder or not (folder / MANIFEST).is_file():
        raise PersistenceError(f"{entry.id}: not in the trash any more")
    try:
        shutil.rmtree(folder)
    except OSError as exc:
        raise PersistenceError(f"cannot purge {entry.id}: {exc.strerror or exc}") from None


def expire_trash(
    days: int, *, now: datetime | None = None, trash_dir: Path | None = None
) -> list[TrashEntry]:
    """Purge what was deleted more than `days` days ago (0 keeps everything); returns
    the purged entries, so the caller can say how many went."""
    if days <= 0:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    purged = []
    for entry in list_trash(trash_dir):
        try:
            deleted = datetime.fromisoformat(entry.deleted_at)
        except ValueError:
            continue
        if deleted.tzinfo is None:
            deleted = deleted.replace(tzinfo=UTC)
        if deleted < cutoff:
            with contextlib.suppress(PersistenceError):
                purge_trash(entry)
                purged.append(entry)
    return purged


def find_trash(id_or_prefix: str, trash_dir: Path | None = None) -> TrashEntry:
    """The newest trash entry of the one session the argument names: its id, a unique
    prefix, or a qualified id (`id@folders`, as `ls --json` and `rm` print it when two
    sessions share an id), matched on the folder the files came from."""
    from sessionview.store.ids import validate_session_ref
    from sessionview.store.qualify import matching_ref, qualifiers

    wanted = validate_session_ref(id_or_prefix)
    entries = list_trash(trash_dir)

    def origin(entry: TrashEntry) -> str:
        return entry.files[0][0] if entry.files else ""

    matches = matching_ref(entries, wanted, origin)
    if not matches:
        raise SessionNotFound(f"nothing in the trash matches {wanted!r}")
    # The same session deleted more than once: its newest entry (entries are newest first).
    sessions: dict[tuple[str, str], TrashEntry] = {}
    for entry in matches:
        sessions.setdefault((entry.id, os.path.dirname(origin(entry))), entry)
    if len(sessions) > 1:
        chosen = list(sessions.values())
        refs = [e.id for e in chosen]
        if len(set(refs)) < len(refs):
            quals = qualifiers([origin(e) for e in chosen])
            refs = [f"{e.id}@{q}" for q, e in zip(quals, chosen, strict=True)]
        names = "; ".join(
            f"{ref} ({e.format}, from {os.path.dirname(origin(e)) or '.'})"
            for ref, e in zip(refs[:5], chosen, strict=False)
        )
        more = f" and {len(chosen) - 5} more" if len(chosen) > 5 else ""
        raise PersistenceError(
            f"{wanted!r} matches {len(chosen)} trashed sessions: {names}{more}; "
            "name one by one of these ids"
        )
    return matches[0]


# ------------------------------------------------------------------- prune


def parse_age(text: str) -> timedelta:
    """`30d`, `12h`, `45m`, `2w`, `90s` -> timedelta; a one-line ValueError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    text = text.strip().lower()
    if len(text) < 2 or text[-1] not in units or not text[:-1].isdigit():
        raise ValueError(f"invalid age {text!r}: use a number and a unit, like 30d, 12h, 2w")
    try:
        return timedelta(seconds=int(text[:-1]) * units[text[-1]])
    except OverflowError:
        raise ValueError(f"invalid age {text!r}: too long (at most 999999999d)") from None


PRUNABLE = frozenset({SessionState.CLOSED, SessionState.CRASHED})


@dataclass(frozen=True, slots=True)
class PrunePlan:
    """What a prune would remove (a dry run is just this plan, printed)."""

    sessions: tuple[SessionInfo, ...]
    older_than: timedelta
    by: str
    states: frozenset[SessionState]
    #: Sessions the criteria chose but a file of which cannot be parsed: never pruned.
    unparseable: tuple[tuple[SessionInfo, str], ...] = ()

    @property
    def bytes(self) -> int:
        return sum(s.bytes for s in self.sessions)


def parse_problem(info: SessionInfo) -> str | None:
    """Why a file of this session cannot be parsed (`show` would fail on it), or None.

    The listing reads a closed OpenRath file's header and trailer only, so a chunk
    OpenRath's writer accepted but no reader can use (a payload that is not an object)
    shows only here. Every file of the row that is a session file is parsed whole.
    """
    if info.state is SessionState.CORRUPT:
        return info.error or f"{info.path}: cannot be read"
    adapter = get_adapter(info.format)
    for path in session_paths(info):
        if path != Path(info.path) and not adapter.claims(path):
            continue  # a sidecar, not a transcript
        if not path.is_file():
            continue
        try:
            adapter.load_chunks(path)
        except PersistenceError as exc:
            return str(exc)
        except OSError as exc:
            return f"{path}: {exc.strerror or exc}"
    return None


def plan_prune(
    sessions: Iterable[SessionInfo],
    *,
    older_than: timedelta,
    by: str = "created",
    states: Iterable[SessionState | str] = PRUNABLE,
    now: datetime | None = None,
    check_parse: bool = True,
) -> PrunePlan:
    """Sessions older than the cutoff in the chosen states; never running or unparseable ones.

    `check_parse=False` leaves parsing to `execute_prune` (which always checks): for a
    preview redrawn on every keystroke, which must not read whole files.
    """
    if by not in ("created", "updated"):
        raise ValueError(f"invalid --by {by!r}: use created or updated")
    wanted = frozenset(SessionState(s) for s in states) & PRUNABLE
    cutoff = (now or datetime.now(UTC)) - older_than
    chosen = []
    for info in sessions:
        if info.state not in wanted:
            continue
        when = info.created_at if by == "created" else info.updated_at
        if when is None or when >= cutoff:
            continue
        chosen.append(info)
    chosen.sort(key=lambda s: s.created_at or cutoff)
    unparseable: list[tuple[SessionInfo, str]] = []
    if check_parse:
        problems = [(info, parse_problem(info)) for info in chosen]
        chosen = [info for info, problem in problems if problem is None]
        unparseable = [(info, f"cannot be parsed: {p}") for info, p in problems if p is not None]
    return PrunePlan(tuple(chosen), older_than, by, wanted, tuple(unparseable))


def execute_prune(
    plan: PrunePlan,
    *,
    purge: bool = False,
    trash_dir: Path | None = None,
    roots: Sequence[Path] | None = None,
) -> tuple[list[TrashEntry], list[tuple[SessionInfo, str]]]:
    """Remove the planned sessions, re-checking each right before acting.

    A session that started running again, whose file changed state since the plan,
    or a file of which cannot be parsed, is skipped with the reason (the plan's
    `unparseable` sessions are reported as skipped too).
    """
    done: list[TrashEntry] = []
    skipped: list[tuple[SessionInfo, str]] = list(plan.unparseable)
    for info in plan.sessions:
        adapter = get_adapter(info.format)
        try:
            st = os.stat(info.path)
        except OSError:
            skipped.append((info, "file is gone"))
            continue
        fresh = adapter.apply_liveness(adapter.read_facts(Path(info.path), st), st, LivenessProbe())
        if fresh.state not in plan.states:
            skipped.append((info, f"now {fresh.state.value}: {fresh.state_reason}"))
            continue
        fresh = replace(fresh, files=info.files, qualifier=info.qualifier)  # the row's files
        problem = parse_problem(fresh)
        if problem is not None:
            skipped.append((info, f"cannot be parsed: {problem}"))
            continue
        try:
            done.append(delete_session(fresh, purge=purge, trash_dir=trash_dir, roots=roots))
        except PersistenceError as exc:
            skipped.append((info, str(exc)))
    return done, skipped


# ------------------------------------------------------------------ resume


def resume_plan(info: SessionInfo, templates: dict[str, str] | None = None) -> ResumePlan:
    """The configured command for the session's format, or the agent's own way to resume.

    The adapter sees the session's absolute path: the plan runs in another directory
    (the session's, or the agent's workspace) and may be printed for the user to paste
    anywhere, so a `--dir` given relative must not stay relative in it."""
    adapter = get_adapter(info.format)
    template = (templates or {}).get(info.format)
    return adapter.resume_plan(replace(info, path=os.path.abspath(info.path)), template)


def run_resume(plan: ResumePlan, *, stderr_tail: list[str] | None = None) -> int:
    """Run a resume command in the session's directory; returns its exit status.

    With `stderr_tail`, the command's error output still reaches the terminal as it
    comes, and its last STDERR_TAIL lines are left in the list: once the app is back
    on screen, a failure can say why (e.g. `sh: 1: claude: not found`).
    """
    if plan.command is None:
        raise PersistenceError("no resume command configured for this session")
    env = {**os.environ, **plan.env}
    cwd = plan.cwd if plan.cwd and os.path.isdir(plan.cwd) else None
    if stderr_tail is None:
        return subprocess.call(plan.command, shell=True, cwd=cwd, env=env)
    import collections
    import sys

    tail: collections.deque[str] = collections.deque(maxlen=STDERR_TAIL)
    with subprocess.Popen(
        plan.command, shell=True, cwd=cwd, env=env, stderr=subprocess.PIPE
    ) as proc:
        assert proc.stderr is not None
        for raw in proc.stderr:
            sys.stderr.buffer.write(raw)
            sys.stderr.flush()
            tail.append(raw.decode("utf-8", "replace").rstrip("\r\n"))
        status = proc.wait()
    stderr_tail[:] = list(tail)
    return status


#: How many lines of a failed resume command's error output the app shows.
STDERR_TAIL = 8
