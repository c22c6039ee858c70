"""Picking the right adapter: a mixed --dir, every agent's default roots, sniffing."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

import pytest
from formats_helpers import (
    claude_records,
    codex_records,
    make_claude,
    make_codex,
    make_nanobot,
    make_snapshot,
    nanobot_records,
    openrath_records,
    write_jsonl,
)

from sessionview.store.formats import ADAPTERS, detect, get_adapter
from sessionview.store.index import SessionIndex
from sessionview.store.roots import resolve_roots

WSID = "0123456789abcdef0123456789abcdef"


def test_registry_has_every_format() -> None:
    assert list(ADAPTERS) == ["openrath", "nanobot", "codex", "claude", "snapshot"]
    assert not get_adapter("nanobot").append_only and not get_adapter("snapshot").append_only
    assert get_adapter("claude").append_only and get_adapter("codex").append_only


def first_lines() -> dict[str, bytes]:
    sid = str(uuid.uuid4())
    import json

    return {
        "openrath": json.dumps(openrath_records(sid)[0]).encode(),
        "nanobot": json.dumps(nanobot_records("cli:direct")[0]).encode(),
        "codex": json.dumps(codex_records(sid)[0]).encode(),
        "claude": json.dumps(claude_records(sid)[3]).encode(),
        "claude-summary": b'{"type": "summary", "summary": "x", "leafUuid": "a"}',
        "claude-snapshot": json.dumps(claude_records(sid)[0]).encode(),
        "codex-later": json.dumps(codex_records(sid)[2]).encode(),
    }


def test_sniffs_are_disjoint() -> None:
    lines = first_lines()
    owners = {
        "openrath": "openrath",
        "nanobot": "nanobot",
        "codex": "codex",
        "codex-later": "codex",
        "claude": "claude",
        "claude-summary": "claude",
        "claude-snapshot": "claude",
    }
    for label, line in lines.items():
        accepted = [
            n for n in ("openrath", "nanobot", "codex", "claude") if ADAPTERS[n].sniff(line + b"\n")
        ]
        expected = [owners[label]]
        assert accepted == expected, (label, accepted)
    # "record_type" mentioned inside another tool's record is not OpenRath
    claude_line = b'{"type":"user","sessionId":"x","message":{"content":[{"type":"tool_use","input":{"record_type":1}}]}}'
    assert not ADAPTERS["openrath"].sniff(claude_line)


def test_mixed_dir_detects_every_format(tmp_path: Path) -> None:
    mixed = tmp_path / "mixed"
    o_id, c_id, x_id = (str(uuid.uuid4()) for _ in range(3))
    write_jsonl(mixed / f"{o_id}.jsonl", openrath_records(o_id))
    make_nanobot(mixed, "telegram:12345", lossy=True)
    make_nanobot(mixed, "cli:direct")
    ns = make_nanobot(mixed / WSID, "websocket:9").parent
    (ns / ".workspace").write_text("/w\n")
    write_jsonl(mixed / f"{c_id}.jsonl", claude_records(c_id))
    codex_flat = write_jsonl(
        mixed / f"rollout-2026-03-02T10-15-04-{x_id}.jsonl", codex_records(x_id)
    )
    z_id = str(uuid.uuid4())
    codex_below = make_codex(mixed, z_id)  # mixed/sessions/2026/03/02: a store below, searched
    y_id = str(uuid.uuid4())
    codex_dated = write_jsonl(
        mixed / "2026" / "03" / "02" / f"rollout-2026-03-02T10-15-04-{y_id}.jsonl",
        codex_records(y_id),
    )
    make_snapshot(mixed)
    (mixed / "notes.txt").write_text("not a session")
    (mixed / "a1b2c3d4e5f6_20260302_091504.tmp").write_text("{")
    for p in mixed.rglob("*"):
        if p.is_file():
            os.utime(p, (time.time() - 3600,) * 2)
    index = SessionIndex([mixed], use_cache=False)
    rows = index.scan()
    got = {(r.format, r.id) for r in rows}
    assert got == {
        ("openrath", o_id),
        ("nanobot", "telegram:12345"),
        ("nanobot", "cli:direct"),
        ("nanobot", "websocket:9"),
        ("claude", c_id),
        ("codex", x_id),
        ("codex", y_id),
        ("codex", z_id),
        ("snapshot", "a1b2c3d4e5f6_20260302_091504"),
    }
    assert all(r.state.value != "corrupt" for r in rows), [(r.id, r.error) for r in rows]
    assert {r.path for r in rows if r.format == "codex"} == {
        str(codex_flat),
        str(codex_dated),
        str(codex_below),
    }
    # unknown files are reported once, as one problem line, not as rows
    assert index.problems == [f"{mixed}: 2 files match no known session format (not listed)"]


def test_detect_falls_back_to_first_claimant_for_garbage(tmp_path: Path) -> None:
    p = tmp_path / f"{uuid.uuid4()}.jsonl"
    p.write_bytes(b"\x00garbage\n")
    assert detect(p).name == "openrath"
    rows = SessionIndex([tmp_path], use_cache=False).scan()
    assert len(rows) == 1 and rows[0].state.value == "corrupt"


def test_default_roots_list_every_agent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path.home()
    claude_dir, codex_dir, openrath_dir = tmp_path / "cc", tmp_path / "cx", tmp_path / "or"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude_dir))
    monkeypatch.setenv("CODEX_HOME", str(codex_dir))
    monkeypatch.setenv("OPENRATH_HOME", str(openrath_dir))
    c_id, x_id, o_id = (str(uuid.uuid4()) for _ in range(3))
    make_claude(claude_dir, c_id)
    make_codex(codex_dir, x_id)
    make_codex(codex_dir, str(uuid.uuid4()), archived=True)
    write_jsonl(openrath_dir / "sessions" / f"{o_id}.jsonl", openrath_records(o_id))
    ns = home / ".nanobot" / "sessions" / WSID
    make_nanobot(ns, "websocket:1")
    (ns / ".workspace").write_text("/w\n")
    make_nanobot(home / ".nanobot" / "workspace" / "sessions", "telegram:5", lossy=True)
    roots = resolve_roots()
    assert {(r.format, r.path) for r in roots} >= {
        ("claude", claude_dir / "projects"),
        ("codex", codex_dir / "sessions"),
        ("codex", codex_dir / "archived_sessions"),
        ("nanobot", home / ".nanobot" / "sessions"),
        ("nanobot", home / ".nanobot" / "workspace" / "sessions"),
    }
    rows = SessionIndex(roots, cache_path=tmp_path / "cache.json").scan()
    by_format: dict[str, set[str]] = {}
    for r in rows:
        by_format.setdefault(r.format, set()).add(r.id)
    assert by_format["claude"] == {c_id}
    assert len(by_format["codex"]) == 2 and x_id in by_format["codex"]
    assert by_format["openrath"] == {o_id}
    assert by_format["nanobot"] == {"websocket:1", "telegram:5"}
    assert "snapshot" not in by_format  # no default directory is known


def test_default_roots_without_env(monkeypatch: pytest.MonkeyPatch) -> None:
    home = Path.home()
    env = {"HOME": str(home)}
    assert get_adapter("claude").default_roots(env) == [home / ".claude" / "projects"]
    assert get_adapter("codex").default_roots(env) == [
        home / ".codex" / "sessions",
        home / ".codex" / "archived_sessions",
    ]
    assert get_adapter("nanobot").default_roots(env) == [
        home / ".nanobot" / "sessions",
        home / ".nanobot" / "workspace" / "sessions",
    ]
    assert get_adapter("snapshot").default_roots(env) == []
