"""OpenRath's listing crashes on a torn line cut inside a UTF-8 character; ours does not."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sessionview.store import SessionIndex, SessionState, list_persisted_sessions, load_session
from sessionview.store.formats.openrath import OpenRathFormat, parse_file
from sessionview.store.tail import TailReader

SID = "deadbeef-0000-4000-8000-000000000001"


def openrath_meta_loop(path: Path) -> tuple[int, bool]:
    """A minimal copy of OpenRath 1.2's `_meta_from_file` loop (text mode, stdlib json)."""
    header = None
    chunk_count = 0
    closed = False
    with path.open("r", encoding="utf-8") as fp:
        for _lineno, raw_line in enumerate(fp, start=1):
            if not raw_line.endswith("\n"):
                continue
            line = raw_line.rstrip("\n").strip()
            if not line:
                continue
            record = json.loads(line)
            rt = record.get("record_type")
            if rt == "header" and header is None:
                header = record
            elif rt == "chunk":
                chunk_count += 1
            elif rt == "trailer":
                closed = True
    return chunk_count, closed


def torn_in_utf8(directory: Path) -> Path:
    lines = [
        {
            "record_type": "header",
            "schema_version": 1,
            "id": SID,
            "created_at": "2026-11-21T11:52:34.101620+00:00",
            "parent_session_ids": [],
            "lineage_operator": "implicit",
            "lineage_kind": "unknown",
            "lineage_extras": [],
            "sandbox_backend": None,
            "sandbox_spec": None,
            "sandbox_handle_id": None,
        },
        {"record_type": "chunk", "index": 0, "kind": "user", "payload": {"content": "日志 📁"}},
    ]
    body = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in lines).encode("utf-8")
    torn = json.dumps(
        {"record_type": "chunk", "index": 1, "kind": "assistant", "payload": {"content": "分析"}},
        ensure_ascii=False,
    ).encode("utf-8")
    char = "分".encode()
    assert len(char) == 3
    cut = torn.index(char) + 2  # the first 2 bytes of a 3-byte character
    path = directory / f"{SID}.jsonl.__partial__"
    path.write_bytes(body + torn[:cut])
    assert path.read_bytes()[-2:] == char[:2]
    return path


def test_openrath_algorithm_crashes_ours_does_not(tmp_path: Path) -> None:
    path = torn_in_utf8(tmp_path)
    with pytest.raises(UnicodeDecodeError):
        openrath_meta_loop(path)
    # ... also OpenRath's load_session reads the whole text first:
    with pytest.raises(UnicodeDecodeError):
        path.read_text(encoding="utf-8")

    metas = list_persisted_sessions(tmp_path)
    assert [(str(m.id), m.chunk_count, m.closed) for m in metas] == [(SID, 1, False)]
    loaded = load_session(SID, directory=tmp_path)
    assert [c.payload["content"] for c in loaded.chunks] == ["日志 📁"]
    assert parse_file(path).torn_tail

    info = OpenRathFormat().read_facts(path, path.stat())
    assert info.error is None and info.chunks == 1 and info.extra["torn_tail"]
    rows = SessionIndex([tmp_path], use_cache=False).scan()
    assert [(r.id, r.state, r.chunks) for r in rows] == [(SID, SessionState.CRASHED, 1)]
    assert "torn last line dropped" in rows[0].state_reason

    reader = TailReader(path)
    batch = reader.read()
    assert [r["record_type"] for r in batch.records] == ["header", "chunk"] and not batch.errors


def test_the_same_file_completed_is_fine_for_both(tmp_path: Path) -> None:
    path = torn_in_utf8(tmp_path)
    data = path.read_bytes()
    full = (
        data[: data.rfind(b"\n") + 1]
        + json.dumps(
            {
                "record_type": "chunk",
                "index": 1,
                "kind": "assistant",
                "payload": {"content": "分析"},
            },
            ensure_ascii=False,
        ).encode()
        + b"\n"
    )
    path.write_bytes(full)
    assert openrath_meta_loop(path) == (2, False)
    assert list_persisted_sessions(tmp_path)[0].chunk_count == 2
