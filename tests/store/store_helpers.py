"""Helpers for the store tests (imported as `store_helpers`): the manifest, real writers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.helpers.processes import stop_holder

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openrath"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))["fixtures"]
WRITER_PROC = Path(__file__).parent / "writer_proc.py"


def fixture_entry(name: str) -> dict:
    return next(e for e in MANIFEST if e["fixture"] == name)


def run_writer(*args: str, **kw) -> subprocess.Popen:
    """Start `writer_proc.py` with the venv's Python (a real, separate process)."""
    return subprocess.Popen(
        [sys.executable, str(WRITER_PROC), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kw,
    )


@contextmanager
def live_writer(
    directory: Path, session_id: str | None = None
) -> Iterator[tuple[Path, subprocess.Popen]]:
    """A subprocess holding a SessionWriter open (its lock held) until the block ends."""
    args = ["hold", str(directory)] + ([session_id] if session_id else [])
    proc = run_writer(*args)
    try:
        line = proc.stdout.readline().strip()
        if not line:
            raise AssertionError(f"writer did not start: {proc.stderr.read()}")
        yield Path(line), proc
    finally:
        stop_holder(proc, timeout=10)
