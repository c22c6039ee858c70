"""`sessionview serve --stdio`: the protocol of PROTOCOL.md on stdin/stdout.

The main thread reads requests; each request runs in its own daemon thread (a follow
or a watch stream lives as long as its client wants it) and every message is written
whole under one lock. When stdin closes (the local command ended, the connection
dropped) every stream is stopped and the process exits at once: nothing is left
running on the host.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import IO, Any

from sessionview.remote.protocol import (
    PROTOCOL_VERSION,
    ProtocolError,
    decode,
    encode,
    rows_line,
)
from sessionview.remote.service import Service

#: What this serve understands beyond protocol 1's first form (PROTOCOL.md): rows tagged
#: with `host` in `list`, and `prune` limited to `sessions`.
FEATURES = ("list-host", "prune-sessions")
OPS = (
    "list",
    "show",
    "follow",
    "watch",
    "rm",
    "restore",
    "trash",
    "prune",
    "search",
    "cancel",
)


class Server:
    def __init__(self, service: Service, out: IO[bytes]) -> None:
        self.service = service
        self.out = out
        self._write_lock = threading.Lock()
        self._streams: dict[Any, threading.Event] = {}
        self._streams_lock = threading.Lock()
        self.closed = threading.Event()
        #: Threads answering one request: given a moment to finish after stdin closes.
        self._answers: list[threading.Thread] = []

    def send(self, message: dict[str, Any]) -> None:
        self._write(encode(message))

    def _write(self, data: bytes) -> None:
        """One whole message line; a reader gone away closes the connection."""
        with self._write_lock:
            try:
                self.out.write(data)
                self.out.flush()
            except (BrokenPipeError, OSError, ValueError):
                self.closed.set()

    def hello(self) -> None:
        from sessionview import __version__

        self.send(
            {
                "type": "hello",
                "protocol": PROTOCOL_VERSION,
                "version": __version__,
                "pid": os.getpid(),
                "home": os.path.expanduser("~"),
                "ops": list(OPS),
                "features": list(FEATURES),
            }
        )

    def handle_line(self, line: bytes) -> None:
        try:
            request = decode(line)
        except ProtocolError as exc:
            self.send({"type": "error", "id": None, "message": f"bad request: {exc}"})
            return
        rid = request.get("id")
        op = request.get("op")
        if op not in OPS:
            self.send({"type": "error", "id": rid, "message": f"unknown op {str(op)[:40]!r}"})
            return
        if op == "cancel":
            with self._streams_lock:
                stop = self._streams.pop(request.get("target"), None)
            if stop is not None:
                stop.set()
            return
        thread = threading.Thread(
            target=self._run, args=(rid, op, request), name=f"serve-{op}", daemon=True
        )
        if op not in ("follow", "watch"):
            self._answers.append(thread)
        thread.start()

    def _run(self, rid: Any, op: str, request: dict[str, Any]) -> None:
        from sessionview.store.errors import PersistenceError

        try:
            if op in ("follow", "watch"):
                self._stream(rid, op, request)
            else:
                self._answer(rid, op, request)
        except (PersistenceError, ValueError, TypeError, KeyError) as exc:
            self.send({"type": "error", "id": rid, "message": str(exc)})
        except OSError as exc:
            self.send(
                {"type": "error", "id": rid, "message": f"{exc.strerror or exc}: {exc.filename}"}
            )
        except Exception as exc:  # a bug on this side: the client hears it, we go on
            self.send(
                {
                    "type": "error",
                    "id": rid,
                    "message": f"internal error: {type(exc).__name__}: {exc}",
                }
            )

    def _answer(self, rid: Any, op: str, request: dict[str, Any]) -> None:
        service = self.service
        if op == "list":
            states = request.get("states")
            host = request.get("host")
            rows = service.list_rows(states, host=host if isinstance(host, str) else None)
            # The rows' bytes go in as they are (no decode/encode of 10 MB of rows). With
            # `batch`, all but the last part go first as `rows` messages: the client
            # checks each part while the next one is on its way.
            batch = request.get("batch")
            last = 0  # where the last part, the one the `result` carries, begins
            if isinstance(batch, int) and not isinstance(batch, bool) and batch > 0:
                last = max(0, (len(rows) - 1) // batch * batch)
                for start in range(0, last, batch):
                    part = rows[start : start + batch]
                    self._write(rows_line({"type": "rows", "id": rid}, part))
            head = {"type": "result", "id": rid, "problems": service.problems()}
            self._write(rows_line(head, rows[last:]))
            return
        self.send({**answer(service, op, request), "type": "result", "id": rid})

    def _stream(self, rid: Any, op: str, request: dict[str, Any]) -> None:
        stop = threading.Event()
        with self._streams_lock:
            self._streams[rid] = stop
        try:
            if op == "follow":
                from_chunk = request.get("from_chunk", 0)
                if not isinstance(from_chunk, int) or from_chunk < 0:
                    raise ValueError("from_chunk must be a non-negative integer")
                events = self.service.follow(_str(request, "session"), from_chunk, stop)
            else:
                events = self.service.watch(stop)
            for message in events:
                if stop.is_set() or self.closed.is_set():
                    break
                self.send({**message, "id": rid})
        finally:
            stop.set()
            with self._streams_lock:
                self._streams.pop(rid, None)

    def stop_all(self) -> None:
        with self._streams_lock:
            for stop in self._streams.values():
                stop.set()


def answer(service: Service, op: str, request: dict[str, Any]) -> dict[str, Any]:
    """The result of one request other than `list`, `follow` and `watch`, its parameters
    checked (ValueError: one line). A remote serve and the in-process `LocalEndpoint`
    both answer through here."""
    if op == "show":
        return service.show(_str(request, "session"))
    if op == "rm":
        return service.rm(
            _str(request, "session"),
            force=bool(request.get("force")),
            purge=bool(request.get("purge")),
        )
    if op == "restore":
        return service.restore(_str(request, "session"))
    if op == "trash":
        return service.trash()
    if op == "search":
        limit = request.get("limit", 20)
        if limit is not None and (not isinstance(limit, int) or limit < 1):
            raise ValueError("limit must be a positive integer or null")
        return service.search(
            _str(request, "query"),
            formats=_names(request, "formats"),
            states=_names(request, "states"),
            kinds=_names(request, "kinds"),
            since=request.get("since") if isinstance(request.get("since"), str) else None,
            limit=limit,
        )
    if op == "prune":
        states = request.get("states")
        if states is None:
            states = ["closed", "crashed"]
        return service.prune(
            older_than=_str(request, "older_than"),
            by=str(request.get("by") or "created"),
            states=[str(s) for s in states],
            dry_run=bool(request.get("dry_run")),
            purge=bool(request.get("purge")),
            sessions=_names(request, "sessions"),
        )
    raise ValueError(f"unknown op {op!r}")


def _str(request: dict[str, Any], key: str) -> str:
    value = request.get(key)
    if not isinstance(value, str):
        raise ValueError(f"{key!r} must be a string")
    return value


def _names(request: dict[str, Any], key: str) -> list[str] | None:
    value = request.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValueError(f"{key!r} must be a list of strings or null")
    return value


def serve_stdio(service: Service) -> int:
    """Answer requests from stdin until it closes; then exit at once."""
    out = sys.stdout.buffer
    # Nothing else may write to the protocol stream: stray prints go to stderr.
    sys.stdout = sys.stderr
    server = Server(service, out)
    server.hello()
    stdin = sys.stdin.buffer
    while not server.closed.is_set():
        line = stdin.readline()
        if not line:
            break
        if line.strip():
            server.handle_line(line)
    server.stop_all()
    # The exit must come within 2 s: answers under way (a client may close its side
    # right after asking) and the index cache's save get what is left of 1.5 s.
    import time

    deadline = time.monotonic() + 1.5
    for thread in server._answers:
        thread.join(max(0.0, deadline - time.monotonic()))
    service.finish(timeout=max(0.0, deadline - time.monotonic()))
    with server._write_lock, contextlib.suppress(OSError):
        out.flush()
    # Daemon threads (a watcher, a tail) must not keep the host busy a moment longer.
    os._exit(0)
