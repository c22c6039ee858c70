"""The TUI on a large directory: first rows with a warm cache, and idle CPU while watching.

    uv run python benchmarks/generate.py            # once: 10,000 sessions in benchmarks/data
    uv run python benchmarks/bench_tui_large.py benchmarks/data/sessions

Targets (issue #3): first rows within 1 s on 10,000 sessions with a warm cache; idle
CPU under 1% of a core while watching them. Printed as times and ratios to target,
not asserted (machines here are noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path


async def measure(directory: Path, idle: float) -> None:
    from sessionview.app import make_app
    from sessionview.app.widgets.session_table import SessionTable
    from sessionview.config import Config
    from sessionview.store.index import SessionIndex

    started = time.perf_counter()
    app = make_app(SessionIndex([directory]), Config(), watch=True)
    first = full = None
    async with app.run_test(size=(160, 45)) as pilot:
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline:
            await pilot.pause(0.01)
            rows = app.screen.query_one(SessionTable).row_count
            if rows and first is None:
                first = time.perf_counter() - started
            if rows >= len(app.index.sessions()) > 0:
                full = time.perf_counter() - started
                break
        await pilot.pause(6.0)  # let start-up work settle (the first age refresh visits every row)
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await pilot.pause(idle)
        cpu = (time.process_time() - cpu0) / (time.perf_counter() - wall0) * 100
        count = app.screen.query_one(SessionTable).row_count
    print(f"sessions listed                    {count}")
    if first is not None:
        print(f"first rows on screen (warm cache)  {first:.3f} s   ratio/target(1 s)={first:.2f}")
    if full is not None:
        print(f"all rows on screen                 {full:.3f} s")
    print(
        f"idle CPU while watching            {cpu:.2f}% of one core over {idle:.0f} s   "
        f"ratio/target(1%)={cpu:.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("--idle", type=float, default=10.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sv-bench-") as tmp:
        for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
            os.environ[var] = str(Path(tmp) / var.lower())
        # Warm the cache with the same index the app uses (a separate process).
        subprocess.run(
            [sys.executable, "-m", "sessionview", "ls", "--json", "--dir", str(args.dir)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        asyncio.run(measure(args.dir, args.idle))


if __name__ == "__main__":
    main()
