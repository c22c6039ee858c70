"""The Claude Code subagent fixture (`tests/fixtures/claude-subagents/`), installed where
Claude Code keeps it; used by the CLI-level and the TUI-level tests of that layout."""

from __future__ import annotations

import shutil
from pathlib import Path

FIXTURE = Path(__file__).parent.parent / "fixtures" / "claude-subagents"
SID = "7c1e4b2a-9d3f-4e5a-8b6c-0d1e2f3a4b5c"
AGENT = "agent-a9f8e7d6c5b4a3f2"


def install(home: Path) -> Path:
    """The fixture where Claude Code keeps it (`~/.claude/projects/...`); the session file."""
    shutil.copytree(FIXTURE / "projects", home / ".claude" / "projects")
    return home / ".claude" / "projects" / "-home-bob-proj" / f"{SID}.jsonl"
