"""The last 200 chunks of the largest session vs parsing it whole, side by side.

    uv run python benchmarks/bench_tail.py benchmarks/data/sessions [--n 200] [--repeat 5]

DIR may also be one session file. Each measurement runs in a fresh Python:
(a) `sessionview.store.formats.openrath.last_chunks(path, N)` (seek from the end);
(b) `orjson.loads` of every line of the file (the fastest whole-file parse);
(c) `parse_file` (sessionview's full loader, for reference).
Time is the median of --repeat runs (without tracing); memory growth is the
tracemalloc peak of a separate traced run, and the peak RSS growth (ru_maxrss).
Targets: time (a)/(b) < 1/20, memory growth of (a) < 50 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

CHILD = r"""
import json, os, resource, sys, time, tracemalloc
import orjson
from sessionview.store.formats.openrath import last_chunks
from sessionview.store.formats.openrath import parse_file
mode, path, n, trace = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"

def whole_orjson(path):
    with open(path, "rb") as fh:
        data = fh.read()
    return [orjson.loads(line) for line in data.split(b"\n") if line.strip()]

work = {
    "tail": lambda: last_chunks(path, n),
    "orjson": lambda: whole_orjson(path),
    "parse_file": lambda: parse_file(path).chunks,
}[mode]
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
if trace:
    tracemalloc.start()
t0 = time.perf_counter()
result = work()
elapsed = time.perf_counter() - t0
peak = tracemalloc.get_traced_memory()[1] if trace else 0
rss1 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "peak": peak, "rss": (rss1 - rss0) * 1024,
                  "items": len(result)}))
"""


def run(mode: str, path: Path, n: int, trace: bool) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", CHILD, mode, str(path), str(n), "1" if trace else "0"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return json.loads(out)


def count_lines(path: Path) -> int:
    with open(path, "rb") as fh:
        return sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))


def main() -> int:
    parser = argparse.ArgumentParser(description="last N chunks vs a whole-file parse")
    parser.add_argument("target", type=Path, help="a sessions dir (its largest file) or a file")
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    path = args.target
    if path.is_dir():
        # The session with the most chunks among the 5 largest files (generate.py's
        # ~130 MB, 48,000-chunk one).
        biggest = sorted((p for p in path.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
        path = max(biggest[-5:], key=count_lines)
    size = path.stat().st_size
    lines = count_lines(path)
    print(f"{path.name}: {size / 1e6:.1f} MB, {lines} lines; last {args.n} chunks")

    rows = {}
    for mode in ("tail", "orjson", "parse_file"):
        times = [run(mode, path, args.n, False)["seconds"] for _ in range(args.repeat)]
        traced = run(mode, path, args.n, True)
        rows[mode] = (statistics.median(times), traced["peak"], traced["rss"], traced["items"])
    names = {
        "tail": f"(a) last_chunks(path, {args.n})",
        "orjson": "(b) orjson.loads of every line",
        "parse_file": "(c) parse_file (full loader)",
    }
    print(f"\n{'approach':<36}{'median s':>10}{'peak MB':>10}{'RSS +MB':>10}{'items':>8}")
    for mode, (sec, peak, rss, items) in rows.items():
        print(f"{names[mode]:<36}{sec:>10.4f}{peak / 1e6:>10.1f}{rss / 1e6:>10.1f}{items:>8}")
    ratio = rows["tail"][0] / rows["orjson"][0]
    growth = max(rows["tail"][1], rows["tail"][2]) / 1e6
    print(
        f"\ntime (a)/(b)        {ratio:.5f} (1/{1 / ratio:.0f})   target < 1/20  "
        f"{'OK' if ratio < 1 / 20 else 'MISSED'}"
    )
    print(
        f"memory growth (a)   {growth:.1f} MB            target < 50 MB "
        f"{'OK' if growth < 50 else 'MISSED'}"
    )
    return 0 if ratio < 1 / 20 and growth < 50 else 1


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
