"""The README's picture of an HTML export: `uv run python scripts/export_screenshot.py`.

Exports a real OpenRath fixture session (tool calls, results, usage) to HTML with
`sessionview export` and renders it with headless Chromium into
`screenshots/export-html.png` (light) and `screenshots/export-html-dark.png`
(`prefers-color-scheme: dark`). Needs Debian's `chromium`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
SESSION = "24d17466-8c81-478b-ab51-29cbc79b9a05"  # "The tests fail, please fix add()."
SIZE = (1280, 860)

sys.path.insert(0, str(ROOT / "tests" / "export"))

from browser import run_chromium  # noqa: E402


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="sv-export-shot-") as tmp:
        page = Path(tmp) / "export.html"
        env = {**os.environ, "HOME": tmp, "XDG_CONFIG_HOME": tmp, "XDG_CACHE_HOME": tmp}
        subprocess.run(
            [sys.executable, "-m", "sessionview", "export", SESSION, "--to", "html"]
            + ["--dir", str(ROOT / "tests" / "fixtures" / "openrath"), "-o", str(page)],
            check=True,
            env=env,
            cwd=ROOT,
        )
        OUT.mkdir(exist_ok=True)
        for name, extra in (
            ("export-html.png", ()),
            (
                "export-html-dark.png",
                ("--force-dark-mode", "--blink-settings=preferredColorScheme=0"),
            ),
        ):
            target = OUT / name
            result = run_chromium(
                *extra,
                f"--screenshot={target}",
                f"--window-size={SIZE[0]},{SIZE[1]}",
                "--virtual-time-budget=2000",
                page.as_uri(),
            )
            if result.returncode != 0 or not target.exists():
                print(f"chromium failed: {result.stderr.strip()[-500:]}", file=sys.stderr)
                return 1
            print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
