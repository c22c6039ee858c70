"""A throwaway OpenSSH server on loopback (used by the tests and benchmarks/bench_remote.py).

`sshd` runs as the current user on a free 127.0.0.1 port with a throwaway host key and
one authorized key, both made by ssh-keygen in the given directory. No pytest here.
"""

from __future__ import annotations

import contextlib
import getpass
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.procs import comm, descendants
from tests.helpers.wait import wait_until


class SshdMissing(RuntimeError):
    """OpenSSH is not installed (.ci/run installs it)."""


SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
WORKTREE = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], timeout: float = 30.0) -> object:
    """`wait_until` with the argument order these tests read best (what, then how)."""
    return wait_until(check, timeout=timeout, what=what, interval=0.02)


@dataclass
class Sshd:
    port: int
    keys: Path
    proc: subprocess.Popen[bytes]
    log: Path

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)

    def stop_with_sessions(self) -> None:
        """sshd stopped as a host going down stops it: the listener and every
        per-connection sshd it forked (SIGKILL), so each open session drops at once.
        The commands those sessions ran see their stdin close."""
        sessions = self._session_pids()
        self.proc.kill()
        self.proc.wait(timeout=10)
        _signal_all(sessions, signal.SIGKILL)

    def freeze(self) -> None:
        """sshd and its sessions stopped (SIGSTOP), as a host that stops answering
        without closing anything: a network cut, a hung machine."""
        _signal_all([self.proc.pid, *self._session_pids()], signal.SIGSTOP)

    def thaw(self) -> None:
        _signal_all([self.proc.pid, *self._session_pids()], signal.SIGCONT)

    def _session_pids(self) -> list[int]:
        """The per-connection sshd processes the listener forked (not what they run)."""
        return [p for p in descendants(self.proc.pid) if comm(p) == "sshd"]

    def start_again(self) -> None:
        """sshd started again on the same port, with the same keys."""
        self.proc = _spawn(self.keys, self.log)
        _wait_listening(self.proc, self.port, self.log)


def start_sshd(base: Path) -> Sshd:
    if not (os.path.exists(SSHD) and shutil.which("ssh") and shutil.which("ssh-keygen")):
        raise SshdMissing("OpenSSH (sshd, ssh, ssh-keygen) is not installed; .ci/run installs it")
    base.mkdir(parents=True, exist_ok=True)
    for name in ("host_key", "client_key"):
        subprocess.run(
            ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(base / name)], check=True
        )
    shutil.copy(base / "client_key.pub", base / "authorized_keys")
    if os.geteuid() == 0:
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
    port = free_port()
    (base / "sshd_config").write_text(
        f"Port {port}\n"
        "ListenAddress 127.0.0.1\n"
        f"HostKey {base / 'host_key'}\n"
        f"AuthorizedKeysFile {base / 'authorized_keys'}\n"
        f"AllowUsers {getpass.getuser()}\n"
        "PermitRootLogin prohibit-password\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "UsePAM no\n"
        "StrictModes no\n"
        "PidFile none\n"
        "MaxStartups 100\n"
        "MaxSessions 100\n"
    )
    log = base / "sshd.log"
    proc = _spawn(base, log)
    _wait_listening(proc, port, log)
    return Sshd(port, base, proc, log)


def _spawn(base: Path, log: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(base / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=log.open("ab"),
    )


def _wait_listening(proc: subprocess.Popen[bytes], port: int, log: Path) -> None:
    def listening() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"sshd exited: {log.read_text(errors='replace')}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(f"sshd listening on port {port}", listening)


def _signal_all(pids: list[int], sig: signal.Signals) -> None:
    """`sig` to each of `pids`; one that has exited meanwhile is skipped."""
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)


def client_config(
    sshd: Sshd, path: Path, *, down_port: int | None = None, others: dict[str, int] | None = None
) -> Path:
    """An ssh config file (for `ssh -F`): every alias reaches `sshd`, except `down` and
    the aliases of `others` (alias -> the port of another sshd made by `start_sshd`)."""
    common = (
        "  HostName 127.0.0.1\n"
        f"  User {getpass.getuser()}\n"
        f"  IdentityFile {sshd.keys / 'client_key'}\n"
        "  IdentitiesOnly yes\n"
        "  StrictHostKeyChecking no\n"
        "  UserKnownHostsFile /dev/null\n"
        "  LogLevel ERROR\n"
    )
    down = f"Host down\n  Port {down_port}\n{common}\n" if down_port else ""
    for alias, port in (others or {}).items():
        down += f"Host {alias}\n  Port {port}\n{common}\n"
    path.write_text(f"{down}Host *\n  Port {sshd.port}\n{common}")
    return path
