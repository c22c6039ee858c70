"""Claude Code adapter: facts, transcript, liveness, resume, delete, tail."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from formats_helpers import (
    claude_envelope,
    claude_records,
    claude_registry,
    copy_fixture,
    dead_pid,
    make_claude,
    write_jsonl,
)

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.index import SessionIndex
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionState
from sessionview.store.roots import Root
from sessionview.store.tail import TailReader

SID = "5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8"
A = get_adapter("claude")


def facts(path: Path):
    st = os.stat(path)
    return A.apply_liveness(A.read_facts(path, st), st, LivenessProbe())


def test_example_fixture(tmp_path: Path) -> None:
    root = copy_fixture("claude", tmp_path / "claude")
    (root / "sessions" / "48213.json").unlink()  # pid 48213 may exist on this machine
    path = root / "projects" / "-home-alice-src-app" / f"{SID}.jsonl"
    info = facts(path)
    assert info.id == SID
    assert info.title == "verbose flag"  # the custom title beats the summary
    assert info.state is SessionState.CLOSED and info.state_reason == "ended"
    assert info.chunks == 4  # the transcript's blocks: prompt, assistant, tool result, assistant
    assert info.usage == {
        "input_tokens": 42,
        "output_tokens": 135,
        "cache_read_input_tokens": 20048,
        "cache_creation_input_tokens": 2048,
        "total_tokens": 42 + 135 + 20048 + 2048,
    }
    assert info.created_at == datetime(2026, 3, 2, 9, 15, 4, 120000, tzinfo=UTC)
    assert info.updated_at == datetime(2026, 3, 2, 9, 15, 12, 900000, tzinfo=UTC)
    assert info.cwd == "/home/alice/src/app"
    assert info.extra["branch"] == "main" and info.extra["model"] == "claude-sonnet-4-5"
    kinds = [c.kind for c in A.load_chunks(path)]
    assert kinds == ["user", "assistant", "tool_result", "assistant"]


def test_facts_realistic_session(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555555"
    path = make_claude(tmp_path / ".claude", sid)
    info = facts(path)
    assert info.title == "Verbose flag for the CLI"  # ai-title beats summary, no custom title
    assert info.extra["preview"] == "Add a --verbose flag to cli.py"
    # One definition of a chunk (issue 11 item 6): the transcript's blocks, as `show` prints them
    assert info.chunks == len(A.load_chunks(path)) == 7
    assert info.extra["preview"] and info.title  # command and isMeta lines are not prompts
    # msg_01A spans two lines with the same usage: counted once
    assert info.usage["input_tokens"] == 42 and info.usage["output_tokens"] == 135
    assert info.usage["cache_read_input_tokens"] == 20048
    assert info.extra["model"] == "claude-opus-4-1"
    assert info.created_at.tzinfo is not None and info.created_at.utcoffset().total_seconds() == 0
    assert info.created_at == datetime(2026, 3, 2, 9, 15, 0, tzinfo=UTC)


def test_title_fallbacks(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555556"
    recs = [r for r in claude_records(sid) if r.get("type") not in ("ai-title", "summary")]
    assert facts(make_claude(tmp_path, sid, records=recs)).title == "Add a --verbose flag to cli.py"
    recs2 = [r for r in claude_records(sid) if r.get("type") != "ai-title"]
    recs2 += [
        {"type": "custom-title", "customTitle": "old", "sessionId": sid},
        {"type": "custom-title", "customTitle": "newest", "sessionId": sid},
    ]
    assert facts(make_claude(tmp_path / "b", sid, records=recs2)).title == "newest"
    long_prompt = "word " * 100
    recs3 = [
        r
        for r in claude_records(sid, prompt=long_prompt)
        if r.get("type") not in ("ai-title", "summary")
    ]
    title = facts(make_claude(tmp_path / "c", sid, records=recs3)).title
    assert len(title) <= 120 and title.endswith("…")


def test_transcript_chunks(tmp_path: Path) -> None:
    path = make_claude(tmp_path, "11111111-2222-4333-8444-555555555557")
    chunks = A.load_chunks(path)
    kinds = [c.kind for c in chunks]
    assert kinds == ["user", "system", "user", "assistant", "assistant", "tool_result", "assistant"]
    assert chunks[0].payload["content"].startswith("<command-name>")
    assert chunks[3].payload["content"] == "[thinking] Read the file first."
    call = chunks[4].payload["tool_calls"][0]
    assert call["function"]["name"] == "Read" and call["type"] == "function"
    assert json.loads(call["function"]["arguments"]) == {"file_path": "/home/alice/src/app/cli.py"}
    assert chunks[5].payload == {
        "tool_call_id": "toolu_01",
        "name": "Read",
        "content": "import argparse\n",
    }
    assert chunks[6].payload == {"content": "Added --verbose; it sets DEBUG.", "tool_calls": None}
    assert [c.index for c in chunks] == list(range(len(chunks)))
    assert chunks[2].raw["uuid"] == "u1"
    assert chunks[2].timestamp == datetime(2026, 3, 2, 9, 15, 4, 120000, tzinfo=UTC)


def test_torn_garbage_unknown_and_huge_lines(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555558"
    huge = claude_envelope(
        sid,
        "user",
        "h1",
        "u2",
        "2026-03-02T09:16:00.000Z",
        message={
            "role": "user",
            "content": [
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "x" * (5 << 20)}
            ],
        },
    )
    recs = claude_records(sid) + [
        b"{not json",
        b"\xff\xfe garbage",
        huge,
        {"type": "future-type", "a": 1},
    ]
    path = make_claude(
        tmp_path, sid, records=recs, torn=b'{"type":"user","message":{"content":"\xc3'
    )
    info = facts(path)
    assert info.state is SessionState.CLOSED
    assert info.extra["bad_lines"] == 2 and "2 unreadable line(s) skipped" in info.state_reason
    assert info.chunks == len(A.load_chunks(path)) == 8
    chunks = A.load_chunks(path)
    assert chunks[-1].kind == "tool_result" and len(chunks[-1].payload["content"]) == 5 << 20


def test_possibly_interrupted(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555559"
    recs = claude_records(sid)[:6]  # ends on a tool_use without its result
    info = facts(make_claude(tmp_path / "a", sid, records=recs))
    assert info.state is SessionState.CLOSED
    assert "possibly interrupted" in info.state_reason and "tool call" in info.state_reason
    recs = claude_records(sid)[:4]  # ends on a prompt
    info = facts(make_claude(tmp_path / "b", sid, records=recs))
    assert "the last prompt has no reply" in info.state_reason


def test_liveness_registry(tmp_path: Path) -> None:
    root = tmp_path / ".claude"
    sid = "11111111-2222-4333-8444-55555555555a"
    path = make_claude(root, sid)
    reg = claude_registry(root, os.getpid(), sid, status="busy")
    info = facts(path)
    assert info.state is SessionState.RUNNING and "a turn is running" in info.state_reason
    assert A.is_live(info)[0] is True
    reg.unlink()
    claude_registry(root, dead_pid(), sid)
    assert facts(path).state is SessionState.CLOSED
    # a running row whose process died goes back to closed (as recheck_liveness sees it)
    st = os.stat(path)
    again = A.apply_liveness(info, st, LivenessProbe())
    assert again.state is SessionState.CLOSED and again.state_reason == "ended"
    # a parked job's record is not the session's holder
    claude_registry(root, os.getpid(), sid, parkedJobId="job-1")
    assert facts(path).state is SessionState.CLOSED


def test_index_sees_a_session_start_and_stop_without_file_change(tmp_path: Path) -> None:
    root = tmp_path / ".claude"
    sid = "11111111-2222-4333-8444-55555555555b"
    make_claude(root, sid)
    index = SessionIndex([Root(root / "projects", "claude")], cache_path=tmp_path / "c.json")
    assert index.scan()[0].state is SessionState.CLOSED
    reg = claude_registry(root, os.getpid(), sid)
    index2 = SessionIndex([Root(root / "projects", "claude")], cache_path=tmp_path / "c.json")
    assert index2.scan()[0].state is SessionState.RUNNING  # from the cache, liveness fresh
    reg.unlink()
    changed = index2.recheck_liveness()
    assert [c.state for c in changed] == [SessionState.CLOSED]


def test_vanishing_file(tmp_path: Path) -> None:
    path = make_claude(tmp_path, "11111111-2222-4333-8444-55555555555c")
    st = os.stat(path)
    path.unlink()
    info = A.read_facts(path, st)
    assert info.state is SessionState.CORRUPT and "cannot read" in info.error
    with pytest.raises(PersistenceError):
        A.load_chunks(path)


def test_resume_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = "11111111-2222-4333-8444-55555555555d"
    default_root = Path.home() / ".claude"
    info = facts(make_claude(default_root, sid, cwd="/home/alice/my app"))
    plan = A.resume_plan(info, None)
    assert plan.command == f"claude --resume {sid}" and plan.cwd == "/home/alice/my app"
    assert plan.env == {}
    assert plan.display() == f"cd '/home/alice/my app' && claude --resume {sid}"
    other = tmp_path / "alt-claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(other))
    info2 = facts(make_claude(other, sid))
    plan2 = A.resume_plan(info2, None)
    assert plan2.env == {"CLAUDE_CONFIG_DIR": str(other)}
    assert (
        plan2.display()
        == f"cd /home/alice/src/app && CLAUDE_CONFIG_DIR={other} claude --resume {sid}"
    )
    custom = A.resume_plan(info2, "myclaude -r {id} --in {cwd}")
    assert custom.configured and custom.command == f"myclaude -r {sid} --in /home/alice/src/app"


def test_session_files_for_delete(tmp_path: Path) -> None:
    root = tmp_path / ".claude"
    sid = "11111111-2222-4333-8444-55555555555e"
    path = make_claude(root, sid)
    proj = path.parent
    (proj / sid / "subagents").mkdir(parents=True)
    (proj / sid / "subagents" / "agent-x.jsonl").write_text("{}\n")
    write_jsonl(proj / "agent-abc.jsonl", [{"type": "user", "sessionId": sid, "isSidechain": True}])
    write_jsonl(proj / "agent-other.jsonl", [{"type": "user", "sessionId": "someone-else"}])
    for rel in (f"file-history/{sid}/a", f"session-env/{sid}/b", f"tasks/{sid}/c"):
        (root / rel).parent.mkdir(parents=True)
        (root / rel).write_text("x")
    (root / "debug").mkdir()
    (root / "debug" / f"{sid}.txt").write_text("log")
    (root / "todos").mkdir()
    (root / "todos" / f"{sid}-agent-{sid}.json").write_text("[]")
    (root / "todos" / "other-agent-1.json").write_text("[]")
    (root / "history.jsonl").write_text("{}\n")
    files = A.session_files(facts(path))
    expected = {
        path,
        proj / sid,
        proj / "agent-abc.jsonl",
        root / "file-history" / sid,
        root / "session-env" / sid,
        root / "tasks" / sid,
        root / "debug" / f"{sid}.txt",
        root / "todos" / f"{sid}-agent-{sid}.json",
    }
    assert set(files) == expected and files[0] == path
    assert root / "history.jsonl" not in files
    # only what exists
    bare = make_claude(tmp_path / "bare", sid)
    assert A.session_files(facts(bare)) == [bare]


def test_legacy_agent_files_are_children_of_their_session(tmp_path: Path) -> None:
    root = tmp_path / ".claude"
    sid = "11111111-2222-4333-8444-55555555555f"
    path = make_claude(root, sid)
    write_jsonl(
        path.parent / "agent-1234abcd.jsonl",
        [{"type": "user", "sessionId": sid, "isSidechain": True}],
    )
    rows = SessionIndex([Root(root / "projects", "claude")], use_cache=False).scan()
    by_name = {Path(r.path).name: r for r in rows}
    assert set(by_name) == {path.name, "agent-1234abcd.jsonl"}
    assert by_name["agent-1234abcd.jsonl"].parents == (sid,)
    assert by_name[path.name].parents == ()


def test_tail_reader_and_chunks_from_records(tmp_path: Path) -> None:
    sid = "11111111-2222-4333-8444-555555555560"
    recs = claude_records(sid)
    path = make_claude(tmp_path, sid, records=recs[:4])
    reader = TailReader(path)
    first = A.chunks_from_records(reader.read().records, 0)
    assert [c.kind for c in first] == ["user", "system", "user"]
    with open(path, "ab") as fh:
        for rec in recs[4:]:
            fh.write(json.dumps(rec).encode() + b"\n")
        fh.write(b'{"type":"user"')  # torn: held back
    more = A.chunks_from_records(reader.read().records, len(first))
    assert [c.kind for c in more] == ["assistant", "assistant", "tool_result", "assistant"]
    assert more[0].index == 3 and more[2].payload["name"] == "Read"


def _has_tool_result(rec: dict) -> bool:
    content = (rec.get("message") or {}).get("content")
    return isinstance(content, list) and any(b.get("type") == "tool_result" for b in content)


def test_tool_name_carries_from_the_full_load_to_the_tail(tmp_path: Path) -> None:
    """The call is read by `load_chunks`, its result later by a tail reader: the
    caller's state carries the tool's name over (it used to live on the adapter)."""
    sid = "11111111-2222-4333-8444-555555555561"
    recs = claude_records(sid)
    cut = next(i for i, r in enumerate(recs) if _has_tool_result(r))
    path = make_claude(tmp_path, sid, records=recs[:cut])
    state = A.new_state()
    loaded = A.load_chunks(path, state=state)
    reader = TailReader(path, offset=path.stat().st_size)
    with open(path, "ab") as fh:
        fh.write(json.dumps(recs[cut]).encode() + b"\n")
    records = reader.read().records
    (result,) = [c for c in A.chunks_from_records(records, len(loaded), state)]
    assert result.kind == "tool_result" and result.payload["name"] == "Read"
    assert result.index == len(loaded)
    # The adapter itself remembers nothing: without the state the name is unknown.
    assert A.chunks_from_records(records, 0)[0].payload["name"] == ""


def test_interleaved_sessions_keep_their_own_tool_names() -> None:
    """Two sessions (two threads' readers) with the same call id decoded turn about."""

    def call(name: str) -> dict:
        block = {"type": "tool_use", "id": "toolu_same", "name": name, "input": {}}
        return {"type": "assistant", "message": {"role": "assistant", "content": [block]}}

    result = {
        "type": "user",
        "message": {
            "role": "user",
            "content": [{"type": "tool_result", "tool_use_id": "toolu_same", "content": "ok"}],
        },
    }
    a, b = A.new_state(), A.new_state()
    A.chunks_from_records([call("Read")], 0, a)
    A.chunks_from_records([call("Bash")], 0, b)
    assert A.chunks_from_records([result], 1, a)[0].payload["name"] == "Read"
    assert A.chunks_from_records([result], 1, b)[0].payload["name"] == "Bash"
