"""Many hosts as one: each host's rows with `host` added, ids made unique, and which
host owns a session id.

An `Endpoint` is one host's answers: `LocalEndpoint` calls the `Service` in this
process, `RemoteEndpoint` asks a `Connection`; both return the same messages, so the
commands treat `local` and `devbox` alike.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from sessionview.remote.client import Connection, HostError
from sessionview.remote.hosts import HostSpec


class Endpoint(Protocol):
    name: str

    def request(self, op: str, **params: Any) -> dict[str, Any]: ...

    def stream(self, op: str, **params: Any) -> Iterator[dict[str, Any]]: ...

    def close(self) -> None: ...


class LocalEndpoint:
    """This machine, answered in-process by the same `Service` a remote serve uses."""

    def __init__(self, service: Any) -> None:
        self.name = "local"
        self.service = service

    def request(self, op: str, **params: Any) -> dict[str, Any]:
        from sessionview.remote.client import RemoteError
        from sessionview.store.errors import PersistenceError

        service = self.service
        try:
            if op == "list":
                import orjson

                from sessionview.remote.protocol import RowsAnswer

                raw = service.list_json(params.get("states"), host=params.get("host"))
                answer = RowsAnswer(type="result", rows=orjson.loads(raw))
                answer["problems"] = service.problems()
                answer.raw_rows = raw
                return answer
            from sessionview.remote import server

            return server.answer(service, op, params)
        except (PersistenceError, ValueError) as exc:
            raise RemoteError(str(exc)) from None

    def stream(self, op: str, **params: Any) -> Iterator[dict[str, Any]]:
        from sessionview.remote.client import RemoteError
        from sessionview.store.errors import PersistenceError

        stop = threading.Event()
        try:
            if op == "follow":
                yield from self.service.follow(params["session"], params["from_chunk"], stop)
            else:
                yield from self.service.watch(stop)
        except PersistenceError as exc:
            raise RemoteError(str(exc)) from None
        finally:
            stop.set()

    def close(self) -> None:
        pass


#: Rows per part of a listing: each part is checked here while the next one travels.
LIST_BATCH = 1000
#: Requests that only read, answered by every serve of protocol 1.
_EARLY_OPS = frozenset({"list", "show", "trash"})


class RemoteEndpoint:
    """A host over ssh; connects on first use."""

    def __init__(self, spec: HostSpec, remote_args: Sequence[str], *, keep: float = 0) -> None:
        """`keep` > 0: go through the host's keeper (`remote.keeper`: one serve kept open
        that many seconds after a command for the next), for requests that only read."""
        self.name = spec.name
        self.spec = spec
        self.remote_args = list(remote_args)
        self.keep = keep
        self.connection: Connection | None = None

    def connect(self, first: tuple[str, dict[str, Any]] | None = None) -> Connection:
        """The connection, started when there is none (with `first` sent before its
        hello: see `Connection`)."""
        if self.connection is None or self.connection.lost:
            if self.connection is not None:
                self.connection.close()
            self.connection = self._kept(first) or Connection(
                self.spec, self.remote_args, first=first
            )
        return self.connection

    def _kept(self, first: tuple[str, dict[str, Any]] | None) -> Connection | None:
        """A connection through the keeper, or None (then a direct one). A host the
        keeper could not reach raises its HostError, as a direct connection would."""
        if not self.keep:
            return None
        from sessionview.remote.keeper import open_kept

        sock = open_kept(self.spec, self.remote_args, self.keep)
        if sock is None:
            return None
        try:
            return Connection(self.spec, self.remote_args, first=first, via=sock)
        except HostError:
            return None  # the keeper went away meanwhile

    def request(self, op: str, **params: Any) -> dict[str, Any]:
        from sessionview.remote.client import RemoteError

        # Only a request that changes nothing may go before the hello says who answers.
        connection = self.connect(first=(op, params) if op in _EARLY_OPS else None)
        ops = connection.hello.get("ops")
        if isinstance(ops, list) and op not in ops:
            raise self.too_old(op)
        try:
            return connection.request(op, **params)
        except RemoteError as exc:
            if str(exc).startswith("unknown op"):  # an older serve that lists no ops
                raise self.too_old(op) from None
            raise

    def too_old(self, op: str) -> HostError:
        """A serve that predates the request `op` (added compatibly, protocol 1 still)."""
        return HostError(
            self.name,
            f"sessionview too old on {self.name}: its serve does not answer `{op}`; "
            f"upgrade it with {self.spec.install_hint()}",
        )

    def stream(self, op: str, **params: Any) -> Iterator[dict[str, Any]]:
        return self.connect().stream(op, **params)

    def end_input(self) -> None:
        """No more requests: the remote serve may exit now (`close` still waits for ssh)."""
        if self.connection is not None:
            self.connection.end_input()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()


@dataclass(slots=True)
class Listing:
    """Rows of every host that answered, newest activity first, and the hosts that did not."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    failures: list[HostError] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    #: With one host that answered: `ls --json`'s array as that host sent it (each row
    #: tagged with `host` there), to print without encoding it again; else None.
    raw_json: bytes | None = None


def list_hosts(
    endpoints: Sequence[Endpoint], states: list[str] | None = None, *, last: bool = False
) -> Listing:
    """Ask every host at once (one thread each); merge, qualify ids, sort. `last`: no
    further request follows (`ls`), so each connection's input is closed as soon as its
    listing arrived: the remote serve exits while this side checks and prints the rows."""
    from sessionview.remote.protocol import ProtocolError, RowsAnswer, check_row

    answers: dict[str, list[dict[str, Any]]] = {}
    raw: dict[str, bytes] = {}
    listing = Listing()
    lock = threading.Lock()

    def one(endpoint: Endpoint) -> None:
        name = endpoint.name
        try:
            # `host`: each row comes tagged with its host's name (older serves ignore it).
            result = endpoint.request("list", states=states, host=name, batch=LIST_BATCH)
            if last and isinstance(endpoint, RemoteEndpoint):
                endpoint.end_input()
            rows = result.get("rows")
            if not isinstance(rows, list):
                raise ProtocolError("a listing without rows")
            checked = [check_row(r) for r in rows]
            problems = [str(p) for p in result.get("problems") or () if isinstance(p, str)]
            if isinstance(result, RowsAnswer) and all(r.get("host") == name for r in checked):
                with lock:
                    raw[name] = result.raw_rows
        except ProtocolError as exc:
            with lock:
                listing.failures.append(HostError(endpoint.name, f"protocol error: {exc}"))
            return
        except HostError as exc:
            with lock:
                listing.failures.append(exc)
            return
        except Exception as exc:  # RemoteError and anything else: this host only
            with lock:
                listing.failures.append(HostError(endpoint.name, f"error: {exc}"))
            return
        with lock:
            answers[endpoint.name] = checked
            listing.problems.extend(f"{endpoint.name}: {p}" for p in problems)

    threads = [threading.Thread(target=one, args=(e,), daemon=True) for e in endpoints]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    order = [e.name for e in endpoints]
    listing.failures.sort(key=lambda f: order.index(f.host) if f.host in order else 0)
    listing.rows = merge_rows([(name, answers[name]) for name in order if name in answers])
    if len(order) == 1 and order[0] in raw:
        # One host, its rows tagged there (checked above): its bytes are the output.
        listing.raw_json = raw[order[0]]
    return listing


def merge_rows(per_host: Sequence[tuple[str, list[dict[str, Any]]]]) -> list[dict[str, Any]]:
    """Each row gains `host`; an id found on more than one host becomes `HOST:id`."""
    if len(per_host) == 1:  # nothing to qualify, nothing to sort (one host's order)
        host, rows = per_host[0]
        for row in rows:
            if row.get("host") != host:  # a serve that did not tag its rows
                row["host"] = host
        return list(rows)
    counts: dict[str, int] = {}
    for _, rows in per_host:
        for sid in {r["id"] for r in rows}:
            counts[sid] = counts.get(sid, 0) + 1
    merged: list[dict[str, Any]] = []
    for host, rows in per_host:
        for row in rows:
            sid = row["id"]
            if counts[sid] > 1:
                # `_bare` is ours (the id on its host); `public_row` drops it for output.
                row = {**row, "id": f"{host}:{sid}", "_bare": sid}
            row["host"] = host
            merged.append(row)
    merged.sort(key=activity, reverse=True)
    return merged


def activity(row: dict[str, Any]) -> float:
    """A row's `updated_at` as a timestamp (0 when missing or unreadable), to sort by."""
    from datetime import datetime

    value = row.get("updated_at")
    if not isinstance(value, str):
        return 0.0
    try:
        return datetime.fromisoformat(value).timestamp()
    except (ValueError, OverflowError, OSError):
        return 0.0


def split_qualified(ident: str, hosts: Sequence[str]) -> tuple[str | None, str]:
    """`devbox:abc` -> ("devbox", "abc") when devbox is one of the hosts; else (None, ident)."""
    for host in sorted(hosts, key=len, reverse=True):
        if ident.startswith(host + ":") and len(ident) > len(host) + 1:
            return host, ident[len(host) + 1 :]
    return None, ident


def locate(rows: Sequence[dict[str, Any]], ident: str, hosts: Sequence[str]) -> tuple[str, str]:
    """(host, bare id) of the one row an id (or `HOST:id`, or a unique prefix) names."""
    from sessionview.store.errors import AmbiguousSessionId, SessionNotFound
    from sessionview.store.ids import validate_session_id

    host, bare = split_qualified(ident, hosts)
    validate_session_id(bare)
    candidates = [r for r in rows if host is None or r["host"] == host]
    exact = [r for r in candidates if _bare(r) == bare or r["id"] == ident]
    matches = exact or [r for r in candidates if _bare(r).startswith(bare)]
    if not matches:
        raise SessionNotFound(f"no session matches {ident!r}")
    if len(matches) > 1:
        names = ", ".join(
            r["id"] if r["id"] != _bare(r) else f"{r['host']}:{r['id']}" for r in matches[:5]
        )
        more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
        raise AmbiguousSessionId(f"{ident!r} matches {len(matches)} sessions: {names}{more}")
    return matches[0]["host"], _bare(matches[0])


def _bare(row: dict[str, Any]) -> str:
    return row.get("_bare", row["id"])


def public_row(row: dict[str, Any]) -> dict[str, Any]:
    """The row as `ls --json` prints it (without the bookkeeping of `merge_rows`)."""
    if "_bare" not in row:
        return row
    return {k: v for k, v in row.items() if k != "_bare"}
