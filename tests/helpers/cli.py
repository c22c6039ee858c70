"""Run `sessionview` as a user does: a real subprocess with this interpreter and the test's
environment (HOME and friends are per-test), output captured as text."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def sv(
    *args: str, check: bool = False, timeout: float = 60, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`python -m sessionview ARGS`; with `check`, a non-zero exit fails the test with stderr."""
    result = subprocess.run(
        [sys.executable, "-m", "sessionview", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ.copy(),
        cwd=cwd,
    )
    if check:
        assert result.returncode == 0, result.stderr
    return result
