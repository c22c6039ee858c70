"""A real writer process for the store tests (run as a script, never imported by pytest).

python writer_proc.py hold DIR [ID]        construct a SessionWriter, write one chunk,
                                           print its partial path, then wait for a line
                                           on stdin: "close", "abandon" or "exit" (os._exit)
python writer_proc.py stress DIR N         N writers one after the other; each writes a
                                           chunk and closes or abandons; prints a JSON
                                           report {"ok": n, "failures": [...]} at the end
python writer_proc.py append DIR N DELAY   one writer appending N chunks DELAY s apart,
                                           printing its partial path first, then closes
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from sessionview.store.writer import SessionWriter


def hold(directory: Path, session_id: str | None) -> None:
    writer = SessionWriter(session_id, directory=directory)
    writer.append("user", {"content": "held by a live writer"})
    print(writer.partial_path, flush=True)
    command = sys.stdin.readline().strip()
    if command == "close":
        writer.close()
    elif command == "abandon":
        writer.abandon()
    else:
        os._exit(0)


def stress(directory: Path, count: int) -> None:
    ok = 0
    failures: list[str] = []
    for i in range(count):
        try:
            writer = SessionWriter(directory=directory)
            writer.append("user", {"content": f"writer {i} 你好 🚀"})
            time.sleep(0.0005)  # hold the lock long enough for probes to see it
            if i % 2:
                writer.close(usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})
            else:
                writer.abandon()
            ok += 1
        except Exception as exc:  # report every failure, keep going
            failures.append(f"{i}: {type(exc).__name__}: {exc}")
    print(json.dumps({"ok": ok, "failures": failures}), flush=True)


def append(directory: Path, count: int, delay: float) -> None:
    writer = SessionWriter(directory=directory)
    print(writer.partial_path, flush=True)
    for i in range(count):
        time.sleep(delay)  # the scenario: a writer pacing its appends
        writer.append(
            "assistant", {"content": f"chunk {i} " + "数据" * (i % 7), "tool_calls": None}
        )
    writer.close()


def main() -> None:
    mode, directory = sys.argv[1], Path(sys.argv[2])
    if mode == "hold":
        hold(directory, sys.argv[3] if len(sys.argv) > 3 else None)
    elif mode == "stress":
        stress(directory, int(sys.argv[3]))
    elif mode == "append":
        append(directory, int(sys.argv[3]), float(sys.argv[4]))
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
