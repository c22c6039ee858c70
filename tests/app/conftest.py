"""Fixtures of the TUI tests (the data and the helpers they use are in `tests/helpers/app.py`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sessionview.store.writer import SessionWriter
from tests.helpers.app import (  # noqa: F401 - utc_tz: an autouse fixture for every TUI test
    copy_fixtures,
    start_running,
    utc_tz,
    write_corrupt,
    write_hostile,
)


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


@pytest.fixture
def writers() -> Iterator[list[SessionWriter]]:
    made: list[SessionWriter] = []
    yield made
    for w in made:
        w.abandon()


@pytest.fixture
def mixed_root(home: Path, writers: list[SessionWriter]) -> Path:
    """Fixtures (closed + crashed), one running writer, one corrupt file, one hostile chunk."""
    root = copy_fixtures(home)
    write_hostile(root)
    write_corrupt(root)
    writers.append(start_running(root))
    return root
