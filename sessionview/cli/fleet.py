"""The commands over several hosts (`--host`, or `hosts` in config.toml).

Each command here asks every host's `Endpoint` (this machine in-process, others over
ssh) and prints what they answered: one stderr line per host that failed, the other
hosts' results still printed, exit 1 if any host failed. With no host named anywhere
the commands never come here (the plain local paths stay as fast as they are).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sessionview.cli.common import (
    CliError,
    UsageError,
    json_bytes,
    open_index,
    safe_line,
    write_json,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse

    from sessionview.remote.fleet import Endpoint, Listing
    from sessionview.remote.hosts import HostSpec

#: How long `show --follow` keeps reconnecting to a host that dropped.
RECONNECT_FOR_S = 60.0
BACKOFF_S = (0.2, 0.5, 1.0, 2.0, 5.0)


def host_specs(args: argparse.Namespace, config: Any) -> list[HostSpec] | None:
    """The hosts this command acts on, validated before any ssh runs; None: this machine only."""
    from sessionview.remote.hosts import HostNameError, host_specs, wanted_hosts

    names = wanted_hosts(getattr(args, "host", None), config)
    if names is None:
        return None
    try:
        return host_specs(names, config)
    except HostNameError as exc:
        raise UsageError(f"--host {exc}") from None


def remote_args(args: argparse.Namespace) -> list[str]:
    """`--dir`/`--format` as given: they apply on each host."""
    words: list[str] = []
    for d in getattr(args, "dir", None) or ():
        words += ["--dir", d]
    if getattr(args, "format", None):
        words += ["--format", args.format]
    return words


def endpoints(
    specs: list[HostSpec], args: argparse.Namespace, config: Any, *, keep: bool = False
) -> list[Endpoint]:
    """`keep`: remote hosts through their keepers (`remote.keeper`, config.toml's
    `keep_serve` seconds), for commands that only read (`ls`)."""
    from sessionview.remote.fleet import LocalEndpoint, RemoteEndpoint

    out: list[Endpoint] = []
    for spec in specs:
        if spec.is_local:
            from sessionview.remote.service import Service

            out.append(LocalEndpoint(Service(open_index(args, config))))
        else:
            seconds = config.keep_serve if config else 0
            out.append(RemoteEndpoint(spec, remote_args(args), keep=seconds if keep else 0))
    return out


def _close(eps: list[Endpoint]) -> None:
    for ep in eps:
        ep.close()


def _err(line: object) -> None:
    print(f"sessionview: {safe_line(line)}", file=sys.stderr)


# ------------------------------------------------------------------ ls
def ls(args: argparse.Namespace, config: Any, specs: list[HostSpec], states: Any) -> int:
    from sessionview.remote.fleet import list_hosts, public_row

    eps = endpoints(specs, args, config, keep=True)
    try:
        listing = list_hosts(eps, sorted(states) if states else None, last=True)
        for problem in listing.problems:
            _err(problem)
        for failure in listing.failures:
            _err(failure)
        status = 1 if listing.failures else 0
        if args.json:
            # Printed before waiting for ssh to end (the remotes exit meanwhile). One
            # host's rows, checked and tagged with `host` there, go out as they came.
            out = listing.raw_json
            if out is None:
                out = json_bytes([public_row(r) for r in listing.rows], indent=False)
            sys.stdout.buffer.write(out + b"\n")
            sys.stdout.flush()
            return status
    finally:
        _close(eps)
    if not listing.rows:
        print("no sessions on " + ", ".join(safe_line(s.name) for s in specs))
        return status
    from sessionview.render.humanize import human_bytes
    from sessionview.render.safe import one_line
    from sessionview.store.model import STATE_GLYPHS, SessionState

    header = ("HOST", "STATE", "ID", "FORMAT", "ACTIVITY", "CHUNKS", "SIZE", "TITLE")
    table: list[tuple[str, ...]] = [header]
    for r in listing.rows:
        state = r["state"]
        table.append(
            tuple(
                one_line(str(cell))
                for cell in (
                    r["host"],
                    f"{STATE_GLYPHS[SessionState(state)]} {state}",
                    r["id"] if r["id"] != r.get("_bare", r["id"]) else r["id"][:8],
                    r["format"],
                    _ago(r.get("updated_at")),
                    r.get("chunks", 0),
                    human_bytes(r.get("bytes", 0)),
                    one_line(str(r.get("title") or r.get("error") or ""), 60),
                )
            )
        )
    widths = [max(len(row[i]) for row in table) for i in range(len(header) - 1)]
    for row in table:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        sys.stdout.write("  ".join(cells) + "  " + row[-1] + "\n")
    return status


def _ago(value: Any) -> str:
    from datetime import datetime

    from sessionview.render.humanize import ago

    try:
        return ago(datetime.fromisoformat(value)) if isinstance(value, str) else "-"
    except ValueError:
        return "-"


# -------------------------------------------------------------- locate
class _Owners:
    """Which endpoint owns the session each id names, and its id there. An unqualified
    id among several hosts needs every host's listing (~10 MB each): it is asked once
    per command, on the first such id, and its failed hosts are printed once."""

    def __init__(self, specs: list[HostSpec], eps: list[Endpoint]) -> None:
        self._names = [s.name for s in specs]
        self._eps = eps
        self._listing: Listing | None = None

    def __call__(self, ident: str) -> tuple[Endpoint, str]:
        from sessionview.remote.fleet import locate, split_qualified

        host, bare = split_qualified(ident, self._names)
        if host is None and len(self._eps) == 1:
            return self._eps[0], ident
        if host is not None:
            return self._endpoint(host), bare
        listing = self._all()
        try:
            host, bare = locate(listing.rows, ident, self._names)
        except Exception as exc:
            if listing.failures:
                raise CliError(f"{exc} on the hosts that answered") from None
            raise
        return self._endpoint(host), bare

    def _endpoint(self, host: str) -> Endpoint:
        return next(e for e in self._eps if e.name == host)

    def _all(self) -> Listing:
        if self._listing is None:
            from sessionview.remote.fleet import list_hosts

            self._listing = list_hosts(self._eps)
            for failure in self._listing.failures:
                _err(failure)
        return self._listing


def _failure(ep: Endpoint, exc: Exception) -> str:
    """The line for one host's failure: a refusal or protocol error named with the host
    (a `HostError` names it already)."""
    from sessionview.remote.client import HostError
    from sessionview.remote.protocol import ProtocolError

    if isinstance(exc, HostError):
        return str(exc)
    if isinstance(exc, ProtocolError):
        return f"{ep.name}: protocol error: {exc}"
    return f"{ep.name}: {exc}"


def _ask(ep: Endpoint, op: str, **params: Any) -> dict[str, Any]:
    """A request whose host error or refusal is one CliError line."""
    from sessionview.remote.client import HostError, RemoteError

    try:
        return ep.request(op, **params)
    except (HostError, RemoteError) as exc:
        raise CliError(_failure(ep, exc)) from None


# ---------------------------------------------------------------- show
def show(args: argparse.Namespace, config: Any, specs: list[HostSpec]) -> int:
    eps = endpoints(specs, args, config)
    try:
        ep, bare = _Owners(specs, eps)(args.id)
        if args.follow:
            return _follow(ep, bare, as_json=args.json)
        answer = _ask(ep, "show", session=bare)
        return _print_show(ep.name, answer, as_json=args.json)
    finally:
        _close(eps)


def _print_show(host: str, answer: dict[str, Any], *, as_json: bool) -> int:
    from sessionview.remote.protocol import ProtocolError, show_parts

    try:
        row, chunks, parsed = show_parts(answer)
    except ProtocolError as exc:
        raise CliError(f"{host}: protocol error: {exc}") from None
    if as_json:
        write_json(
            {
                "id": row["id"],
                "host": host,
                "format": row["format"],
                "state": row["state"],
                "header": answer.get("header"),
                "chunks": chunks,
                "usage": row.get("usage"),
            }
        )
        return 0
    from sessionview.render.chunk_text import chunk_to_text
    from sessionview.render.safe import one_line
    from sessionview.store.model import STATE_GLYPHS, SessionState

    state = row["state"]
    print(
        f"{STATE_GLYPHS[SessionState(state)]} {state} ({one_line(str(row.get('state_reason', '')))})"
        f"  {one_line(row['format'])}  {one_line(row['id'])}\n"
        f"  {one_line(host)}:{one_line(row['path'])}\n  {row.get('chunks', 0)} chunks"
    )
    for chunk in parsed:
        sys.stdout.write(chunk_to_text(chunk) + "\n")
    sys.stdout.flush()
    return 0


def _follow(ep: Endpoint, bare: str, *, as_json: bool) -> int:
    """Print every chunk once, in order; after a dropped connection, reconnect with
    backoff and ask again from the first chunk not printed."""
    from sessionview.remote.client import HostError, RemoteError
    from sessionview.remote.protocol import ProtocolError, chunk_from_message
    from sessionview.render.chunk_text import chunk_to_text

    next_index = 0
    failing_since: float | None = None
    attempt = 0
    while True:
        try:
            for message in ep.stream("follow", session=bare, from_chunk=next_index):
                failing_since, attempt = None, 0
                kind = message.get("type")
                if kind == "chunks":
                    for data in message.get("chunks") or ():
                        chunk = chunk_from_message(data)
                        if chunk.index < next_index:
                            continue  # already printed before a reconnect
                        if as_json:
                            sys.stdout.buffer.write(json_bytes(data, indent=False) + b"\n")
                        else:
                            sys.stdout.write(chunk_to_text(chunk) + "\n")
                        next_index = chunk.index + 1
                    sys.stdout.flush()
                elif kind == "reset":
                    _err(f"{ep.name}: {message.get('reason')}")
                    next_index = 0
                elif kind == "end":
                    state = str(message.get("state"))
                    if as_json:  # the last line says how it ended, as a local follow's
                        end = {"end": True, "state": state, "reason": message.get("reason")}
                        sys.stdout.buffer.write(json_bytes(end, indent=False) + b"\n")
                        sys.stdout.flush()
                    _err(f"{ep.name}: session {state}: {message.get('reason')}")
                    return 1 if state == "deleted" else 0
            raise HostError(ep.name, "the follow stream ended without an end message")
        except (RemoteError, ProtocolError) as exc:
            raise CliError(_failure(ep, exc)) from None
        except HostError as exc:
            now = time.monotonic()
            failing_since = failing_since or now
            if now - failing_since > RECONNECT_FOR_S:
                raise CliError(f"{exc}; gave up after {RECONNECT_FOR_S:.0f} s") from None
            _err(f"{exc}; reconnecting")
            time.sleep(BACKOFF_S[min(attempt, len(BACKOFF_S) - 1)])
            attempt += 1


# -------------------------------------------------------------- search
#: What the protocol's search rows carry beyond `search --json`'s row (for merge and text).
_SEARCH_EXTRA = ("updated_at", "matching_chunks", "score")


def search(
    args: argparse.Namespace,
    config: Any,
    specs: list[HostSpec],
    *,
    text: str,
    formats: list[str] | None,
    states: list[str] | None,
    kinds: list[str],
) -> int:
    """Each host searches its own files (its own search index) at once; the rows are
    merged best first, `host` added, ids qualified where not unique among them."""
    import threading

    from sessionview.remote.client import HostError, RemoteError
    from sessionview.remote.fleet import activity, merge_rows, public_row
    from sessionview.remote.protocol import ProtocolError, check_search_row

    eps = endpoints(specs, args, config)
    answers: dict[str, list[dict[str, Any]]] = {}
    notices: dict[str, list[str]] = {}
    failures: dict[str, str] = {}
    lock = threading.Lock()

    def one(ep: Endpoint) -> None:
        try:
            answer = ep.request(
                "search",
                query=text,
                formats=formats,
                states=states,
                kinds=kinds,
                since=args.since,
                limit=args.limit,
            )
            rows = answer.get("results")
            if not isinstance(rows, list):
                raise ProtocolError("a search answer without results")
            checked = [check_search_row(r) for r in rows]
            said = [str(n) for n in answer.get("notices") or () if isinstance(n, str)]
        except (ProtocolError, RemoteError, HostError) as exc:
            failure = _failure(ep, exc)
        except Exception as exc:  # this host only
            failure = f"{ep.name}: error: {exc}"
        else:
            with lock:
                answers[ep.name], notices[ep.name] = checked, said
            return
        with lock:
            failures[ep.name] = failure

    try:
        threads = [threading.Thread(target=one, args=(ep,), daemon=True) for ep in eps]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        _close(eps)
    order = [s.name for s in specs]
    for name in order:
        for notice in notices.get(name, ()):
            _err(f"{name}: {notice}")
        if name in failures:
            _err(failures[name])
    rows = merge_rows([(name, answers[name]) for name in order if name in answers])
    rows.sort(key=lambda r: (r["score"], -activity(r)))
    if args.limit is not None:
        rows = rows[: args.limit]
    status = 1 if failures else 0
    if args.json:
        out = [{k: v for k, v in public_row(r).items() if k not in _SEARCH_EXTRA} for r in rows]
        sys.stdout.buffer.write(json_bytes(out, indent=False) + b"\n")
        return status
    if not rows:
        where = ", ".join(safe_line(name) for name in answers) or "no host that answered"
        print(f"no session contains {safe_line(text)} on {where}")
        return status
    from sessionview.render.safe import one_line
    from sessionview.store.model import STATE_GLYPHS, SessionState

    out_text = sys.stdout
    for r in rows:
        more = r["matching_chunks"] - len(r["hits"])
        out_text.write(
            f"{STATE_GLYPHS[SessionState(r['state'])]} {one_line(r['id'])}  {one_line(r['host'])}  "
            f"{one_line(r['format'])}  {_ago(r.get('updated_at'))}  "
            f"{one_line(str(r.get('title') or ''), 60)}\n"
        )
        for hit in r["hits"]:
            out_text.write(
                f"  #{hit['chunk']} {one_line(hit['kind'])}: {one_line(hit['excerpt'])}\n"
            )
        if more > 0:
            out_text.write(f"  ... {more} more matching chunks\n")
    return status


# ------------------------------------------------------------------ rm
def rm(args: argparse.Namespace, config: Any, specs: list[HostSpec]) -> int:
    from sessionview.remote.client import ConnectionLost, HostError, RemoteError

    eps = endpoints(specs, args, config)
    status = 0
    try:
        owner = _Owners(specs, eps)
        targets = [owner(ident) for ident in args.ids]
        for ep, bare in targets:
            try:
                answer = ep.request("rm", session=bare, force=args.force, purge=args.purge)
            except ConnectionLost as exc:
                _err(f"{exc}: the rm of {bare} was interrupted; " + _after_drop(ep, bare))
                status = 1
                continue
            except (HostError, RemoteError) as exc:
                _err(_failure(ep, exc))
                status = 1
                continue
            sid = safe_line(bare)
            host = safe_line(ep.name)
            files = len(answer.get("trash", {}).get("files") or ())
            if args.purge:
                print(f"deleted {sid} on {host} ({files} file(s))")
            else:
                print(
                    f"moved {sid} to the trash on {host}; undo with: "
                    f"sessionview --host {host} restore {sid}"
                )
    finally:
        _close(eps)
    return status


def _after_drop(ep: Endpoint, bare: str) -> str:
    """What an interrupted rm did, asked again after reconnecting."""
    from sessionview.remote.client import HostError, RemoteError

    try:
        trash = ep.request("trash")
        if any(e.get("id") == bare for e in trash.get("entries") or ()):
            return "it completed (the session is in the trash there)"
        listing = ep.request("list")
        if any(r.get("id") == bare for r in listing.get("rows") or ()):
            return "it did not happen (the session is still there)"
        return "the session is gone there and not in its trash"
    except (HostError, RemoteError) as exc:
        return f"what happened is unknown (reconnecting failed: {exc})"


# ------------------------------------------------------------- restore
def restore(args: argparse.Namespace, config: Any, specs: list[HostSpec]) -> int:
    from sessionview.remote.client import HostError, RemoteError
    from sessionview.remote.fleet import split_qualified

    eps = endpoints(specs, args, config)
    try:
        trashes: dict[str, list[dict[str, Any]]] = {}
        status = 0
        ident = args.ids[0] if args.ids else None
        host, bare = (None, ident) if not ident else split_qualified(ident, [s.name for s in specs])
        asked = [e for e in eps if host is None or e.name == host]
        for ep in asked:
            try:
                trashes[ep.name] = list(ep.request("trash").get("entries") or ())
            except (HostError, RemoteError) as exc:
                _err(exc)
                status = 1
        if args.list or not ident:
            rows = [
                {**e, "host": h}
                for h, entries in trashes.items()
                for e in entries
                if isinstance(e, dict)
            ]
            if args.json:
                write_json(rows)
            elif not rows:
                print("the trash is empty")
            for e in [] if args.json else rows:
                print(
                    f"{safe_line(e['host'])}  {safe_line(str(e.get('deleted_at', ''))[:19])}  "
                    f"{safe_line(e.get('format', '')):<8}  {safe_line(e.get('id', ''))}  "
                    f"({len(e.get('files') or ())} file(s))"
                )
            return status
        owners = [
            h
            for h, entries in trashes.items()
            if any(str(e.get("id", "")).startswith(bare or "") for e in entries)
        ]
        if not owners:
            raise CliError(f"nothing in the trash matches {bare!r}")
        if len(owners) > 1:
            raise CliError(
                f"{bare!r} is in the trash on {', '.join(owners)}: name one, e.g. {owners[0]}:{bare}"
            )
        ep = next(e for e in eps if e.name == owners[0])
        answer = _ask(ep, "restore", session=bare)
        for path in answer.get("restored") or ():
            print(f"restored {safe_line(ep.name)}:{safe_line(path)}")
        return status
    finally:
        _close(eps)


# --------------------------------------------------------------- prune
def prune(args: argparse.Namespace, config: Any, specs: list[HostSpec], states: set[str]) -> int:
    from sessionview.remote.client import HostError, RemoteError
    from sessionview.render.humanize import human_bytes

    eps = endpoints(specs, args, config)
    removed: list[dict[str, Any]] = []
    skipped: list[dict[str, Any]] = []
    status = 0
    try:
        for ep in eps:
            try:
                answer = ep.request(
                    "prune",
                    older_than=args.older_than,
                    by=args.by,
                    states=sorted(states),
                    dry_run=args.dry_run,
                    purge=args.purge,
                )
            except (HostError, RemoteError) as exc:
                _err(_failure(ep, exc))
                status = 1
                continue
            removed += [{**r, "host": ep.name} for r in answer.get("removed") or ()]
            skipped += [{**r, "host": ep.name} for r in answer.get("skipped") or ()]
    finally:
        _close(eps)
    reclaimed = sum(int(r.get("bytes") or 0) for r in removed)
    if args.json:
        write_json(
            {"dry_run": args.dry_run, "removed": removed, "skipped": skipped, "bytes": reclaimed}
        )
        return status
    verb = "would remove" if args.dry_run else "removed"
    for r in removed:
        print(
            f"{verb} {safe_line(r['host'])}:{safe_line(r.get('id'))}  {safe_line(r.get('format'))}  "
            f"{safe_line(r.get('state'))}  {human_bytes(int(r.get('bytes') or 0))}"
        )
    for r in skipped:
        print(
            f"skipped {safe_line(r['host'])}:{safe_line(r.get('id'))}: {safe_line(r.get('reason'))}"
        )
    print(f"{verb} {len(removed)} session(s), {human_bytes(reclaimed)}")
    return status


# -------------------------------------------------------------- resume
def resume(args: argparse.Namespace, config: Any, specs: list[HostSpec]) -> int:
    """On its own host: `ssh -t HOST sessionview resume ID` in this terminal."""
    import subprocess

    eps = endpoints(specs, args, config)
    try:
        ep, bare = _Owners(specs, eps)(args.id)
    finally:
        _close(eps)
    spec = next(s for s in specs if s.name == ep.name)
    if spec.is_local:
        from sessionview.cli import resume as local_resume

        args.id = bare
        args.host = None
        return local_resume.run_local(args, config)
    words = ["resume", bare, *remote_args(args), *(["--print"] if args.print else [])]
    try:
        from sessionview.remote.hosts import ssh_defaults

        return subprocess.call(
            spec.ssh_argv(words, tty=not args.print, defaults=ssh_defaults(spec))
        )
    except OSError as exc:
        raise CliError(f"{spec.name}: cannot run {spec.ssh[0]}: {exc.strerror or exc}") from None


# -------------------------------------------------------------- export
@contextmanager
def export_sources(
    args: argparse.Namespace,
    config: Any,
    specs: list[HostSpec],
    states: set[str] | None,
    fmt: str | None,
) -> Iterator[tuple[list[tuple[Any, Callable[[], Any]]], int]]:
    """The sessions `export` writes, each `(row as SessionInfo, source)`: `source()` asks
    the owning host's `show` for the transcript (as a `Transcript`; the exporter redacts
    and writes it here, as a local one). Named ids are located as `show` does (a
    qualified `HOST:id`, or the one host that has it); else every host's listing, through
    --state/--format. The connections stay open until the block ends; the status is 1
    when a host could not be listed."""
    from functools import partial

    from sessionview.remote.fleet import list_hosts
    from sessionview.remote.protocol import row_info

    eps = endpoints(specs, args, config)
    try:
        status = 0
        chosen: dict[tuple[str, str], tuple[Any, Callable[[], Any]]] = {}
        if args.ids:
            owner = _Owners(specs, eps)
            for ident in args.ids:
                ep, bare = owner(ident)
                transcript = _transcript(ep, bare)
                key = (ep.name, transcript.info.id)
                chosen.setdefault(key, (transcript.info, partial(_same, transcript)))
        else:
            listing = list_hosts(eps, sorted(states) if states else None)
            for failure in listing.failures:
                _err(failure)
            status = 1 if listing.failures else 0
            by_name = {ep.name: ep for ep in eps}
            for row in listing.rows:
                info = row_info(row, row["host"])
                ep, bare = by_name[row["host"]], row.get("_bare", row["id"])
                chosen[(ep.name, bare)] = (info, partial(_transcript, ep, bare))
        rows = [
            (info, source)
            for info, source in chosen.values()
            if (states is None or info.state.value in states)
            and (fmt is None or info.format == fmt)
        ]
        yield rows, status
    finally:
        _close(eps)


def _same(value: Any) -> Any:
    """A named id's transcript, asked already (to know its row), as its source."""
    return value


def _transcript(ep: Endpoint, bare: str) -> Any:
    """The host's `show` of one session as a `Transcript` (CliError: one line)."""
    from sessionview.remote.protocol import ProtocolError, show_transcript

    answer = _ask(ep, "show", session=bare)
    try:
        return show_transcript(answer, ep.name)
    except ProtocolError as exc:
        raise CliError(_failure(ep, exc)) from None
