"""The UI's wiring: request and result messages, reactive view state, coalesced bursts.

Results are observed the way any Textual code can: `message_signal` publishes every
message a node handled, so a test sees which results arrived, how many, and with what.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from textual.message import Message

from sessionview.app.messages import (
    DeleteRequested,
    ScanDone,
    SessionsChanged,
    SessionsDeleted,
    SessionsRestored,
    UndoRequested,
)
from sessionview.app.screens.confirm import ConfirmScreen
from sessionview.store.model import SessionState
from sessionview.store.writer import SessionWriter
from tests.helpers.app import SIZE, build_app, copy_fixtures, settle, sync

BURST = 25


def _recorder(app, *kinds: type[Message]) -> list[Message]:
    """Every message of `kinds` the App handles from now on, in order."""
    seen: list[Message] = []

    def record(message: Message) -> None:
        if isinstance(message, kinds):
            seen.append(message)

    app.message_signal.subscribe(app, record, immediate=True)
    return seen


def _closed_session(root: Path, n: int) -> SessionWriter:
    writer = SessionWriter(directory=root, created_at=datetime(2026, 11, 21, 11, 0, tzinfo=UTC))
    writer.append("user", {"content": f"burst session {n}"})
    writer.close(closed_at=datetime(2026, 11, 21, 11, 1, tzinfo=UTC))
    return writer


def test_a_superseded_batch_hands_its_paths_to_the_next() -> None:
    first = SessionsChanged(("a", "b"))
    second = SessionsChanged(("b", "c"))
    assert first.can_replace(second)
    assert second.paths == ("a", "b", "c")
    # Another kind of message in between is never swallowed.
    assert not first.can_replace(ScanDone())


@sync
async def test_a_burst_of_watcher_batches_is_handled_once_and_the_list_is_complete(
    home: Path,
) -> None:
    root = copy_fixtures(home, only=("230fd66b", "24d17466"))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 2 and not app.main.scanning)
        handled = _recorder(app, SessionsChanged)
        writers = [_closed_session(root, n) for n in range(BURST)]
        paths = []
        # What the watcher thread does per batch, BURST times while the UI thread is
        # busy: re-read the file in the index, then post the batch. All queue up.
        for writer in writers:
            app.index.refresh(str(writer.path))
            paths.append(str(writer.path))
            app.post_message(SessionsChanged((str(writer.path),)))
        wanted = {w.session_id for w in writers}
        await settle(
            pilot,
            lambda: wanted <= {i.id for i in app.main.all_rows},
            what=f"the {BURST} new sessions in the list",
        )
        assert len(handled) == 1, handled
        assert isinstance(handled[0], SessionsChanged)
        assert sorted(handled[0].paths) == sorted(paths)
        assert len(app.main.all_rows) == BURST + 2
        assert len(app.main.table.keys) == BURST + 2
        assert all(i.state is SessionState.CLOSED for i in app.main.all_rows if i.id in wanted)


@sync
async def test_delete_and_undo_report_back_as_messages(home: Path) -> None:
    root = copy_fixtures(home, only=("230fd66b", "24d17466"))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 2)
        seen = _recorder(app, DeleteRequested, SessionsDeleted, UndoRequested, SessionsRestored)
        target = app.main.current
        assert target is not None
        await pilot.press("d")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: any(isinstance(m, SessionsDeleted) for m in seen))
        await settle(pilot, lambda: target.id not in {i.id for i in app.main.all_rows})
        await pilot.press("u")
        await settle(pilot, lambda: any(isinstance(m, SessionsRestored) for m in seen))
        await settle(pilot, lambda: target.id in {i.id for i in app.main.all_rows})
        assert [type(m) for m in seen] == [
            DeleteRequested,
            SessionsDeleted,
            UndoRequested,
            SessionsRestored,
        ]
        request, deleted, _, restored = seen
        assert isinstance(request, DeleteRequested) and request.sessions == (target,)
        assert isinstance(deleted, SessionsDeleted)
        assert [e.id for e in deleted.entries] == [target.id] and deleted.failed == []
        assert isinstance(restored, SessionsRestored)
        assert restored.restored == 1 and restored.failed == []


@sync
async def test_setting_a_filter_reapplies_the_list(home: Path) -> None:
    """The filters are reactive: assigning one is enough, from anywhere."""
    root = copy_fixtures(home)
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: not app.main.scanning and len(app.main.all_rows) > 1)
        main = app.main
        crashed = {i.id for i in main.all_rows if i.state is SessionState.CRASHED}
        assert crashed and len(crashed) < len(main.all_rows)
        main.state_filter = "crashed"
        assert {main.table.info(k).id for k in main.table.keys} == crashed
        main.state_filter = "all"
        main.filter_text = "no session is titled like this"
        assert main.table.keys == []
        assert main.query_one("#empty").display
        # Lineage's jump clears every filter and re-applies once.
        target = main.all_rows[0]
        main.jump_to(target)
        assert main.filter_text == "" and main.state_filter == "all"
        assert main.table.current_key is not None
        assert main.table.info(main.table.current_key) == target


@sync
async def test_the_list_under_a_full_screen_is_brought_up_to_date_when_shown_again(
    home: Path,
) -> None:
    """While a transcript covers the list, new rows reach `all_rows` (the search and
    the status use them) but the table is only re-applied once the list is shown."""
    from sessionview.app.screens.transcript import TranscriptScreen

    root = copy_fixtures(home, only=("230fd66b", "24d17466"))
    app = build_app(root)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.main.all_rows) == 2 and not app.main.scanning)
        await pilot.press("enter")
        await settle(pilot, lambda: isinstance(app.screen, TranscriptScreen))
        writer = _closed_session(root, 0)
        app.index.refresh(str(writer.path))
        app.post_message(SessionsChanged((str(writer.path),)))
        await settle(pilot, lambda: len(app.main.all_rows) == 3, what="the new row")
        assert len(app.main.table.keys) == 2  # not re-applied while covered
        await pilot.press("escape")
        await settle(
            pilot,
            lambda: app.screen is app.main and len(app.main.table.keys) == 3,
            what="the table re-applied on return",
        )
