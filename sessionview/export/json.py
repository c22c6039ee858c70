"""A session as JSON, exactly the document `sessionview show --json` prints:
`{id, format, state, header, chunks: [{index, kind, payload[, raw]}], usage}`,
indented by two. With redaction off it is the same bytes; with it on, every string
in the header and the chunks is redacted (see `Redactor.json`).

It is written chunk by chunk: each chunk is encoded on its own and indented to its
place in the array, so a 130 MB session never sits in memory as one document.
"""

from __future__ import annotations

from typing import Any, BinaryIO

from sessionview.export.common import redactor_for
from sessionview.export.source import Transcript
from sessionview.render.redact import Redactor
from sessionview.store.jsonl import dumps_lenient
from sessionview.store.model import Chunk


def chunk_json(chunk: Chunk) -> dict[str, Any]:
    """One chunk as `show --json` prints it (a test checks the two agree)."""
    data: dict[str, Any] = {"index": chunk.index, "kind": chunk.kind, "payload": chunk.payload}
    if chunk.raw is not None and chunk.raw.get("record_type") != "chunk":
        data["raw"] = chunk.raw
    return data


def _member(value: Any, depth: int) -> bytes:
    """`value` pretty-printed as it appears `depth` levels into an indented document."""
    encoded = dumps_lenient(value, indent=True)
    return encoded.replace(b"\n", b"\n" + b"  " * depth) if depth else encoded


def write_json(transcript: Transcript, out: BinaryIO, redactor: Redactor | None) -> int:
    """Write the whole document; returns the number of chunks written."""
    info = transcript.info
    clean = redactor.json if redactor is not None else _same
    header = clean(transcript.header)
    out.write(
        b'{\n  "id": '
        + _member(info.id, 1)
        + b',\n  "format": '
        + _member(info.format, 1)
        + b',\n  "state": '
        + _member(info.state.value, 1)
        + b',\n  "header": '
        + _member(header, 1)
        + b',\n  "chunks": ['
    )
    count = 0
    for chunk, line in transcript.entries:
        data = chunk_json(chunk)
        if redactor_for(redactor, line) is not None:
            data = clean(data)
        out.write((b",\n    " if count else b"\n    ") + _member(data, 2))
        count += 1
    out.write(b"\n  ]," if count else b"],")
    out.write(b'\n  "usage": ' + _member(info.usage, 1) + b"\n}\n")
    return count


def _same(value: Any) -> Any:
    return value
