"""Answer a query from the index: sessions ranked by BM25 then recency, with excerpts.

Each term is matched in SQLite (one FTS5 query per term, grouped per file), terms are
ANDed per session here, and only the sessions shown get their hits and excerpts read.
Only sessions of the listing passed in are answered: a deleted or trashed session is
never a result, even before the index has dropped it.
"""

from __future__ import annotations

import heapq
import os
import sqlite3
import zlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sessionview.store.model import SessionInfo
from sessionview.store.search.query import Term, match_spans, parse
from sessionview.store.search.text import ROLE_BITS

#: Hits listed per session (the best ranked ones, shown in chunk order).
MAX_HITS = 10
#: Characters of context around the first match in an excerpt.
EXCERPT_WIDTH = 120

MARK_OPEN = "«"
MARK_CLOSE = "»"


@dataclass(frozen=True, slots=True)
class Hit:
    """One matching chunk: its index, its kind as `show --json` names it, an excerpt.

    `excerpt` is `(text, is_match)` segments of raw (untrusted) text on one line.
    """

    chunk: int
    kind: str
    excerpt: tuple[tuple[str, bool], ...]

    def marked(self) -> str:
        """The excerpt made terminal-safe, each match between « and »."""
        from sessionview.text import one_line

        return "".join(
            f"{MARK_OPEN}{one_line(text)}{MARK_CLOSE}" if hit else one_line(text)
            for text, hit in self.excerpt
        )


@dataclass(frozen=True, slots=True)
class SessionHits:
    """A session that matches every term, with its best hits."""

    info: SessionInfo
    hits: tuple[Hit, ...]
    matching_chunks: int
    score: float


def roles_mask(kinds: Iterable[str]) -> int:
    """`--kind user,tool` as the bit mask stored per chunk; 0 means every kind."""
    mask = 0
    for kind in kinds:
        mask |= ROLE_BITS[kind]
    return mask


def _where_roles(mask: int) -> str:
    return f" AND (b.roles & {int(mask)}) != 0" if mask else ""


def _excerpt(text: str, terms: list[Term]) -> tuple[tuple[str, bool], ...]:
    flat = text.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    spans = match_spans(flat, terms)
    if not spans:
        return ((flat[:EXCERPT_WIDTH], False),)
    first = spans[0][0]
    start = max(0, first - EXCERPT_WIDTH // 3)
    end = min(len(flat), start + EXCERPT_WIDTH)
    if spans[0][1] > end:
        end = spans[0][1]
    segments: list[tuple[str, bool]] = []
    pos = start
    if start > 0:
        segments.append(("…", False))
    for s, e in spans:
        if s >= end:
            break
        s = max(s, pos)
        if s > pos:
            segments.append((flat[pos:s], False))
        segments.append((flat[s:e], True))
        pos = e
    if pos < end:
        segments.append((flat[pos:end], False))
    if end < len(flat):
        segments.append(("…", False))
    return tuple(segments)


def _recency(info: SessionInfo) -> float:
    when: datetime | None = info.updated_at or info.created_at
    return when.timestamp() if when is not None else 0.0


def search(
    con: sqlite3.Connection,
    text: str,
    sessions: Iterable[SessionInfo],
    *,
    roles: int = 0,
    limit: int | None = 20,
) -> list[SessionHits]:
    """The sessions (among `sessions`) in which every term of `text` matches."""
    terms = parse(text)
    if not terms:
        return []
    by_path = {os.path.abspath(s.path): s for s in sessions}
    ids: dict[int, SessionInfo] = {}
    for file_id, path in con.execute("SELECT id, path FROM files"):
        info = by_path.get(path)
        if info is not None:
            ids[file_id] = info
    scores: dict[int, float] | None = None
    counts: dict[int, int] = {}
    where = _where_roles(roles)
    for term in terms:
        found: dict[int, float] = {}
        rows = con.execute(
            "SELECT b.file_id, min(fts.rank), count(*) FROM fts JOIN body b ON b.id = fts.rowid"
            f" WHERE fts MATCH ?{where} GROUP BY b.file_id",
            (term.fts(),),
        )
        for file_id, rank, count in rows:
            if file_id in ids and (scores is None or file_id in scores):
                found[file_id] = rank + (scores[file_id] if scores is not None else 0.0)
                counts[file_id] = max(counts.get(file_id, 0), count)
        scores = found
        if not scores:
            return []
    assert scores is not None
    ranked = sorted(scores, key=lambda f: (scores[f], -_recency(ids[f])))
    if limit is not None:
        ranked = ranked[:limit]
    hits = _hits(con, terms, ranked, where)
    return [SessionHits(ids[f], hits.get(f, ()), counts.get(f, 0), scores[f]) for f in ranked]


def _hits(
    con: sqlite3.Connection, terms: list[Term], files: list[int], where: str
) -> dict[int, tuple[Hit, ...]]:
    if not files:
        return {}
    any_term = " OR ".join(f"({t.fts()})" for t in terms)
    marks = ",".join("?" * len(files))
    best: dict[int, list[tuple[float, int]]] = {}
    rows = con.execute(
        "SELECT b.file_id, b.id, fts.rank FROM fts JOIN body b ON b.id = fts.rowid"
        f" WHERE fts MATCH ? AND b.file_id IN ({marks}){where}",
        (any_term, *files),
    )
    for file_id, rowid, rank in rows:
        heap = best.setdefault(file_id, [])
        item = (-rank, rowid)  # a max-heap of the worst kept, by negated rank
        if len(heap) < MAX_HITS:
            heapq.heappush(heap, item)
        elif item > heap[0]:
            heapq.heapreplace(heap, item)
    out: dict[int, tuple[Hit, ...]] = {}
    for file_id, heap in best.items():
        rowids = [rowid for _, rowid in heap]
        rows = con.execute(
            f"SELECT chunk, kind, z FROM body WHERE id IN ({','.join('?' * len(rowids))})"
            " ORDER BY chunk",
            rowids,
        ).fetchall()
        out[file_id] = tuple(
            Hit(chunk, kind, _excerpt(zlib.decompress(z).decode("utf-8", "surrogatepass"), terms))
            for chunk, kind, z in rows
        )
    return out
