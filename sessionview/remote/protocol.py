"""The JSON-lines protocol between `sessionview` and a remote `sessionview serve --stdio`.

PROTOCOL.md at the repository root is its reference: every message and what it carries.
This module holds the version, the encoding of one message as one line, and the checks
that turn a malformed or hostile answer into a `ProtocolError` for that host (never a
crash, never text reaching a terminal unescaped).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sessionview.store.model import SessionInfo, SessionState

PROTOCOL_VERSION = 1
#: One message never exceeds this (a 10,000-session listing is ~10 MB).
MAX_LINE = 256 << 20
STATES = frozenset(state.value for state in SessionState)


class ProtocolError(Exception):
    """The remote's stream is not what the protocol allows."""


def encode(message: dict[str, Any]) -> bytes:
    """One message as one line (orjson, or the stdlib for what it refuses)."""
    from sessionview.store.jsonl import dumps_lenient

    return dumps_lenient(message) + b"\n"


class RowsAnswer(dict[str, Any]):
    """A `list` result whose `rows` came as its last field: `raw_rows` is that JSON array
    exactly as received. The rows are parsed (and checked by the caller) like any
    others; a client that prints them unchanged (`ls --json` of one host, each row
    tagged with `host` by the serve) writes these bytes instead of encoding 10 MB again."""

    raw_rows: bytes = b""


#: How a `list` result (or a part of it, `rows`) starts and where its rows begin (see
#: `rows_line`).
_RESULT = (b'{"type":"result",', b'{"type":"rows",')
_ROWS = b',"rows":['


def rows_line(head: dict[str, Any], rows: Sequence[bytes]) -> bytes:
    """One message line: `head`'s fields, then `rows` as its last field, each row's JSON
    bytes as they are (a `list` result or part: no decode/encode of 10 MB of rows). This
    is the framing `decode` reads back as a `RowsAnswer`."""
    return encode(head)[:-2] + _ROWS + b",".join(rows) + b"]}\n"


def decode(line: bytes) -> dict[str, Any]:
    """One received line as a message object, or ProtocolError."""
    if len(line) > MAX_LINE:
        raise ProtocolError(f"a message of {len(line)} bytes (limit {MAX_LINE})")
    import orjson

    if line.startswith(_RESULT):
        answer = _rows_answer(line)
        if answer is not None:
            return answer
    try:
        message = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise ProtocolError(f"not a JSON message: {exc}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not a JSON object")
    return message


def _rows_answer(line: bytes) -> RowsAnswer | None:
    """`{"type":"result",...,"rows":[...]}` as its head and its rows, each parsed on its
    own (the rows' bytes kept); None when the line is not exactly that (then it is
    decoded whole). The head cannot hide a `,"rows":[` inside a string (a quote there
    is escaped), and each part must be one whole JSON value, so the kept bytes are
    exactly the array the message's `rows` holds."""
    import orjson

    body = line.rstrip(b"\r\n")
    split = body.find(_ROWS)
    if split < 0 or not body.endswith(b"]}"):
        return None
    try:
        head = orjson.loads(body[:split] + b"}")
        raw = body[split + len(_ROWS) - 1 : -1]
        rows = orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(head, dict) or "rows" in head or not isinstance(rows, list):
        return None
    answer = RowsAnswer(head)
    answer["rows"] = rows
    answer.raw_rows = raw
    return answer


def join_rows(messages: list[dict[str, Any]]) -> dict[str, Any]:
    """A listing's parts (`rows` messages, then its `result`) as one result: the rows in
    order, and their bytes joined when every part kept its own (see `RowsAnswer`)."""
    *parts, result = messages
    rows: list[Any] = []
    for message in messages:
        part = message.get("rows")
        if not isinstance(part, list):
            raise ProtocolError("a listing part without rows")
        rows.extend(part)
    joined = RowsAnswer(result)
    joined["rows"] = rows
    if all(isinstance(m, RowsAnswer) for m in messages):
        inner = [m.raw_rows[1:-1] for m in messages if m["rows"]]  # type: ignore[attr-defined]
        joined.raw_rows = b"[" + b",".join(inner) + b"]"
        return joined
    return dict(joined)


def _check_identity(row: Any, what: str) -> dict[str, Any]:
    """The fields every row kind carries: an object with string id/format/state/path and
    a known state (`what` names the row kind in the error)."""
    if not isinstance(row, dict):
        raise ProtocolError(f"{what} that is not an object")
    for key in ("id", "format", "state", "path"):
        if not isinstance(row.get(key), str):
            raise ProtocolError(f"{what} without a string {key!r}")
    if row["state"] not in STATES:
        raise ProtocolError(f"{what} with an unknown state {row['state'][:40]!r}")
    return row


def check_row(row: Any) -> dict[str, Any]:
    """A listing row as `ls --json` prints it; ProtocolError when its required fields are
    missing or of the wrong type (everything else in it is data, shown escaped)."""
    row = _check_identity(row, "a row")
    if not isinstance(row.get("chunks", 0), int) or not isinstance(row.get("bytes", 0), int):
        raise ProtocolError("a row whose chunks/bytes are not integers")
    return row


def check_search_row(row: Any) -> dict[str, Any]:
    """A `search` result row: `search --json`'s row plus `updated_at`, `matching_chunks`
    and `score`; ProtocolError when a field the client uses has the wrong type."""
    row = _check_identity(row, "a search row")
    score = row.get("score")
    if not isinstance(score, int | float) or isinstance(score, bool):
        raise ProtocolError("a search row without a numeric score")
    count = row.get("matching_chunks")
    if not isinstance(count, int) or isinstance(count, bool):
        raise ProtocolError("a search row without an integer matching_chunks")
    hits = row.get("hits")
    if not isinstance(hits, list):
        raise ProtocolError("a search row without a list of hits")
    for hit in hits:
        if (
            not isinstance(hit, dict)
            or not isinstance(hit.get("chunk"), int)
            or not isinstance(hit.get("kind"), str)
            or not isinstance(hit.get("excerpt"), str)
        ):
            raise ProtocolError("a search hit without an integer chunk and string kind/excerpt")
    return row


def check_chunk(chunk: Any) -> dict[str, Any]:
    """A transcript chunk `{index, kind, payload[, raw]}` as `show --json` prints it."""
    if not isinstance(chunk, dict):
        raise ProtocolError("a chunk that is not an object")
    if not isinstance(chunk.get("index"), int) or isinstance(chunk.get("index"), bool):
        raise ProtocolError("a chunk without an integer index")
    if not isinstance(chunk.get("kind"), str) or not isinstance(chunk.get("payload"), dict):
        raise ProtocolError("a chunk without a string kind and an object payload")
    return chunk


def chunk_message(chunk: Any) -> dict[str, Any]:
    """A store `Chunk` as it travels (the shape of `show --json`'s chunks)."""
    data: dict[str, Any] = {"index": chunk.index, "kind": chunk.kind, "payload": chunk.payload}
    if chunk.raw is not None and chunk.raw.get("record_type") != "chunk":
        data["raw"] = chunk.raw
    if chunk.timestamp is not None:
        data["timestamp"] = chunk.timestamp.isoformat()
    return data


def chunk_from_message(data: dict[str, Any]) -> Any:
    """The store `Chunk` back from `chunk_message` (checked)."""
    from datetime import datetime

    from sessionview.store.model import Chunk

    check_chunk(data)
    when = None
    if isinstance(data.get("timestamp"), str):
        try:
            when = datetime.fromisoformat(data["timestamp"])
        except ValueError:
            when = None
    raw = data.get("raw")
    return Chunk(
        data["index"],
        data["kind"],
        data["payload"],
        raw if isinstance(raw, dict) else None,
        when,
    )


def row_info(row: Any, host: str, home: str | None = None) -> SessionInfo:
    """A host's listing row, checked, as a store `SessionInfo` with `host` (and the
    host's `home` directory, as `host_home`, when known) in its `extra`."""
    from dataclasses import replace

    check_row(row)
    try:
        info = SessionInfo.from_json(row)
    except (KeyError, TypeError, ValueError) as exc:
        raise ProtocolError(f"a row that cannot be read: {exc}") from None
    extra = {**(info.extra or {}), "host": host}
    if home:
        extra["host_home"] = home
    return replace(info, extra=extra)


def show_parts(answer: dict[str, Any]) -> tuple[dict[str, Any], list[Any], list[Any]]:
    """A `show` answer's row, its chunks as they travelled, and those as store `Chunk`s,
    all checked."""
    row = check_row(answer.get("session"))
    chunks = answer.get("chunks")
    if not isinstance(chunks, list):
        raise ProtocolError("a transcript without chunks")
    return row, chunks, [chunk_from_message(c) for c in chunks]


def show_transcript(answer: dict[str, Any], host: str) -> Any:
    """A `show` answer as what an export reads (`sessionview.export.source.Transcript`):
    the row (its `host` in `extra`), OpenRath's header, the chunks, all checked; the
    text is redacted and escaped by the exporter here, as a local session's."""
    from sessionview.export.source import Transcript

    row, _, parsed = show_parts(answer)
    header = answer.get("header")
    if header is not None and not isinstance(header, dict):
        raise ProtocolError("a header that is not an object")
    return Transcript(row_info(row, host), header, ((chunk, None) for chunk in parsed))
