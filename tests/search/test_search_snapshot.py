"""The CLI's shortcut past the listing (store/search/snapshot.py), on real files, a
real listing and a real index: it answers exactly what listing first would, and
anything the listing would see differently is either caught up or not proven."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sessionview.store.index import SessionIndex, walk_cache
from sessionview.store.roots import Root
from sessionview.store.search import SearchIndex
from sessionview.store.search.listing import as_listed
from sessionview.store.writer import SessionWriter
from tests.search.search_helpers import write_session

IDS = [f"{n:08d}-0000-4000-8000-00000000000{n}" for n in range(4)]
PARTIAL = "99999999-0000-4000-8000-000000000009"


@pytest.fixture(autouse=True)
def no_racy_window(monkeypatch: pytest.MonkeyPatch) -> None:
    """Directories written a moment ago count as settled (the listing's walk cache
    otherwise trusts a directory only 2 s after its last change)."""
    monkeypatch.setattr(walk_cache, "RACY_NS", 0)


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    d = tmp_path / "sessions"
    d.mkdir()
    for n, sid in enumerate(IDS):
        write_session(d, sid, [f"the migration plan number{n}", "ECONNREFUSED on port 5432"])
    write_session(d, PARTIAL, ["a crashed migration, half written"], close=False)
    return d


def slow(search: SearchIndex, d: Path, cache: Path, text: str) -> list[dict]:
    """The long way: list, update, search, and keep the snapshot."""
    index = SessionIndex([d], cache_path=cache)
    entries = index.scan_entries()
    search.update(as_listed(entries))
    results = search.search(text, as_listed(entries), limit=20)
    search.remember([Root(d)], index, entries)
    return [r.to_json() for r in results]


def fast(search: SearchIndex, d: Path, text: str) -> list[dict] | None:
    found = search.search_if_current(text, [Root(d)], limit=20)
    return None if found is None else [r.to_json() for r in found[0]]


def append_chunk(path: Path, index: int, text: str) -> None:
    """One chunk line as OpenRath's writer appends it."""
    record = {"record_type": "chunk", "index": index, "kind": "user", "payload": {"content": text}}
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(record) + "\n")


def test_an_unchanged_listing_is_not_listed_again_and_answers_the_same(corpus, tmp_path):
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    cache = tmp_path / "l.bin"
    assert fast(search, corpus, "migration") is None  # nothing kept yet
    expected = slow(search, corpus, cache, "migration")
    assert {r["id"] for r in expected} == {*IDS, PARTIAL}
    os.unlink(cache)  # the listing cache is not what answers
    assert fast(search, corpus, "migration") == expected
    assert fast(search, corpus, '"port 5432"') == slow(search, corpus, cache, '"port 5432"')


def test_a_grown_session_is_read_alone_and_found(corpus, tmp_path):
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    slow(search, corpus, tmp_path / "l.bin", "migration")
    partial = corpus / f"{PARTIAL}.jsonl.__partial__"
    append_chunk(partial, 1, "the zyzzyva appears later")
    found = fast(search, corpus, "zyzzyva")
    assert found is not None and [(r["id"], r["hits"][0]["chunk"]) for r in found] == [(PARTIAL, 1)]
    # Caught up: the same as a search that lists everything, and the next one is fast.
    fresh = SearchIndex(str(tmp_path / "other" / "search.sqlite3"))
    assert found == slow(fresh, corpus, tmp_path / "l2.bin", "zyzzyva")
    assert fast(search, corpus, "zyzzyva") == found


def test_a_lock_taken_or_released_changes_the_state_shown(corpus, tmp_path):
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    d = tmp_path / "live"
    d.mkdir()
    writer = SessionWriter(PARTIAL, directory=d)
    writer.append("user", {"content": "a running migration"})
    assert [r["state"] for r in slow(search, d, tmp_path / "l.bin", "migration")] == ["running"]
    assert [r["state"] for r in fast(search, d, "migration") or []] == ["running"]
    writer.abandon()  # the writer is gone without a word: the lock alone tells
    found = fast(search, d, "migration")
    assert found is not None and [r["state"] for r in found] == ["crashed"]


@pytest.mark.parametrize("change", ["new file", "deleted file", "renamed file"])
def test_what_only_a_listing_can_tell_is_not_proven(corpus, tmp_path, change):
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    slow(search, corpus, tmp_path / "l.bin", "migration")
    victim = corpus / f"{IDS[0]}.jsonl"
    if change == "new file":
        write_session(corpus, "77777777-0000-4000-8000-000000000007", ["another migration"])
    elif change == "deleted file":
        victim.unlink()
    else:
        victim.rename(corpus / f"{IDS[0]}.jsonl.bak")
    assert fast(search, corpus, "migration") is None
    # The long way then keeps a new snapshot, which answers as it does.
    expected = slow(search, corpus, tmp_path / "l.bin", "migration")
    assert fast(search, corpus, "migration") == expected


def test_filters_apply_to_the_kept_rows(corpus, tmp_path):
    search = SearchIndex(str(tmp_path / "cache" / "search.sqlite3"))
    slow(search, corpus, tmp_path / "l.bin", "migration")
    found = search.search_if_current(
        "migration", [Root(corpus)], keep=lambda s: s.state == "crashed", limit=20
    )
    assert found is not None and [r.info.id for r in found[0]] == [PARTIAL]


def test_rows_replaced_under_a_search_send_it_the_long_way(corpus, tmp_path):
    import sqlite3

    path = tmp_path / "cache" / "search.sqlite3"
    search = SearchIndex(str(path))
    slow(search, corpus, tmp_path / "l.bin", "migration")
    con = sqlite3.connect(path)
    con.execute("DELETE FROM listed")  # as if another search kept a newer snapshot
    con.commit()
    con.close()
    assert fast(search, corpus, "migration") is None


CLI_SEARCH = r"""
import sys
from sessionview.store.index import walk_cache
walk_cache.RACY_NS = 0  # directories written a moment ago count as settled
from sessionview.cli import main
main(sys.argv[1:])
heavy = {"dataclasses", "orjson", "sessionview.store.model", "textual"}
print(sorted(heavy & set(sys.modules)), file=sys.stderr)
"""


def test_a_search_answered_from_the_kept_rows_prints_them_without_the_record_classes(
    corpus: Path, tmp_path: Path
) -> None:
    """The second search, proven by the snapshot, prints what the first (the long way)
    printed, from the kept rows: no `dataclasses`, orjson or `SessionInfo` imported."""
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    runs = [
        subprocess.run(
            [
                sys.executable,
                "-c",
                CLI_SEARCH,
                "search",
                "migration",
                "--json",
                "--dir",
                str(corpus),
            ],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            check=True,
        )
        for _ in range(2)
    ]
    long_way, proven = runs
    assert len(json.loads(long_way.stdout)) == 5
    assert proven.stdout == long_way.stdout
    assert proven.stderr.strip() == "[]", proven.stderr
    assert "dataclasses" in long_way.stderr, "the long way reads files with the adapters"
