"""Issue 11, item 1, in the app: `d` and bulk delete never touch a file a live OpenRath
writer (OpenRath's own `SessionWriter`, in another process) holds, even when the list
was drawn before that writer started."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from real_openrath import holding_writer, write

from sessionview.app.screens.confirm import ConfirmScreen
from sessionview.store.model import SessionState
from tests.helpers.app import SIZE, build_app, settle, spy_notes, sync


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


async def _until(pilot, condition, what: str, timeout: float = 10.0) -> None:
    await settle(pilot, condition, timeout=timeout)
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await pilot.pause(0.02)


def _key(app, sid: str) -> str:
    return next(k for k in app.main.table.keys if sid in k)


def _two_closed(home: Path) -> tuple[Path, str, str]:
    root = home / "sessions"
    root.mkdir()
    busy, idle = str(uuid.uuid4()), str(uuid.uuid4())
    write("closed", root, busy)
    write("closed", root, idle)
    return root, busy, idle


@sync
async def test_d_refuses_a_session_a_writer_reopened_after_the_list_was_drawn(home: Path) -> None:
    root, busy, idle = _two_closed(home)
    app = build_app(root, watch=False)  # no refresh: the list stays as first drawn
    notes = spy_notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await _until(pilot, lambda: len(app.main.all_rows) == 2, "two rows")
        assert {r.state for r in app.main.all_rows} == {SessionState.CLOSED}
        with holding_writer(root, busy):
            before = _files(root)
            # One row: `d`, confirm.
            app.main.table.select_key(_key(app, busy))
            await pilot.press("d")
            await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
            await pilot.press("y")
            await _until(pilot, lambda: any(t == "not deleted" for t, _ in notes), "a refusal")
            assert _files(root) == before
            refusal = next(m for t, m in notes if t == "not deleted")
            assert busy in refusal and "running" in refusal
            # Both rows marked: the idle one goes, the busy one is refused.
            notes.clear()
            for sid in (busy, idle):
                app.main.table.select_key(_key(app, sid))
                await pilot.press("space")
            await pilot.press("d")
            await _until(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the dialog")
            await pilot.press("y")
            await _until(pilot, lambda: any(t == "not deleted" for t, _ in notes), "a refusal")
            assert not (root / f"{idle}.jsonl").exists()
            assert {n: b for n, b in before.items() if busy in n} == _files(root)


@sync
async def test_d_on_a_row_listed_running_opens_no_dialog(home: Path) -> None:
    root, busy, _idle = _two_closed(home)
    with holding_writer(root, busy):
        before = _files(root)
        app = build_app(root, watch=False)
        notes = spy_notes(app)
        async with app.run_test(size=SIZE) as pilot:
            await _until(pilot, lambda: len(app.main.all_rows) == 2, "two rows")
            row = next(r for r in app.main.all_rows if r.id == busy)
            assert row.state is SessionState.RUNNING  # the live file wins over the closed one
            assert len(row.file_states) == 2
            app.main.table.select_key(_key(app, busy))
            await pilot.press("d")
            await _until(
                pilot,
                lambda: any("cannot delete a running session" in t for t, _ in notes),
                "the warning",
            )
            assert not isinstance(app.screen, ConfirmScreen)
            assert _files(root) == before
