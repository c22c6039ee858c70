"""The TUI on Claude Code's subagent layout: the preview and `l` show the subagent as a
child, the transcript marks sidechain chunks and its status line counts what `ls` counts."""

from __future__ import annotations

from pathlib import Path

from sessionview.app.screens.lineage import LineageScreen
from sessionview.app.screens.transcript import TranscriptScreen
from sessionview.app.widgets.preview import PreviewPane
from sessionview.app.widgets.transcript_view import TranscriptView
from sessionview.render.chunk_text import chunk_lines
from tests.helpers.app import SIZE, build_app, settle, sync
from tests.helpers.claude_subagents import AGENT, SID, install


def _select(app, sid: str) -> None:
    main = app.screen_stack[0]
    info = next(r for r in main.all_rows if r.id == sid)
    main.jump_to(info)


@sync
async def test_preview_lineage_and_transcript(isolated_home: Path) -> None:
    path = install(isolated_home)
    app = build_app(path.parent.parent)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot, lambda: len(app.screen_stack[0].all_rows) == 2)
        _select(app, SID)
        await settle(pilot, lambda: app.screen_stack[0].current.id == SID)
        pane = app.screen_stack[0].query_one(PreviewPane)
        assert [c.id for c in pane._children] == [AGENT]
        assert "children" in str(pane.query_one("#preview-body").render())

        await pilot.press("l")
        await settle(pilot, lambda: isinstance(app.screen, LineageScreen))
        assert [(rel, sid) for rel, sid, _ in app.screen.items] == [("child", AGENT)]
        await pilot.press("enter")
        await settle(pilot, lambda: app.screen_stack[0].current.id == AGENT)
        await pilot.press("l")
        await settle(pilot, lambda: isinstance(app.screen, LineageScreen))
        assert [(rel, sid) for rel, sid, _ in app.screen.items] == [("parent", SID)]
        await pilot.press("escape")

        _select(app, SID)
        await settle(pilot, lambda: app.screen_stack[0].current.id == SID)
        listed = app.screen_stack[0].current.chunks
        await pilot.press("enter")
        screen = app.screen
        await settle(pilot, lambda: isinstance(screen, TranscriptScreen) and screen.loaded)
        view = screen.query_one(TranscriptView)
        assert len(view.chunks) == listed == 8
        assert f"{listed} chunks" in str(screen.query_one("#transcript-status").render())
        assert [c.index for c in view.chunks if c.sidechain] == [4, 5]
        assert chunk_lines(view.chunks[4])[0].text.endswith("#4  · sidechain")
        assert "sidechain" not in chunk_lines(view.chunks[6])[0].text
