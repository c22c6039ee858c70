"""Issue 11, items 1, 2 and 4, against files written by OpenRath's own `SessionWriter`.

A second, live writer on a closed id makes it running (and every action refuses it);
a closed file with a chunk no reader can use is never pruned; a crashed file whose
mtime is older than its header never shows activity before creation.
"""

from __future__ import annotations

import os
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from real_openrath import holding_writer, write

from sessionview.store import actions
from sessionview.store.errors import SessionBusy
from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo, SessionState


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _row(directory: Path, sid: str) -> SessionInfo:
    rows = [r for r in SessionIndex([directory], use_cache=False).scan() if r.id == sid]
    assert len(rows) == 1, rows
    return rows[0]


@pytest.fixture
def closed_id(tmp_path: Path) -> tuple[Path, str]:
    directory = tmp_path / "sessions"
    directory.mkdir()
    sid = str(uuid.uuid4())
    write("closed", directory, sid)
    return directory, sid


def test_a_second_live_writer_on_a_closed_id_is_listed_running(
    closed_id: tuple[Path, str],
) -> None:
    directory, sid = closed_id
    final = directory / f"{sid}.jsonl"
    partial = directory / f"{sid}.jsonl.__partial__"
    assert _row(directory, sid).state is SessionState.CLOSED
    with holding_writer(directory, sid):
        row = _row(directory, sid)
        assert row.state is SessionState.RUNNING  # running wins over closed
        assert row.path == str(partial)
        assert row.file_states == ((str(partial), "running"), (str(final), "closed"))
        index = SessionIndex([directory], use_cache=False)
        (listed,) = orjson.loads(index.scan_json())
        assert listed["id"] == listed["session_id"] == sid
        assert listed["files"] == [
            {"path": str(partial), "state": "running"},
            {"path": str(final), "state": "closed"},
        ]
    # The writer gone (killed): the final file is the row again, the partial crashed.
    row = _row(directory, sid)
    assert row.state is SessionState.CLOSED
    assert row.file_states == ((str(final), "closed"), (str(partial), "crashed"))


def test_every_action_refuses_while_any_file_is_live(
    closed_id: tuple[Path, str], tmp_path: Path
) -> None:
    directory, sid = closed_id
    stale = _row(directory, sid)  # listed closed, before the second writer started
    assert stale.state is SessionState.CLOSED
    trash = tmp_path / "trash"
    plan = actions.plan_prune(
        [stale], older_than=timedelta(hours=1), now=datetime.now(UTC) + timedelta(days=1)
    )
    assert [s.id for s in plan.sessions] == [sid]
    with holding_writer(directory, sid):
        before = _files(directory)
        assert len(before) == 2
        for info in (stale, _row(directory, sid)):
            with pytest.raises(SessionBusy, match="running"):
                actions.delete_session(info, trash_dir=trash, roots=[directory])
            with pytest.raises(SessionBusy, match="running"):
                actions.delete_session(info, purge=True, roots=[directory])
        done, skipped = actions.execute_prune(plan, trash_dir=trash, roots=[directory])
        assert done == [] and [s.id for s, _ in skipped] == [sid]
        assert "running" in skipped[0][1]
        assert _files(directory) == before
        assert not trash.exists() or not any(trash.iterdir())
        # `--force` is the one way past the rule.
    entry = actions.delete_session(stale, trash_dir=trash, roots=[directory])
    assert len(entry.files) == 2 and not any(directory.iterdir())


def test_refused_midway_puts_back_what_moved(
    closed_id: tuple[Path, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule runs again right before each file: a writer that appears after the first
    check (here: the first check is made to miss it) stops the delete at the partial
    file, and the final file already moved is put back."""
    directory, sid = closed_id
    stale = _row(directory, sid)
    real_check = actions.refuse_if_live
    calls: list[list[Path]] = []

    def first_check_misses(info: SessionInfo, files, *, whole: bool = True) -> None:
        calls.append(list(files))
        if len(calls) > 1:
            real_check(info, files, whole=whole)

    monkeypatch.setattr(actions, "refuse_if_live", first_check_misses)
    with holding_writer(directory, sid):
        before = _files(directory)
        with pytest.raises(SessionBusy, match="nothing was deleted"):
            actions.delete_session(stale, trash_dir=tmp_path / "trash", roots=[directory])
        # Every file at once, then the final file (not live: moved), then the partial.
        assert [len(c) for c in calls] == [2, 1, 1]
        assert _files(directory) == before


def test_prune_never_removes_a_file_that_cannot_be_parsed(tmp_path: Path) -> None:
    directory = tmp_path / "sessions"
    directory.mkdir()
    bad, good = str(uuid.uuid4()), str(uuid.uuid4())
    write("closed", directory, bad, "not-object")
    write("closed", directory, good)
    rows = SessionIndex([directory], use_cache=False).scan()
    assert {r.id: r.state for r in rows} == {bad: SessionState.CLOSED, good: SessionState.CLOSED}
    later = datetime.now(UTC) + timedelta(days=1)
    plan = actions.plan_prune(rows, older_than=timedelta(hours=1), now=later)
    assert [s.id for s in plan.sessions] == [good]
    assert [(s.id, "payload must be a JSON object" in why) for s, why in plan.unparseable] == [
        (bad, True)
    ]
    # A plan made without parsing (the TUI's live preview) is parsed when it runs.
    unchecked = actions.plan_prune(
        rows, older_than=timedelta(hours=1), now=later, check_parse=False
    )
    assert {s.id for s in unchecked.sessions} == {bad, good}
    done, skipped = actions.execute_prune(
        unchecked, trash_dir=tmp_path / "trash", roots=[directory]
    )
    assert [e.id for e in done] == [good]
    assert [s.id for s, _ in skipped] == [bad] and "cannot be parsed" in skipped[0][1]
    assert (directory / f"{bad}.jsonl").exists()


def test_a_crashed_session_shows_no_activity_before_its_creation(tmp_path: Path) -> None:
    directory = tmp_path / "sessions"
    directory.mkdir()
    sid = str(uuid.uuid4())
    write("crashed", directory, sid)
    partial = directory / f"{sid}.jsonl.__partial__"
    created = _row(directory, sid).created_at
    assert created is not None
    # A copy that kept an older mtime, a clock stepped back: the mtime predates the header.
    old = created.timestamp() - 3600
    os.utime(partial, (old, old))
    row = _row(directory, sid)
    assert row.state is SessionState.CRASHED
    assert row.updated_at == row.created_at == created
    (listed,) = orjson.loads(SessionIndex([directory], use_cache=False).scan_json())
    assert listed["updated_at"] == listed["created_at"]
    # The same rule for every record, whichever adapter built it.
    info = SessionInfo(
        "x", "claude", SessionState.CLOSED, "", "/x", created_at=created,
        updated_at=created - timedelta(days=1),
    )  # fmt: skip
    assert info.updated_at == created
