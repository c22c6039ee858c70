"""OpenRath sessions written by OpenRath's own `SessionWriter` (the `openrath` dev dependency)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from sessionview.store import PersistenceError, load_session

rath_session = pytest.importorskip("rath.session.session")
from rath.session.chunk import ChunkKind, ChunkRow  # noqa: E402
from rath.session.persistence.errors import PersistenceError as RathPersistenceError  # noqa: E402
from rath.session.persistence.loader import load_session as rath_load_session  # noqa: E402
from rath.session.persistence.writer import SessionWriter  # noqa: E402

SEPARATORS = "line\u2028sep para\u2029sep next\u0085line"


def write_session(directory: Path, rows: list[ChunkRow]) -> Path:
    """A closed session written by OpenRath's writer; returns the final file."""
    session = rath_session.Session.from_agent_prompt("You are terse.")
    writer = SessionWriter(session, path=directory / f"{session.id}.jsonl")
    for index, row in enumerate(rows):
        writer.write_chunk(index, row)
    writer.close()
    return writer.path


def test_raw_line_separators_resume_where_openrath_own_loader_fails(tmp_path: Path) -> None:
    rows = [
        ChunkRow(kind=ChunkKind.SYSTEM, payload={"content": "You are terse."}),
        ChunkRow(kind=ChunkKind.USER, payload={"content": SEPARATORS}),
        ChunkRow(kind=ChunkKind.ASSISTANT, payload={"content": "ok"}),
    ]
    path = write_session(tmp_path, rows)
    assert "\u2028".encode() in path.read_bytes()  # the writer leaves them unescaped
    with pytest.raises(RathPersistenceError):  # OpenRath's own reader breaks on them
        rath_load_session("unused", path=path)

    loaded = load_session(path=path)
    assert [c.payload["content"] for c in loaded.chunks] == ["You are terse.", SEPARATORS, "ok"]
    user, agent = loaded.to_resumable_pair()
    assert type(user).__module__ == "rath.session.session"
    assert [(r.kind.value, r.payload) for r in user.chunk_table.rows] == [
        (r.kind.value, r.payload) for r in rows
    ]
    assert agent.chunk_table.rows[0].payload["content"] == "You are terse."
    _, override = loaded.to_resumable_pair(agent_prompt="other")
    assert override.chunk_table.rows[0].payload["content"] == "other"


def test_openrath_errors_come_out_as_sessionview_errors(tmp_path: Path) -> None:
    path = write_session(tmp_path, [ChunkRow(kind=ChunkKind.USER, payload={"content": "hi"})])
    loaded = load_session(path=path)
    # A kind OpenRath does not know (sessionview lists such a file; OpenRath cannot build it).
    from dataclasses import replace

    odd = replace(loaded, chunks=(replace(loaded.chunks[0], kind="narration"),))
    with pytest.raises(PersistenceError, match="OpenRath cannot build a resumable pair") as info:
        odd.to_resumable_pair()
    assert type(info.value).__module__.startswith("sessionview.")


def test_without_openrath_a_plain_pair(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_session(tmp_path, [ChunkRow(kind=ChunkKind.USER, payload={"content": "hi"})])
    monkeypatch.setitem(sys.modules, "rath.session.persistence", None)
    user_rows, prompt = load_session(path=path).to_resumable_pair()
    assert [c.payload["content"] for c in user_rows] == ["hi"]
    assert prompt is None
