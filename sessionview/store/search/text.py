"""What of a chunk is searchable, and how it is split into the two indexed columns.

FTS5's `unicode61` tokenizer splits words at punctuation and folds case and accents,
which is right for scripts written with spaces. CJK text has no spaces and emoji are
separators to `unicode61`, so runs of those "gram" characters go to a second column as
overlapping bigrams (plus the run's last character alone, which also keeps two runs
from looking adjacent): a query of two or more such characters is then a phrase of
its bigrams, and one character is a prefix of them. Each character is spelled as
`u<hex>z` so the tokenizer sees plain ASCII words; `z` ends it, so one code point is
never a prefix of another.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

TYPE_CHECKING = False
if TYPE_CHECKING:
    from sessionview.store.model import Chunk

#: Text beyond this many characters of one chunk is not indexed (a 100 MB tool result
#: would otherwise cost minutes for words nobody searches inside).
MAX_CHUNK_CHARS = 1_000_000

#: Long runs of base64 (images, encrypted reasoning) carry no words: not indexed.
BLOB = r"(?<![A-Za-z0-9+/=_-])[A-Za-z0-9+/=_-]{256,}"

ROLE_BITS = {"user": 1, "assistant": 2, "tool": 4, "system": 8}


#: The "gram" characters: CJK scripts (Hangul Jamo, kana, Bopomofo, ideographs, Hangul
#: syllables) and symbol blocks where emoji live (arrows, technical, enclosed, shapes,
#: dingbats, pictographs). Explicit ranges, so one regex finds the runs (a per-character
#: Unicode lookup was most of the build time).
GRAM_RANGES = (
    "\u1100-\u11ff\u2190-\u21ff\u2300-\u23ff\u2460-\u24ff\u25a0-\u27bf\u2b00-\u2bff"
    "\u3040-\u30ff\u3100-\u318f\u31a0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af"
    "\uf900-\ufaff\U0001f000-\U0001faff\U00020000-\U0003ffff"
)


# Compiled on first use: a class of these ranges takes 10-20 ms to compile, and a query
# of ASCII words (most of them) needs neither.
@lru_cache(maxsize=1)
def _gram_run() -> re.Pattern[str]:
    return re.compile(f"[{GRAM_RANGES}]+")


@lru_cache(maxsize=1)
def _gram_split() -> re.Pattern[str]:
    return re.compile(f"([{GRAM_RANGES}]+)")


@lru_cache(maxsize=1)
def _blob() -> re.Pattern[str]:
    return re.compile(BLOB)  # indexing only: a query needs none


def is_gram_char(ch: str) -> bool:
    """CJK letters and symbols such as emoji: searched as substrings, not words."""
    return _gram_run().match(ch) is not None


def role_bits(chunk: Chunk) -> int:
    """The `--kind` classes a chunk belongs to: its role, and `tool` too when it makes
    tool calls (`--kind tool` means tool calls and tool results)."""
    from sessionview.render.chunk_text import role  # indexing only: a query needs none

    bits = ROLE_BITS[role(chunk)]
    payload = chunk.payload if isinstance(chunk.payload, dict) else {}
    if payload.get("tool_calls"):
        bits |= ROLE_BITS["tool"]
    return bits


def searchable(chunk: Chunk) -> str:
    """The chunk's searchable text, blobs removed and cut at `MAX_CHUNK_CHARS`."""
    from sessionview.render.chunk_text import plain_text

    text = plain_text(chunk)
    if len(text) > MAX_CHUNK_CHARS:
        text = text[:MAX_CHUNK_CHARS]
    # A blob has no spaces: the longest word (all in C) says whether to look for one;
    # the pattern itself, with its look-behind, costs more per character.
    if len(text) >= 256 and max(map(len, text.split()), default=0) >= 256:
        text = _blob().sub(" ", text)
    return text


class _Codes(dict[str, str]):
    """Each gram character's code, made on first use (`map(codes.__getitem__, run)`
    then runs in C for every character already seen)."""

    def __missing__(self, ch: str) -> str:
        code = self[ch] = f"u{ord(ch):x}z"
        return code


#: Between two runs in `columns` (never a gram character itself).
_RUN_SEPARATOR = "\x00"
_RUN_FIRST = re.compile(r"(?<=   )u[0-9a-f]+z")
_CODES = _Codes({_RUN_SEPARATOR: " "})


def gram_code(ch: str) -> str:
    return _CODES[ch]


def gram_runs(text: str) -> list[tuple[int, int]]:
    """`(start, end)` of every maximal run of gram characters."""
    if text.isascii():
        return []
    return [m.span() for m in _gram_run().finditer(text)]


def columns(text: str) -> tuple[str, str]:
    """`(words, grams)`: the text with gram characters blanked, and their bigram codes."""
    if text.isascii():
        return text, ""
    parts = _gram_split().split(text)  # words, run, words, run, ..., words
    if len(parts) == 1:
        return text, ""
    # All runs at once, in C: joined by a separator whose code is a space, the pairs of
    # neighbours are each run's bigrams, its last character alone ("x" + " ") and the
    # next run's first alone (" " + "y"), which is not wanted (an entry more per run)
    # and is the one token after three spaces.
    codes = list(map(_CODES.__getitem__, _RUN_SEPARATOR.join(parts[1::2])))
    grams = " ".join(map(str.__add__, codes, codes[1:]))
    return " ".join(parts[::2]), _RUN_FIRST.sub("", f"{grams} {codes[-1]}")


#: A word: letters and numbers (Python's `\w` without `_`), gram characters excluded;
#: in ASCII text, just letters and digits.
_ASCII_TOKEN = re.compile("[A-Za-z0-9]+")


@lru_cache(maxsize=1)
def _token() -> re.Pattern[str]:
    return re.compile(f"[^\\W_{GRAM_RANGES}]+")  # compiled when first needed, as above


def word_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the words `unicode61` sees (gram characters split words too)."""
    token = _ASCII_TOKEN if text.isascii() else _token()
    return [m.span() for m in token.finditer(text)]


@lru_cache(maxsize=65536)
def _fold_char(ch: str) -> str:
    decomposed = unicodedata.normalize("NFKD", ch)
    base = "".join(c for c in decomposed if not unicodedata.combining(c))
    return (base or ch).lower()


def fold(word: str) -> str:
    """Case and accents removed, as `unicode61 remove_diacritics 2` does for Latin text."""
    if word.isascii():
        return word.lower()
    return "".join(_fold_char(ch) for ch in word)
