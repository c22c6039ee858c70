"""`sessionview export`: sessions to Markdown, HTML or JSON files, secrets redacted."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

HELP = "write sessions to Markdown, HTML or JSON files (secrets redacted)"
DESCRIPTION = (
    "Export sessions to share them: one session to a file (or - for stdout), several "
    "(named IDs, or every session matching --state/--format) to a directory, one file "
    "each, named from the title and the short id. API keys, tokens, private keys and "
    "password assignments are replaced by [REDACTED:kind] unless --no-redact; the "
    "number replaced is printed on stderr. JSON has the shape of `show --json`."
)
SUFFIXES = {".md": "md", ".markdown": "md", ".html": "html", ".htm": "html", ".json": "json"}


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.dir_options(p)
    common.host_option(p)
    p.add_argument("ids", nargs="*", metavar="ID", help="session ids or unique prefixes")
    p.add_argument(
        "--to",
        choices=("md", "html", "json"),
        help="the format (default: from the -o file's suffix, else md)",
    )
    p.add_argument(
        "-o",
        "--output",
        metavar="PATH",
        help="a file, a directory (one file per session) or - for stdout "
        "(default: the current directory)",
    )
    p.add_argument("--no-redact", action="store_true", help="keep secrets as they are")
    p.add_argument("--force", action="store_true", help="replace files that already exist")
    p.add_argument(
        "--state",
        metavar="S",
        help=f"export every session in these states, comma-separated ({', '.join(common.state_names())})",
    )


def run(args: argparse.Namespace) -> int:
    fmt_filter = getattr(args, "format", None)
    if not args.ids and not args.state and not fmt_filter:
        raise common.UsageError(
            "name the sessions to export: ID..., or --state/--format to choose them"
        )
    wanted = common.parse_states(args.state, common.state_names()) if args.state else None
    output = args.output if args.output is not None else "."
    fmt = args.to or SUFFIXES.get(Path(output).suffix.lower(), "md")
    config = common.load_config()
    from contextlib import AbstractContextManager, nullcontext

    from sessionview.cli import fleet

    sources: AbstractContextManager[tuple[list[Any], int]]
    specs = fleet.host_specs(args, config)
    if specs is not None:
        # Each session's text comes from its host's `show`; it is written (and
        # redacted) here as a local one is.
        sources = fleet.export_sources(args, config, specs, wanted, fmt_filter)
    else:
        index = common.open_index(args, config)
        chosen = _choose(index, args.ids, wanted, fmt_filter)
        sources = nullcontext(([(info, None) for info in chosen], 0))
    with sources as (sessions, status):
        return _export(args, sessions, fmt, output) or status


def _export(args: argparse.Namespace, sessions: list[Any], fmt: str, output: str) -> int:
    """Write each `(info, transcript source or None)`; the exit status."""
    if not sessions:
        raise common.CliError("no session matches")
    several = len(sessions) > 1
    target = Path(output)
    # Several sessions, sessions chosen by filters, or a path ending in `/`: a directory.
    to_dir = several or not args.ids or output.endswith(("/", os.sep))
    if to_dir and output != "-":
        if target.exists() and not target.is_dir():
            raise common.CliError(
                f"{common.safe_line(output)}: not a directory (several sessions need one)"
            )
        _make_dir(target)
    elif several:
        raise common.CliError(f"{len(sessions)} sessions go to a directory, not stdout")
    from sessionview.export import ExportError, export_session
    from sessionview.store.errors import PersistenceError

    failed = 0
    total = 0
    for info, source in sessions:
        try:
            transcript = source() if source is not None else None
            result = export_session(
                info,
                fmt,
                output,
                redact=not args.no_redact,
                force=args.force,
                transcript=transcript,
            )
        except (ExportError, PersistenceError, common.CliError) as exc:
            if not several:
                raise common.CliError(str(exc)) from None
            print(
                f"sessionview: {common.safe_line(info.short_id)}: {common.safe_line(exc)}",
                file=sys.stderr,
            )
            failed += 1
            continue
        total += result.redacted_total
        where = "stdout" if result.path == "-" else result.path
        print(
            f"wrote {common.safe_line(where)}: {result.chunks} chunks, {_redaction_note(result, args)}",
            file=sys.stderr,
        )
    if several:
        done = len(sessions) - failed
        note = "redaction off" if args.no_redact else f"{total} secrets redacted"
        print(f"exported {done} of {len(sessions)} sessions ({note})", file=sys.stderr)
    return 1 if failed else 0


def _redaction_note(result: Any, args: argparse.Namespace) -> str:
    if args.no_redact:
        return "redaction off"
    n = result.redacted_total
    if not n:
        return "no secrets found"
    kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(result.redacted.items()))
    return f"{n} secret{'s' if n != 1 else ''} redacted ({kinds})"


def _choose(index: Any, ids: list[str], states: set[str] | None, fmt: str | None) -> list[Any]:
    """The named sessions (each once, in the order named), else every listed one that
    passes the filters; the filters also narrow named ones."""
    if ids:
        chosen: dict[str, Any] = {}
        for ident in ids:
            info = common.resolve(index, ident)
            chosen.setdefault(info.id, info)
        rows = list(chosen.values())
    else:
        rows = index.scan()
    return [
        s
        for s in rows
        if (states is None or s.state.value in states) and (fmt is None or s.format == fmt)
    ]


def _make_dir(target: Path) -> None:
    try:
        os.mkdir(target)
    except FileExistsError:
        pass
    except OSError as exc:
        raise common.CliError(
            f"cannot create {common.safe_line(target)}: {exc.strerror or exc}"
        ) from None
