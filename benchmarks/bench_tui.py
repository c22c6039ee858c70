"""Drive the TUI headless while a real writer appends; print latencies and idle CPU.

    uv run python benchmarks/bench_tui.py [--appends 200] [--big-chunks 50000]

Measures (no asserts, targets in brackets):
  * append -> row chunk count updated in the list      [median < 100 ms, p99 < 250 ms]
  * append -> chunk shown in the followed transcript   [same]
  * idle CPU while watching, transcript open            [< 1 % of one core]
  * opening a big session: time to loaded, and the longest event-loop stall meanwhile
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sessionview.app import make_app  # noqa: E402
from sessionview.app.screens.transcript import TranscriptScreen  # noqa: E402
from sessionview.app.widgets.transcript_view import TranscriptView  # noqa: E402
from sessionview.config import Config  # noqa: E402
from sessionview.store.index import SessionIndex  # noqa: E402
from sessionview.store.writer import SessionWriter  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "openrath"


def thread_ticks() -> dict[int, int]:
    """CPU clock ticks (user + system) per thread of this process (Linux only)."""
    out: dict[int, int] = {}
    try:
        tids = os.listdir("/proc/self/task")
    except OSError:
        return out
    for tid in tids:
        try:
            with open(f"/proc/self/task/{tid}/stat") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        out[int(tid)] = int(fields[11]) + int(fields[12])
    return out


def thread_roles() -> dict[int, str]:
    """Native thread id -> what it runs (the innermost sessionview function on its stack)."""
    frames = sys._current_frames()  # noqa: SLF001 - CPython's documented debugging hook
    roles: dict[int, str] = {}
    for thread in threading.enumerate():
        frame = frames.get(thread.ident or -1)
        role = thread.name
        while frame is not None:
            if "sessionview" in frame.f_code.co_filename:
                role = frame.f_code.co_name
                break
            frame = frame.f_back
        if thread.native_id is not None:
            roles[thread.native_id] = role
    return roles


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def report(name: str, values: list[float], target_median: float, target_p99: float) -> None:
    ms = [v * 1000 for v in values]
    med, p99 = statistics.median(ms), pct(ms, 0.99)
    print(
        f"{name:<34} n={len(ms):<4} min={min(ms):6.1f}  median={med:6.1f}  p90={pct(ms, 0.9):6.1f}"
        f"  p99={p99:6.1f}  max={max(ms):6.1f} ms   median/target={med / target_median:.2f}"
        f"  p99/target={p99 / target_p99:.2f}"
    )


def make_dir(base: Path, copies: int) -> Path:
    root = base / "sessions"
    root.mkdir()
    files = [
        p for p in FIXTURES.iterdir() if p.name != "manifest.json" and p.stat().st_size < 100_000
    ]
    for n in range(copies):
        src = files[n % len(files)]
        text = src.read_bytes()
        sid = src.name.split(".", 1)[0]
        new = f"{n:08x}" + sid[8:]
        (root / src.name.replace(sid, new)).write_bytes(text.replace(sid.encode(), new.encode()))
    return root


def write_big(root: Path, chunks: int) -> SessionWriter:
    body = "lorem ipsum dolor sit amet " * 90  # ~2.4 KB per chunk, like the 130 MB session
    with SessionWriter(directory=root) as w:
        w.append("user", {"content": "big session"})
        for n in range(chunks - 1):
            if n % 3 == 0:
                w.append(
                    "assistant",
                    {
                        "content": body,
                        "tool_calls": [
                            {
                                "id": f"c{n}",
                                "type": "function",
                                "function": {"name": "shell", "arguments": '{"cmd": "ls"}'},
                            }
                        ],
                    },
                )
            elif n % 3 == 1:
                w.append("tool_result", {"tool_call_id": f"c{n}", "name": "shell", "content": body})
            else:
                w.append("assistant", {"content": body})
    return w


async def wait_for(pilot, condition, timeout: float = 5.0) -> float | None:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if condition():
            return time.perf_counter()
        await asyncio.sleep(0.001)
    return None


async def run(args: argparse.Namespace) -> None:
    base = Path(tempfile.mkdtemp(prefix="svbench-"))
    try:
        root = make_dir(base, args.sessions)
        writer = SessionWriter(directory=root)
        writer.append("user", {"content": "benchmark session"})
        index = SessionIndex([root], use_cache=False)
        app = make_app(index, Config(), watch=True)
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for(pilot, lambda: any(r.id == writer.session_id for r in app.main.all_rows))
            await asyncio.sleep(0.5)

            def row_chunks() -> int:
                for info in app.main.all_rows:
                    if info.id == writer.session_id:
                        return info.chunks
                return -1

            # 1. list latency (transcript closed)
            list_lat: list[float] = []
            for _ in range(args.appends):
                target = writer.chunks_written + 1
                t0 = time.perf_counter()
                writer.append("assistant", {"content": "tick " * random.randint(1, 40)})
                t1 = await wait_for(pilot, lambda target=target: row_chunks() >= target)
                if t1 is not None:
                    list_lat.append(t1 - t0)
                await asyncio.sleep(random.uniform(0.02, 0.12))

            # 2. followed transcript latency
            for key in app.main.table.keys:
                if writer.session_id in key:
                    app.main.table.select_key(key)
            await pilot.press("enter")
            screen = app.screen
            assert isinstance(screen, TranscriptScreen)
            await wait_for(pilot, lambda: screen.loaded)
            view = screen.query_one(TranscriptView)
            tr_lat: list[float] = []
            for _ in range(args.appends):
                target = len(view.chunks) + 1
                t0 = time.perf_counter()
                writer.append("assistant", {"content": "tock " * random.randint(1, 40)})
                t1 = await wait_for(pilot, lambda target=target: len(view.chunks) >= target)
                if t1 is not None:
                    tr_lat.append(t1 - t0)
                await asyncio.sleep(random.uniform(0.02, 0.12))
            report("append -> list row updated", list_lat, 100, 250)
            report("append -> followed transcript", tr_lat, 100, 250)
            print(
                f"{'missed (no update within 5 s)':<34} list={args.appends - len(list_lat)}  transcript={args.appends - len(tr_lat)}"
            )

            # 3. idle CPU while watching with the transcript following
            await asyncio.sleep(1.0)
            t0 = thread_ticks()
            c0, w0 = time.process_time(), time.perf_counter()
            await asyncio.sleep(args.idle)
            cpu = (time.process_time() - c0) / (time.perf_counter() - w0)
            t1, roles = thread_ticks(), thread_roles()
            print(
                f"{'idle CPU while watching':<34} {cpu * 100:.2f}% of one core over {args.idle:.0f} s   ratio/target(1%)={cpu * 100:.2f}"
            )
            hz = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
            busy = sorted(
                ((t1[tid] - t0.get(tid, 0), roles.get(tid, f"thread {tid}")) for tid in t1),
                reverse=True,
            )
            print(
                f"{'  by thread':<34} "
                + ", ".join(
                    f"{role} {ticks / hz / args.idle * 100:.2f}%" for ticks, role in busy if ticks
                )
            )
            await pilot.press("escape")

            # 4. a big session opens without freezing the UI
            if args.big_chunks:
                t = time.perf_counter()
                big = write_big(root, args.big_chunks)
                size = big.path.stat().st_size
                print(
                    f"{'wrote big session':<34} {args.big_chunks} chunks, {size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s"
                )
                await wait_for(
                    pilot, lambda: any(r.id == big.session_id for r in app.main.all_rows), 10
                )
                for key in app.main.table.keys:
                    if big.session_id in key:
                        app.main.table.select_key(key)
                stalls: list[float] = []
                stop = asyncio.Event()

                async def ticker() -> None:
                    last = time.perf_counter()
                    while not stop.is_set():
                        await asyncio.sleep(0.01)
                        now = time.perf_counter()
                        stalls.append(now - last - 0.01)
                        last = now

                task = asyncio.create_task(ticker())
                t0 = time.perf_counter()
                await pilot.press("enter")
                screen = app.screen
                await wait_for(pilot, lambda: getattr(screen, "loaded", False), 60)
                opened = time.perf_counter() - t0
                await pilot.press("end")
                await asyncio.sleep(0.2)
                t1 = time.perf_counter()
                for _ in range(50):
                    await pilot.press("pageup")
                scroll = (time.perf_counter() - t1) / 50
                stop.set()
                await task
                print(
                    f"{'open big session':<34} loaded in {opened:.2f} s; longest event-loop stall {max(stalls) * 1000:.0f} ms; page-up {scroll * 1000:.1f} ms each"
                )
        writer.abandon()
    finally:
        shutil.rmtree(base, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--appends", type=int, default=150)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--idle", type=float, default=10.0)
    parser.add_argument("--big-chunks", type=int, default=50_000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
