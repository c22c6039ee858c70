"""A query found in most sessions is answered the `grep -l` way (searcher.py): the
newest `limit` sessions that match, ordered among themselves by BM25 then recency."""

from __future__ import annotations

from pathlib import Path

from sessionview.store.search import SearchIndex
from tests.search.search_helpers import found_ids, listing, write_session


def sid(n: int) -> str:
    return f"{n:08d}-0000-4000-8000-000000000000"


def test_a_common_word_gives_the_newest_matches_ranked_by_bm25(tmp_path: Path):
    d = tmp_path / "sessions"
    d.mkdir()
    for n in range(30):  # written in order: the higher n, the newer
        words = {3: "fox fox fox fox", 26: "fox fox fox"}.get(n, "a fox among many other words")
        write_session(d, sid(n), [words if n % 10 else "no such animal", "done"])
    sessions = listing(d, tmp_path / "l.bin")
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    search.update(sessions)
    newest_matching = [sid(n) for n in range(29, -1, -1) if n % 10][:5]
    results = search.search("fox", sessions, limit=5)
    assert {r.info.id for r in results} == set(newest_matching)
    assert results[0].info.id == sid(26)  # the most fox per word among them: best BM25
    assert sid(3) not in {r.info.id for r in results}  # better, but older than those
    assert [r.score for r in results] == sorted(r.score for r in results)
    assert all(r.hits and r.matching_chunks == 1 for r in results)
    # Without a limit every match is found, as for any query.
    assert found_ids(search, "fox", sessions) == {sid(n) for n in range(30) if n % 10}


def test_a_rare_word_is_ranked_over_every_match(tmp_path: Path):
    d = tmp_path / "sessions"
    d.mkdir()
    for n in range(30):
        text = "zyzzyva zyzzyva zyzzyva" if n == 0 else ("zyzzyva once" if n < 3 else "other")
        write_session(d, sid(n), [text, "done"])
    sessions = listing(d, tmp_path / "l.bin")
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    search.update(sessions)
    results = search.search("zyzzyva", sessions, limit=2)
    assert [r.info.id for r in results][0] == sid(0)  # the oldest, but the best match


def test_matching_chunks_count_does_not_depend_on_the_words_order(tmp_path: Path):
    """A result's "N more matching chunks" is the chunks holding some word of the query
    (what the transcript's n/N step through), whatever order the words were typed in."""
    d = tmp_path / "sessions"
    d.mkdir()
    chunks = ["alpha one", "alpha two", "alpha three", "beta four", "alpha beta", "neither"]
    write_session(d, sid(1), chunks)
    sessions = listing(d, tmp_path / "l.bin")
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    search.update(sessions)
    for query in ("alpha beta", "beta alpha"):
        (result,) = search.search(query, sessions)
        assert result.matching_chunks == 5, (query, result.matching_chunks)
        path = result.info.path
        assert len(search.chunks_matching(query, path)) == 5
