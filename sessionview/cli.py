"""`sessionview` command line: the TUI by default, and `ls show rm restore prune resume config`.

Every subcommand calls the same store functions as the TUI. Errors are one line on
stderr with exit status 1 (usage errors: 2); no input ever produces a traceback.
Only the bare command and `--demo` import Textual.
"""

from __future__ import annotations

import os
import sys
import time

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import argparse
    from collections.abc import Sequence
    from pathlib import Path
    from typing import Any

STATES = ("running", "crashed", "closed", "corrupt")
FORMATS = ("openrath", "nanobot", "claude", "codex", "snapshot")


class CliError(Exception):
    """A one-line message for stderr, exit status 1."""


# ----------------------------------------------------------------- parsing


def quick_ls_args(words: Sequence[str]) -> Any:
    """The arguments of `ls` given only in the plain forms argparse reads the same way
    (`--json`, `--dir D`, `--dir=D`, `--state S`, `--format F`), without argparse;
    None for anything else, which `cli_parser` parses. A test checks both agree.

    A warm `ls --json` takes ~100 ms, and argparse (with the `re` it imports) is ~10.
    """
    if not words or words[0] != "ls":
        return None
    values: dict[str, Any] = {"dir": None, "format": None, "state": None}
    as_json = False
    i = 1
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--json":
            as_json = True
            continue
        name, eq, value = word.partition("=")
        key = name[2:]
        if key not in values or not name.startswith("--"):
            return None
        if not eq:
            if i >= len(words) or words[i].startswith("-"):
                return None  # argparse's to word: a missing value, or an option
            value = words[i]
            i += 1
        if key == "format" and value not in FORMATS:
            return None
        if key == "dir":
            values["dir"] = [*(values["dir"] or ()), value]
        else:
            values[key] = value
    from types import SimpleNamespace

    return SimpleNamespace(command="ls", demo=False, json=as_json, **values)


# ----------------------------------------------------------------- helpers


def _load_config(*, only_if_present: bool = False) -> Any:
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
    from sessionview.config import load_config

    config = load_config()
    for problem in config.problems:
        print(f"sessionview: config: {_safe_line(problem)}", file=sys.stderr)
    return config


def _index(args: argparse.Namespace, config: Any) -> Any:
    from sessionview.store.index import SessionIndex
    from sessionview.store.roots import resolve_roots

    roots = resolve_roots(
        args.dir or (),
        config_dirs=config.dirs if config else (),
        forced_format=getattr(args, "format", None),
    )
    # Polling is the setting for network file systems, whose cached attributes can
    # hide a change for a while: there, every directory is listed every time.
    return SessionIndex(roots, reuse_listings=not (config and config.polling))


def _safe_line(text: object) -> str:
    """Untrusted text (file names, ids, errors) as one line with every control escaped."""
    from sessionview.text import one_line

    return one_line(str(text))


def _json_bytes(data: Any, *, indent: bool = True) -> bytes:
    """orjson, or the stdlib for what it refuses (see `jsonl.dumps_lenient`)."""
    from sessionview.store.jsonl import dumps_lenient

    return dumps_lenient(data, indent=indent)


def _write_json(data: Any) -> None:
    sys.stdout.buffer.write(_json_bytes(data) + b"\n")


def _parse_states(text: str, allowed: Sequence[str]) -> set[str]:
    states = {s.strip() for s in text.split(",") if s.strip()}
    bad = states - set(allowed)
    if bad or not states:
        raise CliError(
            f"invalid state {', '.join(sorted(bad)) or text!r}: use {', '.join(allowed)}"
        )
    return states


def _resolve(index: Any, ident: str) -> Any:
    index.scan()
    return index.resolve(ident)


# ---------------------------------------------------------------- commands


def cmd_ls(args: argparse.Namespace) -> int:
    import gc

    # A listing holds 100,000 small objects from the index cache and makes no cycles:
    # the collector would only walk them again and again (measured: ~10% of a warm ls).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return _ls(args)
    finally:
        if was_enabled:
            gc.enable()


def _ls(args: argparse.Namespace) -> int:
    config = _load_config(only_if_present=True)
    index = _index(args, config)
    wanted = _parse_states(args.state, STATES) if args.state else None
    if args.json:
        # Rows of unchanged files are the cached bytes (see SessionIndex.scan_json).
        listing = index.scan_json(wanted)
        for problem in index.problems:
            print(f"sessionview: {_safe_line(problem)}", file=sys.stderr)
        sys.stdout.buffer.write(listing)
        sys.stdout.buffer.write(b"\n")
        return 0
    sessions = index.scan()
    if wanted:
        sessions = [s for s in sessions if s.state.value in wanted]
    for problem in index.problems:
        print(f"sessionview: {_safe_line(problem)}", file=sys.stderr)
    if not sessions:
        where = ", ".join(r.dir for r in index.roots) or "no directory found"
        print(f"no sessions in {_safe_line(where)}; try `sessionview --demo`")
        return 0
    from sessionview.text import ago, human_bytes, one_line

    rows = [
        (
            f"{s.glyph} {s.state.value}",
            s.short_id,
            s.format,
            ago(s.updated_at),
            str(s.chunks),
            human_bytes(s.bytes),
            str(s.total_tokens or "-"),
            one_line(s.title or (s.error or ""), 60),
        )
        for s in sessions
    ]
    header = ("STATE", "ID", "FORMAT", "ACTIVITY", "CHUNKS", "SIZE", "TOKENS", "TITLE")
    out = sys.stdout
    rows = [tuple(one_line(cell) for cell in row) for row in rows]  # ids come from files
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header) - 1)]
    for row in [header, *rows]:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])]
        out.write("  ".join(cells) + "  " + row[-1] + "\n")
    return 0


def _chunk_json(chunk: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"index": chunk.index, "kind": chunk.kind, "payload": chunk.payload}
    if chunk.raw is not None and chunk.raw.get("record_type") != "chunk":
        data["raw"] = chunk.raw
    return data


def _print_chunk(chunk: Any) -> None:
    from sessionview.transcript import chunk_to_text

    sys.stdout.write(chunk_to_text(chunk) + "\n")
    sys.stdout.flush()


def cmd_show(args: argparse.Namespace) -> int:
    config = _load_config()
    index = _index(args, config)
    info = _resolve(index, args.id)
    from sessionview.store.formats import get_adapter
    from sessionview.store.model import SessionState

    adapter = get_adapter(info.format)
    if info.state is SessionState.CORRUPT:
        raise CliError(info.error or f"{info.path}: cannot be read")
    if args.follow:
        return _follow(info, adapter, as_json=args.json)
    from sessionview.store.errors import PersistenceError

    try:
        chunks, header = _read_transcript(info, adapter)
    except PersistenceError:
        if os.path.lexists(info.path):
            raise
        # Renamed (an OpenRath close) or deleted since the listing: look it up again.
        info = _resolve(index, args.id)
        adapter = get_adapter(info.format)
        if info.state is SessionState.CORRUPT:
            raise CliError(info.error or f"{info.path}: cannot be read") from None
        chunks, header = _read_transcript(info, adapter)
    if args.json:
        _write_json(
            {
                "id": info.id,
                "format": info.format,
                "state": info.state.value,
                "header": header,
                "chunks": [_chunk_json(c) for c in chunks],
                "usage": info.usage,
            }
        )
        return 0
    from sessionview.text import one_line, short_time

    print(
        f"{info.glyph} {info.state.value} ({one_line(info.state_reason)})  {info.format}  "
        f"{one_line(info.id)}\n"
        f"  {one_line(info.path)}\n  created {short_time(info.created_at)}  "
        f"{info.chunks} chunks"
    )
    for chunk in chunks:
        _print_chunk(chunk)
    return 0


def _read_transcript(info: Any, adapter: Any) -> tuple[list[Any], Any]:
    """The chunks and (OpenRath) the header, from one read of the file."""
    from pathlib import Path

    if info.format == "openrath":
        from sessionview.store.formats.openrath import parse_file

        parsed = parse_file(Path(info.path))
        return list(parsed.chunks), parsed.header
    return adapter.load_chunks(Path(info.path)), None


def _follow(info: Any, adapter: Any, *, as_json: bool) -> int:
    """Print every chunk once, in order, until the session closes or its writer is gone."""
    from sessionview.store.tail import TailReader

    def emit(chunk: Any) -> None:
        if as_json:
            sys.stdout.buffer.write(_json_bytes(_chunk_json(chunk), indent=False) + b"\n")
            sys.stdout.flush()
        else:
            _print_chunk(chunk)

    if not adapter.append_only:
        return _follow_rewrites(info, adapter, emit)
    reader = TailReader(info.path)
    state = adapter.new_state()  # this session's tool names, from its first line on
    seen = 0
    idle_since = time.monotonic()
    while True:
        batch = reader.read()
        if batch.deleted:
            print("sessionview: the session file was deleted", file=sys.stderr)
            return 1
        if batch.reset:
            print("sessionview: the file was truncated or replaced; reading again", file=sys.stderr)
            state = adapter.new_state()
        for error in batch.errors:
            print(f"sessionview: {_safe_line(error)}", file=sys.stderr)
        for chunk in adapter.chunks_from_records(batch.records, seen, state):
            emit(chunk)
            seen += 1
        if any(adapter.is_end_record(r) for r in batch.records):
            return 0
        if batch.records:
            idle_since = time.monotonic()
            continue
        if time.monotonic() - idle_since > 0.5:
            idle_since = time.monotonic()
            live, _ = adapter.is_live(_with_path(info, reader.path))
            if not live:
                final = reader.read()
                for chunk in adapter.chunks_from_records(final.records, seen, state):
                    emit(chunk)
                    seen += 1
                if not final.records:
                    state = "closed" if reader.path.name.endswith(".jsonl") else "ended"
                    if info.format == "openrath" and reader.path.name.endswith(".__partial__"):
                        state = "crashed (no process holds its lock)"
                    print(f"sessionview: session {state}", file=sys.stderr)
                    return 0
        time.sleep(0.05)


def _with_path(info: Any, path: Path) -> Any:
    from dataclasses import replace

    return replace(info, path=str(path))


def _follow_rewrites(info: Any, adapter: Any, emit: Any) -> int:
    """Whole-file formats: re-read on change and print the chunks not printed yet."""
    seen = 0
    last_sig: tuple[int, int] | None = None
    quiet_since = time.monotonic()
    while True:
        try:
            st = os.stat(info.path)
        except FileNotFoundError:
            print("sessionview: the session file was deleted", file=sys.stderr)
            return 1
        sig = (st.st_size, st.st_mtime_ns)
        if sig != last_sig:
            last_sig = sig
            quiet_since = time.monotonic()
            from pathlib import Path

            from sessionview.store.errors import PersistenceError

            try:
                chunks = adapter.load_chunks(Path(info.path))
            except PersistenceError:
                chunks = []
            for chunk in chunks[seen:]:
                emit(chunk)
            seen = max(seen, len(chunks))
        elif time.monotonic() - quiet_since > 1.0:
            live, _ = adapter.is_live(info)
            if not live:
                return 0
            quiet_since = time.monotonic()
        time.sleep(0.1)


def cmd_rm(args: argparse.Namespace) -> int:
    from sessionview.store.actions import delete_session
    from sessionview.store.errors import PersistenceError

    config = _load_config()
    index = _index(args, config)
    index.scan()
    targets = [index.resolve(ident) for ident in args.ids]
    roots = [r.path for r in index.roots]
    status = 0
    for info in targets:
        try:
            entry = delete_session(info, force=args.force, purge=args.purge, roots=roots)
        except PersistenceError as exc:
            print(f"sessionview: {_safe_line(exc)}", file=sys.stderr)
            status = 1
            continue
        if args.purge:
            print(f"deleted {_safe_line(info.id)} ({len(entry.files)} file(s))")
        else:
            sid = _safe_line(info.id)
            print(f"moved {sid} to the trash; undo with: sessionview restore {sid}")
    return status


def cmd_restore(args: argparse.Namespace) -> int:
    from sessionview.store.actions import find_trash, list_trash, restore

    if args.list or not args.id:
        entries = list_trash()
        if args.json:
            _write_json(
                [
                    {
                        "id": e.id,
                        "format": e.format,
                        "deleted_at": e.deleted_at,
                        "files": [a for a, _ in e.files],
                        "bytes": e.bytes,
                    }
                    for e in entries
                ]
            )
            return 0
        if not entries:
            print("the trash is empty")
        for e in entries:
            print(
                f"{_safe_line(e.deleted_at[:19])}  {e.format:<8}  {_safe_line(e.id)}  "
                f"({len(e.files)} file(s))"
            )
        return 0
    entry = find_trash(args.id)
    for path in restore(entry):
        print(f"restored {_safe_line(path)}")
    return 0


def cmd_prune(args: argparse.Namespace) -> int:
    from sessionview.store.actions import execute_prune, parse_age, plan_prune
    from sessionview.text import human_bytes

    try:
        age = parse_age(args.older_than)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    states = _parse_states(args.state, ("closed", "crashed"))
    config = _load_config()
    index = _index(args, config)
    plan = plan_prune(index.scan(), older_than=age, by=args.by, states=states)
    if args.dry_run:
        removed, skipped = list(plan.sessions), []
    else:
        entries, skipped_pairs = execute_prune(
            plan, purge=args.purge, roots=[r.path for r in index.roots]
        )
        done_ids = {e.id for e in entries}
        removed = [s for s in plan.sessions if s.id in done_ids]
        skipped = skipped_pairs
    reclaimed = sum(s.bytes for s in removed)
    if args.json:
        _write_json(
            {
                "dry_run": args.dry_run,
                "removed": [s.to_json() for s in removed],
                "skipped": [{"id": s.id, "reason": why} for s, why in skipped],
                "bytes": reclaimed,
            }
        )
        return 0
    verb = "would remove" if args.dry_run else "removed"
    for s in removed:
        print(f"{verb} {_safe_line(s.id)}  {s.format}  {s.state.value}  {human_bytes(s.bytes)}")
    for s, why in skipped:
        print(f"skipped {_safe_line(s.id)}: {_safe_line(why)}")
    print(f"{verb} {len(removed)} session(s), {human_bytes(reclaimed)}")
    return 0


def cmd_resume(args: argparse.Namespace) -> int:
    from sessionview.store.actions import resume_plan, run_resume

    config = _load_config()
    index = _index(args, config)
    info = _resolve(index, args.id)
    plan = resume_plan(info, config.resume)
    if args.print or plan.command is None:
        from sessionview.text import visible

        print(visible(plan.display()))
        if plan.command is None:
            print(f"# {plan.hint}", file=sys.stderr)
        return 0
    return run_resume(plan)


def cmd_config(args: argparse.Namespace) -> int:
    from sessionview.config import config_path

    if args.what == "path":
        print(config_path())
        return 0
    config = _load_config()
    print(f"# {config.source}")
    for key in (
        "dirs",
        "resume",
        "prune",
        "theme",
        "bell",
        "follow_by_default",
        "polling",
        "poll_interval",
    ):
        print(f"{key} = {getattr(config, key)!r}")
    return 0


def cmd_tui(args: argparse.Namespace) -> int:
    config = _load_config()
    if args.demo:
        from sessionview.demo import run_demo

        return run_demo(config)
    index = _index(args, config)
    from sessionview.app import make_app

    make_app(index, config).run()
    return 0


COMMANDS = {
    "ls": cmd_ls,
    "show": cmd_show,
    "rm": cmd_rm,
    "restore": cmd_restore,
    "prune": cmd_prune,
    "resume": cmd_resume,
    "config": cmd_config,
}


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = quick_ls_args(words)
    if args is None:
        from sessionview.cli_parser import SUBCOMMANDS, build_parser

        # The subcommand named first is the only one this parse can need.
        parser = build_parser(words[0] if words and words[0] in SUBCOMMANDS else None)
        args = parser.parse_args(words)
    from sessionview.store.errors import PersistenceError

    handler = COMMANDS.get(args.command or "", cmd_tui)
    try:
        return handler(args)
    except (CliError, PersistenceError, ValueError) as exc:
        print(f"sessionview: {_safe_line(exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        if isinstance(exc, BrokenPipeError):
            # The reader went away (`| head`): silence the final flush, exit quietly.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        print(
            _safe_line(f"sessionview: {exc.strerror or exc}: {exc.filename or ''}".rstrip(": ")),
            file=sys.stderr,
        )
        return 1
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug: still one line, the traceback only on request
        if os.environ.get("SESSIONVIEW_DEBUG"):
            raise
        print(
            f"sessionview: internal error: {type(exc).__name__}: {_safe_line(exc)} "
            "(set SESSIONVIEW_DEBUG=1 for the traceback)",
            file=sys.stderr,
        )
        return 1


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
