"""What every subcommand shares: the one-line error, config and index set-up, JSON output.

Each subcommand lives in its own module of this package (`ls.py`, `show.py`, ...) with
`HELP`, `add_arguments(parser)` and `run(args)`; `sessionview.cli.COMMANDS` names them.
"""

from __future__ import annotations

import os
import sys

from sessionview.store.registry import FORMAT_NAMES

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from typing import Any

# Each name is a module under sessionview.cli, imported only when that command runs.
COMMANDS = ("ls", "show", "search", "export", "rm", "restore", "prune", "resume", "config", "serve")
FORMATS = FORMAT_NAMES  # the registry's list (`store/registry.py`)


def state_names() -> tuple[str, ...]:
    """Every state's name, in `SessionState`'s order (`store/states.py`)."""
    from sessionview.store.states import STATE_NAMES

    return STATE_NAMES


class CliError(Exception):
    """A one-line message for stderr, exit status 1."""


class UsageError(CliError):
    """A one-line message for stderr, exit status 2 (a refused host name, ...)."""


def load_config(*, only_if_present: bool = False) -> Any:
    """The config, its problems printed; with `only_if_present`, None when there is no
    config.toml (every default), found without importing the config module (a warm
    `ls` is mostly start-up time)."""
    if only_if_present:
        from sessionview.store.userdirs import config_file

        try:
            os.stat(config_file())
        except FileNotFoundError:
            return None
        except OSError:
            pass  # load_config reports it
    from sessionview.config import load_config as _load

    config = _load()
    for problem in config.problems:
        print(f"sessionview: config: {safe_line(problem)}", file=sys.stderr)
    return config


def bad_dirs(dirs: Sequence[str] | None) -> list[str]:
    """One line for each `--dir` that is missing or not a directory. A directory the
    user named and mistyped is an error, not an empty list (the agents' default stores
    and config.toml's `dirs` may be missing: those are skipped)."""
    problems = []
    for given in dirs or ():
        path = os.path.expanduser(given)
        if os.path.isdir(path):
            continue
        why = "not a directory" if os.path.lexists(path) else "no such directory"
        problems.append(f"--dir {given}: {why}")
    return problems


def index_roots(
    args: argparse.Namespace, config: Any, *, check: bool = True
) -> tuple[list[Any], bool]:
    """The roots `open_index` lists (`--dir`, or the config's dirs, or every agent's
    store) and whether it may reuse directory listings; with `check`, a `--dir` that is
    not a directory is a CliError (the TUI shows it on screen instead)."""
    from sessionview.store.roots import resolve_roots

    problems = bad_dirs(getattr(args, "dir", None)) if check else []
    if problems:
        raise CliError("; ".join(problems))
    roots = resolve_roots(
        getattr(args, "dir", None) or (),
        config_dirs=config.dirs if config else (),
        forced_format=getattr(args, "format", None),
    )
    # Polling is the setting for network file systems, whose cached attributes can
    # hide a change for a while: there, every directory is listed every time.
    return roots, not (config and config.polling)


def open_index(args: argparse.Namespace, config: Any, *, check: bool = True) -> Any:
    """The SessionIndex over `index_roots`."""
    from sessionview.store.index import SessionIndex

    roots, reuse = index_roots(args, config, check=check)
    return SessionIndex(roots, reuse_listings=reuse)


def safe_line(text: object) -> str:
    """Untrusted text (file names, ids, errors) as one line with every control escaped."""
    from sessionview.render.safe import one_line

    return one_line(str(text))


def json_bytes(data: Any, *, indent: bool = True) -> bytes:
    """orjson, or the stdlib for what it refuses (see `jsonl.dumps_lenient`)."""
    from sessionview.store.jsonl import dumps_lenient

    return dumps_lenient(data, indent=indent)


def write_json(data: Any, *, few: bool = False) -> None:
    """`data` as indented JSON on stdout; `few`: a few rows from a command that needs
    no orjson otherwise, written by the stdlib encoder (`json_stdlib`, the same bytes)."""
    if few:
        from sessionview.store import json_stdlib

        sys.stdout.buffer.write(json_stdlib.dumps(data, indent=True) + b"\n")
        return
    sys.stdout.buffer.write(json_bytes(data) + b"\n")


def parse_states(text: str, allowed: Sequence[str]) -> set[str]:
    states = {s.strip() for s in text.split(",") if s.strip()}
    bad = states - set(allowed)
    if bad or not states:
        raise UsageError(
            f"invalid state {', '.join(sorted(bad)) or text!r}: use {', '.join(allowed)}"
        )
    return states


def resolve(index: Any, ident: str) -> Any:
    index.scan()
    return index.resolve(ident)


def host_option(parser: argparse.ArgumentParser, *, sub: bool = True) -> None:
    """`--host DEST` (repeatable): act on those hosts over ssh instead of the configured set."""
    import argparse

    parser.add_argument(
        "--host",
        action="append",
        metavar="DEST",
        default=argparse.SUPPRESS if sub else None,
        help="a host to read over ssh (repeatable; `local` is this machine); "
        "replaces `hosts` of config.toml",
    )


def dir_options(parser: argparse.ArgumentParser, *, sub: bool = True) -> None:
    """`--dir` and `--format`, on the top level and on every subcommand that reads sessions."""
    import argparse

    default: Any = argparse.SUPPRESS if sub else None
    parser.add_argument(
        "--dir",
        action="append",
        metavar="DIR",
        default=default,
        help="a sessions directory to read (repeatable); default: every agent's store "
        "found on this machine, or $SESSIONVIEW_DIR",
    )
    parser.add_argument(
        "--format",
        choices=FORMATS,
        default=default,
        help="read every file as this format instead of detecting it",
    )
