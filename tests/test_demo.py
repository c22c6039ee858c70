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
            return states == {"running", "crashed", "closed"} and huge > 1_000_000

        wait_until(
            every_state_and_the_huge_result,
            timeout=20,
            what=lambda: f"running, crashed and closed sessions and a huge tool result; saw {last}",
            interval=0.1,
        )
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
    assert "Demo" in seen["banner"] and str(seen["root"]) in seen["banner"]
    assert not seen["root"].exists()
    assert not seen["root"].parent.exists()
