"""`sessionview show`: a transcript, whole or followed as it is written."""

from __future__ import annotations

import os
import sys
import time

from sessionview.cli.common import (
    CliError,
    dir_options,
    host_option,
    json_bytes,
    load_config,
    open_index,
    resolve,
    safe_line,
    write_json,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from pathlib import Path
    from typing import Any

HELP = "print a session's transcript"


def add_arguments(p: argparse.ArgumentParser) -> None:
    dir_options(p)
    host_option(p)
    p.add_argument("id", metavar="ID", help="session id or a unique prefix of it")
    p.add_argument(
        "--json", action="store_true", help="print JSON (one object per chunk with --follow)"
    )
    p.add_argument(
        "--follow", "-f", action="store_true", help="keep printing chunks as they are written"
    )


def chunk_json(chunk: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"index": chunk.index, "kind": chunk.kind, "payload": chunk.payload}
    if chunk.raw is not None and chunk.raw.get("record_type") != "chunk":
        data["raw"] = chunk.raw
    return data


def _print_chunk(chunk: Any) -> None:
    from sessionview.render.chunk_text import chunk_to_text

    sys.stdout.write(chunk_to_text(chunk) + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    config = load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.show(args, config, specs)
    index = open_index(args, config)
    info = resolve(index, args.id)
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
        info = resolve(index, args.id)
        adapter = get_adapter(info.format)
        if info.state is SessionState.CORRUPT:
            raise CliError(info.error or f"{info.path}: cannot be read") from None
        chunks, header = _read_transcript(info, adapter)
    if args.json:
        write_json(
            {
                "id": info.id,
                "format": info.format,
                "state": info.state.value,
                "header": header,
                "chunks": [chunk_json(c) for c in chunks],
                "usage": info.usage,
            }
        )
        return 0
    from sessionview.render.humanize import short_time
    from sessionview.render.safe import one_line

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
            sys.stdout.buffer.write(json_bytes(chunk_json(chunk), indent=False) + b"\n")
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
            print(f"sessionview: {safe_line(error)}", file=sys.stderr)
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
