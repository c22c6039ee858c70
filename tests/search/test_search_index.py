"""The search index on real files: matching rules, incremental updates, faults."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from sessionview.store.actions import delete_session, restore
from sessionview.store.search import SearchIndex, SearchUnavailable
from tests.search.search_helpers import found_ids, listing, write_session

A = "aaaaaaaa-0000-4000-8000-000000000001"
B = "bbbbbbbb-0000-4000-8000-000000000002"
C = "cccccccc-0000-4000-8000-000000000003"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    write_session(
        d,
        A,
        [
            "Please run the database migration for users",
            "Connection failed: ECONNREFUSED 127.0.0.1:5432, retrying",
            "Café crème at the résumé stage",
        ],
    )
    write_session(
        d, B, ["请帮我分析这个日志文件为什么测试失败了", "deploy 🚀 done", "migration later"]
    )
    write_session(d, C, ["Nothing to see; SELECT * FROM users WHERE 1=1 -- AND OR NOT"])
    return d


@pytest.fixture
def search(tmp_path: Path) -> SearchIndex:
    return SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))


def test_words_phrases_prefixes_case_and_accents(corpus: Path, search: SearchIndex, tmp_path):
    sessions = listing(corpus, tmp_path / "l.bin")
    search.update(sessions)
    assert found_ids(search, "migration", sessions) == {A, B}
    assert found_ids(search, "migration users", sessions) == {A}  # AND within a session
    assert found_ids(search, '"database migration"', sessions) == {A}
    assert found_ids(search, '"migration database"', sessions) == set()
    assert found_ids(search, "migr*", sessions) == {A, B}
    assert found_ids(search, "migr", sessions) == set()  # whole words
    assert found_ids(search, "econnrefused", sessions) == {A}
    assert found_ids(search, "CAFE RESUME", sessions) == {A}
    assert found_ids(search, "127.0.0.1:5432", sessions) == {A}


def test_cjk_and_emoji_inside_longer_runs(corpus: Path, search: SearchIndex, tmp_path):
    sessions = listing(corpus, tmp_path / "l.bin")
    search.update(sessions)
    assert found_ids(search, "日志", sessions) == {B}  # two characters inside a run
    assert found_ids(search, "分析这个日志", sessions) == {B}
    assert found_ids(search, "日文", sessions) == set()
    assert found_ids(search, "🚀", sessions) == {B}
    assert found_ids(search, "deploy 🚀", sessions) == {B}
    hits = search.search("日志", sessions)[0].hits
    assert hits[0].chunk == 0 and "«日志»" in hits[0].marked()


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "AND",
        "OR NOT",
        "*",
        "-",
        ":",
        "users:",
        "SELECT * FROM users;",
        "1=1 --",
        "NEAR(a b)",
        '""',
        "^users",
        "{w}: x",
        "'",
        "\\",
        "\x00",
        "users)",
    ],
)
def test_syntax_is_text(corpus: Path, search: SearchIndex, tmp_path, query: str):
    sessions = listing(corpus, tmp_path / "l.bin")
    search.update(sessions)
    search.search(query, sessions)  # never raises
    assert found_ids(search, "SELECT * FROM users;", sessions) == {C}
    assert found_ids(search, "AND OR NOT", sessions) == {C}
    assert found_ids(search, '"unbalanced', sessions) == set()
    assert found_ids(search, '"nothing to', sessions) == {C}


def test_excerpt_marks_match_and_escapes_controls(tmp_path: Path, search: SearchIndex):
    d = tmp_path / "s"
    d.mkdir()
    write_session(d, A, ["before \x1b[31mred\x1b[0m [bold]needle[/bold] after"])
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    (result,) = search.search("needle", sessions)
    marked = result.hits[0].marked()
    assert "\x1b" not in marked and "\\e[31m" in marked
    assert "[bold]«needle»[/bold]" in marked


def test_kind_filter(tmp_path: Path, search: SearchIndex):
    from sessionview.store.writer import SessionWriter

    d = tmp_path / "s"
    d.mkdir()
    with SessionWriter(A, directory=d) as w:
        w.append("user", {"content": "look at zebra"})
        call = {
            "id": "c1",
            "type": "function",
            "function": {"name": "grep_tool", "arguments": '{"pattern": "giraffe"}'},
        }
        w.append("assistant", {"content": "searching", "tool_calls": [call]})
        w.append("tool_result", {"tool_call_id": "c1", "name": "grep_tool", "content": "okapi"})
        w.close()
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    assert found_ids(search, "zebra", sessions, kinds=["tool"]) == set()
    assert found_ids(search, "giraffe", sessions, kinds=["tool"]) == {A}
    assert found_ids(search, "okapi", sessions, kinds=["tool"]) == {A}
    assert found_ids(search, "okapi", sessions, kinds=["user"]) == set()
    assert found_ids(search, "zebra", sessions, kinds=["user"]) == {A}
    kinds = {h.kind for h in search.search("giraffe okapi", sessions)[0].hits}
    assert kinds == {"assistant", "tool_result"}


def test_base64_is_not_indexed(tmp_path: Path, search: SearchIndex):
    d = tmp_path / "s"
    d.mkdir()
    blob = "iVBORw0KGgo" + "QUJDRA" * 200
    write_session(d, A, [f"an image data:image/png;base64,{blob} end"])
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    assert found_ids(search, "image", sessions) == {A}
    assert found_ids(search, blob[:40] + "*", sessions) == set()


def test_append_reads_only_the_new_bytes(tmp_path: Path, search: SearchIndex):
    from sessionview.store.writer import SessionWriter

    d = tmp_path / "s"
    d.mkdir()
    w = SessionWriter(A, directory=d)
    w.append("user", {"content": "first words"})
    sessions = listing(d, tmp_path / "l.bin")
    assert search.update(sessions).chunks_added == 1
    assert search.update(sessions).files_read == 0  # nothing changed: nothing read
    w.append("assistant", {"content": "second lighthouse", "tool_calls": None})
    stats = search.update(sessions)
    assert (stats.files_read, stats.files_appended, stats.chunks_added) == (1, 1, 1)
    (result,) = search.search("lighthouse", sessions)
    assert [h.chunk for h in result.hits] == [1]
    w.close()  # the trailer, then the rename to .jsonl (same inode: rows kept)
    sessions = listing(d, tmp_path / "l.bin")
    assert sessions[0].path.endswith(".jsonl")
    stats = search.update(sessions)
    assert stats.chunks_added == 0
    assert found_ids(search, "first lighthouse", sessions) == {A}


def test_truncate_and_rewrite_reindex_whole(tmp_path: Path, search: SearchIndex):
    d = tmp_path / "s"
    d.mkdir()
    path = write_session(d, A, ["alpha one", "beta two", "gamma three"])
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))  # header + first chunk: truncated
    sessions = listing(d, tmp_path / "l.bin")
    stats = search.update(sessions)
    assert stats.files_appended == 0 and stats.files_read == 1
    assert found_ids(search, "alpha", sessions) == {A}
    assert found_ids(search, "gamma", sessions) == set()
    # Rewritten in place to the same size: found by its mtime.
    original = path.read_bytes()
    path.write_bytes(original.replace(b"alpha", b"omega"))
    os.utime(path, ns=(os.stat(path).st_atime_ns, os.stat(path).st_mtime_ns + 5_000_000))
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    assert found_ids(search, "omega", sessions) == {A}
    assert found_ids(search, "alpha", sessions) == set()


def test_delete_and_restore(tmp_path: Path, search: SearchIndex, corpus: Path):
    sessions = listing(corpus, tmp_path / "l.bin")
    search.update(sessions)
    info = next(s for s in sessions if s.id == A)
    entry = delete_session(info, trash_dir=tmp_path / "trash", roots=[corpus])
    after = listing(corpus, tmp_path / "l.bin")
    assert found_ids(search, "migration", after) == {B}  # gone before the index knows
    assert search.update(after).files_dropped == 1
    assert found_ids(search, "migration", sessions) == {B}  # and gone from the index
    restore(entry)
    back = listing(corpus, tmp_path / "l.bin")
    search.update(back)
    assert found_ids(search, "migration", back) == {A, B}


def test_damaged_and_foreign_index_rebuilt_with_one_line(tmp_path: Path, corpus: Path):
    path = tmp_path / "cache" / "search.sqlite3"
    path.parent.mkdir()
    sessions = listing(corpus, tmp_path / "l.bin")
    path.write_bytes(b"this is not a database at all" * 100)
    search = SearchIndex(str(path))
    search.update(sessions)
    assert len(search.notices) == 1 and "rebuilding" in search.notices[0]
    assert found_ids(search, "migration", sessions) == {A, B}
    con = sqlite3.connect(path)
    con.execute("PRAGMA user_version = 999")
    con.commit()
    con.close()
    again = SearchIndex(str(path))
    assert found_ids(again, "migration", sessions) == set()  # rebuilt empty...
    assert "another version" in again.notices[0]
    again.update(sessions)
    assert found_ids(again, "migration", sessions) == {A, B}  # ...and filled again
    path.unlink()
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    third = SearchIndex(str(path))
    third.update(sessions)
    assert found_ids(third, "migration", sessions) == {A, B}


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_cache_dir_is_a_clear_error(tmp_path: Path, corpus: Path):
    cache = tmp_path / "ro"
    cache.mkdir()
    cache.chmod(0o500)
    try:
        search = SearchIndex(str(cache / "sub" / "search.sqlite3"))
        with pytest.raises(SearchUnavailable, match="search is unavailable"):
            search.update(listing(corpus, tmp_path / "l.bin"))
        search = SearchIndex(str(cache / "search.sqlite3"))
        with pytest.raises(SearchUnavailable, match="search is unavailable"):
            search.update(listing(corpus, tmp_path / "l.bin"))
    finally:
        cache.chmod(0o700)


def test_cache_dir_that_cannot_exist_is_a_clear_error(tmp_path: Path, corpus: Path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    search = SearchIndex(str(blocker / "cache" / "search.sqlite3"))
    with pytest.raises(SearchUnavailable, match="search is unavailable: cannot create"):
        search.update(listing(corpus, tmp_path / "l.bin"))


def _ids(results) -> list[str]:
    return [r.info.id for r in results]


def test_a_word_in_most_chunks_filters_and_newest_come_first(tmp_path: Path):
    """A term in half or more of the chunks has no BM25 weight: it still must match, and
    sessions holding only such terms come newest first, as many as asked for."""
    d = tmp_path / "sessions"
    d.mkdir()
    ids = [f"{n:08x}-0000-4000-8000-00000000000{n}" for n in range(1, 6)]
    for n, sid in enumerate(ids):
        texts = ["the build passed", "the tests ran"] if n != 2 else ["nothing here"]
        if n == 4:
            texts.append("the zyzzyva word")
        path = write_session(d, sid, texts)
        os.utime(path, (1_700_000_000 + n, 1_700_000_000 + n))
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    every = search.search("the", sessions, limit=None)
    assert set(_ids(every)) == {ids[0], ids[1], ids[3], ids[4]}
    newest = [s.id for s in sorted(sessions, key=lambda s: s.updated_at or s.created_at)]
    expected = [sid for sid in reversed(newest) if sid != ids[2]]
    assert _ids(every) == expected
    assert _ids(search.search("the", sessions, limit=2)) == expected[:2]
    assert _ids(search.search("the zyzzyva", sessions)) == [ids[4]]
    assert _ids(search.search("nothing the", sessions)) == []
    assert all(r.hits and r.matching_chunks >= 2 for r in every)


def test_only_the_newest_sessions_are_ranked_when_too_many_match(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    from sessionview.store.search import searcher

    d = tmp_path / "sessions"
    d.mkdir()
    ids = [f"{n:08x}-0000-4000-8000-00000000000{n}" for n in range(1, 6)]
    for sid in ids:
        write_session(d, sid, ["a migration plan", "unrelated text one", "more unrelated text"])
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    sessions = listing(d, tmp_path / "l.bin")
    search.update(sessions)
    assert len(search.search("migration", sessions, limit=None)) == 5
    monkeypatch.setattr(searcher, "RANKED", 2)
    results = search.search("migration", sessions, limit=None)
    assert len(results) == 5  # all still found; only two were scored
    assert sum(r.score != 0.0 for r in results) == 2
