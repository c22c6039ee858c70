"""A huge session opens at once: a slice is on screen while the whole file is read."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sessionview.app.screens import transcript as transcript_screen
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.store.follow import Follower
from sessionview.store.writer import SessionWriter
from tests.helpers.app import SIZE, build_app, sync
from tests.helpers.wait import pilot_wait_until


def _session(directory: Path, chunks: int, *, close: bool) -> SessionWriter:
    writer = SessionWriter("big-session", directory=directory)
    for n in range(chunks):
        writer.append("user" if n % 2 == 0 else "assistant", {"content": f"message {n}"})
    if close:
        writer.close()
    return writer


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> threading.Event:
    """Every file counts as huge, and the full read waits until the test opens the gate
    (the real read then runs unchanged): the quick view is observable deterministically."""
    opened = threading.Event()
    real = Follower.poll

    def gated(self: Follower) -> list:
        if not opened.wait(20):
            raise AssertionError("the test never opened the gate of the full read")
        return real(self)

    monkeypatch.setattr(transcript_screen, "QUICK_VIEW_BYTES", 0)
    monkeypatch.setattr(transcript_screen, "QUICK_VIEW_CHUNKS", 50)
    monkeypatch.setattr(Follower, "poll", gated)
    return opened


async def _open(pilot, app, follow: bool) -> TranscriptScreen:
    await pilot_wait_until(pilot, app.index.sessions, timeout=10, what="the session listed")
    app.push_screen(TranscriptScreen(app.index.sessions()[0], follow=follow))
    await pilot.pause()
    assert isinstance(app.screen, TranscriptScreen)
    return app.screen


@sync
async def test_closed_session_shows_its_first_chunks_before_the_full_read(
    home: Path, gate: threading.Event
) -> None:
    root = home / "sessions"
    _session(root, 400, close=True)
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _open(pilot, app, follow=False)
        view = screen.query_one(TranscriptView)
        await pilot_wait_until(
            pilot, lambda: len(view.chunks) == 50, timeout=10, what="the first 50 chunks shown"
        )
        assert not screen.loaded
        assert [c.index for c in view.chunks] == list(range(50))
        assert "showing the first 50 chunks" in str(screen.query_one("#transcript-status").render())
        gate.set()
        await pilot_wait_until(pilot, lambda: screen.loaded, timeout=10, what="the full read")
        assert [c.index for c in view.chunks] == list(range(400))


@sync
async def test_followed_session_shows_its_last_chunks_before_the_full_read(
    home: Path, gate: threading.Event
) -> None:
    root = home / "sessions"
    writer = _session(root, 400, close=False)
    try:
        app = build_app(root)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open(pilot, app, follow=True)
            view = screen.query_one(TranscriptView)
            await pilot_wait_until(
                pilot, lambda: len(view.chunks) == 50, timeout=10, what="the first 50 chunks shown"
            )
            assert not screen.loaded
            assert [c.index for c in view.chunks] == list(range(350, 400))
            gate.set()
            await pilot_wait_until(pilot, lambda: screen.loaded, timeout=10, what="the full read")
            assert len(view.chunks) == 400
            writer.append("assistant", {"content": "one more"})
            await pilot_wait_until(
                pilot, lambda: len(view.chunks) == 401, timeout=10, what="the appended chunk shown"
            )
    finally:
        writer.close()
