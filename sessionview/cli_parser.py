"""The command line's argparse parser, kept apart so `sessionview ls` can skip it.

`cli.main` reads the plain forms of `ls` itself (see `cli.quick_ls_args`) and
imports this module for everything else: argparse with the `re` it imports costs
a warm listing ~10 ms, a tenth of its time.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any

from sessionview import __version__
from sessionview.cli import FORMATS, STATES


def _dir_options(parser: argparse.ArgumentParser, *, sub: bool) -> None:
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


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The whole parser, or with `only`, the top level and that one subcommand.

    Building every subcommand costs a few milliseconds (argparse formats and looks
    up translations for each argument); `main` builds just the one on the command
    line, which is all the parse of such a command line can use.
    """
    parser = argparse.ArgumentParser(
        prog="sessionview",
        description="Watch, follow, resume and clean up AI agent sessions on disk. "
        "With no command, opens the live terminal UI.",
        epilog="Examples:\n"
        "  sessionview --demo                 try it on simulated live agents\n"
        "  sessionview ls --state running     what is running now\n"
        "  sessionview show 3f6c --follow     follow a session as it is written\n"
        "  sessionview prune --older-than 30d --dry-run",
        formatter_class=_RawFormatter,
    )
    parser.add_argument("--version", action="version", version=f"sessionview {__version__}")
    parser.add_argument(
        "--demo",
        action="store_true",
        help="open the UI on simulated agents writing live sessions into a temporary directory",
    )
    _dir_options(parser, sub=False)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, add in SUBCOMMANDS.items():
        if only is None or name == only:
            add(subs)
    return parser


def _add_ls(subs: Any) -> None:
    p = _sub(subs, "ls", help="list sessions, newest activity first")
    _dir_options(p, sub=True)
    p.add_argument(
        "--state",
        metavar="S",
        help=f"only these states, comma-separated ({', '.join(STATES)})",
    )
    p.add_argument("--json", action="store_true", help="print one JSON array")


def _add_show(subs: Any) -> None:
    p = _sub(subs, "show", help="print a session's transcript")
    _dir_options(p, sub=True)
    p.add_argument("id", metavar="ID", help="session id or a unique prefix of it")
    p.add_argument(
        "--json", action="store_true", help="print JSON (one object per chunk with --follow)"
    )
    p.add_argument(
        "--follow", "-f", action="store_true", help="keep printing chunks as they are written"
    )


def _add_rm(subs: Any) -> None:
    p = _sub(subs, "rm", help="move sessions to the trash (restorable)")
    _dir_options(p, sub=True)
    p.add_argument("ids", nargs="+", metavar="ID")
    p.add_argument("--force", action="store_true", help="also delete a running session")
    p.add_argument("--purge", action="store_true", help="unlink instead of moving to the trash")


def _add_restore(subs: Any) -> None:
    p = _sub(subs, "restore", help="put a deleted session back from the trash")
    p.add_argument("id", metavar="ID", nargs="?", help="session id or prefix")
    p.add_argument("--list", action="store_true", help="list what is in the trash")
    p.add_argument("--json", action="store_true", help="with --list: print JSON")


def _add_prune(subs: Any) -> None:
    p = _sub(
        subs,
        "prune",
        help="remove old closed/crashed sessions (never running ones)",
        description="Remove sessions older than a cutoff. Running sessions and files "
        "that cannot be parsed are never touched.",
    )
    _dir_options(p, sub=True)
    p.add_argument("--older-than", required=True, metavar="AGE", help="e.g. 30d, 12h, 2w")
    p.add_argument(
        "--by", choices=("created", "updated"), default="created", help="which time to compare"
    )
    p.add_argument(
        "--state", default="closed,crashed", metavar="S", help="states to prune (closed,crashed)"
    )
    p.add_argument("--dry-run", action="store_true", help="only print what would be removed")
    p.add_argument("--purge", action="store_true", help="unlink instead of moving to the trash")
    p.add_argument("--json", action="store_true", help="print JSON")


def _add_resume(subs: Any) -> None:
    p = _sub(subs, "resume", help="resume a session with its agent")
    _dir_options(p, sub=True)
    p.add_argument("id", metavar="ID")
    p.add_argument("--print", action="store_true", help="only print the command")


def _add_config(subs: Any) -> None:
    p = _sub(subs, "config", help="configuration helpers")
    p.add_argument("what", choices=("path", "show"), help="path: where config.toml is")


SUBCOMMANDS = {
    "ls": _add_ls,
    "show": _add_show,
    "rm": _add_rm,
    "restore": _add_restore,
    "prune": _add_prune,
    "resume": _add_resume,
    "config": _add_config,
}


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width, so building a parser imports no shutil."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        if kwargs.get("width") is None:
            kwargs["width"] = _columns() - 2  # as argparse does with shutil's answer
        super().__init__(prog, **kwargs)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, keeping the top-level epilog's line breaks."""


def _sub(subs: Any, name: str, **kwargs: Any) -> argparse.ArgumentParser:
    return subs.add_parser(name, formatter_class=_Formatter, **kwargs)


def _columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80
