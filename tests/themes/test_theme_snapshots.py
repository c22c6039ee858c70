"""Snapshots: every built-in theme renders our `$sv-*` variables (states and chunk kinds)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from sessionview.app.themes import apply_themes, variable_defaults_for

THEMES_DIR = Path(__file__).resolve().parents[2] / "themes"
BUILTIN_NAMES = sorted(p.stem for p in THEMES_DIR.glob("*.toml"))


class ThemeDemoApp(App[None]):
    """Four state labels and four chunk-kind labels, each coloured by its theme variable."""

    CSS = """
    Screen { padding: 1 2; }
    #panel { background: $panel; height: auto; padding: 0 1; margin-top: 1; }
    .running { color: $sv-running; }
    .crashed { color: $sv-crashed; }
    .closed { color: $sv-closed; }
    .corrupt { color: $sv-corrupt; }
    .user { color: $sv-user; }
    .assistant { color: $sv-assistant; }
    .tool { color: $sv-tool; }
    .system { color: $sv-system; }
    """

    def __init__(self, theme_name: str) -> None:
        super().__init__()
        self.theme_name = theme_name

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return variable_defaults_for(self.current_theme)

    def compose(self) -> ComposeResult:
        yield Label(f"theme: {self.theme_name}")
        for state, glyph in (("running", "*"), ("crashed", "x"), ("closed", "-"), ("corrupt", "!")):
            yield Label(f"{glyph} {state}", classes=state)
        with Vertical(id="panel"):
            for kind in ("user", "assistant", "tool", "system"):
                yield Label(f"{kind}: a transcript chunk on $panel", classes=kind)

    def on_mount(self) -> None:
        apply_themes(self, self.theme_name)


@pytest.mark.parametrize("theme_name", BUILTIN_NAMES)
def test_theme_variables_render(snap_compare, theme_name: str) -> None:
    app = ThemeDemoApp(theme_name)
    assert snap_compare(app, terminal_size=(80, 24))
    assert app.theme == theme_name
