"""`HostFeed` (the TUI's live rows of one host) across a killed remote serve."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from sessionview.remote.live import HostFeed
from sessionview.store.writer import SessionWriter
from tests.remote.conftest import Fleet
from tests.remote.sshd import wait_for
from tests.remote.test_serve import spec

pytestmark = pytest.mark.slow


def test_feed_keeps_rows_stale_while_down_and_catches_up_after_reconnect(
    fleet: Fleet, start_writer
) -> None:
    a = fleet.hosts["hostA"]
    with SessionWriter("before", directory=a.sessions) as w:
        w.append("user", {"content": "x"})
    states: list[str] = []
    stop = threading.Event()
    feed = HostFeed(spec(fleet, "hostA"), [], lambda f: states.append(f.state), stop)
    thread = threading.Thread(target=feed.run, daemon=True)
    thread.start()
    try:
        wait_for("connected", lambda: feed.state == "connected")
        assert [i.id for i in feed.infos()] == ["before"]
        assert feed.infos()[0].extra["host"] == "hostA"
        connection = feed._connection
        assert connection is not None and connection.remote_pid
        os.kill(connection.remote_pid, signal.SIGKILL)
        wait_for("the drop noticed", lambda: feed.state.startswith("unreachable: connection lost"))
        assert feed.stale and [i.id for i in feed.infos()] == ["before"]  # kept, stale
        start_writer(a.sessions, "during", every=0.1)  # written while we were away
        wait_for("reconnected", lambda: feed.state == "connected", timeout=60)
        assert not feed.stale
        wait_for("the catch-up", lambda: {i.id for i in feed.infos()} == {"before", "during"})
        assert states.index("connected") < max(
            i for i, s in enumerate(states) if s.startswith("unreachable: connection lost")
        )
    finally:
        stop.set()
        thread.join(10)
    assert not thread.is_alive()


@pytest.mark.parametrize("outcome", ["did not happen", "went through"])
def test_an_action_cut_by_a_drop_is_reported_after_the_reconnect(
    fleet: Fleet, outcome: str
) -> None:
    """An `rm` whose connection drops before its answer is never silently half-done: the
    TUI's feed says it was interrupted, and once the host is back its listing decides
    what happened there. The serve is frozen while the request waits (so the rm itself
    never runs), then killed; for "went through" the session is removed on the host
    meanwhile, as a serve that acted just before dying would have left it."""
    from sessionview.remote.client import ConnectionLost
    from sessionview.store.actions import delete_session
    from sessionview.store.index import SessionIndex

    a = fleet.hosts["hostA"]
    with SessionWriter("victim", directory=a.sessions) as w:
        w.append("user", {"content": "x"})
    stop = threading.Event()
    feed = HostFeed(spec(fleet, "hostA"), [], lambda f: None, stop)
    thread = threading.Thread(target=feed.run, daemon=True)
    thread.start()
    try:
        wait_for("connected", lambda: feed.state == "connected")
        connection = feed._connection
        assert connection is not None and connection.remote_pid
        os.kill(connection.remote_pid, signal.SIGSTOP)
        raised: list[BaseException] = []

        def act() -> None:
            try:
                feed.act("rm", ["victim"], session="victim", force=False, purge=False)
            except BaseException as exc:  # noqa: BLE001 - the test reads it
                raised.append(exc)

        actor = threading.Thread(target=act, daemon=True)
        actor.start()
        if outcome == "went through":
            (info,) = SessionIndex([a.sessions], use_cache=False).scan()
            delete_session(info, trash_dir=a.trash, roots=[a.sessions])
        os.kill(connection.remote_pid, signal.SIGKILL)
        actor.join(30)
        assert not actor.is_alive(), "the request must end when its connection drops"
        assert len(raised) == 1 and isinstance(raised[0], ConnectionLost), raised
        assert "whether the rm happened is checked when it is back" in str(raised[0])
        reports: list[str] = []
        wait_for(
            "the interrupted rm settled after the reconnect",
            lambda: bool(reports.extend(feed.take_reports()) or reports),
            timeout=60,
        )
        assert reports == [
            f"hostA: the rm of victim {outcome} (the connection dropped before its answer; "
            "checked after the reconnect)"
        ]
        assert ("victim" in {i.id for i in feed.infos()}) == (outcome == "did not happen")
    finally:
        stop.set()
        thread.join(10)
