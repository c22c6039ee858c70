"""Find in a 50,000-chunk transcript: time to the first match, to the full count, and
how late the UI answers while the search runs (the app headless, the real search).

    uv run python benchmarks/bench_find.py [--chunks 50000]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from sessionview.app import make_app
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.config import Config
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter


def build(directory: Path, chunks: int) -> str:
    writer = SessionWriter(directory=directory)
    writer.append("user", {"content": "start"})
    for n in range(chunks):
        if n % 3 == 0:
            writer.append(
                "tool_result",
                {"tool_call_id": f"c{n}", "name": "shell", "content": f"line a {n}\nline b {n}"},
            )
        else:
            text = f"step {n}: looking at the parser" + (" zebra" if n % 5000 == 4999 else "")
            writer.append("assistant", {"content": text, "tool_calls": None})
    writer.close(usage=None)
    return writer.session_id


async def run(directory: Path, sid: str, query: str) -> None:
    app = make_app(SessionIndex([directory], use_cache=False), Config(), watch=False)
    async with app.run_test(size=(120, 36)) as pilot:
        while not app.index.sessions():
            await pilot.pause(0.05)
        info = app.index.sessions()[0]
        app.push_screen(TranscriptScreen(info, follow=False))
        await pilot.pause()
        screen = app.screen
        started = time.monotonic()
        while not screen.loaded:
            await pilot.pause(0.05)
        print(f"opened {info.chunks} chunks in {time.monotonic() - started:.2f} s")
        ticks: list[float] = []
        app.set_interval(0.02, lambda: ticks.append(time.monotonic()))
        await pilot.press("slash")
        for key in query[:-1]:
            await pilot.press(key)
        t0 = time.monotonic()
        await pilot.press(query[-1], "enter")
        first = None
        lags: list[float] = [time.monotonic() - t0]  # the keys' own answer
        while not screen.find_done:
            asked = time.monotonic()
            await pilot.pause()
            lags.append(time.monotonic() - asked)
            if first is None and screen.find_chunks:
                first = time.monotonic() - t0
        total = time.monotonic() - t0
        print(
            f"first match after {first or total:.2f} s, all {len(screen.find_chunks)} after {total:.2f} s"
        )
        gaps = [b - a for a, b in zip(ticks, ticks[1:], strict=False) if b > t0]
        print(
            f"UI timer (every 20 ms) while searching: median gap {statistics.median(gaps) * 1000:.0f} ms, "
            f"max {max(gaps) * 1000:.0f} ms over {len(gaps)} ticks"
        )
        await pilot.press("n")
        await pilot.pause()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--chunks", type=int, default=50_000)
    parser.add_argument("--query", default="zebra", help="rare: zebra; in every chunk: step")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        sid = build(Path(tmp), args.chunks)
        asyncio.run(run(Path(tmp), sid, args.query))


if __name__ == "__main__":
    main()
