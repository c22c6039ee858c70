"""A host whose sshd stops mid-session (the host going down: its sessions drop) and
comes back on the same port: the CLI's follow and the TUI say `unreachable: <ssh's
reason>` within the connect timeout, keep that host's rows (stale), keep working for the
other hosts, and reconnect with backoff and catch up without a chunk missed or twice.

The stopped host has its own sshd (the session-wide one serves the other tests)."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionview.app import make_app
from sessionview.config import Config
from sessionview.remote.hosts import CONNECT_TIMEOUT_S
from sessionview.store.index import SessionIndex
from tests.remote.conftest import (
    Fleet,
    _start_sshd,
    assert_every_chunk_once,
    close_shared_connection,
    following,
)
from tests.remote.sshd import Sshd, client_config, wait_for
from tests.remote.test_remote_tui import SIZE, spec, until

pytestmark = pytest.mark.slow

#: How long a drop may take to show: ssh's connect timeout, and a moment for the retry.
SHOWN_WITHIN_S = CONNECT_TIMEOUT_S + 5


@pytest.fixture
def flaky(fleet: Fleet, tmp_path: Path) -> Iterator[Sshd]:
    """`hostS`: hostB's sessions behind an sshd of its own, which the test stops."""
    server = _start_sshd(tmp_path / "sshd-flaky")
    # The same client key as every other alias.
    shutil.copy(fleet.sshd.keys / "client_key.pub", server.keys / "authorized_keys")
    client_config(
        fleet.sshd, fleet.ssh_config, down_port=fleet.down_port, others={"hostS": server.port}
    )
    fleet.commands["hostS"] = fleet.hosts["hostB"].command()
    fleet.write_config()
    yield server
    server.thaw()
    close_shared_connection(server)
    server.stop()


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_show_follow_rides_out_a_stopped_sshd(
    fleet: Fleet, flaky: Sshd, start_writer, how: str
) -> None:
    """`stopped`: sshd and its sessions killed (the connection closes at once);
    `frozen`: they stop answering without closing anything (ssh's keepalive notices)."""
    b = fleet.hosts["hostB"]
    writer = start_writer(b.sessions, "ssss-followed", every=0.05)
    with following("--host", "hostS", "ssss") as follow:
        out, err = follow.out, follow.err
        wait_for("10 chunks followed", lambda: len(out.lines) >= 10)
        flaky.stop_with_sessions() if how == "stopped" else flaky.freeze()
        wait_for(
            "the drop reported",
            lambda: any("hostS" in line and "reconnecting" in line for line in err.lines),
            timeout=SHOWN_WITHIN_S,
        )
        # While it is down: the other hosts answer; this one is one unreachable line.
        listed = fleet.run("ls", "--json", "--host", "hostS", "--host", "hostA")
        assert listed.returncode == 1
        reason = "connect to host" if how == "stopped" else "Connection timed out"
        assert listed.stderr.startswith(f"sessionview: hostS: unreachable: {reason}")
        assert json.loads(listed.stdout) == []  # hostA has no sessions; it answered
        wait_for(
            "a failed reconnect reported",
            lambda: any("unreachable" in line and "reconnecting" in line for line in err.lines),
            timeout=SHOWN_WITHIN_S,
        )
        seen = len(out.lines)
        flaky.start_again() if how == "stopped" else flaky.thaw()
        wait_for("chunks after the reconnect", lambda: len(out.lines) >= seen + 10, timeout=60)
        writer.stop()
        assert follow.proc.wait(timeout=60) == 0
    assert_every_chunk_once(fleet, "hostS", out.lines)


@pytest.mark.parametrize("how", ["stopped", "frozen"])
def test_tui_keeps_a_stopped_hosts_rows_stale_and_catches_up(
    fleet: Fleet, flaky: Sshd, start_writer, how: str
) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    on_s = start_writer(b.sessions, "s-live", every=0.1)
    on_a = start_writer(a.sessions, "a-live", every=0.1)
    app = make_app(SessionIndex([]), Config(), hosts=[spec(fleet, "hostS"), spec(fleet, "hostA")])

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            main = app.main

            def header() -> str:
                return str(main.query_one("#hosts").render())

            def chunks(sid: str) -> int:
                return next((r.chunks for r in main.all_rows if r.id == sid), -1)

            await until(pilot, "both hosts' rows", lambda: chunks("s-live") > 0 < chunks("a-live"))
            flaky.stop_with_sessions() if how == "stopped" else flaky.freeze()
            await until(pilot, "hostS unreachable", lambda: "hostS unreachable: " in header(),
                        SHOWN_WITHIN_S)  # fmt: skip
            # Then each retry's own reason, from ssh.
            reason = "connect to host 127.0.0.1 port" if how == "stopped" else "Connection timed"
            await until(
                pilot,
                "hostS unreachable with ssh's reason",
                lambda: f"hostS unreachable: {reason}" in header(),
                30,
            )
            assert "(rows stale)" in header() and "hostA connected" in header()
            kept = chunks("s-live")
            assert kept > 0  # the row is still listed
            # The other host stays live meanwhile.
            before = chunks("a-live")
            await until(pilot, "hostA's appends", lambda: chunks("a-live") >= before + 3)
            flaky.start_again() if how == "stopped" else flaky.thaw()
            await until(
                pilot, "hostS back", lambda: "hostS connected" in header() and not _stale(app), 60
            )
            assert chunks("s-live") > kept  # what was written while it was down
            on_s.stop()
            on_a.stop()
            await until(
                pilot,
                "the closed session's every chunk",
                lambda: (
                    next(r.state.value for r in main.all_rows if r.id == "s-live") == "closed"
                    and chunks("s-live") == _chunks_on_disk(b.sessions, "s-live")
                ),
            )

    asyncio.run(run())


def _stale(app) -> bool:
    return any(feed.stale for feed in app.feeds.values())


def _chunks_on_disk(directory: Path, sid: str) -> int:
    (row,) = SessionIndex([directory], use_cache=False).scan()
    assert row.id == sid
    return row.chunks
