"""Fixtures for the theme tests: a user themes directory with good and broken files."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionview.app.themes import user_themes_dir

GOOD_USER_THEME = """\
# A user theme used by the tests.
name = "my-theme"
primary = "#336699"
background = "#101010"
dark = true

[variables]
sv-running = "#00ff00"
"""

BROKEN_USER_THEMES = {
    # file name -> (content, text the problem line must contain)
    "bad-colour.toml": (
        'name = "bad-colour"\nprimary = "#336699"\naccent = "not-a-colour"\n',
        "field 'accent': 'not-a-colour' is not a colour",
    ),
    "no-name.toml": ('primary = "#336699"\n', "field 'name': missing"),
    "syntax.toml": ('name = "syntax"\nprimary = \n', "line 2"),
}


@pytest.fixture
def broken_user_themes() -> dict[str, tuple[str, str]]:
    """file name -> (content, text its problem line must contain)."""
    return dict(BROKEN_USER_THEMES)


@pytest.fixture
def user_dir() -> Path:
    """The user themes directory (under the tmp XDG_CONFIG_HOME), created empty."""
    directory = user_themes_dir()
    directory.mkdir(parents=True)
    return directory


@pytest.fixture
def user_dir_with_problems(user_dir: Path) -> Path:
    """One good user theme and three broken ones."""
    (user_dir / "my-theme.toml").write_text(GOOD_USER_THEME, encoding="utf-8")
    for filename, (content, _) in BROKEN_USER_THEMES.items():
        (user_dir / filename).write_text(content, encoding="utf-8")
    return user_dir
