"""JSON snapshot ("SessionData") adapter."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from formats_helpers import copy_fixture, make_snapshot, snapshot_doc

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.index import SessionIndex
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionState
from sessionview.store.roots import Root

A = get_adapter("snapshot")


def facts(path: Path):
    st = os.stat(path)
    return A.apply_liveness(A.read_facts(path, st), st, LivenessProbe())


def test_example_fixture_found_from_the_workspace(tmp_path: Path) -> None:
    ws = copy_fixture("snapshot", tmp_path / "sd") / "workspace"
    for p in ws.rglob("*.json"):
        os.utime(p, (1_700_000_000, 1_700_000_000))
    rows = SessionIndex([Root(ws, "snapshot")], use_cache=False).scan()  # probes .sessions/
    assert len(rows) == 1
    info = rows[0]
    assert info.id == "a1b2c3d4e5f6_20260302_091504" and info.state is SessionState.CLOSED
    assert info.title == "Explain the build script." and info.chunks == 2
    assert info.usage == {"prompt_tokens": 640, "completion_tokens": 42, "total_tokens": 682}
    # naive times in this format are UTC: created_at equals the UTC start in the id
    assert info.created_at == datetime(2026, 3, 2, 9, 15, 4, 120331, tzinfo=UTC)
    assert info.cwd == "/home/alice/src/app" and info.extra["model"] == "gpt-4o-mini"


def test_facts_chunks_and_usage_names(tmp_path: Path) -> None:
    p = make_snapshot(tmp_path)
    info = facts(p)
    assert info.chunks == 5 and info.title == "Explain the build script."
    assert info.usage == {"prompt_tokens": 640, "completion_tokens": 42, "total_tokens": 682}
    chunks = A.load_chunks(p)
    assert [c.kind for c in chunks] == ["system", "user", "assistant", "tool_result", "assistant"]
    assert chunks[2].payload["tool_calls"][0]["function"]["name"] == "read"
    assert chunks[3].payload == {"tool_call_id": "c1", "name": "read", "content": "ruff; pytest"}


def test_running_only_when_just_saved(tmp_path: Path) -> None:
    p = make_snapshot(tmp_path)
    assert facts(p).state is SessionState.CLOSED
    os.utime(p)  # saved now
    info = facts(p)
    assert info.state is SessionState.RUNNING
    os.utime(p, (1_700_000_000, 1_700_000_000))
    assert A.apply_liveness(info, os.stat(p), LivenessProbe()).state is SessionState.CLOSED


def test_tmp_is_not_a_session_and_bad_files_are_corrupt(tmp_path: Path) -> None:
    p = make_snapshot(tmp_path)
    p.with_suffix(".tmp").write_text('{"half": ')
    (tmp_path / "bbbbbbbbbbbb_20260302_091504.json").write_text('{"session_id": "x", "messages": [')
    (tmp_path / "cccccccccccc_20260302_091504.json").write_text("[1, 2]")
    rows = {
        Path(r.path).name: r
        for r in SessionIndex([Root(tmp_path, "snapshot")], use_cache=False).scan()
    }
    assert set(rows) == {
        p.name,
        "bbbbbbbbbbbb_20260302_091504.json",
        "cccccccccccc_20260302_091504.json",
    }
    assert rows["bbbbbbbbbbbb_20260302_091504.json"].state is SessionState.CORRUPT
    assert "invalid JSON" in rows["bbbbbbbbbbbb_20260302_091504.json"].error
    assert rows["cccccccccccc_20260302_091504.json"].state is SessionState.CORRUPT
    with pytest.raises(PersistenceError):
        A.load_chunks(tmp_path / "bbbbbbbbbbbb_20260302_091504.json")
    assert A.session_files(rows[p.name]) == [p, p.with_suffix(".tmp")]


def test_huge_message_and_vanishing_file(tmp_path: Path) -> None:
    doc = snapshot_doc()
    doc["messages"].append({"role": "user", "content": "q" * (5 << 20)})
    p = make_snapshot(tmp_path, doc)
    assert facts(p).chunks == 6
    assert len(A.load_chunks(p)[-1].payload["content"]) == 5 << 20
    st = os.stat(p)
    p.unlink()
    assert A.read_facts(p, st).state is SessionState.CORRUPT
    with pytest.raises(PersistenceError):
        A.load_chunks(p)


def test_resume_plan(tmp_path: Path) -> None:
    info = facts(make_snapshot(tmp_path, snapshot_doc(workspace="/home/alice/my app")))
    plan = A.resume_plan(info, None)
    assert plan.command is None and plan.cwd == "/home/alice/my app"
    assert plan.snippet == "cd '/home/alice/my app' && $SHELL"
    assert "config.toml" in plan.hint
    custom = A.resume_plan(info, "agent --session {id}")
    assert custom.command == "agent --session a1b2c3d4e5f6_20260302_091504" and custom.configured
    assert custom.cwd == "/home/alice/my app"
