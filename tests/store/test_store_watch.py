"""watch(): real inotify events (append, new file, deletion, rename) and the size-comparing poller."""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sessionview.store.watch import Change, FileChange, watch

Batch = tuple[float, list[FileChange]]


@contextmanager
def watching(directory: Path, **kw) -> Iterator[queue.Queue[Batch]]:
    """The watcher's batches, once it is armed (every change from then on is reported)."""
    stop = threading.Event()
    armed = threading.Event()
    batches: queue.Queue[Batch] = queue.Queue()

    def run() -> None:
        for batch in watch([directory], stop_event=stop, armed=armed, **kw):
            batches.put((time.monotonic(), batch))

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        assert armed.wait(10), f"the watcher of {directory} was not armed within 10 s"
        yield batches
    finally:
        stop.set()
        thread.join(timeout=5)
        assert not thread.is_alive(), "watch() must stop when its stop_event is set"


def wait_for(
    batches: queue.Queue[Batch], pred: Callable[[set[tuple[str, Change]]], bool], timeout: float = 5
) -> tuple[float, set[tuple[str, Change]]]:
    """Collect changes until `pred` holds; returns (arrival time of the last batch, changes)."""
    seen: set[tuple[str, Change]] = set()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            at, batch = batches.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen |= {(c.path, c.change) for c in batch}
        if pred(seen):
            return at, seen
    raise AssertionError(f"expected change never arrived; saw {sorted(seen)}")


def drain(batches: queue.Queue[Batch], quiet: float = 0.15) -> None:
    while True:
        try:
            batches.get(timeout=quiet)
        except queue.Empty:
            return


def test_inotify_append_new_file_delete_rename(tmp_path: Path) -> None:
    partial = tmp_path / "a.jsonl.__partial__"
    partial.write_bytes(b'{"record_type": "header"}\n')
    with watching(tmp_path) as batches:
        latencies = []
        for i in range(5):
            t0 = time.monotonic()
            with partial.open("ab") as fh:
                fh.write(b'{"record_type": "chunk", "index": %d}\n' % i)
            at, _ = wait_for(batches, lambda s: (str(partial), Change.MODIFIED) in s)
            latencies.append(at - t0)
            drain(batches, 0.08)
        latencies.sort()
        print(
            f"\ninotify append -> batch latency: median {latencies[2] * 1000:.1f} ms, "
            f"max {latencies[-1] * 1000:.1f} ms"
        )
        assert latencies[2] < 1.0

        new = tmp_path / "b.jsonl.__partial__"
        new.write_bytes(b"{}\n")
        wait_for(batches, lambda s: (str(new), Change.ADDED) in s)
        drain(batches, 0.08)

        new.unlink()
        wait_for(batches, lambda s: (str(new), Change.DELETED) in s)
        drain(batches, 0.08)

        final = tmp_path / "a.jsonl"
        os.replace(partial, final)
        wait_for(
            batches,
            lambda s: (str(partial), Change.DELETED) in s and (str(final), Change.ADDED) in s,
        )


def test_missing_directories_are_skipped(tmp_path: Path) -> None:
    assert list(watch([tmp_path / "nope"])) == []


def test_polling_sees_every_append_within_one_second(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.__partial__"
    path.write_bytes(b'{"record_type": "header"}\n')
    with watching(tmp_path, polling=True, poll_interval=0.02) as batches:
        drain(batches, 0.05)
        appended: list[float] = []
        arrivals: list[float] = []
        start = time.monotonic()
        for i in range(5):
            appended.append(time.monotonic())
            with path.open("ab") as fh:
                fh.write(b'{"record_type": "chunk", "index": %d}\n' % i)
            at, _ = wait_for(batches, lambda s: (str(path), Change.MODIFIED) in s, timeout=2)
            arrivals.append(at)
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
        wait_for(batches, lambda s: (str(other), Change.ADDED) in s)
        other.unlink()
        wait_for(batches, lambda s: (str(other), Change.DELETED) in s)
        os.replace(path, tmp_path / "s.jsonl")
        wait_for(
            batches,
            lambda s: (
                (str(path), Change.DELETED) in s and (str(tmp_path / "s.jsonl"), Change.ADDED) in s
            ),
        )


def test_polling_catches_a_same_size_rewrite_within_one_second(tmp_path: Path) -> None:
    """mtime_ns (not whole seconds) is compared: a same-size rewrite is seen too."""
    path = tmp_path / "s.jsonl"
    path.write_bytes(b"aaaa\n")
    with watching(tmp_path, polling=True, poll_interval=0.02) as batches:
        drain(batches, 0.05)
        time.sleep(0.01)  # a later mtime_ns for the same-size rewrite
        path.write_bytes(b"bbbb\n")
        wait_for(batches, lambda s: (str(path), Change.MODIFIED) in s, timeout=2)
