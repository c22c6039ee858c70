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


HIT_SESSION = "5ca1ab1e-0000-4000-8000-00000000000a"
#: Chunks holding the word (more than the result lists: `n` must reach all of them).
HIT_CHUNKS = (12, 30, 31, 55, 80)


def write_hit_session(root: Path) -> None:
    """A closed session whose hits are a word inside text that looks like markup and an
    escape sequence (shown literally) and, in chunk 55, a long tool result."""
    from sessionview.store.writer import SessionWriter

    with SessionWriter(HIT_SESSION, directory=root) as w:
        for n in range(100):
            if n in HIT_CHUNKS:
                text = f"step {n}: [bold red]Quixotic[/] plan, \x1b[31mnot red\x1b[0m quixotic end"
            else:
                text = f"step {n}: nothing to see"
            if n == 55:
                w.append("tool_result", {"content": "line\n" * 60 + text})
            else:
                w.append("user" if n % 2 == 0 else "assistant", {"content": text})
        w.close()


def hit_texts(view: TranscriptView, chunk: int) -> list[str]:
    """The text of every highlighted span in the rows of `chunk` (as drawn)."""
    rows = view._chunk_rows(chunk, view._width)
    return [text for row in rows for text, style in row if style == "hit"]


async def open_hit(pilot, query: str) -> TranscriptScreen:
    screen = await open_search(pilot, query)
    assert [r.info.id for r in screen.answer.results] == [HIT_SESSION]
    await pilot.press("enter", "enter")  # into the results (first hit), then open it
    app = pilot.app
    opened = lambda: isinstance(app.screen, TranscriptScreen) and app.screen.loaded  # noqa: E731
    await settle(pilot, opened, what="the transcript opened")
    transcript = app.screen
    assert isinstance(transcript, TranscriptScreen)
    found = lambda: transcript.hits == list(HIT_CHUNKS)  # noqa: E731
    await settle(pilot, found, what="every hit of the session found")
    return transcript


@sync
async def test_an_opened_hit_highlights_the_words_literally_and_n_walks_every_hit(
    home: Path,
) -> None:
    root = copy_fixtures(home, only=("24d17466",))
    write_hit_session(root)
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        transcript = await open_hit(pilot, "quixotic")
        view = transcript.query_one(TranscriptView)
        await settle(pilot, lambda: transcript.hit_at == 12, what="the first hit shown")
        assert view.visible_chunks().start == 12
        # Both spellings are the word (case ignored); the markup and the escape stay text.
        assert hit_texts(view, 12) == ["Quixotic", "quixotic"]
        row = "".join(t for t, _ in view._chunk_rows(12, view._width)[1])
        assert "[bold red]Quixotic[/]" in row and "\x1b" not in row
        assert "hit 1/5" in str(transcript.query_one("#transcript-status").render())
        for want in (30, 31, 55, 80, 12):  # n wraps around after the last
            await pilot.press("n")
            await settle(pilot, lambda w=want: transcript.hit_at == w)
            assert transcript.hit_at == want
            row = view.hit_row(want)
            assert row is not None, f"chunk {want} shows no highlighted hit"
            top, height = int(view.scroll_y), view.scrollable_content_region.height
            assert top <= row < top + height, f"the hit in chunk {want} is off screen"
            assert hit_texts(view, want) == ["Quixotic", "quixotic"]
        await pilot.press("N")
        await settle(pilot, lambda: transcript.hit_at == 80)
        assert transcript.hit_at == 80


@pytest.mark.parametrize("size", SIZES)
def test_transcript_with_a_highlighted_hit(snap_compare, home: Path, size) -> None:
    root = copy_fixtures(home, only=("24d17466",))
    write_hit_session(root)

    async def run_before(pilot) -> None:
        transcript = await open_hit(pilot, "quixotic plan")
        await pilot.press("n", "n", "n")  # the fourth hit: the end of a long tool result
        await settle(pilot, lambda: transcript.hit_at == 55)

    assert snap_compare(build_app(root), run_before=run_before, terminal_size=size)


@sync
async def test_more_sessions_on_scrolling_to_the_end_and_no_query_for_unchanged_words(
    home: Path,
) -> None:
    from sessionview.app.screens.search import PAGE
    from sessionview.app.widgets.search_results import SearchResults
    from sessionview.store.writer import SessionWriter

    root = copy_fixtures(home, only=("24d17466",))
    for n in range(2 * PAGE + 5):
        with SessionWriter(f"5ca1ab1e-0000-4000-8000-0000000001{n:02d}", directory=root) as w:
            w.append("user", {"content": f"session {n} mentions pagination"})
            w.close()
    app = build_app(root)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_search(pilot, "pagination")
        await settle(pilot, lambda: screen.answer.ranked)
        assert len(screen.answer.results) == PAGE
        shown = screen.answer.results
        await pilot.press("space")  # the same words: relabelled, not asked again
        await settle(pilot, lambda: screen.answer.query == "pagination ")
        assert screen.answer.results is shown
        await pilot.press("enter")  # into the list
        results = screen.query_one(SearchResults)
        assert results.has_focus
        await pilot.press("end")
        more = lambda: len(screen.answer.results) > PAGE  # noqa: E731
        await settle(pilot, more, what="a next page listed")
        every = lambda: len(screen.answer.results) == 2 * PAGE + 5  # noqa: E731
        for _ in range(3):  # the list asks for more while its cursor is a screen from the end
            await pilot.press("end")
            await settle(pilot)
        await settle(pilot, every, what="every matching session listed")
        ids = [r.info.id for r in screen.answer.results]
        assert len(set(ids)) == len(ids) == 2 * PAGE + 5
        assert str(screen.query_one("#search-status").render()) == f"{2 * PAGE + 5} sessions"


@sync
async def test_a_followed_session_s_new_matching_chunks_join_the_hits(home: Path) -> None:
    """A running session opened from a hit: chunks that arrive later and match the
    query are stepped through by n/N too (they are not in the index yet)."""
    from sessionview.store.writer import SessionWriter

    root = copy_fixtures(home, only=("24d17466",))
    sid = "5ca1ab1e-0000-4000-8000-00000000000b"
    writer = SessionWriter(sid, directory=root)
    try:
        for n in range(6):
            text = f"step {n}: quixotic plan" if n in (1, 4) else f"step {n}: nothing"
            writer.append("user" if n % 2 == 0 else "assistant", {"content": text})
        app = build_app(root, watch=True)
        async with app.run_test(size=(120, 36)) as pilot:
            await settle(pilot, lambda: app.watch_armed.is_set(), what="the watcher armed")
            screen = await open_search(pilot, "quixotic")
            assert [r.info.id for r in screen.answer.results] == [sid]
            await pilot.press("enter", "enter")
            opened = lambda: isinstance(app.screen, TranscriptScreen) and app.screen.loaded  # noqa: E731
            await settle(pilot, opened, what="the transcript opened")
            transcript = app.screen
            assert isinstance(transcript, TranscriptScreen)
            await settle(pilot, lambda: transcript.hits == [1, 4], what="the indexed hits")
            writer.append("assistant", {"content": "step 6: a Quixotic turn"})
            writer.append("user", {"content": "step 7: nothing"})
            await settle(
                pilot,
                lambda: len(transcript.query_one(TranscriptView).chunks) == 8,
                what="the appended chunks in the transcript",
            )
            await settle(pilot, lambda: transcript.hits == [1, 4, 6], what="the new hit")
    finally:
        writer.close()
