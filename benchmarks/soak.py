"""Soak test (not in CI): N simulated agents write for M minutes while the TUI runs
headless with watching on (or, without the TUI, the index + watcher loop).

    uv run python benchmarks/soak.py                     # 50 agents, 10 minutes
    uv run python benchmarks/soak.py --agents 20 --seconds 90

Each agent is a process running the real `SessionWriter`: it opens a session, appends
chunks at random intervals, closes it and starts the next, until told to stop (it then
closes its current session). At the end the script compares the chunks written (what
the agents report, checked against the files) with the chunks the app shows, and
prints the app's peak memory, its memory over time (flat = no leak) and its CPU use.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

AGENT = r"""
import json, os, random, sys, time
from sessionview.store.writer import SessionWriter
directory, stop_file, seed = sys.argv[1], sys.argv[2], int(sys.argv[3])
per_session, delay = int(sys.argv[4]), float(sys.argv[5])
rng = random.Random(seed)
written, errors = {}, []
while not os.path.exists(stop_file):
    try:
        w = SessionWriter(directory=directory)
    except Exception as exc:
        errors.append(f"open: {exc}")
        time.sleep(0.1)
        continue
    n = 0
    w.append("user", {"content": f"agent {seed} task " + "你好" * rng.randint(0, 5)})
    n += 1
    while n < per_session and not os.path.exists(stop_file):
        time.sleep(rng.expovariate(1 / delay))
        if rng.random() < 0.5:
            w.append("assistant", {"content": "thinking " * rng.randint(1, 40), "tool_calls": None})
        else:
            w.append("tool_result", {"tool_call_id": "c", "name": "sh", "content": "x" * rng.randint(10, 4000)})
        n += 1
    w.close(usage={"prompt_tokens": n, "completion_tokens": n, "total_tokens": 2 * n})
    written[w.session_id] = n
print(json.dumps({"written": written, "errors": errors}))
"""


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Sampler:
    """Memory and CPU of this process (the app), every `interval` seconds."""

    def __init__(self, interval: float = 5.0) -> None:
        self.interval = interval
        self.samples: list[tuple[float, float, float]] = []  # (t, rss MB, cpu s)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.t0 = time.monotonic()
        self.cpu0 = time.process_time()

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.samples.append(
                (time.monotonic() - self.t0, rss_mb(), time.process_time() - self.cpu0)
            )

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def start_agents(args: argparse.Namespace, directory: Path, stop_file: Path):
    env = {**os.environ}
    return [
        subprocess.Popen(
            [sys.executable, "-c", AGENT, str(directory), str(stop_file), str(seed)]
            + [str(args.chunks_per_session), str(args.delay)],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for seed in range(args.agents)
    ]


def stop_agents(procs, stop_file: Path) -> tuple[dict[str, int], list[str]]:
    stop_file.write_text("stop")
    written: dict[str, int] = {}
    errors: list[str] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        report = json.loads(out.strip().splitlines()[-1])
        written.update(report["written"])
        errors += report["errors"]
    return written, errors


def file_counts(directory: Path) -> dict[str, int]:
    from sessionview.store.formats.openrath import parse_file

    counts = {}
    for path in directory.glob("*.jsonl"):
        parsed = parse_file(path)
        counts[parsed.header["id"]] = len(parsed.chunks)
    return counts


async def run_tui(args, directory: Path, stop_file: Path) -> dict:
    from sessionview.app import make_app
    from sessionview.config import Config
    from sessionview.store.index import SessionIndex
    from sessionview.store.model import SessionState

    index = SessionIndex([directory], use_cache=False)
    app = make_app(index, Config(), watch=True)
    sampler = Sampler()
    followed = {"id": None, "screen": None}
    async with app.run_test(headless=True, size=(160, 50)) as pilot:
        sampler.start()
        agents = start_agents(args, directory, stop_file)
        deadline = time.monotonic() + args.seconds
        next_follow = time.monotonic() + 5
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            await pilot.pause()
            if followed["screen"] is None and time.monotonic() > next_follow:
                running = [r for r in app.main.all_rows if r.state is SessionState.RUNNING]
                if running:
                    app.open_session(running[0])
                    followed.update(id=running[0].id, screen=app.screen)
        written, errors = stop_agents(agents, stop_file)
        follow_seen = None
        screen = followed["screen"]
        if screen is not None:
            from sessionview.app.widgets.transcript_view import TranscriptView

            await asyncio.sleep(1)
            await pilot.pause()
            follow_seen = len(screen.query_one(TranscriptView).chunks)
            await pilot.press("escape")
        settle_until = time.monotonic() + 30
        while time.monotonic() < settle_until:  # let the watcher deliver the last closes
            await asyncio.sleep(0.5)
            await pilot.pause()
            rows = {r.id: r for r in app.all_sessions()}
            if all(
                sid in rows and rows[sid].state is SessionState.CLOSED and rows[sid].chunks == n
                for sid, n in written.items()
            ):
                break
        rows = {r.id: r for r in app.all_sessions()}
        sampler.stop()
    return {
        "mode": "tui (make_app(...).run_test(), watching on)",
        "written": written,
        "errors": errors,
        "seen": {sid: rows[sid].chunks for sid in written if sid in rows},
        "closed_seen": sum(
            1 for sid in written if sid in rows and rows[sid].state is SessionState.CLOSED
        ),
        "followed": (followed["id"], follow_seen),
        "sampler": sampler,
    }


def run_loop(args, directory: Path, stop_file: Path) -> dict:
    from sessionview.store.index import SessionIndex
    from sessionview.store.model import SessionState
    from sessionview.store.watch import watch_forever

    index = SessionIndex([directory], use_cache=False)
    index.scan()
    stop = threading.Event()

    def watcher() -> None:
        for batch in watch_forever([directory], stop):
            for change in batch:
                index.refresh(change.path)

    thread = threading.Thread(target=watcher, daemon=True)
    sampler = Sampler()
    sampler.start()
    thread.start()
    agents = start_agents(args, directory, stop_file)
    time.sleep(args.seconds)
    written, errors = stop_agents(agents, stop_file)
    time.sleep(2)
    stop.set()
    thread.join(5)
    sampler.stop()
    rows = {r.id: r for r in index.sessions()}
    return {
        "mode": "index + watch_forever loop (no TUI)",
        "written": written,
        "errors": errors,
        "seen": {sid: rows[sid].chunks for sid in written if sid in rows},
        "closed_seen": sum(
            1 for sid in written if sid in rows and rows[sid].state is SessionState.CLOSED
        ),
        "followed": (None, None),
        "sampler": sampler,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seconds", type=float, help="overrides --minutes")
    parser.add_argument("--delay", type=float, default=0.3, help="mean seconds between chunks")
    parser.add_argument("--chunks-per-session", type=int, default=60)
    parser.add_argument("--no-tui", action="store_true", help="index + watcher loop only")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = args.minutes * 60
    try:
        import sessionview.app  # noqa: F401

        have_tui = not args.no_tui
    except ImportError:
        have_tui = False

    with tempfile.TemporaryDirectory(prefix="sv-soak-") as tmp:
        os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
        directory = Path(tmp) / "sessions"
        directory.mkdir()
        stop_file = Path(tmp) / "stop"
        started = time.monotonic()
        if have_tui:
            result = asyncio.run(run_tui(args, directory, stop_file))
        else:
            result = run_loop(args, directory, stop_file)
        wall = time.monotonic() - started
        on_disk = file_counts(directory)

    written, seen = result["written"], result["seen"]
    sampler: Sampler = result["sampler"]
    total_written = sum(written.values())
    total_seen = sum(seen.get(sid, 0) for sid in written)
    missed = {sid: (n, seen.get(sid)) for sid, n in written.items() if seen.get(sid) != n}
    disk_mismatch = {
        sid: (n, on_disk.get(sid)) for sid, n in written.items() if on_disk.get(sid) != n
    }
    cpu = sampler.samples[-1][2] if sampler.samples else time.process_time()
    rss = [s[1] for s in sampler.samples]
    quarter = max(1, len(rss) // 4)
    print(f"soak: {result['mode']}")
    print(f"  agents {args.agents}, {args.seconds:.0f}s of writing, {wall:.0f}s wall")
    print(f"  sessions written {len(written)}, closed and shown as closed {result['closed_seen']}")
    print(
        f"  chunks written {total_written} (files agree: {not disk_mismatch}), seen by the app {total_seen}"
    )
    print(f"  missed: {len(missed)} session(s) {dict(list(missed.items())[:5])}")
    print(
        f"  writer errors (lock not taken, write failed): {len(result['errors'])} {result['errors'][:3]}"
    )
    if result["followed"][0]:
        print(
            f"  followed transcript {result['followed'][0][:8]}: {result['followed'][1]} chunks shown "
            f"(written {written.get(result['followed'][0])})"
        )
    if rss:
        print(
            f"  app RSS MB: first quarter avg {sum(rss[:quarter]) / quarter:.0f}, "
            f"last quarter avg {sum(rss[-quarter:]) / quarter:.0f}, peak {peak_rss_mb():.0f}"
        )
        print(
            "  app RSS samples (t s: MB): "
            + ", ".join(
                f"{t:.0f}: {m:.0f}" for t, m, _ in sampler.samples[:: max(1, len(rss) // 12)]
            )
        )
    print(
        f"  app CPU: {cpu:.1f}s over {sampler.samples[-1][0] if sampler.samples else wall:.0f}s "
        f"= {100 * cpu / max(1e-9, sampler.samples[-1][0] if sampler.samples else wall):.1f}% of one core"
    )
    ok = not missed and not disk_mismatch and not result["errors"]
    print("  RESULT: " + ("nothing missed" if ok else "PROBLEMS (see above)"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
