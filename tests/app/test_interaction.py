"""Themes, the command palette, the format filter and the mouse (watching off, fixed data)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from textual import events

from sessionview import config as config_mod
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.themes import DEFAULT_THEME
from sessionview.app.widgets.preview import PreviewPane
from sessionview.app.widgets.session_table import SessionTable
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.config import Config
from tests.helpers.app import (
    SIZE,
    build_app,
    copy_fixtures,
    copy_formats,
    settle,
    spy_messages,
    spy_notes,
    sync,
)


def _titles(app, screen) -> set[str]:
    return {command.title for command in app.get_system_commands(screen)}


# ------------------------------------------------------------------ themes
@sync
async def test_configured_theme_applies_and_a_switch_is_saved(home: Path) -> None:
    root = copy_fixtures(home, only=("230fd66b",))
    app = build_app(root, config=Config(theme="sessionview-high-contrast"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "sessionview-high-contrast"
        assert {"sessionview-dark", "sessionview-light"} <= set(app.available_themes)
        assert not config_mod.config_path().exists()  # applying the config saves nothing
        app.theme = "sessionview-light"
        await settle(pilot, config_mod.config_path().exists)
        saved = tomllib.loads(config_mod.config_path().read_text())
        assert saved["theme"] == "sessionview-light"
        # Every $sv-* variable the CSS uses has a value in this theme.
        variables = app.get_css_variables()
        for name in ("running", "crashed", "closed", "corrupt", "user", "tool", "tool-result"):
            assert f"sv-{name}" in variables


@sync
async def test_textual_theme_and_unknown_theme(home: Path) -> None:
    root = copy_fixtures(home, only=("230fd66b",))
    app = build_app(root, config=Config(theme="nord"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "nord"
        assert "sv-running" in app.get_css_variables()  # derived from nord's colours

    app = build_app(root, config=Config(theme="no-such-theme"))
    notes = spy_notes(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == DEFAULT_THEME
        problems = [message for title, message in notes if "Theme problems" in title]
        assert len(problems) == 1 and "no-such-theme" in problems[0]
        assert not config_mod.config_path().exists()  # the fallback is not written


# ---------------------------------------------------------------- palette
LIST_COMMANDS = {
    "Open session",
    "Resume",
    "Delete",
    "Undo delete",
    "Mark",
    "Clear marks",
    "Prune",
    "Copy id",
    "Open in pager",
    "Lineage",
    "Help",
    "Filter: text",
    "Filter: state all states",
    "Filter: state running",
    "Filter: state crashed",
    "Filter: state closed",
    "Filter: state corrupt",
    "Filter: all formats",
}
TRANSCRIPT_COMMANDS = {
    "Follow: toggle",
    "Expand long lines",
    "Resume",
    "Copy id",
    "Open in pager",
    "Back",
    "Help",
}


@sync
async def test_every_action_is_in_the_palette(home: Path) -> None:
    root = copy_formats(home)
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 7)
        titles = _titles(app, app.main)
        formats = {f"Filter: format {name}" for name in app.main.formats}
        assert formats == {
            f"Filter: format {n}" for n in ("claude", "codex", "nanobot", "openrath", "snapshot")
        }
        assert LIST_COMMANDS | formats <= titles, LIST_COMMANDS - titles
        assert "Theme" in " ".join(titles)  # Textual's own "Change theme"

        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TranscriptScreen) and app.screen.loaded)
        assert _titles(app, app.screen) >= TRANSCRIPT_COMMANDS


@sync
async def test_palette_runs_a_format_filter(home: Path) -> None:
    root = copy_formats(home)
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 7)
        await pilot.press("ctrl+p")
        await settle(pilot)
        await pilot.press(*"format codex")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot, lambda: app.main.format_filter == "codex")
        assert [app.main.table.info(k).format for k in app.main.table.keys] == ["codex"]


@sync
async def test_transcript_follow_toggle_from_palette_action(home: Path) -> None:
    root = copy_fixtures(home, only=("24d17466",))
    app = build_app(root)
    said = spy_messages(app)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = app.screen
        await settle(pilot, lambda: isinstance(screen, TranscriptScreen) and screen.loaded)
        view = screen.query_one(TranscriptView)
        assert not view.following  # a closed session opens at the top
        follow = next(c for c in app.get_system_commands(screen) if c.title == "Follow: toggle")
        follow.callback()
        await settle(pilot)
        # A closed session has nothing more to follow: the toggle says so and the
        # status never claims "following" (it did once).
        assert not view.following
        assert any("nothing to follow" in message for message in said)
        status = str(screen.query_one("#transcript-status").render())
        assert "following" not in status and "paused" not in status
        await pilot.press("end")
        await settle(pilot)
        assert not view.following and view.scroll_y == view.max_scroll_y


@sync
async def test_transcript_load_bug_is_shown_not_left_loading(home: Path, monkeypatch) -> None:
    """Any exception in the load worker ends in `load_error`, not an endless "loading"."""
    from sessionview.store.formats import get_adapter

    def boom(*args, **kwargs):
        raise RuntimeError("adapter bug\nsecond line")

    monkeypatch.setattr(type(get_adapter("openrath")), "load_chunks", boom)
    root = copy_fixtures(home, only=("24d17466",))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = app.screen
        assert isinstance(screen, TranscriptScreen)
        await settle(pilot, lambda: screen.load_error is not None)
        assert not screen.loaded
        assert screen.load_error == "RuntimeError: adapter bug second line"
        assert app.is_running


# ---------------------------------------------------------- format filter
@sync
async def test_format_key_cycles_through_present_formats(home: Path) -> None:
    root = copy_formats(home, ("claude", "nanobot", "openrath"))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 5)
        seen = []
        for _ in range(4):
            await pilot.press("f")
            await settle(pilot)
            shown = {app.main.table.info(k).format for k in app.main.table.keys}
            seen.append((app.main.format_filter, shown))
        assert seen == [
            ("claude", {"claude"}),
            ("nanobot", {"nanobot"}),
            ("openrath", {"openrath"}),
            ("all", {"claude", "nanobot", "openrath"}),
        ]


# ------------------------------------------------------------------ mouse
@sync
async def test_click_selects_row_and_updates_preview(home: Path) -> None:
    root = copy_formats(home)
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 7)
        table = app.main.table
        pane = app.main.query_one(PreviewPane)
        assert table.cursor_row == 0
        # Row 0 of the body is at y=1 (the header is y=0): click the 4th session.
        assert await pilot.click(SessionTable, offset=(20, 4))
        await settle(pilot)
        assert table.cursor_row == 3
        wanted = table.info(table.keys[3])
        assert pane.info is not None and pane.info.id == wanted.id


@sync
async def test_mouse_wheel_scrolls_the_transcript(home: Path) -> None:
    root = copy_fixtures(home, only=("24d17466",))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        screen = app.screen
        await settle(pilot, lambda: isinstance(screen, TranscriptScreen) and screen.loaded)
        view = screen.query_one(TranscriptView)
        assert view.max_scroll_y > 0 and view.scroll_y == 0
        # Pilot has no wheel helper: post the event the terminal driver would send.
        for _ in range(3):
            view.post_message(events.MouseScrollDown(view, 5, 5, 0, 1, 0, False, False, False))
        await settle(pilot, lambda: view.scroll_y > 0)
        down = view.scroll_y
        assert down > 0
        view.post_message(events.MouseScrollUp(view, 5, 5, 0, -1, 0, False, False, False))
        await settle(pilot, lambda: view.scroll_y < down)
        assert view.scroll_y < down
