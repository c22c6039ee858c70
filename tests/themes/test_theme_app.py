"""`apply_themes`, `remember_theme` and `remember_theme_changes` on a real (headless) App."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.color import Color
from textual.theme import BUILTIN_THEMES
from textual.widgets import Label

from sessionview.app.themes import (
    DEFAULT_THEME,
    HIGH_CONTRAST_THEME,
    apply_themes,
    remember_theme,
    remember_theme_changes,
    variable_defaults_for,
)
from sessionview.config import config_path, load_config


class RecordingApp(App[None]):
    """A minimal App that records notifications through the public `notify`."""

    CSS = "#running { color: $sv-running; }"

    def __init__(self) -> None:
        super().__init__()
        self.notes: list[dict[str, Any]] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults_for(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Label("running", id="running")

    def notify(self, message: str, **kwargs: Any) -> None:
        self.notes.append({"message": message, **kwargs})
        super().notify(message, **kwargs)


def run(body: Callable[[RecordingApp, Any], Awaitable[None]]) -> RecordingApp:
    app = RecordingApp()

    async def main() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await body(app, pilot)

    asyncio.run(main())
    return app


def apply(config_theme: str, **kwargs: Any) -> tuple[RecordingApp, str]:
    active: list[str] = []

    async def body(app: RecordingApp, pilot: Any) -> None:
        active.append(apply_themes(app, config_theme, **kwargs))
        await pilot.pause()
        assert app.theme == active[0]

    return run(body), active[0]


def test_configured_theme_is_set_without_notification() -> None:
    app, active = apply("sessionview-light")
    assert active == "sessionview-light"
    assert app.notes == []


def test_textual_builtin_theme_is_accepted() -> None:
    app, active = apply("nord")
    assert active == "nord"
    assert app.notes == []


def test_all_problems_in_one_notification(
    user_dir_with_problems: Path, broken_user_themes: dict[str, tuple[str, str]]
) -> None:
    app, active = apply("my-theme")
    assert active == "my-theme"  # the good user theme still loads
    [note] = app.notes
    assert note["severity"] == "warning"
    lines = note["message"].splitlines()
    assert len(lines) == 3
    for filename, (_, expected) in broken_user_themes.items():
        assert any(filename in line and expected in line for line in lines), filename


def test_unknown_config_theme_falls_back_with_reason(user_dir_with_problems: Path) -> None:
    app, active = apply("no-such-theme")
    assert active == DEFAULT_THEME
    [note] = app.notes  # still ONE notification: 3 broken files + the fallback
    lines = note["message"].splitlines()
    assert len(lines) == 4
    assert "'no-such-theme'" in lines[-1] and f"using {DEFAULT_THEME!r}" in lines[-1]


def test_notify_false_is_silent() -> None:
    app, active = apply("no-such-theme", notify=False)
    assert active == DEFAULT_THEME
    assert app.notes == []


@pytest.mark.parametrize(
    ("no_color", "config_theme", "expected"),
    [
        ("1", DEFAULT_THEME, HIGH_CONTRAST_THEME),  # NO_COLOR replaces the default ...
        ("1", "sessionview-light", "sessionview-light"),  # ... but not an explicit choice
        ("", DEFAULT_THEME, DEFAULT_THEME),  # empty NO_COLOR means unset (no-color.org)
    ],
)
def test_no_color(
    monkeypatch: pytest.MonkeyPatch, no_color: str, config_theme: str, expected: str
) -> None:
    monkeypatch.setenv("NO_COLOR", no_color)
    app, active = apply(config_theme)
    assert active == expected
    assert app.notes == []


def test_builtin_textual_theme_gets_matching_state_colours() -> None:
    """With "nord" active, `$sv-running` comes from nord's own success colour."""

    async def body(app: RecordingApp, pilot: Any) -> None:
        apply_themes(app, "nord")
        await pilot.pause()
        label = app.query_one("#running", Label)
        expected = BUILTIN_THEMES["nord"].to_color_system().generate()["text-success"]
        assert label.styles.color == Color.parse(expected)
        assert app.theme_variables["sv-running"] == expected

    run(body)


def test_remember_theme_keeps_other_keys() -> None:
    path = config_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        '# my settings\nbell = true\ntheme = "nord"\n\n[prune]\nolder_than = "7d"\n',
        encoding="utf-8",
    )
    assert remember_theme("sessionview-light") is None
    config = load_config()
    assert config.problems == ()
    assert config.theme == "sessionview-light"
    assert config.bell is True
    assert config.prune.older_than == "7d"
    assert "# my settings" in path.read_text(encoding="utf-8")


def test_remember_theme_creates_config() -> None:
    assert not config_path().exists()
    assert remember_theme("gruvbox") is None
    assert load_config().theme == "gruvbox"


@pytest.mark.skipif(os.name == "nt", reason="POSIX path semantics")
def test_remember_theme_reports_io_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    monkeypatch.setenv("SESSIONVIEW_CONFIG_DIR", str(blocker))
    problem = remember_theme("nord")
    assert problem is not None
    assert "cannot save theme 'nord'" in problem and str(blocker) in problem


def test_only_user_changes_are_remembered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")  # apply_themes picks high-contrast: must not be saved
    saved: list[str] = []

    async def body(app: RecordingApp, pilot: Any) -> None:
        active = apply_themes(app, DEFAULT_THEME)
        remember_theme_changes(app, active)
        await pilot.pause()
        assert not config_path().exists()
        app.theme = "sessionview-light"  # e.g. from the command palette
        await pilot.pause()
        saved.append(load_config().theme)
        app.theme = HIGH_CONTRAST_THEME  # switching back to the first one is a choice too
        await pilot.pause()
        saved.append(load_config().theme)

    run(body)
    assert saved == ["sessionview-light", HIGH_CONTRAST_THEME]


def test_save_failure_is_notified() -> None:
    async def body(app: RecordingApp, pilot: Any) -> None:
        remember_theme_changes(app, apply_themes(app, DEFAULT_THEME), save=lambda n: f"no {n}")
        app.theme = "nord"
        await pilot.pause()

    app = run(body)
    [note] = app.notes
    assert note["severity"] == "error" and note["message"] == "no nord"
