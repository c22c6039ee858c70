"""Real processes on one index: kill -9 in the middle of a build, two at once."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

from sessionview.store.search import SearchIndex
from tests.search.search_helpers import indexed_chunks, listing, write_session

PROC = Path(__file__).parent / "index_proc.py"
SESSIONS = 40
CHUNKS = 3


def make_corpus(directory: Path) -> list[str]:
    directory.mkdir()
    ids = []
    for n in range(SESSIONS):
        sid = f"{n:08d}-0000-4000-8000-00000000000{n % 10}"
        write_session(directory, sid, [f"common word{n} " + "filler " * 2000] * CHUNKS)
        ids.append(sid)
    return sorted(ids)


def start(directory: Path, index: Path, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(PROC), str(directory), str(index), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).parent.parent.parent,
    )


def test_kill_9_mid_build_then_the_next_run_continues(tmp_path: Path):
    directory = tmp_path / "sessions"
    ids = make_corpus(directory)
    index = tmp_path / "cache" / "search.sqlite3"
    proc = start(directory, index, "--batch", "2")
    assert proc.stdout is not None
    done = 0
    for line in proc.stdout:
        if line.startswith("file "):
            done = int(line.split()[1])
            if done >= 12:
                proc.send_signal(signal.SIGKILL)
                break
    else:
        raise AssertionError(f"the build ended before it could be killed: {proc.stderr.read()}")
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    sessions = listing(directory, tmp_path / "l.bin")
    search = SearchIndex(str(index))
    stats = search.update(sessions)
    assert search.notices == []  # the killed build left a sound index
    assert 0 < stats.files_read < SESSIONS  # committed batches were kept, not redone
    assert sorted(r.info.id for r in search.search("common", sessions, limit=None)) == ids
    assert indexed_chunks(index) == SESSIONS * CHUNKS


def test_two_processes_build_and_search_at_once(tmp_path: Path):
    directory = tmp_path / "sessions"
    ids = make_corpus(directory)
    index = tmp_path / "cache" / "search.sqlite3"
    procs = [start(directory, index, "--batch", "3") for _ in range(2)]
    for proc in procs:
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
        found = next(line for line in out.splitlines() if line.startswith("found "))
        assert json.loads(found[len("found ") :]) == ids
    assert indexed_chunks(index) == SESSIONS * CHUNKS
    con = sqlite3.connect(index)
    assert con.execute("SELECT count(*) FROM files").fetchone()[0] == SESSIONS
