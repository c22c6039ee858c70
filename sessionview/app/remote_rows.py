"""Remote hosts in the TUI: their live rows merged into the list, a header line per
host, and delete/undo/resume on a remote row sent to the host that owns it.

The rows come from `sessionview.remote.live.HostFeed` threads (one `serve --stdio` per
host, kept open); this module is the small glue the App calls, so the App itself only
gains a few hooks. A remote row is a `SessionInfo` whose `extra["host"]` names its host.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sessionview.store.model import SessionInfo


@dataclass(frozen=True, slots=True)
class RemoteTrash:
    """What `u` undoes for a remote delete: restore `id` on `host`."""

    host: str
    id: str


def host_of(info: SessionInfo) -> str | None:
    host = info.extra.get("host") if info.extra else None
    return host if isinstance(host, str) else None


def display_path(info: SessionInfo) -> str:
    """`HOST:~/path` for a remote row (`~` = that host's home), made safe to show."""
    from sessionview.render.safe import screen_text

    path = info.path
    home = info.extra.get("host_home") if info.extra else None
    if isinstance(home, str) and home not in ("", "/") and path.startswith(home + "/"):
        path = "~" + path[len(home) :]
    return screen_text(f"{host_of(info)}:{path}")


def make_feeds(specs: list, remote_args: list[str], app: Any, stop: threading.Event) -> dict:
    from sessionview.app.messages import HostsChanged
    from sessionview.remote.live import HostFeed

    def changed(_feed: HostFeed) -> None:
        app.post_message(HostsChanged())

    return {s.name: HostFeed(s, remote_args, changed, stop) for s in specs if not s.is_local}


def start(feeds: dict) -> None:
    for feed in feeds.values():
        threading.Thread(target=feed.run, name=f"host-{feed.name}", daemon=True).start()


def merged(rows: list[SessionInfo], feeds: dict) -> list[SessionInfo]:
    """This machine's rows and every host's, newest activity first."""
    every = list(rows)
    for feed in feeds.values():
        every.extend(feed.infos())
    epoch = datetime.fromtimestamp(0).astimezone()
    every.sort(key=lambda i: i.updated_at or epoch, reverse=True)
    return every


def host_lines(feeds: dict) -> list[tuple[str, str, bool]]:
    """(host, state, stale) per host, for the header."""
    return [(f.name, f.state, f.stale) for f in feeds.values()]


def _failure(host: str, exc: Exception) -> str:
    """The line a failed remote action reports: a HostError already names its host, a
    RemoteError (the host's own refusal) does not."""
    from sessionview.remote.client import RemoteError

    return f"{host}: {exc}" if isinstance(exc, RemoteError) else str(exc)


def delete(feeds: dict, targets: list[SessionInfo], done: list, failed: list[str]) -> None:
    """`rm` on each target's host (the trash is there); runs in the App's delete worker."""
    from sessionview.remote.client import HostError, RemoteError

    for info in targets:
        host = host_of(info) or ""
        feed = feeds.get(host)
        if feed is None:
            failed.append(f"{host}: not a configured host")
            continue
        try:
            feed.act("rm", [info.id], session=info.id, force=False, purge=False)
        except (HostError, RemoteError) as exc:
            failed.append(_failure(host, exc))
            continue
        done.append(RemoteTrash(host, info.id))


def local_part(plan: Any) -> Any:
    """The prune plan without the remote rows (a remote path is not a local file)."""
    from dataclasses import replace

    return replace(plan, sessions=tuple(s for s in plan.sessions if not host_of(s)))


def prune(feeds: dict, plan: Any, done: list, failed: list[str]) -> None:
    """The remote rows of a prune plan, each host pruning its own: the CLI's `prune
    --host` request with the dialog's criteria, limited to the rows the preview showed
    (the host re-plans and re-checks each, as `execute_prune` does here). Runs in the
    App's prune worker; what each host removed can be undone (`u`)."""
    from sessionview.remote.client import HostError, RemoteError

    by_host: dict[str, list[str]] = {}
    for info in plan.sessions:
        host = host_of(info)
        if host is not None:
            by_host.setdefault(host, []).append(info.id)
    seconds = int(plan.older_than.total_seconds())
    for host, ids in by_host.items():
        feed = feeds.get(host)
        if feed is None:
            failed.append(f"{host}: not a configured host")
            continue
        try:
            features = feed.connection().hello.get("features") or ()
            if "prune-sessions" not in features:
                raise HostError(
                    host,
                    f"sessionview there is too old to prune only the previewed sessions; "
                    f"upgrade it with {feed.spec.install_hint()}",
                )
            answer = feed.act(
                "prune",
                ids,
                older_than=f"{seconds}s",
                by=plan.by,
                states=sorted(s.value for s in plan.states),
                dry_run=False,
                purge=False,
                sessions=ids,
            )
        except (HostError, RemoteError) as exc:
            failed.append(_failure(host, exc))
            continue
        for row in answer.get("removed") or ():
            if isinstance(row, dict) and isinstance(row.get("id"), str):
                done.append(RemoteTrash(host, row["id"]))
        for skip in answer.get("skipped") or ():
            if isinstance(skip, dict):
                failed.append(f"{host}:{skip.get('id')}: {skip.get('reason')}")


def export_transcript(app: Any, info: SessionInfo) -> Any:
    """What the export dialog writes for a remote row: the transcript from its host's
    `show` (redacted and written here, as a local one); None for a local row. A host
    that fails is a one-line PersistenceError naming it."""
    from sessionview.remote.client import HostError, RemoteError
    from sessionview.remote.protocol import ProtocolError, show_transcript
    from sessionview.store.errors import PersistenceError

    host = host_of(info)
    if host is None:
        return None
    feed = app.feeds.get(host)
    if feed is None:
        raise PersistenceError(f"{host}: not a configured host")
    try:
        return show_transcript(feed.request("show", session=info.id), host)
    except (HostError, RemoteError) as exc:
        raise PersistenceError(_failure(host, exc)) from None
    except ProtocolError as exc:
        raise PersistenceError(f"{host}: protocol error: {exc}") from None


def restore(feeds: dict, entry: RemoteTrash, failed: list[str]) -> int:
    from sessionview.remote.client import HostError, RemoteError

    feed = feeds.get(entry.host)
    if feed is None:
        failed.append(f"{entry.host}: not a configured host")
        return 0
    try:
        feed.act("restore", [entry.id], session=entry.id)
    except (HostError, RemoteError) as exc:
        failed.append(_failure(entry.host, exc))
        return 0
    return 1


def resume(app: Any, info: SessionInfo) -> None:
    """`ssh -t HOST sessionview resume ID` in the terminal, the app suspended."""
    import subprocess

    from sessionview.remote.hosts import ssh_defaults
    from sessionview.render.safe import screen_text

    feed = app.feeds.get(host_of(info))
    if feed is None:
        return
    spec = feed.spec
    argv = spec.ssh_argv(
        ["resume", info.id, *feed.remote_args], tty=True, defaults=ssh_defaults(spec)
    )
    try:
        with app.suspend():
            status = subprocess.call(argv)
    except Exception as exc:  # SuspendNotSupported (headless), or ssh failed to start
        app.notify(
            f"run it in a terminal: sessionview resume --host {screen_text(spec.name)} "
            f"{screen_text(info.id)} ({screen_text(str(exc))})",
            title="cannot resume here",
            severity="warning",
        )
        return
    app.notify(f"resume on {screen_text(spec.name)} exited with status {status}")


def transcript(app: Any, info: SessionInfo) -> Any:
    """The transcript screen of a remote row, fed by its host's follow stream."""
    from sessionview.app.screens.remote_transcript import RemoteTranscriptScreen

    feed = app.feeds[host_of(info)]
    return RemoteTranscriptScreen(info, feed, follow=app.config.follow_by_default)


def explain_open(app: Any, info: SessionInfo) -> None:
    from sessionview.render.safe import screen_text

    host = screen_text(host_of(info) or "")
    app.notify(
        f"sessionview show --follow --host {host} {screen_text(info.id)}",
        title=f"a session on {host}: open it with",
    )
