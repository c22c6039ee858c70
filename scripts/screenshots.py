"""Regenerate the README's screenshots: `uv run python scripts/screenshots.py`.

Runs the real app headless (`run_test(size=...)`) on fixed fixture data plus live
sessions written by the real `SessionWriter`, drives it with key presses and saves
SVGs into `screenshots/`.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "screenshots"
FIXTURES = ROOT / "tests" / "fixtures"
NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
SIZE = (140, 40)

sys.path.insert(0, str(ROOT))


def _isolate(base: Path) -> None:
    """Keep the developer's own config, cache and trash out of the pictures."""
    for var, sub in (
        ("HOME", "home"),
        ("XDG_CONFIG_HOME", "config"),
        ("XDG_CACHE_HOME", "cache"),
        ("XDG_DATA_HOME", "data"),
    ):
        path = base / sub
        path.mkdir(parents=True, exist_ok=True)
        os.environ[var] = str(path)
    for var in (
        "SESSIONVIEW_DIR",
        "SESSIONVIEW_CONFIG_DIR",
        "OPENRATH_HOME",
        "CLAUDE_CONFIG_DIR",
        "CODEX_HOME",
    ):
        os.environ.pop(var, None)


def _openrath_dir(base: Path) -> Path:
    target = base / "sessions"
    shutil.copytree(FIXTURES / "openrath", target, ignore=shutil.ignore_patterns("manifest.json"))
    stamp = NOW.timestamp() - 3600
    for path in target.iterdir():
        os.utime(path, (stamp, stamp))
    return target


def _mixed_dir(base: Path) -> Path:
    target = _openrath_dir(base / "mixed")
    for fmt in ("claude", "codex", "nanobot", "snapshot"):
        source = FIXTURES / fmt
        if not source.is_dir():
            continue
        for path in source.rglob("*"):
            if (
                path.is_file()
                and not path.name.startswith(".")
                and path.suffix in (".jsonl", ".json")
            ):
                if path.parent.name == "sessions" and path.suffix == ".json" and fmt == "claude":
                    continue  # Claude's live-session registry is not a session
                shutil.copy(path, target / path.name)
    return target


async def _shoot(
    name: str,
    sessions: Path,
    drive: Callable[[object], Awaitable[None]] | None = None,
    *,
    theme: str | None = None,
    live: bool = False,
) -> None:
    from sessionview.app import make_app
    from sessionview.config import Config
    from sessionview.store.index import SessionIndex

    config = Config(theme=theme) if theme else Config()
    app = make_app(SessionIndex([sessions], use_cache=False), config, watch=live, now=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.5)
        if drive is not None:
            await drive(pilot)
            await pilot.pause(0.5)
        app.save_screenshot(filename=f"{name}.svg", path=str(OUT))
    print(f"screenshots/{name}.svg")


async def main() -> None:
    from sessionview.store.writer import SessionWriter

    OUT.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sv-shots-") as tmp:
        base = Path(tmp)
        _isolate(base)
        # Under HOME, so the pictures show `~/sessions`, not a random temp path.
        home = Path(os.environ["HOME"])
        sessions = _openrath_dir(home)
        # Live sessions, held open by real writers for the whole run.
        live = SessionWriter(
            "7e57ab1e-0000-4000-8000-000000000001", directory=sessions, created_at=NOW
        )
        live.append("system", {"content": "You are a careful coding agent."})
        live.append("user", {"content": "Keep the build green: watch CI and fix what breaks."})
        for n in range(6):
            live.append(
                "assistant",
                {
                    "content": f"Step {n}: running the tests.",
                    "tool_calls": [
                        {
                            "id": f"call_{n}",
                            "type": "function",
                            "function": {
                                "name": "run_shell_command",
                                "arguments": '{"cmd": "pytest -x -q"}',
                            },
                        }
                    ],
                },
            )
            live.append(
                "tool_result",
                {
                    "tool_call_id": f"call_{n}",
                    "name": "run_shell_command",
                    "content": f"{n} passed",
                },
            )
        try:
            await _shoot("list", sessions)

            async def open_live(pilot) -> None:  # type: ignore[no-untyped-def]
                await pilot.press("/")
                await pilot.press(*"build green")
                await pilot.press("enter")
                await pilot.press("enter")

            await _shoot("transcript-follow", sessions, open_live)

            async def prune(pilot) -> None:  # type: ignore[no-untyped-def]
                await pilot.press("p")

            await _shoot("prune-preview", sessions, prune)
            await _shoot("mixed-formats", _mixed_dir(home))
            for theme_file in sorted((ROOT / "themes").glob("*.toml")):
                await _shoot(f"theme-{theme_file.stem}", sessions, theme=theme_file.stem)
        finally:
            live.abandon()


if __name__ == "__main__":
    asyncio.run(main())
