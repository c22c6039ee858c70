"""The forked reader gives what one process gives, whatever its child does."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sessionview.store import SessionIndex, forked_read
from sessionview.store.writer import SessionWriter

PARENT = os.getpid()


def square(job: int) -> int:
    return job * job


@pytest.mark.parametrize("count", [0, 1, 2, 21, 100])
def test_every_job_once_in_its_place(count: int) -> None:
    got: dict[int, int] = {}
    forked_read.read_all(list(range(count)), square, got.__setitem__, portable=lambda r: True)
    assert got == {i: i * i for i in range(count)}


def test_what_the_child_cannot_read_or_send_is_read_here() -> None:
    def picky(job: int) -> object:
        if os.getpid() != PARENT and job % 3 == 0:
            raise OSError("the child fails on this one")
        return {"set": 1} if job % 3 == 1 else job  # a dict stands for "not portable"

    got: dict[int, object] = {}
    forked_read.read_all(
        list(range(40)), picky, got.__setitem__, portable=lambda r: not isinstance(r, dict)
    )
    assert got == {i: ({"set": 1} if i % 3 == 1 else i) for i in range(40)}


def test_a_child_that_dies_is_replaced_by_the_parent() -> None:
    def dies(job: int) -> int:
        if os.getpid() != PARENT:
            os._exit(3)
        return -job

    got: dict[int, int] = {}
    forked_read.read_all(list(range(30)), dies, got.__setitem__, portable=lambda r: True)
    assert got == {i: -i for i in range(30)}


def test_a_cold_cli_listing_of_many_files_equals_one_process(tmp_path: Path) -> None:
    """450 files: `ls --json` forks (single-threaded, 2 CPUs); the rows are the same."""
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    for n in range(450):
        writer = SessionWriter(directory=sessions)
        writer.append("user", {"content": f"prompt {n} 请 🚀"})
        writer.append("assistant", {"content": "ok", "tool_calls": None})
        writer.abandon() if n % 10 == 0 else writer.close()
    (sessions / "garbage.jsonl").write_bytes(b"\xff\xfe not json\n")
    deep: object = "x"
    for _ in range(300):
        deep = {"k": deep}
    header = {
        "record_type": "header",
        "schema_version": 1,
        "id": "deep",
        "created_at": "2026-01-01T00:00:00+00:00",
        "sandbox_spec": deep,
    }
    (sessions / "deep.jsonl").write_text(json.dumps(header) + "\n")
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    cmd = [sys.executable, "-m", "sessionview", "ls", "--json", "--dir", str(sessions)]
    cold = subprocess.run(cmd, capture_output=True, env=env, check=True).stdout
    warm = subprocess.run(cmd, capture_output=True, env=env, check=True).stdout
    assert cold == warm
    one_process = SessionIndex([sessions], use_cache=False)
    batches: list[int] = []
    rows = one_process.scan(on_batch=lambda b: batches.append(len(b)))  # streaming: no fork
    assert sum(batches) == len(rows) == 452
    expected = [r.to_json() for r in rows]
    assert json.loads(cold) == json.loads(json.dumps(expected))


def test_without_a_fork_one_process_reads_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_fork() -> int:
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(forked_read.os, "fork", no_fork)
    got: dict[int, int] = {}
    forked_read.read_all(list(range(25)), square, got.__setitem__, portable=lambda r: True)
    assert got == {i: i * i for i in range(25)}
