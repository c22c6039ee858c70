"""`sessionview show`: a transcript, whole or followed as it is written."""

from __future__ import annotations

import os
import sys

from sessionview.cli import common

TYPE_CHECKING = False
if TYPE_CHECKING:
    import argparse
    from typing import Any

HELP = "print a session's transcript"


def add_arguments(p: argparse.ArgumentParser) -> None:
    common.dir_options(p)
    common.host_option(p)
    p.add_argument("id", metavar="ID", help="session id or a unique prefix of it")
    p.add_argument(
        "--json", action="store_true", help="print JSON (one object per chunk with --follow)"
    )
    p.add_argument(
        "--follow", "-f", action="store_true", help="keep printing chunks as they are written"
    )


def chunk_json(chunk: Any) -> dict[str, Any]:
    data: dict[str, Any] = {"index": chunk.index, "kind": chunk.kind, "payload": chunk.payload}
    if chunk.sidechain:
        data["sidechain"] = True
    if chunk.raw is not None and chunk.raw.get("record_type") != "chunk":
        data["raw"] = chunk.raw
    return data


def _print_chunk(chunk: Any) -> None:
    from sessionview.render.chunk_text import chunk_to_text

    sys.stdout.write(chunk_to_text(chunk) + "\n")
    sys.stdout.flush()


def run(args: argparse.Namespace) -> int:
    config = common.load_config()
    from sessionview.cli import fleet

    specs = fleet.host_specs(args, config)
    if specs is not None:
        return fleet.show(args, config, specs)
    index = common.open_index(args, config)
    info = common.resolve(index, args.id)
    from sessionview.store.formats import get_adapter
    from sessionview.store.model import SessionState

    adapter = get_adapter(info.format)
    if info.state is SessionState.CORRUPT:
        raise common.CliError(info.error or f"{info.path}: cannot be read")
    if args.follow:
        return _follow(info, as_json=args.json)
    from sessionview.store.errors import PersistenceError

    try:
        chunks, header = _read_transcript(info, adapter)
    except PersistenceError:
        if os.path.lexists(info.path):
            raise
        # Renamed (an OpenRath close) or deleted since the listing: look it up again.
        info = common.resolve(index, args.id)
        adapter = get_adapter(info.format)
        if info.state is SessionState.CORRUPT:
            raise common.CliError(info.error or f"{info.path}: cannot be read") from None
        chunks, header = _read_transcript(info, adapter)
    if args.json:
        common.write_json(
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
    _print_header(info)
    for chunk in chunks:
        _print_chunk(chunk)
    return 0


def _print_header(info: Any) -> None:
    """The lines above a transcript: state with its evidence, format, id, path, counts."""
    from sessionview.render.humanize import plural, short_time
    from sessionview.render.safe import one_line

    print(
        f"{info.glyph} {info.state.value} ({one_line(info.state_reason)})  {info.format}  "
        f"{one_line(info.ref)}\n"
        f"  {one_line(info.path)}\n  created {short_time(info.created_at)}  "
        f"{plural(info.chunks, 'chunk')}",
        flush=True,
    )


def _read_transcript(info: Any, adapter: Any) -> tuple[list[Any], Any]:
    """The chunks and the header (for formats that have one), from one read of the file."""
    from pathlib import Path

    return adapter.load_transcript(Path(info.path))


def _follow(info: Any, *, as_json: bool) -> int:
    """Print every chunk once, in order, until the session ends (see `store.follow`):
    exit 0 when it closed or crashed, 1 when its file was deleted or became unreadable."""
    from sessionview.store.follow import ChunksAppended, FollowEnded, FollowReset, follow
    from sessionview.store.model import SessionState

    if not as_json:
        _print_header(info)
    for event in follow(info):
        if isinstance(event, ChunksAppended):
            for problem in event.problems:
                print(f"sessionview: {common.safe_line(problem)}", file=sys.stderr)
            for chunk in event.chunks:
                if as_json:
                    sys.stdout.buffer.write(
                        common.json_bytes(chunk_json(chunk), indent=False) + b"\n"
                    )
                    sys.stdout.flush()
                else:
                    _print_chunk(chunk)
        elif isinstance(event, FollowReset):
            print(f"sessionview: {common.safe_line(event.reason)}; reading again", file=sys.stderr)
        elif isinstance(event, FollowEnded):
            if as_json:  # the last line says how it ended, for a script reading the stream
                state = "deleted" if event.deleted else event.state.value
                end = {"end": True, "state": state, "reason": event.reason}
                sys.stdout.buffer.write(common.json_bytes(end, indent=False) + b"\n")
                sys.stdout.flush()
            if event.deleted or event.state is SessionState.CORRUPT:
                print(f"sessionview: {common.safe_line(event.reason)}", file=sys.stderr)
                return 1
            print(f"sessionview: session {common.safe_line(event.reason)}", file=sys.stderr)
    return 0
