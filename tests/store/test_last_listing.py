"""`ls --json`'s last listing, printed again only while every fact it rested on holds
(`store/index/last_listing.py`, `store/index/proof.py`): real files, real writers,
a real record cache, and the CLI as a user runs it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import NamedTuple

import orjson
import pytest
from store_helpers import live_writer

from sessionview.store.index import SessionIndex, walk_cache
from tests.helpers.cli import sv
from tests.helpers.processes import stop_holder

CLAUDE_PROJECTS = Path(__file__).parents[1] / "fixtures" / "claude" / "projects"


@pytest.fixture(autouse=True)
def trusted_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory listing is trusted only once its directory was quiet for a while
    (`walk_cache.RACY_NS`); these tests change directories and list right away."""
    monkeypatch.setattr(walk_cache, "RACY_NS", 0)


@pytest.fixture
def provable_dir(openrath_dir: Path) -> Path:
    """The real-writer fixtures but the one whose state its adapter decides on every
    scan (a trailer written, the file never renamed: crashed, or closing right now)."""
    (openrath_dir / "e77c7e9f-df03-4b9b-b1fb-c1cd1644388f.jsonl.__partial__").unlink()
    return openrath_dir


class Listing(NamedTuple):
    index: SessionIndex
    output: bytes

    @property
    def rows(self) -> dict[str, dict]:
        return {row["path"]: row for row in orjson.loads(self.output)}


def _listing(directory: Path, cache: Path, states: set[str] | None = None) -> Listing:
    """A listing as `ls --json` makes it, the listing it keeps written before returning."""
    index = SessionIndex([directory], cache_path=cache)
    output = index.scan_json(states, reuse_last=True)
    index.wait_saved(30)
    return Listing(index, output)


def test_an_unchanged_listing_is_printed_again_without_reading_the_record_cache(
    provable_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "index.bin"
    _listing(provable_dir, cache)  # cold: reads every file, keeps no listing
    warm = _listing(provable_dir, cache)  # warm: the long way, keeps its output
    assert warm.index.cache_loaded
    again = _listing(provable_dir, cache)
    assert not again.index.cache_loaded, "an unchanged listing must not need the record cache"
    assert again.output == warm.output
    assert len(again.rows) == 20
    plain = SessionIndex([provable_dir], use_cache=False).scan_json()
    assert again.output == plain


def test_a_grown_or_added_or_removed_file_is_listed_anew(
    provable_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "index.bin"
    _listing(provable_dir, cache)
    before = _listing(provable_dir, cache).rows
    # An added file: its directory's ctime moved.
    with live_writer(provable_dir) as (partial, proc):
        added = _listing(provable_dir, cache)
        assert added.index.cache_loaded
        assert added.rows[str(partial)]["state"] == "running"
        assert len(added.rows) == len(before) + 1
        proven = _listing(provable_dir, cache)
        assert not proven.index.cache_loaded and proven.rows == added.rows
        # The same file, same size and times, its writer gone: only the lock verdict moved.
        stop_holder(proc, timeout=10)
        after_writer = _listing(provable_dir, cache)
        assert after_writer.index.cache_loaded
        assert after_writer.rows[str(partial)]["state"] == "crashed"
    # A grown file: same directory, another size and mtime.
    grown = str(partial)
    with open(grown, "ab") as fh:
        fh.write(b'{"record_type":"chunk","index":1,"kind":"user","payload":{"content":"x"}}\n')
    rows = _listing(provable_dir, cache).rows
    assert rows[grown]["chunks"] == after_writer.rows[grown]["chunks"] + 1
    # A removed file.
    os.unlink(grown)
    assert _listing(provable_dir, cache).rows == before


def test_each_set_of_states_keeps_its_own_listing(provable_dir: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache" / "index.bin"
    _listing(provable_dir, cache)
    everything = _listing(provable_dir, cache).rows
    _listing(provable_dir, cache, {"closed"})
    closed = _listing(provable_dir, cache, {"closed"})
    assert not closed.index.cache_loaded
    expected = {p for p, row in everything.items() if row["state"] == "closed"}
    assert set(closed.rows) == expected and 0 < len(expected) < len(everything)
    assert _listing(provable_dir, cache).rows == everything


def test_a_state_its_adapter_decides_on_every_scan_keeps_no_listing(
    tmp_path: Path,
) -> None:
    """A Claude Code session is running while its file was written lately: a clock,
    not stat and lock, decides it, so no listing of it is ever printed again."""
    directory = tmp_path / "claude"
    shutil.copytree(CLAUDE_PROJECTS, directory)
    cache = tmp_path / "cache" / "index.bin"
    _listing(directory, cache)
    _listing(directory, cache)
    again = _listing(directory, cache)
    assert again.index.cache_loaded
    assert not list((cache.parent / "listings").glob("*.bin"))


def test_a_damaged_kept_listing_is_a_listing_the_long_way(
    provable_dir: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache" / "index.bin"
    _listing(provable_dir, cache)
    expected = _listing(provable_dir, cache).output
    (kept,) = (cache.parent / "listings").glob("*.bin")
    kept.write_bytes(kept.read_bytes()[:1000])
    again = _listing(provable_dir, cache)
    assert again.index.cache_loaded and again.output == expected


def test_the_cli_prints_the_kept_listing_and_plain_mode_keeps_none(
    provable_dir: Path, isolated_home: Path
) -> None:
    listings = isolated_home / ".cache" / "sessionview" / "listings"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SESSIONVIEW_PLAIN", "last_listing")
        first = sv("ls", "--json", "--dir", str(provable_dir), check=True).stdout
        sv("ls", "--json", "--dir", str(provable_dir), check=True)
        assert not listings.exists()
    outputs = [sv("ls", "--json", "--dir", str(provable_dir), check=True).stdout for _ in range(3)]
    assert outputs == [first] * 3
    assert len(list(listings.glob("*.bin"))) == 1


def test_a_hosts_serve_answers_row_by_row_from_the_kept_listing(
    provable_dir: Path, tmp_path: Path
) -> None:
    """`ls --host` asks the host's serve for rows (`scan_json_rows`, tagged with the
    host): from the kept listing, the same rows the long way gives."""
    cache = tmp_path / "cache" / "index.bin"
    _listing(provable_dir, cache)
    _listing(provable_dir, cache)
    index = SessionIndex([provable_dir], cache_path=cache)
    rows = index.scan_json_rows(extra={"host": "devbox"}, reuse_last=True)
    assert not index.cache_loaded
    plain = SessionIndex([provable_dir], use_cache=False)
    assert rows == plain.scan_json_rows(extra={"host": "devbox"})
    assert len(rows) == 20 and all(orjson.loads(r)["host"] == "devbox" for r in rows)
    filtered = SessionIndex([provable_dir], cache_path=cache)
    filtered.scan_json_rows({"closed"}, reuse_last=True)  # the long way, kept
    filtered.wait_saved(30)
    again = SessionIndex([provable_dir], cache_path=cache)
    closed = again.scan_json_rows({"closed"}, reuse_last=True)
    assert not again.cache_loaded
    assert closed == plain.scan_json_rows({"closed"}) and 0 < len(closed) < 20
