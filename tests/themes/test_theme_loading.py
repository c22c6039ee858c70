"""`load_all_themes`: built-ins, then user themes; problems collected, never raised."""

from __future__ import annotations

from pathlib import Path

from sessionview.app.themes import builtin_themes_dir, load_all_themes, user_themes_dir

BUILTIN_NAMES = sorted(p.stem for p in builtin_themes_dir().glob("*.toml"))


def test_user_dir_is_under_the_config_dir(isolated_home: Path) -> None:
    assert user_themes_dir() == isolated_home / ".config" / "sessionview" / "themes"
    assert not user_themes_dir().exists()  # never created just by asking


def test_builtins_only_when_no_user_dir() -> None:
    result = load_all_themes()
    assert [t.name for t in result.themes] == BUILTIN_NAMES
    assert result.problems == []


def test_one_good_three_broken(
    user_dir_with_problems: Path, broken_user_themes: dict[str, tuple[str, str]]
) -> None:
    result = load_all_themes()
    names = [t.name for t in result.themes]
    assert names == [*BUILTIN_NAMES, "my-theme"]
    assert len(result.problems) == 3
    for filename, (_, expected) in broken_user_themes.items():
        [line] = [p for p in result.problems if filename in p]
        assert str(user_dir_with_problems / filename) in line
        assert expected in line
        assert "\n" not in line


def test_user_theme_overrides_builtin_by_name(user_dir: Path) -> None:
    (user_dir / "mine.toml").write_text(
        'name = "sessionview-dark"\nprimary = "#ABCDEF"\n', encoding="utf-8"
    )
    result = load_all_themes()
    dark = [t for t in result.themes if t.name == "sessionview-dark"]
    assert len(dark) == 1
    assert dark[0].primary == "#ABCDEF"
    assert result.problems == []


def test_duplicate_user_names_are_reported(user_dir: Path) -> None:
    for stem, primary in (("a", "#111111"), ("b", "#222222")):
        (user_dir / f"{stem}.toml").write_text(f'name = "dup"\nprimary = "{primary}"\n')
    result = load_all_themes()
    assert [t.primary for t in result.themes if t.name == "dup"] == ["#222222"]
    [problem] = result.problems
    assert "b.toml" in problem and "'dup'" in problem and "a.toml" in problem


def test_non_toml_files_are_ignored(user_dir: Path) -> None:
    (user_dir / "notes.txt").write_text("not a theme")
    (user_dir / "sub.toml").mkdir()
    assert load_all_themes().problems == []


def test_unlistable_user_dir_is_a_problem(isolated_home: Path) -> None:
    themes_path = user_themes_dir()
    themes_path.parent.mkdir(parents=True)
    themes_path.write_text("a file where the directory should be")
    result = load_all_themes()
    assert [t.name for t in result.themes] == BUILTIN_NAMES
    [problem] = result.problems
    assert str(themes_path) in problem
