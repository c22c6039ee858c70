"""The built-in theme files: where they are found, what they define, how readable they are."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from textual.color import Color
from textual.theme import Theme

from sessionview.app import themes
from sessionview.app.themes import (
    CHUNK_VARIABLES,
    STATE_VARIABLE_DEFAULTS,
    STATE_VARIABLES,
    builtin_themes_dir,
    parse_theme_file,
)

REPO = Path(__file__).resolve().parents[2]
EXPECTED = {"sessionview-dark", "sessionview-light", "sessionview-high-contrast"}
# Parametrize over whatever ships, so a new theme file is checked without editing this list.
BUILTIN_NAMES = sorted(p.stem for p in (REPO / "themes").glob("*.toml"))


def _relative_luminance(colour: str) -> float:
    def channel(value: int) -> float:
        v = value / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    c = Color.parse(colour)
    return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio between two colours."""
    high, low = sorted((_relative_luminance(a), _relative_luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_builtin_dir_is_the_repo_themes_dir_in_a_checkout() -> None:
    assert builtin_themes_dir() == REPO / "themes"
    names = {p.stem for p in builtin_themes_dir().glob("*.toml")}
    assert names >= EXPECTED
    assert not (REPO / "themes" / ".keep").exists()


def test_wheel_ships_themes_where_builtin_dir_looks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    force = pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert force["themes"] == "sessionview/_builtin_themes"
    # An installed package: `_builtin_themes` next to the modules wins over the checkout.
    package = tmp_path / "site-packages" / "sessionview"
    (package / "_builtin_themes").mkdir(parents=True)
    monkeypatch.setattr(themes.resources, "files", lambda name: package)
    assert builtin_themes_dir() == package / "_builtin_themes"


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_theme_parses_with_all_variables(name: str) -> None:
    path = builtin_themes_dir() / f"{name}.toml"
    theme = parse_theme_file(path)
    assert isinstance(theme, Theme)
    assert theme.name == name
    for variable in (*STATE_VARIABLES, *CHUNK_VARIABLES):
        assert variable in theme.variables, variable
    assert path.read_text(encoding="utf-8").startswith(f"# {name}: "), "comment header"
    for field in ("secondary", "accent", "background", "surface", "panel", "foreground"):
        assert getattr(theme, field), field
    for field in ("warning", "error", "success"):
        assert getattr(theme, field), field


def test_dark_and_light_flags() -> None:
    loaded = {n: parse_theme_file(builtin_themes_dir() / f"{n}.toml") for n in BUILTIN_NAMES}
    assert loaded["sessionview-light"].dark is False
    assert loaded["sessionview-dark"].dark is True
    assert loaded["sessionview-high-contrast"].dark is True
    light = loaded["sessionview-light"]
    assert _relative_luminance(light.background) > 0.9  # light background ...
    assert _relative_luminance(light.foreground) < 0.05  # ... dark text


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_state_and_chunk_colours_are_readable(name: str) -> None:
    """WCAG AA (4.5:1) on every background layer; AAA (7:1) on the high-contrast one."""
    theme = parse_theme_file(builtin_themes_dir() / f"{name}.toml")
    minimum = 7.0 if name == "sessionview-high-contrast" else 4.5
    assert contrast(theme.foreground, theme.background) >= 7.0
    for variable in (*STATE_VARIABLES, *CHUNK_VARIABLES):
        colour = theme.variables[variable]
        ratio = contrast(colour, theme.background)
        assert ratio >= minimum, f"{variable} {colour} on {theme.background}: {ratio:.2f}"
        for layer in (theme.surface, theme.panel):
            assert contrast(colour, layer) >= 4.5, f"{variable} on {layer}"


def test_high_contrast_states_differ_in_greyscale() -> None:
    """Under NO_COLOR Textual renders greyscale: the four states must still look different."""
    theme = parse_theme_file(builtin_themes_dir() / "sessionview-high-contrast.toml")
    greys = sorted(Color.parse(theme.variables[v]).monochrome.brightness for v in STATE_VARIABLES)
    assert all(b - a >= 0.1 for a, b in zip(greys, greys[1:], strict=False)), greys


def test_static_defaults_match_the_default_theme() -> None:
    dark = parse_theme_file(builtin_themes_dir() / "sessionview-dark.toml")
    assert {k: v for k, v in dark.variables.items() if k.startswith("sv-")} == (
        STATE_VARIABLE_DEFAULTS
    )
