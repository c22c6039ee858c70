"""Issue 13, what a new user hit in the first minutes: focus after filters, 80x24, toasts."""

from __future__ import annotations

from pathlib import Path

from sessionview.app.widgets.session_table import SessionTable
from tests.helpers.app import build_app, copy_fixtures, delete_row, settle, spy_messages, sync

SMALL = (80, 24)


@sync
async def test_state_filter_matching_nothing_keeps_focus_and_cursor(home: Path) -> None:
    app = build_app(copy_fixtures(home))  # closed and crashed sessions, nothing corrupt
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.main.query_one(SessionTable)
        await pilot.press("down", "down")
        await settle(pilot)
        chosen = table.current_key
        assert chosen is not None and table.cursor_row == 2
        await pilot.press("5")  # corrupt: none
        await settle(pilot)
        await pilot.press("1")  # and back to all
        await settle(pilot)
        assert app.focused is table, app.focused
        assert table.current_key == chosen
        await pilot.press("down")
        await settle(pilot)
        assert table.cursor_row == 3


@sync
async def test_text_filter_matching_nothing_then_cleared_keeps_focus(mixed_root: Path) -> None:
    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.main.query_one(SessionTable)
        await pilot.press("down")
        chosen = table.current_key
        await pilot.press("slash", *"zzzz", "enter")
        await settle(pilot)
        await pilot.press("slash", "escape")
        await settle(pilot)
        assert app.focused is table, app.focused
        assert table.current_key == chosen
        await pilot.press("j")
        await settle(pilot)
        assert table.cursor_row == 2


def _on_screen(app, widget) -> bool:
    region = widget.region
    width, height = app.size
    return (
        region.width > 0 and region.height > 0 and region.bottom <= height and region.right <= width
    )


@sync
async def test_every_dialog_button_is_on_screen_at_80x24(mixed_root: Path) -> None:
    from textual.widgets import Button

    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for keys in (("p",), ("4", "space", "space", "space", "d"), ("1", "r")):
            await pilot.press(*keys)
            await settle(pilot)
            buttons = list(app.screen.query(Button))
            assert buttons, f"no dialog after {keys}"
            for button in buttons:
                assert _on_screen(app, button), (keys, button, button.region)
            await pilot.press("escape")
            await settle(pilot)


@sync
async def test_footer_shows_quit_and_help_at_80_columns(mixed_root: Path) -> None:
    from textual.widgets import Footer

    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(Footer)
        keys = {key.action: key for key in footer.query("FooterKey")}
        for action in ("quit", "help"):
            assert action in keys, sorted(keys)
            assert _on_screen(app, keys[action]), (action, keys[action].region)


@sync
async def test_a_missing_dir_is_said_on_screen(home: Path) -> None:
    from textual.widgets import Static

    from sessionview.app import make_app
    from sessionview.cli.common import bad_dirs
    from sessionview.config import Config
    from sessionview.store.index import SessionIndex
    from tests.helpers.app import fixed_now

    missing = str(home / "nope")
    app = make_app(
        SessionIndex([missing], use_cache=False),
        Config(),
        watch=False,
        now=fixed_now,
        dir_problems=bad_dirs([missing]),
    )
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        empty = str(app.main.query_one("#empty", Static).render())
        status = str(app.main.query_one("#status", Static).render())
        assert f"--dir {missing}: no such directory" in empty
        assert "no such directory" in status


@sync
async def test_resume_on_a_running_session_asks_first(mixed_root: Path) -> None:
    from sessionview.app.screens.confirm import ConfirmScreen
    from sessionview.app.screens.resume import ResumeScreen
    from tests.helpers.app import RUNNING_ID

    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.main.table
        key = next(k for k in table.keys if table.info(k).id == RUNNING_ID)
        table.select_key(key)
        await pilot.press("r")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen), app.screen
        assert "still writing" in str(app.screen.body)
        await pilot.press("n")
        await settle(pilot)
        assert app.screen is app.main
        await pilot.press("r", "y")  # yes: on to the resume (here the how-to dialog)
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen)


@sync
async def test_a_failed_resume_shows_its_error_output(mixed_root: Path) -> None:
    from textual.widgets import Static

    from sessionview.app.screens.resume import ResumeScreen
    from sessionview.store.resume import ResumePlan

    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        info = app.main.current
        plan = ResumePlan(command="claude --resume x", cwd="/tmp")
        app.resume_finished(info, plan, 127, ["sh: 1: claude: not found"])
        await settle(pilot)
        assert isinstance(app.screen, ResumeScreen)
        text = "\n".join(str(s.render()) for s in app.screen.query(Static))
        assert "status 127" in text and "claude: not found" in text


def _column(app, getter) -> list:
    table = app.main.table
    return [getter(table.info(k)) for k in table.keys]


@sync
async def test_sort_by_key_and_header_click_is_remembered(home: Path) -> None:
    import tomllib

    from sessionview.config import config_path, load_config
    from sessionview.sorting import SORT_COLUMNS

    root = copy_fixtures(home)
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.main.sort.is_default
        await pilot.press("greater_than_sign")  # activity -> created
        await settle(pilot)
        created = _column(app, SORT_COLUMNS["created"][0])
        assert created == sorted(created, reverse=True) and len(set(created)) > 1
        await pilot.press("less_than_sign")
        await settle(pilot)
        assert _column(app, SORT_COLUMNS["created"][0]) == sorted(created)
        await pilot.click("#sessions", offset=(16, 0))  # the title column's header
        await settle(pilot)
        titles = _column(app, SORT_COLUMNS["title"][0])
        assert titles == sorted(titles)
        await pilot.click("#sessions", offset=(16, 0))  # again: reversed
        await settle(pilot)
        assert _column(app, SORT_COLUMNS["title"][0]) == sorted(titles, reverse=True)
        assert "sort: title ▼" in str(app.main.query_one("#status").render())
    assert tomllib.loads(config_path().read_text())["sort"] == "title desc"
    app = build_app(root, config=load_config())
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert _column(app, SORT_COLUMNS["title"][0]) == sorted(titles, reverse=True)


@sync
async def test_trash_screen_restores_and_purges(home: Path) -> None:
    from sessionview.app.screens.confirm import ConfirmScreen
    from sessionview.app.screens.trash import TrashScreen
    from sessionview.store.actions import list_trash

    root = copy_fixtures(home)
    ids = ["230fd66b-c1a9-48f7-9181-064ac2297361", "24d17466-8c81-478b-ab51-29cbc79b9a05"]
    third = "04b0f52f-aff2-414d-bdf3-838e69b02042"
    app = build_app(root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for sid in (*ids, third):
            await delete_row(pilot, app, sid)
        assert len(list_trash()) == 3
        await pilot.press("t")
        await settle(pilot, lambda: isinstance(app.screen, TrashScreen) and app.screen.loaded)
        trash = app.screen
        assert isinstance(trash, TrashScreen)
        assert [e.id for e in trash.entries] == [third, *reversed(ids)]  # newest first
        await pilot.press("r")  # the highlighted one: the last deleted
        await settle(pilot, lambda: len(trash.entries) == 2)
        assert (root / f"{third}.jsonl").exists()
        await pilot.press("space", "space", "d")
        await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await settle(pilot, lambda: trash.loaded and not trash.entries)
        assert list_trash() == []
        assert not any((root / f"{sid}.jsonl").exists() for sid in ids)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is app.main


@sync
async def test_old_trash_is_purged_on_start_and_said(home: Path) -> None:
    import json

    from sessionview.store.actions import delete_session, list_trash
    from sessionview.store.index import SessionIndex

    root = copy_fixtures(home)
    index = SessionIndex([root], use_cache=False)
    rows = {i.id: i for i in index.scan()}
    old = delete_session(rows["230fd66b-c1a9-48f7-9181-064ac2297361"])
    delete_session(rows["24d17466-8c81-478b-ab51-29cbc79b9a05"])
    manifest = Path(old.folder) / "manifest.json"
    data = json.loads(manifest.read_text())
    data["deleted_at"] = "2020-01-01T00:00:00+00:00"
    manifest.write_text(json.dumps(data))
    app = build_app(root)
    notes = spy_messages(app)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot, lambda: any("purged" in n for n in notes))
    assert [e.id for e in list_trash()] == ["24d17466-8c81-478b-ab51-29cbc79b9a05"]
    assert "purged 1 session kept in the trash over 30 days" in notes


@sync
async def test_project_filter_cycles_through_working_directories(home: Path) -> None:
    from sessionview.projects import project_of
    from tests.helpers.app import copy_formats

    root = copy_formats(home)
    app = build_app(root)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        projects = app.main.projects
        assert "/home/alice/src/app" in projects
        formats_with_project = {
            app.main.table.info(k).format
            for k in app.main.table.keys
            if project_of(app.main.table.info(k))
        }
        assert {"claude", "codex", "snapshot"} <= formats_with_project
        for project in projects:
            await pilot.press("w")
            await settle(pilot)
            shown = [app.main.table.info(k) for k in app.main.table.keys]
            assert shown and all(project_of(i) == project for i in shown)
            assert "[project: " in str(app.main.query_one("#status").render())
        await pilot.press("w")  # back to all
        await settle(pilot)
        assert len(app.main.table.keys) == len(app.main.all_rows)
        assert app.focused is app.main.table


async def _flip_running(pilot, app, states: list) -> list[str]:
    """Every running row of the list becomes `states[n]` (as an index update would)."""
    from dataclasses import replace

    from sessionview.store.model import SessionState

    notes = spy_messages(app)
    rows = list(app.rows.values())
    running = [i for i in rows if i.state is SessionState.RUNNING]
    assert len(running) == len(states)
    flipped = {id(i): replace(i, state=s) for i, s in zip(running, states, strict=True)}
    app._apply_rows([flipped.get(id(i), i) for i in rows])
    # The toasts go out once ANNOUNCE_DELAY has gathered the changes.
    await settle(pilot, lambda: not app._announcements)
    return notes


@sync
async def test_closes_share_one_short_toast(home: Path, writers) -> None:
    from datetime import UTC, datetime

    from sessionview.config import Config
    from sessionview.store.model import SessionState
    from sessionview.store.writer import SessionWriter

    root = home / "sessions"
    for n in range(4):
        w = SessionWriter(
            f"0a11ce00-0000-4000-8000-00000000001{n}",
            directory=root,
            created_at=datetime(2026, 11, 21, 11, 58, tzinfo=UTC),
        )
        w.append("user", {"content": f"job {n}"})
        writers.append(w)
    for notify, expected in (
        ("all", ["✖ crashed: 0a11ce00 job", "✓ 3 sessions closed"]),
        ("crashes", ["✖ crashed: 0a11ce00 job"]),
        ("none", []),
    ):
        app = build_app(root, config=Config(notify=notify))
        async with app.run_test(size=SMALL) as pilot:
            await settle(pilot)
            states = [SessionState.CLOSED] * 3 + [SessionState.CRASHED]
            notes = await _flip_running(pilot, app, states)
        got = [n.rsplit(" ", 1)[0] if n.startswith("✖ crashed") else n for n in notes]
        assert got == expected, (notify, notes)
        assert all("\n" not in n for n in notes)


@sync
async def test_keys_typed_in_one_burst_after_slash_go_to_the_filter(home: Path) -> None:
    """A fast typist or a paste: `/`, `r`, `u`, `n` arrive before the box has focus."""
    from textual import events

    app = build_app(copy_fixtures(home))
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        for key in ("slash", "r", "u", "n"):
            app.post_message(events.Key(key, "/" if key == "slash" else key))
        await settle(pilot, lambda: app.main.filter_text == "run")
        assert app.main.filter_text == "run"
        assert app.screen is app.main  # `r` did not resume anything


@sync
async def test_escape_on_the_list_clears_a_kept_filter(mixed_root: Path) -> None:
    """`/ text enter` keeps the filter and focuses the list; `escape` there clears it
    (marks first: a first escape clears the marks, a second the filter)."""
    app = build_app(mixed_root)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        table = app.main.query_one(SessionTable)
        everything = table.row_count
        await pilot.press("slash", *"zzzz", "enter")
        await settle(pilot, lambda: table.row_count == 0)
        assert app.focused is table, app.focused
        await pilot.press("escape")
        await settle(pilot, lambda: table.row_count == everything)
        assert app.main.filter_text == ""
        assert not app.main.query_one("#filter").display
        await pilot.press("space", "slash", *"a", "enter")
        await settle(pilot, lambda: app.main.filter_text == "a")
        await pilot.press("escape")
        await settle(pilot, lambda: not table.marked)
        assert app.main.filter_text == "a"
        await pilot.press("escape")
        await settle(pilot, lambda: app.main.filter_text == "")
