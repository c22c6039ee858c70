"""Property tests: a TailReader fed the same bytes in any split yields exactly what a
whole-file read yields.

The writer's bytes are appended in random pieces (split points anywhere, including
inside multi-byte UTF-8 characters and inside the `\\n`-less torn tail), with reads in
between at random moments, optionally across OpenRath's `__partial__` -> `.jsonl`
rename. The records (and OpenRath chunks) collected from all the reads must equal
those of one read of the finished file, in order, each exactly once.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.store import tail as tail_mod
from sessionview.store.formats.openrath import OpenRathFormat, parse_file
from sessionview.store.jsonl import iter_lines, parse_record
from sessionview.store.tail import TailReader

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Text that is heavy in multi-byte characters (2, 3 and 4 bytes in UTF-8), controls,
# quotes and backslashes, so splits land inside characters and escapes.
texts = st.text(
    alphabet=st.sampled_from(
        list('aZ "\\\n\t{}[]:,') + ["é", "ß", "你", "好", "€", "🚀", "𝄞", "\u202e", "\x1b", "\x00"]
    )
    | st.characters(blacklist_categories=("Cs",)),
    max_size=40,
)

payloads = st.fixed_dictionaries(
    {"content": texts},
    optional={"tool_calls": st.none() | st.just([]), "name": texts},
)
kinds = st.sampled_from(["system", "user", "assistant", "tool_result"])


def header(sid: str) -> dict:
    return {
        "record_type": "header",
        "schema_version": 1,
        "id": sid,
        "created_at": "2026-01-02T03:04:05+00:00",
        "parent_session_ids": [],
        "lineage_operator": "implicit",
        "lineage_kind": "unknown",
        "lineage_extras": [],
        "sandbox_backend": None,
        "sandbox_spec": None,
        "sandbox_handle_id": None,
    }


def encode(record: dict) -> bytes:
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


@st.composite
def session_bytes(draw) -> tuple[bytes, int]:
    """A whole OpenRath file as written, plus maybe blank lines and a torn tail."""
    chunks = draw(st.lists(st.tuples(kinds, payloads), max_size=12))
    data = encode(header("prop"))
    for i, (kind, payload) in enumerate(chunks):
        data += encode({"record_type": "chunk", "index": i, "kind": kind, "payload": payload})
        if draw(st.integers(0, 9)) == 0:
            data += b"\n"  # a blank line: skipped by every reader
    if draw(st.booleans()):
        data += encode(
            {
                "record_type": "trailer",
                "closed_at": "2026-01-02T03:05:05+00:00",
                "final_chunk_count": len(chunks),
                "cumulative_usage": None,
            }
        )
    torn = b""
    if draw(st.booleans()):
        extra = encode(
            {"record_type": "chunk", "index": 99, "kind": "user", "payload": {"content": "你好🚀"}}
        )
        torn = extra[: draw(st.integers(1, len(extra) - 1))]  # never its newline
    return data + torn, len(torn)


@st.composite
def plans(draw):
    data, torn = draw(session_bytes())
    # Split points anywhere, biased towards the inside of multi-byte characters.
    inside = [i for i in range(1, len(data)) if 0x80 <= data[i] < 0xC0]
    points = draw(st.lists(st.integers(1, max(1, len(data) - 1)), max_size=12))
    if inside:
        points += draw(st.lists(st.sampled_from(inside), max_size=6))
    cuts = sorted({p for p in points if 0 < p < len(data)})
    pieces = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
    reads = draw(st.lists(st.integers(0, 3), min_size=len(pieces), max_size=len(pieces)))
    rename_at = draw(st.none() | st.integers(0, len(pieces)))
    # A tiny read cap makes most lines "longer than one read" (the 64 MB case).
    max_read = draw(st.sampled_from([None, None, 1, 5, 64]))
    return data, torn, pieces, reads, rename_at, max_read


def whole_file_records(data: bytes) -> list[dict]:
    path_fd = os.memfd_create("whole")
    try:
        os.write(path_fd, data)
        return [parse_record(line, "x") for _, line in iter_lines(path_fd) if line.strip()]
    finally:
        os.close(path_fd)


@SETTINGS
@given(plan=plans())
def test_tail_in_random_splits_equals_whole_read(tmp_path_factory, plan) -> None:
    data, torn, pieces, reads, rename_at, max_read = plan
    with mock.patch.object(tail_mod, "MAX_READ", max_read or tail_mod.MAX_READ):
        _run_plan(tmp_path_factory, data, torn, pieces, reads, rename_at)


def _drain(reader: TailReader) -> list[dict]:
    out: list[dict] = []
    while True:
        before = reader.offset
        batch = reader.read()
        assert not batch.reset and not batch.deleted and not batch.errors
        out += batch.records
        if reader.offset == before:
            return out


def _run_plan(tmp_path_factory, data, torn, pieces, reads, rename_at) -> None:
    directory = tmp_path_factory.mktemp("tail")
    partial = directory / "prop.jsonl.__partial__"
    final = directory / "prop.jsonl"
    partial.write_bytes(b"")
    reader = TailReader(partial)
    seen: list[dict] = []
    current = partial
    for i, (piece, n_reads) in enumerate(zip(pieces, reads, strict=True)):
        if rename_at == i:
            os.replace(current, final)
            current = final
        with open(current, "ab") as fh:
            fh.write(piece)
        for _ in range(n_reads):
            batch = reader.read()
            assert not batch.reset and not batch.deleted and not batch.errors
            seen += batch.records
    if rename_at == len(pieces):
        os.replace(current, final)
        current = final
    seen += _drain(reader)
    assert reader.read().records == []  # nothing twice

    expected = whole_file_records(data)
    assert seen == expected
    assert reader.path == current
    assert reader.offset == len(data) - torn  # the torn tail is held back, not consumed

    # The OpenRath view agrees too: tail chunks == a whole parse of the file.
    adapter = OpenRathFormat()
    tail_chunks = adapter.chunks_from_records(seen, 0)
    parsed = parse_file(Path(current))
    assert [(c.index, c.kind, c.payload) for c in tail_chunks] == [
        (c.index, c.kind, c.payload) for c in parsed.chunks
    ]
    assert parsed.torn_tail == bool(torn)


@SETTINGS
@given(plan=plans())
def test_torn_tail_completed_later_is_read_once(tmp_path_factory, plan) -> None:
    """Finishing a torn line (its newline arrives later) yields it exactly once."""
    data, torn, pieces, _, _, _ = plan
    directory = tmp_path_factory.mktemp("torn")
    path = directory / "t.jsonl.__partial__"
    path.write_bytes(data)
    reader = TailReader(path)
    first = reader.read().records
    if torn:
        rest = encode(
            {"record_type": "chunk", "index": 99, "kind": "user", "payload": {"content": "你好🚀"}}
        )
        with open(path, "ab") as fh:
            fh.write(rest[torn:])
        second = reader.read().records
        assert second == [json.loads(rest)]
    assert first == whole_file_records(data)
