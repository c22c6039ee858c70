"""SessionIndex: cheap facts agree with the full parse; the on-disk cache; refresh; corrupt rows."""

from __future__ import annotations

import json
import marshal
import os
import zlib
from pathlib import Path

import orjson
import pytest
from store_helpers import MANIFEST, fixture_entry, live_writer

from sessionview.store import SessionIndex, SessionState, index
from sessionview.store import formats as formats_mod
from sessionview.store.formats.openrath import OpenRathFormat, parse_file
from sessionview.store.index import disk_cache, walk_cache
from sessionview.store.index.records import BY_ADAPTER, FileRecord
from sessionview.store.roots import Root
from sessionview.store.writer import SessionWriter


class CountingOpenRath(OpenRathFormat):
    """The real adapter, counting how many files it actually reads."""

    def __init__(self) -> None:
        self.reads: list[str] = []

    def read_facts_row(self, path, st):
        self.reads.append(Path(path).name)
        return super().read_facts_row(path, st)


@pytest.fixture
def counting(monkeypatch: pytest.MonkeyPatch) -> CountingOpenRath:
    adapter = CountingOpenRath()
    monkeypatch.setitem(formats_mod.ADAPTERS, "openrath", adapter)
    return adapter


def first_user_title(chunks) -> str:
    for c in chunks:
        if c.kind == "user":
            for line in str(c.payload.get("content") or "").splitlines():
                if line.strip():
                    return line.strip()[:120]
            return ""
    return ""


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["fixture"] for e in MANIFEST])
def test_facts_agree_with_full_parse(entry: dict, openrath_dir: Path, tmp_path: Path) -> None:
    path = openrath_dir / entry["file"]
    index = SessionIndex([openrath_dir], cache_path=tmp_path / "cache.json")
    index.scan()
    info = index.get_path(path)
    parsed = parse_file(path)
    assert info is not None and info.error is None
    assert info.id == entry["id"] == parsed.header["id"]
    assert info.chunks == len(parsed.chunks)
    assert info.extra["has_trailer"] == (parsed.trailer is not None)
    assert info.bytes == path.stat().st_size
    assert info.title == first_user_title(parsed.chunks)
    assert len(info.title) <= 120
    assert info.parents == tuple(parsed.header["parent_session_ids"])
    assert info.usage == (parsed.trailer or {}).get("cumulative_usage")
    assert info.created_at.isoformat() == parsed.header["created_at"]
    assert info.extra["torn_tail"] == parsed.torn_tail
    if parsed.header["sandbox_backend"]:
        assert info.sandbox["backend"] == parsed.header["sandbox_backend"]
        assert info.sandbox["spec"] == parsed.header["sandbox_spec"]
    status = entry["status"]
    if status == "closed":
        assert (info.state, info.state_reason) == (SessionState.CLOSED, "trailer seen")
    elif status == "partial-with-trailer":
        assert info.state is SessionState.CRASHED
        assert info.state_reason == "trailer written, never renamed"
    else:
        assert info.state is SessionState.CRASHED, "nobody holds these files' locks"
        assert "no process holds its lock" in info.state_reason


def test_titles_of_known_fixtures(openrath_dir: Path) -> None:
    rows = {r.id: r for r in SessionIndex([openrath_dir], use_cache=False).scan()}
    assert (
        rows[fixture_entry("closed_cjk_emoji")["id"]].title
        == "请帮我分析这个日志文件 📁，为什么测试失败了？🤔"
    )
    assert rows[fixture_entry("closed_empty")["id"]].title == ""
    assert rows[fixture_entry("create_system")["id"]].title == "", "no user chunk, no title"
    assert len(rows) == len(MANIFEST)


def test_title_is_first_line_cut_to_120(sessions_dir: Path) -> None:
    with SessionWriter(directory=sessions_dir) as w:
        w.append("system", {"content": "system prompt is not a title"})
        w.append("user", {"content": "\n\n  " + "é" * 300 + "  \nsecond line"})
        w.append("user", {"content": "a later user chunk"})
    (row,) = SessionIndex([sessions_dir], use_cache=False).scan()
    assert row.title == "é" * 120


def test_corrupt_files_are_listed_with_file_and_line(sessions_dir: Path) -> None:
    good = sessions_dir / "aaaaaaaa-0000-4000-8000-000000000000.jsonl"
    with SessionWriter(path=good) as w:
        w.append("user", {"content": "fine"})
    bad_header = sessions_dir / "bbbbbbbb-0000-4000-8000-000000000000.jsonl"
    bad_header.write_bytes(b'{"record_type": "header", oops\n')
    bad_last = sessions_dir / "cccccccc-0000-4000-8000-000000000000.jsonl.__partial__"
    bad_last.write_bytes(good.read_bytes().split(b"\n")[0] + b"\n" + b'{"x": 1}\n' + b"{nope\n")
    not_header = sessions_dir / "dddddddd-0000-4000-8000-000000000000.jsonl"
    not_header.write_bytes(b'{"record_type": "chunk", "index": 0}\n')
    newer = sessions_dir / "eeeeeeee-0000-4000-8000-000000000000.jsonl"
    newer.write_bytes(good.read_bytes().replace(b'"schema_version": 1', b'"schema_version": 5'))
    empty = sessions_dir / "ffffffff-0000-4000-8000-000000000000.jsonl"
    empty.write_bytes(b"")
    rows = {Path(r.path).name: r for r in SessionIndex([sessions_dir], use_cache=False).scan()}
    assert len(rows) == 6
    assert rows[good.name].state is SessionState.CLOSED and rows[good.name].error is None
    assert f"{bad_header}:1: invalid JSON" in rows[bad_header.name].error
    assert f"{bad_last}:3: invalid JSON" in rows[bad_last.name].error
    assert f"{not_header}:1" in rows[not_header.name].error
    assert "unsupported schema" in rows[newer.name].error and f"{newer}:1" in rows[newer.name].error
    assert f"{empty}:1" in rows[empty.name].error
    for name in (bad_header, bad_last, not_header, newer, empty):
        assert rows[name.name].state is SessionState.CORRUPT
        assert rows[name.name].id == name.name.split(".")[0]


def test_second_scan_reads_no_file_bodies(openrath_dir: Path, tmp_path: Path, counting) -> None:
    cache = tmp_path / "cache" / "index.bin"
    first = SessionIndex([openrath_dir], cache_path=cache)
    rows1 = first.scan()
    assert sorted(counting.reads) == sorted(e["file"] for e in MANIFEST)
    files, walks = disk_cache.load(str(cache))
    assert len(files) == len(MANIFEST) and len(walks) == 1
    for path_str, entry in files.items():
        st = os.stat(path_str)
        record = FileRecord.from_tuple(entry)
        assert record is not None
        assert record.key == (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
        assert record.format == "openrath"
        assert orjson.loads(record.row)["path"] == path_str

    counting.reads.clear()
    second = SessionIndex([openrath_dir], cache_path=cache)  # a new process would do this
    rows2 = second.scan()
    assert counting.reads == [], "an unchanged directory must be served from the cache"
    assert [r.to_json() for r in rows2] == [r.to_json() for r in rows1]
    cache_mtime = cache.stat().st_mtime_ns
    second.scan()
    assert cache.stat().st_mtime_ns == cache_mtime, "nothing changed: the cache is not rewritten"

    # An append changes (size, mtime): exactly that file is read again.
    target = openrath_dir / fixture_entry("abandoned")["file"]
    with target.open("ab") as fh:
        fh.write(
            b'{"record_type": "chunk", "index": 4, "kind": "user", "payload": {"content": "x"}}\n'
        )
    third = SessionIndex([openrath_dir], cache_path=cache)
    rows3 = {r.path: r for r in third.scan()}
    assert counting.reads == [target.name]
    assert rows3[str(target)].chunks == 5


def _framed(payload: bytes) -> bytes:
    """A cache file around `payload`, with a checksum that matches."""
    return disk_cache.MAGIC + zlib.crc32(payload).to_bytes(4, "big") + payload


def _write_cache(cache: Path, files: object, walks: object = None) -> None:
    payload = (disk_cache.CACHE_VERSION, files, {} if walks is None else walks)
    cache.write_bytes(_framed(marshal.dumps(payload)))


def test_cache_survives_garbage(openrath_dir: Path, tmp_path: Path, counting) -> None:
    cache = tmp_path / "index.bin"
    good = _framed(marshal.dumps((disk_cache.CACHE_VERSION, {}, {})))
    for garbage in (
        b"not a cache",
        b"",
        disk_cache.MAGIC,
        _framed(b"\xff\x00garbage"),
        good[:-3],
        good[:-1] + b"\x00",  # one byte flipped: the checksum says so
        _framed(marshal.dumps((99, {}, {}))),
        _framed(marshal.dumps([disk_cache.CACHE_VERSION, {}, {}])),
        _framed(marshal.dumps((disk_cache.CACHE_VERSION, [], {}))),
    ):
        cache.write_bytes(garbage)
        assert len(SessionIndex([openrath_dir], cache_path=cache).scan()) == len(MANIFEST)
    # Entries of the wrong shape are treated as missing, not as a crash.
    path = str(openrath_dir / fixture_entry("closed_chat")["file"])
    st = os.stat(path)
    key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)
    for entry in (
        None,
        5,
        "x",
        (),
        (1,),
        {"a": 1},
        (*key, "openrath", "closed", "", "id", "not bytes", 0, None, st.st_ctime_ns),
        (*key, "openrath", "closed", "", "id", b"row", "mode", None, st.st_ctime_ns),
        (*key, "openrath", "closed", "", "id", b"row", 0, None),
        (*key, "openrath", "closed", "", "id", b"row", 0, None, st.st_ctime_ns + 1),
    ):
        _write_cache(cache, {path: entry})
        counting.reads.clear()
        rows = {r.path: r for r in SessionIndex([openrath_dir], cache_path=cache).scan()}
        assert len(rows) == len(MANIFEST)
        assert Path(path).name in counting.reads, f"{entry!r} must be a miss"
        assert rows[path].state is SessionState.CLOSED
    # Walks of the wrong shape are listed again, not trusted.
    for walk in (None, 5, (), (0, (), (), 0), (0, ((1, 2, 3),), (), 0), (0, (("x",),), (), 0)):
        _write_cache(cache, {}, {(str(openrath_dir), "", index.BUILTIN_FORMATS): walk})
        assert len(SessionIndex([openrath_dir], cache_path=cache).scan()) == len(MANIFEST)
    # A full cache whose rows are garbage JSON for open sessions: re-read, not a crash.
    cache.unlink()
    SessionIndex([openrath_dir], cache_path=cache).scan()
    files, walks = disk_cache.load(str(cache))
    records = {p: FileRecord.from_tuple(e) for p, e in files.items()}
    files = {
        p: r._replace(row=b"{not json", mode=BY_ADAPTER, lock_rows=None).to_tuple()
        for p, r in records.items()
        if r is not None
    }
    _write_cache(cache, files, walks)
    rows = {r.path: r for r in SessionIndex([openrath_dir], cache_path=cache).scan()}
    assert len(rows) == len(MANIFEST)


def test_cached_walk_sees_new_removed_and_renamed_files(sessions_dir: Path, tmp_path: Path):
    """A reused directory listing must never hide a change: ctime proves it unchanged."""
    cache = tmp_path / "c.bin"
    with SessionWriter(directory=sessions_dir) as w:
        w.append("user", {"content": "one"})
    first = SessionIndex([sessions_dir], cache_path=cache).scan()
    assert [r.id for r in first] == [w.session_id]
    # Age the listing as if it had been made long after the directory last changed.
    files, walks = disk_cache.load(str(cache))
    walks = {k: (v[0] + 10 * walk_cache.RACY_NS, *v[1:]) for k, v in walks.items()}
    _write_cache(cache, files, walks)
    assert [r.id for r in SessionIndex([sessions_dir], cache_path=cache).scan()] == [w.session_id]
    with SessionWriter(directory=sessions_dir) as w2:
        w2.append("user", {"content": "two"})
    rows = SessionIndex([sessions_dir], cache_path=cache).scan()
    assert {r.id for r in rows} == {w.session_id, w2.session_id}
    w.path.unlink()
    rows = SessionIndex([sessions_dir], cache_path=cache).scan()
    assert [r.id for r in rows] == [w2.session_id]


def test_a_listing_made_while_the_directory_changed_is_not_reused(
    sessions_dir: Path, tmp_path: Path
) -> None:
    """Coarse timestamps: a change in the same tick as the listing may keep the ctime."""
    cache = tmp_path / "c.bin"
    with SessionWriter(directory=sessions_dir) as w:
        w.append("user", {"content": "one"})
    SessionIndex([sessions_dir], cache_path=cache).scan()
    _, walks = disk_cache.load(str(cache))
    assert walks and not any(walk_cache.walk_still_valid(v) for v in walks.values())
    # The same listing, aged: now it is trusted, and a scan does not list the directory.
    aged = {k: (v[0] + 10 * walk_cache.RACY_NS, *v[1:]) for k, v in walks.items()}
    assert all(walk_cache.walk_still_valid(v) for v in aged.values())


def test_refresh_after_append_and_delete(sessions_dir: Path, tmp_path: Path) -> None:
    w = SessionWriter(directory=sessions_dir)
    w.append("user", {"content": "first"})
    index = SessionIndex([sessions_dir], cache_path=tmp_path / "c.json")
    (row,) = index.scan()
    assert row.state is SessionState.RUNNING and row.chunks == 1
    w.append("assistant", {"content": "second", "tool_calls": None})
    fresh = index.refresh(w.partial_path)
    assert fresh.chunks == 2 and fresh.state is SessionState.RUNNING
    assert index.get_path(w.partial_path).chunks == 2
    w.close()
    assert index.refresh(w.partial_path) is None, "the partial file is gone"
    assert index.get_path(w.partial_path) is None
    closed = index.refresh(w.path)
    assert closed.state is SessionState.CLOSED and closed.chunks == 2
    assert [r.path for r in index.sessions()] == [str(w.path)]
    assert index.refresh(tmp_path / "elsewhere.jsonl") is None


def test_running_then_crashed_with_a_real_writer(sessions_dir: Path, tmp_path: Path) -> None:
    index = SessionIndex([sessions_dir], cache_path=tmp_path / "c.json")
    with live_writer(sessions_dir) as (partial, proc):
        (row,) = index.scan()
        assert row.state is SessionState.RUNNING and "writer holds its lock" in row.state_reason
        proc.kill()
        proc.wait(timeout=10)
        (row,) = index.scan()  # same bytes, cached facts, fresh liveness
        assert row.state is SessionState.CRASHED
        assert index.recheck_liveness() == []
    # recheck_liveness notices a writer dying without its file changing.
    with live_writer(sessions_dir) as (partial2, proc2):
        rows = {r.path: r for r in index.scan()}
        assert rows[str(partial2)].state is SessionState.RUNNING
        proc2.kill()
        proc2.wait(timeout=10)
        changed = index.recheck_liveness()
        assert [(c.path, c.state) for c in changed] == [(str(partial2), SessionState.CRASHED)]


def test_final_and_partial_of_one_session_show_once(sessions_dir: Path) -> None:
    sid = "12345678-0000-4000-8000-000000000000"
    with SessionWriter(sid, directory=sessions_dir) as w:
        w.append("user", {"content": "x"})
    partial = sessions_dir / f"{sid}.jsonl.__partial__"
    partial.write_bytes(w.path.read_bytes().split(b"\n")[0] + b"\n")
    rows = SessionIndex([sessions_dir], use_cache=False).scan()
    assert [(r.id, r.state) for r in rows] == [(sid, SessionState.CLOSED)]


def test_deeply_nested_header_does_not_break_the_cache(sessions_dir: Path, tmp_path: Path) -> None:
    sid = "0a0a0a0a-0000-4000-8000-000000000000"
    nested: object = "deep"
    for _ in range(300):
        nested = {"k": nested}
    head = {
        "record_type": "header",
        "schema_version": 1,
        "id": sid,
        "created_at": "2026-01-01T00:00:00+00:00",
        "parent_session_ids": [],
        "sandbox_backend": "local",
        "sandbox_spec": nested,
    }
    (sessions_dir / f"{sid}.jsonl").write_text(json.dumps(head) + "\n")
    with SessionWriter(directory=sessions_dir) as w:
        w.append("user", {"content": "ok"})
    cache = tmp_path / "c.json"
    rows = SessionIndex([sessions_dir], cache_path=cache).scan()
    assert {r.id for r in rows} == {sid, w.session_id}
    assert SessionIndex([sessions_dir], cache_path=cache).scan()
    assert cache.exists(), "the entries that can be cached still are"


def test_problems_for_missing_root_and_foreign_files(sessions_dir: Path, tmp_path: Path) -> None:
    (sessions_dir / "README.txt").write_text("hi")
    index = SessionIndex([sessions_dir, tmp_path / "missing"], use_cache=False)
    assert index.scan() == []
    assert any("missing: not a directory" in p for p in index.problems)
    assert any("1 file matches no known session format" in p for p in index.problems)


def test_builtin_formats_are_the_registry() -> None:
    """A warm listing names the active formats without importing the registry."""
    assert tuple(formats_mod.ADAPTERS) == index.BUILTIN_FORMATS


def test_builtin_partial_suffixes_are_the_adapters() -> None:
    """A warm listing folds final/partial pairs without importing an adapter."""
    from sessionview.store.registry import BUILTIN_PARTIAL_SUFFIXES

    assert {
        name: a.partial_suffix for name, a in formats_mod.ADAPTERS.items() if a.partial_suffix
    } == BUILTIN_PARTIAL_SUFFIXES


def test_a_cached_walk_notices_what_appears_inside_a_declined_folder(tmp_path: Path) -> None:
    """nanobot descends into a folder only once it holds `.workspace`: creating that file
    changes the folder, not the root, and the cached walk must see it."""
    fixture = Path(__file__).parent.parent / "fixtures" / "nanobot" / "main-config" / "sessions"
    (source,) = [p for p in fixture.iterdir() if p.is_dir()]
    root = tmp_path / "nb"
    workspace = root / "my-workspace"
    workspace.mkdir(parents=True)
    for f in source.glob("*.jsonl"):
        (workspace / f.name).write_bytes(f.read_bytes())
    cache = tmp_path / "c.bin"
    roots = [Root(root, "nanobot")]
    assert SessionIndex(roots, cache_path=cache).scan() == []
    files, walks = disk_cache.load(str(cache))
    _write_cache(
        cache, files, {k: (v[0] + 10 * walk_cache.RACY_NS, *v[1:]) for k, v in walks.items()}
    )
    (workspace / ".workspace").write_bytes((source / ".workspace").read_bytes())
    rows = SessionIndex(roots, cache_path=cache).scan()
    assert [r.format for r in rows] == ["nanobot"]


def test_the_row_shape_has_one_definition() -> None:
    """`SessionInfo.to_json`, the adapters' empty row and the builder agree on the keys."""
    from sessionview.store.formats.base import facts_row
    from sessionview.store.model import ROW_FIELDS, SessionInfo, session_row

    info = SessionInfo(
        id="s", format="openrath", state=SessionState.CLOSED, state_reason="", path="/x"
    )
    assert tuple(info.to_json()) == ROW_FIELDS
    assert tuple(facts_row("openrath", "s", "closed", "")) == ROW_FIELDS
    assert tuple(session_row("s", "openrath", "closed", "")) == ROW_FIELDS
    assert SessionInfo.from_json(info.to_json()) == info
