"""A simulated agent: real `SessionWriter`s in a separate process (run as a script).

    python agent_proc.py sessions DIR COUNT CHUNKS MAX_DELAY SEED
        COUNT sessions one after the other, CHUNKS chunks each, a random pause of up to
        MAX_DELAY seconds before each chunk; prints one JSON line per event:
        {"event": "start", "id", "path"} once the header is written (the lock is held),
        {"event": "closed", "id", "chunks"} after close(), {"event": "error", ...} on any
        failure (a lock not taken, a write that failed), then {"event": "done"}.
    python agent_proc.py reopen FINAL_PATH ID
        re-open an existing `<FINAL_PATH>.__partial__` as the real writer does for an
        explicit path (append mode, exclusive lock, a header line), print "locked",
        append one chunk per line read on stdin until "close" or EOF.

`expected_payload(id, i)` is what chunk i of a session holds, so a reader can check
every chunk it saw.
"""

from __future__ import annotations

import json
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

KINDS = ("user", "assistant", "tool_result", "assistant")


def expected_payload(sid: str, i: int) -> tuple[str, dict]:
    kind = KINDS[i % len(KINDS)]
    text = f"{sid}:{i} " + "你好🚀é\x1b[0m" * (i % 4) + "x" * (i * 37 % 300)
    if kind == "assistant":
        return kind, {"content": text, "tool_calls": None}
    if kind == "tool_result":
        return kind, {"tool_call_id": f"c{i}", "name": "sh", "content": text}
    return kind, {"content": text}


def emit(**event: object) -> None:
    sys.stdout.write(json.dumps(event) + "\n")
    sys.stdout.flush()


def sessions(directory: str, count: int, chunks: int, max_delay: float, seed: int) -> None:
    from sessionview.store.writer import SessionWriter

    rng = random.Random(seed)
    for _ in range(count):
        try:
            writer = SessionWriter(directory=directory)
        except Exception as exc:  # the lock not taken: the one thing that must not happen
            emit(event="error", stage="open", error=f"{type(exc).__name__}: {exc}")
            continue
        sid = writer.session_id
        emit(event="start", id=sid, path=str(writer.partial_path))
        try:
            for i in range(chunks):
                time.sleep(rng.random() * max_delay)  # the scenario: an agent thinking
                kind, payload = expected_payload(sid, i)
                writer.append(kind, payload)
            writer.close(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3})
            emit(event="closed", id=sid, chunks=chunks)
        except Exception as exc:
            emit(event="error", stage="write", id=sid, error=f"{type(exc).__name__}: {exc}")
    emit(event="done")


def reopen(final_path: str, sid: str) -> None:
    from sessionview.store.writer import SessionWriter

    writer = SessionWriter(
        sid, path=Path(final_path), created_at=datetime.now(UTC) - timedelta(days=30)
    )
    print("locked", flush=True)
    i = 100
    for line in sys.stdin:
        if line.strip() == "close":
            break
        writer.append("user", {"content": f"resumed {i}"})
        i += 1
        print("appended", flush=True)
    writer.close()
    print("closed", flush=True)


if __name__ == "__main__":
    mode = sys.argv[1]
    if mode == "sessions":
        d, n, c, delay, seed = sys.argv[2:7]
        sessions(d, int(n), int(c), float(delay), int(seed))
    elif mode == "reopen":
        reopen(sys.argv[2], sys.argv[3])
    else:
        sys.exit(f"unknown mode {mode}")
