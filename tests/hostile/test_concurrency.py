"""Never disturb a writer: 24 real `SessionWriter` processes start sessions and append
while listings (`SessionIndex.scan()` in a loop, and `sessionview ls` subprocesses),
followers (`sessionview show ID --follow --json`, one per session) and a watcher run
non-stop. No writer ever fails to take its lock or loses a line, and every follower
sees every chunk exactly once, in order, across the `__partial__` -> `.jsonl` rename,
and exits by itself when its session ends."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest
from agent_proc import expected_payload

from sessionview.store.formats.openrath import parse_file
from sessionview.store.index import SessionIndex
from sessionview.store.watch import watch
from tests.helpers.wait import wait_until

#: Timing-sensitive (latency bounds, a prompt stop, a heavy real-process scenario): with
#: pytest-xdist these run one after another on one worker (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("timing")

AGENT = Path(__file__).with_name("agent_proc.py")
WRITERS = 24
SESSIONS_EACH = 2
CHUNKS = 30
MAX_DELAY = 0.05  # seconds before each chunk: ~0.75 s per session


@pytest.mark.slow
def test_writers_listings_followers_and_watcher_together(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    stop = threading.Event()
    problems: list[str] = []
    stats = {"scans": 0, "ls": 0, "watch_batches": 0}
    watched: set[str] = set()
    lock = threading.Lock()
    followers: dict[str, tuple[subprocess.Popen[bytes], float]] = {}
    closed_at: dict[str, float] = {}
    writer_events: list[dict] = []

    def lister() -> None:
        index = SessionIndex([sessions], cache_path=tmp_path / "index-cache.json")
        while not stop.is_set():
            try:
                index.scan()
                stats["scans"] += 1
            except Exception as exc:  # must never happen
                problems.append(f"scan: {type(exc).__name__}: {exc}")
                return

    def ls_loop() -> None:
        while not stop.is_set():
            run = subprocess.run(
                [sys.executable, "-m", "sessionview", "ls", "--dir", str(sessions), "--json"],
                capture_output=True,
                timeout=60,
            )
            if run.returncode != 0 or b"Traceback" in run.stderr:
                problems.append(f"ls: {run.returncode} {run.stderr[-500:]!r}")
                return
            json.loads(run.stdout)
            stats["ls"] += 1

    armed = threading.Event()

    def watcher() -> None:
        try:
            for batch in watch([sessions], stop_event=stop, armed=armed):
                stats["watch_batches"] += 1
                with lock:
                    watched.update(change.path for change in batch)
        except Exception as exc:
            problems.append(f"watch: {type(exc).__name__}: {exc}")

    def follow(sid: str) -> None:
        proc = subprocess.Popen(
            [sys.executable, "-m", "sessionview", "show", sid, "--follow", "--json"]
            + ["--dir", str(sessions)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        with lock:
            followers[sid] = (proc, time.monotonic())

    def read_writer(proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        for raw in proc.stdout:
            event = json.loads(raw)
            with lock:
                writer_events.append(event)
            if event["event"] == "start":
                follow(event["id"])
            elif event["event"] == "closed":
                closed_at[event["id"]] = time.monotonic()

    background = [threading.Thread(target=f, daemon=True) for f in (lister, ls_loop, watcher)]
    for thread in background:
        thread.start()
    wait_until(armed.is_set, timeout=10, what="the watcher armed")
    started = time.monotonic()
    writers = [
        subprocess.Popen(
            [sys.executable, str(AGENT), "sessions", str(sessions), str(SESSIONS_EACH)]
            + [str(CHUNKS), str(MAX_DELAY), str(seed)],
            stdout=subprocess.PIPE,
        )
        for seed in range(WRITERS)
    ]
    readers = [threading.Thread(target=read_writer, args=(p,), daemon=True) for p in writers]
    for thread in readers:
        thread.start()
    try:
        for proc in writers:
            assert proc.wait(timeout=60) == 0
        for thread in readers:
            thread.join(10)
        outputs: dict[str, tuple[int, bytes, bytes, float]] = {}
        for sid, (proc, spawned) in list(followers.items()):
            out, err = proc.communicate(timeout=30)  # each must exit by itself
            outputs[sid] = (proc.returncode, out, err, spawned)
        elapsed = time.monotonic() - started
        final_paths = {str(sessions / f"{sid}.jsonl") for sid in closed_at}

        def unreported() -> set[str]:
            with lock:  # the watcher thread adds to `watched`
                return final_paths - watched

        wait_until(
            lambda: not unreported(),
            timeout=10,
            what=lambda: f"the watcher to report every final file; missing {unreported()}",
        )
    finally:
        stop.set()
        for proc in writers:
            if proc.poll() is None:
                proc.kill()
        for proc, _ in followers.values():
            if proc.poll() is None:
                proc.kill()
        for thread in background:
            thread.join(60)

    assert problems == []
    errors = [e for e in writer_events if e["event"] == "error"]
    assert errors == [], errors  # every lock taken, every write done
    started_ids = [e["id"] for e in writer_events if e["event"] == "start"]
    assert len(started_ids) == WRITERS * SESSIONS_EACH
    assert sorted(closed_at) == sorted(started_ids)

    # Every file holds exactly what its writer wrote: nothing lost, nothing interleaved.
    assert not list(sessions.glob("*.__partial__"))
    for sid in started_ids:
        parsed = parse_file(sessions / f"{sid}.jsonl")
        assert parsed.trailer is not None and parsed.trailer["final_chunk_count"] == CHUNKS
        assert not parsed.torn_tail
        expected = [expected_payload(sid, i) for i in range(CHUNKS)]
        assert [(c.kind, c.payload) for c in parsed.chunks] == expected
        assert [c.index for c in parsed.chunks] == list(range(CHUNKS))

    # Every follower saw every chunk exactly once, in order, and ended by itself.
    across_rename = 0
    for sid in started_ids:
        code, out, err, spawned = outputs[sid]
        assert code == 0, (sid, err[-1000:])
        assert b"Traceback" not in err
        *seen, end = [orjson.loads(line) for line in out.splitlines()]
        assert end.get("end") is True and end["state"] == "closed", (sid, end)
        assert [c["index"] for c in seen] == list(range(CHUNKS)), sid
        assert [(c["kind"], c["payload"]) for c in seen] == [
            expected_payload(sid, i) for i in range(CHUNKS)
        ]
        across_rename += spawned < closed_at[sid]
    # Most followers attached while their session was still a partial file, so they
    # crossed the rename (the rest read the closed file: also exactly once).
    assert across_rename >= len(started_ids) // 2, across_rename

    assert final_paths == {str(sessions / f"{sid}.jsonl") for sid in started_ids}
    assert stats["scans"] >= 5 and stats["ls"] >= 2, stats
    print(
        f"\n{len(started_ids)} sessions x {CHUNKS} chunks in {elapsed:.1f}s; "
        f"{across_rename} followers crossed the rename; {stats}"
    )
