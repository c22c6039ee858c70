"""Secrets in session text replaced by `[REDACTED:kind]`, before anything is shared.

Sessions hold what agents saw: an API key pasted by a user, a `.env` file a tool
printed, a private key `cat`-ed by mistake. An export is meant to travel (a pull
request, a chat), so every pattern that says "this is a credential" lives here, in
one table, each tested against a real-looking key and against the look-alikes that
must stay (a git SHA, a UUID, base64 image data, ordinary prose and code).

The token patterns are anchored so they never start or end inside a longer run of
key-like characters: a base64 blob or a hash that happens to contain `AKIA` or
`sk-` is one word, not a key. `password=`-style assignments keep the name and
replace only the value, so a reader still sees what was there.

Textual-free: used by the CLI, the TUI and the export alike.
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

from sessionview.render.byte_search import compile_bytes

# Each rule's pattern starts with a literal (`sk-`, `AKIA`, `-----BEGIN`...), so the
# regex engine skips ahead to it instead of trying every position: a rule costs about
# one `str.find` over the text. That a token is a whole word (not the middle of a
# base64 blob or a hash) is checked on the character before it, in Python, because a
# look-behind in front would cost that skip; the character after is a look-ahead.
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_+/-")
_END = r"(?![A-Za-z0-9_+/-])"

# Names whose value is a secret in `name=value`, `name: value`, `"name": "value"`,
# matched in lower case, one pattern per leading literal (see above). `tokens` (as in
# `max_tokens=4096`) is not `token`.
_SECRET_NAMES = (
    r"pass(?:word|wd|phrase)",
    r"secret",
    r"api[_-]?key",
    r"access[_-]?key",
    r"private[_-]?key",
    r"token",
    r"credentials?",
)
# Unquoted, a value is a run without spaces, quotes or backslashes (so the JSON text
# of a string never loses half an escape) and not a call (`token = get_token()`).
_VALUE = (
    r"(?:\"(?P<dq>(?:[^\"\\\n]|\\[^\n]){4,}?)\"|'(?P<sq>[^'\n]{4,}?)'"
    r"|(?P<bare>(?>[^\s\"'\\,;()\[\]{}<>`]{6,})(?!\()))"
)


@dataclass(frozen=True, slots=True)
class _Rule:
    """One pattern: the kind it finds (or, with `kinds`, a named group per kind), the
    group that is replaced (None: the whole match), whether it must start a word and
    whether it is matched against the lower-cased text."""

    pattern: re.Pattern[str]
    kind: str
    kinds: tuple[tuple[str, str], ...] = ()
    value_groups: tuple[str, ...] = ()
    word: bool = False
    lower: bool = False


#: In order: private keys first (their body must not be read as tokens), assignments
#: last (so `API_KEY=sk-...` counts as an OpenAI key, then is not counted again).
RULES: tuple[_Rule, ...] = (
    _Rule(
        re.compile(
            r"-----BEGIN[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----"
            r"(?:(?:[A-Za-z0-9+/=\s:,._-]|\\[nrt])*?-----END[A-Z0-9 ]{0,40} PRIVATE KEY(?: BLOCK)?-----"
            r"|(?:[A-Za-z0-9+/=\s]|\\[nrt])*)"  # cut short (a truncated output): to its end
        ),
        "private_key",
    ),
    _Rule(
        re.compile(r"sk-(?:(?P<ant>ant-)|proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}" + _END),
        "openai_key",
        kinds=(("ant", "anthropic_key"),),
        word=True,
    ),
    _Rule(
        re.compile(r"A(?:KIA|SIA|BIA|CCA|3T[A-Z0-9])[A-Z0-9]{16}" + _END),
        "aws_access_key",
        word=True,
    ),
    _Rule(
        re.compile(r"g(?:h[pousr]_[A-Za-z0-9]{36,255}|ithub_pat_[A-Za-z0-9_]{22,255})" + _END),
        "github_token",
        word=True,
    ),
    _Rule(re.compile(r"xox[abposr]-[A-Za-z0-9-]{10,}" + _END), "slack_token", word=True),
    _Rule(re.compile(r"https://hooks\.slack\.com/services/[A-Za-z0-9_/]{20,}"), "slack_webhook"),
    _Rule(re.compile(r"AIza[0-9A-Za-z_-]{35}" + _END), "google_api_key", word=True),
    _Rule(
        re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}" + _END),
        "jwt",
        word=True,
    ),
    _Rule(
        re.compile(r"bearer\s+(?P<bearer>[a-z0-9._~+/-]{20,}=*)"),
        "bearer_token",
        value_groups=("bearer",),
        word=True,
        lower=True,
    ),
    _Rule(
        re.compile(r"://[^\s:/@\"'<>\\]+:(?P<urlpass>[^\s@/\"'<>\\]{3,})@"),
        "url_password",
        value_groups=("urlpass",),
    ),
    *(
        _Rule(
            re.compile(name + r"(?![a-z0-9])[\"']?\s*(?:=|:(?!:))\s*" + _VALUE),
            "password",
            value_groups=("dq", "sq", "bare"),
            lower=True,
        )
        for name in _SECRET_NAMES
    ),
)

# Values of an assignment that only name a secret kept elsewhere, or read as code or a
# word (`token: self.token`, `Password: required`), and the markers of this module.
_NOT_A_SECRET = re.compile(
    r"(?i)(?:\*+|x+|\.+|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%\(?[A-Za-z_]+\)?s?|"
    r"\{\{.*\}\}|null|none|true|false|undefined|changeme|redacted|\[REDACTED:[a-z_]+\])"
)
_IDENTIFIER = re.compile(r"[A-Za-z_]+(?:\.[A-Za-z_]+)*")
# Whole-key names for parsed JSON objects: `{"api_key": "..."}`.
_SECRET_KEY = re.compile(r"(?i)[a-z0-9_.-]*?(?:" + "|".join(_SECRET_NAMES) + ")")


#: No secret any rule finds is shorter than this (`://a:bcd@`).
SHORTEST = 9

#: One literal that every match of a rule must hold, per rule (and per `_SECRET_KEY`
#: name), all searched in one pass (see `render.byte_search`) of a text's UTF-8 or a raw
#: JSON line. Besides the literals, a line passes when it holds what could hide one: an ASCII character
#: written `\\u00XX`, and the four non-ASCII letters that match an ASCII one (`K` KELVIN
#: SIGN lowers to `k`; `ſ`, `ı`, `İ` match `s`, `i` under `re.IGNORECASE`), raw in UTF-8
#: or escaped.
LINE_HINTS = (
    rb"-----BEGIN|sk-|xox|gh[pousr]_|github_pat_|A(?:KIA|SIA|BIA|CCA|3T|Iza)|\.eyJ"
    rb"|hooks\.slack\.com|@"
    rb"|(?i:pass|secret|key|token|credential|bearer)"
    rb"|\\u(?:00[0-7]|013[01]|017[fF]|212[aA])|\xc4[\xb0\xb1]|\xc5\xbf|\xe2\x84\xaa"
)
_LINE_HINTS = compile_bytes(LINE_HINTS)


def marker(kind: str) -> str:
    return f"[REDACTED:{kind}]"


def _assignment_kind(name: str) -> str:
    """`password` for passwords and passphrases, `secret` for keys and tokens."""
    return "password" if "pass" in name.lower() else "secret"


class Redactor:
    """Replaces secrets and keeps count, per kind, across every text it is given.

    One per export: `total` is what the export reports ("3 secrets redacted").
    """

    __slots__ = ("counts",)

    def __init__(self) -> None:
        self.counts: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def text(self, text: str) -> str:
        """`text` with every secret replaced by `[REDACTED:kind]`."""
        if len(text) < SHORTEST or not may_hold_secrets(text.encode("utf-8", "surrogatepass")):
            return text
        return self.text_in_full(text)

    def text_in_full(self, text: str) -> str:
        """`text` with every rule applied, without the quick test for their literals."""
        low = _lower(text)
        for rule in RULES:
            redacted = self._apply(rule, text, low)
            if redacted is not text:
                text, low = redacted, _lower(redacted)
        return text

    def _apply(self, rule: _Rule, text: str, low: str) -> str:
        subject = low if rule.lower else text
        pieces: list[str] = []
        done = 0
        for match in rule.pattern.finditer(subject):
            start, end = match.span()
            if rule.word and start > 0 and _starts_inside_word(text, start):
                continue
            kind = rule.kind
            for group, group_kind in rule.kinds:
                if match.group(group) is not None:
                    kind = group_kind
            for group in rule.value_groups:
                if match.group(group) is not None:
                    start, end = match.span(group)
                    break
            value = text[start:end]
            if rule.kind == "password":
                if _NOT_A_SECRET.fullmatch(value) or (
                    match.group("bare") is not None and _IDENTIFIER.fullmatch(value)
                ):
                    continue
                kind = _assignment_kind(subject[match.start() : start])
            self.counts[kind] += 1
            pieces.append(text[done:start])
            pieces.append(marker(kind))
            done = end
        if not pieces:
            return text
        pieces.append(text[done:])
        return "".join(pieces)

    def json(self, value: Any) -> Any:
        """A parsed JSON value with every string redacted, and every string under a
        secret-named key (`"api_key": "..."`) replaced whole. A new value; the input
        is not changed."""
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(max(limit, 20_000))  # orjson reads up to 1024 levels
        try:
            return self._json(value)
        finally:
            sys.setrecursionlimit(limit)

    def _json(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                if (
                    isinstance(item, str)
                    and isinstance(key, str)
                    and _SECRET_KEY.fullmatch(key)
                    and len(item) >= 4
                    and not _NOT_A_SECRET.fullmatch(item)
                ):
                    label = _assignment_kind(key)
                    self.counts[label] += 1
                    out[key] = marker(label)
                else:
                    out[key] = self._json(item)
            return out
        if isinstance(value, list):
            return [self._json(item) for item in value]
        return value


def _starts_inside_word(text: str, start: int) -> bool:
    """Whether a token found at `start` continues a longer run of key characters; a
    JSON-escaped line break (`\\nAKIA...`) in front of it is a word start."""
    if text[start - 1] not in _KEY_CHARS:
        return False
    return not (start >= 2 and text[start - 2] == "\\" and text[start - 1] in "nrt")


def _lower(text: str) -> str:
    """`text` in lower case, character for character (a few non-ASCII letters change
    length in `str.lower()`: then only ASCII letters are lowered)."""
    low = text.lower()
    return low if len(low) == len(text) else text.translate(_ASCII_LOWER)


def may_hold_secrets(raw: bytes, start: int = 0) -> bool:
    """Whether a record's JSON line holds anything a rule could match: no line that
    fails this has a secret, so its strings need no redaction pass at all.

    One search for a literal of every rule (see `LINE_HINTS`); a fraction of the
    cost of parsing the line, where redacting its strings one by one costs many times
    that. Lines that pass get the full `Redactor` treatment. `start`: where to begin
    (a caller that knows no literal starts before it)."""
    return _LINE_HINTS.search(raw, start) is not None


_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def redact(text: str) -> tuple[str, int]:
    """`text` with its secrets replaced, and how many were."""
    redactor = Redactor()
    return redactor.text(text), redactor.total
