"""The export dialog: `e` on the list (highlighted or marked rows) and in a transcript,
a real export written by its worker, and snapshots at 80x24 and a large size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sessionview.app.screens.export import ExportScreen
from sessionview.app.screens.transcript import TranscriptScreen
from tests.helpers.app import build_app, copy_fixtures, select_row, settle, spy_notes, sync

CLOSED = "230fd66b-c1a9-48f7-9181-064ac2297361"


@pytest.fixture
def root(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Two closed fixtures; the app runs in HOME, so paths show as `~/...`."""
    monkeypatch.chdir(home)
    return copy_fixtures(home, only=("230fd66b", "24d17466"))


async def _press_for_dialog(pilot, *keys: str) -> None:
    """Press `keys` and wait (up to 10 s) until the export dialog is the screen."""
    await pilot.press(*keys)
    await settle(
        pilot,
        lambda: isinstance(pilot.app.screen, ExportScreen),
        timeout=10,
        what="the export dialog",
    )


@sync
async def test_e_exports_the_highlighted_session_to_html(root: Path, home: Path) -> None:
    app = build_app(root)
    notes = spy_notes(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        select_row(pilot, CLOSED)
        await _press_for_dialog(pilot, "e")
        dialog = app.screen
        assert isinstance(dialog, ExportScreen) and [s.id for s in dialog.sessions] == [CLOSED]
        path = dialog.query_one("#export-path").value
        assert path.startswith("~/") and path.endswith(f"-{CLOSED[:8]}.md")
        await pilot.click("#fmt-html")
        await settle(pilot)
        path = dialog.query_one("#export-path").value
        assert path.endswith(".html")
        await pilot.click("#export-go")
        await settle(
            pilot, lambda: dialog.written is not None, timeout=10, what="the export to finish"
        )
        written = Path(os.path.expanduser(path))
        assert dialog.written == str(written)
        assert written.read_text().startswith("<!DOCTYPE html>")
        assert any(title == "Export" and "~/" in msg for title, msg in notes), notes
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, ExportScreen)


@sync
async def test_marked_sessions_go_to_a_directory_and_errors_are_shown(
    root: Path, home: Path
) -> None:
    app = build_app(root)
    notes = spy_notes(app)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await _press_for_dialog(pilot, "space", "down", "space", "e")
        dialog = app.screen
        assert len(dialog.sessions) == 2
        field = dialog.query_one("#export-path")
        field.value = "~/exports"
        await pilot.click("#fmt-json")
        field.focus()
        await pilot.press("enter")  # submits the path
        await settle(
            pilot, lambda: dialog.written is not None, timeout=10, what="the export to finish"
        )
        names = sorted(os.listdir(home / "exports"))
        assert len(names) == 2 and all(n.endswith(".json") for n in names)
        dialog.written = None
        await pilot.click("#export-go")  # again: the files exist and force is off
        await settle(
            pilot,
            lambda: any(t == "Export failed" for t, _ in notes),
            timeout=10,
            what="the failure",
        )
        assert any("already exists" in msg for t, msg in notes if t == "Export failed")


@sync
async def test_e_in_a_transcript_exports_that_session(root: Path, home: Path) -> None:
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        select_row(pilot, CLOSED)
        await pilot.press("enter")
        await settle(
            pilot,
            lambda: isinstance(app.screen, TranscriptScreen),
            timeout=10,
            what="the transcript",
        )
        await _press_for_dialog(pilot, "e")
        assert [s.id for s in app.screen.sessions] == [CLOSED]


class TestExportDialog:
    @pytest.mark.parametrize("size", [(80, 24), (160, 48)], ids=["80x24", "160x48"])
    def test_dialog(self, snap_compare, root: Path, size: tuple[int, int]) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, CLOSED)
            await _press_for_dialog(pilot, "e")

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=size)

    def test_dialog_after_export(self, snap_compare, root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, CLOSED)
            await _press_for_dialog(pilot, "e")
            await pilot.press("enter")
            await settle(
                pilot, lambda: pilot.app.screen.written is not None, timeout=10, what="the export"
            )
            pilot.app.clear_notifications()
            await settle(pilot)

        assert snap_compare(build_app(root), run_before=run_before, terminal_size=(80, 24))
