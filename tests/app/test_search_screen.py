"""The search screen over a real index: snapshots, opening a hit, live sessions appearing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from sessionview.app.screens.search import SearchScreen
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.store.search import SearchIndex
from tests.helpers.app import build_app, copy_fixtures, settle, start_running, sync

SIZES = [(80, 24), (160, 45)]


class GatedIndex(SearchIndex):
    """A real index whose first build stops after its first file until released:
    the "building" state held still for a snapshot."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()

    def update(self, sessions, *, progress=None, stop=None):
        def held(done, total, done_bytes, total_bytes):
            if progress is not None:
                progress(done, total, done_bytes, total_bytes)
            while not self.gate.wait(0.05):
                if stop is not None and stop.is_set():
                    return

        return super().update(sessions, progress=held, stop=stop)


def _search(app) -> SearchScreen:
    screen = app.screen
    assert isinstance(screen, SearchScreen), screen
    return screen


async def open_search(pilot, query: str, index: SearchIndex | None = None) -> SearchScreen:
    await settle(pilot)
    if index is None:
        await pilot.press("s")
    else:
        pilot.app.push_screen(SearchScreen(index))
    await settle(pilot, lambda: isinstance(pilot.app.screen, SearchScreen))
    screen = _search(pilot.app)
    if index is None:
        await settle(pilot, lambda: not screen.building, timeout=30)
        assert not screen.building, "the index was not built within 30 s"
    await pilot.press(*query)
    answered = lambda: screen.answer is not None and screen.answer.query == query  # noqa: E731
    await settle(pilot, answered, timeout=30)
    assert answered(), f"no answer to {query!r} within 30 s"
    return screen


@pytest.mark.parametrize("size", SIZES)
def test_results(snap_compare, home: Path, size) -> None:
    root = copy_fixtures(home)

    async def run_before(pilot) -> None:
        screen = await open_search(pilot, "tests")
        assert screen.answer.results

    assert snap_compare(build_app(root), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_no_results(snap_compare, home: Path, size) -> None:
    root = copy_fixtures(home)

    async def run_before(pilot) -> None:
        screen = await open_search(pilot, '"unbalanced AND (')
        assert screen.answer.results == []

    assert snap_compare(build_app(root), run_before=run_before, terminal_size=size)


@pytest.mark.parametrize("size", SIZES)
def test_building_with_progress(snap_compare, home: Path, size) -> None:
    root = copy_fixtures(home)
    index = GatedIndex()

    async def run_before(pilot) -> None:
        screen = await open_search(pilot, "hello", index)
        assert screen.building and screen.answer.partial

    try:
        assert snap_compare(build_app(root), run_before=run_before, terminal_size=size)
    finally:
        index.gate.set()


@sync
async def test_enter_opens_the_transcript_at_the_hit_and_n_steps(home: Path) -> None:
    from sessionview.store.writer import SessionWriter

    root = copy_fixtures(home, only=("24d17466",))
    with SessionWriter("5ca1ab1e-0000-4000-8000-000000000009", directory=root) as w:
        for n in range(200):
            text = f"step {n} quixotic" if n in (120, 170) else f"step {n}"
            w.append("user" if n % 2 == 0 else "assistant", {"content": text})
        w.close()
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_search(pilot, "quixotic")
        assert [h.chunk for h in screen.answer.results[0].hits] == [120, 170]
        await pilot.press("enter")  # into the results, the first hit highlighted
        await pilot.press("enter")
        opened = lambda: isinstance(app.screen, TranscriptScreen) and app.screen.loaded  # noqa: E731
        await settle(pilot, opened)
        assert opened(), "the transcript did not open"
        transcript = app.screen
        assert isinstance(transcript, TranscriptScreen)
        view = transcript.query_one(TranscriptView)
        await settle(pilot, lambda: view.visible_chunks().start == 120)
        assert view.visible_chunks().start == 120
        await pilot.press("n")
        await settle(pilot, lambda: view.visible_chunks().start == 170)
        assert view.visible_chunks().start == 170
        await pilot.press("N")
        await settle(pilot, lambda: view.visible_chunks().start == 120)
        assert view.visible_chunks().start == 120
        await pilot.press("escape")
        await settle(pilot, lambda: isinstance(app.screen, SearchScreen))
        assert isinstance(app.screen, SearchScreen)


@sync
async def test_a_live_session_with_a_new_match_appears(home: Path, writers) -> None:
    root = copy_fixtures(home, only=("24d17466",))
    writer = start_running(root)
    writers.append(writer)
    app = build_app(root, watch=True)
    async with app.run_test(size=(120, 36)) as pilot:
        screen = await open_search(pilot, "zanzibar")
        assert screen.answer.results == []
        writer.append("assistant", {"content": "the zanzibar deployment is green"})
        appeared = lambda: [r.info.id for r in screen.answer.results] == [writer.session_id]  # noqa: E731
        await settle(pilot, appeared, timeout=15)
        assert appeared(), "the new matching chunk did not appear within 15 s"


@sync
async def test_unusable_cache_dir_says_search_is_unavailable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = home / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    root = copy_fixtures(home, only=("24d17466",))
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        screen = app.screen
        assert isinstance(screen, SearchScreen)
        await settle(pilot, lambda: screen.unavailable is not None)
        assert screen.unavailable and "search is unavailable" in screen.unavailable
        await pilot.press("escape")
        await settle(pilot, lambda: not isinstance(app.screen, SearchScreen))
        assert app.main.table.row_count > 0  # the list still works
