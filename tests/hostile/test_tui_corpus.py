"""The TUI keeps running over the hostile corpus: the list opens, and the transcripts of
corrupt, hostile and huge rows open (or say why not) without an exception."""

from __future__ import annotations

import asyncio

import pytest
from hostile_helpers import load_build

from sessionview.config import Config
from sessionview.render.chunk_text import pretty_json
from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionState
from tests.helpers.wait import pilot_wait_until

app_module = pytest.importorskip("sessionview.app")
build = load_build()

OPEN = [
    "escapes-in-text",  # escapes, bidi, markup in every field
    "escape-id",  # an id with an escape and a newline
    "deep-300",
    "lone-surrogate",
    "torn-utf8",
    "garbage",  # corrupt rows open the corrupt screen
    "link-devzero",
    "fifo",
    "huge-line-closed",  # one 100 MB chunk
]


@pytest.mark.slow
def test_tui_opens_hostile_rows(tmp_path) -> None:
    target = tmp_path / "sessions"
    build.build(target, big=True)
    index = SessionIndex([target], use_cache=False)
    app = app_module.make_app(index, Config(), watch=True)

    async def run() -> list[str]:
        opened: list[str] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot_wait_until(
                pilot, lambda: len(app.main.all_rows) >= 200, timeout=30, what="200 rows listed"
            )
            by_prefix = {info.id: info for info in app.main.all_rows}
            for sid in OPEN:
                info = next(i for k, i in by_prefix.items() if k.startswith(sid))
                app.open_session(info)
                screen = app.screen
                if info.state is SessionState.CORRUPT:
                    await pilot_wait_until(
                        pilot,
                        lambda s=screen: s.looked,
                        timeout=10,
                        what=f"{sid}: the corrupt screen",
                    )
                else:
                    await pilot_wait_until(
                        pilot,
                        lambda s=screen: s.loaded or s.load_error is not None,
                        timeout=60,
                        what=f"{sid}: the transcript to load or fail",
                    )
                    if screen.load_error:
                        assert "\n" not in screen.load_error
                await pilot.press("escape")
                await pilot_wait_until(
                    pilot, lambda: len(app.screen_stack) == 1, timeout=5, what="the list again"
                )
                opened.append(sid)
            # Still alive and listing after all that.
            await pilot.press("down", "down", "up")
            assert app.is_running
        return opened

    assert asyncio.run(run()) == OPEN
    build.cleanup(tmp_path)


#: Hostile inputs that once stopped the TUI or hung a transcript, and what went wrong.
TUI_REGRESSIONS = {
    "duplicate-id": "two files whose headers claim one id (a copy, or a hostile header) "
    "both listed by the index, keyed by (format, dir, header id): DuplicateKey stopped the "
    "app. Rows are now keyed by path (OpenRath: by file stem and id).",
    "deep-1000": "JSON nested ~1000 levels: pretty_json (now render/chunk_text) fell back to repr(), which "
    "raised RecursionError; the transcript load worker died and the screen stayed "
    "'loading' forever.",
}


@pytest.mark.parametrize("case", list(TUI_REGRESSIONS))
def test_tui_hostile_regressions(tmp_path, case: str) -> None:
    target = tmp_path / "sessions"
    target.mkdir()
    names = {
        "duplicate-id": ("victim.jsonl", "id-mismatch.jsonl"),
        "deep-1000": ("deep-1000.jsonl",),
    }
    for entry, data in build.SMALL:
        if entry.name in names[case]:
            (target / entry.name).write_bytes(data)
    app = app_module.make_app(SessionIndex([target], use_cache=False), Config(), watch=False)

    async def run() -> bool:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot_wait_until(
                pilot,
                lambda: len(app.main.all_rows) == len(names[case]),
                timeout=5,
                what=f"{len(names[case])} rows listed",
            )
            assert len(app.main.table.keys) == len(names[case])  # one row per file
            app.open_session(app.main.all_rows[0])
            screen = app.screen
            await pilot_wait_until(
                pilot,
                lambda: screen.loaded or screen.load_error is not None,
                timeout=5,
                what="the transcript to load or fail",
            )
            return screen.loaded

    assert asyncio.run(run())


def test_pretty_json_never_raises_on_deep_nesting() -> None:
    """orjson writes 254 levels and `repr()` recurses: ~1000 levels raised RecursionError."""
    value: object = "bottom"
    for _ in range(1000):
        value = [value]
    text = "[" * 1000 + '"bottom"' + "]" * 1000
    assert pretty_json(text) == text  # the text as written
    assert pretty_json(value) == text  # compact JSON
    for _ in range(100_000):
        value = [value]
    assert pretty_json(value) == "[nested too deeply to show]"
