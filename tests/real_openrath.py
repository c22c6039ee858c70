"""OpenRath's own `SessionWriter` (the `openrath` package, the dev dependency group),
driven from tests: a script run in its own process, and the helpers that run it.

    python real_openrath.py closed DIR ID [not-object]   write a session and close it
    python real_openrath.py crashed DIR ID                write a session and abandon it
    python real_openrath.py hold DIR ID                   reopen ID with a second writer
        (what OpenRath allows for an id that is already closed), write a chunk, print
        "ready", then hold the lock until a line on stdin: "close", "abandon" or "exit"

Every mode prints one line (`ready` or `done`) and nothing else on stdout.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.processes import stop_holder

SCRIPT = Path(__file__)


def _writer(directory: Path, session_id: str):  # noqa: ANN202 - OpenRath's own types
    from uuid import UUID

    from rath.session import Session
    from rath.session.chunk import ChunkTable
    from rath.session.persistence import SessionWriter

    session = Session(ChunkTable(), id=UUID(session_id))
    return SessionWriter(session, path=directory / f"{session_id}.jsonl")


def _main(argv: list[str]) -> None:
    from rath.session.chunk import ChunkKind, ChunkRow, user_text_chunk

    mode, directory, session_id = argv[0], Path(argv[1]), argv[2]
    writer = _writer(directory, session_id)
    if mode == "closed" and argv[3:] == ["not-object"]:
        # OpenRath's writer takes any payload; its own loader and `show` cannot use it.
        writer.write_chunk(0, ChunkRow(kind=ChunkKind.USER, payload="not an object"))
    else:
        writer.write_chunk(0, user_text_chunk(f"{mode} by the real OpenRath writer"))
    if mode == "closed":
        writer.close()
    elif mode == "crashed":
        writer.abandon()
    elif mode == "hold":
        print("ready", flush=True)
        command = sys.stdin.readline().strip()
        if command == "close":
            writer.close()
        elif command == "abandon":
            writer.abandon()
        else:
            os._exit(0)  # a process that dies: the kernel drops the lock, nothing more
        return
    else:
        raise SystemExit(f"unknown mode {mode}")
    print("done", flush=True)


def write(mode: str, directory: Path, session_id: str, *extra: str) -> None:
    """Run a `closed` or `crashed` writer to its end (a real, separate process)."""
    result = subprocess.run(
        [sys.executable, str(SCRIPT), mode, str(directory), session_id, *extra],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "done", result.stderr


@contextmanager
def holding_writer(directory: Path, session_id: str) -> Iterator[subprocess.Popen[str]]:
    """A second OpenRath writer on `session_id`, its lock held until the block ends."""
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "hold", str(directory), session_id],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None and proc.stdin is not None and proc.stderr is not None
    try:
        line = proc.stdout.readline().strip()  # the writer prints once it holds the lock
        if line != "ready":
            raise AssertionError(f"the OpenRath writer did not start: {proc.stderr.read()}")
        yield proc
    finally:
        stop_holder(proc, timeout=30)


if __name__ == "__main__":
    _main(sys.argv[1:])
