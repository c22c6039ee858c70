"""Property tests for terminal safety: any text a session holds (escapes, bidi
overrides, markup, NULs, any Unicode) comes out of `show` as visible codes, never raw
control characters, and `show --json` is valid JSON that parses back equal."""

from __future__ import annotations

from pathlib import Path

from hostile_helpers import assert_terminal_safe, parse_json, sv_inproc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessionview.render.safe import one_line, safe_text
from sessionview.store.writer import SessionWriter

HOSTILE = [
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\x1b]8;;http://x\x1b\\",
    "\x1bP+q\x1b\\",
    "\x07",
    "\x08",
    "\x9b",
    "\x90",
    "\u202e",
    "\u2066",
    "\u200f",
    "[bold]",
    "[/]",
    "[@click=quit]",
    "\r",
    "\x00",
    "\u2028",
    "\x7f",
    "\t",
    "\n",
]
texts = st.lists(st.sampled_from(HOSTILE) | st.text(max_size=8), max_size=12).map("".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(content=texts, name=texts, args=texts)
def test_show_plain_is_safe_and_json_round_trips(tmp_path_factory, content, name, args) -> None:
    directory: Path = tmp_path_factory.mktemp("term")
    writer = SessionWriter(directory=directory)
    payloads = [
        ("user", {"content": content}),
        (
            "assistant",
            {
                "content": content,
                "tool_calls": [
                    {"id": name, "type": "function", "function": {"name": name, "arguments": args}}
                ],
            },
        ),
        ("tool_result", {"tool_call_id": name, "name": name, "content": content}),
    ]
    for kind, payload in payloads:
        writer.append(kind, payload)
    writer.close()
    sid = writer.session_id

    plain = sv_inproc("show", "--dir", str(directory), sid)
    assert plain.returncode == 0, plain.stderr
    assert_terminal_safe(plain.text)
    table = sv_inproc("ls", "--dir", str(directory))
    assert_terminal_safe(table.text)
    assert len(table.text.splitlines()) == 2  # the header and one row, whatever the title

    as_json = sv_inproc("show", "--dir", str(directory), sid, "--json")
    assert as_json.returncode == 0, as_json.stderr
    data = parse_json(as_json.stdout)
    assert [(c["kind"], c["payload"]) for c in data["chunks"]] == payloads


@given(st.text(st.characters(blacklist_categories=())))  # lone surrogates too
def test_visible_and_one_line_never_leave_a_control(text: str) -> None:
    assert_terminal_safe(safe_text(text))
    flat = one_line(text)
    assert "\n" not in flat
    assert_terminal_safe(flat)
    flat.encode("utf-8")  # always printable, even with lone surrogates
