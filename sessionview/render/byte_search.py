"""Searches of raw bytes (a session's JSON lines) for any of many literals, in one pass.

The export decides per chunk, from its JSON line, whether the chunk's texts need
redaction or escaping at all; most need neither. That decision scans every byte of a
130 MB session, so it must cost a fraction of parsing it. Python's `re` cannot: for an
alternation of literals that start with different characters it tries the alternatives
at every byte that starts one (~30 ns a byte here, eight times the JSON parse), and
neither one `in` per literal (~24 scans) nor a translated line searched for one marker
byte came under ~3 s for 130 MB. RE2 compiles the alternation into one automaton and
reads each byte once. Patterns are in Latin-1 mode: a byte is a character, so a
pattern can name raw UTF-8 sequences (`\\xe2\\x80\\xae`) as well as ASCII text.
"""

from __future__ import annotations

from typing import Any, Protocol

import re2

__all__ = ["ByteSearch", "compile_bytes"]


class ByteSearch(Protocol):
    """A compiled pattern: `search` returns the leftmost match at or after `pos` (an
    object with `start()`), or None."""

    def search(self, text: bytes, pos: int = 0) -> Any: ...


def compile_bytes(pattern: bytes) -> ByteSearch:
    """`pattern` compiled by RE2 for `bytes` subjects, one byte per character."""
    options = re2.Options()
    options.encoding = re2.Options.Encoding.LATIN1
    return re2.compile(pattern, options=options)
