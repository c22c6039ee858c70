"""Full-text search against its baselines, measured in the same run.

    uv run python benchmarks/generate.py --sessions 1000 --no-large --out /tmp/sv-search-bench/sessions
    uv run python benchmarks/bench_search.py /tmp/sv-search-bench/sessions
    uv run python benchmarks/bench_search.py /work/bench-data/sessions --cache /tmp/h12cache

`--cache DIR` keeps the index in DIR and reuses one built there before (the build of
10,000 sessions takes minutes: measure it once, then the queries as often as needed).

Prints, each as a ratio against a baseline timed here on the same files:

* build: indexing every session (fresh index) vs `orjson.loads` of every line;
* index size vs corpus bytes;
* query: `sessionview search WORD --json` as a whole process (index brought up to date
  included) vs `grep -rliF WORD` over the same files, for a rare word, a rare phrase
  and a word in nearly every session (median of --repeat runs each);
* the rare word again with each fast path of `store/fast_paths.py` switched off
  (`SESSIONVIEW_PLAIN=name`): what each one buys the search;
* incremental: the same CLI search after 10 sessions grew by one chunk, vs unchanged.

The corpus is never written to (it may be read-only or shared): the sessions the
script writes to (three that hold the rare words, ten that grow) are copies of partial
sessions of the corpus, under new ids, in a scratch directory next to the index
(`DIR/bench-scratch`), searched with `--dir CORPUS --dir SCRATCH`; grep reads both too.
The index and the listing cache live in the XDG_CACHE_HOME given by `--cache` (or a
temporary one).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

RARE = "zyzzyvaquartz"
PHRASE = '"purple elephant migration"'
COMMON = "fox"


def append_chunk(path: Path, text: str) -> None:
    """One chunk line, as OpenRath's writer appends it, to a partial session."""
    lines = path.read_bytes().rstrip(b"\n").split(b"\n")
    index = -1
    for line in reversed(lines):
        try:
            record = json.loads(line)
        except ValueError:
            continue
        if record.get("record_type") == "chunk":
            index = record["index"]
            break
    record = {
        "record_type": "chunk",
        "index": index + 1,
        "kind": "user",
        "payload": {"content": text},
    }
    with open(path, "ab") as fh:
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            fh.write(b"\n")  # a torn last line: start ours on a fresh one
        fh.write(json.dumps(record, ensure_ascii=False).encode() + b"\n")


def make_scratch(sources: list[Path], scratch: Path) -> list[Path]:
    """Copies of these partial sessions under new (stable) ids, made once."""
    out = []
    scratch.mkdir(parents=True, exist_ok=True)
    for source in sources:
        old_id = source.name.split(".", 1)[0]
        new_id = str(uuid.uuid5(uuid.NAMESPACE_URL, "sessionview-bench/" + old_id))
        target = scratch / source.name.replace(old_id, new_id)
        if not target.exists():
            target.write_bytes(source.read_bytes().replace(old_id.encode(), new_id.encode()))
        out.append(target)
    return out


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, env=env)
    return time.perf_counter() - start, result


def median_times(
    cmds: list[list[str]],
    env: dict[str, str],
    repeat: int,
    envs: list[dict[str, str]] | None = None,
) -> list[tuple[float, float]]:
    """Median wall time and median CPU time (user + system) of `repeat` runs of each
    command, after one untimed run each (the page cache warm for grep and search
    alike), their runs taken in turn (a, b, a, b, ...): a virtual machine's speed
    drifts by a third within a minute here, and a baseline timed a minute before its
    rival would carry that drift into their ratio. On a shared, loaded machine the CPU
    time says more about the work than the wall time."""
    each = envs or [env] * len(cmds)
    for cmd, cmd_env in zip(cmds, each, strict=True):
        timed(cmd, cmd_env)
    walls: list[list[float]] = [[] for _ in cmds]
    cpus: list[list[float]] = [[] for _ in cmds]
    for _ in range(repeat):
        for i, cmd in enumerate(cmds):
            before = _children_cpu()
            walls[i].append(timed(cmd, each[i])[0])
            cpus[i].append(_children_cpu() - before)
    return [(statistics.median(w), statistics.median(c)) for w, c in zip(walls, cpus, strict=True)]


def orjson_parse_all(roots: list[Path]) -> tuple[float, int]:
    import orjson

    loads, error = orjson.loads, orjson.JSONDecodeError
    start = time.perf_counter()
    total = 0
    for path in sorted(p for root in roots for p in root.iterdir()):
        with open(path, "rb") as fh:
            data = fh.read()
        total += len(data)
        for line in data.split(b"\n"):
            if line:
                try:
                    loads(line)
                except error:  # a torn last line
                    continue
    return time.perf_counter() - start, total


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("root", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--cache",
        type=Path,
        help="XDG_CACHE_HOME to use and keep: an index already built there is reused (its "
        "build is not measured again; a 10,000-session build takes minutes)",
    )
    args = parser.parse_args()
    root: Path = args.root
    cache = args.cache or Path(tempfile.mkdtemp(prefix="sv-bench-search-"))
    cache.mkdir(parents=True, exist_ok=True)
    reuse = (cache / "sessionview" / "search.sqlite3").exists()
    env = {**os.environ, "XDG_CACHE_HOME": str(cache)}
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # start-up as installed: with .pyc files
    partials = sorted(p for p in root.iterdir() if p.name.endswith(".__partial__"))
    if len(partials) < 13:
        print("need at least 13 partial sessions in the corpus", file=sys.stderr)
        return 1
    copies = make_scratch(partials[:13], cache / "bench-scratch")
    scratch = copies[0].parent
    for path in copies[:3]:
        if RARE.encode() not in path.read_bytes():
            append_chunk(path, f"the {RARE} token and a purple elephant migration plan")
    roots = [root, scratch]
    dirs = ["--dir", str(root), "--dir", str(scratch)]
    files = [p for r in roots for p in r.iterdir()]

    sv = [sys.executable, "-m", "sessionview"]
    ls_s, _ = timed([*sv, "ls", "--json", *dirs], env)  # listing cache warm
    if reuse:
        corpus_bytes = sum(p.stat().st_size for p in files)
        print(f"corpus: {len(files)} files, {corpus_bytes / 1e6:.0f} MB")
        update_s, result = timed([*sv, "search", COMMON, "--json", *dirs], env)
        assert result.returncode == 0, result.stderr
        print(f"build: not measured (index reused from {cache}); update {update_s:.2f} s")
    else:
        parse_s, corpus_bytes = orjson_parse_all(roots)
        print(f"corpus: {len(files)} files, {corpus_bytes / 1e6:.0f} MB")
        print(f"baseline orjson.loads of every line: {parse_s:.2f} s")
        before = _children_cpu()
        build_s, result = timed([*sv, "search", COMMON, "--json", *dirs], env)
        build_cpu = _children_cpu() - before
        assert result.returncode == 0, result.stderr
        print(
            f"build (first search, cold index, listing warm): {build_s:.2f} s = "
            f"{build_s / parse_s:.1f}x orjson parse (target <= 20x); cpu {build_cpu:.1f} s on "
            f"{len(os.sched_getaffinity(0))} cores"
        )
    index_bytes = sum(
        f.stat().st_size for f in (cache / "sessionview").iterdir() if f.name.startswith("search")
    )
    print(
        f"index size: {index_bytes / 1e6:.0f} MB = {index_bytes / corpus_bytes:.0%} of the "
        "corpus (target <= 35%)"
    )

    for label, word in (("rare word", RARE), ("rare phrase", PHRASE), ("common word", COMMON)):
        grep_word = word.strip('"')
        grep_cmd = ["grep", "-rliF", grep_word, *map(str, roots)]
        cmd = [*sv, "search", word, "--json", *dirs]
        (grep_s, grep_cpu), (ours, ours_cpu) = median_times([grep_cmd, cmd], env, args.repeat)
        if word == RARE:
            grep_rare = grep_s
        found = len(json.loads(timed(cmd, env)[1].stdout))
        target = "target >= 10x" if label != "common word" else "target >= 1x"
        print(
            f"query {label} {word}: search {ours * 1000:.0f} ms (cpu {ours_cpu * 1000:.0f}), "
            f"grep -rliF {grep_s * 1000:.0f} ms (cpu {grep_cpu * 1000:.0f}): "
            f"{grep_s / ours:.1f}x faster by wall time, {grep_cpu / ours_cpu:.1f}x by cpu "
            f"({target}); {found} sessions"
        )

    # What each fast path (store/fast_paths.py) buys the rare word, in the same run.
    from sessionview.store.fast_paths import NAMES as FAST_PATHS

    cmd = [*sv, "search", RARE, "--json", *dirs]
    searched = [name for name in FAST_PATHS if name != "last_listing"]  # that one is ls's
    plain = [dict(env, SESSIONVIEW_PLAIN=name) for name in searched]
    times = median_times([cmd] * (1 + len(plain)), env, args.repeat, [env, *plain])
    for name, (wall, _) in zip(searched, times[1:], strict=True):
        print(
            f"rare word with fast path {name} off: {wall * 1000:.0f} ms "
            f"({(wall - times[0][0]) * 1000:+.0f} ms), {grep_rare / wall:.1f}x grep"
        )

    timed(cmd, env)
    # In turn, as the queries above: an unchanged index, then one 10 sessions grew.
    kept, kept_cpu, grown, grown_cpu = [], [], [], []
    for round_ in range(args.repeat):
        before = _children_cpu()
        kept.append(timed(cmd, env)[0])
        kept_cpu.append(_children_cpu() - before)
        for path in copies[3:13]:
            append_chunk(path, f"round {round_} another line of work on the build")
        before = _children_cpu()
        grown.append(timed(cmd, env)[0])
        grown_cpu.append(_children_cpu() - before)
    unchanged, unchanged_cpu = statistics.median(kept), statistics.median(kept_cpu)
    after, after_cpu = statistics.median(grown), statistics.median(grown_cpu)
    print(
        f"incremental: 10 sessions grew: {after * 1000:.0f} ms (cpu {after_cpu * 1000:.0f}) "
        f"vs {unchanged * 1000:.0f} ms (cpu {unchanged_cpu * 1000:.0f}) unchanged: "
        f"{(after - unchanged) * 1000:+.0f} ms wall, {(after_cpu - unchanged_cpu) * 1000:+.0f} "
        "ms cpu (target <= +200 ms)"
    )
    print(f"(listing alone, warm: ls --json {ls_s * 1000:.0f} ms once; cache in {cache})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
