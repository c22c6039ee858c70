"""`sessionview.render` is shared by the CLI, the TUI, search and export: it never pulls
in textual or rich (the TUI wraps its strings in its own Text objects)."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import sessionview.render.chunk_text, sessionview.render.humanize, sessionview.render.safe
print(",".join(sorted(m for m in sys.modules if m.split(".")[0] in ("textual", "rich"))))
"""


def test_render_imports_neither_textual_nor_rich() -> None:
    out = subprocess.run(
        [sys.executable, "-c", CHECK], capture_output=True, text=True, timeout=60, check=True
    )
    assert out.stdout.strip() == ""
