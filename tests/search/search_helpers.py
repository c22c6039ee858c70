"""Helpers for the search tests: real OpenRath files from the real writer, a real index."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from sessionview.store.index import SessionIndex
from sessionview.store.model import SessionInfo
from sessionview.store.search import SearchIndex
from sessionview.store.writer import SessionWriter
from tests.helpers.wait import wait_until


def write_session(directory: Path, sid: str, texts: list[str], *, close: bool = True) -> Path:
    """A session whose chunks alternate user/assistant with these texts."""
    writer = SessionWriter(sid, directory=directory)
    for i, text in enumerate(texts):
        if i % 2 == 0:
            writer.append("user", {"content": text})
        else:
            writer.append("assistant", {"content": text, "tool_calls": None})
    if close:
        writer.close(usage={"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2})
        return directory / f"{sid}.jsonl"
    writer.abandon()
    return directory / f"{sid}.jsonl.__partial__"


def listing(directory: Path, cache: Path) -> list[SessionInfo]:
    return SessionIndex([directory], cache_path=cache).scan()


def found_ids(search: SearchIndex, query: str, sessions: list[SessionInfo], **kw) -> set[str]:
    return {r.info.id for r in search.search(query, sessions, limit=None, **kw)}


def indexed_chunks(index: Path) -> int:
    """How many chunks the index keeps the text of (one line each in a block's meta)."""
    con = sqlite3.connect(index)
    try:
        return sum(meta.count("\n") + 1 for (meta,) in con.execute("SELECT meta FROM body"))
    finally:
        con.close()


def wait_for(what: str, condition: Callable[[], bool], timeout: float = 30.0) -> None:
    """`wait_until` with the argument order these tests read best (what, then how)."""
    wait_until(condition, timeout=timeout, what=what, interval=0.02)
