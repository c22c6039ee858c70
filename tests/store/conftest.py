"""Fixtures for the store tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def sessions_dir(tmp_path: Path) -> Path:
    """An empty sessions directory in tmp_path."""
    d = tmp_path / "sessions"
    d.mkdir()
    return d
