"""Liveness probing never makes a real writer fail to take its lock.

The stress test starts 1,000 real `SessionWriter`s in a helper process while this
process probes the same directory in a loop, both through the index (`/proc/locks`
on Linux) and through the `flock` fallback probe.
"""

from __future__ import annotations

import fcntl
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from store_helpers import live_writer, run_writer

from sessionview.store import SessionIndex, SessionState
from sessionview.store.liveness import LivenessProbe, _flock_probe, _read_proc_locks

WRITERS = 1000


def _prober(directory: Path, stop: threading.Event, stats: dict, use_index: bool) -> None:
    index = SessionIndex([directory], use_cache=False)
    while not stop.is_set():
        if use_index:
            for row in index.scan():
                stats["rows"] += 1
                if row.state is SessionState.RUNNING:
                    stats["running"] += 1
        probe = LivenessProbe()
        try:
            names = os.listdir(directory)
        except OSError:
            continue
        for name in names:
            path = str(directory / name)
            try:
                st = os.stat(path)
            except FileNotFoundError:
                continue
            if use_index:
                held, _ = probe.is_locked(path, st)
            else:
                held = _flock_probe(path)
            stats["probes"] += 1
            if held:
                stats["held"] += 1
            elif held is None:
                stats["unknown"] += 1


def _stress(directory: Path, use_index: bool) -> dict:
    stats = {"rows": 0, "running": 0, "probes": 0, "held": 0, "unknown": 0}
    stop = threading.Event()
    thread = threading.Thread(target=_prober, args=(directory, stop, stats, use_index))
    thread.start()
    try:
        proc = run_writer("stress", str(directory), str(WRITERS))
        out, err = proc.communicate(timeout=120)
    finally:
        stop.set()
        thread.join(timeout=30)
    assert proc.returncode == 0, err
    report = json.loads(out)
    report["stats"] = stats
    print(f"\n{WRITERS} writers, prober: {stats}")
    return report


@pytest.mark.slow
def test_writers_never_fail_while_the_index_probes(sessions_dir: Path) -> None:
    started = time.perf_counter()
    report = _stress(sessions_dir, use_index=True)
    assert report["failures"] == [] and report["ok"] == WRITERS
    stats = report["stats"]
    assert stats["probes"] > WRITERS, "the prober must really have run alongside"
    assert stats["held"] > 0, "some live writers must have been seen (probes overlapped)"
    assert len(os.listdir(sessions_dir)) == WRITERS
    assert time.perf_counter() - started < 60


@pytest.mark.slow
def test_writers_never_fail_while_the_flock_fallback_probes(sessions_dir: Path) -> None:
    report = _stress(sessions_dir, use_index=False)
    assert report["failures"] == [] and report["ok"] == WRITERS
    assert report["stats"]["probes"] > WRITERS
    assert report["stats"]["held"] > 0, "the flock probe saw live writers"


def test_flock_probe_sees_a_real_writer(sessions_dir: Path) -> None:
    with live_writer(sessions_dir) as (partial, proc):
        assert _flock_probe(str(partial)) is True
        assert _flock_probe(str(partial)) is True, "the probe released nothing it should keep"
        proc.stdin.write("abandon\n")
        proc.stdin.flush()
        proc.wait(timeout=10)
    assert _flock_probe(str(partial)) is False
    # The probe holds nothing afterwards: an exclusive lock is free at once.
    fd = os.open(partial, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(fd)
    assert _flock_probe(str(sessions_dir / "missing")) is None


def test_proc_locks_sees_a_real_writer(sessions_dir: Path) -> None:
    if not sys.platform.startswith("linux"):
        pytest.skip("/proc/locks is Linux only")
    with live_writer(sessions_dir) as (partial, proc):
        st = os.stat(partial)
        held = _read_proc_locks()
        assert held is not None
        assert (os.major(st.st_dev), os.minor(st.st_dev), st.st_ino) in held
        assert LivenessProbe().is_locked(str(partial), st)[0] is True
        proc.kill()
        proc.wait(timeout=10)
    assert LivenessProbe().is_locked(str(partial), os.stat(partial))[0] is False


CONTENDER = r"""
import fcntl, os, sys, time
path, seconds = sys.argv[1], float(sys.argv[2])
tries = fails = 0
end = time.monotonic() + seconds
print("ready", flush=True)
while time.monotonic() < end:
    fd = os.open(path, os.O_WRONLY | os.O_APPEND)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.flock(fd, fcntl.LOCK_UN)
    except BlockingIOError:
        fails += 1
    finally:
        os.close(fd)
    tries += 1
print(tries, fails, flush=True)
"""


def _contend(path: Path, seconds: float = 0.7) -> tuple[int, int, list]:
    """A process taking LOCK_EX|LOCK_NB (as a writer does) in a loop while we probe."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CONTENDER, str(path), str(seconds)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout.readline().strip() == "ready"
    results = []
    while proc.poll() is None:
        results.append(_flock_probe(str(path)))
    tries, fails = map(int, proc.stdout.read().split())
    proc.stdout.close()
    return tries, fails, results


def test_flock_probe_skips_a_file_whose_header_is_incomplete(sessions_dir: Path) -> None:
    path = sessions_dir / "abcdabcd-0000-4000-8000-000000000000.jsonl.__partial__"
    path.write_bytes(b'{"record_type": "header", "schema_version": 1, "id": "abcd')
    assert _flock_probe(str(path)) is None
    path.write_bytes(b"")
    assert _flock_probe(str(path)) is None
    path.write_bytes(b'{"record_type": "header", "schema_version": 1, "id": "abcd')
    tries, fails, results = _contend(path)
    assert tries > 100 and len(results) > 100
    assert fails == 0, "the probe took a lock on a file whose writer may be starting"
    assert set(results) == {None}


def test_contention_harness_can_fail(sessions_dir: Path) -> None:
    """Control for the test above: with a complete header the probe does lock, briefly."""
    path = sessions_dir / "abcdabcd-0000-4000-8000-000000000001.jsonl.__partial__"
    path.write_bytes(b'{"record_type": "header"}\n')
    for _ in range(5):
        tries, fails, results = _contend(path)
        if fails:
            break
    assert fails > 0, "the harness never saw the probe's lock: it could not catch a bug"
    assert True in results or False in results
