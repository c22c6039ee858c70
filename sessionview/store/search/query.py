"""User text -> search terms: any text is a valid query, searched as text.

Grammar (nothing else is special, so `AND`, `-`, `:`, SQL or a stray quote are words
or separators like any other): `"a phrase"` (an unbalanced quote runs to the end),
bare words split at whitespace, `word*` a prefix. Inside a phrase or a bare word,
punctuation separates words which must then be adjacent and in order (`src/app.py`);
runs of CJK or emoji are substrings (see `text.py`). Every term must match somewhere
in a session (AND within a session).
"""

from __future__ import annotations

import re
from collections import namedtuple

from sessionview.store.search.text import fold, gram_code, gram_runs, is_gram_char, word_spans

# The records of a search are named tuples, not dataclasses, and `typing` is imported
# for the type checker only: a CLI search answered from the index imports neither
# `dataclasses` (with the `inspect` it loads) nor `typing`, a tenth of its time.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NamedTuple

    class _WordTerm(NamedTuple):
        words: tuple[str, ...]
        prefix: bool = False

    class _GramTerm(NamedTuple):
        chars: str
else:
    _WordTerm = namedtuple("_WordTerm", ("words", "prefix"), defaults=(False,))
    _GramTerm = namedtuple("_GramTerm", ("chars",))


class WordTerm(_WordTerm):
    """Folded words that must be adjacent and in order; the last one a prefix if `prefix`."""

    __slots__ = ()

    def fts(self) -> str:
        return f'w : "{" ".join(self.words)}"' + (" *" if self.prefix else "")


class GramTerm(_GramTerm):
    """A run of CJK/emoji characters that must occur as a substring."""

    __slots__ = ()

    def fts(self) -> str:
        codes = [gram_code(ch) for ch in self.chars]
        if len(codes) == 1:
            return f'g : "{codes[0]}" *'
        return f'g : "{" ".join(a + b for a, b in zip(codes, codes[1:], strict=False))}"'


Term = WordTerm | GramTerm

_UNIT = re.compile(r'"([^"]*)"?|(\S+)')


def parse(text: str) -> list[Term]:
    """The terms of a query, duplicates removed, in order; [] when nothing searchable."""
    terms: list[Term] = []
    for m in _UNIT.finditer(text):
        quoted, bare = m.group(1), m.group(2)
        unit = quoted if quoted is not None else bare
        prefix = bare is not None and bare.endswith("*")
        spans = word_spans(unit)
        if spans:
            # Only a `*` right after the last word makes it a prefix (`foo*`, not `foo.*`).
            prefix = prefix and spans[-1][1] == len(unit.rstrip("*"))
            terms.append(WordTerm(tuple(fold(unit[s:e]) for s, e in spans), prefix))
        for s, e in gram_runs(unit):
            terms.append(GramTerm(unit[s:e]))
    unique: list[Term] = []
    for term in terms:
        if term not in unique:
            unique.append(term)
    return unique


def match_spans(text: str, terms: Sequence[Term]) -> list[tuple[int, int]]:
    """Where in `text` the terms match (character spans, sorted, not overlapping).

    Used for excerpts; it follows the same rules as the index, so a test can also use
    it as the brute-force answer.
    """
    spans: list[tuple[int, int]] = []
    word_terms = [t for t in terms if isinstance(t, WordTerm)]
    if word_terms:
        tokens = word_spans(text)
        folded = [fold(text[s:e]) for s, e in tokens]
        for term in word_terms:
            n = len(term.words)
            for i in range(len(folded) - n + 1):
                if folded[i : i + n - 1] != list(term.words[:-1]):
                    continue
                last = folded[i + n - 1]
                if last == term.words[-1] or (term.prefix and last.startswith(term.words[-1])):
                    spans.append((tokens[i][0], tokens[i + n - 1][1]))
    for gram in terms:
        if isinstance(gram, GramTerm):
            start = text.find(gram.chars)
            while start >= 0:
                spans.append((start, start + len(gram.chars)))
                start = text.find(gram.chars, start + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for s, e in spans:
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


def term_matches(text: str, term: Term) -> bool:
    """Whether one term matches the text (brute force)."""
    return bool(match_spans(text, [term]))


__all__ = ["GramTerm", "Term", "WordTerm", "is_gram_char", "match_spans", "parse", "term_matches"]
