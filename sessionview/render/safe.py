"""Untrusted text made safe to show: one rule for which characters are never written raw.

Session content comes from models and shells: it may hold ANSI/OSC/DCS escapes, BEL,
backspaces, bidi overrides (Trojan Source), line/paragraph separators, a byte-order mark
and lone surrogates (which cannot even be encoded). Written raw, those drive or confuse
the terminal. Every such character is shown as a visible code instead. Two media share
the rule and differ only in how a code looks:

- the terminal (CLI): `\\e`, `\\x07`, `\\u202e` (`safe_text`, `one_line`);
- the screen (TUI): C0 controls as Unicode control pictures (`␛`, `␇`), a tab as four
  spaces, the rest as in the terminal (`screen_text`, `screen_lines`, `first_line`).
"""

from __future__ import annotations

from functools import cache

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

#: Bidi and format controls that can reorder or hide what a reader sees.
BIDI_CONTROLS = (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
#: Line/paragraph separators and the byte-order mark (zero-width no-break space).
SEPARATORS = (0x2028, 0x2029, 0xFEFF)
_SURROGATES = range(0xD800, 0xE000)

#: Every code point never written raw (newline and tab are kept where a medium allows).
UNSAFE: frozenset[int] = frozenset(
    (*range(0x20), 0x7F, *range(0x80, 0xA0), *BIDI_CONTROLS, *SEPARATORS, *_SURROGATES)
)


def escape(code: int) -> str:
    """The visible code for one unsafe code point: `\\e`, `\\x07`, `\\x9b`, `\\u202e`."""
    if code == 0x1B:
        return "\\e"
    if code < 0x20 or 0x7F <= code < 0xA0:
        return f"\\x{code:02x}"
    if 0xDC80 <= code <= 0xDCFF:  # a byte that is not UTF-8 (a file name's surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\u{code:04x}"


#: What a JSON line holds when one of its strings holds an unsafe character (newlines and
#: tabs aside), or could once decoded twice (JSON text inside a string, which the export
#: parses to pretty-print): a control byte or DEL; an escape `\\r`, `\\b`, `\\f`, or
#: `\\u` of a bidi control, a separator, the BOM, a surrogate or any code below U+0100
#: (C0 and C1 controls, DEL, and the ASCII letters of an escape written as escapes);
#: or the raw UTF-8 of a C1 control, bidi control, separator, BOM or surrogate. Some
#: lines pass that need no escaping (`\\\\r`, an emoji as a surrogate pair): the check
#: only has to let every unsafe line through.
UNSAFE_LINE_HINTS = (
    rb"[\x00-\x08\x0b-\x1f\x7f]|\\[rbf]"
    rb"|\\u(?:00|061[cC]|200[eEfF]|202[89a-eA-E]|206[6-9]|[fF][eE][fF][fF]|[dD][89a-fA-F])"
    rb"|\xc2[\x80-\x9f]|\xd8\x9c|\xe2\x80[\x8e\x8f\xa8-\xae]|\xe2\x81[\xa6-\xa9]"
    rb"|\xef\xbb\xbf|\xed[\xa0-\xbf]"
)


@cache
def _unsafe_line_hints() -> Any:
    """The compiled hints, on first use: the regex engine is not imported by the many
    commands that never check a raw line."""
    from sessionview.render.byte_search import compile_bytes

    return compile_bytes(UNSAFE_LINE_HINTS)


def may_hold_unsafe(raw: bytes, start: int = 0) -> bool:
    """Whether any string of a JSON line may hold a character `safe_text` escapes
    (looking from `start`, for a caller that knows no hint starts before it)."""
    return _unsafe_line_hints().search(raw, start) is not None


def _screen_code(code: int) -> str:
    if code == 0x09:
        return "    "
    if code < 0x20:
        return chr(0x2400 + code)  # the control picture: ␛ for ESC, ␊ for a newline
    if code == 0x7F:
        return "␡"
    return escape(code)


class Tables:
    """The `str.translate` tables of both media. Built on first use (2,200 entries
    each): most text is printable and never needs them, and every command that
    prints one line would otherwise pay for them at start-up."""

    __slots__ = ("screen_flat", "screen_lines", "terminal_flat", "terminal_lines")

    def __init__(self) -> None:
        self.terminal_lines = {c: escape(c) for c in UNSAFE if c not in (0x0A, 0x09)}
        self.terminal_flat = {c: escape(c) for c in UNSAFE}
        self.screen_flat = {c: _screen_code(c) for c in UNSAFE}
        self.screen_lines = {c: v for c, v in self.screen_flat.items() if c != 0x0A}


tables = cache(Tables)


def _all_printable(text: str, keep: str = "") -> bool:
    """Whether `text` (less the characters of `keep`) has nothing to escape: every unsafe
    character is non-printable to `str.isprintable`, a single pass in C, where
    `str.translate` costs ~10x more on non-ASCII text. False also for harmless
    non-printables (a no-break space): those take the translation, which keeps them."""
    if text.isprintable():
        return True
    for char in keep:
        text = text.replace(char, "")
    return bool(keep) and text.isprintable()


def safe_text(text: str) -> str:
    """`text` for a terminal: every unsafe character escaped, newlines and tabs kept."""
    if _all_printable(text, "\n\t"):
        return text
    return text.translate(tables().terminal_lines)


def one_line(text: str, width: int | None = None) -> str:
    """`safe_text` on one line (a newline shows as `\\x0a`), cut to `width` with `…`."""
    flat = text if text.isprintable() else text.translate(tables().terminal_flat)
    if width is not None and len(flat) > width:
        return flat[: max(0, width - 1)] + "…"
    return flat


def screen_text(text: str) -> str:
    """`text` for the TUI on one line: every unsafe character (newlines too) made visible."""
    return text.translate(tables().screen_flat)


def screen_lines(text: str) -> list[str]:
    """`text` for the TUI split into safe lines (`\\r\\n` is one break; a lone `\\r` shows as `␍`)."""
    return text.replace("\r\n", "\n").translate(tables().screen_lines).split("\n")


def first_line(text: str, width: int = 200) -> str:
    """The first non-blank line for the TUI, stripped, made safe and cut to `width` with `…`."""
    for line in text.splitlines():
        if line.strip():
            line = screen_text(line.strip())
            return line if len(line) <= width else line[: width - 1] + "…"
    return ""
