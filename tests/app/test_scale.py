"""Many sessions: the list stays correct and cheap, and quitting mid-scan is clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionview.app import make_app
from sessionview.app.widgets.session_table import SessionTable
from sessionview.config import Config
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter
from tests.helpers.app import sync
from tests.helpers.wait import pilot_wait_until


def _many(directory: Path, count: int) -> None:
    """`count` closed sessions written directly in the writer's byte format (fast)."""
    directory.mkdir(parents=True)
    for n in range(count):
        sid = f"00000000-0000-4000-8000-{n:012d}"
        lines = [
            {
                "record_type": "header",
                "schema_version": 1,
                "id": sid,
                "created_at": f"2026-01-01T00:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
                "parent_session_ids": [],
                "lineage_operator": "implicit",
                "lineage_kind": "unknown",
                "lineage_extras": [],
                "sandbox_backend": None,
                "sandbox_spec": None,
                "sandbox_handle_id": None,
            },
            {
                "record_type": "chunk",
                "index": 0,
                "kind": "user",
                "payload": {"content": f"task {n}"},
            },
            {
                "record_type": "trailer",
                "closed_at": f"2026-01-02T00:{n // 60 % 60:02d}:{n % 60:02d}+00:00",
                "final_chunk_count": 1,
                "cumulative_usage": None,
            },
        ]
        (directory / f"{sid}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))


@pytest.mark.slow
@sync
async def test_quitting_during_the_first_scan_is_clean(tmp_path: Path) -> None:
    _many(tmp_path / "s", 3000)
    app = make_app(SessionIndex([tmp_path / "s"], use_cache=False), Config(), watch=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause(0.1)  # the scenario: quit 0.1 s into the scan
    # run_test re-raises anything the app raised while shutting down; reaching here is the test.
    assert app.return_code in (0, None)


@pytest.mark.slow
@sync
async def test_a_live_session_in_a_long_list_moves_to_the_top_and_the_cursor_stays(
    tmp_path: Path,
) -> None:
    directory = tmp_path / "s"
    _many(directory, 1500)
    app = make_app(SessionIndex([directory], use_cache=False), Config(), watch=True)
    async with app.run_test(size=(100, 30)) as pilot:
        table = app.screen.query_one(SessionTable)
        await pilot_wait_until(
            pilot, lambda: table.row_count == 1500, timeout=30, what="1500 rows listed"
        )
        await pilot_wait_until(pilot, app.watch_armed.is_set, timeout=10, what="the watcher armed")
        table.move_cursor(row=10)
        await pilot.pause()
        chosen = table.current_key
        writer = SessionWriter("live-one", directory=directory)
        writer.append("user", {"content": "a new live session"})
        try:

            def top():
                return table.info(table.keys[0])

            await pilot_wait_until(
                pilot,
                lambda: table.row_count == 1501 and top() is not None and top().id == "live-one",
                timeout=10,
                what=lambda: f"the live session on top of 1501 rows; top is {top()}",
            )
            assert top().state.value == "running"
            assert table.current_key == chosen, "the cursor must stay on its session"
            for _ in range(3):
                writer.append("assistant", {"content": "step", "tool_calls": None})
            await pilot_wait_until(
                pilot,
                lambda: top() is not None and top().chunks == 4,
                timeout=10,
                what=lambda: f"4 chunks in the top row; it is {top()}",
            )
            assert table.current_key == chosen
        finally:
            writer.close()
