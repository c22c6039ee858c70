"""Issue 13 (2, 8, 13): `end` follows, `x` with nothing cut, long tool output folded, find."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.store.writer import SessionWriter
from tests.helpers.app import build_app, settle, spy_messages, sync

SMALL = (80, 24)


def _write(root: Path, sid: str, chunks: int, *, tool_lines: int = 0, close: bool = True):
    root.mkdir(parents=True, exist_ok=True)
    w = SessionWriter(sid, directory=root, created_at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC))
    w.append("user", {"content": "start"})
    if tool_lines:
        body = "\n".join(f"output line {n}" for n in range(tool_lines))
        w.append("tool_result", {"tool_call_id": "call_1", "name": "shell", "content": body})
    for n in range(chunks):
        w.append("assistant", {"content": f"step {n} needle" if n % 10 == 3 else f"step {n}"})
    if close:
        w.close(usage=None)
    return w


async def _open(pilot, sid: str) -> tuple[TranscriptScreen, TranscriptView]:
    app = pilot.app
    await settle(pilot)
    table = app.main.table
    table.select_key(next(k for k in table.keys if table.info(k).id == sid))
    await pilot.press("enter")
    await settle(pilot, lambda: isinstance(app.screen, TranscriptScreen) and app.screen.loaded)
    screen = app.screen
    return screen, screen.query_one(TranscriptView)


@sync
async def test_end_resumes_following(home: Path) -> None:
    writer = _write(home / "sessions", "f0110000-0000-4000-8000-000000000001", 80, close=False)
    try:
        app = build_app(home / "sessions")
        async with app.run_test(size=SMALL) as pilot:
            screen, view = await _open(pilot, writer.session_id)
            assert view.following
            await pilot.press("pageup", "pageup")
            await settle(pilot)
            assert not view.following
            await pilot.press("end")
            await settle(pilot)
            assert view.following
            assert view.scroll_y == view.max_scroll_y
            assert "following" in str(screen.query_one("#transcript-status").render())
    finally:
        writer.abandon()


@sync
async def test_x_with_nothing_cut_says_so_and_stays(home: Path) -> None:
    _write(home / "sessions", "f0110000-0000-4000-8000-000000000002", 40)
    app = build_app(home / "sessions")
    notes = spy_messages(app)
    async with app.run_test(size=SMALL) as pilot:
        screen, view = await _open(pilot, "f0110000-0000-4000-8000-000000000002")
        await pilot.press("pagedown")
        await settle(pilot)
        before = view.scroll_y
        assert before > 0
        await pilot.press("x")
        await settle(pilot)
        assert view.scroll_y == before
        assert "nothing to expand" in notes


@sync
async def test_long_tool_output_is_folded_and_x_unfolds_it(home: Path) -> None:
    _write(home / "sessions", "f0110000-0000-4000-8000-000000000003", 2, tool_lines=300)
    app = build_app(home / "sessions")
    async with app.run_test(size=(120, 36)) as pilot:
        screen, view = await _open(pilot, "f0110000-0000-4000-8000-000000000003")
        folded = view.total_rows
        assert folded < 40
        text = "\n".join(view.render_line(y).text for y in range(view.size.height))
        assert "output line 9" in text and "output line 10" not in text
        assert "... 290 more lines (x expands)" in text
        await pilot.press("x")
        await settle(pilot)
        assert view.total_rows == folded + 289  # 300 lines instead of 10 and the marker
        await pilot.press("x")  # fold again
        await settle(pilot)
        assert view.total_rows == folded


@sync
async def test_find_highlights_and_n_N_jump_between_matches(home: Path) -> None:
    sid = "f0110000-0000-4000-8000-000000000004"
    _write(home / "sessions", sid, 400, tool_lines=300)
    app = build_app(home / "sessions")
    async with app.run_test(size=SMALL) as pilot:
        screen, view = await _open(pilot, sid)
        await pilot.press("slash", *"NEEDLE", "enter")
        await settle(pilot, lambda: screen.find_done and screen.find_chunks)
        # "step n needle" for every n % 10 == 3: 40 chunks (positions 5, 15, ...).
        assert screen.find_chunks == [n + 2 for n in range(400) if n % 10 == 3]
        assert app.focused is view
        seen = []
        for _ in range(3):
            shown = view.visible_chunks()
            seen.append(min(i for i in screen.find_chunks if i in shown))
            text = "\n".join(view.render_line(y).text for y in range(view.size.height))
            assert "needle" in text
            await pilot.press("n")
            await settle(pilot)
        assert seen == [5, 15, 25]
        await pilot.press("N", "N")
        await settle(pilot)
        assert 15 in view.visible_chunks()
        status = str(screen.query_one("#transcript-status").render())
        assert "40 chunks match" in status
        await pilot.press("escape")  # clears the find, stays in the transcript
        await settle(pilot)
        assert screen.find_query == "" and app.screen is screen
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main


@sync
async def test_find_unfolds_a_match_inside_folded_output(home: Path) -> None:
    sid = "f0110000-0000-4000-8000-000000000005"
    _write(home / "sessions", sid, 2, tool_lines=300)
    app = build_app(home / "sessions")
    async with app.run_test(size=SMALL) as pilot:
        screen, view = await _open(pilot, sid)
        await pilot.press("slash", *"output line 250", "enter")
        await settle(pilot, lambda: screen.find_done and screen.find_chunks)
        text = "\n".join(view.render_line(y).text for y in range(view.size.height))
        assert "output line 250" in text
