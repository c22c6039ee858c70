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
