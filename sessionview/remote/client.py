"""One connection to a host's `sessionview serve --stdio`, through `ssh`.

`ssh` is started with its arguments as a list (never a shell string), `BatchMode=yes`
so no prompt can hang, and a 5 s connect timeout. Until the remote's `hello` arrives,
an ended connection is classified from ssh's exit status and its stderr: ssh's own
failure (status 255) is `unreachable: <ssh's reason>`; a shell that cannot find the
command, or a command that ends without a greeting, is `sessionview not found`; an old
sessionview without `serve`, or another protocol version, says what to install.
After the hello, a malformed message is a `HostError` for this host only.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import queue
import subprocess
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from sessionview.remote.hosts import CONNECT_TIMEOUT_S, HostSpec
from sessionview.remote.protocol import (
    MAX_LINE,
    PROTOCOL_VERSION,
    ProtocolError,
    decode,
    encode,
    join_rows,
)

#: ssh's connect timeout plus a slow remote interpreter's start-up.
HELLO_TIMEOUT_S = CONNECT_TIMEOUT_S + 20
#: Lines a login shell may print before the hello (a banner in .bashrc) that are skipped.
NOISE_LINES = 50
_LOST = object()


class HostError(Exception):
    """One host failed: `str()` is the line to print after `sessionview: `."""

    def __init__(self, host: str, what: str) -> None:
        from sessionview.render.safe import one_line

        super().__init__(f"{one_line(host)}: {one_line(what)}")
        self.host = host
        self.what = what


class ConnectionLost(HostError):
    """The connection ended after the hello (network cut, remote killed, sshd stopped)."""


class RemoteError(Exception):
    """The host answered a request with an error (no such session, a running one, ...)."""


class Connection:
    """A running `ssh HOST <command> serve --stdio [--dir ...]`, after its hello."""

    def __init__(
        self,
        spec: HostSpec,
        remote_args: Sequence[str] = (),
        *,
        first: tuple[str, dict[str, Any]] | None = None,
        via: Any = None,
        relay: Callable[[bytes], None] | None = None,
    ) -> None:
        """`first`: a read-only request (op, params) sent right after ssh starts, before
        the hello: the serve finds it waiting when it is ready, and the round trip a
        command would wait for after the hello is saved. `request` with the same op and
        params then takes its answer. If the hello shows a serve this client refuses,
        the request is never read.

        `via`: a connected socket to a keeper (`remote.keeper`) that holds a serve
        open, used instead of starting ssh. `relay`: every line after the hello goes
        there as it came, unread (the keeper's own connection)."""
        self.spec = spec
        self.relay = relay
        #: The hello as it came (the keeper hands it to each of its clients).
        self.hello_line = b""
        self.argv: list[str] = []
        self.hello: dict[str, Any] = {}
        self._ids = itertools.count(1)
        self._last_id = 0
        self._queues: dict[int, queue.SimpleQueue[Any]] = {}
        self._queues_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._hello_q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=20)
        self._noise: list[bytes] = []
        self.lost: str | None = None
        self.proc: Any
        if via is not None:
            self.proc = _SocketProcess(via)
        else:
            from sessionview.remote.hosts import ssh_defaults

            self.argv = spec.ssh_argv(
                ["serve", "--stdio", *remote_args], defaults=ssh_defaults(spec)
            )
            try:
                self.proc = subprocess.Popen(
                    self.argv,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    start_new_session=True,  # ctrl-c in the terminal is ours to handle
                )
            except OSError as exc:
                raise HostError(
                    spec.name, f"unreachable: cannot run {spec.ssh[0]}: {exc.strerror or exc}"
                ) from None
        self._stderr_thread = threading.Thread(target=self._read_stderr, daemon=True)
        self._stderr_thread.start()
        threading.Thread(target=self._read_stdout, name=f"ssh-{spec.name}", daemon=True).start()
        self._first: tuple[str, dict[str, Any], int, queue.SimpleQueue[Any]] | None = None
        if first is not None:
            with contextlib.suppress(ConnectionLost):  # then the hello says why
                self._first = (*first, *self._open(*first))
        self._await_hello()

    # ------------------------------------------------------------ reading
    def _read_stderr(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            line = raw.decode("utf-8", "replace").rstrip()
            if line:
                self._stderr.append(line[:500])

    def _read_stdout(self) -> None:
        assert self.proc.stdout is not None
        greeted = False
        why = "the connection closed"
        try:
            while True:
                # A remote that never ends a line must not fill this machine's memory.
                line = self.proc.stdout.readline(MAX_LINE + 1)
                if not line:
                    break
                if len(line) > MAX_LINE:
                    why = f"protocol error: a message over {MAX_LINE >> 20} MiB"
                    if not greeted:
                        self._hello_q.put(ProtocolError("no greeting, only other output"))
                    break
                if not greeted:
                    try:
                        message = decode(line)
                    except ProtocolError:
                        if len(self._noise) < NOISE_LINES:
                            self._noise.append(line[:200])
                            continue
                        self._hello_q.put(ProtocolError("no greeting, only other output"))
                        return
                    greeted = True
                    self.hello_line = line
                    self._hello_q.put(message)
                    continue
                if self.relay is not None:
                    self.relay(line)
                    continue
                try:
                    message = decode(line)
                    self._route(message)
                except ProtocolError as exc:
                    why = f"protocol error: {exc}"
                    break
        except (OSError, ValueError) as exc:
            why = f"reading failed: {exc}"
        finally:
            self.lost = self.lost or why
            if self.relay is not None:
                self.relay(b"")  # the end, for the keeper's client
            if not greeted:
                # _classify_failure reads ssh's exit status: it must not be ours.
                self._hello_q.put(_LOST)
            with self._queues_lock:
                waiting = list(self._queues.values())
            for q in waiting:
                q.put(_LOST)
            if greeted:
                self._kill()

    def _route(self, message: dict[str, Any]) -> None:
        rid = message.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool) or not 0 < rid <= self._last_id:
            # A remote can only answer what was asked.
            raise ProtocolError(f"a message for a request never made ({str(rid)[:20]})")
        with self._queues_lock:
            q = self._queues.get(rid)
        if q is not None:  # else: a stream cancelled a moment ago
            q.put(message)

    # ------------------------------------------------------------- hello
    def _await_hello(self) -> None:
        try:
            first = self._hello_q.get(timeout=HELLO_TIMEOUT_S)
        except queue.Empty:
            self._kill()
            raise HostError(
                self.spec.name, f"unreachable: no answer within {HELLO_TIMEOUT_S} s"
            ) from None
        hint = self.spec.install_hint()
        if isinstance(first, ProtocolError):
            self._kill()
            said = self._noise[0].decode("utf-8", "replace").strip() if self._noise else ""
            raise HostError(
                self.spec.name,
                "the remote command did not answer as `sessionview serve` does"
                + (f" (it printed {said[:80]!r})" if said else "")
                + f"; install sessionview there with {hint}",
            )
        if first is _LOST:
            raise self._classify_failure()
        if first.get("type") != "hello":
            self._kill()
            raise HostError(
                self.spec.name,
                f"the remote command did not answer as `sessionview serve` does; install "
                f"sessionview there with {hint}",
            )
        version = first.get("protocol")
        if version != PROTOCOL_VERSION:
            self._kill()
            theirs = str(first.get("version", "?"))[:40]
            raise HostError(
                self.spec.name,
                f"sessionview there ({theirs}) speaks protocol {str(version)[:20]}, this one "
                f"speaks {PROTOCOL_VERSION}; install the same version there with {hint}",
            )
        self.hello = first

    def _classify_failure(self) -> HostError:
        try:
            status = self.proc.wait(timeout=CONNECT_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self._kill()
            status = None
        self._stderr_thread.join(timeout=1)
        lines = list(self._stderr)
        text = "\n".join(lines)
        hint = self.spec.install_hint()
        name = self.spec.name
        if status == 255:
            reason = next(
                (ln for ln in reversed(lines) if ln.startswith("ssh:")),
                lines[-1] if lines else "ssh failed",
            )
            return HostError(name, f"unreachable: {reason.removeprefix('ssh: ')}")
        if "invalid choice: 'serve'" in text or "invalid choice: 'serve'" in text.replace('"', "'"):
            return HostError(
                name,
                f"sessionview there is too old (it has no `serve` command); upgrade it with {hint}",
            )
        if status in (126, 127) or "command not found" in text or "No such file" in text:
            return HostError(name, f"sessionview not found; install it there with {hint}")
        detail = f" (the remote command exited with status {status}"
        detail += f": {lines[-1]})" if lines else ")"
        return HostError(name, f"sessionview not found; install it there with {hint}{detail}")

    # ----------------------------------------------------------- requests
    def _send_raw(self, line: bytes) -> None:
        """A request line as it came (the keeper relays its client's requests)."""
        assert self.proc.stdin is not None
        with self._write_lock:
            self.proc.stdin.write(line)
            self.proc.stdin.flush()

    def _send(self, message: dict[str, Any]) -> None:
        try:
            self._send_raw(encode(message))
        except (OSError, ValueError):
            raise ConnectionLost(
                self.spec.name, f"unreachable: connection lost: {self.lost or 'write failed'}"
            ) from None

    def _open(self, op: str, params: dict[str, Any]) -> tuple[int, queue.SimpleQueue[Any]]:
        rid = next(self._ids)
        self._last_id = rid
        q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        with self._queues_lock:
            self._queues[rid] = q
        if self.lost:
            q.put(_LOST)
        else:
            self._send({"id": rid, "op": op, **params})
        return rid, q

    def _close_id(self, rid: int) -> None:
        with self._queues_lock:
            self._queues.pop(rid, None)

    def _next(self, q: queue.SimpleQueue[Any], timeout: float | None) -> dict[str, Any]:
        try:
            message = q.get(timeout=timeout)
        except queue.Empty:
            raise HostError(self.spec.name, f"no answer within {timeout} s") from None
        if message is _LOST:
            raise ConnectionLost(
                self.spec.name, f"unreachable: connection lost: {self._lost_reason()}"
            )
        return message

    def _lost_reason(self) -> str:
        if self.lost and self.lost.startswith("protocol error"):
            return self.lost
        lines = list(self._stderr)
        if lines:
            return lines[-1].removeprefix("ssh: ")
        return self.lost or "the connection closed"

    def request(self, op: str, timeout: float | None = None, **params: Any) -> dict[str, Any]:
        """Send one request and wait for its result; RemoteError for the host's error."""
        sent, self._first = self._first, None
        if sent is not None and sent[:2] == (op, params):
            rid, q = sent[2:]
        else:
            if sent is not None:
                self._close_id(sent[2])
            rid, q = self._open(op, params)
        parts: list[dict[str, Any]] = []
        try:
            message = self._next(q, timeout)
            # A listing may come in parts (`rows` messages, then the result): PROTOCOL.md.
            while op == "list" and message.get("type") == "rows":
                parts.append(message)
                message = self._next(q, timeout)
        finally:
            self._close_id(rid)
        if parts and message.get("type") == "result":
            message = join_rows([*parts, message])
        if message.get("type") == "error":
            raise RemoteError(str(message.get("message", "error")))
        if message.get("type") != "result":
            raise HostError(
                self.spec.name, f"unexpected answer type {str(message.get('type'))[:40]!r}"
            )
        return message

    def stream(
        self, op: str, *, stop: threading.Event | None = None, **params: Any
    ) -> Iterator[dict[str, Any]]:
        """The messages of a stream (follow, watch) until it ends, or until `stop` is set;
        closing the iterator cancels it on the host."""
        rid, q = self._open(op, params)
        finished = False
        try:
            while True:
                if stop is not None:
                    try:
                        message = self._next(q, 0.25)
                    except ConnectionLost:
                        raise
                    except HostError:  # no message within 0.25 s
                        if stop.is_set():
                            return
                        continue
                else:
                    message = self._next(q, None)
                if message.get("type") == "error":
                    finished = True
                    raise RemoteError(str(message.get("message", "error")))
                yield message
                if message.get("type") == "end":
                    finished = True
                    return
        finally:
            self._close_id(rid)
            if not finished and not self.lost:
                with contextlib.suppress(ConnectionLost):
                    cancel_id = next(self._ids)
                    self._last_id = cancel_id
                    self._send({"id": cancel_id, "op": "cancel", "target": rid})

    # ------------------------------------------------------------ closing
    @property
    def remote_pid(self) -> int | None:
        pid = self.hello.get("pid")
        return pid if isinstance(pid, int) else None

    def end_input(self) -> None:
        """Close stdin: the remote serve stops and exits (within 2 s); answers already
        received stay readable."""
        with self._write_lock:
            try:
                if self.proc.stdin is not None:
                    self.proc.stdin.close()
            except OSError:
                pass

    def close(self) -> None:
        """Close stdin (the remote exits within 2 s), then make sure ssh is gone."""
        self.end_input()
        try:
            self.proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            self._kill()

    def _kill(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=2)

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _SocketProcess:
    """A keeper's socket in the shape `Connection` reads an ssh process: stdin and
    stdout are the socket's two directions, there is no stderr, and it has no exit
    status of its own (0 once closed)."""

    def __init__(self, sock: Any) -> None:
        import io

        self.sock = sock
        self.stdin = _SocketWriter(sock)
        self.stdout = sock.makefile("rb")
        self.stderr = io.BytesIO()
        self.returncode: int | None = None

    def poll(self) -> int | None:
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.kill()
        return 0

    def kill(self) -> None:
        self.returncode = 0
        with contextlib.suppress(OSError):
            self.sock.close()


class _SocketWriter:
    """Writes go to the socket; `close` ends this side's sending (the keeper reads the
    end of the requests) without closing what is still to be read."""

    def __init__(self, sock: Any) -> None:
        self.sock = sock

    def write(self, data: bytes) -> int:
        self.sock.sendall(data)
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        import socket

        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_WR)
