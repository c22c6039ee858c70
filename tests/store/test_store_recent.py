"""last_chunks(): the newest N chunks read from the end agree with the full parse."""

from __future__ import annotations

from pathlib import Path

import pytest
from store_helpers import MANIFEST, fixture_entry

from sessionview.store import PersistenceError
from sessionview.store.formats.openrath import last_chunks, parse_file
from sessionview.store.writer import SessionWriter


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["fixture"] for e in MANIFEST])
@pytest.mark.parametrize("n", [1, 2, 5, 200, 5000])
def test_last_chunks_match_the_full_parse(entry: dict, n: int, openrath_dir: Path) -> None:
    path = openrath_dir / entry["file"]
    want = parse_file(path).chunks[-n:]
    got = last_chunks(path, n)
    assert [(c.index, c.kind, c.payload) for c in got] == [
        (c.index, c.kind, c.payload) for c in want
    ]


def test_zero_and_errors(openrath_dir: Path, tmp_path: Path) -> None:
    path = openrath_dir / fixture_entry("large")["file"]
    assert last_chunks(path, 0) == []
    with pytest.raises(PersistenceError, match="cannot read"):
        last_chunks(tmp_path / "missing.jsonl", 3)
    with SessionWriter(directory=tmp_path) as w:
        for i in range(5):
            w.append("user", {"content": f"c{i}"})
    data = w.path.read_bytes().split(b"\n")
    data[4] = b"{broken"
    w.path.write_bytes(b"\n".join(data))
    with pytest.raises(PersistenceError, match=rf"{w.path}:5: invalid JSON"):
        last_chunks(w.path, 3)
    (tmp_path / "noheader.jsonl").write_bytes(b'{"record_type": "chunk"}\n')
    with pytest.raises(PersistenceError, match="not a header"):
        last_chunks(tmp_path / "noheader.jsonl", 3)
