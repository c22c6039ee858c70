"""Remote hosts over loopback SSH against the same work done locally, in one run.

    uv run python benchmarks/bench_remote.py [--sessions 10000] [--scale 0.02] [--repeat 5]
        [--appends 40] [--idle 10] [--data DIR] [--parts abcd]

Starts a throwaway sshd on 127.0.0.1 (tests/remote/sshd.py; needs OpenSSH, as the
tests do) and one "host" behind it: this interpreter's `sessionview` with its own HOME
and cache directories, reading the same generated directory. Then, side by side:

(a) listing: `ls --json --dir D` (local) vs `ls --json --host H --dir D` as whole
    commands, warm caches on both sides (each primed once; a serve per command, as by
    default), medians of --repeat paired differences; and the same with the opt-in
    keeper (`keep_serve = 60`: the host's serve kept open between commands).
    Target: remote - local <= 0.5 s. Also `ssh H true` over the shared connection:
    what the remote login shell costs on this machine (root's bashrc running
    `pyenv init` is ~0.8 s on the dev box), so sessionview's own part shows apart.
(b) append -> screen: a writer appends a chunk every 100 ms to a running session;
    `show --follow --json` (local, then `--host H`) prints it; the delay from the
    append's `flush()` to the line on the follower's stdout. Target: remote median
    <= 150 ms.
(c) idle: a remote `serve` with a `watch` stream open over the directory, and this
    client process, each measured over --idle seconds of no change (CPU time from
    /proc and process_time). Target: each < 1% of a core.
(d) idle, the whole local side: the real app (headless, in its own process) with the
    host's rows listed, its serve, and this side's ssh, over --idle seconds.
    Target: the app and the serve each < 1% of a core.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.procs import children, comm  # noqa: E402
from tests.remote.sshd import client_config, start_sshd  # noqa: E402


def env_words(home: Path) -> list[str]:
    # PYTHONPATH (to measure another checkout) reaches the "host" too: ssh does not pass it.
    path = [f"PYTHONPATH={os.environ['PYTHONPATH']}"] if os.environ.get("PYTHONPATH") else []
    return [
        "env",
        *path,
        f"HOME={home}",
        f"XDG_CONFIG_HOME={home / '.config'}",
        f"XDG_CACHE_HOME={home / '.cache'}",
        f"XDG_DATA_HOME={home / '.local/share'}",
        f"XDG_STATE_HOME={home / '.local/state'}",
    ]


def timed(argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0


def follow_latency(
    argv: list[str], env: dict[str, str], directory: Path, appends: int
) -> list[float]:
    """Delays (s) from a flushed append to its line on the follower's stdout."""
    from sessionview.store.writer import SessionWriter

    writer = SessionWriter(directory=directory)
    writer.append("user", {"content": "start"})
    proc = subprocess.Popen(
        [*argv, writer.session_id], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
    )
    arrived: dict[int, float] = {}

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            record = json.loads(line)
            if "index" in record:  # the last line says how the follow ended
                arrived[record["index"]] = time.perf_counter()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    deadline = time.monotonic() + 60
    while 0 not in arrived:
        if time.monotonic() > deadline:
            raise SystemExit("the follower printed nothing within 60 s")
        time.sleep(0.01)
    sent: dict[int, float] = {}
    for _ in range(appends):
        index = writer.append("assistant", {"content": f"chunk at {time.time()}"})
        sent[index] = time.perf_counter()
        time.sleep(0.1)
    writer.close()
    proc.wait(timeout=60)
    reader.join(5)
    missing = sorted(set(sent) - set(arrived))
    if missing:
        raise SystemExit(f"chunks never printed: {missing[:10]}")
    return [arrived[i] - sent[i] for i in sorted(sent)]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000)
    parser.add_argument("--scale", type=float, default=0.02, help="generate.py's chunk scale")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--appends", type=int, default=40)
    parser.add_argument("--idle", type=float, default=10.0, help="seconds of idle measured")
    parser.add_argument("--data", type=Path, help="an existing sessions directory to use")
    parser.add_argument(
        "--parts", default="abcd", help="which measurements: a listing, b append->screen, c/d idle"
    )
    args = parser.parse_args(argv)

    py = sys.executable
    subprocess.run([py, "-m", "compileall", "-q", str(REPO / "sessionview")], check=True)
    with tempfile.TemporaryDirectory(prefix="bench-remote-") as tmp_name:
        tmp = Path(tmp_name)
        data = args.data
        if data is None:
            data = tmp / "sessions"
            subprocess.run(
                [py, str(REPO / "benchmarks/generate.py"), "--sessions", str(args.sessions),
                 "--scale", str(args.scale), "--no-large", "--out", str(data)],
                check=True, stdout=subprocess.DEVNULL,
            )  # fmt: skip
        sshd = start_sshd(tmp / "sshd")
        try:
            ssh_config = client_config(sshd, tmp / "ssh_config")
            local_home, remote_home = tmp / "local", tmp / "remote"
            command = shlex.join([*env_words(remote_home), py, "-m", "sessionview"])
            config_dir = local_home / ".config" / "sessionview"
            config_dir.mkdir(parents=True)
            (config_dir / "config.toml").write_text(
                f"ssh = {json.dumps(shlex.join(['ssh', '-F', str(ssh_config)]))}\n"
                f"[host.bench]\ncommand = {json.dumps(command)}\n"
            )
            env = {**os.environ, **dict(w.split("=", 1) for w in env_words(local_home)[1:])}
            env.pop("SESSIONVIEW_DIR", None)
            # The same, with the opt-in keeper (`keep_serve = 60`): the host's serve stays
            # open between commands.
            kept_config = tmp / "kept-config"
            (kept_config / "sessionview").mkdir(parents=True)
            (kept_config / "sessionview" / "config.toml").write_text(
                "keep_serve = 60\n" + (config_dir / "config.toml").read_text()
            )
            env_kept = {**env, "XDG_CONFIG_HOME": str(kept_config)}
            base = [py, "-m", "sessionview"]
            local_ls = [*base, "ls", "--json", "--dir", str(data)]
            remote_ls = [*base, "ls", "--json", "--host", "bench", "--dir", str(data)]
            from sessionview.remote.hosts import HostSpec, ssh_defaults

            spec = HostSpec(
                "bench", ssh=("ssh", "-F", str(ssh_config)), command=tuple(shlex.split(command))
            )
            if "a" in args.parts:
                rows = len(
                    json.loads(
                        subprocess.run(remote_ls, env=env, capture_output=True, check=True).stdout
                    )
                )
                timed(local_ls, env)  # prime the local cache (the remote one is primed above)
                local_t, remote_t, kept_t = [], [], []
                # Pairs, back to back: on a shared machine the load changes between pairs
                # more than within one, so the differences are what the medians are of.
                for _ in range(args.repeat):
                    local_t.append(timed(local_ls, env))
                    remote_t.append(timed(remote_ls, env))
                    kept_t.append(timed(remote_ls, env_kept))
                diffs = [r - loc for loc, r in zip(local_t, remote_t, strict=True)]
                kept = [r - loc for loc, r in zip(local_t, kept_t, strict=True)]
                floor_argv = [*spec.ssh, *ssh_defaults(spec), "bench", "true"]
                floor = statistics.median(timed(floor_argv, env) for _ in range(args.repeat))
                lm, rm = statistics.median(local_t), statistics.median(remote_t)
                dm = statistics.median(diffs)
                print(f"(a) listing {rows} sessions, warm, median of {args.repeat}:")
                print(
                    f"    local  ls --json --dir          {lm:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in local_t)})"
                )
                print(
                    f"    remote ls --json --host --dir   {rm:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in remote_t)})"
                )
                print(
                    f"    remote - local, median of the {args.repeat} pairs = {dm:+.3f} s (target <= 0.5 s): "
                    f"{'ok' if dm <= 0.5 else 'MISSED'}  (pairs: {', '.join(f'{d:+.3f}' for d in diffs)})"
                )
                print("    (the default: a serve per command, which ends with it)")
                km = statistics.median(kept)
                print(
                    f"    keep_serve = 60 (opt-in keeper): remote - local, median of pairs = "
                    f"{km:+.3f} s  (pairs: {', '.join(f'{d:+.3f}' for d in kept)})"
                )
                print(
                    f"    of which `ssh bench true` (shared connection + login shell there): {floor:.3f} s"
                )
                print(f"    default: remote - local - ssh floor = {dm - floor:+.3f} s")

            if "b" in args.parts:
                live = tmp / "live"
                live.mkdir()
                follow_local = [*base, "show", "--follow", "--json", "--dir", str(live)]
                follow_remote = [
                    *base,
                    "show",
                    "--follow",
                    "--json",
                    "--host",
                    "bench",
                    "--dir",
                    str(live),
                ]
                lat_l = follow_latency(follow_local, env, live, args.appends)
                lat_r = follow_latency(follow_remote, env, live, args.appends)

                def stats(values: list[float]) -> str:
                    q = statistics.quantiles(values, n=10)
                    return f"median {statistics.median(values) * 1000:.0f} ms, p90 {q[-1] * 1000:.0f} ms"

                print(f"(b) append -> follower's stdout, {args.appends} appends 100 ms apart:")
                print(f"    local  show --follow            {stats(lat_l)}")
                print(f"    remote show --follow --host     {stats(lat_r)}")
                ok = statistics.median(lat_r) <= 0.150
                print(f"    remote median target <= 150 ms: {'ok' if ok else 'MISSED'}")

            if "c" in args.parts:
                from sessionview.remote.client import Connection

                with Connection(spec, ["--dir", str(data)]) as conn:
                    stream = conn.stream("watch")
                    first = next(stream)
                    pid = conn.remote_pid
                    assert first["type"] == "rows" and pid is not None
                    time.sleep(1.0)  # the watcher settles after the first listing
                    serve0, self0, t0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
                    time.sleep(args.idle)
                    serve1, self1, t1 = cpu_seconds(pid), time.process_time(), time.perf_counter()
                    stream.close()
                wall = t1 - t0
                serve_pct = (serve1 - serve0) / wall * 100
                self_pct = (self1 - self0) / wall * 100
                print(f"(c) idle over {wall:.1f} s watching {len(first['rows'])} sessions:")
                print(
                    f"    remote serve {serve_pct:.2f}% of a core, local client {self_pct:.2f}% (target < 1% each): "
                    f"{'ok' if serve_pct < 1 and self_pct < 1 else 'MISSED'}"
                )
            if "d" in args.parts:
                idle_app(spec, data, env, args.idle)
        finally:
            sshd.stop()
    return 0


#: The real app, headless (Textual's test driver: no terminal to draw on), with one
#: remote host; prints `ready <serve pid> <rows>` once the host's rows are in the list,
#: then idles until its stdin closes.
APP_DRIVER = """
import asyncio, json, sys
from sessionview.app import make_app
from sessionview.config import Config
from sessionview.remote.hosts import HostSpec
from sessionview.store.index import SessionIndex
ssh, command, directory = json.loads(sys.argv[1])
spec = HostSpec("bench", ssh=tuple(ssh), command=tuple(command))
app = make_app(SessionIndex([]), Config(), hosts=[spec], remote_args=["--dir", directory])
async def main():
    async with app.run_test(size=(160, 48)) as pilot:
        while not (app.feeds["bench"].state == "connected" and len(app.main.all_rows) > 0):
            await asyncio.sleep(0.1)
        await pilot.pause()
        pid = app.feeds["bench"].connection().remote_pid
        print("ready", pid, len(app.main.all_rows), flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
asyncio.run(main())
"""


def idle_app(spec: object, data: Path, env: dict[str, str], idle: float) -> None:
    """(d) the local app and its host's serve, idle over `idle` seconds, watching `data`:
    CPU from /proc for the app's process, the serve, and this side's ssh processes."""
    params = json.dumps([list(spec.ssh), list(spec.command), str(data)])  # type: ignore[attr-defined]
    proc = subprocess.Popen(
        [sys.executable, "-c", APP_DRIVER, params],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        if not line or line[0] != "ready":
            raise SystemExit("the app never listed the host's rows")
        serve_pid, rows = int(line[1]), int(line[2])
        time.sleep(2.0)  # the first listing's work settles
        ssh_pids = [p for p in children(proc.pid) if comm(p) == "ssh"]
        pids = {"app": [proc.pid], "serve": [serve_pid], "ssh (this side)": ssh_pids}
        before = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
        t0 = time.perf_counter()
        time.sleep(idle)
        wall = time.perf_counter() - t0
        after = {k: sum(cpu_seconds(p) for p in v) for k, v in pids.items()}
    finally:
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    pct = {k: (after[k] - before[k]) / wall * 100 for k in pids}
    print(f"(d) the app (headless) idle over {wall:.1f} s with {rows} remote sessions listed:")
    for name, value in pct.items():
        print(f"    {name:<16} {value:.2f}% of a core")
    ok = pct["app"] < 1 and pct["serve"] < 1
    print(f"    app and serve each < 1% of a core: {'ok' if ok else 'MISSED'}")


if __name__ == "__main__":
    sys.exit(main())
