"""Claude Code transcripts as Claude Code writes them (byte-exact fixture, compact JSON).

`tests/fixtures/claude-subagents/` holds one session whose file ends on its `summary`
with no newline, one API message split over three lines (thinking, text, tool_use with
the same `message.id`), two sidechain records inside the main file (older builds) and
one subagent transcript in `<proj>/<sessionId>/subagents/agent-<agentId>.jsonl`.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from sessionview.store.formats import get_adapter
from sessionview.store.liveness import LivenessProbe
from sessionview.store.preview import load_preview
from sessionview.store.tail import TailReader
from tests.helpers.claude_subagents import AGENT, FIXTURE, SID, install
from tests.helpers.cli import sv

A = get_adapter("claude")


def facts(path: Path):
    st = os.stat(path)
    return A.apply_liveness(A.read_facts(path, st), st, LivenessProbe())


# ------------------------------------------------------- item 5: the last line
def test_final_summary_without_newline_is_the_title(isolated_home: Path) -> None:
    path = install(isolated_home)
    assert not path.read_bytes().endswith(b"\n")
    info = facts(path)
    assert info.title == "Flaky test hunt"


def test_final_prompt_without_newline_is_read(tmp_path: Path) -> None:
    src = FIXTURE / "projects" / "-home-bob-proj" / f"{SID}.jsonl"
    lines = src.read_bytes().split(b"\n")
    prompt = json.loads(lines[0])
    prompt["uuid"] = "u9"
    prompt["message"]["content"] = "And the second flaky one?"
    path = tmp_path / f"{SID}.jsonl"
    path.write_bytes(b"\n".join(lines[:-1]) + b"\n" + json.dumps(prompt).encode())
    chunks = A.load_chunks(path)
    assert (
        chunks[-1].kind == "user" and chunks[-1].payload["content"] == "And the second flaky one?"
    )
    info = facts(path)
    assert info.chunks == len(chunks)
    assert info.extra["interrupted"] == "the last prompt has no reply"
    assert load_preview(info).last[-1].payload["content"] == "And the second flaky one?"


def test_torn_last_line_is_held_back_and_never_doubled(tmp_path: Path) -> None:
    src = FIXTURE / "projects" / "-home-bob-proj" / f"{SID}.jsonl"
    body, summary = src.read_bytes().rsplit(b"\n", 1)
    path = tmp_path / f"{SID}.jsonl"
    path.write_bytes(body + b"\n" + summary[:20])  # torn mid-write
    assert facts(path).title != "Flaky test hunt"  # a torn line is not read
    reader = TailReader(path)
    first = reader.read()
    assert len(first.records) == 8
    assert reader.read_final().records == []  # torn: held back even when final
    with open(path, "ab") as fh:
        fh.write(summary[20:])  # the line is whole, its newline not yet written
    assert reader.read().records == []  # a growing file: held back
    assert [r["type"] for r in reader.read_final().records] == ["summary"]  # writer gone
    with open(path, "ab") as fh:
        fh.write(b'\n{"type":"custom-title","customTitle":"later"}\n')
    assert [r["type"] for r in reader.read().records] == ["custom-title"]  # not doubled


# --------------------------------------------- item 6: one definition of a chunk
def test_ls_show_json_preview_and_transcript_count_the_same_chunks(isolated_home: Path) -> None:
    path = install(isolated_home)
    listed = json.loads(sv("ls", "--json").stdout)
    row = next(r for r in listed if r["id"] == SID)
    shown = sv("show", SID, "--json")
    assert shown.returncode == 0, shown.stderr
    chunks = json.loads(shown.stdout)["chunks"]
    text = sv("show", SID)
    assert text.returncode == 0, text.stderr
    header = text.stdout.splitlines()[2]
    blocks = [line for line in text.stdout.splitlines() if line.startswith("── #")]
    # user, 3 lines of msg_01 (thinking, text, tool_use), 2 sidechain, tool result, reply
    assert row["chunks"] == len(chunks) == len(blocks) == 8
    assert header.endswith("8 chunks")
    assert len(A.load_chunks(path)) == 8


# ------------------------------------------------- item 7: subagents, sidechains
def test_subagent_transcript_is_listed_as_a_child(isolated_home: Path) -> None:
    install(isolated_home)
    rows = {r["id"]: r for r in json.loads(sv("ls", "--json").stdout)}
    assert set(rows) == {SID, AGENT}
    child = rows[AGENT]
    assert child["parents"] == [SID] and child["extra"]["subagent_of"] == SID
    assert child["title"] == "Search tests/ for flaky tests"
    assert child["chunks"] == 4 and child["format"] == "claude"
    assert rows[SID]["parents"] == []
    shown = json.loads(sv("show", AGENT, "--json").stdout)
    assert [c["kind"] for c in shown["chunks"]] == ["user", "assistant", "tool_result", "assistant"]
    assert all(c.get("sidechain") for c in shown["chunks"])
    resume = sv("resume", AGENT, "--print")
    assert f"claude --resume {SID}" in resume.stdout, resume.stdout + resume.stderr


def test_sidechain_chunks_in_the_main_file_are_marked(isolated_home: Path) -> None:
    install(isolated_home)
    chunks = json.loads(sv("show", SID, "--json").stdout)["chunks"]
    assert [c["index"] for c in chunks if c.get("sidechain")] == [4, 5]
    text = sv("show", SID).stdout
    assert "── #4 user (sidechain) ──" in text and "── #5 assistant (sidechain) ──" in text
    assert "── #6 tool_result Task ──" in text


def test_deleting_a_subagent_takes_its_meta_only(isolated_home: Path) -> None:
    path = install(isolated_home)
    sub = path.parent / SID / "subagents"
    info = facts(sub / f"{AGENT}.jsonl")
    assert A.session_files(info) == [sub / f"{AGENT}.jsonl", sub / f"{AGENT}.meta.json"]


# The listing counts with `ChunkMapper.count`, the transcript with `ChunkMapper.map`.
_BLOCK = st.fixed_dictionaries(
    {
        "type": st.sampled_from(
            ["text", "image", "tool_result", "thinking", "redacted_thinking", "tool_use", "x"]
        )
    },
    optional={
        "text": st.text(max_size=3),
        "thinking": st.sampled_from(["", " ", "why"]),
        "id": st.text(max_size=2),
        "tool_use_id": st.text(max_size=2),
        "content": st.one_of(st.text(max_size=2), st.none()),
    },
)
_CONTENT = st.one_of(
    st.text(max_size=3), st.none(), st.integers(), st.lists(st.one_of(_BLOCK, st.integers()))
)


@settings(max_examples=400, deadline=None)
@given(
    rtype=st.sampled_from(["user", "assistant", "system", "summary", "attachment", None]),
    message=st.one_of(st.none(), st.fixed_dictionaries({"content": _CONTENT})),
    content=st.one_of(st.none(), st.sampled_from(["", "  ", "local command output"])),
    meta=st.booleans(),
)
def test_count_is_the_length_of_map(rtype, message, content, meta) -> None:
    from sessionview.store.formats.claude import ChunkMapper

    rec = {"type": rtype, "message": message, "content": content, "isMeta": meta}
    assert ChunkMapper.count(rec) == len(ChunkMapper().map(rec, 0))


def test_count_agrees_on_every_fixture_record() -> None:
    from sessionview.store.formats.claude import ChunkMapper

    fixtures = Path(__file__).parent.parent / "fixtures"
    files = [
        *fixtures.glob("claude*/projects/*/*.jsonl"),
        *fixtures.glob("claude*/projects/*/*/*/*.jsonl"),
    ]
    assert len(files) >= 3
    for path in files:
        for line in path.read_bytes().splitlines():
            rec = json.loads(line)
            assert ChunkMapper.count(rec) == len(ChunkMapper().map(rec, 0)), line
