"""The export's shortcuts change nothing: each fast path gives the bytes of its slow path.

Two shortcuts make a 130 MB export fast. A chunk whose JSON line holds no literal of any
redaction rule (`may_hold_secrets`) is not redacted at all; and `safe_text` / `one_line`
return text that has nothing to escape without translating it. Here hypothesis builds
text from the pieces secrets are made of (prefixes, names, separators, the non-ASCII
letters that case-fold to ASCII ones), writes it as real OpenRath files in three JSON
spellings (UTF-8, `\\uXXXX` for non-ASCII, and ASCII letters escaped at random), and
checks that every export format writes the same bytes and counts with the line check as
without it (an entry without its line is always redacted).
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from export_helpers import assistant, session_info, tool, user, write_session
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.export import _writer, write_export
from sessionview.export.source import Transcript, open_transcript
from sessionview.render.redact import Redactor, may_hold_secrets
from sessionview.render.safe import (
    UNSAFE,
    may_hold_unsafe,
    one_line,
    safe_text,
    tables,
)

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: What secrets and their look-alikes are made of.
PIECES = [
    "sk-",
    "sk-ant-",
    "proj-",
    "AKIA",
    "ASIA",
    "A3T",
    "AIza",
    "IOSFODNN7EXAMPLE",
    "ghp_",
    "gho_",
    "github_pat_",
    "xoxb-",
    "eyJhbGciOiJIUzI1NiJ9",
    "eyJzdWIiOiIxMjM0NTY3ODkwIn0",
    ".",
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "MIIEpAIBAAKCAQEA",
    "Bearer ",
    "bearer",
    "https://",
    "hooks.slack.com/services/",
    "T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX",
    "user:",
    "@",
    "password",
    "PassWord",
    "passphrase",
    "pa\u017f\u017fword",  # ſ: matches s under re.IGNORECASE
    "to\u212aen",  # KELVIN SIGN: lowers to k
    "secret",
    "SECRET",
    "api_key",
    "API-KEY",
    "pr\u0131vate_key",  # dotless ı: matches i under re.IGNORECASE
    "\u0130",
    "token",
    "credentials",
    "max_tokens",
    "=",
    ": ",
    "::",
    '"',
    "'",
    "\\",
    "hunter2hunter2",
    "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8",
    "0123456789abcdef",
    "\n",
    "\t",
    " ",
    "\u4e2d\u6587",
    "\U0001f600",
    "\x1b[31m",
    "\u202e",
    "\r",
    "\x85",
    "\x7f",
    "\u2028",
    "\ufeff",
    "\\r",
]
#: Names of secrets (some spelled with a letter that case-folds to ASCII), then a value.
NAMES = [
    "password",
    "PassPhrase",
    "pa\u017f\u017fword",
    "secret",
    "api_key",
    "API-KEY",
    "access_key",
    "private-key",
    "pr\u0131vate_key",
    "token",
    "to\u212aen",
    "TO\u212aEN",
    "credentials",
    "Bearer",
]
ASSIGNMENT = st.builds(
    "".join,
    st.tuples(
        st.sampled_from(NAMES),
        st.sampled_from(["=", ": ", '": "', "='", " = ", "  "]),
        st.sampled_from(["hunter2hunter2", "abcdefgh1234", "x9y8z7w6v5", "qwertyuiopasdfghjklz"]),
    ),
)
URL_LOGIN = st.builds(
    "{}://{}:{}@{}".format,
    st.sampled_from(["https", "postgres"]),
    st.sampled_from(["u", "admin"]),
    st.sampled_from(["abc", "pa55w0rd"]),
    st.sampled_from(["host", "db.internal"]),
)
TEXT = st.lists(
    st.one_of(ASSIGNMENT, URL_LOGIN, st.sampled_from(PIECES), st.text(max_size=6)), max_size=10
).map("".join)
CHUNK = st.one_of(
    TEXT.map(user),
    st.builds(lambda t, a: assistant(t, ("call_1", "bash", {"cmd": a, a[:20]: t})), TEXT, TEXT),
    st.builds(lambda t: tool("call_1", "bash", t), TEXT),
    st.builds(lambda t: tool("call_1", "read", json.dumps({"content": t, t[:12]: 1})), TEXT),
)


def _escape_some(line: str, mask: int) -> str:
    """`line` (ASCII JSON) with ASCII letters inside strings written `\\u00XX`, picked by `mask`."""
    out: list[str] = []
    in_string = escaped = False
    hex_left = 0  # the four digits of an escape already there
    for i, char in enumerate(line):
        if in_string and not escaped and not hex_left and char.isalpha() and (mask >> (i % 61)) & 1:
            out.append(f"\\u{ord(char):04x}")
            continue
        out.append(char)
        if hex_left:
            hex_left -= 1
        elif escaped:
            escaped = False
            hex_left = 4 if char == "u" else 0
        elif char == "\\":
            escaped = in_string
        elif char == '"':
            in_string = not in_string
    return "".join(out)


def _respell(path: Path, spelling: str, mask: int) -> None:
    """Rewrite every line of the session file in `spelling`: `ascii` (as written), `utf8`
    (non-ASCII raw) or `escaped` (ASCII letters as `\\u00XX` escapes too)."""
    if spelling == "ascii":
        return
    lines = path.read_text().splitlines()
    if spelling == "utf8":
        new = [json.dumps(json.loads(line), ensure_ascii=False) for line in lines]
    else:
        new = [_escape_some(line, mask) for line in lines]
    path.write_bytes("".join(line + "\n" for line in new).encode("utf-8", "surrogatepass"))


def _slow(info, fmt: str) -> tuple[bytes, dict[str, int]]:
    """The export with every chunk redacted: entries without their line."""
    redactor = Redactor()
    transcript = open_transcript(info)
    slow = Transcript(
        transcript.info, transcript.header, ((c, None) for c, _ in transcript.entries)
    )
    out = io.BytesIO()
    try:
        _writer(fmt)(slow, out, redactor)
    finally:
        transcript.close()
    return out.getvalue(), dict(redactor.counts)


@SETTINGS
@given(
    chunks=st.lists(CHUNK, min_size=1, max_size=4),
    spelling=st.sampled_from(["ascii", "utf8", "escaped"]),
    mask=st.integers(0, 2**61),
)
def test_skipping_lines_without_a_rule_literal_changes_no_byte(
    chunks: list, spelling: str, mask: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        sessions = Path(tmp) / "sessions"
        sid = write_session(sessions, chunks)
        _respell(sessions / f"{sid}.jsonl", spelling, mask)
        info = session_info(sessions, sid)
        for fmt in ("md", "html", "json"):
            fast = io.BytesIO()
            result = write_export(info, fmt, fast, redact=True)
            assert (fast.getvalue(), result.redacted) == _slow(info, fmt), fmt


@settings(max_examples=600, deadline=None)
@given(text=TEXT)
def test_a_line_that_fails_the_check_has_nothing_to_redact(text: str) -> None:
    """The same at the level of one string, in every spelling, as a value and as a key."""
    record = {"content": text, text: "its value"}
    for line in (
        json.dumps(record).encode(),
        json.dumps(record, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        _escape_some(json.dumps(record), 0x5555_5555_5555_5555).encode(),
    ):
        if not may_hold_secrets(line):
            redactor = Redactor()
            assert redactor.text(text) == text
            assert redactor.json(record) == record
            assert redactor.total == 0


@settings(max_examples=600, deadline=None)
@given(text=TEXT)
def test_text_without_a_rule_literal_is_left_as_the_rules_leave_it(text: str) -> None:
    quick, full = Redactor(), Redactor()
    assert quick.text(text) == full.text_in_full(text)
    assert quick.counts == full.counts


def test_every_rule_literal_hidden_in_any_spelling_passes_the_check() -> None:
    for text in (
        "AKIAIOSFODNN7EXAMPLE",
        "x PASSWORD=hunter2hunter2",
        "https://user:pa55w0rd@host",
        "sk-abcdefghijklmnopqrstuvwx",
        "to\u212aen=abcdefgh",
        "pa\u017f\u017fword",
        "pr\u0131vate_key",
        "\u0130",
        "Authorization: Bearer abcdefghijklmnopqrstuvwxyz",
    ):
        for line in (
            json.dumps(text).encode(),
            json.dumps(text, ensure_ascii=False).encode(),
            _escape_some(json.dumps(text), 2**61 - 1).encode(),
        ):
            assert may_hold_secrets(line), line
    for line in (b'"\\u0073k-abcdefghijklmnopqrstuvwx"', b'"https://u:abc\\u0040h"'):
        assert may_hold_secrets(line), line
    assert not may_hold_secrets(json.dumps("plain words, \u4e2d, code = 1").encode())


def _spellings(value: object) -> list[bytes]:
    ascii_json = json.dumps(value)
    return [
        ascii_json.encode(),
        json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass"),
        _escape_some(ascii_json, 2**61 - 1).encode(),
    ]


def test_every_unsafe_character_in_any_spelling_and_inside_json_text_passes_the_check() -> None:
    for code in sorted(UNSAFE - {0x0A, 0x09}):
        text = f"a{chr(code)}b"
        for value in (text, json.dumps(text), json.dumps(text, ensure_ascii=False)):
            for line in _spellings({"content": value}):
                assert may_hold_unsafe(line), (hex(code), line)
    clean = {"content": "tabs\tand\nnewlines, \u4e2d \U0001f600 <b>"}
    assert not may_hold_unsafe(json.dumps(clean, ensure_ascii=False).encode())


UNSAFE_CHARS = st.sampled_from([chr(c) for c in sorted(UNSAFE)])
ANY_TEXT = st.lists(
    st.one_of(
        UNSAFE_CHARS,
        st.text(alphabet=st.characters(blacklist_categories=()), max_size=8),
        st.sampled_from(["\n", "\t", "\xa0", "\u3000", "\u4e2d", "\U0001f600", "abc"]),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT)
def test_a_line_without_an_unsafe_hint_has_nothing_to_escape(text: str) -> None:
    for line in _spellings({"content": text, text: 1}):
        if not may_hold_unsafe(line):
            assert safe_text(text) == text


@settings(max_examples=400, deadline=None)
@given(text=ANY_TEXT, width=st.one_of(st.none(), st.integers(0, 20)))
def test_safe_text_and_one_line_skip_only_text_with_nothing_to_escape(
    text: str, width: int | None
) -> None:
    assert safe_text(text) == text.translate(tables().terminal_lines)
    flat = text.translate(tables().terminal_flat)
    if width is not None and len(flat) > width:
        flat = flat[: max(0, width - 1)] + "…"
    assert one_line(text, width) == flat
