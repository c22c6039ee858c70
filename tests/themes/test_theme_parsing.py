"""`validate_theme_data` / `parse_theme_file`: one-line errors naming file and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from sessionview.app.themes import ThemeError, parse_theme_file, validate_theme_data

GOOD = {"name": "t", "primary": "#123456"}


def error_for(data: dict) -> str:
    with pytest.raises(ThemeError) as info:
        validate_theme_data(data, "x.toml")
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("x.toml: ")
    return message


def test_minimal_theme() -> None:
    assert validate_theme_data(GOOD, "x.toml") == GOOD


def test_all_fields() -> None:
    data = {
        **GOOD,
        "secondary": "red",
        "accent": "rgb(1, 2, 3)",
        "foreground": "#fff",
        "background": "hsl(0, 0%, 10%)",
        "surface": "#111111",
        "panel": "#222",
        "warning": "yellow",
        "error": "#ff0000",
        "success": "green",
        "dark": False,
        "luminosity_spread": 0.2,
        "text_alpha": 1,
        "variables": {"sv-running": "#00ff00", "footer-key-foreground": "red"},
    }
    kwargs = validate_theme_data(data, "x.toml")
    assert kwargs["dark"] is False
    assert kwargs["text_alpha"] == 1.0
    assert kwargs["variables"]["sv-running"] == "#00ff00"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"accent": "not-a-colour"}, "x.toml: field 'accent': 'not-a-colour' is not a colour"),
        ({"primary": 7}, "field 'primary': expected a colour string, got integer"),
        ({"dark": "yes"}, "field 'dark': expected true or false, got string"),
        ({"primar": "#fff"}, "field 'primar': unknown key"),
        ({"name": 3}, "field 'name': expected a string, got integer"),
        ({"name": "has space"}, "field 'name': 'has space' must be"),
        ({"variables": "x"}, "field 'variables': expected a table, got string"),
        ({"variables": {"sv-running": "nope"}}, "field 'variables.sv-running': 'nope' is not"),
        ({"variables": {"other": 1}}, "field 'variables.other': expected a string"),
        ({"variables": {"bad name": "red"}}, "field 'variables.bad name': not a valid"),
        ({"text_alpha": 2}, "field 'text_alpha': 2 is not between 0 and 1"),
        ({"text_alpha": True}, "field 'text_alpha': expected a number, got boolean"),
    ],
)
def test_bad_field(change: dict, expected: str) -> None:
    assert expected in error_for({**GOOD, **change})


@pytest.mark.parametrize("missing", ["name", "primary"])
def test_missing_required(missing: str) -> None:
    data = dict(GOOD)
    del data[missing]
    assert f"field '{missing}': missing (required)" in error_for(data)


def test_file_errors(tmp_path: Path) -> None:
    syntax = tmp_path / "syntax.toml"
    syntax.write_text('name = "a"\nprimary = #fff\n', encoding="utf-8")
    with pytest.raises(ThemeError, match=r"syntax\.toml: not valid TOML: .*line 2"):
        parse_theme_file(syntax)

    binary = tmp_path / "binary.toml"
    binary.write_bytes(b"name = '\xff'\n")
    with pytest.raises(ThemeError, match=r"binary\.toml: not UTF-8"):
        parse_theme_file(binary)

    with pytest.raises(ThemeError, match=r"missing\.toml: cannot read"):
        parse_theme_file(tmp_path / "missing.toml")


def test_parse_file_builds_theme(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    path.write_text('name = "t"\nprimary = "#123456"\n[variables]\nsv-crashed = "red"\n')
    theme = parse_theme_file(path)
    assert (theme.name, theme.primary, theme.variables) == ("t", "#123456", {"sv-crashed": "red"})
