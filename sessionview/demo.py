"""`sessionview --demo`: simulated agents writing live sessions into a temp directory.

The agents use the project's real `SessionWriter`, so the demo exercises exactly
what a real agent run looks like on disk: sessions finish cleanly after a varying
number of tool calls, some crash midway (their `__partial__` file stays, unlocked),
one runs on, one produces a huge tool result. The history has old sessions for prune,
a forked session with two children (`l` shows the lineage), a corrupt file and a
session in a second format (a JSON snapshot). Spawning stops after a bounded number
of sessions.

The demo process gets its own config, cache and trash (the XDG directories and
`SESSIONVIEW_CONFIG_DIR` point into the temp directory while it runs), so a delete,
a prune or a theme picked in the demo never reaches the user's real files; the
whole directory is removed on exit.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
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
    "Bump the dependencies and fix what breaks.",
    "Write a migration that adds an index on users.email.",
    "Find the memory leak in the worker pool.",
    "Translate the error messages to French.",
    "Port the build script from Makefile to justfile.",
    "Review this pull request for race conditions.",
    "Draft release notes for v2.4 from the git log.",
    "Make the flaky test_upload_retry deterministic.",
    "Explain what the scheduler does on a leap second.",
    "Rename the `utils` package and update every import.",
]
CRASH_PROMPTS = [
    "Rebuild the search index from scratch.",
    "Run the full integration suite against staging.",
    "Resize every image in assets/ to 2x.",
    "Migrate the database to v2.",
    "Re-run the nightly benchmark and compare.",
]
PYTEST_OUT = (
    "============================= test session starts ==============================\n"
    "collected 48 items\n\n"
    "tests/test_add.py ........                                               [ 16%]\n"
    "tests/test_config.py .............                                       [ 43%]\n"
    "tests/test_cli.py ...........................                            [100%]\n\n"
    "============================== 48 passed in 1.92s =============================="
)
FILE_OUT = "\n".join(
    f"{n:>4}  " + line
    for n, line in enumerate(
        [
            "import tomllib",
            "from pathlib import Path",
            "",
            "",
            "def load(path: Path) -> dict:",
            '    """Read the config; a missing file is the defaults."""',
            "    try:",
            "        return tomllib.loads(path.read_text())",
            "    except FileNotFoundError:",
            "        return {}",
        ],
        start=1,
    )
)
TOOLS: list[tuple[str, dict[str, Any], str]] = [
    ("run_shell_command", {"cmd": "pytest -x -q"}, PYTEST_OUT),
    ("run_shell_command", {"cmd": "git status --short"}, " M src/app.py\n M tests/test_add.py"),
    ("read_workspace_file", {"path": "src/config.py"}, FILE_OUT),
    (
        "grep",
        {"pattern": "def load", "path": "src/"},
        "src/config.py:5:def load(path: Path) -> dict:",
    ),
    (
        "write_workspace_file",
        {"path": "src/app.py", "content": "def add(a, b):\n    return a + b\n"},
        '{"written": 34}',
    ),
    (
        "web_search",
        {"query": "tomllib vs tomli"},
        "1. tomllib is in the standard library since 3.11",
    ),
    ("list_directory", {"path": "."}, "README.md\npyproject.toml\nsrc/\ntests/"),
]
#: Spawning stops after this many sessions of each kind: the demo settles down.
FINISHED_SESSIONS = 10
CRASHED_SESSIONS = 4
RUNNER_TURNS = 500


def _tool_call(call_id: str, name: str, args: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": call_id,
        "type": "function",
        "function": {"name": name, "arguments": json.dumps(args)},
    }


def _usage(writer: SessionWriter, rng: random.Random) -> dict[str, int]:
    prompt = writer.chunks_written * rng.randint(300, 1400)
    completion = writer.chunks_written * rng.randint(20, 90)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


class DemoAgents:
    """Background threads that play several agents; `stop()` ends them (abandoning writers)."""

    def __init__(
        self,
        directory: Path,
        *,
        seed: int = 7,
        speed: float = 1.0,
        snapshots: Path | None = None,
    ) -> None:
        self.directory = directory
        self.snapshots = snapshots
        self.random = random.Random(seed)
        self.speed = speed
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._writers: list[SessionWriter] = []
        self._lock = threading.Lock()
        self._calls = 0

    # ------------------------------------------------------------- history
    def seed_history(self) -> None:
        """Older closed and crashed sessions (for prune), a fork with two children, a
        corrupt file and, with `snapshots`, a session in a second format."""
        now = datetime.now(UTC)
        for days, prompt in ((45, PROMPTS[5]), (32, PROMPTS[2]), (9, PROMPTS[3]), (2, PROMPTS[1])):
            created = now - timedelta(days=days, minutes=self.random.randint(0, 600))
            writer = SessionWriter(directory=self.directory, created_at=created)
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": prompt})
            for _ in range(self.random.randint(0, 3)):
                self._tool_turn(writer, wait=False)
            writer.append(
                "assistant",
                {"content": "Done. " + prompt.split()[0] + " handled.", "tool_calls": None},
            )
            writer.close(
                usage=_usage(writer, self.random), closed_at=created + timedelta(minutes=12)
            )
        crashed = SessionWriter(directory=self.directory, created_at=now - timedelta(days=3))
        crashed.append("user", {"content": CRASH_PROMPTS[3]})
        crashed.abandon()
        # A crash three days ago: its file was last written then, not now.
        stamp = (now - timedelta(days=3) + timedelta(minutes=4)).timestamp()
        os.utime(crashed.partial_path, (stamp, stamp))
        self._seed_fork(now - timedelta(hours=5))
        self._seed_corrupt(now - timedelta(hours=30))
        if self.snapshots is not None:
            self._seed_snapshot(now - timedelta(hours=2))

    def _seed_fork(self, created: datetime) -> None:
        parent = SessionWriter(
            directory=self.directory,
            created_at=created,
            lineage_operator="Session.create",
            lineage_kind="leaf_user",
        )
        parent.append("system", {"content": SYSTEM})
        parent.append("user", {"content": "Plan the auth rewrite, then try two approaches."})
        parent.append(
            "assistant",
            {
                "content": "Plan: A) sessions in Redis, B) signed cookies. Forking both.",
                "tool_calls": None,
            },
        )
        parent.close(usage=_usage(parent, self.random), closed_at=created + timedelta(minutes=3))
        for n, approach in enumerate(("A: sessions in Redis", "B: signed cookies"), start=1):
            child = SessionWriter(
                directory=self.directory,
                created_at=created + timedelta(minutes=5 * n),
                parent_session_ids=[parent.session_id],
                lineage_operator="Session.fork",
                lineage_kind="op_fork",
            )
            child.append("user", {"content": f"Try approach {approach}."})
            for _ in range(n + 1):
                self._tool_turn(child, wait=False)
            child.append(
                "assistant", {"content": f"Approach {approach} works.", "tool_calls": None}
            )
            child.close(
                usage=_usage(child, self.random), closed_at=created + timedelta(minutes=5 * n + 9)
            )

    def _seed_corrupt(self, created: datetime) -> None:
        """What a disk-full or a bad copy leaves: a header, then a line cut mid-JSON."""
        sid = "badf11e0-0000-4000-8000-00000000dead"
        header = {
            "record_type": "header",
            "schema_version": 1,
            "id": sid,
            "created_at": created.isoformat(),
            "parent_session_ids": [],
        }
        path = self.directory / f"{sid}.jsonl"
        path.write_text(json.dumps(header) + '\n{"record_type": "chunk", "index": 0, "kind": "us\n')
        os.utime(path, (created.timestamp(), created.timestamp()))

    def _seed_snapshot(self, created: datetime) -> None:
        """A JSON snapshot session (another agent's format), listed side by side."""
        assert self.snapshots is not None
        self.snapshots.mkdir(parents=True, exist_ok=True)
        sid = created.strftime("de30a1b2c3d4_%Y%m%d_%H%M%S")
        data = {
            "version": 1,
            "session_id": sid,
            "created_at": created.replace(tzinfo=None).isoformat(),
            "updated_at": (created + timedelta(minutes=6)).replace(tzinfo=None).isoformat(),
            "model": "gpt-4o-mini",
            "workspace_root": str(self.snapshots.parent),
            "messages": [
                {"role": "user", "content": "Explain the build script."},
                {"role": "assistant", "content": "It runs ruff, then pytest, then builds a wheel."},
            ],
            "token_usage": {"prompt_tokens": 640, "completion_tokens": 42, "total_tokens": 682},
        }
        path = self.snapshots / f"{sid}.json"
        path.write_text(json.dumps(data, indent=2))
        stamp = (created + timedelta(minutes=6)).timestamp()
        os.utime(path, (stamp, stamp))

    # -------------------------------------------------------------- agents
    def _sleep(self, seconds: float) -> bool:
        """Sleep scaled by speed; True when asked to stop."""
        return self._stop.wait(seconds / self.speed)

    def _writer(self) -> SessionWriter:
        writer = SessionWriter(directory=self.directory)
        with self._lock:
            self._writers.append(writer)
        return writer

    def _tool_turn(self, writer: SessionWriter, *, wait: bool = True) -> bool:
        """One assistant tool call and its result; True when asked to stop."""
        name, args, result = self.random.choice(TOOLS)
        with self._lock:
            self._calls += 1
            call_id = f"call_demo{self._calls:05d}"
        writer.append(
            "assistant",
            {
                "content": self.random.choice(
                    [None, f"Running {name}.", "Let me check that.", "Next step."]
                ),
                "tool_calls": [_tool_call(call_id, name, args)],
            },
        )
        if wait and self._sleep(self.random.uniform(0.3, 1.2)):
            return True
        writer.append("tool_result", {"tool_call_id": call_id, "name": name, "content": result})
        return False

    def _finisher(self) -> None:
        prompts = self.random.sample(PROMPTS, len(PROMPTS))
        for n in range(FINISHED_SESSIONS):
            writer = self._writer()
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": prompts[n % len(prompts)]})
            for _ in range(self.random.choice((1, 2, 3, 4, 6, 9))):
                if self._sleep(self.random.uniform(0.8, 2.5)) or self._tool_turn(writer):
                    return
            summary = self.random.choice(
                [
                    "All done: tests pass.",
                    "Done. Three files changed:\n- src/app.py\n- src/config.py\n- tests/test_add.py",
                    "Finished; one question left for you in TODO.md.",
                ]
            )
            writer.append("assistant", {"content": summary, "tool_calls": None})
            writer.close(usage=_usage(writer, self.random))
            if self._sleep(self.random.uniform(4, 12)):
                return

    def _crasher(self) -> None:
        for n in range(CRASHED_SESSIONS):
            writer = self._writer()
            writer.append("system", {"content": SYSTEM})
            writer.append("user", {"content": CRASH_PROMPTS[n % len(CRASH_PROMPTS)]})
            for _ in range(self.random.randint(1, 4)):
                if self._sleep(self.random.uniform(1, 3)) or self._tool_turn(writer):
                    return
            if self._sleep(2):
                return
            writer.abandon()  # what a killed agent leaves: a partial file nobody locks
            if self._sleep(self.random.uniform(15, 30)):
                return

    def _runner(self) -> None:
        writer = self._writer()
        writer.append("system", {"content": SYSTEM})
        writer.append("user", {"content": "Keep the build green: watch CI and fix what breaks."})
        for _ in range(RUNNER_TURNS):
            if self._sleep(1.2) or self._tool_turn(writer):
                return
        writer.close(usage=_usage(writer, self.random))

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
                "tool_calls": [
                    _tool_call("call_huge", "read_workspace_file", {"path": "server.log"})
                ],
            },
        )
        writer.append(
            "tool_result",
            {"tool_call_id": "call_huge", "name": "read_workspace_file", "content": log},
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


#: Environment variables that decide where sessionview keeps its own files.
OWN_DIRS = ("XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME")


@contextmanager
def own_dirs(base: Path) -> Iterator[None]:
    """Point sessionview's config, cache and data (trash) directories into `base` for
    the duration, and put the environment back afterwards."""
    saved = {name: os.environ.get(name) for name in (*OWN_DIRS, "SESSIONVIEW_CONFIG_DIR")}
    try:
        for name in OWN_DIRS:
            os.environ[name] = str(base / name.removeprefix("XDG_").removesuffix("_HOME").lower())
        os.environ["SESSIONVIEW_CONFIG_DIR"] = str(base / "config" / "sessionview")
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def run_demo(config: Any = None, *, runner: Callable[[Any], None] | None = None) -> int:
    """Open the TUI on live simulated agents; the temp directory is removed on exit.

    The user's config is not read (the demo uses the defaults, or `config`) and
    nothing is written outside the temp directory. `runner` runs the app (default
    `app.run()`); tests pass one that drives it headless.
    """
    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import Root

    base = Path(tempfile.mkdtemp(prefix="sessionview-demo-"))
    restore_signals = _exit_on_hangup()
    sessions = base / "sessions"
    snapshots = base / "workspace" / ".sessions"
    agents = DemoAgents(sessions, snapshots=snapshots, seed=random.randrange(1 << 30))
    try:
        with own_dirs(base / "home"):
            agents.start()
            from sessionview.app import make_app
            from sessionview.config import Config

            index = SessionIndex(
                [Root(sessions, "openrath"), Root(snapshots, "snapshot")], use_cache=False
            )
            banner = f"Demo · simulated agents writing into {base} · removed on exit"
            app = make_app(index, config or Config(), banner=banner)
            if runner is None:
                app.run()
            else:
                runner(app)
    finally:
        agents.stop()
        shutil.rmtree(base, ignore_errors=True)
        restore_signals()
    return 0


def _exit_on_hangup() -> Callable[[], None]:
    """A closed terminal (SIGHUP) or a `kill` (SIGTERM) still removes the temp
    directory: the signal becomes a SystemExit, which runs the `finally` above.
    Returns what puts the previous handlers back."""
    import signal

    if threading.current_thread() is not threading.main_thread():
        return lambda: None

    def leave(signum: int, _frame: object) -> None:
        raise SystemExit(128 + signum)

    wanted = [getattr(signal, name) for name in ("SIGHUP", "SIGTERM") if hasattr(signal, name)]
    previous = {sig: signal.signal(sig, leave) for sig in wanted}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore
