"""Codex adapter: facts, titles from session_index.jsonl, transcript, liveness, resume, tail."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from formats_helpers import codex_line, codex_records, copy_fixture, make_codex, write_jsonl

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.index import SessionIndex
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionState
from sessionview.store.roots import Root
from sessionview.store.tail import TailReader

A = get_adapter("codex")
SID = "0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"


def facts(path: Path):
    st = os.stat(path)
    return A.apply_liveness(A.read_facts(path, st), st, LivenessProbe())


def test_example_fixture(tmp_path: Path) -> None:
    home = copy_fixture("codex", tmp_path / "codex")
    rows = SessionIndex([Root(home / "sessions", "codex")], use_cache=False).scan()
    assert len(rows) == 1
    info = rows[0]
    assert info.id == SID and info.title == "verbose flag"
    assert info.state is SessionState.CLOSED
    # One definition of a chunk (issue 11 item 6): the transcript's blocks
    assert info.chunks == 4
    assert info.usage["total_tokens"] == 5622 and info.usage["cached_input_tokens"] == 3072
    assert info.created_at == datetime(2026, 3, 2, 9, 15, 4, 498000, tzinfo=UTC)
    assert info.updated_at == datetime(2026, 3, 2, 9, 15, 20, 950000, tzinfo=UTC)
    assert info.cwd == "/home/alice/src/app" and info.extra["branch"] == "main"
    assert info.extra["model"] == "gpt-5-codex"
    chunks = A.load_chunks(Path(info.path))
    assert [c.kind for c in chunks] == ["user", "assistant", "tool_result", "assistant"]


def test_facts_and_session_index(tmp_path: Path) -> None:
    home = tmp_path / ".codex"
    sid = "01999999-0000-7000-8000-000000000001"
    path = make_codex(home, sid)
    info = facts(path)
    assert info.id == sid
    assert info.title == "Add a --verbose flag"  # no index entry: the first user_message
    assert info.chunks == len(A.load_chunks(path))
    assert info.usage == {
        "input_tokens": 5210,
        "cached_input_tokens": 3072,
        "output_tokens": 412,
        "reasoning_output_tokens": 256,
        "total_tokens": 5622,
    }
    assert info.extra["model"] == "gpt-5.1-codex"  # the last turn_context
    assert info.extra["branch"] == "feature/x"
    assert info.state is SessionState.CLOSED and info.state_reason == "ended"
    index = home / "session_index.jsonl"
    write_jsonl(
        index,
        [
            {"id": sid, "thread_name": "first name", "updated_at": "2026-03-02T09:16:00Z"},
            {"id": "someone-else", "thread_name": "x", "updated_at": "2026-03-02T09:16:00Z"},
            {"id": sid, "thread_name": "renamed", "updated_at": "2026-03-02T09:17:00Z"},
        ],
        torn=b'{"id": "',
    )
    assert facts(path).title == "renamed"  # the last entry wins
    # The rename shows through the index cache although the rollout did not change.
    cache = tmp_path / "cache.json"
    assert (
        SessionIndex([Root(home / "sessions", "codex")], cache_path=cache).scan()[0].title
        == "renamed"
    )
    with open(index, "a") as fh:  # the torn line becomes garbage and is skipped
        fh.write("\n" + json.dumps({"id": sid, "thread_name": "third"}) + "\n")
    assert (
        SessionIndex([Root(home / "sessions", "codex")], cache_path=cache).scan()[0].title
        == "third"
    )


def test_transcript_has_no_doubles(tmp_path: Path) -> None:
    path = make_codex(tmp_path, "01999999-0000-7000-8000-000000000002")
    chunks = A.load_chunks(path)
    assert [c.kind for c in chunks] == ["user", "assistant", "tool_result", "assistant"]
    assert chunks[0].payload == {"content": "Add a --verbose flag"}
    call = chunks[1].payload["tool_calls"][0]
    assert call == {
        "id": "call_abc",
        "type": "function",
        "function": {"name": "shell", "arguments": '{"command":["rg","argparse"]}'},
    }
    assert chunks[2].payload == {
        "tool_call_id": "call_abc",
        "name": "shell",
        "content": "3:import argparse\n",
    }
    assert chunks[3].payload == {"content": "Added --verbose.", "tool_calls": None}
    assert chunks[0].timestamp == datetime(2026, 3, 2, 9, 15, 9, 4000, tzinfo=UTC)


def test_old_rollout_without_events_uses_response_items(tmp_path: Path) -> None:
    sid = "01999999-0000-7000-8000-000000000003"
    recs = [r for r in codex_records(sid) if r["type"] != "event_msg"]
    chunks = A.load_chunks(make_codex(tmp_path, sid, records=recs))
    assert [c.kind for c in chunks] == ["user", "assistant", "tool_result", "assistant"]
    assert chunks[0].payload["content"] == "Add a --verbose flag"  # environment_context skipped


def test_torn_garbage_unknown_and_huge_lines(tmp_path: Path) -> None:
    sid = "01999999-0000-7000-8000-000000000004"
    huge = codex_line(
        "2026-03-02T09:16:00.000Z",
        "response_item",
        {"type": "function_call_output", "call_id": "call_abc", "output": "y" * (5 << 20)},
    )
    recs = codex_records(sid) + [
        b"garbage{",
        huge,
        {"weird": True},
        codex_line("2026-03-02T09:17:00Z", "future_variant", {"a": 1}),
    ]
    path = make_codex(
        tmp_path,
        sid,
        records=recs,
        torn=b'{"timestamp":"2026-03-02T09:18:00Z","type":"event_msg","payload":{"type":"user_message","message":"\xe2\x82',
    )
    info = facts(path)
    assert info.chunks == len(A.load_chunks(path)) and info.extra["bad_lines"] == 1
    assert info.updated_at == datetime(2026, 3, 2, 9, 17, tzinfo=UTC)
    assert "1 unreadable line(s) skipped" in info.state_reason
    chunks = A.load_chunks(path)
    assert len(chunks[-1].payload["content"]) == 5 << 20


def test_interrupted_heuristic(tmp_path: Path) -> None:
    sid = "01999999-0000-7000-8000-000000000005"
    recs = codex_records(sid)[:6]  # ends after a user_message
    info = facts(make_codex(tmp_path / "a", sid, records=recs))
    assert info.state is SessionState.CLOSED and "interrupted" in info.state_reason
    recs = codex_records(sid) + [
        codex_line(
            "2026-03-02T09:16:00Z", "event_msg", {"type": "turn_aborted", "reason": "interrupted"}
        )
    ]
    info = facts(make_codex(tmp_path / "b", sid, records=recs))
    assert "a turn was aborted" in info.state_reason


def test_liveness_open_file_in_a_subprocess(tmp_path: Path) -> None:
    path = make_codex(tmp_path / ".codex", "01999999-0000-7000-8000-000000000006")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # The scenario: a process holding the rollout open (killed by the test).
            "import sys, time\nf = open(sys.argv[1], 'a')\nprint('open', flush=True)\ntime.sleep(60)",
            str(path),
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert holder.stdout.readline().strip() == b"open"
        info = facts(path)
        assert info.state is SessionState.RUNNING, info.state_reason
        assert A.is_live(info)[0] is True
    finally:
        holder.kill()
        holder.wait()
    again = A.apply_liveness(info, os.stat(path), LivenessProbe())
    assert again.state is SessionState.CLOSED and again.state_reason == "ended"


def test_date_folders_and_archive_are_walked(tmp_path: Path) -> None:
    home = tmp_path / ".codex"
    a = make_codex(home, "01999999-0000-7000-8000-000000000007", day="2025/12/31")
    b = make_codex(home, "01999999-0000-7000-8000-000000000008", day="2026/01/02")
    c = make_codex(home, "01999999-0000-7000-8000-000000000009", archived=True)
    (home / "sessions" / "2026" / "notes.txt").write_text("x")
    found = set(A.iter_files(home / "sessions")) | set(A.iter_files(home / "archived_sessions"))
    assert found == {a, b, c}
    info = facts(c)
    assert info.extra["archived"] is True


def test_vanishing_file(tmp_path: Path) -> None:
    path = make_codex(tmp_path, "01999999-0000-7000-8000-00000000000a")
    st = os.stat(path)
    path.unlink()
    assert A.read_facts(path, st).state is SessionState.CORRUPT
    with pytest.raises(PersistenceError):
        A.load_chunks(path)


def test_resume_plan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sid = "01999999-0000-7000-8000-00000000000b"
    info = facts(make_codex(Path.home() / ".codex", sid))
    plan = A.resume_plan(info, None)
    assert plan.command == f"codex -C /home/alice/src/app resume {sid}"
    assert plan.cwd == "/home/alice/src/app" and plan.env == {}
    other = tmp_path / "codex-home"
    monkeypatch.setenv("CODEX_HOME", str(other))
    info2 = facts(make_codex(other, sid, records=codex_records(sid, cwd="/srv/my app")))
    plan2 = A.resume_plan(info2, None)
    assert plan2.command == f"codex -C '/srv/my app' resume {sid}"
    assert plan2.env == {"CODEX_HOME": str(other)}
    assert A.session_files(info2) == [Path(info2.path)]


def test_tail_reader_and_chunks_from_records(tmp_path: Path) -> None:
    sid = "01999999-0000-7000-8000-00000000000c"
    recs = codex_records(sid)
    path = make_codex(tmp_path, sid, records=recs[:5])
    reader = TailReader(path)
    first = A.chunks_from_records(reader.read().records, 0)
    assert [c.kind for c in first] == ["user"]
    with open(path, "ab") as fh:
        for rec in recs[5:]:
            fh.write(json.dumps(rec).encode() + b"\n")
    more = A.chunks_from_records(reader.read().records, 1)
    assert [c.kind for c in more] == ["assistant", "tool_result", "assistant"]
    assert more[1].payload["name"] == "shell" and more[0].index == 1


def test_tool_name_carries_from_the_full_load_to_the_tail(tmp_path: Path) -> None:
    """The call is read by `load_chunks`, its output later by a tail reader: the
    caller's state carries the tool's name over (it used to live on the adapter)."""
    sid = "01999999-0000-7000-8000-00000000000d"
    recs = codex_records(sid)
    cut = next(i for i, r in enumerate(recs) if r["payload"].get("type") == "function_call_output")
    path = make_codex(tmp_path, sid, records=recs[:cut])
    state = A.new_state()
    loaded = A.load_chunks(path, state=state)
    reader = TailReader(path, offset=path.stat().st_size)
    with open(path, "ab") as fh:
        fh.write(json.dumps(recs[cut]).encode() + b"\n")
    records = reader.read().records
    (result,) = A.chunks_from_records(records, len(loaded), state)
    assert result.kind == "tool_result" and result.payload["name"] == "shell"
    # The adapter itself remembers nothing: without the state the name is unknown.
    assert A.chunks_from_records(records, 0)[0].payload["name"] == ""


def test_interleaved_sessions_keep_their_own_tool_names() -> None:
    def call(name: str) -> dict:
        payload = {"type": "function_call", "name": name, "arguments": "{}", "call_id": "c1"}
        return codex_line("2026-03-02T09:15:13.410Z", "response_item", payload)

    output = codex_line(
        "2026-03-02T09:15:13.620Z",
        "response_item",
        {"type": "function_call_output", "call_id": "c1", "output": "ok"},
    )
    a, b = A.new_state(), A.new_state()
    A.chunks_from_records([call("shell")], 0, a)
    A.chunks_from_records([call("apply_patch")], 0, b)
    assert A.chunks_from_records([output], 1, a)[0].payload["name"] == "shell"
    assert A.chunks_from_records([output], 1, b)[0].payload["name"] == "apply_patch"


def test_preview_finds_the_first_user_message(tmp_path: Path) -> None:
    """Codex's `user_message` events never contain the token `"user"`, which the
    preview used to require of a line before decoding it."""
    from sessionview.store.preview import load_preview

    home = copy_fixture("codex", tmp_path / "codex")
    (info,) = SessionIndex([Root(home / "sessions", "codex")], use_cache=False).scan()
    preview = load_preview(info)
    assert preview.error is None
    assert preview.first_user is not None and preview.first_user.kind == "user"
    assert preview.first_user.payload["content"] == "Add a --verbose flag to cli.py"
    assert [c.kind for c in preview.last] == ["assistant", "tool_result", "assistant"]


def test_listing_counts_the_chunks_show_prints_in_old_and_new_rollouts(tmp_path: Path) -> None:
    """One definition of a chunk (issue 11 item 6), also for rollouts without events and
    for lines whose payload type is not their first key (parsed instead of matched)."""
    sid = "01999999-0000-7000-8000-0000000000aa"
    ts = "2026-03-02T09:15:0{}Z"
    old = [
        codex_line(ts.format(0), "session_meta", {"id": sid, "timestamp": ts.format(0)}),
        codex_line(
            ts.format(1),
            "response_item",
            {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "<environment_context>x"}],
            },
        ),
        codex_line(
            ts.format(2),
            "response_item",
            {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "hi"}]},
        ),
        codex_line(
            ts.format(3),
            "response_item",
            {"name": "shell", "arguments": "{}", "call_id": "c1", "type": "function_call"},
        ),
        codex_line(
            ts.format(4),
            "response_item",
            {"type": "function_call_output", "call_id": "c1", "output": "ok"},
        ),
        codex_line(ts.format(5), "response_item", {"type": "reasoning", "summary": []}),
        codex_line(
            ts.format(6),
            "response_item",
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "done"}],
            },
        ),
        codex_line(ts.format(7), "compacted", {"message": "summary"}),
    ]
    path = make_codex(tmp_path / ".codex", sid, records=old)
    assert [c.kind for c in A.load_chunks(path)] == [
        "user",
        "assistant",
        "tool_result",
        "assistant",
        "system",
    ]
    assert facts(path).chunks == 5
    events = [
        *old,
        codex_line(ts.format(8), "event_msg", {"type": "user_message", "message": "again"}),
        codex_line(ts.format(9), "event_msg", {"type": "turn_aborted", "reason": "interrupted"}),
    ]
    path = make_codex(tmp_path / ".codex2", sid, records=events)
    chunks = A.load_chunks(path)
    assert [c.kind for c in chunks] == ["assistant", "tool_result", "system", "user", "system"]
    assert facts(path).chunks == len(chunks)
