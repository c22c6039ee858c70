"""A real OpenSSH server on loopback, and "hosts" behind it.

`sshd` runs as the current user on a free 127.0.0.1 port with a throwaway host key
and one authorized key, both made by ssh-keygen in a temporary directory. The client
side is a generated ssh config file given to `ssh -F` (through config.toml's `ssh`),
with one alias per host. Every alias reaches the same sshd; what makes two aliases
two hosts is their remote command: this worktree's interpreter under `env` with the
host's own HOME, XDG directories and OPENRATH_HOME, so each host has its own
sessions, index cache and trash.
"""

from __future__ import annotations

import contextlib
import json
import os
import shlex
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.remote.sshd import Sshd, SshdMissing, client_config, free_port, start_sshd

WORKTREE = Path(__file__).resolve().parents[2]


def _start_sshd(base: Path) -> Sshd:
    try:
        return start_sshd(base)
    except SshdMissing as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    server = _start_sshd(tmp_path_factory.mktemp("sshd"))
    yield server
    close_shared_connection(server)
    server.stop()


def close_shared_connection(server: Sshd) -> None:
    """End the ControlMaster sessionview's ssh keeps for 60 s (every alias of this sshd
    shares one: same address, port and user), so nothing outlives the tests."""
    import getpass

    from sessionview.remote.hosts import _control_dir

    directory = _control_dir()
    if directory is None:
        return
    subprocess.run(
        ["ssh", "-o", f"ControlPath={directory}/%C", "-p", str(server.port), "-l",
         getpass.getuser(), "-O", "exit", "127.0.0.1"],
        capture_output=True,
        timeout=10,
    )  # fmt: skip


@dataclass
class RemoteHost:
    """One host behind the sshd: its own home and OpenRath sessions directory."""

    name: str
    root: Path

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def sessions(self) -> Path:
        return self.home / ".openrath" / "sessions"

    @property
    def trash(self) -> Path:
        return self.home / ".local" / "share" / "sessionview" / "trash"

    def env_words(self) -> list[str]:
        home = self.home
        return [
            "env",
            f"HOME={home}",
            f"XDG_CONFIG_HOME={home / '.config'}",
            f"XDG_CACHE_HOME={home / '.cache'}",
            f"XDG_DATA_HOME={home / '.local' / 'share'}",
            f"XDG_STATE_HOME={home / '.local' / 'state'}",
            f"OPENRATH_HOME={self.home / '.openrath'}",
        ]

    def command(self) -> str:
        """This worktree's sessionview, run with the host's own environment."""
        return shlex.join([*self.env_words(), sys.executable, "-m", "sessionview"])

    def command_recording_pids(self, pidfile: Path) -> str:
        """The same, through `sh` writing each serve's pid to `pidfile` first."""
        script = f'echo $$ >> {shlex.quote(str(pidfile))}; exec "$@"'
        return shlex.join(
            ["sh", "-c", script, "sh", *self.env_words(), sys.executable, "-m", "sessionview"]
        )


@dataclass
class Fleet:
    """The ssh config, the hosts, and config.toml for the local side."""

    sshd: Sshd
    base: Path
    ssh_config: Path
    hosts: dict[str, RemoteHost] = field(default_factory=dict)
    commands: dict[str, str] = field(default_factory=dict)
    down_port: int = 0

    def write_config(self, extra: str = "", hosts: list[str] | None = None) -> Path:
        """config.toml in the (isolated) user config directory."""
        lines = [f"ssh = {_toml(shlex.join(['ssh', '-F', str(self.ssh_config)]))}"]
        if hosts is not None:
            lines.append("hosts = [" + ", ".join(_toml(h) for h in hosts) + "]")
        lines.append(extra)
        for name, command in self.commands.items():
            lines.append(f"[host.{_toml(name)}]\ncommand = {_toml(command)}")
        path = Path(os.environ["XDG_CONFIG_HOME"]) / "sessionview" / "config.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(lines) + "\n")
        return path

    def run(self, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "sessionview", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.base,
        )


def _toml(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


@pytest.fixture
def fleet(sshd: Sshd, tmp_path: Path) -> Fleet:
    """hostA and hostB (aliases of the loopback sshd), `down` (a port nobody listens on)."""
    base = tmp_path / "fleet"
    base.mkdir()
    down_port = free_port()
    ssh_config = client_config(sshd, base / "ssh_config", down_port=down_port)
    result = Fleet(sshd, base, ssh_config, down_port=down_port)
    for name in ("hostA", "hostB"):
        host = RemoteHost(name, base / name)
        host.sessions.mkdir(parents=True)
        host.home.mkdir(parents=True, exist_ok=True)
        result.hosts[name] = host
        result.commands[name] = host.command()
    result.write_config()
    return result


WRITER = """
import sys, time
from pathlib import Path
from sessionview.store.writer import SessionWriter
directory, sid, stop = sys.argv[1], sys.argv[2], Path(sys.argv[3])
every = float(sys.argv[4])
with SessionWriter(sid, directory=directory) as w:
    w.append("user", {"content": "start " + sid})
    print("ready", flush=True)
    n = 1
    while not stop.exists():
        if every > 0:
            w.append("assistant", {"content": f"chunk {n}"})
            n += 1
        time.sleep(every or 0.02)
"""


@dataclass
class Writer:
    """A real OpenRath writer in its own process: appends every `every` seconds (0: only
    its first chunk) until `stop()`, then closes the session."""

    proc: subprocess.Popen[str]
    stop_file: Path

    def stop(self) -> None:
        self.stop_file.touch()
        self.proc.wait(timeout=30)


@pytest.fixture
def start_writer(tmp_path: Path) -> Iterator[Callable[..., Writer]]:
    writers: list[Writer] = []

    def start(directory: Path, sid: str, every: float = 0.0) -> Writer:
        stop = tmp_path / f"stop-{sid}"
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(directory), sid, str(stop), str(every)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        writer = Writer(proc, stop)
        writers.append(writer)
        return writer

    yield start
    for writer in writers:
        if writer.proc.poll() is None:
            writer.stop_file.touch()
            try:
                writer.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                writer.proc.kill()


class LineReader:
    """Collects a process's output lines in a thread, so a test can wait for some."""

    def __init__(self, stream: object) -> None:
        self.lines: list[str] = []
        self._thread = threading.Thread(target=self._run, args=(stream,), daemon=True)
        self._thread.start()

    def _run(self, stream: object) -> None:
        for line in stream:  # type: ignore[attr-defined]
            self.lines.append(line.rstrip("\n"))

    def join(self, timeout: float = 10) -> None:
        self._thread.join(timeout)


@dataclass
class Follow:
    """A running `show --follow --json`: the process and its collected output lines."""

    proc: subprocess.Popen[str]
    out: LineReader
    err: LineReader


@contextlib.contextmanager
def following(*args: str) -> Iterator[Follow]:
    """`sessionview show --follow --json ARGS` with its stdout and stderr lines collected;
    on leaving, killed if it still runs and both readers joined (so the lines are all in)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sessionview", "show", "--follow", "--json", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    follow = Follow(proc, LineReader(proc.stdout), LineReader(proc.stderr))
    try:
        yield follow
    finally:
        if proc.poll() is None:
            proc.kill()
        follow.out.join()
        follow.err.join()


def assert_every_chunk_once(fleet: Fleet, host: str, lines: list[str]) -> None:
    """A finished follow's output: each chunk of the session on `host` exactly once, in
    order, then the end line of the closed session."""
    *chunks, end = [json.loads(line) for line in lines]
    assert end["end"] is True and end["state"] == "closed"
    total = json.loads(fleet.run("ls", "--json", "--host", host).stdout)[0]["chunks"]
    assert [c["index"] for c in chunks] == list(range(total))
