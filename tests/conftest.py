"""Test hygiene: no test ever reads the developer's own config, cache, trash or sessions."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
OPENRATH_FIXTURES = FIXTURES / "openrath"


@pytest.fixture(autouse=True)
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point HOME, every platformdirs location and every agent's home at `tmp_path`."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    for var in (
        "SESSIONVIEW_DIR",
        "SESSIONVIEW_CONFIG_DIR",
        "OPENRATH_HOME",
        "CLAUDE_CONFIG_DIR",
        "CODEX_HOME",
        "NO_COLOR",
        "PAGER",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return home


@pytest.fixture
def openrath_dir(tmp_path: Path) -> Path:
    """A fresh copy of the real-writer OpenRath fixtures (writable, in tmp_path)."""
    target = tmp_path / "sessions"
    shutil.copytree(OPENRATH_FIXTURES, target, ignore=shutil.ignore_patterns("manifest.json"))
    return target
