"""`sessionview --demo`: simulated agents writing live OpenRath sessions into a temp directory.

The agents use the project's real `SessionWriter`, so the demo exercises exactly
what a real agent run looks like on disk: one session finishes cleanly, one crashes
midway (its `__partial__` file stays, unlocked), one runs on with tool calls, one
produces a huge tool result; a few older closed sessions give prune something to
do. The directory is removed on exit.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import shutil
import tempfile
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sessionview.store.writer import SessionWriter

SYSTEM = "You are a careful coding agent. Use the workspace tools; explain each step."
PROMPTS = [
    "The tests fail, please fix add().",
    "Refactor the config loader to use tomllib.",
    "Why is the CI job slow? Profile it.",
    "Add a --json flag to the ls command.",
    "请帮我分析这个日志文件 📁",
    "Summarise yesterday's incident report.",
]
TOOLS = [
    ("run_shell_command", {"cmd": "pytest -x -q"}),
    ("read_workspace_file", {"path": "src/app.py"}),
    ("grep", {"pattern": "def load", "path": "src/"}),
    (
        "write_workspace_file",
        {"path": "src/app.py", "content": "def add(a, b):\n    return a + b\n"},
    ),
]


def _tool_call(n: int, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": f"call_demo{n:04d}",
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }


class DemoAgents:
    """Background thread that plays several agents; `stop()` ends them (abandoning writers)."""

    def __init__(self, directory: Path, *, seed: int = 7, speed: float = 1.0) -> None:
        self.directory = directory
        self.random = random.Random(seed)
        self.speed = speed
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._writers: list[SessionWriter] = []
        self._lock = threading.Lock()

    def seed_history(self) -> None:
        """A few older closed and crashed sessions, so the list and prune have history."""
        now = datetime.now(UTC)
        for days, prompt in ((45, PROMPTS[5]), (32, PROMPTS[2]), (9, PROMPTS[3]), (2, PROMPTS[1])):
            created = now - timedelta(days=days, minutes=self.random.randint(0, 600))
            writer = SessionWriter(directory=self.directory, created_at=created)
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": prompt})
            writer.append(
                "assistant",
                {"content": "Done. " + prompt.split()[0] + " handled.", "tool_calls": None},
            )
            writer.close(
                usage={
                    "prompt_tokens": 900 * days,
                    "completion_tokens": 40 * days,
                    "total_tokens": 940 * days,
                },
                closed_at=created + timedelta(minutes=12),
            )
        crashed = SessionWriter(directory=self.directory, created_at=now - timedelta(days=3))
        crashed.append("user", {"content": "Migrate the database to v2."})
        crashed.abandon()
        # A crash three days ago: its file was last written then, not now.
        stamp = (now - timedelta(days=3) + timedelta(minutes=4)).timestamp()
        os.utime(crashed.partial_path, (stamp, stamp))

    def _sleep(self, seconds: float) -> bool:
        """Sleep scaled by speed; True when asked to stop."""
        return self._stop.wait(seconds / self.speed)

    def _writer(self) -> SessionWriter:
        writer = SessionWriter(directory=self.directory)
        with self._lock:
            self._writers.append(writer)
        return writer

    def _turn(self, writer: SessionWriter, n: int, result: str | None = None) -> None:
        name, args = self.random.choice(TOOLS)
        writer.append(
            "assistant",
            {"content": f"Step {n}: running {name}.", "tool_calls": [_tool_call(n, name, args)]},
        )
        if self._sleep(0.6):
            return
        body = result if result is not None else json.dumps({"exit_code": 0, "stdout": f"ok {n}\n"})
        writer.append(
            "tool_result", {"tool_call_id": f"call_demo{n:04d}", "name": name, "content": body}
        )

    def _finisher(self) -> None:
        while not self._stop.is_set():
            writer = self._writer()
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": self.random.choice(PROMPTS)})
            for n in range(4):
                if self._sleep(1.5):
                    return
                self._turn(writer, n)
            writer.append("assistant", {"content": "All done: tests pass.", "tool_calls": None})
            writer.close(
                usage={"prompt_tokens": 4200, "completion_tokens": 310, "total_tokens": 4510}
            )
            if self._sleep(8):
                return

    def _crasher(self) -> None:
        while not self._stop.is_set():
            writer = self._writer()
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": "This one will crash on its third tool call."})
            for n in range(2):
                if self._sleep(2):
                    return
                self._turn(writer, n)
            if self._sleep(2):
                return
            writer.abandon()  # what a killed agent leaves: a partial file nobody locks
            if self._sleep(15):
                return

    def _runner(self) -> None:
        writer = self._writer()
        writer.append("system", {"content": SYSTEM})
        writer.append("user", {"content": "Keep the build green: watch CI and fix what breaks."})
        for n in itertools.count():
            if self._sleep(1.2):
                return
            self._turn(writer, n)

    def _huge(self) -> None:
        writer = self._writer()
        writer.append("user", {"content": "Read the whole server log and find the first error."})
        if self._sleep(3):
            return
        log = "\n".join(
            f"2026-11-21T10:{i // 60 % 60:02d}:{i % 60:02d} INFO request {i} ok"
            for i in range(40_000)
        )
        writer.append(
            "assistant",
            {
                "content": None,
                "tool_calls": [_tool_call(1, "read_workspace_file", {"path": "server.log"})],
            },
        )
        writer.append(
            "tool_result",
            {"tool_call_id": "call_demo0001", "name": "read_workspace_file", "content": log},
        )
        if self._sleep(2):
            return
        writer.append(
            "assistant",
            {
                "content": "The log has no ERROR lines; the first WARN is at 10:41.",
                "tool_calls": None,
            },
        )
        writer.close(
            usage={"prompt_tokens": 310_000, "completion_tokens": 95, "total_tokens": 310_095}
        )

    def start(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.seed_history()
        for target in (self._finisher, self._crasher, self._runner, self._huge):
            thread = threading.Thread(target=target, name=f"demo-{target.__name__}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=2)
        with self._lock:
            for writer in self._writers:
                writer.abandon()


def run_demo(config: Any, *, runner: Callable[[Any], None] | None = None) -> int:
    """Open the TUI on live simulated agents; the temp directory is removed on exit.

    `runner` runs the app (default `app.run()`); tests pass one that drives it headless.
    """
    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import Root

    base = Path(tempfile.mkdtemp(prefix="sessionview-demo-"))
    sessions = base / "sessions"
    agents = DemoAgents(sessions)
    try:
        agents.start()
        from sessionview.app import make_app

        index = SessionIndex([Root(sessions, "openrath")], use_cache=False)
        banner = f"Demo · simulated agents writing into {sessions} · removed on exit"
        app = make_app(index, config, banner=banner)
        if runner is None:
            app.run()
        else:
            runner(app)
    finally:
        agents.stop()
        shutil.rmtree(base, ignore_errors=True)
    return 0
