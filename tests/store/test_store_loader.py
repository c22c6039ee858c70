"""The OpenRath-compatible loader API against every real-writer fixture and every error case."""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import pytest
from store_helpers import MANIFEST, fixture_entry, live_writer

from sessionview.store import (
    PersistenceError,
    SessionBusy,
    delete_session,
    list_persisted_sessions,
    load_session,
    migrations,
    prune_sessions,
)
from sessionview.store.formats.openrath import parse_file
from sessionview.store.writer import SessionWriter


def oracle(path: Path) -> dict:
    """An independent reading of a fixture: stdlib json over complete lines."""
    data = path.read_bytes()
    complete = data[: data.rfind(b"\n") + 1]
    records = [json.loads(line) for line in complete.split(b"\n") if line.strip()]
    header = next(r for r in records if r["record_type"] == "header")
    trailers = [r for r in records if r["record_type"] == "trailer"]
    return {
        "header": header,
        "chunks": [r for r in records if r["record_type"] == "chunk"],
        "trailer": trailers[-1] if trailers else None,
        "torn": not data.endswith(b"\n"),
    }


def write_lines(path: Path, lines: list[str | dict], tail: bytes = b"") -> Path:
    body = "".join(
        (line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)) + "\n"
        for line in lines
    )
    path.write_bytes(body.encode("utf-8") + tail)
    return path


def header(sid: str, created: str = "2026-01-01T00:00:00+00:00", version: int = 1) -> dict:
    return {
        "record_type": "header",
        "schema_version": version,
        "id": sid,
        "created_at": created,
        "parent_session_ids": [],
        "lineage_operator": "implicit",
        "lineage_kind": "unknown",
        "lineage_extras": [],
        "sandbox_backend": None,
        "sandbox_spec": None,
        "sandbox_handle_id": None,
    }


def chunk(index: int, kind: str = "user", content: str = "hi") -> dict:
    return {"record_type": "chunk", "index": index, "kind": kind, "payload": {"content": content}}


SID = "11111111-2222-4333-8444-555555555555"


# --------------------------------------------------------------- every fixture
@pytest.mark.parametrize("entry", MANIFEST, ids=[e["fixture"] for e in MANIFEST])
def test_load_session_matches_every_fixture(entry: dict, openrath_dir: Path) -> None:
    path = openrath_dir / entry["file"]
    want = oracle(path)
    got = load_session(path=path)
    assert str(got.header.id) == entry["id"] == want["header"]["id"]
    assert isinstance(got.header.id, UUID)
    assert got.closed == (entry["status"] in ("closed", "partial-with-trailer"))
    assert got.closed == (want["trailer"] is not None)
    assert len(got.chunks) == len(want["chunks"])
    assert [c.index for c in got.chunks] == [c["index"] for c in want["chunks"]]
    assert [c.kind for c in got.chunks] == [c["kind"] for c in want["chunks"]]
    assert [c.payload for c in got.chunks] == [c["payload"] for c in want["chunks"]]
    want_usage = want["trailer"]["cumulative_usage"] if want["trailer"] else None
    assert got.cumulative_usage == want_usage
    h = want["header"]
    assert got.header.parent_session_ids == tuple(h["parent_session_ids"])
    assert got.header.lineage_operator == h["lineage_operator"]
    assert got.header.lineage_kind == h["lineage_kind"]
    assert got.header.sandbox_backend == h["sandbox_backend"]
    assert got.header.sandbox_spec == h["sandbox_spec"]
    assert got.header.sandbox_handle_id == h["sandbox_handle_id"]
    assert got.header.created_at == datetime.fromisoformat(h["created_at"])
    assert got.header.created_at.tzinfo is not None
    assert got.path == path
    if want["trailer"]:
        assert want["trailer"]["final_chunk_count"] == len(got.chunks)


def test_fixture_specifics(openrath_dir: Path) -> None:
    def load(name: str):
        return load_session(path=openrath_dir / fixture_entry(name)["file"])

    assert len(load("large").chunks) == 3000
    empty = load("closed_empty")
    assert empty.closed and empty.chunks == () and empty.cumulative_usage is None
    chat = load("closed_chat")
    assert chat.cumulative_usage and chat.cumulative_usage["total_tokens"] > 0
    assert load("fork_child").header.parent_session_ids == (
        fixture_entry("closed_tool_calls")["id"],
    )
    assert len(load("merge").header.parent_session_ids) == 2
    detach = load("detach")
    assert detach.header.parent_session_ids == () and detach.header.lineage_kind == "op_detach"
    assert load("create_user").header.lineage_kind == "leaf_user"
    assert any(k == "source" for k, _ in load("create_user").header.lineage_extras)
    local = load("sandbox_local")
    assert local.header.sandbox_backend == "local"
    assert local.header.sandbox_spec["working_dir"] == "/srv/agent/workdir"
    remote = load("sandbox_opensandbox")
    assert remote.header.sandbox_backend == "opensandbox" and remote.header.sandbox_handle_id
    assert load("header_only_partial").chunks == ()
    assert "👋" in load("create_user").chunks[0].payload["content"]
    cjk = load("closed_cjk_emoji")
    assert any("请" in str(c.payload.get("content")) for c in cjk.chunks)
    trailer_only = load("trailer_no_rename")
    assert trailer_only.closed and trailer_only.path.name.endswith(".__partial__")


def test_torn_last_line_is_dropped(openrath_dir: Path) -> None:
    path = openrath_dir / fixture_entry("torn_final_line")["file"]
    assert not path.read_bytes().endswith(b"\n")
    got = load_session(path=path)
    assert [c.index for c in got.chunks] == [0, 1, 2]
    assert not got.closed


def test_to_resumable_pair_without_openrath(
    openrath_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The dev environment has the real OpenRath (the dev group): hide it here.
    monkeypatch.setitem(sys.modules, "rath.session.persistence", None)
    got = load_session(path=openrath_dir / fixture_entry("closed_tool_calls")["file"])
    user, agent_prompt = got.to_resumable_pair()
    assert user == got.chunks
    assert agent_prompt == got.chunks[0].payload["content"]
    user, agent_prompt = got.to_resumable_pair(agent_prompt="override")
    assert agent_prompt == "override"


# ---------------------------------------------------------------- fatal errors
def test_bad_complete_line_names_file_and_line(sessions_dir: Path) -> None:
    path = write_lines(
        sessions_dir / f"{SID}.jsonl", [header(SID), chunk(0), "{not json", chunk(1)]
    )
    with pytest.raises(PersistenceError, match=rf"{path}:3: invalid JSON"):
        load_session(path=path)
    with pytest.raises(PersistenceError, match=rf"{path}:3"):
        parse_file(path)


def test_non_object_record_names_file_and_line(sessions_dir: Path) -> None:
    path = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), "[1, 2]"])
    with pytest.raises(PersistenceError, match=rf"{path}:2: record must be a JSON object"):
        load_session(path=path)


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([chunk(0), header(SID)], ":1: chunk record before header"),
        ([header(SID), chunk(0), header(SID)], ":3: duplicate header record"),
        ([header(SID), {"record_type": "mystery"}], ":2: unknown record_type='mystery'"),
        ([chunk(0)], ":1: chunk record before header"),
        ([], "no header record found"),
        (["", "   "], "no header record found"),
    ],
    ids=["chunk-before-header", "duplicate-header", "unknown-type", "only-chunk", "empty", "blank"],
)
def test_structural_errors_are_fatal(sessions_dir: Path, lines: list, message: str) -> None:
    path = write_lines(sessions_dir / f"{SID}.jsonl", lines)
    with pytest.raises(PersistenceError) as err:
        load_session(path=path)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_header_when_only_a_torn_header(sessions_dir: Path) -> None:
    path = write_lines(
        sessions_dir / f"{SID}.jsonl", [], tail=json.dumps(header(SID)).encode()[:40]
    )
    with pytest.raises(PersistenceError, match="no header record found"):
        load_session(path=path)


def test_blank_lines_are_skipped_and_counted(sessions_dir: Path) -> None:
    path = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), "", chunk(0), "  ", "{oops"])
    with pytest.raises(PersistenceError, match=rf"{path}:5:"):
        load_session(path=path)


# ------------------------------------------------------------------ migrations
@pytest.fixture
def clean_migrations():
    headers = dict(migrations._HEADER_MIGRATIONS)
    chunks = dict(migrations._CHUNK_MIGRATIONS)
    yield
    migrations._HEADER_MIGRATIONS.clear()
    migrations._HEADER_MIGRATIONS.update(headers)
    migrations._CHUNK_MIGRATIONS.clear()
    migrations._CHUNK_MIGRATIONS.update(chunks)


def test_lower_version_is_migrated_in_memory(sessions_dir: Path, clean_migrations) -> None:
    old = header(SID, version=0)
    old["parents"] = old.pop("parent_session_ids")  # the "v0" field name
    old_chunk = {"record_type": "chunk", "index": 0, "kind": "user", "payload": {"text": "v0 body"}}
    path = write_lines(sessions_dir / f"{SID}.jsonl", [old, old_chunk])
    before = path.read_bytes()

    with pytest.raises(
        PersistenceError, match="no header migrator registered for schema_version=0"
    ):
        load_session(path=path)

    def header_v0_to_v1(rec: dict) -> dict:
        rec["parent_session_ids"] = rec.pop("parents")
        return rec

    def chunk_v0_to_v1(rec: dict) -> dict:
        rec["payload"] = {"content": rec["payload"].pop("text")}
        return rec

    migrations.register_header_migration(0, header_v0_to_v1)
    migrations.register_chunk_migration(0, chunk_v0_to_v1)
    got = load_session(path=path)
    assert got.header.schema_version == 1
    assert got.header.parent_session_ids == ()
    assert got.chunks[0].payload == {"content": "v0 body"}
    assert path.read_bytes() == before, "loading must never rewrite the file"
    with pytest.raises(ValueError, match="refusing to register"):
        migrations.register_header_migration(1, header_v0_to_v1)


def test_newer_version_is_refused_clearly(sessions_dir: Path) -> None:
    path = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID, version=2), chunk(0)])
    with pytest.raises(PersistenceError) as err:
        load_session(path=path)
    msg = str(err.value)
    assert f"{path}:1" in msg and "schema_version=2" in msg and "unsupported schema" in msg
    assert "\n" not in msg


def test_registry_is_clean_after_migration_test() -> None:
    assert migrations._HEADER_MIGRATIONS == {} and migrations._CHUNK_MIGRATIONS == {}


# ------------------------------------------------------------ lookup by id
def test_load_by_id_falls_back_to_partial(sessions_dir: Path) -> None:
    write_lines(sessions_dir / f"{SID}.jsonl.__partial__", [header(SID), chunk(0)])
    got = load_session(SID, directory=sessions_dir)
    assert got.path.name.endswith(".__partial__") and not got.closed
    write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), chunk(0), chunk(1)])
    assert len(load_session(SID, directory=sessions_dir).chunks) == 2, "the final file wins"
    with pytest.raises(PersistenceError, match="not found"):
        load_session("22222222-2222-4333-8444-555555555555", directory=sessions_dir)
    with pytest.raises(PersistenceError, match="never a path"):
        load_session("../etc/passwd", directory=sessions_dir)


def test_load_by_id_uses_openrath_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "orhome"
    (home / "sessions").mkdir(parents=True)
    write_lines(home / "sessions" / f"{SID}.jsonl", [header(SID)])
    monkeypatch.setenv("OPENRATH_HOME", str(home))
    assert str(load_session(SID).header.id) == SID
    assert [str(m.id) for m in list_persisted_sessions()] == [SID]


# --------------------------------------------------------------------- listing
def test_listing_every_fixture_sorted_by_created_at(openrath_dir: Path) -> None:
    metas = list_persisted_sessions(openrath_dir)
    assert {str(m.id) for m in metas} == {e["id"] for e in MANIFEST}
    assert [m.created_at for m in metas] == sorted(m.created_at for m in metas)
    for m in metas:
        want = oracle(m.path)
        assert m.chunk_count == len(want["chunks"]), m.path.name
        assert m.closed == (want["trailer"] is not None), m.path.name
        assert m.lineage_kind == want["header"]["lineage_kind"]


def test_listing_order_is_created_at_not_name_or_mtime(sessions_dir: Path) -> None:
    ids = [f"{c * 8}-0000-4000-8000-000000000000" for c in "abc"]
    created = [
        "2026-03-01T00:00:00+00:00",
        "2026-01-01T00:00:00+00:00",
        "2026-02-01T00:00:00+00:00",
    ]
    for i, (sid, when) in enumerate(zip(ids, created, strict=True)):
        p = write_lines(sessions_dir / f"{sid}.jsonl", [header(sid, when)])
        os.utime(p, (1000 + i, 1000 + i))
    assert [str(m.id) for m in list_persisted_sessions(sessions_dir)] == [ids[1], ids[2], ids[0]]


def test_listing_skips_unreadable_files(sessions_dir: Path) -> None:
    good = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), chunk(0)])
    write_lines(sessions_dir / "bad1.jsonl", ["{broken"])
    write_lines(sessions_dir / "bad2.jsonl.__partial__", [chunk(0)])
    write_lines(sessions_dir / "bad3.jsonl", [header("x", version=9)])
    (sessions_dir / "empty.jsonl").write_bytes(b"")
    (sessions_dir / "dir.jsonl").mkdir()
    (sessions_dir / "notes.txt").write_text("not a session")
    os.symlink(sessions_dir / "missing", sessions_dir / "dangling.jsonl")
    metas = list_persisted_sessions(sessions_dir)
    assert [m.path for m in metas] == [good]
    assert list_persisted_sessions(sessions_dir / "nope") == []


# ----------------------------------------------------------------------- prune
def test_prune_compares_created_at_and_spares_unparseable(sessions_dir: Path) -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    old_id, new_id = SID, "99999999-2222-4333-8444-555555555555"
    old = write_lines(
        sessions_dir / f"{old_id}.jsonl", [header(old_id, "2026-01-01T00:00:00+00:00")]
    )
    new = write_lines(
        sessions_dir / f"{new_id}.jsonl", [header(new_id, "2026-05-31T00:00:00+00:00")]
    )
    # mtimes say the opposite of created_at: prune must not look at them.
    os.utime(old, (now.timestamp(), now.timestamp()))
    os.utime(new, (0, 0))
    corrupt = write_lines(sessions_dir / "c0ffee00-0000-4000-8000-000000000000.jsonl", ["{bad"])
    os.utime(corrupt, (0, 0))
    newer_schema = write_lines(
        sessions_dir / "c0ffee01-0000-4000-8000-000000000000.jsonl",
        [header("c0ffee01-0000-4000-8000-000000000000", "2000-01-01T00:00:00+00:00", version=7)],
    )
    removed = prune_sessions(older_than=timedelta(days=30), directory=sessions_dir, now=now)
    assert [str(r) for r in removed] == [old_id]
    assert not old.exists() and new.exists() and corrupt.exists() and newer_schema.exists()


def test_prune_skips_a_live_session(sessions_dir: Path) -> None:
    with live_writer(sessions_dir) as (partial, _proc):
        removed = prune_sessions(
            older_than=timedelta(seconds=0),
            directory=sessions_dir,
            now=datetime.now(UTC) + timedelta(days=1),
        )
        assert removed == [] and partial.exists()


# ---------------------------------------------------------------------- delete
def test_delete_refuses_while_a_real_writer_is_alive(sessions_dir: Path) -> None:
    with live_writer(sessions_dir) as (partial, proc):
        sid = partial.name.split(".")[0]
        assert load_session(sid, directory=sessions_dir).chunks[0].payload["content"]
        with pytest.raises(SessionBusy, match="being written"):
            delete_session(sid, directory=sessions_dir)
        with pytest.raises(SessionBusy):
            delete_session(path=partial)
        assert partial.exists()
        proc.stdin.write("abandon\n")
        proc.stdin.flush()
        assert proc.wait(timeout=10) == 0
    assert delete_session(sid, directory=sessions_dir) is True
    assert not partial.exists()
    assert delete_session(sid, directory=sessions_dir) is False


def test_delete_after_writer_is_killed(sessions_dir: Path) -> None:
    with live_writer(sessions_dir) as (partial, proc):
        proc.kill()
        proc.wait(timeout=10)
        assert delete_session(path=partial) is True
    assert not partial.exists()


def test_delete_removes_both_files_only_of_that_session(sessions_dir: Path) -> None:
    final = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID)])
    partial = write_lines(sessions_dir / f"{SID}.jsonl.__partial__", [header(SID)])
    other = write_lines(sessions_dir / "other.jsonl", [header("other")])
    assert delete_session(SID, directory=sessions_dir)
    assert not final.exists() and not partial.exists() and other.exists()


def test_writer_bytes_round_trip(sessions_dir: Path) -> None:
    with SessionWriter(directory=sessions_dir, parent_session_ids=[SID]) as w:
        w.append("system", {"content": "sys"})
        w.append("user", {"content": "你好 🚀\nsecond line"})
    got = load_session(w.session_id, directory=sessions_dir)
    assert got.closed and len(got.chunks) == 2 and got.header.parent_session_ids == (SID,)
    assert oct(os.stat(got.path).st_mode & 0o777) == "0o600"
    line = got.path.read_bytes().split(b"\n")[2]
    assert "你好 🚀".encode() in line, "ensure_ascii=False, like OpenRath"
    assert line.startswith(b'{"record_type": "chunk", "index": 1, "kind": "user", "payload": ')


def test_second_writer_on_same_file_fails_fast(sessions_dir: Path) -> None:
    with live_writer(sessions_dir) as (partial, _proc):
        sid = partial.name.split(".")[0]
        with pytest.raises(PersistenceError, match="already writing"):
            SessionWriter(sid, directory=sessions_dir)


# ------------------------------------------- regressions found by the property tests
@pytest.mark.parametrize(
    "created", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+01:00"], ids=["max", "min"]
)
def test_out_of_range_created_at_is_an_error_not_a_crash(sessions_dir: Path, created: str) -> None:
    bad = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID, created), chunk(0)])
    other = "77777777-2222-4333-8444-555555555555"
    write_lines(sessions_dir / f"{other}.jsonl", [header(other)])
    with pytest.raises(PersistenceError, match=rf"{bad}:1: malformed header"):
        load_session(path=bad)
    assert [str(m.id) for m in list_persisted_sessions(sessions_dir)] == [other]


@pytest.mark.parametrize("extras", [True, 5, "ab", {"k": "v"}, None])
def test_odd_lineage_extras_do_not_crash(sessions_dir: Path, extras) -> None:
    h = header(SID)
    h["lineage_extras"] = extras
    got = load_session(path=write_lines(sessions_dir / f"{SID}.jsonl", [h]))
    assert got.header.lineage_extras == ()


@pytest.mark.parametrize("kind", [[], {}, 5, None, "robot"])
def test_bad_chunk_kind_is_a_persistence_error(sessions_dir: Path, kind) -> None:
    bad = {"record_type": "chunk", "index": 0, "kind": kind, "payload": {}}
    path = write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), bad])
    with pytest.raises(PersistenceError, match=rf"{path}:2: invalid chunk kind"):
        load_session(path=path)


@pytest.mark.parametrize("count", [True, -5, "3", None])
def test_bad_final_chunk_count_falls_back_to_counting(sessions_dir: Path, count) -> None:
    from sessionview.store import SessionIndex

    trailer = {
        "record_type": "trailer",
        "closed_at": "2026-01-02T00:00:00+00:00",
        "final_chunk_count": count,
        "cumulative_usage": None,
    }
    write_lines(sessions_dir / f"{SID}.jsonl", [header(SID), chunk(0), chunk(1), trailer])
    (row,) = SessionIndex([sessions_dir], use_cache=False).scan()
    assert row.chunks == 2 and type(row.chunks) is int
