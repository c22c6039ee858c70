"""A throwaway OpenSSH server on loopback (used by the tests and benchmarks/bench_remote.py).

`sshd` runs as the current user on a free 127.0.0.1 port with a throwaway host key and
one authorized key, both made by ssh-keygen in the given directory. No pytest here.
"""

from __future__ import annotations

import getpass
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path


class SshdMissing(RuntimeError):
    """OpenSSH is not installed (.ci/run installs it)."""


SSHD = shutil.which("sshd") or "/usr/sbin/sshd"
WORKTREE = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what: str, check: Callable[[], object], timeout: float = 30.0) -> object:
    """Poll `check` until it returns something true; AssertionError naming `what` after
    `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


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
    proc = subprocess.Popen(
        [SSHD, "-D", "-e", "-f", str(base / "sshd_config")],
        stdout=subprocess.DEVNULL,
        stderr=log.open("wb"),
    )

    def listening() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"sshd exited: {log.read_text(errors='replace')}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    wait_for(f"sshd listening on port {port}", listening)
    return Sshd(port, base, proc, log)


def client_config(sshd: Sshd, path: Path, *, down_port: int | None = None) -> Path:
    """An ssh config file (for `ssh -F`): every alias reaches `sshd`, except `down`."""
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
    path.write_text(f"{down}Host *\n  Port {sshd.port}\n{common}")
    return path
