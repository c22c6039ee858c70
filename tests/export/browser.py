"""Headless Chromium for the export tests and the README screenshot.

Debian's `chromium` package, run with no sandbox (root in CI), no GPU, no first-run
work and no background traffic of its own, with a throwaway profile: the only requests
it makes are the ones the page asks for.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-default-apps",
    "--hide-scrollbars",
)


def chromium_path() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def run_chromium(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Chromium with `FLAGS` and a fresh profile directory; raises when it is missing."""
    exe = chromium_path()
    if exe is None:
        raise FileNotFoundError("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory(prefix="sv-chromium-") as profile:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )


def screenshot(page: Path, out: Path, size: tuple[int, int] = (1280, 900)) -> None:
    """`page` (a local HTML file) rendered to the PNG `out`."""
    out.parent.mkdir(parents=True, exist_ok=True)
    result = run_chromium(
        f"--screenshot={out}",
        f"--window-size={size[0]},{size[1]}",
        "--virtual-time-budget=2000",
        page.resolve().as_uri(),
    )
    if not out.exists():
        raise RuntimeError(f"chromium wrote no screenshot: {result.stderr.strip()[-500:]}")
