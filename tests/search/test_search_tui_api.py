"""What the TUI asks of the index besides `search`: every hit of one session, the newest
matching sessions first, fewer hits per session, and stopping a query from outside."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sessionview.store.search import SearchCancelled, SearchIndex
from tests.search.search_helpers import listing, write_session


def sid(n: int) -> str:
    return f"5e5510{n:02d}-0000-4000-8000-000000000000"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    for n in range(12):
        texts = [f"chunk {i} of session {n}" for i in range(30)]
        for i in (3, 7, 11, 19, 25):  # five hits of "common" in every session
            texts[i] += " common ground"
        if n == 4:
            texts[8] += " rare bird"
        write_session(d, sid(n), texts)
    return d


@pytest.fixture
def search(tmp_path: Path) -> SearchIndex:
    return SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))


def newest_first(corpus: Path, tmp_path: Path):
    sessions = listing(corpus, tmp_path / "listing.bin")
    return sorted(sessions, key=lambda s: s.updated_at or s.created_at, reverse=True)


def test_chunks_matching_lists_every_hit_in_order(corpus, search, tmp_path) -> None:
    sessions = newest_first(corpus, tmp_path)
    search.update(sessions)
    path = next(s.path for s in sessions if s.id == sid(4))
    assert search.chunks_matching("common", path) == [3, 7, 11, 19, 25]
    assert search.chunks_matching("rare common", path) == [3, 7, 8, 11, 19, 25]
    assert search.chunks_matching("common", path, kinds=["assistant"]) == [3, 7, 11, 19, 25]
    assert search.chunks_matching("common", path, kinds=["user"]) == []
    assert search.chunks_matching("nowhere", path) == []
    assert search.chunks_matching("", path) == []
    assert search.chunks_matching("common", str(corpus / "not-indexed.jsonl")) == []


def test_max_hits_limits_the_listed_hits_not_the_count(corpus, search, tmp_path) -> None:
    sessions = newest_first(corpus, tmp_path)
    search.update(sessions)
    (found,) = search.search("rare", sessions)
    assert found.info.id == sid(4)
    results = search.search("common", sessions, limit=3, max_hits=2)
    assert len(results) == 3
    for r in results:
        assert [h.chunk for h in r.hits] == [3, 7]
        assert r.matching_chunks == 5


def test_newest_matching_is_the_newest_sessions_or_none(corpus, search, tmp_path) -> None:
    sessions = newest_first(corpus, tmp_path)
    search.update(sessions)
    newest = search.newest_matching("common", sessions, limit=4, max_hits=1)
    assert newest is not None
    assert [r.info.id for r in newest] == [s.id for s in sessions[:4]]
    assert all(len(r.hits) == 1 and r.matching_chunks == 5 for r in newest)
    # One session holds the word: fewer than asked for, so the ranked search answers.
    assert search.newest_matching("rare", sessions, limit=4) is None
    assert search.newest_matching("", sessions, limit=4) == []


def test_a_set_cancel_stops_the_query(corpus, search, tmp_path) -> None:
    sessions = newest_first(corpus, tmp_path)
    search.update(sessions)
    stop = threading.Event()
    stop.set()
    with pytest.raises(SearchCancelled):
        search.search("common", sessions, cancel=stop)
    with pytest.raises(SearchCancelled):
        search.newest_matching("common", sessions, cancel=stop)
    assert len(search.search("common", sessions, cancel=threading.Event())) == 12
