"""Cold vs warm listing of 2,000 generated Claude Code sessions.

    uv run python benchmarks/bench_claude.py [--sessions 2000] [--repeat 3] [--keep DIR]

Generates realistic transcripts (prompts, assistant messages split over several
lines with one usage per `message.id`, tool calls and results of heavy-tailed size,
bookkeeping records, titles) under `<tmp>/.claude/projects/<proj>/<uuid>.jsonl`,
then times `SessionIndex.scan()` in fresh subprocesses: cold (no cache file) and
warm (a cache file primed by an earlier run), side by side.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SCAN = """
import json, sys, time
from pathlib import Path
t0 = time.perf_counter()
from sessionview.store.index import SessionIndex
from sessionview.store.roots import Root
import sessionview.store.formats  # the index imports adapters on first need: not counted
t1 = time.perf_counter()
index = SessionIndex([Root(Path(sys.argv[1]), "claude")], cache_path=Path(sys.argv[2]))
rows = index.scan()
t2 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "scan": t2 - t1, "rows": len(rows),
                  "corrupt": sum(r.state.value == "corrupt" for r in rows)}))
"""


def _ts(base: float, offset: float) -> str:
    t = time.gmtime(base + offset)
    ms = int(((base + offset) % 1) * 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{ms:03d}Z"


def session_lines(rng: random.Random, sid: str, cwd: str) -> list[bytes]:
    base = 1_767_000_000 + rng.random() * 5_000_000
    t = 0.0
    lines: list[dict] = [
        {"type": "file-history-snapshot", "messageId": str(uuid.uuid4()), "snapshot": {}}
    ]
    parent = None
    turns = max(1, int(rng.paretovariate(1.3) * 2))
    env = {
        "isSidechain": False,
        "userType": "external",
        "cwd": cwd,
        "sessionId": sid,
        "version": "2.1.30",
        "gitBranch": "main",
    }
    for _turn in range(min(turns, 60)):
        uid = str(uuid.uuid4())
        t += rng.uniform(5, 120)
        prompt = " ".join(rng.choice(WORDS) for _ in range(rng.randint(4, 60)))
        lines.append(
            {
                **env,
                "parentUuid": parent,
                "type": "user",
                "uuid": uid,
                "timestamp": _ts(base, t),
                "message": {"role": "user", "content": prompt},
            }
        )
        parent = uid
        for _step in range(rng.randint(1, 6)):
            mid = f"msg_{uuid.uuid4().hex[:24]}"
            usage = {
                "input_tokens": rng.randint(5, 500),
                "output_tokens": rng.randint(20, 2000),
                "cache_read_input_tokens": rng.randint(0, 90000),
                "cache_creation_input_tokens": rng.randint(0, 5000),
            }
            blocks = [
                {
                    "type": "thinking",
                    "thinking": " ".join(rng.choice(WORDS) for _ in range(rng.randint(5, 80))),
                    "signature": "sig",
                }
            ]
            tool = rng.random() < 0.7
            if tool:
                blocks.append(
                    {
                        "type": "tool_use",
                        "id": f"toolu_{uuid.uuid4().hex[:20]}",
                        "name": rng.choice(["Read", "Bash", "Edit", "Grep"]),
                        "input": {"file_path": f"{cwd}/src/{rng.choice(WORDS)}.py"},
                    }
                )
            else:
                blocks.append(
                    {
                        "type": "text",
                        "text": " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 200))),
                    }
                )
            for block in blocks:  # one line per content block, same id and usage
                aid = str(uuid.uuid4())
                t += rng.uniform(0.5, 10)
                lines.append(
                    {
                        **env,
                        "parentUuid": parent,
                        "type": "assistant",
                        "uuid": aid,
                        "requestId": "req_x",
                        "timestamp": _ts(base, t),
                        "message": {
                            "id": mid,
                            "type": "message",
                            "role": "assistant",
                            "model": "claude-sonnet-4-5",
                            "content": [block],
                            "stop_reason": None,
                            "usage": usage,
                        },
                    }
                )
                parent = aid
            if not tool:
                break
            rid = str(uuid.uuid4())
            t += rng.uniform(0.1, 5)
            size = min(int(rng.paretovariate(1.1) * 400), 400_000)
            lines.append(
                {
                    **env,
                    "parentUuid": parent,
                    "type": "user",
                    "uuid": rid,
                    "timestamp": _ts(base, t),
                    "message": {
                        "role": "user",
                        "content": [
                            {
                                "type": "tool_result",
                                "tool_use_id": blocks[-1]["id"],
                                "content": "x" * size,
                            }
                        ],
                    },
                    "toolUseResult": {"type": "text"},
                }
            )
            parent = rid
    if rng.random() < 0.5:
        lines.append(
            {
                "type": "ai-title",
                "aiTitle": " ".join(rng.choice(WORDS) for _ in range(4)),
                "sessionId": sid,
            }
        )
    if rng.random() < 0.1:
        lines.append({"type": "custom-title", "customTitle": "renamed", "sessionId": sid})
    return [json.dumps(line).encode() + b"\n" for line in lines]


WORDS = [
    "alpha",
    "beta",
    "gamma",
    "delta",
    "parser",
    "index",
    "cache",
    "scan",
    "token",
    "session",
    "file",
    "thread",
    "lock",
    "refactor",
    "test",
    "flag",
    "verbose",
    "config",
    "loader",
    "writer",
    "reader",
    "tail",
    "json",
    "bytes",
]


def generate(root: Path, count: int, seed: int = 7) -> tuple[int, int]:
    rng = random.Random(seed)
    projects = root / "projects"
    cwds = [f"/home/alice/src/proj{i}" for i in range(40)]
    total = 0
    for _ in range(count):
        cwd = rng.choice(cwds)
        folder = projects / "".join(ch if ch.isalnum() else "-" for ch in cwd)
        folder.mkdir(parents=True, exist_ok=True)
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        data = b"".join(session_lines(rng, sid, cwd))
        (folder / f"{sid}.jsonl").write_bytes(data)
        total += len(data)
    return count, total


def run_scan(projects: Path, cache: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", SCAN, str(projects), cache],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=env,
    )
    if out.returncode != 0:
        sys.exit(f"scan failed:\n{out.stderr}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--keep", type=Path, default=None, help="generate into this dir and keep it"
    )
    args = parser.parse_args()
    tmp = args.keep or Path(tempfile.mkdtemp(prefix="sv-bench-claude-"))
    root = tmp / ".claude"
    env = {
        **os.environ,
        "HOME": str(tmp),
        "CLAUDE_CONFIG_DIR": str(root),
        "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
    }
    t0 = time.perf_counter()
    if not (root / "projects").is_dir():
        n, size = generate(root, args.sessions)
    else:
        files = list((root / "projects").glob("*/*.jsonl"))
        n, size = len(files), sum(f.stat().st_size for f in files)
    print(
        f"{n} Claude Code sessions, {size / 1e6:.1f} MB (generated in {time.perf_counter() - t0:.1f} s) in {root}"
    )
    projects = root / "projects"
    warm_cache = tmp / "warm-index.json"
    run_scan(projects, str(warm_cache), env)  # prime the warm cache
    cold, warm = [], []
    for i in range(args.repeat):
        cold_cache = tmp / f"cold-index-{i}.json"
        cold_cache.unlink(missing_ok=True)
        cold.append(run_scan(projects, str(cold_cache), env))
        warm.append(run_scan(projects, str(warm_cache), env))
    for runs in (cold, warm):
        assert all(r["rows"] == n for r in runs), runs
    c = statistics.median(r["scan"] for r in cold)
    w = statistics.median(r["scan"] for r in warm)
    imp = statistics.median(r["import"] for r in cold + warm)
    print(
        f"{'':6}{'scan s (median of ' + str(args.repeat) + ')':>28}{'per session ms':>18}{'rows':>7}"
    )
    print(f"{'cold':6}{c:>28.3f}{c / n * 1000:>18.3f}{cold[0]['rows']:>7}")
    print(f"{'warm':6}{w:>28.3f}{w / n * 1000:>18.3f}{warm[0]['rows']:>7}")
    print(
        f"cache benefit: warm is {c / w:.1f}x faster than cold (import of sessionview.store: {imp:.2f} s, not counted)"
    )
    if args.keep is None:
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
