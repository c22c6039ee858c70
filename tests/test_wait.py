"""The one wait helper fails loudly: it raises with what it waited for, never returns quietly."""

from __future__ import annotations

import asyncio
import threading

import pytest

from tests.helpers.app import build_app, copy_fixtures, settle
from tests.helpers.wait import WaitTimeout, pilot_wait_until, wait_until


def test_wait_until_returns_once_the_condition_holds() -> None:
    done = threading.Event()
    threading.Timer(0.05, done.set).start()
    wait_until(done.is_set, timeout=10, what="the timer")
    assert done.is_set()


def test_wait_until_raises_with_what_it_waited_for() -> None:
    seen = [1, 2]
    with pytest.raises(WaitTimeout, match=r"after 0.05 s waiting for three items; saw \[1, 2\]"):
        wait_until(lambda: len(seen) == 3, timeout=0.05, what=lambda: f"three items; saw {seen}")


def test_settle_raises_naming_the_condition(isolated_home) -> None:
    app = build_app(copy_fixtures(isolated_home))

    async def run() -> None:
        async with app.run_test() as pilot:
            await pilot_wait_until(pilot, lambda: app.main.all_rows, timeout=10, what="the rows")
            with pytest.raises(WaitTimeout, match="len.app.main.all_rows. == 999"):
                await settle(pilot, lambda: len(app.main.all_rows) == 999, timeout=0.2)
            with pytest.raises(WaitTimeout, match="a thousand rows"):
                await settle(pilot, lambda: False, timeout=0.2, what="a thousand rows")

    asyncio.run(run())
