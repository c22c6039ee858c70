"""sessionview's own directories agree with platformdirs, with and without the shortcut."""

from __future__ import annotations

import platformdirs
import pytest

from sessionview.store import userdirs

LOOKUPS = {
    "cache": platformdirs.user_cache_dir,
    "config": platformdirs.user_config_dir,
    "data": platformdirs.user_data_dir,
}
VARIABLES = {"cache": "XDG_CACHE_HOME", "config": "XDG_CONFIG_HOME", "data": "XDG_DATA_HOME"}


@pytest.mark.parametrize("kind", sorted(LOOKUPS))
@pytest.mark.parametrize("xdg", [None, "", "relative/dir", "/abs/xdg", "/abs/trailing/"])
@pytest.mark.parametrize("home", [None, "/home/alice", "/home/bob/", "/", "relative-home", ""])
def test_agrees_with_platformdirs(
    kind: str, xdg: str | None, home: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ((VARIABLES[kind], xdg), ("HOME", home)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    expected = LOOKUPS[kind]("sessionview", appauthor=False)
    assert userdirs.user_dir(kind) == expected


def test_the_shortcut_is_taken_in_the_common_case(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/alice")
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    if userdirs.sys.platform == "linux":
        assert userdirs._linux_dir("cache") == "/home/alice/.cache/sessionview"
