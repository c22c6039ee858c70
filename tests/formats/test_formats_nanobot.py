"""nanobot adapter: three layouts, keys, titles, states, corrupt lines, resume, delete."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from formats_helpers import copy_fixture, make_nanobot, nanobot_records, storage_key, write_jsonl

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.formats.nanobot import key_from_stem, local_time
from sessionview.store.index import SessionIndex
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import SessionState
from sessionview.store.roots import Root

A = get_adapter("nanobot")
WSID = "4f1c2a9e0b7d4c3e8a6f5d2b1c0e9a87"


def facts(path: Path):
    st = os.stat(path)
    return A.apply_liveness(A.read_facts(path, st), st, LivenessProbe())


def age(path: Path, seconds: float = 3600) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_example_fixtures(tmp_path: Path) -> None:
    base = copy_fixture("nanobot", tmp_path / "nb")
    roots = [
        Root(base / "main-config" / "sessions", "nanobot"),
        Root(base / "v0.2-workspace" / "sessions", "nanobot"),
    ]
    for p in base.rglob("*.jsonl"):
        age(p)
    rows = {r.id: r for r in SessionIndex(roots, use_cache=False).scan()}
    assert set(rows) == {"cli:direct", "telegram:12345"}
    main = rows["cli:direct"]
    assert main.state is SessionState.CRASHED and "interrupted turn" in main.state_reason
    assert main.title == "What changed in the repo since yesterday?"
    assert main.usage == {"prompt_tokens": 1502, "completion_tokens": 88, "total_tokens": 1590}
    assert main.cwd == "/home/alice/bots/bot-a/workspace" and main.chunks == 1
    old = rows["telegram:12345"]
    assert old.state is SessionState.CLOSED and old.state_reason == "idle, no turn in flight"
    assert old.title == "Weekend hiking plan" and old.chunks == 4 and old.usage is None
    assert old.cwd == str(base / "v0.2-workspace")
    assert [c.kind for c in A.load_chunks(Path(old.path))] == [
        "user",
        "assistant",
        "tool_result",
        "assistant",
    ]


def test_naive_local_times_become_aware_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "Europe/Zurich")
    time.tzset()
    try:
        assert local_time("2026-03-01T18:02:11.402113") == datetime(
            2026, 3, 1, 17, 2, 11, 402113, tzinfo=UTC
        )
        assert local_time("2026-07-01T12:00:00") == datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
        assert local_time("2026-07-01T12:00:00+00:00") == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
        assert local_time("nonsense") is None
        assert local_time("0001-01-01T00:30:00") is None  # before year 1 in UTC
        assert local_time("9999-12-31T23:59:59+00:00") is not None
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()


def test_keys_from_file_names() -> None:
    assert key_from_stem("Y2xpOmRpcmVjdA") == "cli:direct"
    assert key_from_stem(storage_key("websocket:a:b")) == "websocket:a:b"
    assert key_from_stem("telegram_12345") == "telegram:12345"
    assert key_from_stem("slack_C1_T2") == "slack:C1_T2"


def test_three_layouts_and_dotfiles(tmp_path: Path) -> None:
    home = Path.home() / ".nanobot"
    ws_old = tmp_path / "ws-old"
    a = make_nanobot(ws_old / "sessions", "telegram:1", lossy=True)
    ws_v3 = tmp_path / "ws-v3"
    b = make_nanobot(ws_v3 / "sessions", "cli:direct")
    (ws_v3 / "sessions" / "cli_direct.jsonl.tmp").write_text("partial")
    ns = home / "sessions" / WSID
    c = make_nanobot(ns, "websocket:abc")
    (ns / ".workspace").write_text("/home/alice/project\n")
    (ns / ".session-files.lock").write_text("")
    (ns / ".Y2xp.0123456789abcdef.tmp").write_text("x")
    make_nanobot(ns / ".migration-conflicts", "cli:direct")
    (home / "config.json").write_text("{}")
    for p in (a, b, c):
        age(p)
    assert set(A.iter_files(home / "sessions")) == {c}
    info_c = facts(c)
    assert info_c.id == "websocket:abc" and info_c.cwd == "/home/alice/project"
    assert info_c.extra["layout"] == "main"
    assert facts(a).id == "telegram:1" and facts(a).extra["layout"] == "workspace"
    assert facts(b).id == "cli:direct"
    rows = SessionIndex([Root(ws_v3 / "sessions", "nanobot")], use_cache=False).scan()
    assert [r.id for r in rows] == ["cli:direct"]  # the .tmp is not a session


def test_title_rules(tmp_path: Path) -> None:
    p = make_nanobot(
        tmp_path / "a", "cli:1", metadata={"title": "<think>hmm\nlet me see</think> Trip   plan"}
    )
    assert facts(p).title == "Trip plan"
    p = make_nanobot(
        tmp_path / "b",
        "cli:1",
        metadata={"title": "<think>x</think>Mine", "title_user_edited": True},
    )
    assert facts(p).title == "<think>x</think>Mine"
    p = make_nanobot(tmp_path / "c", "cli:1")
    assert (
        facts(p).title == "Find a 10 km loop near Zurich."
    )  # Message Time stripped, spaces collapsed
    msgs = [
        {
            "role": "assistant",
            "content": "[image: /tmp/a.png]\nmessage(hello)\nHi there",
            "timestamp": "2026-03-01T18:00:00",
        }
    ]
    p = make_nanobot(tmp_path / "d", "cli:1", messages=msgs)
    assert facts(p).title == "Hi there"  # no user message: first assistant, breadcrumbs removed
    msgs = [{"role": "user", "content": "y" * 500, "timestamp": "2026-03-01T18:00:00"}]
    title = facts(make_nanobot(tmp_path / "e", "cli:1", messages=msgs)).title
    assert len(title) == 120 and title.endswith("…")


def test_states(tmp_path: Path) -> None:
    p = make_nanobot(tmp_path / "a", "cli:1", metadata={"pending_user_turn": True})
    info = facts(p)
    assert info.state is SessionState.RUNNING and "turn in flight" in info.state_reason
    age(p)
    info = facts(p)
    assert info.state is SessionState.CRASHED and info.state_reason.startswith("interrupted turn")
    p = make_nanobot(tmp_path / "b", "cli:1", metadata={"runtime_checkpoint": {"step": 3}})
    age(p)
    assert facts(p).state is SessionState.CRASHED
    p = make_nanobot(tmp_path / "c", "cli:1", metadata={"pending_user_turn": False})
    info = facts(p)
    assert info.state is SessionState.CLOSED and info.state_reason == "idle, no turn in flight"


def test_corrupt_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    p = make_nanobot(
        tmp_path,
        "cli:1",
        extra_lines=[
            b"{broken",
            b"\x00\x01",
            {"_type": "provider_state", "state": {"secret": 1}},
            {"role": "user", "content": "z" * (5 << 20), "timestamp": "2026-03-01T19:00:00"},
            {"role": "critic", "content": "unknown role"},
        ],
    )
    with open(p, "ab") as fh:
        fh.write(b'{"role": "user", "content": "torn')
    age(p)
    info = facts(p)
    assert info.state is SessionState.CLOSED
    assert info.extra["corrupt_lines"] == 2 and "2 corrupt line(s) skipped" in info.state_reason
    chunks = A.load_chunks(p)
    # 4 + huge; an unknown role and provider_state are not shown, so not counted (item 6)
    assert info.chunks == len(chunks) == 5
    assert [c.kind for c in chunks][-1] == "user" and len(chunks[-1].payload["content"]) == 5 << 20
    assert all("secret" not in str(c.payload) for c in chunks)


def test_garbage_file_is_corrupt_and_vanishing_file(tmp_path: Path) -> None:
    p = tmp_path / "x.jsonl"
    p.write_bytes(b"not json at all\n")
    assert facts(p).state is SessionState.CORRUPT
    with pytest.raises(PersistenceError):
        A.load_chunks(p)
    p = make_nanobot(tmp_path / "v", "cli:1")
    st = os.stat(p)
    p.unlink()
    assert A.read_facts(p, st).state is SessionState.CORRUPT
    with pytest.raises(PersistenceError):
        A.load_chunks(p)


def test_resume_plans(tmp_path: Path) -> None:
    ws = tmp_path / "my ws"
    info = facts(make_nanobot(ws / "sessions", "telegram:12345", lossy=True))
    plan = A.resume_plan(info, None)
    assert plan.command == f"nanobot agent -w '{ws}' -s telegram:12345"
    assert plan.cwd == str(ws)
    cfg = tmp_path / "cfg"
    ns = cfg / "sessions" / WSID
    p = make_nanobot(ns, "cli:direct")
    (ns / ".workspace").write_text("/home/alice/bots/bot-a/workspace\n")
    plan = A.resume_plan(facts(p), None)
    assert plan.command == (
        f"nanobot agent --classic -c {cfg}/config.json -w /home/alice/bots/bot-a/workspace -s cli:direct"
    )
    home_ns = Path.home() / ".nanobot" / "sessions" / WSID
    p = make_nanobot(home_ns, "websocket:42")
    (home_ns / ".workspace").write_text("/w\n")
    assert A.resume_plan(facts(p), None).command == "nanobot agent -w /w -s websocket:42"
    custom = A.resume_plan(facts(p), "nb {id} {cwd}")
    assert custom.command == "nb websocket:42 /w" and custom.configured


def test_session_files_for_delete(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / "sessions"
    p = make_nanobot(folder, "telegram:7")
    lossy = write_jsonl(folder / "telegram_7.jsonl", nanobot_records("telegram:7"))
    other = make_nanobot(folder, "telegram:8")
    files = A.session_files(facts(p))
    assert files == [p, lossy] and other not in files
    home = Path.home() / ".nanobot"
    ns = home / "sessions" / WSID
    q = make_nanobot(ns, "telegram:7")
    (ns / ".workspace").write_text("/w\n")
    legacy = write_jsonl(home / "sessions" / "telegram_7.jsonl", nanobot_records("telegram:7"))
    assert A.session_files(facts(q)) == [q, legacy]


def test_delete_is_refused_while_nanobot_runs(tmp_path: Path) -> None:
    p = make_nanobot(tmp_path / "ws" / "sessions", "telegram:9")
    age(p)
    info = facts(p)
    assert A.is_live(info) == (False, "idle, no turn in flight")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            # The scenario: a live `nanobot gateway` process (killed by the test).
            "import sys, time; print('up', flush=True); time.sleep(60)",
            "nanobot",
            "gateway",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout.readline().strip() == b"up"
        live, why = A.is_live(info)
        assert live and f"pid {proc.pid}" in why
    finally:
        proc.kill()
        proc.wait()
