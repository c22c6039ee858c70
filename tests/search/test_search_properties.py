"""Properties: any query is safe, and the index agrees with a brute-force scan.

The brute force decodes every chunk of every file (`load_chunks`, the same text the
index gets) and applies the query's terms to it directly in Python; the index must
return exactly the sessions in which every term matches some chunk. Corpora mix
Latin with accents, punctuation, CJK runs and emoji.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.store.formats import get_adapter
from sessionview.store.search import SearchIndex
from sessionview.store.search.query import parse, term_matches
from sessionview.store.search.text import searchable
from tests.search.search_helpers import listing, write_session

WORDS = ["alpha", "beta", "Gamma", "café", "CAFE", "résumé", "naïve", "x1", "42", "db"]
CJK = ["东京", "京都", "日志文件", "测试", "日本語", "한국어"]
EMOJI = ["🚀", "🔥", "🐍🧪", "✅"]
PUNCT = [" ", " ", " ", ", ", ". ", "-", "/", ":", "'", "(", ")", "\n", "\t"]

piece = st.sampled_from(WORDS + CJK + EMOJI + PUNCT)
chunk_text = st.lists(piece, min_size=1, max_size=12).map("".join)
corpus_st = st.lists(st.lists(chunk_text, min_size=1, max_size=4), min_size=1, max_size=5)
query_piece = st.sampled_from(
    [
        *WORDS,
        *CJK,
        *EMOJI,
        "东",
        "京",
        "日志",
        "alp*",
        "caf*",
        '"',
        "AND",
        "OR",
        "NOT",
        "*",
        "-",
        ":",
        "(",
        ")",
        "^",
        "NEAR",
        "alpha beta",
        '"alpha beta"',
        " ",
        " ",
        "{w}",
        "SELECT;",
    ]
)
query_st = st.lists(query_piece, min_size=1, max_size=5).map(" ".join)


def brute_force(directory: Path, sessions, query: str) -> set[str]:
    terms = parse(query)
    if not terms:
        return set()
    out = set()
    for info in sessions:
        texts = [searchable(c) for c in get_adapter(info.format).load_chunks(Path(info.path))]
        if all(any(term_matches(t, term) for t in texts) for term in terms):
            out.add(info.id)
    return out


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(corpus=corpus_st, queries=st.lists(query_st, min_size=1, max_size=6))
def test_index_agrees_with_brute_force(corpus, queries):
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        directory = root / "sessions"
        directory.mkdir()
        for n, texts in enumerate(corpus):
            write_session(directory, f"{n:08d}-0000-4000-8000-000000000000", texts)
        sessions = listing(directory, root / "l.bin")
        search = SearchIndex(str(root / "search.sqlite3"))
        search.update(sessions)
        for query in queries:
            found = {r.info.id for r in search.search(query, sessions, limit=None)}
            assert found == brute_force(directory, sessions, query), query


@settings(max_examples=300, deadline=None)
@given(query=st.text(max_size=40) | st.tuples(st.text(max_size=20), query_st).map(" ".join))
def test_any_text_is_a_valid_query(query):
    """Never an exception, and never an answer that differs from the brute force
    (so nothing in the text, however it looks like FTS5 or SQL syntax, empties it)."""
    search, sessions = _shared()
    found = {r.info.id for r in search.search(query, sessions, limit=None)}
    assert found == brute_force(Path("."), sessions, query)


_STATE: dict[str, object] = {}
_ALPHA = "0000000a-0000-4000-8000-000000000000"


def _shared():
    if "search" not in _STATE:
        root = Path(tempfile.mkdtemp(prefix="sv-search-prop-"))
        directory = root / "sessions"
        directory.mkdir()
        write_session(directory, _ALPHA, ["alpha beta 东京 🚀", "SELECT * FROM t; -- AND"])
        write_session(directory, "0000000b-0000-4000-8000-000000000000", ["gamma only"])
        sessions = listing(directory, root / "l.bin")
        search = SearchIndex(str(root / "search.sqlite3"))
        search.update(sessions)
        _STATE["search"] = (search, sessions)
    return _STATE["search"]
