"""Issue 11, item 8: ids shared by several sessions are qualified, and resolved back."""

from __future__ import annotations

import pytest

from sessionview.store.errors import AmbiguousSessionId, PersistenceError, SessionNotFound
from sessionview.store.index import resolve_id
from sessionview.store.model import SessionInfo, SessionState
from sessionview.store.qualify import names_file, qualifiers, qualify


def _row(sid: str, path: str, fmt: str = "claude") -> SessionInfo:
    return SessionInfo(sid, fmt, SessionState.CLOSED, "", path)


def test_qualifiers_are_the_fewest_trailing_folders_that_differ() -> None:
    assert qualifiers(["/h/.claude/projects/-a/X.jsonl", "/h/.claude/projects/-b/X.jsonl"]) == [
        "-a",
        "-b",
    ]
    assert qualifiers(["/r/alice/sessions/X.jsonl", "/r/bob/sessions/X.jsonl"]) == [
        "alice/sessions",
        "bob/sessions",
    ]
    # One folder holds both (two formats, or a header claiming another file's id).
    assert qualifiers(["/r/s/X.jsonl", "/r/s/X.json"]) == ["X.jsonl", "X.json"]
    assert qualifiers(["/a/s/X.json", "/a/s/X.jsonl", "/b/s/X.jsonl"]) == [
        "a/s/X.json",
        "a/s/X.jsonl",
        "b/s/X.jsonl",
    ]


def test_only_rows_that_share_an_id_are_qualified() -> None:
    rows = qualify(
        [_row("X", "/p/-a/X.jsonl"), _row("Y", "/p/-a/Y.jsonl"), _row("X", "/p/-b/X.jsonl")]
    )
    assert [r.ref for r in rows] == ["X@-a", "Y", "X@-b"]
    assert [r.to_json()["id"] for r in rows] == ["X@-a", "Y", "X@-b"]
    assert [r.to_json()["session_id"] for r in rows] == ["X", "Y", "X"]
    assert [SessionInfo.from_json(r.to_json()) for r in rows] == rows


def test_resolve_takes_every_listed_id_and_explains_an_ambiguous_one() -> None:
    rows = qualify([_row("abc-1", "/p/-a/abc-1.jsonl"), _row("abc-1", "/p/-b/abc-1.jsonl")])
    for row in rows:
        assert resolve_id(rows, row.ref) is row
    assert resolve_id(rows, "abc@-b") is rows[1]  # a prefix before the @
    assert resolve_id(rows, "abc-1@p/-a") is rows[0]  # more folders than needed
    with pytest.raises(AmbiguousSessionId) as ambiguous:
        resolve_id(rows, "abc-1")
    message = str(ambiguous.value)
    assert "abc-1@-a (claude, in /p/-a)" in message and "abc-1@-b (claude, in /p/-b)" in message
    assert "ls --json" in message
    with pytest.raises(SessionNotFound):
        resolve_id(rows, "abc-1@-c")
    for bad in ("abc-1@../x", "abc-1@/etc", "abc-1@a//b"):
        with pytest.raises(PersistenceError, match="never a path"):
            resolve_id(rows, bad)


def test_names_file_matches_whole_trailing_parts_only() -> None:
    assert names_file("/p/-home-a/X.jsonl", "-home-a")
    assert names_file("/p/-home-a/X.jsonl", "p/-home-a")
    assert names_file("/p/s/X.jsonl", "s/X.jsonl")
    assert not names_file("/p/x-home-a/X.jsonl", "-home-a")
    assert not names_file("/p/-home-a/X.jsonl", "")
