"""The one way a test waits: poll an observable condition until it holds, and fail with
what it was waiting for when the deadline passes. Never a fixed sleep, never a timeout
that returns quietly and lets a later assertion fail for the wrong reason."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

#: `what` is a description, or a function that builds one at the deadline (so it can say
#: what was seen by then).
What = str | Callable[[], str]


class WaitTimeout(AssertionError):
    """A condition did not hold in time (an AssertionError, so pytest reports it as a failure)."""


def _describe(what: What, timeout: float) -> str:
    text = what() if callable(what) else what
    return f"timed out after {timeout:g} s waiting for {text}"


def wait_until(
    condition: Callable[[], Any], *, timeout: float, what: What, interval: float = 0.01
) -> Any:
    """`condition()`'s value as soon as it is true; raise WaitTimeout after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (value := condition()):
        if time.monotonic() >= deadline:
            raise WaitTimeout(_describe(what, timeout))
        time.sleep(interval)
    return value


async def pilot_wait_until(
    pilot: Any,
    condition: Callable[[], Any],
    *,
    timeout: float,
    what: What,
    interval: float = 0.02,
) -> None:
    """`wait_until` for a Textual pilot: the app's pending messages are processed between
    polls (`pilot.pause()`), so the condition sees what the app did meanwhile."""
    deadline = time.monotonic() + timeout
    await pilot.pause()
    while not condition():
        if time.monotonic() >= deadline:
            raise WaitTimeout(_describe(what, timeout))
        await asyncio.sleep(interval)
        await pilot.pause()
