"""TailReader: appends, held-back partial lines, rename, truncation, replacement, deletion."""

from __future__ import annotations

import json
import os
from pathlib import Path

from store_helpers import run_writer

from sessionview.store.tail import TailReader
from tests.helpers.wait import wait_until


def rec(i: int, text: str = "x") -> bytes:
    return (
        json.dumps(
            {"record_type": "chunk", "index": i, "kind": "user", "payload": {"content": text}},
            ensure_ascii=False,
        )
        + "\n"
    ).encode()


def append(path: Path, data: bytes) -> None:
    with path.open("ab") as fh:
        fh.write(data)


def test_appends_across_calls(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.__partial__"
    path.write_bytes(rec(0) + rec(1))
    reader = TailReader(path)
    b = reader.read()
    assert [r["index"] for r in b.records] == [0, 1] and not b.reset and not b.deleted
    assert reader.read().records == [], "nothing new, nothing returned"
    append(path, rec(2))
    assert [r["index"] for r in reader.read().records] == [2]
    append(path, rec(3) + b"\n" + rec(4))
    assert [r["index"] for r in reader.read().records] == [3, 4]
    assert reader.offset == path.stat().st_size and reader.lineno == 6


def test_incomplete_line_is_held_until_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    line = rec(7, "数据分析 🚀")
    path.write_bytes(rec(6) + line[:10])
    reader = TailReader(path)
    assert [r["index"] for r in reader.read().records] == [6]
    assert reader.read().records == []
    append(path, line[10:-1])  # still no newline
    assert reader.read().records == []
    append(path, b"\n")
    (r,) = reader.read().records
    assert r["payload"]["content"] == "数据分析 🚀"


def test_incomplete_line_cut_inside_a_utf8_character(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    line = rec(1, "分析")
    char = "分".encode()
    cut = line.index(char) + 2
    path.write_bytes(rec(0) + line[:cut])
    reader = TailReader(path)
    b = reader.read()
    assert [r["index"] for r in b.records] == [0] and b.errors == []
    append(path, line[cut:])
    b = reader.read()
    assert [r["payload"]["content"] for r in b.records] == ["分析"] and b.errors == []


def test_follows_rename_without_rereading(tmp_path: Path) -> None:
    partial = tmp_path / "s.jsonl.__partial__"
    final = tmp_path / "s.jsonl"
    partial.write_bytes(rec(0) + rec(1))
    reader = TailReader(partial)
    assert len(reader.read().records) == 2
    ino = partial.stat().st_ino
    append(partial, b'{"record_type": "trailer", "final_chunk_count": 2}\n')
    os.replace(partial, final)
    assert final.stat().st_ino == ino
    b = reader.read()
    assert [r["record_type"] for r in b.records] == ["trailer"], "only the new line, no re-read"
    assert not b.reset and not b.deleted and b.path == str(final)
    assert reader.path == final
    assert reader.read().records == []


def test_rename_to_a_different_file_is_not_followed(tmp_path: Path) -> None:
    partial = tmp_path / "s.jsonl.__partial__"
    partial.write_bytes(rec(0))
    reader = TailReader(partial)
    reader.read()
    # Another file (created while ours still exists, so another inode) under the twin name.
    (tmp_path / "s.jsonl").write_bytes(rec(0) + rec(1))
    partial.unlink()
    b = reader.read()
    assert b.deleted and b.records == []


def test_truncation_restarts_with_reset(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(rec(0) + rec(1) + rec(2))
    reader = TailReader(path)
    reader.read()
    with path.open("r+b") as fh:
        fh.truncate(0)
        fh.write(rec(9))
    b = reader.read()
    assert b.reset and [r["index"] for r in b.records] == [9]
    assert reader.lineno == 1
    append(path, rec(10))
    b = reader.read()
    assert not b.reset and [r["index"] for r in b.records] == [10]


def test_truncation_to_empty_reports_reset(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(rec(0))
    reader = TailReader(path)
    reader.read()
    path.write_bytes(b"")
    b = reader.read()
    assert b.reset and b.records == [] and reader.offset == 0


def test_replacement_by_a_new_inode_restarts_with_reset(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(rec(0))
    reader = TailReader(path)
    reader.read()
    tmp = tmp_path / "tmp"
    tmp.write_bytes(rec(5) + rec(6) + rec(7))  # bigger than the offset: only the inode tells
    os.replace(tmp, path)
    b = reader.read()
    assert b.reset and [r["index"] for r in b.records] == [5, 6, 7]


def test_deletion_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl.__partial__"
    path.write_bytes(rec(0))
    reader = TailReader(path)
    reader.read()
    path.unlink()
    b = reader.read()
    assert b.deleted and b.records == []
    assert TailReader(tmp_path / "never.jsonl").read().deleted


def test_bad_lines_are_errors_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / "s.jsonl"
    path.write_bytes(rec(0) + b"{bad\n" + b"\n" + b"[1]\n" + rec(1))
    b = TailReader(path).read()
    assert [r["index"] for r in b.records] == [0, 1]
    assert len(b.errors) == 2
    assert f"{path}:2: invalid JSON" in b.errors[0] and f"{path}:4:" in b.errors[1]


def test_a_real_writer_tailed_live_sees_every_chunk_once_in_order(tmp_path: Path) -> None:
    count = 300
    proc = run_writer("append", str(tmp_path), str(count), "0.001")
    try:
        partial = Path(proc.stdout.readline().strip())
        reader = TailReader(partial)
        seen: list[int] = []
        kinds: list[str] = []
        reads = 0

        def read_through_the_trailer() -> bool:
            nonlocal reads
            b = reader.read()
            reads += 1
            assert not b.reset and not b.errors and not b.deleted
            kinds.extend(r["record_type"] for r in b.records)
            seen.extend(r["index"] for r in b.records if r["record_type"] == "chunk")
            return bool(kinds) and kinds[-1] == "trailer"

        # Read as often as possible while the writer writes (the race is the point).
        wait_until(
            read_through_the_trailer,
            timeout=60,
            what=lambda: f"the trailer; read {len(seen)} chunks in {reads} reads",
            interval=0.0005,
        )
        assert proc.wait(timeout=30) == 0
        # The trailer can be read before the writer renames the file: one more read
        # after the writer is gone finds the renamed file, re-reading nothing.
        after = reader.read()
        assert after.records == [] and not after.reset and not after.deleted
    finally:
        if proc.poll() is None:
            proc.kill()
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            stream.close()
    assert seen == list(range(count))
    assert kinds[0] == "header" and kinds[-1] == "trailer"
    assert reader.path == partial.with_name(partial.name.removesuffix(".__partial__"))
    assert reads > 10, "the reader really ran while the writer wrote"
