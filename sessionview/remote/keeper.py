"""One long-lived `serve` per host for the commands: a local keeper process that holds
the ssh connection and the serve open for `keep_serve` seconds (config.toml; 0, the
default, turns it off: a serve then ends with its command) after its last client, so
the next `ls --host H` skips ssh's session set-up, the host's login shell, the remote
interpreter's start-up and the index cache's load (the serve answers from its warm
index). The issue names it: "connections are reused (ControlMaster/ControlPersist, or
one long-lived serve per host)".

The keeper listens on a Unix socket in sessionview's private control directory (the
one of the shared ssh connections, mode 0700), named from everything that decides
what the serve is (ssh argv, remote command and arguments, sessionview's version).
It serves one client at a time and relays lines both ways unread: it hands each client
the serve's hello, then the client speaks PROTOCOL.md as to a serve (and checks every
answer itself). A client that leaves with answers outstanding ends the keeper (its
answers must not reach the next client); so does a dropped connection. When it ends,
it closes the serve's stdin: the serve exits within 2 s, as always.

`python -m sessionview.remote.keeper PARAMS` is the keeper; `open_kept` is the
client's side: connect, or start a keeper and connect. Any trouble with a keeper
itself (not with the host) falls back to a direct connection.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
import threading
import time
from collections.abc import Sequence
from typing import Any

from sessionview.remote.hosts import HostSpec

#: Answers that end a request (a `rows` part does not).
_FINAL = (b'{"type":"result"', b'{"type":"error"', b'{"type":"end"')


def socket_path(spec: HostSpec, remote_args: Sequence[str]) -> str | None:
    """The keeper's socket for this host and these arguments; None without a private
    control directory (then no keeper)."""
    import hashlib

    from sessionview import __version__
    from sessionview.remote.hosts import _control_dir

    directory = _control_dir()
    if directory is None:
        return None
    what = json.dumps(
        [__version__, sys.executable, spec.name, spec.ssh, spec.options, spec.command,
         list(remote_args)]
    )  # fmt: skip
    return os.path.join(directory, "serve-" + hashlib.sha256(what.encode()).hexdigest()[:20])


def open_kept(spec: HostSpec, remote_args: Sequence[str], keep_s: float) -> socket.socket | None:
    """A socket to this host's keeper (started when there is none), or None when no
    keeper can be had (the caller connects directly). HostError when the keeper could
    not reach the host: the same line a direct connection would give."""
    path = socket_path(spec, remote_args)
    if path is None:
        return None
    sock = _connect(path)
    if sock is not None:
        return sock
    import subprocess

    from sessionview.remote.client import HostError

    params = json.dumps(
        {"name": spec.name, "ssh": spec.ssh, "options": spec.options, "command": spec.command,
         "remote_args": list(remote_args), "path": path, "keep": keep_s}
    )  # fmt: skip
    try:
        keeper = subprocess.Popen(
            [sys.executable, "-m", "sessionview.remote.keeper", params],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,  # it outlives this command
        )
    except OSError:
        return None
    assert keeper.stdout is not None
    said = keeper.stdout.readline().decode("utf-8", "replace").rstrip("\n")
    keeper.stdout.close()
    if said.startswith("error "):
        keeper.wait()
        raise HostError(spec.name, said.removeprefix("error "))
    if said != "ok":
        return None
    return _connect(path)


def _connect(path: str) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(path)
    except OSError:
        sock.close()
        return None
    return sock


class Keeper:
    """The keeper process: one connection, clients one at a time."""

    def __init__(self, connection: Any, listener: socket.socket, keep_s: float) -> None:
        self.connection = connection
        self.keep_s = keep_s
        self.listener = listener
        self.client: socket.socket | None = None
        self.outstanding = 0
        self.lock = threading.Lock()
        self.settled = threading.Condition(self.lock)
        connection.relay = self.relay

    def relay(self, line: bytes) -> None:
        """A line from the serve: to the client of the moment (none: dropped); b"" when
        the connection ended: the client's reading ends too."""
        if not line:
            with self.lock:
                self.settled.notify_all()
                client = self.client
            if client is not None:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
            return
        with self.lock:
            if line.startswith(_FINAL):
                self.outstanding = max(0, self.outstanding - 1)
                self.settled.notify_all()
            client = self.client
        if client is not None:
            with contextlib.suppress(OSError):
                client.sendall(line)

    def run(self) -> None:
        idle_since = time.monotonic()
        self.listener.settimeout(min(1.0, self.keep_s))
        while not self.connection.lost:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                if time.monotonic() - idle_since > self.keep_s:
                    return
                continue
            client.settimeout(None)
            if not self.serve_client(client):
                return
            idle_since = time.monotonic()

    def serve_client(self, client: socket.socket) -> bool:
        """Relay one client's requests; False when the keeper must end."""
        with self.lock:
            self.client = client
        try:
            client.sendall(self.connection.hello_line)
            reader = client.makefile("rb")
            for line in iter(lambda: reader.readline(1 << 20), b""):
                if b'"op":"cancel"' not in line.replace(b" ", b""):
                    with self.lock:
                        self.outstanding += 1
                self.connection._send_raw(line)
        except (OSError, ValueError):  # the client went, or the serve's stdin is closed
            pass
        with self.lock:
            # Answers still on their way belong to this client only.
            deadline = time.monotonic() + 30
            while self.outstanding and not self.connection.lost:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self.settled.wait(min(left, 0.5))
            done = self.outstanding == 0
            self.client = None
        with contextlib.suppress(OSError):
            client.close()
        return done and not self.connection.lost


def main(argv: list[str]) -> int:
    from sessionview.remote.client import Connection, HostError

    params = json.loads(argv[0])
    spec = HostSpec(
        params["name"],
        ssh=tuple(params["ssh"]),
        options=tuple(params["options"]),
        command=tuple(params["command"]),
    )
    path = params["path"]
    out = sys.stdout
    try:
        connection = Connection(spec, params["remote_args"])
    except HostError as exc:
        out.write(f"error {exc.what}\n")
        out.flush()
        return 1
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        if _connect(path) is not None:  # another keeper won the race: use that one
            out.write("ok\n")
            return 0
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)  # a dead keeper's socket
        listener.bind(path)
        os.chmod(path, 0o600)
        listener.listen(8)
    except OSError:
        connection.close()
        out.write("no keeper\n")
        return 1
    out.write("ok\n")
    out.flush()
    out.close()
    try:
        Keeper(connection, listener, float(params["keep"])).run()
    finally:
        with contextlib.suppress(OSError):
            os.unlink(path)
        listener.close()
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
