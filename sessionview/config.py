"""`config.toml` in the platformdirs user config directory, read with tomllib.

A bad file or a bad key never stops the app: each problem becomes one line in
`Config.problems` (naming the key), and the defaults are used for it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

#: The states `prune` may remove (never running or corrupt sessions).
KNOWN_STATES = ("closed", "crashed")
NOTIFY_CHOICES = ("all", "crashes", "none")
PRUNE_KEYS = ("older_than", "by", "states")


def config_path() -> Path:
    """`config.toml` in the user config directory (`$SESSIONVIEW_CONFIG_DIR` overrides)."""
    from sessionview.store.userdirs import config_file

    return Path(config_file())


def config_dir() -> Path:
    """`sessionview/` in the user config directory (`$SESSIONVIEW_CONFIG_DIR` overrides)."""
    return config_path().parent


@dataclass(frozen=True, slots=True)
class PruneDefaults:
    older_than: str = "30d"
    by: str = "created"
    states: tuple[str, ...] = KNOWN_STATES


@dataclass(frozen=True, slots=True)
class HostSettings:
    """`[host.NAME]`: the remote sessionview command and extra ssh options for one host."""

    command: str = ""
    options: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Config:
    """Every setting, with its default. See the README's configuration reference."""

    #: Extra directories to list besides each agent's default store.
    dirs: tuple[str, ...] = ()
    #: Resume command templates per format: placeholders {id} {path} {dir} {home} {cwd}.
    resume: dict[str, str] = field(default_factory=dict)
    prune: PruneDefaults = field(default_factory=PruneDefaults)
    #: Theme name (a built-in, a Textual theme, or a user theme file's name).
    theme: str = "sessionview-dark"
    #: Ring the terminal bell when a running session closes or crashes.
    bell: bool = False
    #: Which of those changes get a toast: "all", "crashes" or "none".
    notify: str = "all"
    #: Open the transcript of a running session in follow mode.
    follow_by_default: bool = True
    #: Poll instead of inotify (network filesystems), and how often.
    polling: bool = False
    poll_interval: float = 0.5
    #: The list's order: a column and optionally asc/desc ("size desc"); remembered.
    sort: str = "activity desc"
    #: Days the trash keeps a deleted session; older ones are purged when the app
    #: starts (and it says how many). 0 keeps them forever.
    trash_days: int = 30
    #: Other machines whose sessions join the list (ssh destinations), see sessionview.remote.
    hosts: tuple[str, ...] = ()
    #: The ssh command (words split like a shell would): `ssh` on PATH by default.
    ssh: str = "ssh"
    #: `[host.NAME]` tables: remote command and ssh options per host.
    host_settings: dict[str, HostSettings] = field(default_factory=dict)
    #: Seconds a host's `serve` is kept open after `ls --host` for the next command
    #: (sessionview.remote.keeper). 0, the default: every command starts its own serve and
    #: it exits with the command, so nothing of sessionview is left running on the host.
    keep_serve: int = 0
    #: One line per problem found while reading the file.
    problems: tuple[str, ...] = ()
    source: str = ""


#: Fields of `Config` whose config.toml key differs (`[host.NAME]` tables).
_TOML_NAMES = {"host_settings": "host"}
#: The keys of config.toml: every field of `Config` but what reading the file records.
SETTINGS: tuple[str, ...] = tuple(
    _TOML_NAMES.get(f.name, f.name) for f in fields(Config) if f.name not in ("problems", "source")
)


def _expect(
    data: dict[str, Any], key: str, kind: type | tuple[type, ...], problems: list[str], where: str
) -> Any:
    if key not in data:
        return None
    value = data[key]
    if isinstance(value, bool) and kind in (int, float, (int, float)):
        problems.append(f"{where}{key}: expected a number, got {value!r}")
        return None
    if not isinstance(value, kind):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        problems.append(f"{where}{key}: expected {names}, got {type(value).__name__}")
        return None
    return value


def parse_config(data: dict[str, Any], source: str = "") -> Config:
    """Build a Config from parsed TOML, collecting one problem line per bad key."""
    problems: list[str] = []
    for key in data:
        if key not in SETTINGS:
            problems.append(f"{key}: unknown key (known: {', '.join(sorted(SETTINGS))})")
    kwargs: dict[str, Any] = {}
    dirs = _expect(data, "dirs", list, problems, "")
    if dirs is not None:
        good = [d for d in dirs if isinstance(d, str)]
        if len(good) != len(dirs):
            problems.append("dirs: every entry must be a string")
        kwargs["dirs"] = tuple(good)
    resume = _expect(data, "resume", dict, problems, "")
    if resume is not None:
        table = {}
        for fmt, cmd in resume.items():
            if isinstance(cmd, str):
                table[fmt] = cmd
            else:
                problems.append(f"resume.{fmt}: expected a command string")
        kwargs["resume"] = table
    prune = _expect(data, "prune", dict, problems, "")
    if prune is not None:
        pk: dict[str, Any] = {}
        for key in prune:
            if key not in PRUNE_KEYS:
                problems.append(f"prune.{key}: unknown key (known: {', '.join(PRUNE_KEYS)})")
        older = _expect(prune, "older_than", str, problems, "prune.")
        if older is not None:
            from sessionview.store.actions import parse_age

            try:
                parse_age(older)
                pk["older_than"] = older
            except ValueError as exc:
                problems.append(f"prune.older_than: {exc}")
        by = _expect(prune, "by", str, problems, "prune.")
        if by is not None:
            if by in ("created", "updated"):
                pk["by"] = by
            else:
                problems.append(f"prune.by: expected 'created' or 'updated', got {by!r}")
        states = _expect(prune, "states", list, problems, "prune.")
        if states is not None:
            bad = [s for s in states if s not in KNOWN_STATES]
            if bad:
                problems.append(f"prune.states: {bad!r} not prunable (use closed, crashed)")
            else:
                pk["states"] = tuple(states)
        kwargs["prune"] = PruneDefaults(**pk)
    for key, kind in (
        ("theme", str),
        ("bell", bool),
        ("follow_by_default", bool),
        ("polling", bool),
    ):
        value = _expect(data, key, kind, problems, "")
        if value is not None:
            kwargs[key] = value
    for key, rule in (
        ("trash_days", "must be 0 (keep forever) or more"),
        ("keep_serve", "must be 0 (none) or more seconds"),
    ):
        count = _expect(data, key, int, problems, "")
        if count is not None:
            if count >= 0:
                kwargs[key] = count
            else:
                problems.append(f"{key}: {rule}")
    sort = _expect(data, "sort", str, problems, "")
    if sort is not None:
        from sessionview.sorting import parse_sort

        try:
            kwargs["sort"] = parse_sort(sort).setting()
        except ValueError as exc:
            problems.append(f"sort: {exc}")
    notify = _expect(data, "notify", str, problems, "")
    if notify is not None:
        if notify in NOTIFY_CHOICES:
            kwargs["notify"] = notify
        else:
            problems.append(f"notify: expected one of {', '.join(NOTIFY_CHOICES)}, got {notify!r}")
    _parse_hosts(data, problems, kwargs)
    interval = _expect(data, "poll_interval", (int, float), problems, "")
    if interval is not None:
        if interval > 0:
            kwargs["poll_interval"] = float(interval)
        else:
            problems.append("poll_interval: must be above 0")
    return Config(**kwargs, problems=tuple(problems), source=source)


def _parse_hosts(data: dict[str, Any], problems: list[str], kwargs: dict[str, Any]) -> None:
    """`hosts`, `ssh` and the `[host.NAME]` tables; a host name is validated when used."""
    hosts = _expect(data, "hosts", list, problems, "")
    if hosts is not None:
        good = [h for h in hosts if isinstance(h, str) and h]
        if len(good) != len(hosts):
            problems.append("hosts: every entry must be a non-empty string")
        kwargs["hosts"] = tuple(good)
    ssh = _expect(data, "ssh", str, problems, "")
    if ssh is not None:
        if ssh.strip():
            kwargs["ssh"] = ssh
        else:
            problems.append("ssh: must name a command")
    tables = _expect(data, "host", dict, problems, "")
    if tables is None:
        return
    settings: dict[str, HostSettings] = {}
    for name, table in tables.items():
        if not isinstance(table, dict):
            problems.append(f"host.{name}: expected a table")
            continue
        command = _expect(table, "command", str, problems, f"host.{name}.") or ""
        options = _expect(table, "options", list, problems, f"host.{name}.") or []
        if not all(isinstance(o, str) for o in options):
            problems.append(f"host.{name}.options: every entry must be a string")
            options = []
        for key in table:
            if key not in ("command", "options"):
                problems.append(f"host.{name}.{key}: unknown key (known: command, options)")
        settings[name] = HostSettings(command=command, options=tuple(options))
    kwargs["host_settings"] = settings


def load_config(path: Path | None = None) -> Config:
    """Read config.toml; a missing file is the defaults, a broken one is defaults + a problem."""
    path = path or config_path()
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Config(source=str(path))
    except OSError as exc:
        return Config(problems=(f"{path}: cannot read: {exc.strerror or exc}",), source=str(path))
    import tomllib  # only when there is a file: a listing without one skips the import

    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        return Config(problems=(f"{path}: not valid TOML: {exc}",), source=str(path))
    config = parse_config(data, str(path))
    if config.problems:
        prefixed = tuple(f"{path}: {p}" for p in config.problems)
        from dataclasses import replace

        config = replace(config, problems=prefixed)
    return config


def save_theme(name: str, path: Path | None = None) -> None:
    """Remember the chosen theme: rewrite only the `theme = ...` line, keep the rest."""
    save_setting("theme", name, path)


def save_setting(key: str, value: str, path: Path | None = None) -> None:
    """Remember one top-level string setting: rewrite only its line, keep the rest."""
    path = path or config_path()
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    entry = f"{key} = {tomllib_quote(value)}"
    # Top-level keys must come before the first table header.
    first_table = next((i for i, ln in enumerate(lines) if ln.lstrip().startswith("[")), len(lines))
    for i, line in enumerate(lines[:first_table]):
        if line.split("=", 1)[0].strip() == key:
            lines[i] = entry
            break
    else:
        lines.insert(first_table, entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def tomllib_quote(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"'
