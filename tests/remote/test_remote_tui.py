"""The live UI with remote hosts (a real sshd): rows, host column, header, actions."""

from __future__ import annotations

import asyncio
import os
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from sessionview.app import make_app
from sessionview.config import Config
from sessionview.remote.hosts import HostSpec
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter
from tests.helpers.app import utc_tz  # noqa: F401 - autouse: TZ=UTC for the snapshots
from tests.helpers.wait import pilot_wait_until
from tests.remote.conftest import Fleet

pytestmark = pytest.mark.slow
SIZE = (140, 30)


def spec(fleet: Fleet, name: str) -> HostSpec:
    command = fleet.commands.get(name, "sessionview")
    return HostSpec(
        name, ssh=("ssh", "-F", str(fleet.ssh_config)), command=tuple(shlex.split(command))
    )


async def until(pilot, what: str, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """`pilot_wait_until` with the argument order these tests read best."""
    await pilot_wait_until(pilot, condition, timeout=timeout, what=what, interval=0.05)


def test_remote_rows_live_with_host_column_header_and_actions(
    fleet: Fleet, start_writer, tmp_path: Path
) -> None:
    a = fleet.hosts["hostA"]
    local_root = tmp_path / "local-sessions"
    with SessionWriter("local-one", directory=local_root) as w:
        w.append("user", {"content": "here"})
    with SessionWriter("remote-victim", directory=a.sessions) as w:
        w.append("user", {"content": "there"})
    writer = start_writer(a.sessions, "remote-live", every=0.2)
    index = SessionIndex([local_root], use_cache=False)
    app = make_app(index, Config(), hosts=[spec(fleet, "hostA"), spec(fleet, "down")])

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            main = app.main

            def ids() -> set[tuple[str | None, str]]:
                return {((r.extra or {}).get("host"), r.id) for r in main.all_rows}

            await until(
                pilot,
                "the remote rows",
                lambda: {("hostA", "remote-victim"), ("hostA", "remote-live")} <= ids(),
            )
            assert (None, "local-one") in ids()
            assert "host" in main.table._columns
            header = str(main.query_one("#hosts").render())
            assert "hostA connected" in header
            await until(
                pilot,
                "down unreachable",
                lambda: (
                    "down unreachable: connect to host 127.0.0.1 port"
                    in str(main.query_one("#hosts").render())
                ),
            )

            def live_chunks() -> int:
                return next(r.chunks for r in main.all_rows if r.id == "remote-live")

            before = live_chunks()
            await until(pilot, "the remote writer's appends", lambda: live_chunks() >= before + 2)

            # host filter: all -> local -> hostA -> down
            await pilot.press("h")
            await until(
                pilot, "local only", lambda: {r.id for r in main._visible()} == {"local-one"}
            )
            await pilot.press("h")
            await until(
                pilot,
                "hostA only",
                lambda: {r.id for r in main._visible()} == {"remote-victim", "remote-live"},
            )
            await pilot.press("h", "h")

            victim = next(
                k for k in main.table.keys if k.startswith("hostA\0") and "remote-victim" in k
            )
            main.table.select_key(victim)
            await pilot.press("d")
            await pilot.pause()
            await pilot.press("y")
            await until(
                pilot, "the remote row gone", lambda: ("hostA", "remote-victim") not in ids()
            )
            assert not (a.sessions / "remote-victim.jsonl").exists()
            assert len(list(a.trash.iterdir())) == 1
            await pilot.press("u")
            await until(pilot, "the remote row back", lambda: ("hostA", "remote-victim") in ids())
            assert (a.sessions / "remote-victim.jsonl").exists()

            writer.stop()
            await until(
                pilot,
                "the remote session closed",
                lambda: (
                    next(r.state.value for r in main.all_rows if r.id == "remote-live") == "closed"
                ),
            )

    asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (140, 36)])
def test_snapshot_list_with_hosts(fleet: Fleet, snap_compare, size: tuple[int, int]) -> None:
    """The host column, the header line (a connected host, one without sessionview), a
    local row highlighted (a remote path would be a tmp path)."""
    from tests.helpers.app import copy_fixtures, fixed_now

    home = Path(os.environ["HOME"])
    local = copy_fixtures(home, only=("230fd66b",))
    copy_fixtures(fleet.hosts["hostA"].home / ".openrath", only=("24d17466", "7d949ee9"))
    fleet.commands["nosv"] = "/bin/false"
    app = make_app(
        SessionIndex([local], use_cache=False),
        Config(),
        now=fixed_now,
        hosts=[spec(fleet, "hostA"), spec(fleet, "nosv")],
    )

    async def run_before(pilot) -> None:
        main = pilot.app.main
        await until(
            pilot,
            "both hosts answered",
            lambda: (
                len(main.all_rows) == 3
                and "nosv sessionview not found" in str(main.query_one("#hosts").render())
            ),
        )
        local_key = next(k for k in main.table.keys if not k.startswith("hostA\0"))
        main.table.select_key(local_key)
        await until(pilot, "the preview", lambda: main.query_one("#preview").is_loaded)
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


def test_remote_transcript_follows_across_a_killed_serve(fleet: Fleet, start_writer) -> None:
    import signal

    from sessionview.app.screens.remote_transcript import RemoteTranscriptScreen
    from sessionview.app.widgets.transcript_view import TranscriptView

    a = fleet.hosts["hostA"]
    writer = start_writer(a.sessions, "followed", every=0.05)
    app = make_app(SessionIndex([]), Config(), hosts=[spec(fleet, "hostA")])

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            main = app.main
            await until(pilot, "the remote row", lambda: len(main.all_rows) == 1)
            await pilot.press("enter")
            await until(
                pilot, "the transcript", lambda: isinstance(app.screen, RemoteTranscriptScreen)
            )
            view = app.screen.query_one(TranscriptView)

            def indexes() -> list[int]:
                return [c.index for c in view.chunks]

            await until(pilot, "10 chunks", lambda: len(indexes()) >= 10)
            feed = app.feeds["hostA"]
            os.kill(feed.connection().remote_pid, signal.SIGKILL)
            seen = len(indexes())
            await until(
                pilot, "chunks after the reconnect", lambda: len(indexes()) >= seen + 20, 60
            )
            writer.stop()
            await until(pilot, "the end", lambda: app.screen.ended is not None)
            assert app.screen.ended.startswith("closed")
            assert indexes() == list(range(len(indexes())))

    asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (140, 36)])
def test_snapshot_remote_transcript(fleet: Fleet, snap_compare, size: tuple[int, int]) -> None:
    """A closed remote session's transcript; the path shown as `hostA:~/...`."""
    from tests.helpers.app import copy_fixtures, fixed_now

    copy_fixtures(fleet.hosts["hostA"].home / ".openrath", only=("24d17466",))
    app = make_app(SessionIndex([]), Config(), now=fixed_now, hosts=[spec(fleet, "hostA")])

    async def run_before(pilot) -> None:
        from sessionview.app.screens.remote_transcript import RemoteTranscriptScreen

        main = pilot.app.main
        await until(pilot, "the remote row", lambda: len(main.all_rows) == 1)
        await pilot.press("enter")
        await until(
            pilot,
            "the whole transcript",
            lambda: (
                isinstance(pilot.app.screen, RemoteTranscriptScreen)
                and pilot.app.screen.loaded
                and len(pilot.app.screen.query_one("TranscriptView").chunks) == 6
            ),
        )
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)


def test_prune_in_the_tui_prunes_each_row_on_its_own_host(fleet: Fleet, tmp_path: Path) -> None:
    """The prune dialog lists remote rows with their host; confirming sends the host the
    CLI's `prune` request limited to the rows shown (a row that turned up on the host
    after the preview stays); `u` restores on each host."""
    from datetime import UTC, datetime, timedelta

    from sessionview.app.screens.prune import PruneScreen

    a = fleet.hosts["hostA"]
    local_root = tmp_path / "local-sessions"
    old = datetime.now(UTC) - timedelta(days=40)

    def closed(directory: Path, sid: str, created: datetime | None = None) -> None:
        with SessionWriter(sid, directory=directory, created_at=created) as w:
            w.append("user", {"content": sid})

    closed(local_root, "l-old", old)
    closed(local_root, "l-new")
    closed(a.sessions, "a-old", old)
    closed(a.sessions, "a-new")
    index = SessionIndex([local_root], use_cache=False)
    app = make_app(index, Config(), hosts=[spec(fleet, "hostA")])

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            main = app.main

            def ids() -> set[tuple[str | None, str]]:
                return {((r.extra or {}).get("host"), r.id) for r in main.all_rows}

            await until(pilot, "both hosts' rows", lambda: len(ids()) == 4)
            await pilot.press("p")
            await until(pilot, "the prune dialog", lambda: isinstance(app.screen, PruneScreen))
            dialog = app.screen
            assert isinstance(dialog, PruneScreen)
            await until(pilot, "the preview", lambda: dialog.plan is not None)
            assert dialog.plan is not None
            assert {(r.extra or {}).get("host", None) for r in dialog.plan.sessions} == {
                None,
                "hostA",
            }
            assert {r.id for r in dialog.plan.sessions} == {"l-old", "a-old"}
            shown = str(dialog.query_one("#prune-list").render())
            assert "hostA:a-old" in shown and "l-old" in shown
            # Old enough too, but on the host only after the preview was drawn.
            closed(a.sessions, "a-late", old)
            await until(pilot, "the late row", lambda: ("hostA", "a-late") in ids())
            await pilot.press("ctrl+y")
            await until(
                pilot,
                "both old rows gone",
                lambda: not {("hostA", "a-old"), (None, "l-old")} & ids(),
            )
            assert not (a.sessions / "a-old.jsonl").exists()
            assert (a.sessions / "a-late.jsonl").exists() and (a.sessions / "a-new.jsonl").exists()
            assert not (local_root / "l-old.jsonl").exists()
            assert [p.name for p in a.trash.iterdir()] and len(list(a.trash.iterdir())) == 1
            await pilot.press("u")
            await until(
                pilot,
                "both rows restored",
                lambda: {("hostA", "a-old"), (None, "l-old")} <= ids(),
            )
            assert (a.sessions / "a-old.jsonl").exists() and (local_root / "l-old.jsonl").exists()

    asyncio.run(run())


@pytest.mark.parametrize("size", [(80, 24), (140, 36)])
def test_snapshot_prune_with_remote_rows(fleet: Fleet, snap_compare, size: tuple[int, int]) -> None:
    """The prune preview names each remote row's host (`hostA:7d949ee9`)."""
    from tests.helpers.app import copy_fixtures, fixed_now

    home = Path(os.environ["HOME"])
    local = copy_fixtures(home, only=("230fd66b",))
    copy_fixtures(fleet.hosts["hostA"].home / ".openrath", only=("24d17466", "7d949ee9"))
    app = make_app(
        SessionIndex([local], use_cache=False),
        Config(),
        now=fixed_now,
        hosts=[spec(fleet, "hostA")],
    )

    async def run_before(pilot) -> None:
        from sessionview.app.screens.prune import PruneScreen

        main = pilot.app.main
        await until(pilot, "every row", lambda: len(main.all_rows) == 3)
        await pilot.press("p")
        await until(pilot, "the dialog", lambda: isinstance(pilot.app.screen, PruneScreen))
        await pilot.press("ctrl+a", "ctrl+k", *"6m")  # replace "30d" with "6m"
        await until(
            pilot,
            "the preview of three",
            lambda: pilot.app.screen.plan is not None and len(pilot.app.screen.plan.sessions) == 3,
        )
        await pilot.pause()

    assert snap_compare(app, run_before=run_before, terminal_size=size)
