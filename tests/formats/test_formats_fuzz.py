"""Property: any byte mutation or truncation of a valid file never crashes an adapter.

`read_facts` never raises; `load_chunks` raises nothing but `PersistenceError`.
"""

from __future__ import annotations

import atexit
import json
import os
import shutil
import tempfile
from pathlib import Path

import pytest
from formats_helpers import claude_records, codex_records, nanobot_records, snapshot_doc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.store.errors import PersistenceError
from sessionview.store.formats import get_adapter
from sessionview.store.liveness import LivenessProbe
from sessionview.store.model import CHUNK_KINDS, SessionInfo

SID = "11111111-2222-4333-8444-555555555555"
WORK = Path(tempfile.mkdtemp(prefix="sv-fuzz-"))
atexit.register(shutil.rmtree, WORK, True)


def _jsonl(records: list) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in records)


VALID = {
    "claude": (f"projects/-p/{SID}.jsonl", _jsonl(claude_records(SID))),
    "codex": (
        f"sessions/2026/03/02/rollout-2026-03-02T10-15-04-{SID}.jsonl",
        _jsonl(codex_records(SID)),
    ),
    "nanobot": (
        "ws/sessions/Y2xpOmRpcmVjdA.jsonl",
        _jsonl(nanobot_records("cli:direct", {"title": "t", "pending_user_turn": True})),
    ),
    "snapshot": (
        "ws/.sessions/a1b2c3d4e5f6_20260302_091504.json",
        json.dumps(snapshot_doc(), indent=2).encode(),
    ),
}

mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1), st.just(b"")),
    st.tuples(st.just("replace"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=16)),
    st.tuples(
        st.just("insert"),
        st.floats(0, 1),
        st.sampled_from(
            [b"\n", b"{", b"}", b'"', b"\xff", b"\xc3", b"null\n", b"[]\n", b'{"type":7}\n']
        ),
    ),
)


def mutate(data: bytes, ops: list[tuple[str, float, bytes]]) -> bytes:
    for op, where, blob in ops:
        pos = int(where * len(data))
        if op == "truncate":
            data = data[:pos]
        elif op == "replace":
            data = data[:pos] + blob + data[pos + len(blob) :]
        else:
            data = data[:pos] + blob + data[pos:]
    return data


@pytest.mark.parametrize("fmt", sorted(VALID))
@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(mutation, min_size=1, max_size=4))
def test_mutations_never_crash(fmt: str, ops: list) -> None:
    adapter = get_adapter(fmt)
    rel, valid = VALID[fmt]
    path = WORK / fmt / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(mutate(valid, ops))
    st_ = os.stat(path)
    info = adapter.read_facts(path, st_)
    assert isinstance(info, SessionInfo) and isinstance(info.id, str) and info.id
    info = adapter.apply_liveness(info, st_, LivenessProbe())
    json.dumps(info.to_json())  # cacheable
    try:
        chunks = adapter.load_chunks(path)
    except PersistenceError:
        return
    assert all(isinstance(c.kind, str) and c.kind for c in chunks)
    assert fmt == "snapshot" or all(c.kind in CHUNK_KINDS for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))
