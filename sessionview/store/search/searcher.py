"""Answer a query from the index: sessions ranked by BM25 then recency, with excerpts.

Each term is matched in SQLite (one FTS5 query per term, grouped per file), terms are
ANDed per session here, and only the sessions shown get their hits and excerpts read.
Only sessions of the listing passed in are answered: a deleted or trashed session is
never a result, even before the index has dropped it.
"""

from __future__ import annotations

import re
import sqlite3
from collections import namedtuple
from collections.abc import Iterable, Iterator, Mapping

from sessionview.store.rows import row_session_id
from sessionview.store.search.body import unpack
from sessionview.store.search.db import CHUNK_SHIFT, FILE_SHIFT, file_range
from sessionview.store.search.listing import Listed
from sessionview.store.search.query import GramTerm, Term, match_spans, parse
from sessionview.store.search.text import ROLE_BITS

TYPE_CHECKING = False  # as typing's, without importing typing (see `query.py`)
if TYPE_CHECKING:
    from typing import Any, NamedTuple

    from sessionview.store.model import SessionInfo

    class _Hit(NamedTuple):
        chunk: int
        kind: str
        excerpt: tuple[tuple[str, bool], ...]

    class _SessionHits(NamedTuple):
        listed: Listed
        hits: tuple[Hit, ...]
        matching_chunks: int
        score: float
else:
    _Hit = namedtuple("_Hit", ("chunk", "kind", "excerpt"))
    _SessionHits = namedtuple("_SessionHits", ("listed", "hits", "matching_chunks", "score"))

#: Hits listed per session (its first matching chunks, in transcript order).
MAX_HITS = 10
#: Characters of context around the first match in an excerpt.
EXCERPT_WIDTH = 120
#: Characters scanned for a match when no fast search applies (accented query words).
EXCERPT_SCAN = 50_000

_SPACES = re.compile(r"[ \t\r\n]+")  # one line, pretty-printed JSON made compact
CHUNK_MASK = (1 << (FILE_SHIFT - CHUNK_SHIFT)) - 1
MARK_OPEN = "«"
MARK_CLOSE = "»"


class Hit(_Hit):
    """One matching chunk: `chunk`, its index; `kind`, as `show --json` names it;
    `excerpt`, `(text, is_match)` segments of raw (untrusted) text on one line."""

    __slots__ = ()

    def marked(self) -> str:
        """The excerpt made terminal-safe, each match between « and »."""
        if all(text.isprintable() for text, _ in self.excerpt):
            # What `one_line` gives printable text back as: no import for it (its
            # module compiles byte patterns a search never uses).
            return "".join(
                f"{MARK_OPEN}{text}{MARK_CLOSE}" if hit else text for text, hit in self.excerpt
            )
        from sessionview.render.safe import one_line

        return "".join(
            f"{MARK_OPEN}{one_line(text)}{MARK_CLOSE}" if hit else one_line(text)
            for text, hit in self.excerpt
        )


class SessionHits(_SessionHits):
    """A session (`listed`) that matches every term, with its best `hits`, how many of
    its chunks match and its BM25 `score` (named tuples, not dataclasses: `query.py`)."""

    __slots__ = ()

    @property
    def info(self) -> SessionInfo:
        """The session's row as a record (made when first asked for)."""
        return self.listed.info()

    def to_json(self) -> dict[str, Any]:
        """The row `search --json` prints (excerpts terminal-safe, matches marked),
        from the listing row itself: printing needs no record."""
        row = self.listed.row()
        return {
            "id": row_session_id(row),
            "format": row["format"],
            "state": row["state"],
            "title": row.get("title", ""),
            "path": row["path"],
            "hits": [{"chunk": h.chunk, "kind": h.kind, "excerpt": h.marked()} for h in self.hits],
        }


def roles_mask(kinds: Iterable[str]) -> int:
    """`--kind user,tool` as the bit mask stored per chunk; 0 means every kind."""
    mask = 0
    for kind in kinds:
        mask |= ROLE_BITS[kind]
    return mask


def _where_roles(mask: int) -> str:
    return f" AND (rowid & {int(mask)}) != 0" if mask else ""


def _ascii_pattern(term: Term) -> str | None:
    """A word term of ASCII words as a case-blind regex (whole words, punctuation
    between them, the last a prefix if the term is one); None for any other term."""
    if isinstance(term, GramTerm) or not all(w.isascii() for w in term.words):
        return None
    tail = "" if term.prefix else r"(?![^\W_])"
    return r"(?<![^\W_])" + r"[\W_]+".join(re.escape(w) for w in term.words) + tail


def _first_match(text: str, terms: list[Term]) -> int | None:
    """Where the earliest match probably is, found by regex for ASCII words and by
    `find` for CJK/emoji; None when no term has such a fast form."""
    found: list[int] = []
    for term in terms:
        if isinstance(term, GramTerm):
            pos = text.find(term.chars)
        elif (pattern := _ascii_pattern(term)) is not None:
            m = re.search(pattern, text, re.IGNORECASE)
            pos = m.start() if m else -1
        else:
            return None
        if pos >= 0:
            found.append(pos)
    return min(found) if found else None


def _excerpt(text: str, terms: list[Term]) -> tuple[tuple[str, bool], ...]:
    # Tokenizing a 20 KB tool result in Python is slow: look near the first match only.
    first = _first_match(text, terms)
    if first is not None:
        text = text[max(0, first - EXCERPT_WIDTH) : first + 2 * EXCERPT_WIDTH]
    else:
        text = text[:EXCERPT_SCAN]
    flat = _SPACES.sub(" ", text)
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


def search(
    con: sqlite3.Connection,
    text: str,
    sessions: Iterable[Listed],
    *,
    roles: int = 0,
    limit: int | None = 20,
    max_hits: int = MAX_HITS,
    ids: dict[int, Listed] | None = None,
) -> list[SessionHits]:
    """The sessions (among `sessions`) in which every term of `text` matches, each with
    its first `max_hits` hits (an excerpt each: the TUI asks for what fits). `ids`:
    `listed_ids(con, sessions)` computed before (for many queries over one listing)."""
    if not parse(text):
        return []
    if ids is None:
        ids = listed_ids(con, sessions)
    return search_files(con, text, ids, roles=roles, limit=limit, max_hits=max_hits)


def search_files(
    con: sqlite3.Connection,
    text: str,
    ids: Mapping[int, Listed],
    *,
    roles: int = 0,
    limit: int | None = 20,
    max_hits: int = MAX_HITS,
) -> list[SessionHits]:
    """`search` among the sessions whose files have these ids in the index."""
    terms = parse(text)
    if not terms:
        return []
    where = _where_roles(roles)
    common = _newest_if_common(con, terms, ids, where, limit)
    if common is not None:
        # Found the `grep -l` way; BM25 then recency orders what is shown.
        shown: dict[int, list[str]] = {}
        hits = _hits(con, terms, common, where, max_hits, shown)
        avgdl = _average_length(con)
        scores = {f: _shown_bm25(shown.get(f, []), terms, avgdl) for f in common}
        ranked = sorted(common, key=lambda f: (scores[f], -ids[f].recency()))
        return [
            SessionHits(ids[f], hits.get(f, ()), _matching_chunks(con, terms, f, where), scores[f])
            for f in ranked
        ]
    total = _total_rows(con)
    weighted = [t for t in terms if 2 * _rows_matching(con, t) < total]
    weightless = [t for t in terms if t not in weighted]
    if weighted:
        files = _matching(con, weighted, ids, where)
        if weightless:
            files = _filtered(con, weightless, files, where)
        scores = _scored(con, weighted, files, ids, where)
        ranked = sorted(scores, key=lambda f: (scores[f], -ids[f].recency()))
        if limit is not None:
            ranked = ranked[:limit]
    else:
        ranked = _newest_matching(con, weightless, ids, where, limit)
        scores = dict.fromkeys(ranked, 0.0)
    return _answer(con, terms, ids, ranked, scores, where, max_hits)


#: A query is "common" when at least half of the newest sessions checked contain all
#: its terms (checked: until `limit` match, giving up after twice `limit`, at least
#: `COMMON_PROBE`).
COMMON_PROBE = 40


def _newest_if_common(
    con: sqlite3.Connection,
    terms: list[Term],
    ids: Mapping[int, Listed],
    where: str,
    limit: int | None,
) -> list[int] | None:
    """For a query found in most sessions: the newest `limit` sessions that match,
    looked up one by one as `grep -l` stops at a file's first match; None for any
    other query, or when there are too few sessions to tell (ranked over all matches).

    Ranking every match of a word found in nearly every session by BM25 meant scoring
    hundreds of thousands of chunks (and its weight is near nothing there anyway)."""
    if limit is None:
        return None
    for term in terms:
        # A term in fewer than `limit` chunks of the whole index is in fewer sessions
        # still: the walk could not find `limit` (a rare word's answer, without it).
        # Not for a prefix: FTS5 merges every matching word's postings first (`q*`
        # took 0.5 s), where the walk's lookups stay within one file each.
        match = term.fts()
        if match.endswith("*"):
            continue
        rows = con.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM fts WHERE fts MATCH ? LIMIT {int(limit)})",
            (match,),
        ).fetchone()[0]
        if rows < limit:
            return None
    probe = max(2 * limit, COMMON_PROBE)
    for checked, found in _probe_newest(con, terms, _newest(ids), where):
        common = 2 * len(found) >= checked
        if len(found) >= limit:
            return found if common else None
        if checked >= probe and not common:
            return None
    return None  # every session checked: the usual path ranks them all, as cheaply


def _probe_newest(
    con: sqlite3.Connection, terms: list[Term], newest: Iterable[int | None], where: str
) -> Iterator[tuple[int, list[int]]]:
    """The `grep -l` walk the probes share: file ids newest first (None: a session the
    index does not hold), each looked up alone, stopping at a term's first match. After
    each one: how many were checked and the ids, in order, that hold every term (one
    list, grown as the walk goes; a caller stops the walk when it has seen enough)."""
    found: list[int] = []
    for checked, f in enumerate(newest, 1):
        if f is not None and all(_has(con, t, f, where) for t in terms):
            found.append(f)
        yield checked, found


def _newest(ids: Mapping[int, Listed]) -> list[int]:
    newest = getattr(ids, "newest", None)  # a snapshot's sessions know it without a Listed each
    if newest is not None:
        return list(newest())
    return sorted(ids, key=lambda f: -ids[f].recency())


def _answer(
    con: sqlite3.Connection,
    terms: list[Term],
    ids: Mapping[int, Listed],
    ranked: list[int],
    scores: dict[int, float],
    where: str,
    max_hits: int,
) -> list[SessionHits]:
    """The ranked sessions with their hits (excerpts read for these only)."""
    counts = {f: _matching_chunks(con, terms, f, where) for f in ranked}
    hits = _hits(con, terms, ranked, where, max_hits)
    return [SessionHits(ids[f], hits.get(f, ()), counts[f], scores[f]) for f in ranked]


class ListedIds(dict[int, Listed]):
    """`listed_ids`' answer, which also knows its newest-first order: sorting 10,000
    sessions by recency was a fifth of each query the TUI asks per keystroke over the
    same listing (`Prepared` keeps this)."""

    __slots__ = ("_newest",)

    def newest(self) -> list[int]:
        """The file ids, the most recently active session first (computed once)."""
        try:
            return self._newest
        except AttributeError:
            self._newest: list[int] = sorted(self, key=lambda f: -self[f].recency())
            return self._newest


def listed_ids(con: sqlite3.Connection, sessions: Iterable[Listed]) -> ListedIds:
    """The index's file id of each listed session it holds. Reading the file table and
    matching 10,000 paths is most of a rare word's query: `Prepared` keeps it."""
    by_path = {s.path: s for s in sessions}
    ids = ListedIds()
    for file_id, path in con.execute("SELECT id, path FROM files"):
        info = by_path.get(path)
        if info is not None:
            ids[file_id] = info
    return ids


def files_stamp(con: sqlite3.Connection) -> tuple[int, int]:
    """Changes when files are added to or dropped from the index (ids are then stale)."""
    count, top = con.execute("SELECT count(*), coalesce(max(id), 0) FROM files").fetchone()
    return int(count), int(top)


def _hits(
    con: sqlite3.Connection,
    terms: list[Term],
    files: list[int],
    where: str,
    max_hits: int = MAX_HITS,
    shown: dict[int, list[str]] | None = None,
) -> dict[int, tuple[Hit, ...]]:
    """Each file's first `MAX_HITS` matching chunks with excerpts (and, into `shown`,
    those chunks' whole texts)."""
    if not files:
        return {}
    any_term = " OR ".join(f"({t.fts()})" for t in terms)
    best: dict[int, list[int]] = {}
    for file_id in files:
        low, high = file_range(file_id)
        # The session's first hits in transcript order: no scoring, and the scan stops
        # after MAX_HITS (the session's rank came from the per-term pass).
        best[file_id] = [
            rowid
            for (rowid,) in con.execute(
                f"SELECT rowid FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?{where}"
                f" ORDER BY rowid LIMIT {int(max_hits)}",
                (any_term, low, high),
            )
        ]
    out: dict[int, tuple[Hit, ...]] = {}
    for file_id, rowids in best.items():
        low, _ = file_range(file_id)
        texts: dict[int, tuple[str, str]] = {}  # chunk -> (kind, text), of the blocks read
        hits: list[Hit] = []
        wanted = {(rowid >> CHUNK_SHIFT) & CHUNK_MASK for rowid in rowids}
        for rowid in rowids:
            chunk = (rowid >> CHUNK_SHIFT) & CHUNK_MASK
            if chunk not in texts:
                # The block holding this chunk: the last one starting at or before it.
                block = con.execute(
                    "SELECT meta, z FROM body WHERE id <= ? AND id >= ? ORDER BY id DESC LIMIT 1",
                    (rowid, low),
                ).fetchone()
                if block is not None:
                    meta, z = block
                    for c, _, kind, text in unpack(meta, z, wanted):
                        texts[c] = (kind, text)
            found = texts.get(chunk)
            if found is not None:
                hits.append(Hit(chunk, found[0], _excerpt(found[1], terms)))
                if shown is not None:
                    shown.setdefault(file_id, []).append(found[1])
        out[file_id] = tuple(hits)
    return out


#: A term in at least half of all indexed chunks has BM25 weight ~0 (its idf is <= 0,
#: which FTS5 clamps to 1e-6): it only filters, and is never scored chunk by chunk,
#: which for a word in nearly every session was most of the query's time.
def _total_rows(con: sqlite3.Connection) -> int:
    """How many rows the text index holds: the first varint of FTS5's averages record."""
    row = con.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
    if row is None or not row[0]:
        return 0
    value = 0
    for i, byte in enumerate(bytes(row[0][:9])):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return value


def _varints(data: bytes, count: int) -> list[int]:
    """The first `count` SQLite varints of `data` (FTS5's record format)."""
    out: list[int] = []
    pos = 0
    while len(out) < count and pos < len(data):
        value = 0
        for i in range(9):
            byte = data[pos]
            pos += 1
            if i == 8:
                value = (value << 8) | byte
                break
            value = (value << 7) | (byte & 0x7F)
            if byte < 0x80:
                break
        out.append(value)
    return out


def _average_length(con: sqlite3.Connection) -> float:
    """The average tokens per indexed chunk (FTS5's averages record: rows, then the
    total tokens of each column), as BM25 uses it."""
    row = con.execute("SELECT block FROM fts_data WHERE id = 1").fetchone()
    values = _varints(bytes(row[0]), 3) if row is not None and row[0] else []
    if len(values) < 3 or values[0] == 0:
        return 1.0
    return max((values[1] + values[2]) / values[0], 1.0)


#: Characters of a shown chunk in which a common query's terms are counted for BM25.
TF_SCAN = 8_000

#: FTS5's bm25() constants.
K1 = 1.2
B = 0.75


def _term_count(text: str, term: Term) -> int:
    """How often a term occurs in a chunk's text (as `_first_match` finds them)."""
    if isinstance(term, GramTerm):
        return text.count(term.chars)
    pattern = _ascii_pattern(term)
    if pattern is not None:
        return len(re.findall(pattern, text, re.IGNORECASE))
    return len(match_spans(text[:EXCERPT_SCAN], [term]))


def _shown_bm25(texts: list[str], terms: list[Term], avgdl: float) -> float:
    """A session's BM25 as FTS5 scores it (negative, lower is better: the sum over terms
    of the best chunk's score), over the chunks shown, with every term weighted alike.

    For a query found in most sessions: each of its terms is in most chunks of them, so
    their idf are all near nothing and near each other; a true idf would cost a pass
    over each term's whole posting list, which is what this path avoids."""
    total = 0.0
    for term in terms:
        best = 0.0
        for text in texts:
            # Counted in the first `TF_SCAN` characters and scaled to the whole text (a
            # term's weight saturates long before the count is exact), the length from
            # the spaces (no tokenizing in Python).
            tf: float = _term_count(text[:TF_SCAN], term)
            if len(text) > TF_SCAN:
                tf = tf * len(text) / TF_SCAN
            if tf:
                dl = text.count(" ") + text.count("\n") + 1
                score = tf * (K1 + 1) / (tf + K1 * (1 - B + B * dl / avgdl))
                best = max(best, score)
        total -= best
    return total


def _rows_matching(con: sqlite3.Connection, term: Term) -> int:
    return con.execute("SELECT count(*) FROM fts WHERE fts MATCH ?", (term.fts(),)).fetchone()[0]


def _matching(
    con: sqlite3.Connection,
    terms: list[Term],
    ids: Mapping[int, Listed],
    where: str,
) -> dict[int, int]:
    """The listed files in which every term matches, in the index's order, each with its
    matching chunks for the last term (no scoring: a pass over each term's rows, no BM25
    per chunk). Only the keys and their order are used: a session's count of matching
    chunks is `_matching_chunks`, asked for the ranked ones only."""
    files: dict[int, int] | None = None
    for term in terms:
        found: dict[int, int] = {}
        rows = con.execute(
            f"SELECT rowid >> {FILE_SHIFT} AS f, count(*) FROM fts"
            f" WHERE fts MATCH ?{where} GROUP BY f",
            (term.fts(),),
        )
        for file_id, count in rows:
            if file_id in ids and (files is None or file_id in files):
                found[file_id] = count
        files = found
        if not files:
            return {}
    assert files is not None
    return files


#: At most this many sessions are ranked by BM25: a query matching more (a word found in
#: nearly every session) ranks the newest this many of them, and scores no chunk of the
#: others (scoring every chunk of 10,000 sessions was most of such a query's time).
RANKED = 500


def _scored(
    con: sqlite3.Connection,
    terms: list[Term],
    files: dict[int, int],
    ids: Mapping[int, Listed],
    where: str,
) -> dict[int, float]:
    """Per file: the sum over terms of its best chunk's BM25 (lower is better; BM25 is
    negative in FTS5, so the files left unscored, at 0, come after the ranked ones)."""
    chosen = list(files)
    if len(chosen) > RANKED:
        chosen = sorted(chosen, key=lambda f: -ids[f].recency())[:RANKED]
    if not chosen:
        return {}
    scores = dict.fromkeys(files, 0.0)
    among = ",".join(str(int(f)) for f in chosen)
    for term in terms:
        rows = con.execute(
            f"SELECT rowid >> {FILE_SHIFT} AS f, min(rank) FROM fts WHERE fts MATCH ?{where}"
            f" AND (rowid >> {FILE_SHIFT}) IN ({among}) GROUP BY f",
            (term.fts(),),
        )
        for file_id, rank in rows:
            if file_id in scores:
                scores[file_id] += rank
    return scores


#: Above this many candidate files, a weightless term is matched in one pass over its
#: rows rather than looked up file by file.
LOOKUPS = 2000


def _has(con: sqlite3.Connection, term: Term, file_id: int, where: str) -> bool:
    low, high = file_range(file_id)
    return (
        con.execute(
            f"SELECT 1 FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?{where} LIMIT 1",
            (term.fts(), low, high),
        ).fetchone()
        is not None
    )


def _matching_chunks(con: sqlite3.Connection, terms: list[Term], file_id: int, where: str) -> int:
    """How many of the file's chunks hold some term of the query: the hits the
    transcript's `n`/`N` step through (`chunks_matching`), whatever the words' order."""
    low, high = file_range(file_id)
    any_term = " OR ".join(f"({t.fts()})" for t in terms)
    return con.execute(
        f"SELECT count(*) FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?{where}",
        (any_term, low, high),
    ).fetchone()[0]


def _files_with(con: sqlite3.Connection, term: Term, where: str) -> set[int]:
    return {
        f
        for (f,) in con.execute(
            f"SELECT DISTINCT rowid >> {FILE_SHIFT} FROM fts WHERE fts MATCH ?{where}",
            (term.fts(),),
        )
    }


def _filtered(
    con: sqlite3.Connection, terms: list[Term], files: dict[int, int], where: str
) -> dict[int, int]:
    """The files that also contain every weightless term."""
    for term in terms:
        if len(files) <= LOOKUPS:
            files = {f: v for f, v in files.items() if _has(con, term, f, where)}
        else:
            found = _files_with(con, term, where)
            files = {f: v for f, v in files.items() if f in found}
    return files


def _newest_matching(
    con: sqlite3.Connection,
    terms: list[Term],
    ids: Mapping[int, Listed],
    where: str,
    limit: int | None,
) -> list[int]:
    """Only weightless terms: the newest sessions containing them all, looked up
    newest first until `limit` are found (a `grep -l` that stops early)."""
    newest = _newest(ids)
    if limit is not None:
        found: list[int] = []
        for _, found in _probe_newest(con, terms, newest[:LOOKUPS], where):
            if len(found) >= limit:
                return found
        if len(newest) <= LOOKUPS:
            return found
    files = set(ids)
    for term in terms:
        files &= _files_with(con, term, where)
    return [f for f in newest if f in files][:limit]


def chunks_matching(con: sqlite3.Connection, text: str, path: str, *, roles: int = 0) -> list[int]:
    """Every chunk of the session file `path` in which some term of `text` matches, in
    transcript order (the transcript's `n`/`N` step through them; a result lists only
    its first MAX_HITS)."""
    terms = parse(text)
    if not terms:
        return []
    row = con.execute("SELECT id FROM files WHERE path = ?", (path,)).fetchone()
    if row is None:
        return []
    low, high = file_range(row[0])
    any_term = " OR ".join(f"({t.fts()})" for t in terms)
    return [
        (rowid >> CHUNK_SHIFT) & CHUNK_MASK
        for (rowid,) in con.execute(
            f"SELECT rowid FROM fts WHERE fts MATCH ? AND rowid >= ? AND rowid < ?"
            f"{_where_roles(roles)} ORDER BY rowid",
            (any_term, low, high),
        )
    ]


def newest_matching(
    con: sqlite3.Connection,
    text: str,
    newest_first: list[Listed],
    *,
    roles: int = 0,
    limit: int = 20,
    probe: int = 50,
    max_hits: int = MAX_HITS,
) -> list[SessionHits] | None:
    """The `limit` newest sessions containing every term (with their first `max_hits`
    hits), if the `probe` newest of
    `newest_first` (sessions sorted newest first) hold that many; else None.

    A word in nearly every session costs `search` a pass over all its rows (hundreds of
    thousands in a big corpus) before anything can be shown; this looks session by
    session from the newest and stops after `limit` found, so the TUI can draw them at
    once and replace them with the ranked answer when `search` returns. A rare word
    gives None here quickly (`search` is fast for it). Scores are 0 (not ranked)."""
    terms = parse(text)
    if not terms or limit <= 0:
        return [] if not terms else None
    where = _where_roles(roles)
    candidates = newest_first[:probe]
    ids = {
        path: file_id
        for file_id, path in con.execute(
            f"SELECT id, path FROM files WHERE path IN ({','.join('?' * len(candidates))})",
            [s.path for s in candidates],
        )
    }
    probed = [ids.get(s.path) for s in candidates]
    for checked, found in _probe_newest(con, terms, probed, where):
        if len(found) >= limit:
            break
        if len(found) + len(candidates) - checked < limit:
            return None  # not enough left to look at: a rarer word, `search` is fast
    else:
        return None
    sessions = {f: s for f, s in zip(probed, candidates, strict=True) if f is not None}
    return _answer(con, terms, sessions, found, dict.fromkeys(found, 0.0), where, max_hits)
