"""Issue 13.3: every screen and dialog at 80x24 (the footer, the buttons, the banner)."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.app import after_keys, build_app, delete_row, select_row, settle

SMALL = (80, 24)
BANNER = "Demo · simulated agents writing into /tmp/sessionview-demo-x/sessions · removed on exit"


class TestSmallTerminal:
    def test_list_with_demo_banner(self, snap_compare, mixed_root: Path) -> None:
        """One banner line, and the footer ends with q Quit and ? Help."""

        async def run_before(pilot) -> None:
            await settle(pilot)

        app = build_app(mixed_root, banner=BANNER)
        assert snap_compare(app, run_before=run_before, terminal_size=SMALL)

    def test_prune_dialog(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("p")
            await settle(pilot)
            await pilot.press("ctrl+a", "ctrl+k", *"6m")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_delete_confirmation(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            await pilot.press("4")
            await settle(pilot)
            await pilot.press("space", "space", "space", "d")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_resume_dialog(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "230fd66b-c1a9-48f7-9181-064ac2297361")
            await pilot.press("r")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_help(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root), run_before=after_keys("question_mark"), terminal_size=SMALL
        )

    def test_lineage(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "24d17466-8c81-478b-ab51-29cbc79b9a05")
            await settle(pilot)
            await pilot.press("l")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_corrupt_screen(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root), run_before=after_keys("5", "enter"), terminal_size=SMALL
        )

    def test_failed_resume(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            from sessionview.store.resume import ResumePlan

            await settle(pilot)
            app = pilot.app
            plan = ResumePlan(command="claude --resume 230fd66b", cwd="/home/alice/src/app")
            app.resume_finished(app.main.current, plan, 127, ["sh: 1: claude: not found"])
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_resume_running_asks_first(self, snap_compare, mixed_root: Path) -> None:
        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "0a11ce00-0000-4000-8000-000000000001")
            await pilot.press("r")
            await settle(pilot)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)

    def test_sorted_by_size(self, snap_compare, mixed_root: Path) -> None:
        by_size = after_keys(*">" * 7)  # activity -> ... -> size (s is search)
        assert snap_compare(build_app(mixed_root), run_before=by_size, terminal_size=SMALL)


async def _trash_with_three(pilot) -> None:
    from sessionview.app.screens.trash import TrashScreen

    await settle(pilot)
    for sid in (
        "230fd66b-c1a9-48f7-9181-064ac2297361",
        "24d17466-8c81-478b-ab51-29cbc79b9a05",
        "04b0f52f-aff2-414d-bdf3-838e69b02042",
    ):
        await delete_row(pilot, pilot.app, sid)
    await pilot.press("t")
    await settle(
        pilot, lambda: isinstance(pilot.app.screen, TrashScreen) and pilot.app.screen.loaded
    )
    await pilot.press("space")
    pilot.app.clear_notifications()
    await settle(pilot)


class TestTrash:
    def test_trash_small(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root), run_before=_trash_with_three, terminal_size=SMALL
        )

    def test_trash_large(self, snap_compare, mixed_root: Path) -> None:
        assert snap_compare(
            build_app(mixed_root), run_before=_trash_with_three, terminal_size=(120, 36)
        )


class TestTranscriptSmall:
    def test_find_in_transcript(self, snap_compare, mixed_root: Path) -> None:
        from sessionview.app.screens.transcript import TranscriptScreen

        async def run_before(pilot) -> None:
            await settle(pilot)
            select_row(pilot, "24d17466-8c81-478b-ab51-29cbc79b9a05")
            await pilot.press("enter")
            await settle(
                pilot,
                lambda: isinstance(pilot.app.screen, TranscriptScreen) and pilot.app.screen.loaded,
            )
            await pilot.press("slash", *"add", "enter")
            screen = pilot.app.screen
            await settle(pilot, lambda: screen.find_done and screen.find_chunks)

        assert snap_compare(build_app(mixed_root), run_before=run_before, terminal_size=SMALL)
