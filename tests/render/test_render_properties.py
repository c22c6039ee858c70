"""One property-test module for both outputs of `sessionview.render`: whatever a session
holds (escapes, bidi controls, separators, a BOM, lone surrogates, markup, any shape of
payload), the terminal text (`show`) and the screen lines (TUI) carry no unsafe character,
and the blocks keep the raw text for the outputs that escape it their own way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.render.chunk_text import (
    Block,
    blocks,
    chunk_lines,
    chunk_summary,
    chunk_to_text,
    plain_text,
    role,
)
from sessionview.render.humanize import ago, human_bytes, human_count, plural
from sessionview.render.safe import (
    UNSAFE,
    first_line,
    one_line,
    safe_text,
    screen_lines,
    screen_text,
)
from sessionview.store.model import Chunk

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

HOSTILE = [
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x07",
    "\x08",
    "\x9b",
    "\x85",
    "\u202e",
    "\u2066",
    "\u200f",
    "\u061c",
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ud800",
    "\udcff",
    "[bold]",
    "[@click=app.quit]",
    "<script>",
    "\r",
    "\x00",
    "\x7f",
    "\t",
    "\n",
    "\r\n",
]
texts = st.lists(
    st.sampled_from(HOSTILE) | st.text(st.characters(blacklist_categories=()), max_size=6),
    max_size=10,
).map("".join)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
content_items = st.one_of(
    texts,
    st.builds(lambda t: {"type": "text", "text": t}, texts),
    st.builds(lambda t: {"type": "thinking", "thinking": t, "signature": "sig"}, texts),
    st.builds(
        lambda n, i, a: {"type": "tool_use", "id": i, "name": n, "input": a},
        texts,
        texts,
        json_values,
    ),
    st.builds(lambda i, c: {"type": "tool_result", "tool_use_id": i, "content": c}, texts, texts),
    st.just({"type": "image", "source": {"type": "base64", "data": "QUJD" * 50}}),
    st.just({"type": "reasoning", "encrypted_content": "gAAAA" * 40}),
    json_values,
)
contents = st.none() | texts | st.lists(content_items, max_size=4) | json_values
tool_calls = st.none() | st.lists(
    st.one_of(
        st.builds(
            lambda i, n, a: {"id": i, "type": "function", "function": {"name": n, "arguments": a}},
            texts,
            texts,
            texts | json_values,
        ),
        st.builds(lambda i, n, a: {"id": i, "name": n, "input": a}, texts, texts, json_values),
        json_values,
    ),
    max_size=3,
)
kinds = st.sampled_from(["system", "user", "assistant", "tool_result"]) | texts


@st.composite
def chunks(draw: Any) -> Chunk:
    payload: dict[str, Any] = {"content": draw(contents)}
    calls = draw(tool_calls)
    if calls is not None:
        payload["tool_calls"] = calls
    kind = draw(kinds)
    if kind == "tool_result":
        payload["tool_call_id"] = draw(texts)
        payload["name"] = draw(texts)
    if draw(st.booleans()):
        payload[draw(texts)] = draw(json_values)
    return Chunk(index=draw(st.integers(0, 10_000)), kind=kind, payload=payload)


def no_unsafe(text: str, *, allow: str = "") -> None:
    bad = [ch for ch in text if ord(ch) in UNSAFE and ch not in allow]
    assert not bad, f"raw {bad!r} in {text[:200]!r}"


# ------------------------------------------------------------------------- safe text
@SETTINGS
@given(texts)
def test_every_safe_output_is_free_of_unsafe_characters(text: str) -> None:
    no_unsafe(safe_text(text), allow="\n\t")
    no_unsafe(one_line(text))
    no_unsafe(screen_text(text))
    for line in screen_lines(text):
        no_unsafe(line)
    no_unsafe(first_line(text))
    for out in (safe_text(text), one_line(text), screen_text(text), first_line(text)):
        out.encode("utf-8")  # printable, even from lone surrogates


@SETTINGS
@given(texts, st.integers(1, 50))
def test_one_line_is_one_line_cut_to_its_width(text: str, width: int) -> None:
    flat = one_line(text, width)
    assert "\n" not in flat and len(flat) <= width
    assert len(first_line(text, width)) <= width


@SETTINGS
@given(texts)
def test_safe_text_keeps_what_is_already_safe(text: str) -> None:
    kept = "".join(ch for ch in text if ord(ch) not in UNSAFE or ch in "\n\t")
    assert safe_text(kept) == kept


def test_the_one_rule_covers_both_old_gaps() -> None:
    # The TUI used to leave U+061C, U+2028 and lone surrogates raw; the CLI left U+FEFF raw.
    for ch, code in (("\u061c", "\\u061c"), ("\u2028", "\\u2028"), ("\ud800", "\\ud800")):
        assert safe_text(ch) == code
        assert screen_text(ch) == code
    assert safe_text("\ufeff") == screen_text("\ufeff") == "\\ufeff"
    assert safe_text("a\x1b[2Jb\tc\n") == "a\\e[2Jb\tc\n"
    assert screen_text("a\x1b[2Jb\tc\n") == "a␛[2Jb    c␊"
    assert one_line("a\nb") == "a\\x0ab"
    assert screen_lines("a\r\nb\rc") == ["a", "b␍c"]


# ------------------------------------------------------------------------ chunk text
@SETTINGS
@given(chunks())
def test_both_chunk_outputs_are_safe(chunk: Chunk) -> None:
    no_unsafe(chunk_to_text(chunk), allow="\n\t")
    for line in chunk_lines(chunk):
        no_unsafe(line.text + line.marker)
        assert "\n" not in line.text
    no_unsafe(chunk_summary(chunk))
    assert role(chunk) in ("user", "assistant", "tool", "system")


@SETTINGS
@given(chunks())
def test_blocks_are_raw_and_never_carry_image_or_encrypted_data(chunk: Chunk) -> None:
    for block in blocks(chunk):
        assert isinstance(block, Block)
        assert block.kind in ("text", "thinking", "tool_call", "tool_result", "image", "other")
        assert "QUJDQUJD" not in block.text and "gAAAAgAAAA" not in block.text
    plain = plain_text(chunk)
    assert "[image]" not in plain or "[image]" in repr(chunk.payload)


@SETTINGS
@given(texts.filter(bool))
def test_text_reaches_blocks_raw_and_plain_text(text: str) -> None:
    chunk = Chunk(0, "user", {"content": [{"type": "text", "text": text}]})
    assert blocks(chunk) == [Block("text", text)]
    assert plain_text(chunk) == text
    body = [line.removeprefix("  ") for line in chunk_to_text(chunk).split("\n")[1:]]
    assert body == safe_text(text).splitlines()


def test_the_anthropic_shape_reads_the_same_in_both_outputs() -> None:
    chunk = Chunk(
        3,
        "assistant",
        {
            "content": [
                {"type": "thinking", "thinking": "plan it", "signature": "x"},
                {"type": "text", "text": "running ls"},
                {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": {"cmd": "ls"}},
                {"type": "image", "source": {"type": "base64", "data": "QUJD"}},
            ]
        },
    )
    assert blocks(chunk) == [
        Block("thinking", "plan it"),
        Block("text", "running ls"),
        Block("tool_call", '{\n  "cmd": "ls"\n}', tool_name="Bash", call_id="toolu_1"),
        Block("image", "[image]"),
    ]
    text = chunk_to_text(chunk)
    assert "[thinking] plan it" in text and "→ Bash({" in text and "[image]" in text
    lines = [line.text for line in chunk_lines(chunk)]
    assert "  ⚙ Bash  (toolu_1)" in lines and "  running ls" in lines and "    plan it" in lines
    assert plain_text(chunk) == 'plan it\nrunning ls\nBash\n{\n  "cmd": "ls"\n}'


def test_tool_calls_are_read_one_way_for_both_outputs() -> None:
    openai = {"id": "c1", "type": "function", "function": {"name": "sh", "arguments": '{"a":1}'}}
    chunk = Chunk(1, "assistant", {"content": None, "tool_calls": [openai]})
    assert blocks(chunk) == [Block("tool_call", '{\n  "a": 1\n}', tool_name="sh", call_id="c1")]
    assert "→ sh({" in chunk_to_text(chunk)
    assert chunk_summary(chunk) == "⚙ sh"
    result = Chunk(2, "tool_result", {"tool_call_id": "c1", "name": "sh", "content": '{"ok":1}'})
    assert role(result) == "tool"
    assert blocks(result) == [Block("tool_result", '{"ok":1}', tool_name="sh", call_id="c1")]
    assert '"ok": 1' in chunk_to_text(result)
    assert chunk_summary(result) == 'sh: {"ok":1}'


# -------------------------------------------------------------------------- humanize
def test_humanize_reads_the_same_for_cli_and_tui() -> None:
    now = datetime(2026, 1, 2, tzinfo=UTC)
    assert ago(now, now) == "just now"
    assert ago(now + timedelta(seconds=5), now) == "just now"
    assert ago(now - timedelta(seconds=12), now) == "12s ago"
    assert ago(now - timedelta(hours=3), now) == "3h ago"
    assert ago(None, now) == "-" and ago(None, now, unknown="–") == "–"
    assert human_bytes(1536) == "1.5 KB" and human_bytes(12) == "12 B"
    assert human_bytes(5 * 1024**4) == "5120.0 GB"
    assert human_count(12_345) == "12.3k" and human_count(None) == "-"
    assert plural(1, "chunk") == "1 chunk" and plural(2, "child", "children") == "2 children"
