"""One host's rows kept live for the TUI: its serve's `watch` stream, reconnected with
backoff, with the state a header line shows (`connecting`, `connected`, `unreachable:
<ssh's reason>`). Rows of a host that dropped are kept (marked stale) until it is back.
Textual-free: the app hears `on_change` from this thread and redraws on its own.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from sessionview.remote.client import Connection, ConnectionLost, HostError, RemoteError
from sessionview.remote.hosts import HostSpec
from sessionview.remote.protocol import ProtocolError, row_info
from sessionview.store.model import SessionInfo

BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class HostFeed:
    """A thread's worth of one remote host: rows by path, and the connection's state."""

    def __init__(
        self,
        spec: HostSpec,
        remote_args: Sequence[str],
        on_change: Callable[[HostFeed], None],
        stop: threading.Event,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.remote_args = list(remote_args)
        self.on_change = on_change
        self.stop = stop
        self.state = "connecting"
        self.stale = False
        self._rows: dict[str, SessionInfo] = {}
        self._lock = threading.Lock()
        self._connection: Connection | None = None
        #: The host's home directory (from its hello): its paths are shown as `~/...`.
        self.home: str | None = None
        #: Actions whose connection dropped before their answer, `(op, session ids)`:
        #: they may or may not have happened there, which the listing tells once the
        #: host is back (`_settle`).
        self._unsettled: list[tuple[str, tuple[str, ...]]] = []
        #: What `_settle` found, one line per session, until the app takes them.
        self._reports: list[str] = []

    # ---------------------------------------------------------------- rows
    def infos(self) -> list[SessionInfo]:
        with self._lock:
            return list(self._rows.values())

    def _info(self, row: dict[str, Any]) -> SessionInfo:
        return row_info(row, self.name, self.home)

    def _replace_all(self, rows: list[Any]) -> None:
        fresh = {}
        for row in rows:
            info = self._info(row)
            fresh[info.path] = info
        with self._lock:
            self._rows = fresh

    def _apply(self, message: dict[str, Any]) -> None:
        changed = [self._info(r) for r in message.get("rows") or ()]
        removed = [p for p in message.get("removed") or () if isinstance(p, str)]
        with self._lock:
            for path in removed:
                self._rows.pop(path, None)
            for info in changed:
                self._rows[info.path] = info

    # ---------------------------------------------------------- connection
    def _set(self, state: str, *, stale: bool | None = None) -> None:
        self.state = state
        if stale is not None:
            self.stale = stale
        self.on_change(self)

    def run(self) -> None:
        """Connect, stream, and on any failure wait (backoff) and connect again."""
        attempt = 0
        while not self.stop.is_set():
            if self.state in ("connecting", "connected"):
                # After a failure the header keeps its reason while retrying.
                self._set("connecting")
            try:
                connection = Connection(self.spec, self.remote_args)
            except HostError as exc:
                self._set(exc.what, stale=bool(self._rows))
            else:
                self._connection = connection
                home = connection.hello.get("home")
                self.home = home if isinstance(home, str) and home.startswith("/") else None
                attempt = 0
                try:
                    self._stream(connection)
                except (HostError, RemoteError, ProtocolError) as exc:
                    what = exc.what if isinstance(exc, HostError) else f"error: {exc}"
                    self._set(what, stale=bool(self._rows))
                finally:
                    self._connection = None
                    connection.close()
            if self.stop.wait(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)]):
                return
            attempt += 1

    def _stream(self, connection: Connection) -> None:
        stream = connection.stream("watch", stop=self.stop)
        for message in stream:
            if self.stop.is_set():
                return
            if message.get("type") == "rows":
                rows = message.get("rows")
                if not isinstance(rows, list):
                    raise ProtocolError("a listing without rows")
                self._replace_all(rows)
                self._settle()
                self._set("connected", stale=False)
            elif message.get("type") == "changed":
                self._apply(message)
                self.on_change(self)
        if not self.stop.is_set():
            raise HostError(self.name, "the watch stream ended")

    def connection(self) -> Connection:
        """The live connection (shared by the watch stream, actions and transcripts)."""
        connection = self._connection
        if connection is None or connection.lost:
            raise HostError(self.name, f"not connected ({self.state})")
        return connection

    def request(self, op: str, **params: Any) -> dict[str, Any]:
        """One request on the live connection (an action on a row of this host)."""
        return self.connection().request(op, **params)

    def act(self, op: str, targets: Sequence[str], /, **params: Any) -> dict[str, Any]:
        """`request` for an action (`rm`, `restore`, `prune`) on the `targets` (session
        ids). When the connection drops before the answer, the action may have happened
        there or not: it is remembered, and once the host is back its listing says which
        (`take_reports`); the ConnectionLost raised says so."""
        try:
            return self.request(op, **params)
        except ConnectionLost as exc:
            with self._lock:
                self._unsettled.append((op, tuple(targets)))
            raise ConnectionLost(
                self.name, f"{exc.what}; whether the {op} happened is checked when it is back"
            ) from None

    def take_reports(self) -> list[str]:
        """The lines `_settle` wrote since the last call (for the app to show once)."""
        with self._lock:
            reports, self._reports = self._reports, []
        return reports

    def _settle(self) -> None:
        """After a (re)connect's full listing: what each interrupted action did there.
        A session still listed was not removed (`rm`, `prune`); a restored one is listed."""
        with self._lock:
            pending, self._unsettled = self._unsettled, []
            if not pending:
                return
            listed = {info.id for info in self._rows.values()}
            for op, sessions in pending:
                for sid in sessions:
                    happened = (sid in listed) if op == "restore" else (sid not in listed)
                    verdict = "went through" if happened else "did not happen"
                    self._reports.append(
                        f"{self.name}: the {op} of {sid} {verdict} (the connection dropped "
                        "before its answer; checked after the reconnect)"
                    )
