"""`sessionview search` as a whole process: JSON shape, ids `show` accepts, filters, errors."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers.cli import sv as run_sv

FIXTURES = Path(__file__).parent.parent / "fixtures"


def sv(*args: str) -> subprocess.CompletedProcess[str]:
    return run_sv(*args, timeout=120)


@pytest.fixture
def dirs(tmp_path: Path) -> list[str]:
    out = []
    for fmt, sub in (
        ("openrath", "."),
        ("claude", "projects/-home-alice-src-app"),
        ("codex", "sessions/2026/03/02"),
    ):
        shutil.copytree(FIXTURES / fmt / sub, tmp_path / fmt)
        out += ["--dir", str(tmp_path / fmt)]
    return out


def test_json_shape_and_every_id_is_accepted_by_show(dirs: list[str]):
    result = sv("search", "tests", "--json", *dirs)
    assert result.returncode == 0, result.stderr
    assert "indexing" not in result.stderr  # stderr is not a terminal: no progress line
    data = json.loads(result.stdout)
    assert data and all(set(r) == {"id", "format", "state", "title", "path", "hits"} for r in data)
    for r in data:
        assert r["hits"] and all(set(h) == {"chunk", "kind", "excerpt"} for h in r["hits"])
        assert all("«" in h["excerpt"] for h in r["hits"])
        shown = sv("show", r["id"], "--json", *dirs)
        assert shown.returncode == 0, shown.stderr
        chunks = json.loads(shown.stdout)["chunks"]
        for h in r["hits"]:
            assert chunks[h["chunk"]]["kind"] == h["kind"]


def test_no_result_is_an_empty_array(dirs: list[str]):
    result = sv("search", "--json", *dirs, "--", "-:*", "-zzzqqq")  # after --, dashes are text
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
    result = sv("search", "--json", *dirs, "--", "-verbose")  # `-` is punctuation
    assert {r["format"] for r in json.loads(result.stdout)} == {"claude", "codex"}
    result = sv("search", "zzzqqqnothing", "--json", *dirs)
    assert (result.returncode, result.stdout.strip()) == (0, "[]")
    result = sv("search", '"unbalanced AND (', "--json", *dirs)
    assert (result.returncode, result.stdout.strip()) == (0, "[]")
    assert "Traceback" not in result.stderr


def test_a_blank_query_finds_nothing_and_says_what_to_type(dirs: list[str]):
    for query in ("", "   "):
        result = sv("search", query, *dirs)
        assert result.returncode == 0 and not result.stderr, result
        assert result.stdout == 'nothing to search for: give words, "a phrase" or prefix*\n'
        as_json = sv("search", query, "--json", *dirs)
        assert as_json.returncode == 0 and json.loads(as_json.stdout) == []


def test_filters(dirs: list[str]):
    everything = json.loads(sv("search", "verbose", "--json", "--limit", "100", *dirs).stdout)
    assert {r["format"] for r in everything} == {"claude", "codex"}
    only = json.loads(sv("search", "verbose", "--json", "--agent", "claude", *dirs).stdout)
    assert only and {r["format"] for r in only} == {"claude"}
    closed = json.loads(sv("search", "the", "--json", "--state", "closed", *dirs).stdout)
    assert {r["state"] for r in closed} <= {"closed"}
    limited = json.loads(sv("search", "the", "--json", "--limit", "1", *dirs).stdout)
    assert len(limited) == 1
    tools = json.loads(sv("search", "the", "--json", "--kind", "tool", *dirs).stdout)
    assert all(h["kind"] in ("assistant", "tool_result") for r in tools for h in r["hits"])
    recent = json.loads(sv("search", "the", "--json", "--since", "1s", *dirs).stdout)
    assert len(recent) <= len(everything)


def test_text_output_is_one_line_per_hit(dirs: list[str]):
    result = sv("search", "tests", *dirs)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines and lines[1].startswith("  #") and "«tests»" in result.stdout
    result = sv("search", "zzzqqqnothing", *dirs)
    assert result.returncode == 0 and "no session contains" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--kind", "bogus"], "invalid kind"),
        (["--state", "bogus"], "invalid state"),
        (["--since", "soon"], "invalid age"),
        (["--agent", "vim"], "invalid format"),
        (["--limit", "0"], "--limit"),
    ],
)
def test_bad_options_are_one_line(dirs: list[str], args: list[str], message: str):
    result = sv("search", "x", *args, *dirs)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    # Usage errors: exit 2, as argparse's own.
    assert result.returncode == 2 and len(lines) == 1 and message in lines[0], result.stderr


def test_unusable_cache_dir_is_one_line_and_ls_still_works(dirs: list[str], tmp_path: Path):
    blocker = tmp_path / "blocker"
    blocker.write_text("a file where the cache directory should be")
    env = {**os.environ, "XDG_CACHE_HOME": str(blocker)}
    result = subprocess.run(
        [sys.executable, "-m", "sessionview", "search", "x", *dirs],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert result.returncode == 1 and "search is unavailable" in lines[-1], result.stderr
    listed = subprocess.run(
        [sys.executable, "-m", "sessionview", "ls", "--json", *dirs],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert listed.returncode == 0 and json.loads(listed.stdout)


def test_progress_line_only_on_a_terminal(dirs: list[str]):
    import pty

    master, slave = pty.openpty()
    try:
        result = subprocess.run(
            [sys.executable, "-m", "sessionview", "search", "tests", "--json", *dirs],
            stdout=subprocess.PIPE,
            stderr=slave,
            timeout=120,
            env=os.environ.copy(),
        )
        os.close(slave)
        seen = b""
        while True:
            try:
                block = os.read(master, 4096)
            except OSError:
                break
            if not block:
                break
            seen += block
    finally:
        os.close(master)
    assert result.returncode == 0 and json.loads(result.stdout)
    assert b"indexing sessions for search" in seen


def test_a_search_after_a_search_answers_the_same_without_listing(tmp_path: Path):
    """The second search takes the snapshot's shortcut (search/snapshot.py): it does
    not list (the listing cache it would write stays absent), prints the same rows and
    problem lines, and finds a chunk appended since."""
    import time

    from tests.search.search_helpers import wait_for, write_session

    d = tmp_path / "openrath"
    d.mkdir()
    for n in range(3):
        write_session(d, f"0000000{n}-0000-4000-8000-000000000000", [f"the plan {n}", "done"])
    partial = write_session(d, "09000000-0000-4000-8000-000000000000", ["the crash"], close=False)
    (d / "notes.txt").write_text("not a session: one problem line on stderr")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    listing_cache = tmp_path / "cache" / "sessionview" / "index.bin"

    def search(*words: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "sessionview", "search", *words, "--json", "--dir", str(d)]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, env=env)

    # The listing trusts a directory's cached walk only once it has been quiet 2 s.
    wait_for("the directory to settle", lambda: time.time_ns() - d.stat().st_ctime_ns > 2.2e9)
    first = search("the")
    assert first.returncode == 0 and len(json.loads(first.stdout)) == 4, first.stderr
    listing_cache.unlink()
    second = search("the")
    assert (second.stdout, second.stderr) == (first.stdout, first.stderr)
    assert "no known session format" in second.stderr
    assert not listing_cache.exists()  # answered without listing
    with open(partial, "a", encoding="utf-8") as fh:
        record = {"record_type": "chunk", "index": 1, "kind": "user"}
        fh.write(json.dumps({**record, "payload": {"content": "a zyzzyva later"}}) + "\n")
    third = search("zyzzyva")
    assert [h["chunk"] for r in json.loads(third.stdout) for h in r["hits"]] == [1]
    assert not listing_cache.exists()  # the grown file was read alone
