"""One machine holding every agent's sessions: `sessionview ls --json` with no --dir lists them all."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.helpers.cli import sv

FIXTURES = Path(__file__).parent.parent / "fixtures"
CLAUDE_ID = "5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8"
CODEX_ID = "0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b"
OPENRATH_ID = "24d17466-8c81-478b-ab51-29cbc79b9a05"


def populate(home: Path) -> None:
    """Lay out each agent's store where the agent itself would write it."""
    sessions = home / ".openrath" / "sessions"
    sessions.mkdir(parents=True)
    for name in (f"{OPENRATH_ID}.jsonl", "7d949ee9-6a32-412f-af30-bc225daa0e93.jsonl.__partial__"):
        shutil.copy(FIXTURES / "openrath" / name, sessions / name)
    shutil.copytree(FIXTURES / "claude" / "projects", home / ".claude" / "projects")
    shutil.copytree(FIXTURES / "codex", home / ".codex")
    shutil.copytree(
        FIXTURES / "nanobot" / "main-config" / "sessions", home / ".nanobot" / "sessions"
    )
    workspace = home / ".nanobot" / "workspace" / "sessions"
    workspace.mkdir(parents=True)
    shutil.copy(
        FIXTURES / "nanobot" / "v0.2-workspace" / "sessions" / "telegram_12345.jsonl", workspace
    )


def test_ls_without_dir_lists_every_agent(isolated_home: Path) -> None:
    populate(isolated_home)
    result = sv("ls", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    by_format: dict[str, list[dict]] = {}
    for row in rows:
        by_format.setdefault(row["format"], []).append(row)
    assert set(by_format) == {"openrath", "claude", "codex", "nanobot"}
    assert {r["id"] for r in by_format["openrath"]} == {
        OPENRATH_ID,
        "7d949ee9-6a32-412f-af30-bc225daa0e93",
    }
    assert [r["id"] for r in by_format["claude"]] == [CLAUDE_ID]
    assert [r["id"] for r in by_format["codex"]] == [CODEX_ID]
    assert {r["id"] for r in by_format["nanobot"]} == {"cli:direct", "telegram:12345"}
    for row in rows:
        assert row["state"] in {"running", "crashed", "closed"}, row
        assert row["title"], row
        assert row["chunks"] > 0, row
    table = sv("ls").stdout
    for fmt in ("openrath", "claude", "codex", "nanobot"):
        assert fmt in table


def test_resume_print_gives_each_agents_real_command(isolated_home: Path) -> None:
    populate(isolated_home)
    claude = sv("resume", CLAUDE_ID, "--print")
    assert claude.returncode == 0, claude.stderr
    assert f"claude --resume {CLAUDE_ID}" in claude.stdout and "cd " in claude.stdout
    codex = sv("resume", CODEX_ID, "--print")
    assert "codex" in codex.stdout and f"resume {CODEX_ID}" in codex.stdout
    nanobot = sv("resume", "telegram:12345", "--print")
    assert "nanobot agent" in nanobot.stdout and "telegram:12345" in nanobot.stdout
    assert "-w " in nanobot.stdout
    openrath = sv("resume", OPENRATH_ID, "--print")
    assert "OPENRATH_HOME=" in openrath.stdout and "to_resumable_pair" in openrath.stdout
