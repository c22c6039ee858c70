"""The app with watching ON while a real writer appends, closes, dies, and files vanish."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import orjson

from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.session_table import session_key
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.store.model import SessionState
from sessionview.store.writer import SessionWriter
from tests.helpers.app import SIZE, build_app, copy_fixtures, copy_formats, settle, sync


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
        await settle(pilot, lambda: _row(app, writer) is not None and app.watch_armed.is_set())
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
        await settle(pilot, lambda: len(app.main.all_rows) == 3 and app.watch_armed.is_set())
        os.unlink(root / "230fd66b-c1a9-48f7-9181-064ac2297361.jsonl")
        await settle(pilot, lambda: len(app.main.all_rows) == 2)
        assert all(not r.id.startswith("230fd66b") for r in app.main.all_rows)
        # A new file appears.
        with SessionWriter(directory=root) as w:
            w.append("user", {"content": "brand new"})
        await settle(pilot, lambda: len(app.main.all_rows) == 3)


@sync
async def test_sessions_directory_deleted_and_recreated(home: Path) -> None:
    """The watcher survives its directory going away: the rows go, and a session written
    into the re-created directory appears (the old watcher stayed on the dead inode)."""
    root = _root(home)
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 3)
        await settle(pilot, app.watch_armed.is_set, what="the watcher to be armed")
        shutil.rmtree(root)
        await settle(pilot, lambda: not app.main.all_rows, timeout=10)
        assert app.main.all_rows == []
        root.mkdir()
        with SessionWriter(directory=root) as w:
            w.append("user", {"content": "after the directory came back"})
        await settle(pilot, lambda: len(app.main.all_rows) == 1, timeout=10)
        row = app.main.all_rows[0]
        assert row.id == w.session_id and row.state is SessionState.CLOSED
        # And it is still watched afterwards.
        await settle(pilot, app.watch_armed.is_set, what="the watcher to be armed again")
        with SessionWriter(directory=root) as w2:
            w2.append("user", {"content": "one more"})
        await settle(pilot, lambda: len(app.main.all_rows) == 2, timeout=10)
        assert app.is_running


@sync
async def test_root_missing_at_startup_is_watched_once_it_appears(home: Path) -> None:
    root = home / "later" / "sessions"
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.main.all_rows == []
        await settle(pilot, app.watch_armed.is_set, what="the watcher to wait for the root")
        root.mkdir(parents=True)
        with SessionWriter(directory=root) as w:
            w.append("user", {"content": "first session in a new root"})
        await settle(pilot, lambda: len(app.main.all_rows) == 1, timeout=10)
        assert app.main.all_rows[0].id == w.session_id


@sync
async def test_abandoned_writer_becomes_crashed(home: Path, writers) -> None:
    root = _root(home)
    writer = SessionWriter(directory=root)
    writer.append("user", {"content": "about to die"})
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: _row(app, writer) is not None and app.watch_armed.is_set())
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


# ------------------------------------------------------------- other formats
CLAUDE_SID = "5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8"


def _claude_record(kind: str, uuid: str, parent: str, content) -> bytes:
    record = {
        "parentUuid": parent,
        "isSidechain": False,
        "userType": "external",
        "cwd": "/home/alice/src/app",
        "sessionId": CLAUDE_SID,
        "version": "2.1.30",
        "type": kind,
        "message": {"role": kind, "content": content},
        "uuid": uuid,
        "timestamp": "2026-03-02T09:16:00.000Z",
    }
    if kind == "assistant":
        record["message"] |= {"id": f"msg_{uuid}", "type": "message", "model": "claude"}
    return orjson.dumps(record) + b"\n"


@sync
async def test_claude_append_shows_in_open_transcript(home: Path) -> None:
    root = copy_formats(home, ("claude",))
    path = root / f"{CLAUDE_SID}.jsonl"
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 1 and app.watch_armed.is_set())
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        await settle(pilot, lambda: screen.loaded)
        view = screen.query_one(TranscriptView)
        before = len(view.chunks)
        assert before == 4
        with path.open("ab") as fh:
            fh.write(_claude_record("user", "u9", "a2", "Now add a --quiet flag too."))
            fh.write(
                _claude_record(
                    "assistant",
                    "a9",
                    "u9",
                    [
                        {"type": "text", "text": "Adding --quiet."},
                        {
                            "type": "tool_use",
                            "id": "toolu_09",
                            "name": "Edit",
                            "input": {"file_path": "cli.py"},
                        },
                    ],
                )
            )
        await settle(pilot, lambda: len(view.chunks) == before + 2)
        user, assistant = view.chunks[-2:]
        assert (user.kind, user.index) == ("user", before)
        assert user.payload["content"] == "Now add a --quiet flag too."
        assert assistant.kind == "assistant" and assistant.index == before + 1
        assert assistant.payload["tool_calls"][0]["function"]["name"] == "Edit"
        assert view.unseen == 2  # a closed session opens at the top: not following
        await pilot.press("end")
        await settle(pilot)
        assert view.following and view.scroll_y == view.max_scroll_y


@sync
async def test_tool_result_appended_after_a_full_load_has_its_tool_name(home: Path) -> None:
    """The tool call is read by the full load, its result by the tail: the result must
    still carry the tool's name (the screen's decoding state carries it over)."""
    root = copy_formats(home, ("claude",))
    path = root / f"{CLAUDE_SID}.jsonl"
    with path.open("ab") as fh:
        call = {"type": "tool_use", "id": "toolu_live_1", "name": "Grep", "input": {"q": "x"}}
        fh.write(_claude_record("assistant", "a9", "a2", [call]))
        # More lines after the call than the preview pane reads from the end, so only
        # the transcript's own full load sees the call.
        for n in range(20):  # PREVIEW_CHUNKS is 12
            fh.write(_claude_record("assistant", f"a9{n}", "a9", [{"type": "text", "text": "…"}]))
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 1 and app.watch_armed.is_set())
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        await settle(pilot, lambda: screen.loaded)
        view = screen.query_one(TranscriptView)
        before = len(view.chunks)
        result = {"type": "tool_result", "tool_use_id": "toolu_live_1", "content": "3 hits"}
        with path.open("ab") as fh:
            fh.write(_claude_record("user", "u10", "a9", [result]))
        await settle(pilot, lambda: len(view.chunks) == before + 1)
        chunk = view.chunks[-1]
        assert chunk.kind == "tool_result" and chunk.payload["content"] == "3 hits"
        assert chunk.payload["name"] == "Grep"


def _nanobot_lines(messages: list[str]) -> bytes:
    meta = {
        "_type": "metadata",
        "key": "cli:live",
        "created_at": "2026-03-01T18:02:11.402113",
        "updated_at": "2026-03-01T18:04:40.918277",
        "metadata": {},
        "last_consolidated": 0,
    }
    lines = [orjson.dumps(meta)]
    for n, text in enumerate(messages):
        role = "user" if n % 2 == 0 else "assistant"
        stamp = f"2026-03-01T18:{n // 60:02d}:{n % 60:02d}.000000"
        lines.append(orjson.dumps({"role": role, "content": text, "timestamp": stamp}))
    return b"\n".join(lines) + b"\n"


def _rewrite(path: Path, data: bytes) -> None:
    """What nanobot does: write a temporary file, then rename it over the session."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


@sync
async def test_nanobot_rewrite_rereads_and_keeps_scroll(home: Path) -> None:
    root = home / "sessions"
    root.mkdir()
    path = root / "cli_live.jsonl"
    messages = [f"message {n}" for n in range(40)]
    path.write_bytes(_nanobot_lines(messages))
    app = build_app(root, watch=True)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 1 and app.watch_armed.is_set())
        await pilot.press("enter")
        screen = app.screen
        await settle(pilot, lambda: screen.loaded)
        view = screen.query_one(TranscriptView)
        assert len(view.chunks) == 40 and view.max_scroll_y > 20
        view.scroll_to(y=17, animate=False)
        await settle(pilot)
        assert view.scroll_y == 17

        _rewrite(path, _nanobot_lines([*messages, "message 40"]))  # grew by one
        await settle(pilot, lambda: len(view.chunks) == 41)
        assert view.chunks[-1].payload["content"] == "message 40"
        assert view.scroll_y == 17 and view.unseen == 1
        status = str(screen.query_one("#transcript-status").render())
        assert "1 new chunk " in status + " " and "1 new chunks" not in status, status

        edited = ["edited first message", *messages[1:], "message 40"]  # rewritten in place
        _rewrite(path, _nanobot_lines(edited))
        await settle(pilot, lambda: view.chunks[0].payload["content"] == "edited first message")
        assert len(view.chunks) == 41 and view.scroll_y == 17

        path.unlink()
        await settle(pilot, lambda: screen.ended is not None)
        assert screen.ended == "the file was deleted"


@sync
async def test_opening_a_busy_session_keeps_following(home: Path, writers) -> None:
    """Regression: the first layout clamped scroll_y, which read as "scrolled up"."""
    root = home / "sessions"
    root.mkdir()
    writer = SessionWriter(directory=root)
    writers.append(writer)
    for n in range(6):
        writer.append("assistant", {"content": f"chunk {n}\n" * 3})
    app = build_app(root, watch=True)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 1 and app.watch_armed.is_set())
        await pilot.press("enter")
        screen = app.screen
        view = screen.query_one(TranscriptView)
        for n in range(8):
            writer.append("assistant", {"content": f"more {n}\n" * 4})
            await asyncio.sleep(0.1)  # the scenario: a writer pacing its appends
        await settle(pilot, lambda: len(view.chunks) == 14)
        assert view.following and view.unseen == 0
        assert view.scroll_y == view.max_scroll_y
