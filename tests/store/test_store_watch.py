"""watch(): real inotify events (append, new file, deletion, rename) and the size-comparing poller."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from sessionview.store.watch import Change, FileChange, watch
from tests.helpers.wait import wait_until

#: Timing-sensitive (latency bounds, a prompt stop, a heavy real-process scenario): with
#: pytest-xdist these run one after another on one worker (`--dist loadgroup`).
pytestmark = pytest.mark.xdist_group("timing")

Seen = tuple[str, Change]


class Changes:
    """What the watcher reported, filled by its thread: each (path, change) with the
    arrival time of the first batch that held it since the last `clear()`."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._at: dict[Seen, float] = {}
        self._last = time.monotonic()

    def add(self, batch: list[FileChange]) -> None:
        now = time.monotonic()
        with self._lock:
            for c in batch:
                self._at.setdefault((c.path, c.change), now)
            self._last = now

    def clear(self) -> None:
        with self._lock:
            self._at.clear()

    def has(self, *wanted: Seen) -> bool:
        with self._lock:
            return all(w in self._at for w in wanted)

    def at(self, wanted: Seen) -> float:
        with self._lock:
            return self._at[wanted]

    def quiet_for(self, seconds: float) -> bool:
        with self._lock:
            return time.monotonic() - self._last >= seconds

    def __repr__(self) -> str:
        with self._lock:
            return repr(sorted(self._at))


@contextmanager
def watching(directory: Path, **kw) -> Iterator[Changes]:
    """The watcher's changes, once it is armed (every change from then on is reported)."""
    stop = threading.Event()
    armed = threading.Event()
    changes = Changes()

    def run() -> None:
        for batch in watch([directory], stop_event=stop, armed=armed, **kw):
            changes.add(batch)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        wait_until(armed.is_set, timeout=10, what=f"the watcher of {directory} to be armed")
        yield changes
    finally:
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "watch() must stop when its stop_event is set"


def expect(changes: Changes, *wanted: Seen, timeout: float = 5) -> None:
    wait_until(
        lambda: changes.has(*wanted),
        timeout=timeout,
        what=lambda: f"{wanted}; saw {changes}",
    )


def settle_then_clear(changes: Changes, quiet: float) -> None:
    """Until no batch came for `quiet` s (the last write's batches are all in); then forget them."""
    wait_until(lambda: changes.quiet_for(quiet), timeout=5, what=f"the watcher quiet for {quiet} s")
    changes.clear()


def test_inotify_append_new_file_delete_rename(tmp_path: Path) -> None:
    partial = tmp_path / "a.jsonl.__partial__"
    partial.write_bytes(b'{"record_type": "header"}\n')
    with watching(tmp_path) as changes:
        latencies = []
        for i in range(5):
            t0 = time.monotonic()
            with partial.open("ab") as fh:
                fh.write(b'{"record_type": "chunk", "index": %d}\n' % i)
            expect(changes, (str(partial), Change.MODIFIED))
            latencies.append(changes.at((str(partial), Change.MODIFIED)) - t0)
            settle_then_clear(changes, 0.08)
        latencies.sort()
        print(
            f"\ninotify append -> batch latency: median {latencies[2] * 1000:.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms"
        )
        assert latencies[2] < 1.0

        new = tmp_path / "b.jsonl.__partial__"
        new.write_bytes(b"{}\n")
        expect(changes, (str(new), Change.ADDED))
        settle_then_clear(changes, 0.08)

        new.unlink()
        expect(changes, (str(new), Change.DELETED))
        settle_then_clear(changes, 0.08)

        final = tmp_path / "a.jsonl"
        os.replace(partial, final)
        expect(changes, (str(partial), Change.DELETED), (str(final), Change.ADDED))


def test_missing_directories_are_skipped(tmp_path: Path) -> None:
    assert list(watch([tmp_path / "nope"])) == []


def test_polling_sees_every_append_within_one_second(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.__partial__"
    path.write_bytes(b'{"record_type": "header"}\n')
    with watching(tmp_path, polling=True, poll_interval=0.02) as changes:
        settle_then_clear(changes, 0.05)
        appended: list[float] = []
        arrivals: list[float] = []
        start = time.monotonic()
        for i in range(5):
            changes.clear()
            appended.append(time.monotonic())
            with path.open("ab") as fh:
                fh.write(b'{"record_type": "chunk", "index": %d}\n' % i)
            expect(changes, (str(path), Change.MODIFIED), timeout=2)
            arrivals.append(changes.at((str(path), Change.MODIFIED)))
            # The scenario: appends 100 ms apart.
            time.sleep(max(0.0, appended[-1] + 0.1 - time.monotonic()))
        assert time.monotonic() - start < 1.5
        # Every append produced its own batch before the next append was made.
        for i, at in enumerate(arrivals):
            assert appended[i] < at
            if i + 1 < len(appended):
                assert at < appended[i + 1]
        print(
            f"\npolling: 5 appends 100 ms apart, 5 batches, latencies "
            f"{[round((a - b) * 1000) for a, b in zip(arrivals, appended, strict=True)]} ms"
        )

        other = tmp_path / "t.jsonl"
        other.write_bytes(b"{}\n")
        expect(changes, (str(other), Change.ADDED))
        other.unlink()
        expect(changes, (str(other), Change.DELETED))
        os.replace(path, tmp_path / "s.jsonl")
        expect(changes, (str(path), Change.DELETED), (str(tmp_path / "s.jsonl"), Change.ADDED))


def test_polling_catches_a_same_size_rewrite_within_one_second(tmp_path: Path) -> None:
    """mtime_ns (not whole seconds) is compared: a same-size rewrite is seen too."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"aaaa\n")
    with watching(tmp_path, polling=True, poll_interval=0.02) as changes:
        settle_then_clear(changes, 0.05)
        time.sleep(0.01)  # the scenario: a later mtime_ns for the same-size rewrite
        path.write_bytes(b"bbbb\n")
        expect(changes, (str(path), Change.MODIFIED), timeout=2)
