"""`sessionview config`: where config.toml lives, and the settings in effect, as TOML."""

from __future__ import annotations

from sessionview.cli.common import load_config

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

HELP = "where config.toml is, and the settings in effect"


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "what",
        choices=("path", "show"),
        nargs="?",
        help="path: where config.toml is; show: the settings in effect, as TOML",
    )


def run(args: argparse.Namespace) -> int:
    from sessionview.config import config_path

    path = config_path()
    if args.what == "path":
        print(path)
        return 0
    if args.what is None:
        state = "exists" if path.exists() else "not created yet: every setting has its default"
        print(f"config file: {path} ({state})")
        print("  sessionview config show   the settings in effect, as TOML (a starting point)")
        print("  sessionview config path   only the path")
        return 0
    config = load_config()
    print(to_toml(config))
    return 0


def _value(value: Any) -> str:
    import json

    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)  # JSON's escapes are TOML's


def to_toml(config: Any) -> str:
    """The config as a config.toml that reads back to the same settings."""
    from sessionview.config import SETTINGS

    lines = [f"# {config.source}"]
    tables = ("resume", "prune", "host")
    for key in SETTINGS:
        if key not in tables:
            lines.append(f"{key} = {_value(getattr(config, key))}")
    lines += ["", "[resume]"]
    lines += [f"{_key(fmt)} = {_value(cmd)}" for fmt, cmd in sorted(config.resume.items())]
    prune = config.prune
    lines += [
        "",
        "[prune]",
        f"older_than = {_value(prune.older_than)}",
        f"by = {_value(prune.by)}",
        f"states = {_value(prune.states)}",
    ]
    for name, host in sorted(config.host_settings.items()):
        lines += ["", f"[host.{_key(name)}]"]
        lines += [f"command = {_value(host.command)}", f"options = {_value(host.options)}"]
    return "\n".join(lines)


def _key(name: str) -> str:
    bare = name.replace("_", "").replace("-", "")
    return name if bare.isascii() and bare.isalnum() else _value(name)
