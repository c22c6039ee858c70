"""`sessionview --demo`: real simulated agents, the real app, and a clean exit."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sessionview.config import Config
from sessionview.demo import DemoAgents, run_demo
from sessionview.store.index import SessionIndex
from sessionview.store.liveness import LivenessProbe
from tests.helpers.wait import pilot_wait_until, wait_until


def test_demo_agents_produce_every_state_and_release_their_locks(tmp_path: Path) -> None:
    agents = DemoAgents(tmp_path / "sessions", speed=25)
    agents.start()
    try:
        index = SessionIndex([tmp_path / "sessions"], use_cache=False)
        last: list[tuple[set[str], int]] = []  # (states, bytes of the huge session)

        def every_state_and_the_huge_result() -> bool:
            rows = index.scan()
            states = {s.state.value for s in rows}
            huge = max(
                [s.bytes for s in rows if s.title.startswith("Read the whole server log")] or [0]
            )
            last[:] = [(states, huge)]
            return {"running", "crashed", "closed"} <= states and huge > 1_000_000

        wait_until(
            every_state_and_the_huge_result,
            timeout=20,
            what=lambda: f"running, crashed and closed sessions and a huge tool result; saw {last}",
            interval=0.1,
        )
        assert last[-1][0] == {"running", "crashed", "closed", "corrupt"}  # the seeded broken file
    finally:
        agents.stop()
    probe = LivenessProbe()
    for path in (tmp_path / "sessions").glob("*.__partial__"):
        held, _ = probe.is_locked(str(path), path.stat())
        assert not held, f"{path} still locked after stop()"


def test_run_demo_opens_the_app_with_a_banner_and_removes_its_directory() -> None:
    seen: dict[str, Any] = {}

    def drive(app: Any) -> None:
        async def go() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                root = app.index.roots[0].path
                seen["root"] = root
                await pilot_wait_until(
                    pilot,
                    lambda: len(app.index.sessions()) >= 5,
                    timeout=20,
                    what=lambda: f"5 sessions listed; {len(app.index.sessions())} are",
                    interval=0.1,
                )
                seen["rows"] = len(app.index.sessions())
                seen["banner"] = app.banner
                assert root.is_dir()
                await pilot.press("q")

        asyncio.run(go())

    assert run_demo(Config(), runner=drive) == 0
    assert seen["rows"] >= 5
    assert "Demo" in seen["banner"] and str(seen["root"].parent) in seen["banner"]
    assert not seen["root"].exists()
    assert not seen["root"].parent.exists()


def test_the_demo_leaves_the_users_config_cache_and_trash_alone(isolated_home: Path) -> None:
    """Issue 13.5: a delete and a theme picked in the demo stay in the demo."""
    import os

    from sessionview.app.screens.confirm import ConfirmScreen
    from sessionview.store.actions import default_trash_dir, list_trash
    from sessionview.store.model import SessionState

    env_before = dict(os.environ)
    user_trash = default_trash_dir()
    seen: dict[str, Any] = {}

    def drive(app: Any) -> None:
        async def go() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                seen["root"] = app.index.roots[0].path
                table = app.main.table

                def a_closed_row() -> str | None:
                    return next(
                        (k for k in table.keys if table.info(k).state is SessionState.CLOSED),
                        None,
                    )

                await pilot_wait_until(pilot, a_closed_row, timeout=20, what="a closed session")
                table.select_key(a_closed_row())
                await pilot.press("d")
                await pilot_wait_until(
                    pilot,
                    lambda: isinstance(app.screen, ConfirmScreen),
                    timeout=10,
                    what="the confirmation",
                )
                await pilot.press("y")
                await pilot_wait_until(
                    pilot, list_trash, timeout=10, what="the delete in the demo's trash"
                )
                seen["demo_trash"] = default_trash_dir()
                seen["trashed"] = len(list_trash())
                app.theme = "sessionview-light"
                await pilot_wait_until(
                    pilot,
                    lambda: config_mod.config_path().exists(),
                    timeout=10,
                    what="the demo's config file",
                )
                seen["demo_config"] = config_mod.config_path()
                await pilot.press("q")

        asyncio.run(go())

    from sessionview import config as config_mod

    assert run_demo(runner=drive) == 0
    assert seen["trashed"] == 1, "the delete never reached the demo's trash"
    assert str(seen["demo_trash"]).startswith(str(seen["root"].parent))
    assert str(seen["demo_config"]).startswith(str(seen["root"].parent))
    assert not user_trash.exists() and list_trash() == []
    assert not config_mod.config_path().exists()
    assert not seen["root"].parent.exists()
    assert dict(os.environ) == env_before


def test_the_demo_is_varied_and_bounded(tmp_path: Path) -> None:
    """Issue 13.10: titles, lengths, lineage, a corrupt file, a second format."""
    from sessionview.demo import CRASHED_SESSIONS, FINISHED_SESSIONS
    from sessionview.store.roots import Root

    agents = DemoAgents(tmp_path / "sessions", speed=50, snapshots=tmp_path / "ws" / ".sessions")
    agents.start()
    try:
        index = SessionIndex(
            [
                Root(tmp_path / "sessions", "openrath"),
                Root(tmp_path / "ws" / ".sessions", "snapshot"),
            ],
            use_cache=False,
        )
        wait_until(
            lambda: len([r for r in index.scan() if r.state.value == "closed"]) >= 12,
            timeout=60,
            what="12 closed demo sessions",
            interval=0.2,
        )
        rows = index.scan()
    finally:
        agents.stop()
    states = {r.state.value for r in rows}
    assert {"closed", "crashed", "corrupt"} <= states
    assert {r.format for r in rows} == {"openrath", "snapshot"}
    titles = [r.title for r in rows if r.title]
    assert len(set(titles)) >= len(titles) - 3, titles
    closed = [r for r in rows if r.state.value == "closed"]
    assert len({r.chunks for r in closed}) >= 4
    assert len({r.total_tokens for r in closed}) >= 6
    children = [r for r in rows if r.parents]
    assert len(children) == 2 and len({c.parents[0] for c in children}) == 1
    assert {r.id for r in rows} >= {children[0].parents[0]}
    assert len(rows) <= 12 + FINISHED_SESSIONS + CRASHED_SESSIONS
