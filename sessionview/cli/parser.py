"""The command line's argparse parser.

Each subcommand's arguments are declared by its own module (`add_arguments`); only
the subcommand on the command line is built (`build_parser(only)`).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from sessionview import __version__
from sessionview.cli.common import COMMANDS, dir_options, host_option

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any


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
    dir_options(parser, sub=False)
    host_option(parser, sub=False)
    subs = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        if only is None or name == only:
            command = importlib.import_module(f"sessionview.cli.{name}")
            sub = subs.add_parser(
                name,
                help=command.HELP,
                description=getattr(command, "DESCRIPTION", None),
                formatter_class=_Formatter,
            )
            command.add_arguments(sub)
    return parser


class _Formatter(argparse.HelpFormatter):
    """argparse's formatter, told the width, so building a parser imports no shutil."""

    def __init__(self, prog: str, **kwargs: Any) -> None:
        if kwargs.get("width") is None:
            kwargs["width"] = _columns() - 2  # as argparse does with shutil's answer
        super().__init__(prog, **kwargs)


class _RawFormatter(_Formatter, argparse.RawDescriptionHelpFormatter):
    """The same, keeping the top-level epilog's line breaks."""


def _columns() -> int:
    """`shutil.get_terminal_size().columns`: $COLUMNS, else the terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            stdout = sys.__stdout__
            columns = os.get_terminal_size(stdout.fileno()).columns if stdout else 0
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80
