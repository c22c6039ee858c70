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

from sessionview.cli.common import COMMANDS, FORMATS, CliError, safe_line

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["COMMANDS", "CliError", "main", "quick_args", "run"]


#: What `quick_args` reads, per command: its flags, its value options (True: repeatable,
#: the values collected in a list) and the defaults argparse gives the rest.
_QUICK: dict[str, tuple[tuple[str, ...], dict[str, bool], dict[str, Any]]] = {
    "ls": (
        ("json",),
        {"dir": True, "format": False, "state": False, "host": True},
        {"project": None},
    ),
    "serve": (("stdio",), {"dir": True, "format": False}, {"host": None}),
}


def quick_args(words: Sequence[str]) -> Any:
    """The arguments of `ls` and `serve` given only in the plain forms argparse reads the
    same way (flags, `--dir D`, `--dir=D`, `--state S`, `--format F`, `--host H`),
    without argparse; None for anything else, which `cli.parser` parses. A test checks
    both agree.

    A warm `ls --json` takes ~100 ms, and argparse (with the `re` it imports) is ~10;
    `serve` is started by every remote command, on the host's side of the wait.
    """
    if not words or words[0] not in _QUICK:
        return None
    flags, options, rest = _QUICK[words[0]]
    values: dict[str, Any] = {**dict.fromkeys(options), **rest}
    values.update(dict.fromkeys(flags, False))
    i = 1
    while i < len(words):
        word = words[i]
        i += 1
        if word.startswith("--") and word[2:] in flags:
            values[word[2:]] = True
            continue
        name, eq, value = word.partition("=")
        key = name[2:]
        if key not in options or not name.startswith("--"):
            return None
        if not eq:
            if i >= len(words) or words[i].startswith("-"):
                return None  # argparse's to word: a missing value, or an option
            value = words[i]
            i += 1
        if key == "format" and value not in FORMATS:
            return None
        if options[key]:
            values[key] = [*(values[key] or ()), value]
        else:
            values[key] = value
    from types import SimpleNamespace

    return SimpleNamespace(command=words[0], demo=False, **values)


def _handler(command: str | None) -> Any:
    import importlib

    name = command if command in COMMANDS else "tui"
    return importlib.import_module(f"sessionview.cli.{name}").run


def main(argv: Sequence[str] | None = None) -> int:
    from sessionview.store import fast_paths

    words = sys.argv[1:] if argv is None else list(argv)
    args = quick_args(words) if fast_paths.enabled("quick_args") else None
    if args is None:
        from sessionview.cli.parser import build_parser

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
