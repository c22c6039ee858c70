"""Snapshots of every screen over fixed data (watching off, clock pinned, 120x36)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.config import Config
from sessionview.store.writer import SessionWriter
from tests.helpers.app import (
    HOSTILE_ID,
    SIZE,
    after_keys,
    build_app,
    copy_fixtures,
    copy_formats,
    select_row,
    settle,
    start_running,
)

BUILTIN_THEMES = ("sessionview-dark", "sessionview-light", "sessionview-high-contrast")


class TestList:
    def test_mixed_states(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(build_app(mixed_root), run_before=after_keys(), terminal_size=SIZE)

    def test_filtered(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root),
            run_before=after_keys("slash", *"rebase", "enter"),
            terminal_size=SIZE,
        )

    def test_state_filter_crashed(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(build_app(mixed_root), run_before=after_keys("3"), terminal_size=SIZE)

    def test_preview_lineage(self, snap_compare, mixed_root: Path) -> None:
        """The fork parent: its child is listed in the preview."""

        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "24d17466-8c81-478b-ab51-29cbc79b9a05")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_corrupt_row_preview(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(build_app(mixed_root), run_before=after_keys("5"), terminal_size=SIZE)

    def test_empty_state(self, snap_compare, home: Path) -> None:
        root = home / "sessions"
        root.mkdir()

        async def run_before(pilot) -> None:
            await settle(pilot)

        assert snap_compare(
            build_app(
                root,
                banner="Demo: simulated agents are writing into ~/sessions; it is removed on exit",
            ),
            run_before=run_before,
            terminal_size=SIZE,
        )


def _open_when_loaded(pilot):
    async def run(key: str = "enter") -> None:
        await pilot.press(key)
        await settle(
            pilot,
            lambda: isinstance(pilot.app.screen, TranscriptScreen) and pilot.app.screen.loaded,
        )

    return run


class TestThemes:
    @pytest.mark.parametrize("theme", BUILTIN_THEMES)
    def test_list_in_theme(self, snap_compare, mixed_root: Path, theme: str) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            assert pilot.app.theme == theme

        app = build_app(mixed_root, config=Config(theme=theme))
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)

    @pytest.mark.parametrize("theme", BUILTIN_THEMES)
    def test_transcript_in_theme(self, snap_compare, mixed_root: Path, theme: str) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "24d17466-8c81-478b-ab51-29cbc79b9a05")
            await _open_when_loaded(pilot)()

        app = build_app(mixed_root, config=Config(theme=theme))
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)


class TestFormats:
    def test_mixed_formats(self, snap_compare, home: Path) -> None:
        """openrath, claude, codex, nanobot and snapshot files side by side in one dir."""
        root = copy_formats(home)

        async def run_before(pilot) -> None:
            await settle(pilot, lambda: len(pilot.app.main.all_rows) == 7)

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=SIZE)

    def test_format_filter(self, snap_compare, home: Path) -> None:
        root = copy_formats(home)

        async def run_before(pilot) -> None:
            await settle(pilot, lambda: len(pilot.app.main.all_rows) == 7)
            await pilot.press("f", "f", "f")  # all -> claude -> codex -> nanobot
            await settle(pilot)
            assert pilot.app.main.format_filter == "nanobot"

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=SIZE)

    @pytest.mark.parametrize("fmt", ["claude", "codex", "nanobot", "snapshot"])
    def test_transcript(self, snap_compare, home: Path, fmt: str) -> None:
        """Each format's messages, tool calls and tool results in the common shape."""
        root = copy_formats(home, (fmt,))

        async def run_before(pilot) -> None:
            await settle(pilot, lambda: bool(pilot.app.main.all_rows))
            if fmt == "nanobot":  # the closed one, with a tool call and its result
                select_row(pilot, "telegram:12345")
            await _open_when_loaded(pilot)()

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=SIZE)


class TestLayouts:
    """Issue #6: the list and the preview hold from a small terminal to a big one."""

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
    def test_list_and_preview(self, snap_compare, mixed_root: Path, size) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "7d949ee9-6a32-412f-af30-bc225daa0e93")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=size)

    @pytest.mark.parametrize("size", [(80, 24), (200, 60)], ids=["80x24", "200x60"])
    def test_transcript(self, snap_compare, mixed_root: Path, size) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "7d949ee9-6a32-412f-af30-bc225daa0e93")
            await _open_when_loaded(pilot)()

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=size)

    def test_preview_collapses_when_short(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(build_app(mixed_root), run_before=after_keys(), terminal_size=(80, 16))


class TestTranscript:
    def test_every_chunk_kind(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "24d17466-8c81-478b-ab51-29cbc79b9a05")
            await pilot.press("enter")
            await settle(
                pilot,
                lambda: isinstance(pilot.app.screen, TranscriptScreen) and pilot.app.screen.loaded,
            )

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_hostile_text_is_literal(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, HOSTILE_ID)
            await pilot.press("enter")
            await settle(
                pilot,
                lambda: isinstance(pilot.app.screen, TranscriptScreen) and pilot.app.screen.loaded,
            )

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_long_line_is_cut(self, snap_compare, home: Path) -> None:
        root = copy_fixtures(home, only=("c42dcdd3",))

        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("enter")
            await settle(
                pilot,
                lambda: isinstance(pilot.app.screen, TranscriptScreen) and pilot.app.screen.loaded,
            )

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=SIZE)

    def test_follow_new_chunks_marker(
        self, snap_compare, home: Path, writers: list[SessionWriter]
    ) -> None:
        root = copy_fixtures(home, only=("230fd66b",))
        writer = start_running(root, chunks=30)
        writers.append(writer)

        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, writer.session_id)
            await pilot.press("enter")
            screen = pilot.app.screen
            await settle(pilot, lambda: screen.loaded)
            await pilot.press("pageup")
            await settle(pilot, lambda: not screen.query_one(TranscriptView).following)
            for n in range(3):
                writer.append("assistant", {"content": f"new chunk {n}"})
            view = screen.query_one(TranscriptView)
            await settle(pilot, lambda: view.unseen == 3)

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=SIZE)

    def test_corrupt_screen(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("5", "enter")
            await settle(pilot, lambda: getattr(pilot.app.screen, "looked", False))

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)


class TestDialogs:
    def test_delete_confirmation(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "230fd66b-c1a9-48f7-9181-064ac2297361")
            await pilot.press("d")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_bulk_delete_confirmation(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("4")  # closed only
            await settle(pilot)
            await pilot.press("space", "space", "down", "space")
            await pilot.press("d")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_prune_preview(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("ctrl+a", "ctrl+k", *"6m")  # replace "30d" with "6m"
            await settle(pilot)

        app = build_app(mixed_root)
        assert snap_compare(app, run_before=run_before, terminal_size=SIZE)

    def test_resume_dialog(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "230fd66b-c1a9-48f7-9181-064ac2297361")
            await pilot.press("r")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SIZE)

    def test_help(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root), run_before=after_keys("question_mark"), terminal_size=(120, 44)
        )
