"""Fixed data for the TUI tests: sessions under `~/sessions` (HOME is per-test), pinned clock,
and the way a TUI test waits (`settle`).

Every partial file gets a fixed mtime and the running session's writer a fixed id and
creation time, so snapshots are identical from run to run; the root is under HOME so the
UI shows it as `~/sessions` and no tmp path reaches an SVG.
"""

from __future__ import annotations

import asyncio
import functools
import inspect
import os
import shutil
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sessionview.app import make_app
from sessionview.config import Config
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter
from tests.helpers.wait import pilot_wait_until

FIXTURES = Path(__file__).parent.parent / "fixtures" / "openrath"
FORMAT_FIXTURES = Path(__file__).parent.parent / "fixtures"
#: One file per format (two for openrath and nanobot: a closed and a crashed session).
FORMAT_FILES = {
    "openrath": (
        "openrath/230fd66b-c1a9-48f7-9181-064ac2297361.jsonl",
        "openrath/7d949ee9-6a32-412f-af30-bc225daa0e93.jsonl.__partial__",
    ),
    "claude": ("claude/projects/-home-alice-src-app/5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8.jsonl",),
    "codex": (
        "codex/sessions/2026/03/02/"
        "rollout-2026-03-02T10-15-04-0199a1b2-3c4d-7e5f-8a9b-0c1d2e3f4a5b.jsonl",
    ),
    "nanobot": (
        "nanobot/v0.2-workspace/sessions/telegram_12345.jsonl",
        "nanobot/main-config/sessions/4f1c2a9e0b7d4c3e8a6f5d2b1c0e9a87/Y2xpOmRpcmVjdA.jsonl",
    ),
    "snapshot": ("snapshot/workspace/.sessions/a1b2c3d4e5f6_20260302_091504.json",),
}
NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
FIXED_MTIME = datetime(2026, 11, 21, 11, 55, 0, tzinfo=UTC).timestamp()
RUNNING_ID = "0a11ce00-0000-4000-8000-000000000001"
HOSTILE_ID = "bad0bad0-0000-4000-8000-000000000002"
CORRUPT_NAME = "c0ffee00-0000-4000-8000-000000000003.jsonl"
SIZE = (120, 36)

HOSTILE_TEXT = (
    "markup [bold red]x[/] and [@click=app.quit]click me[/] and [link=file:///etc]l[/]\n"
    "escapes: \x1b[31mred\x1b[0m \x1b]0;pwned\x07 \x1b]52;c;ZXZpbA==\x07 bell\x07 c1:\x9b2J\n"
    "bidi: \u202eevil\u202c tab:\tend\r\nlast"
)


def fixed_now() -> datetime:
    return NOW


def _pin(path: Path) -> None:
    os.utime(path, (FIXED_MTIME, FIXED_MTIME))


def copy_fixtures(home: Path, *, only: tuple[str, ...] = ()) -> Path:
    root = home / "sessions"
    root.mkdir(parents=True, exist_ok=True)
    for src in sorted(FIXTURES.iterdir()):
        if src.name == "manifest.json":
            continue
        if only and not src.name.startswith(only):
            continue
        shutil.copy2(src, root / src.name)
        _pin(root / src.name)
    return root


def copy_formats(home: Path, formats: tuple[str, ...] = tuple(FORMAT_FILES)) -> Path:
    """The fixture files of every format in one directory (detection is per file)."""
    root = home / "sessions"
    root.mkdir(parents=True, exist_ok=True)
    for name in formats:
        for rel in FORMAT_FILES[name]:
            src = FORMAT_FIXTURES / rel
            target = root / src.name
            target.write_bytes(src.read_bytes())  # the fixtures are read-only: no copy2
            _pin(target)
    return root


def write_hostile(root: Path) -> None:
    w = SessionWriter(
        HOSTILE_ID, directory=root, created_at=datetime(2026, 11, 21, 11, 50, tzinfo=UTC)
    )
    w.append("user", {"content": HOSTILE_TEXT})
    w.append(
        "assistant",
        {
            "content": "calling [b]tool[/b]",
            "tool_calls": [
                {
                    "id": "call_\x1b[2J",
                    "type": "function",
                    "function": {
                        "name": "sh[red]ell[/]",
                        "arguments": '{"cmd": "echo \\u001b[31m"}',
                    },
                }
            ],
        },
    )
    w.append(
        "tool_result",
        {"tool_call_id": "call_x", "name": "shell", "content": "[@click=app.quit]ok[/]"},
    )
    w.close(closed_at=datetime(2026, 11, 21, 11, 51, tzinfo=UTC), usage=None)


def write_corrupt(root: Path) -> Path:
    path = root / CORRUPT_NAME
    header = (
        '{"record_type": "header", "schema_version": 1, "id": "c0ffee00-0000-4000-8000-000000000003", '
        '"created_at": "2026-11-21T10:00:00+00:00", "parent_session_ids": []}\n'
    )
    path.write_text(header + '{"record_type": "chunk", "index": 0, [bold]broken\x1b[31m\n')
    _pin(path)
    return path


def start_running(root: Path, chunks: int = 3) -> SessionWriter:
    w = SessionWriter(
        RUNNING_ID, directory=root, created_at=datetime(2026, 11, 21, 11, 58, tzinfo=UTC)
    )
    w.append("system", {"content": "You are a build agent."})
    w.append("user", {"content": "Keep the build green while I am away."})
    for n in range(chunks - 2):
        w.append("assistant", {"content": f"step {n}: running the test suite"})
    os.utime(w.partial_path, (NOW.timestamp() - 12, NOW.timestamp() - 12))
    return w


def build_app(
    root: Path, *, watch: bool = False, banner: str | None = None, config: Config | None = None
):
    index = SessionIndex([root], use_cache=False)
    return make_app(index, config or Config(), watch=watch, banner=banner, now=fixed_now)


#: Short-lived worker groups `settle` waits for (never the watch, liveness or follow loops).
QUICK_GROUPS = ("scan", "preview", "delete", "corrupt")


def preview_ready(app) -> bool:
    from sessionview.app.screens.main import MainScreen
    from sessionview.app.widgets.preview import PreviewPane

    main = app.screen_stack[0]
    if not isinstance(main, MainScreen) or main.current is None:
        return True
    pane = main.query_one(PreviewPane)
    return pane.info is not None and pane.info.id == main.current.id and pane.is_loaded


def busy_workers(app) -> list[str]:
    """The names of the short-lived workers still running."""
    return [w.name or w.group for w in app.workers if w.is_running and w.group in QUICK_GROUPS]


def _source(condition: Callable[[], object]) -> str:
    try:
        return " ".join(inspect.getsource(condition).split())
    except (OSError, TypeError):
        return repr(condition)


async def settle(
    pilot,
    condition: Callable[[], object] | None = None,
    *,
    timeout: float = 5.0,
    what: str | None = None,
) -> None:
    """`pilot_wait_until` the app is idle (no quick worker running, the preview showing the
    current row) and `condition` holds; the timeout error says which of those did not."""
    app = pilot.app

    def ready() -> bool:
        return not busy_workers(app) and preview_ready(app) and (condition is None or condition())

    def describe() -> str:
        parts = []
        if busy := busy_workers(app):
            parts.append(f"workers still running: {busy}")
        if not preview_ready(app):
            parts.append("the preview to show the current row")
        if condition is not None and not condition():
            parts.append(what or _source(condition))
        return "; ".join(parts) or "the app to settle (it did, just after the deadline)"

    await pilot_wait_until(pilot, ready, timeout=timeout, what=describe)
    await pilot.pause()
    await pilot.pause()


def sync(fn):
    """Run an async test with asyncio (no async pytest plugin is installed)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return asyncio.run(fn(*args, **kwargs))

    return wrapper


def after_keys(*keys: str) -> Callable[[object], Awaitable[None]]:
    """A snapshot's `run_before`: settle, press `keys` (if any) and settle again."""

    async def run_before(pilot) -> None:
        await settle(pilot)
        if keys:
            await pilot.press(*keys)
            await settle(pilot)

    return run_before


def select_row(pilot, short_id: str) -> None:
    """Highlight the list row whose id starts or ends with `short_id` (a full id works too)."""
    main = pilot.app.main
    for key in main.table.keys:
        info = main.table.info(key)
        if info is not None and (info.id.startswith(short_id) or info.id.endswith(short_id)):
            main.table.select_key(key)
            return
    raise AssertionError(f"no row for {short_id}")


async def delete_row(pilot, app, sid: str) -> None:
    """Delete session `sid` the way a user does (d, then y) and wait until its row is gone."""
    from sessionview.app.screens.confirm import ConfirmScreen

    table = app.main.table
    table.select_key(next(k for k in table.keys if table.info(k).id == sid))
    await pilot.press("d")
    await settle(pilot, lambda: isinstance(app.screen, ConfirmScreen))
    await pilot.press("y")
    await settle(pilot, lambda: all(table.info(k).id != sid for k in table.keys))


def spy_notes(app) -> list[tuple[str, str]]:
    """Record every `app.notify` as (title, message), still showing it; the list fills as it runs."""
    notes: list[tuple[str, str]] = []
    _spy_notify(app, lambda title, message: notes.append((title, message)))
    return notes


def spy_messages(app) -> list[str]:
    """Record the message of every `app.notify`, still showing it (see `spy_notes` for titles)."""
    messages: list[str] = []
    _spy_notify(app, lambda _title, message: messages.append(message))
    return messages


def _spy_notify(app, record: Callable[[str, str], None]) -> None:
    """Wrap `app.notify`: `record(title, message)` sees each call, then it shows as before."""
    notify = app.notify

    def spy(message, *, title="", **kwargs):
        record(str(title), str(message))
        return notify(message, title=title, **kwargs)

    app.notify = spy


@pytest.fixture(autouse=True)
def utc_tz(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Times on screen in UTC, whatever the machine's zone (snapshots); autouse where imported."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()
