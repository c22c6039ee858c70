"""`json_stdlib.dumps` writes the bytes orjson writes (a search prints its rows with
the stdlib encoder, `ls` and `show` with orjson: one output either way)."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from sessionview.store import json_stdlib
from sessionview.store.jsonl import dumps_lenient

# What rows hold: text of any script, controls, quotes and escapes, emoji, integers,
# booleans, null, nested lists and objects (no floats: see json_stdlib's docstring).
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
SCALARS = st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | TEXT
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=20,
)


@given(VALUES)
def test_the_stdlib_encoder_writes_what_orjson_writes(value: object) -> None:
    assert json_stdlib.dumps(value, indent=True) == orjson.dumps(value, option=orjson.OPT_INDENT_2)
    assert json_stdlib.dumps(value) == orjson.dumps(value)


def test_what_orjson_refuses_is_written_with_its_bytes_escaped() -> None:
    row = {"path": "/tmp/caf\udce9.jsonl", "title": "lone \ud800 surrogate"}
    written = dumps_lenient(row)
    assert written == json_stdlib.dumps(row)
    assert orjson.loads(written) == {
        "path": "/tmp/caf\\xe9.jsonl",
        "title": "lone \\ud800 surrogate",
    }
