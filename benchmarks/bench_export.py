"""Export of one huge session: time against `orjson.loads` of every line, and memory.

    uv run python benchmarks/bench_export.py                 # generates /tmp/sv-bench-export once
    uv run python benchmarks/bench_export.py --repeat 3 --formats md,html,json

The session is 50,000 chunks, ~130 MB, written by `generate.py`'s writer (agent loop
shape, CJK and emoji, JSON tool results of ~3.5 KB) with a few secrets mixed into the
text so redaction has work to do. Every measurement runs in a fresh process:

* `orjson`: read the file and `orjson.loads` every line (the issue's yardstick);
* `export <fmt>`: `sessionview.export.export_session` to a file in /tmp, redaction on
  (and again with it off), time and peak RSS above the process's RSS just before
  the export (the peak is reset through /proc/self/clear_refs, so imports do not count).

The machine is shared, so each export runs right after an orjson run of its own and the
ratio is taken per pair, on the process's CPU time (what other processes' load changes
least) and, for comparison, on wall time.

Targets (issue 16): export time <= 10x orjson, peak RSS < 100 MB above the baseline.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DIR = Path("/tmp/sv-bench-export")
SID = "e4b0e4b0-0000-4000-8000-0000000e4b00"
CHUNKS = 50_000
SECRETS = (
    " export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE ",
    " password=hunter2hunter2 ",
    " token: ghp_a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8 ",
    " Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abcdefghijklmnop ",
)


def generate(directory: Path) -> Path:
    """The session file (written once; same seed, same bytes)."""
    sessions = directory / "sessions"
    path = sessions / f"{SID}.jsonl"
    if path.exists():
        return path
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate as gen  # the benchmark data writer

    sessions.mkdir(parents=True, exist_ok=True)
    rng = random.Random(16)
    text = gen.Text(rng)
    pool = list(text.pool)
    for i in range(0, len(pool), 40_000):  # a secret every ~40 KB of text
        pool.insert(i, SECRETS[(i // 40_000) % len(SECRETS)])
    text.pool = "".join(pool)
    created = gen.BASE_TIME
    size = gen.write_session(sessions, SID, CHUNKS, created, "closed", rng, text, avg_result=3700)
    print(f"generated {path} ({size / 1e6:.1f} MB, {CHUNKS} chunks)", file=sys.stderr)
    return path


def _rss_kb(field: str) -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def child_orjson(path: Path) -> dict[str, float]:
    import orjson

    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as fh:
        for line in fh:
            if line.strip():
                orjson.loads(line)
    return {"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}


def child_export(path: Path, fmt: str, redact: bool, out_dir: Path) -> dict[str, float]:
    from sessionview.export import export_session
    from sessionview.store.formats import get_adapter

    info = get_adapter("openrath").read_facts(path, os.stat(path))
    target = out_dir / f"bench.{fmt}"
    base = _rss_kb("VmRSS")
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")  # reset VmHWM (the peak) to the current RSS
    except OSError:
        pass
    start, cpu = time.perf_counter(), time.process_time()
    result = export_session(info, fmt, target, redact=redact, force=True)
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = _rss_kb("VmHWM")
    size = os.path.getsize(target)
    os.unlink(target)
    return {
        "seconds": seconds,
        "cpu": cpu,
        "peak_above_mb": (peak - base) / 1024,
        "base_mb": base / 1024,
        "out_mb": size / 1e6,
        "redacted": result.redacted_total,
        "chunks": result.chunks,
    }


def run_child(*args: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--formats", default="md,html,json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, path, *rest = args.child
        if kind == "orjson":
            data = child_orjson(Path(path))
        else:
            data = child_export(Path(path), rest[0], rest[1] == "redact", Path(rest[2]))
        print(json.dumps(data))
        return 0

    path = generate(args.dir)
    out_dir = args.dir / "out"
    out_dir.mkdir(exist_ok=True)
    size_mb = os.path.getsize(path) / 1e6
    print(f"session: {path} ({size_mb:.1f} MB, {CHUNKS} chunks)")
    print(
        f"each export is paired with an orjson run just before it; ratios are per pair "
        f"(median of {args.repeat}), on CPU time and on wall time"
    )
    print(
        f"{'export':<18}{'wall s':>8}{'cpu s':>8}{'orjson':>8}{'x cpu':>8}{'x wall':>8}"
        f"{'peak MB':>9}{'out MB':>8}{'secrets':>9}"
    )
    worst_ratio = 0.0
    worst_peak = 0.0
    for fmt in args.formats.split(","):
        for redact in (True, False):
            pairs = []
            for _ in range(args.repeat):
                base = run_child("orjson", str(path))
                run = run_child(
                    "export", str(path), fmt, "redact" if redact else "plain", str(out_dir)
                )
                pairs.append((base, run))
            runs = [run for _, run in pairs]
            cpu_ratio = statistics.median(r["cpu"] / b["cpu"] for b, r in pairs)
            wall_ratio = statistics.median(r["seconds"] / b["seconds"] for b, r in pairs)
            peak = max(r["peak_above_mb"] for r in runs)
            label = f"{fmt}{'' if redact else ' --no-redact'}"
            print(
                f"{label:<18}{statistics.median(r['seconds'] for r in runs):>8.2f}"
                f"{statistics.median(r['cpu'] for r in runs):>8.2f}"
                f"{statistics.median(b['cpu'] for b, _ in pairs):>8.2f}"
                f"{cpu_ratio:>7.1f}x{wall_ratio:>7.1f}x{peak:>9.1f}"
                f"{runs[0]['out_mb']:>8.1f}{runs[0]['redacted']:>9}"
            )
            if redact:
                worst_ratio = max(worst_ratio, cpu_ratio)
            worst_peak = max(worst_peak, peak)
    print(
        f"worst: {worst_ratio:.1f}x orjson in CPU time (target <= 10x), "
        f"{worst_peak:.1f} MB above baseline (target < 100 MB)"
    )
    return 0 if worst_ratio <= 10 and worst_peak < 100 else 1


if __name__ == "__main__":
    sys.exit(main())
