"""The app with watching ON while a real writer appends, closes, dies, and files vanish."""

from __future__ import annotations

import asyncio
import functools
import os
from pathlib import Path

from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.session_table import session_key
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.store.model import SessionState
from sessionview.store.writer import SessionWriter
from tests.app.conftest import SIZE, build_app, copy_fixtures, settle


def sync(fn):
    """Run an async test with asyncio (no async pytest plugin is installed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def _row(app, writer: SessionWriter):
    for info in app.main.all_rows:
        if info.id == writer.session_id:
            return info
    return None


def _root(home: Path) -> Path:
    return copy_fixtures(home, only=("230fd66b", "24d17466", "7d949ee9"))


@sync
async def test_appends_show_in_list_and_followed_transcript(home: Path, writers) -> None:
    root = _root(home)
    writer = SessionWriter(directory=root)
    writers.append(writer)
    writer.append("user", {"content": "live session"})
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: _row(app, writer) is not None)
        table = app.main.table
        key = session_key(_row(app, writer))
        assert _row(app, writer).state is SessionState.RUNNING
        # Put the cursor on another session: live updates must not move it.
        other = next(k for k in table.keys if k != key)
        table.select_key(other)
        for n in range(3):
            writer.append("assistant", {"content": f"chunk {n}"})
        await settle(pilot, lambda: _row(app, writer).chunks == 4)
        assert table.current_key == other

        table.select_key(key)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        await settle(pilot, lambda: screen.loaded)
        view = screen.query_one(TranscriptView)
        assert len(view.chunks) == 4 and view.following
        writer.append("assistant", {"content": "followed chunk"})
        await settle(pilot, lambda: len(view.chunks) == 5)
        assert view.scroll_y == view.max_scroll_y

        writer.close()
        await settle(pilot, lambda: screen.ended is not None)
        assert "closed" in screen.ended
        await pilot.press("escape")
        await settle(pilot, lambda: _row(app, writer).state is SessionState.CLOSED)
        row = _row(app, writer)
        assert row.path.endswith(".jsonl") and session_key(row) == key
        assert table.current_key == key  # the rename flipped the row in place


@sync
async def test_deleted_file_vanishes(home: Path) -> None:
    root = _root(home)
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 3)
        os.unlink(root / "230fd66b-c1a9-48f7-9181-064ac2297361.jsonl")
        await settle(pilot, lambda: len(app.main.all_rows) == 2)
        assert all(not r.id.startswith("230fd66b") for r in app.main.all_rows)
        # A new file appears.
        with SessionWriter(directory=root) as w:
            w.append("user", {"content": "brand new"})
        await settle(pilot, lambda: len(app.main.all_rows) == 3)


@sync
async def test_abandoned_writer_becomes_crashed(home: Path, writers) -> None:
    root = _root(home)
    writer = SessionWriter(directory=root)
    writer.append("user", {"content": "about to die"})
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: _row(app, writer) is not None)
        assert _row(app, writer).state is SessionState.RUNNING
        writer.abandon()  # releases the lock without a trailer: what a crash leaves
        await settle(pilot, lambda: _row(app, writer).state is SessionState.CRASHED, timeout=5)


@sync
async def test_delete_undo_and_running_refused(home: Path, writers) -> None:
    root = _root(home)
    writer = SessionWriter(directory=root)
    writers.append(writer)
    writer.append("user", {"content": "busy"})
    app = build_app(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 4)
        table = app.main.table
        running = next(k for k in table.keys if writer.session_id in k)
        table.select_key(running)
        await pilot.press("d")
        await settle(pilot)
        assert not isinstance(app.screen, type(app.main)) or app.screen is app.main  # no dialog
        assert (root / f"{writer.session_id}.jsonl.__partial__").exists()

        closed = next(k for k in table.keys if "230fd66b" in k)
        table.select_key(closed)
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot, lambda: len(app.main.all_rows) == 3)
        assert not (root / "230fd66b-c1a9-48f7-9181-064ac2297361.jsonl").exists()
        await pilot.press("u")
        await settle(pilot, lambda: len(app.main.all_rows) == 4)
        assert (root / "230fd66b-c1a9-48f7-9181-064ac2297361.jsonl").exists()


@sync
async def test_filter_keys(home: Path) -> None:
    root = _root(home)
    app = build_app(root, watch=False)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 3)
        await pilot.press("slash", *"rebase")
        await settle(pilot)
        assert len(app.main.table.keys) == 1
        await pilot.press("escape")
        await settle(pilot)
        assert app.main.filter_text == "", repr(app.main.filter_text)
        assert len(app.main.table.keys) == 3, app.main.state_filter
        await pilot.press("3")  # crashed only
        await settle(pilot)
        assert len(app.main.table.keys) == 1
        await pilot.press("1")
        await settle(pilot)
        assert len(app.main.table.keys) == 3
