"""Write a realistic, deterministic OpenRath sessions directory for the benchmarks.

    uv run python benchmarks/generate.py                       # 10,000 sessions, ~3 GB
    uv run python benchmarks/generate.py --sessions 1000 --scale 0.1 --out /tmp/small

Every file has the real writer's bytes: one `json.dumps(record, ensure_ascii=False)`
line per record, `\\n`-terminated; a header first, chunks, and for closed sessions a
trailer, then the rename of `<id>.jsonl.__partial__` to `<id>.jsonl` (here: the final
name is written directly). Shape of the set:

* chunk counts heavy-tailed: most sessions 10-200 chunks, ~0.2% 5,000-50,000;
* tool results of 200 B to 20 KB (log-uniform), CJK and emoji in prompts and output;
* 5% partial (`__partial__`, no trailer), 1% torn (partial plus half a record with no
  newline, a third of them cut inside a multi-byte UTF-8 character);
* one ~130 MB, 48,000-chunk closed session (the largest file; `bench_tail.py` uses it).

Same seed, same bytes (timestamps are derived from the seed, not the clock).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

DEFAULT_OUT = Path(__file__).parent / "data" / "sessions"
BASE_TIME = datetime(2026, 6, 1, tzinfo=UTC)

LATIN = (
    "The quick brown fox jumps over the lazy dog while the test suite runs again. "
    "def add(a, b):\n    return a + b\n"
    'Traceback (most recent call last):\n  File "src/app.py", line 12, in <module>\n'
    "AssertionError: expected 3, got -1\n"
    "INFO 2026-05-30 12:00:01 worker started pid=4242 queue=default\n"
)
CJK = "请帮我分析这个日志文件为什么测试失败了。这是一个很长的中文句子，用来测试多字节字符。日本語のテキストも少し入れます。한국어 문장도 있습니다。"
EMOJI = "🤔📁✅❌🚀🔥💡🐍🧪📦"
TOOLS = ("run_shell_command", "read_workspace_file", "write_workspace_file", "search_code")
SYSTEM_PROMPT = "You are a careful coding agent. Use the workspace tools; explain each step."
PROMPTS = (
    "The tests fail, please fix add().",
    "请帮我分析这个日志文件 📁，为什么测试失败了？🤔",
    "Refactor the storage layer so that listing is O(files), not O(bytes).",
    "What does `git rebase --onto` do?",
    "Write a benchmark for the tail reader 🚀 and report the ratio.",
    "日本語でこのエラーを説明してください。",
    "Summarise the last CI run and open an issue for each failure.",
)


class Text:
    """Deterministic text of a wanted size, sliced from a big pre-built pool."""

    def __init__(self, rng: random.Random) -> None:
        parts = []
        for _ in range(4000):
            roll = rng.random()
            if roll < 0.75:
                parts.append(LATIN[rng.randrange(len(LATIN) // 2) :])
            elif roll < 0.95:
                parts.append(CJK[rng.randrange(len(CJK) // 2) :])
            else:
                parts.append(rng.choice(EMOJI) * rng.randint(1, 3) + " ")
        self.pool = "".join(parts)
        self.rng = rng

    def take(self, n: int) -> str:
        start = self.rng.randrange(len(self.pool) - n - 1)
        return self.pool[start : start + n]


def iso(dt: datetime) -> str:
    return dt.isoformat()


def dumps(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False) + "\n"


def chunk_count(rng: random.Random, scale: float) -> int:
    roll = rng.random()
    if roll < 0.0015:
        n = int(5000 * (10 ** rng.random()))  # 5,000 - 50,000
    elif roll < 0.04:
        n = rng.randint(200, 1000)
    else:
        n = int(10 * (20 ** rng.random()))  # 10 - 200, log-uniform
    return max(1, int(n * scale))


def tool_result_size(rng: random.Random) -> int:
    return int(200 * (100 ** rng.random()))  # 200 B - 20 KB, log-uniform


def header(sid: str, created: datetime, rng: random.Random) -> dict:
    parents: list[str] = []
    operator, kind = "implicit", "unknown"
    roll = rng.random()
    if roll < 0.3:
        parents = [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(2)]
        operator, kind = "run_session_loop", "op_session_loop"
    elif roll < 0.35:
        parents = [str(uuid.UUID(int=rng.getrandbits(128), version=4))]
        operator, kind = "Session.fork", "op_fork"
    sandbox = rng.random() < 0.2
    return {
        "record_type": "header",
        "schema_version": 1,
        "id": sid,
        "created_at": iso(created),
        "parent_session_ids": parents,
        "lineage_operator": operator,
        "lineage_kind": kind,
        "lineage_extras": [],
        "sandbox_backend": "local" if sandbox else None,
        "sandbox_spec": (
            {
                "image": None,
                "entrypoint": None,
                "env": None,
                "timeout_seconds": None,
                "working_dir": f"/srv/agent/{sid[:8]}",
            }
            if sandbox
            else None
        ),
        "sandbox_handle_id": None,
    }


def chunk_lines(n: int, rng: random.Random, text: Text, avg_result: int | None = None):
    """Yield `n` chunk lines shaped like a real agent loop."""
    index = 0
    call = 0

    def rec(kind: str, payload: dict) -> str:
        nonlocal index
        line = dumps({"record_type": "chunk", "index": index, "kind": kind, "payload": payload})
        index += 1
        return line

    if n > 0:
        yield rec("system", {"content": SYSTEM_PROMPT})
    if index < n:
        yield rec("user", {"content": rng.choice(PROMPTS) + "\n" + text.take(rng.randint(20, 400))})
    while index < n:
        roll = rng.random()
        if roll < 0.05:
            yield rec("user", {"content": rng.choice(PROMPTS)})
            continue
        if roll < 0.15:
            yield rec("assistant", {"content": text.take(rng.randint(50, 800)), "tool_calls": None})
            continue
        calls = []
        for _ in range(rng.choice((1, 1, 1, 2))):
            call += 1
            name = rng.choice(TOOLS)
            calls.append(
                {
                    "id": f"call_{call:08d}",
                    "type": "function",
                    "function": {
                        "name": name,
                        "arguments": json.dumps({"cmd": text.take(rng.randint(10, 80))}),
                    },
                }
            )
        yield rec(
            "assistant", {"content": text.take(rng.randint(0, 200)) or None, "tool_calls": calls}
        )
        for c in calls:
            if index >= n:
                break
            size = avg_result or tool_result_size(rng)
            body = json.dumps(
                {"exit_code": rng.choice((0, 0, 1)), "stdout": text.take(size)},
                ensure_ascii=rng.random() < 0.3,  # some tools escape, most do not
            )
            yield rec(
                "tool_result",
                {"tool_call_id": c["id"], "name": c["function"]["name"], "content": body},
            )


def write_session(
    out: Path,
    sid: str,
    n: int,
    created: datetime,
    status: str,
    rng: random.Random,
    text: Text,
    avg_result: int | None = None,
) -> int:
    lines = [dumps(header(sid, created, rng))]
    lines += chunk_lines(n, rng, text, avg_result)
    closed_at = created + timedelta(seconds=n * rng.uniform(0.5, 5.0))
    if status == "closed":
        prompt = n * rng.randint(200, 900)
        completion = n * rng.randint(20, 90)
        lines.append(
            dumps(
                {
                    "record_type": "trailer",
                    "closed_at": iso(closed_at),
                    "final_chunk_count": n,
                    "cumulative_usage": {
                        "prompt_tokens": prompt,
                        "completion_tokens": completion,
                        "total_tokens": prompt + completion,
                    },
                }
            )
        )
        path = out / f"{sid}.jsonl"
    else:
        path = out / f"{sid}.jsonl.__partial__"
    data = "".join(lines).encode("utf-8")
    if status == "torn":
        extra = dumps(
            {"record_type": "chunk", "index": n, "kind": "user", "payload": {"content": CJK * 3}}
        ).encode("utf-8")
        cut = rng.randrange(10, len(extra) - 1)
        if rng.random() < 0.34:
            # Cut inside a 3-byte CJK character: keep only its first 2 bytes.
            start = extra.index(CJK[0].encode("utf-8"))
            cut = start + 3 * rng.randrange(0, 20) + 2
        data += extra[:cut]
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)
    stamp = closed_at.timestamp()
    os.utime(path, (stamp, stamp))
    return len(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--scale", type=float, default=1.0, help="multiply chunk counts")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--no-large", action="store_true", help="skip the 130 MB session")
    parser.add_argument("--force", action="store_true", help="replace an existing --out")
    args = parser.parse_args(argv)

    out: Path = args.out
    if out.exists() and any(out.iterdir()):
        if not args.force:
            print(f"{out} is not empty; pass --force to replace it", file=sys.stderr)
            return 2
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(args.seed)
    text = Text(rng)
    t0 = time.perf_counter()
    total = 0
    counts = {"closed": 0, "partial": 0, "torn": 0}
    for i in range(args.sessions):
        sid = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        created = BASE_TIME - timedelta(seconds=rng.uniform(0, 180 * 86400))
        roll = rng.random()
        status = "torn" if roll < 0.01 else "partial" if roll < 0.06 else "closed"
        counts[status] += 1
        n = chunk_count(rng, args.scale)
        if i == 0 and not args.no_large:
            n = max(1, int(48_000 * args.scale))
            status = "closed"
            total += write_session(out, sid, n, created, status, rng, text, avg_result=3500)
            continue
        total += write_session(out, sid, n, created, status, rng, text)
        if (i + 1) % 1000 == 0:
            print(f"  {i + 1} sessions, {total / 1e9:.2f} GB, {time.perf_counter() - t0:.1f}s")
    print(
        f"wrote {args.sessions} sessions ({counts}) to {out}: {total / 1e9:.2f} GB "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
