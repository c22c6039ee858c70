"""Files that change between the listing and the open: deleted, truncated, replaced
(by garbage, another session, a directory, a FIFO) or renamed (OpenRath's close).
Every reader either answers or raises one `PersistenceError` line; nothing else."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hostile_helpers import one_line_error, sv_inproc

from sessionview.store.actions import delete_session, execute_prune, plan_prune
from sessionview.store.errors import PersistenceError, SessionBusy
from sessionview.store.formats.openrath import OpenRathFormat
from sessionview.store.index import SessionIndex
from sessionview.store.index.walk_cache import WalkCache
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.tail import TailReader
from sessionview.store.writer import SessionWriter

AGENT = Path(__file__).with_name("agent_proc.py")
ADAPTER = OpenRathFormat()


def crashed(directory: Path, sid: str, chunks: int = 5, **kw) -> Path:
    """A partial file whose writer is gone (abandoned: no trailer, lock free)."""
    writer = SessionWriter(sid, directory=directory, **kw)
    for i in range(chunks):
        writer.append("user", {"content": f"chunk {i} 你好"})
    writer.abandon()
    return writer.partial_path


def mutate(path: Path, how: str, tmp: Path) -> None:
    other = tmp / "other.jsonl"
    if how == "delete":
        os.unlink(path)
    elif how == "truncate-0":
        os.truncate(path, 0)
    elif how == "truncate-mid":
        os.truncate(path, path.stat().st_size // 2 + 1)
    elif how == "grow":
        with open(path, "ab") as fh:
            fh.write(b'{"record_type": "chunk", "index": 9, "kind": "user", "payload": {}}\n')
    elif how == "replace-garbage":
        other.write_bytes(b"\x00garbage\xff\n")
        os.replace(other, path)
    elif how == "replace-session":
        w = SessionWriter("replacement", path=other)
        w.append("user", {"content": "a different session"})
        w.close()
        os.replace(other, path)
    elif how == "replace-dir":
        os.unlink(path)
        path.mkdir()
    elif how == "replace-fifo":
        os.unlink(path)
        os.mkfifo(path)
    elif how == "rename-final":
        os.replace(path, path.with_name(path.name.removesuffix(".__partial__")))
    else:  # pragma: no cover
        raise AssertionError(how)


MUTATIONS = [
    "delete",
    "truncate-0",
    "truncate-mid",
    "grow",
    "replace-garbage",
    "replace-session",
    "replace-dir",
    "replace-fifo",
    "rename-final",
]


@pytest.mark.parametrize("how", MUTATIONS)
def test_read_facts_and_load_chunks_after_the_listing(tmp_path: Path, how: str) -> None:
    sessions = tmp_path / "sessions"
    path = crashed(sessions, "race")
    stale = os.stat(path)  # what the listing saw
    mutate(path, how, tmp_path)
    info = ADAPTER.read_facts(path, stale)
    assert isinstance(info, SessionInfo)
    if info.state is SessionState.CORRUPT:
        assert info.error and "\n" not in info.error
    try:
        ADAPTER.load_chunks(path)
    except PersistenceError as exc:
        assert "\n" not in str(exc)
    index = SessionIndex([sessions], use_cache=False)
    rows = index.scan()
    assert all(isinstance(r, SessionInfo) for r in rows)
    if how == "rename-final":
        assert [(r.id, r.path.endswith(".jsonl")) for r in rows] == [("race", True)]


@pytest.mark.parametrize("how", ["delete", "rename-final", "replace-dir"])
def test_index_does_not_show_a_file_that_vanished_mid_read_as_corrupt(
    tmp_path: Path, how: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The index stats a file, then the writer closes (renames) it before the read:
    the row disappears (the watcher reports the new name), it does not turn corrupt."""
    sessions = tmp_path / "sessions"
    path = crashed(sessions, "vanish")
    original = OpenRathFormat.read_facts_row

    def racing(self, p, st):
        if p == str(path) and path.exists():
            mutate(path, how, tmp_path)
        return original(self, p, st)

    monkeypatch.setattr(OpenRathFormat, "read_facts_row", racing)
    index = SessionIndex([sessions], use_cache=False)
    rows = index.scan()
    if how == "replace-dir":
        assert [r.state for r in rows] == [SessionState.CORRUPT]  # it exists, as a directory
    else:
        assert rows == [] or all(r.state is not SessionState.CORRUPT for r in rows)
    assert index.refresh(path) is None or how == "replace-dir"


@pytest.mark.parametrize("as_json", [False, True])
@pytest.mark.parametrize("how", MUTATIONS)
def test_show_after_the_listing(
    tmp_path: Path, how: str, as_json: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    sessions = tmp_path / "sessions"
    path = crashed(sessions, "show-race")
    original = SessionIndex.resolve
    calls = []

    def racing(self, ident):
        info = original(self, ident)
        if not calls:
            mutate(path, how, tmp_path)
        calls.append(ident)
        return info

    monkeypatch.setattr(SessionIndex, "resolve", racing)
    run = sv_inproc("show", "--dir", str(sessions), "show-race", *(["--json"] if as_json else []))
    if how == "rename-final":
        assert run.returncode == 0, run.stderr  # found again under its new name
        assert "chunk 4 你好" in run.text
    elif (
        how in ("delete", "replace-garbage", "replace-dir", "replace-fifo", "truncate-0")
        or run.returncode
    ):
        one_line_error(run)


@pytest.mark.parametrize("how", MUTATIONS)
def test_tail_reader_after_some_reads(tmp_path: Path, how: str) -> None:
    sessions = tmp_path / "sessions"
    path = crashed(sessions, "tail-race")
    reader = TailReader(path)
    first = reader.read()
    assert len(first.records) == 6  # header + 5 chunks
    mutate(path, how, tmp_path)
    try:
        batch = reader.read()
    except PersistenceError as exc:
        assert how in ("replace-dir", "replace-fifo"), exc
        assert "\n" not in str(exc)
        return
    if how == "delete":
        assert batch.deleted
    elif how == "rename-final":
        assert not batch.reset and batch.records == [] and reader.path.name == "tail-race.jsonl"
    elif how == "grow":
        assert [r["index"] for r in batch.records] == [9] and not batch.reset
    elif how in ("truncate-0", "truncate-mid", "replace-garbage", "replace-session"):
        assert batch.reset
        if how == "replace-session":
            assert batch.records[0]["id"] == "replacement"


def test_tail_reader_replaced_by_same_size_file_is_a_known_limit(tmp_path: Path) -> None:
    """Documented limit: a file truncated and rewritten to at least the old size
    between two reads, on the same inode, cannot be told from an append. (A new inode,
    as `os.replace` gives, is detected.)"""
    path = crashed(tmp_path, "limit", chunks=1)
    reader = TailReader(path)
    reader.read()
    size = path.stat().st_size
    with open(path, "r+b") as fh:
        fh.write(b"x" * size + b'\n{"record_type": "chunk"}\n')
    batch = reader.read()
    assert not batch.reset  # not detectable without hashing what was read


def _reopen(final: Path, sid: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, str(AGENT), "reopen", str(final), sid],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdout.readline().strip() == "locked"
    return proc


def test_prune_skips_a_session_that_started_running_again(tmp_path: Path) -> None:
    """Between `plan_prune` and `execute_prune` a real writer re-opens the crashed
    partial file (takes its lock, appends): the session is skipped, never touched."""
    sessions = tmp_path / "sessions"
    old = datetime.now(UTC) - timedelta(days=30)
    partial = crashed(sessions, "comeback", created_at=old)
    control = crashed(sessions, "stays-dead", created_at=old)
    index = SessionIndex([sessions], use_cache=False)
    plan = plan_prune(index.scan(), older_than=timedelta(days=1))
    assert sorted(s.id for s in plan.sessions) == ["comeback", "stays-dead"]
    writer = _reopen(partial.with_name("comeback.jsonl"), "comeback")
    try:
        before = partial.read_bytes()
        done, skipped = execute_prune(plan, trash_dir=tmp_path / "trash", roots=[sessions])
        assert [e.id for e in done] == ["stays-dead"]
        assert [(s.id, why.split(":")[0]) for s, why in skipped] == [("comeback", "now running")]
        assert partial.read_bytes() == before
        assert not control.exists()
        # The writer never noticed: it appends and closes normally.
        assert writer.stdin is not None and writer.stdout is not None
        writer.stdin.write("more\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "appended"
        writer.stdin.write("close\n")
        writer.stdin.flush()
        assert writer.stdout.readline().strip() == "closed"
        assert writer.wait(10) == 0
    finally:
        writer.kill()
        writer.wait()
    final = sessions / "comeback.jsonl"
    assert final.exists() and b"resumed 100" in final.read_bytes()


def test_delete_refuses_a_session_that_started_running_again(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    partial = crashed(sessions, "again")
    index = SessionIndex([sessions], use_cache=False)
    index.scan()
    info = index.resolve("again")
    assert info.state is SessionState.CRASHED
    writer = _reopen(partial.with_name("again.jsonl"), "again")
    try:
        with pytest.raises(SessionBusy) as exc:
            delete_session(info, trash_dir=tmp_path / "trash", roots=[sessions])
        assert "running" in str(exc.value)
        assert partial.exists()
        run = sv_inproc("rm", "--dir", str(sessions), "again")
        assert "running" in one_line_error(run)
        assert partial.exists()
    finally:
        assert writer.stdin is not None
        writer.stdin.write("close\n")
        writer.stdin.flush()
        writer.wait(10)


@pytest.mark.parametrize("streaming", [False, True])
def test_a_session_closed_between_the_walk_and_the_stat_is_listed_by_its_final_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, streaming: bool
) -> None:
    """The walk saw `<id>.jsonl.__partial__`; the writer closes (renames it) before the
    stat: the session must still be listed, as `<id>.jsonl`, not vanish."""
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    writer = SessionWriter(directory=sessions)
    writer.append("user", {"content": "almost done"})
    original = WalkCache.walk_root

    def walk_then_close(self, root, problems):
        walked = original(self, root, problems)
        if not writer.path.exists():
            writer.close()
        return walked

    monkeypatch.setattr(WalkCache, "walk_root", walk_then_close)
    index = SessionIndex([sessions], use_cache=False)
    batches: list[int] = []
    rows = index.scan(on_batch=(lambda b: batches.append(len(b))) if streaming else None)
    assert [(r.id, r.state, Path(r.path).name) for r in rows] == [
        (writer.session_id, SessionState.CLOSED, writer.path.name)
    ]
    assert not streaming or sum(batches) == 1
