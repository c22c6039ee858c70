"""Where sessions live, resolved exactly as each agent resolves it.

OpenRath: `$OPENRATH_HOME` (stripped, non-empty, `expanduser().resolve()`), else
`./.openrath` when it is a directory (only the cwd, no walk up), else `~/.openrath`;
sessions are in `<config>/sessions/`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sessionview.store.errors import PersistenceError


def home_dir(env: Mapping[str, str]) -> Path:
    """`$HOME` from `env` when set (tests and `--dir`-less discovery pass their own), else ~."""
    home = (env.get("HOME") or "").strip()
    return Path(home) if home else Path.home()


def agent_home(env: Mapping[str, str], variable: str, default_name: str) -> Path:
    """An agent's home: `$variable` from `env` (stripped, non-empty, `~` expanded),
    else `default_name` in the home directory (`~/.claude`, `~/.codex`)."""
    raw = (env.get(variable) or "").strip()
    if raw:
        return Path(raw).expanduser()
    return home_dir(env) / default_name


def openrath_home(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """OpenRath's config directory, by OpenRath's own rules."""
    env = os.environ if env is None else env
    raw = (env.get("OPENRATH_HOME") or "").strip()
    if raw:
        home = Path(raw).expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise PersistenceError(f"OPENRATH_HOME={raw} exists and is not a directory")
        return home
    local = (cwd or Path.cwd()) / ".openrath"
    if local.is_dir():
        return local
    return Path.home() / ".openrath"


def openrath_sessions_dir(env: Mapping[str, str] | None = None, cwd: Path | None = None) -> Path:
    """`<openrath home>/sessions`, not created."""
    return openrath_home(env, cwd) / "sessions"


def split_dir_list(value: str) -> list[Path]:
    """`SESSIONVIEW_DIR` may hold several directories separated by `os.pathsep`."""
    return [Path(part).expanduser() for part in value.split(os.pathsep) if part.strip()]
