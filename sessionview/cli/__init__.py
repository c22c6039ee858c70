"""`sessionview` command line: the TUI by default, and one module per subcommand.

Every subcommand calls the same store functions as the TUI. Errors are one line on
stderr with exit status 1 (usage errors: 2); no input ever produces a traceback.
Only the bare command and `--demo` import Textual.

Adding a command: a module here with `HELP`, `add_arguments(parser)` and `run(args)`,
and its name in `COMMANDS`.
"""

from __future__ import annotations

import os
import sys

from sessionview.cli.common import COMMANDS, CliError, safe_line

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["COMMANDS", "CliError", "main", "run"]


def _handler(command: str | None) -> Any:
    import importlib

    name = command if command in COMMANDS else "tui"
    return importlib.import_module(f"sessionview.cli.{name}").run


def main(argv: Sequence[str] | None = None) -> int:
    from sessionview.cli.parser import build_parser

    words = sys.argv[1:] if argv is None else list(argv)
    # The subcommand named first is the only one this parse can need.
    parser = build_parser(words[0] if words and words[0] in COMMANDS else None)
    args = parser.parse_args(words)
    from sessionview.cli.common import UsageError
    from sessionview.store.errors import PersistenceError

    try:
        return _handler(args.command)(args)
    except UsageError as exc:
        print(f"sessionview: {safe_line(exc)}", file=sys.stderr)
        return 2
    except (CliError, PersistenceError, ValueError) as exc:
        print(f"sessionview: {safe_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            # The reader went away (`| head`): silence the final flush, exit quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(
            safe_line(f"sessionview: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("SESSIONVIEW_DEBUG"):
            raise
        print(
            f"sessionview: internal error: {type(exc).__name__}: {safe_line(exc)} "
            "(set SESSIONVIEW_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


def run() -> None:
    sys.exit(main())
