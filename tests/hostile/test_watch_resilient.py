"""The sessions directory itself deleted, renamed away, replaced by a file and
re-created while a watcher runs: `watch_forever` keeps watching, and an index kept
current only from its events ends up equal to a fresh scan."""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from sessionview.store.index import SessionIndex
from sessionview.store.watch import Change, watch_forever
from sessionview.store.writer import SessionWriter
from tests.helpers.wait import wait_until

#: Timing-sensitive (latency bounds, a prompt stop, a heavy real-process scenario): with
#: pytest-xdist these run one after another on one worker (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("timing")


class Collector:
    def __init__(self, directory: Path, index: SessionIndex) -> None:
        self.stop = threading.Event()
        self.armed = threading.Event()
        self.events: list[tuple[str, Change]] = []
        self.rearms: list[tuple[str, bool]] = []
        self.error: BaseException | None = None
        self.index = index
        self.thread = threading.Thread(target=self._run, args=(directory,), daemon=True)
        self.thread.start()

    def _run(self, directory: Path) -> None:
        try:
            for batch in watch_forever(
                [directory],
                self.stop,
                check_interval=0.1,
                on_rearm=lambda d, present: self.rearms.append((str(d), present)),
                armed=self.armed,
            ):
                for change in batch:
                    self.index.refresh(change.path)
                    # Recorded after the refresh: a waiter then sees the index updated.
                    self.events.append((change.path, change.change))
        except BaseException as exc:  # pragma: no cover - reported by the test
            self.error = exc

    def wait_for(self, path: Path, change: Change) -> None:
        wait_until(
            lambda: (str(path), change) in self.events,
            timeout=15,
            what=lambda: f"{change} for {path}; saw {self.events[-10:]}",
        )

    def wait_armed(self) -> None:
        """Until the watcher watches its directory (or waits for it to exist)."""
        wait_until(
            self.armed.is_set, timeout=10, what=lambda: f"the watcher armed; saw {self.events}"
        )

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        assert not self.thread.is_alive()
        assert self.error is None, self.error


def write(directory: Path, sid: str) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    writer = SessionWriter(sid, directory=directory)
    writer.append("user", {"content": sid})
    writer.close()
    return writer.path


def states(index: SessionIndex) -> set[tuple[str, str]]:
    return {(s.id, s.state.value) for s in index.sessions()}


def test_watcher_survives_the_directory_going_and_coming_back(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    index = SessionIndex([sessions], use_cache=False)
    index.scan()
    watcher = Collector(sessions, index)
    try:
        watcher.wait_armed()
        a = write(sessions, "a")
        watcher.wait_for(a, Change.ADDED)

        shutil.rmtree(sessions)  # deleted
        watcher.wait_for(a, Change.DELETED)
        b = write(sessions, "b")  # re-created, with a session in it
        watcher.wait_for(b, Change.ADDED)
        watcher.wait_armed()
        c = write(sessions, "c")  # and still watched afterwards
        watcher.wait_for(c, Change.ADDED)

        os.rename(sessions, tmp_path / "moved-away")  # renamed away: no per-file events
        watcher.wait_for(b, Change.DELETED)
        watcher.wait_for(c, Change.DELETED)
        sessions.write_text("now a regular file")  # replaced by a file
        time.sleep(0.4)  # the scenario: it stays a file over a few checks (check_interval 0.1 s)
        sessions.unlink()
        d = write(sessions, "d")
        watcher.wait_for(d, Change.ADDED)
        watcher.wait_armed()
        e = write(sessions, "e")
        watcher.wait_for(e, Change.ADDED)

        wait_until(
            lambda: states(index) == {("d", "closed"), ("e", "closed")},
            timeout=5,
            what=lambda: f"the index to hold d and e only; it holds {states(index)}",
        )
        fresh = SessionIndex([sessions], use_cache=False)
        fresh.scan()
        assert states(index) == states(fresh)
        assert (str(sessions), False) in watcher.rearms and (str(sessions), True) in watcher.rearms
    finally:
        watcher.close()


def test_watcher_starts_before_the_directory_exists(tmp_path: Path) -> None:
    sessions = tmp_path / "later" / "sessions"
    index = SessionIndex([sessions], use_cache=False)
    index.scan()
    watcher = Collector(sessions, index)
    try:
        watcher.wait_armed()
        a = write(sessions, "a")
        watcher.wait_for(a, Change.ADDED)
        watcher.wait_armed()
        b = write(sessions, "b")
        watcher.wait_for(b, Change.ADDED)
        assert states(index) == {("a", "closed"), ("b", "closed")}
    finally:
        watcher.close()


def test_watcher_stops_promptly(tmp_path: Path) -> None:
    watcher = Collector(tmp_path, SessionIndex([tmp_path], use_cache=False))
    watcher.wait_armed()
    started = time.monotonic()
    watcher.close()
    assert time.monotonic() - started < 2


def test_a_file_written_while_the_watch_is_being_armed_is_reported(tmp_path: Path) -> None:
    """The files are listed, then the watch is armed: a session written in between
    (here from `on_rearm`, which runs in that gap) was never reported."""
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    index = SessionIndex([sessions], use_cache=False)
    index.scan()
    late: list[Path] = []
    rearms: list[bool] = []

    def on_rearm(directory: Path, present: bool) -> None:
        rearms.append(present)
        if present and not late:
            late.append(write(sessions, "late"))

    stop = threading.Event()
    armed = threading.Event()
    events: list[tuple[str, Change]] = []

    def run() -> None:
        for batch in watch_forever(
            [sessions], stop, check_interval=0.1, on_rearm=on_rearm, armed=armed
        ):
            for change in batch:
                index.refresh(change.path)
                events.append((change.path, change.change))  # after: the index is updated

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(armed.is_set, timeout=10, what="the watcher armed")
        shutil.rmtree(sessions)
        wait_until(lambda: False in rearms, timeout=10, what="the watcher to see the directory go")
        sessions.mkdir()
        wait_until(
            lambda: late and (str(late[0]), Change.ADDED) in events,
            timeout=10,
            what=lambda: f"ADDED for the session written while arming; saw {events}",
        )
        assert states(index) == {("late", "closed")}
    finally:
        stop.set()
        thread.join(5)
