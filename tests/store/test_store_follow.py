"""The one follower (`store/follow.py`) on real files and real writers: appended chunks
with continuing indexes, the `__partial__` -> `.jsonl` rename, a reset after truncation,
and the end rules (closed by the trailer, crashed with the reason, deleted), for an
append-only format (OpenRath) and a whole-file one (nanobot)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import orjson
from store_helpers import live_writer

from sessionview.store.follow import (
    ChunksAppended,
    FollowEnded,
    Follower,
    FollowEvent,
    FollowReset,
    follow,
)
from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.writer import SessionWriter
from tests.helpers.wait import wait_until


def info_of(directory: Path, sid: str) -> SessionInfo:
    rows = [i for i in SessionIndex([directory], use_cache=False).scan() if i.id == sid]
    assert rows, f"session {sid} not listed in {directory}"
    return rows[0]


def poll_until(
    follower: Follower, done: Callable[[list[FollowEvent]], bool], what: str, timeout: float = 10
) -> list[FollowEvent]:
    """Poll (as the CLI and the TUI do) until `done(every event so far)`; raise otherwise."""
    events: list[FollowEvent] = []

    def polled_enough() -> bool:
        events.extend(follower.poll())
        return done(events)

    wait_until(polled_enough, timeout=timeout, what=lambda: f"{what}; events: {events}")
    return events


def chunks_in(events: list[FollowEvent]) -> list[int]:
    return [c.index for e in events if isinstance(e, ChunksAppended) for c in e.chunks]


def ended(events: list[FollowEvent]) -> FollowEnded | None:
    return next((e for e in events if isinstance(e, FollowEnded)), None)


def test_appends_then_the_trailer_across_the_rename(sessions_dir: Path) -> None:
    writer = SessionWriter("grow", directory=sessions_dir)
    writer.append("user", {"content": "first"})
    follower = Follower(info_of(sessions_dir, "grow"))
    first = follower.poll()
    assert len(first) == 1 and chunks_in(first) == [0]
    for n in range(5):
        writer.append("assistant", {"content": f"more {n}"})
    events = poll_until(follower, lambda ev: len(chunks_in(ev)) == 5, "five appended chunks")
    assert chunks_in(events) == [1, 2, 3, 4, 5]
    writer.close()
    events = poll_until(follower, lambda ev: ended(ev) is not None, "the end")
    end = ended(events)
    assert end == FollowEnded(SessionState.CLOSED, "closed: the writer wrote its trailer")
    assert follower.path.name == "grow.jsonl" and follower.ended
    assert follower.poll() == []  # nothing after the end


def test_a_closed_session_read_from_a_chunk_on(sessions_dir: Path) -> None:
    writer = SessionWriter("done", directory=sessions_dir)
    for n in range(4):
        writer.append("user", {"content": f"m{n}"})
    writer.close()
    events = list(follow(info_of(sessions_dir, "done"), from_chunk=2, interval=0.01))
    assert chunks_in(events) == [2, 3]
    end = ended(events)
    assert end is not None and end.state is SessionState.CLOSED and not end.deleted
    assert isinstance(events[-1], FollowEnded)


def test_a_writer_that_dies_ends_as_crashed_with_the_reason(sessions_dir: Path) -> None:
    with live_writer(sessions_dir, "doomed") as (partial, proc):
        follower = Follower(info_of(sessions_dir, "doomed"))
        assert chunks_in(follower.poll()) == [0]
        assert follower.poll() == []  # live: no end while the lock is held
        proc.stdin.write("exit\n")
        proc.stdin.flush()
        proc.wait(timeout=10)
        events = poll_until(follower, lambda ev: ended(ev) is not None, "the crash")
    end = ended(events)
    assert end is not None and end.state is SessionState.CRASHED
    assert end.reason.startswith("crashed: ") and "lock" in end.reason
    assert partial.exists()  # never touched


def test_truncation_resets_and_every_chunk_follows_again(sessions_dir: Path) -> None:
    writer = SessionWriter("trunc", directory=sessions_dir)
    for n in range(3):
        writer.append("user", {"content": f"m{n}"})
    follower = Follower(info_of(sessions_dir, "trunc"))
    assert chunks_in(follower.poll()) == [0, 1, 2]
    path = follower.path
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:2]))  # the header and the first chunk
    events = poll_until(follower, lambda ev: any(isinstance(e, FollowReset) for e in ev), "reset")
    assert isinstance(events[0], FollowReset) and chunks_in(events) == [0]
    writer.abandon()


def test_deleted_file_ends_the_follow(sessions_dir: Path) -> None:
    writer = SessionWriter("gone", directory=sessions_dir)
    writer.append("user", {"content": "x"})
    follower = Follower(info_of(sessions_dir, "gone"))
    follower.poll()
    os.unlink(follower.path)
    events = poll_until(follower, lambda ev: ended(ev) is not None, "the deletion")
    end = ended(events)
    assert end is not None and end.deleted and end.reason == "the file was deleted"
    writer.abandon()


def _nanobot(path: Path, messages: list[str]) -> None:
    meta = {"_type": "metadata", "key": "cli:x", "created_at": "2026-03-01T18:02:11.402113"}
    lines = [orjson.dumps(meta)]
    for n, text in enumerate(messages):
        role = "user" if n % 2 == 0 else "assistant"
        lines.append(orjson.dumps({"role": role, "content": text}))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(b"\n".join(lines) + b"\n")
    os.replace(tmp, path)  # what nanobot does: write aside, rename over


def test_whole_file_growth_rewrite_and_deletion(tmp_path: Path) -> None:
    root = tmp_path / "sessions"
    root.mkdir()
    path = root / "cli_x.jsonl"
    _nanobot(path, ["a", "b"])
    info = info_of(root, "cli:x")
    assert info.format == "nanobot"
    follower = Follower(info)
    assert chunks_in(follower.poll()) == [0, 1]
    _nanobot(path, ["a", "b", "c"])
    events = poll_until(follower, lambda ev: bool(chunks_in(ev)), "the grown file")
    assert chunks_in(events) == [2] and not any(isinstance(e, FollowReset) for e in events)
    _nanobot(path, ["edited", "b", "c"])
    events = poll_until(follower, lambda ev: bool(chunks_in(ev)), "the rewritten file")
    assert isinstance(events[0], FollowReset) and chunks_in(events) == [0, 1, 2]
    appended = events[1]
    assert isinstance(appended, ChunksAppended)
    assert appended.chunks[0].payload["content"] == "edited"
    path.unlink()
    assert follower.poll() == [] and follower.wants_poll is not None  # maybe a rewrite gap
    events = poll_until(follower, lambda ev: ended(ev) is not None, "the deletion")
    end = ended(events)
    assert end is not None and end.deleted


def test_a_partial_file_renamed_since_the_listing_is_read_under_its_final_name(
    sessions_dir: Path,
) -> None:
    """Listed as `X.jsonl.__partial__` (not running: its trailer was written, or its writer
    died), renamed to `X.jsonl` before the follower's first read: `show --follow` failed
    with "No such file or directory" (seen in test_concurrency under load)."""
    writer = SessionWriter("moved", directory=sessions_dir)
    writer.append("user", {"content": "first"})
    writer.abandon()
    info = info_of(sessions_dir, "moved")
    assert info.path.endswith(".__partial__") and info.state is not SessionState.RUNNING
    final = Path(info.path.removesuffix(".__partial__"))
    os.rename(info.path, final)
    follower = Follower(info)
    assert chunks_in(follower.poll()) == [0]
    assert follower.path == final


def test_follow_stops_when_asked(sessions_dir: Path) -> None:
    writer = SessionWriter("long", directory=sessions_dir)
    writer.append("user", {"content": "x"})
    stop = threading.Event()
    seen: list[FollowEvent] = []

    def run() -> None:
        for event in follow(info_of(sessions_dir, "long"), interval=0.01, stop=stop):
            seen.append(event)

    thread = threading.Thread(target=run)
    thread.start()
    wait_until(lambda: seen, timeout=10, what="the first batch")
    stop.set()
    thread.join(10)
    assert not thread.is_alive() and chunks_in(seen) == [0] and ended(seen) is None
    writer.abandon()
