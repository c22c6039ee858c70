"""Property tests: corrupted real-writer files never crash a reader or abort a listing,
and a TailReader fed bytes in random pieces yields exactly what a whole-file read does."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from store_helpers import FIXTURES, MANIFEST

from sessionview.store import (
    PersistenceError,
    SessionIndex,
    SessionState,
    list_persisted_sessions,
    load_session,
)
from sessionview.store.formats.openrath import OpenRathFormat, parse_file
from sessionview.store.tail import TailReader
from sessionview.store.writer import SessionWriter

SMALL = [e for e in MANIFEST if e["bytes"] < 8192]
DATA = {e["file"]: (FIXTURES / e["file"]).read_bytes() for e in SMALL}
ADAPTER = OpenRathFormat()

# Tokens a real file holds, and what a corruption may turn them into.
TOKENS = [
    b'"header"',
    b'"chunk"',
    b'"trailer"',
    b": 1,",
    b"null",
    b"[]",
    b"+00:00",
    b'"id": ',
    b'"index": ',
    b'"payload": ',
    b'"final_chunk_count": ',
    b'"content": ',
    b"2026-",
    b'"created_at": ',
    b'"lineage_extras": ',
    b'"parent_session_ids": ',
    b"{",
    b"}",
]
REPLACEMENTS = [
    b'"x"',
    b"true",
    b"5",
    b"-1",
    b"{}",
    b"[[1, 2]]",
    b'"9999-12-31T23:59:59-23:59"',
    b'"0001-01-01T00:00:00+01:00"',
    b": 99,",
    b": 0,",
    b": 1.5,",
    b"",
    b"\n",
    b"[",
    b'"\xe5\x88',
    b"1e999",
    b"99999999999999999999999",
    b'"\\ud800"',
    b"9999-",
]
SETTINGS = settings(
    max_examples=int(os.environ.get("STORE_MAX_EXAMPLES", 300)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=False,
)


SPECIAL = [
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+01:00",
    "2026-01-01T00:00:00",
    "2026-01-01T00:00:00Z",
    "header",
    "chunk",
    "trailer",
    "user",
    "",
    "\x00",
    "../x",
    "分析🚀",
]
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
    | st.sampled_from(SPECIAL),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
KEYS = [
    "record_type",
    "schema_version",
    "id",
    "created_at",
    "parent_session_ids",
    "lineage_operator",
    "lineage_kind",
    "lineage_extras",
    "sandbox_backend",
    "sandbox_spec",
    "sandbox_handle_id",
    "index",
    "kind",
    "payload",
    "closed_at",
    "final_chunk_count",
    "cumulative_usage",
]


def _set_field(draw, data: bytearray) -> bytearray:
    """Well-formed JSON, wrong content: one field of one record gets any JSON value."""
    lines = bytes(data).split(b"\n")
    at = draw(st.integers(0, max(0, len(lines) - 2)))
    try:
        record = orjson.loads(lines[at])
    except orjson.JSONDecodeError:
        return data
    if not isinstance(record, dict):
        return data
    key = draw(st.sampled_from(KEYS))
    target = record
    if key == "payload" and isinstance(record.get("payload"), dict) and draw(st.booleans()):
        target, key = record["payload"], draw(st.sampled_from(["content", "tool_calls", "name"]))
    if draw(st.integers(0, 5)) == 0:
        target.pop(key, None)
    else:
        target[key] = draw(JSON_VALUES)
    lines[at] = json.dumps(record, ensure_ascii=False).encode()
    return bytearray(b"\n".join(lines))


@st.composite
def corrupted(draw) -> tuple[str, bytes, str]:
    name = draw(st.sampled_from(sorted(DATA)))
    data = bytearray(DATA[name])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(
            st.sampled_from(["flip", "insert", "delete", "truncate", "append", "swap", "field"])
        )
        if op == "field":
            data = _set_field(draw, data)
            continue
        pos = draw(st.integers(0, len(data)))
        if op == "flip" and data:
            data[min(pos, len(data) - 1)] ^= draw(st.integers(1, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=8) | st.sampled_from(REPLACEMENTS))
        elif op == "delete":
            del data[pos : pos + draw(st.integers(1, 64))]
        elif op == "truncate":
            del data[pos:]
        elif op == "append":
            data += draw(st.binary(max_size=64) | st.sampled_from(REPLACEMENTS))
        elif op == "swap":
            token = draw(st.sampled_from(TOKENS))
            found = [i for i in range(len(data)) if data.startswith(token, i)]
            if found:
                at = draw(st.sampled_from(found))
                data[at : at + len(token)] = draw(st.sampled_from(REPLACEMENTS))
    suffix = draw(st.sampled_from([".jsonl", ".jsonl.__partial__"]))
    return name, bytes(data), suffix


def _good_neighbour(directory: Path) -> Path:
    with SessionWriter("feedface-0000-4000-8000-000000000000", directory=directory) as w:
        w.append("user", {"content": "I am fine"})
    return w.path


@pytest.mark.slow
@SETTINGS
@given(corrupted())
def test_corrupt_files_raise_only_persistence_error(case: tuple[str, bytes, str]) -> None:
    name, data, suffix = case
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp) / "sessions"
        directory.mkdir()
        good = _good_neighbour(directory)
        path = directory / (name.split(".")[0] + suffix)
        path.write_bytes(data)

        parsed = None
        try:
            parsed = parse_file(path)
        except PersistenceError as exc:
            assert "\n" not in str(exc) and str(path) in str(exc)
        try:
            loaded = load_session(path=path)
        except PersistenceError:
            assert parsed is None, "parse_file and load_session agree"
        else:
            assert parsed is not None and len(loaded.chunks) == len(parsed.chunks)

        info = ADAPTER.read_facts(path, os.stat(path))  # never raises
        if info.state is SessionState.CORRUPT:
            assert info.error and str(path) in info.error
        first = data.split(b"\n", 1)[0]
        if parsed is not None and first.strip() and b"\n" in data:
            # A file the full loader accepts, header first, is never shown as corrupt.
            assert info.state is not SessionState.CORRUPT, info.error
            assert info.id == parsed.header["id"]
            if parsed.trailer is None:
                assert info.chunks >= len(parsed.chunks)

        cache = Path(tmp) / "cache.json"
        rows = SessionIndex([directory], cache_path=cache).scan()  # never raises
        assert len(rows) >= 1
        index = SessionIndex([directory], cache_path=cache)
        again = index.scan()
        assert [r.to_json() for r in again] == [r.to_json() for r in rows], "cache round trip"
        assert index.get_path(good).state is SessionState.CLOSED
        assert index.get_path(path) is not None, "a corrupt file is listed, not hidden"
        orjson.dumps([r.to_json() for r in rows])  # `ls --json` can print every row

        metas = list_persisted_sessions(directory)  # never raises
        assert good in [m.path for m in metas]


def _whole(data: bytes, path: Path) -> tuple[list, list[str]]:
    """The records and errors a whole-file read yields (a fresh reader, one read)."""
    path.write_bytes(data)
    batch = TailReader(path).read()
    return batch.records, batch.errors


def _oracle(data: bytes) -> list:
    """Independent: every complete, non-blank line that is a JSON object."""
    complete = data[: data.rfind(b"\n") + 1] if b"\n" in data else b""
    out = []
    for line in complete.split(b"\n")[:-1]:
        if not line.strip():
            continue
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    source=st.one_of(
        st.sampled_from(sorted(DATA)).map(lambda n: DATA[n]),
        corrupted().map(lambda c: c[1]),
    ),
    cuts=st.lists(st.floats(0, 1, allow_nan=False), max_size=12),
)
def test_tail_in_random_pieces_equals_whole_read(source: bytes, cuts: list[float]) -> None:
    points = sorted({int(c * len(source)) for c in cuts} | {len(source)})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.jsonl.__partial__"
        path.write_bytes(b"")
        reader = TailReader(path)
        records: list = []
        errors: list[str] = []
        done = 0
        for point in points:
            with path.open("ab") as fh:
                fh.write(source[done:point])
            done = point
            batch = reader.read()
            assert not batch.reset and not batch.deleted
            records += batch.records
            errors += batch.errors
        (Path(tmp) / "whole").mkdir()
        whole_records, whole_errors = _whole(source, Path(tmp) / "whole" / path.name)
        assert records == whole_records == _oracle(source)
        assert [e.replace("/whole/", "/") for e in whole_errors] == errors
        assert reader.offset == (source.rfind(b"\n") + 1)
