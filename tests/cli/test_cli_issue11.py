"""Issue 11, items 1, 2, 4 and 8, through the command line (real subprocesses), on files
written by OpenRath's own `SessionWriter` and on copies of the agents' own fixtures."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest
from real_openrath import holding_writer, write

from tests.helpers.cli import sv

FIXTURES = Path(__file__).parent.parent / "fixtures"
CLAUDE_FILE = (
    FIXTURES / "claude/projects/-home-alice-src-app/5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8.jsonl"
)
CLAUDE_ID = "5d2c8e1a-7b3f-4a9e-b1c2-d3e4f5a6b7c8"


def ok(*args: str) -> str:
    result = sv(*args)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, (result.returncode, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    return lines[0]


def ls_json(*dirs: Path, extra: tuple[str, ...] = ()) -> list[dict]:
    args = [a for d in dirs for a in ("--dir", str(d))]
    return json.loads(ok("ls", "--json", *args, *extra))


def files_of(directory: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


# ------------------------------------------------------------------ item 1


def test_rm_and_prune_refuse_an_id_a_live_writer_reopened(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    sid = str(uuid.uuid4())
    write("closed", sessions, sid)
    final, partial = sessions / f"{sid}.jsonl", sessions / f"{sid}.jsonl.__partial__"
    with holding_writer(sessions, sid):
        before = files_of(sessions)
        (row,) = ls_json(sessions)
        assert row["state"] == "running" and row["path"] == str(partial)
        assert row["files"] == [
            {"path": str(partial), "state": "running"},
            {"path": str(final), "state": "closed"},
        ]
        table = ok("ls", "--dir", str(sessions))
        assert "● running" in table and "closed" not in table
        assert "running" in one_line_error(sv("rm", sid, "--dir", str(sessions)))
        assert "running" in one_line_error(sv("rm", sid, "--purge", "--dir", str(sessions)))
        pruned = ok("prune", "--older-than", "0s", "--dir", str(sessions))
        assert pruned.strip().endswith("moved 0 sessions (0 B) to the trash"), pruned
        assert files_of(sessions) == before
        assert ok("restore", "--list") == "the trash is empty\n"


# ------------------------------------------------------------------ item 2


def test_prune_keeps_a_file_whose_chunks_cannot_be_parsed(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    bad, good = str(uuid.uuid4()), str(uuid.uuid4())
    write("closed", sessions, bad, "not-object")
    write("closed", sessions, good)
    error = one_line_error(sv("show", bad, "--dir", str(sessions)))
    assert "payload must be a JSON object" in error
    dry = ok("prune", "--older-than", "0s", "--dry-run", "--dir", str(sessions))
    assert f"would move {good}" in dry and f"skipped {bad}: cannot be parsed" in dry
    report = json.loads(ok("prune", "--older-than", "0s", "--json", "--dir", str(sessions)))
    assert [r["id"] for r in report["removed"]] == [good]
    assert [s["id"] for s in report["skipped"]] == [bad]
    assert (sessions / f"{bad}.jsonl").exists() and not (sessions / f"{good}.jsonl").exists()


@pytest.fixture
def agents_tree(tmp_path: Path) -> Path:
    """`tests/fixtures` as a user would point at it: one folder per agent."""
    tree = tmp_path / "agents"
    # claude-subagents/ is a second Claude store (subagent transcripts): its own tests.
    shutil.copytree(
        FIXTURES, tree, ignore=shutil.ignore_patterns("manifest.json", "claude-subagents")
    )
    return tree


def test_ls_of_a_parent_folder_detects_every_file_by_content(agents_tree: Path) -> None:
    rows = ls_json(agents_tree)
    by_path = {r["path"]: r for r in rows}
    openrath_files = sorted((agents_tree / "openrath").iterdir())
    assert len(openrath_files) == 21  # 15 final files, 6 partial ones
    for path in openrath_files:
        assert by_path[str(path)]["format"] == "openrath", path
    assert {r["format"] for r in rows} == {"openrath", "claude", "codex", "nanobot", "snapshot"}
    formats = [r["format"] for r in rows]
    assert formats.count("claude") == formats.count("codex") == formats.count("snapshot") == 1
    assert formats.count("nanobot") == 2
    closed = next(r for r in rows if r["id"] == "24d17466-8c81-478b-ab51-29cbc79b9a05")
    assert closed["chunks"] == 6 and closed["title"] == "The tests fail, please fix add()."
    # Codex's session index and Claude's registry are the agents' sidecars, not sessions.
    assert not any(r["path"].endswith(("session_index.jsonl", "48213.json")) for r in rows)


def test_a_cached_format_never_outlives_another_detection(agents_tree: Path) -> None:
    openrath = agents_tree / "openrath"
    sid = "24d17466-8c81-478b-ab51-29cbc79b9a05"
    # Read as Claude Code's on purpose (forced), then detected: each its own verdict.
    forced = ls_json(openrath, extra=("--format", "claude"))
    assert {r["format"] for r in forced} == {"claude"}
    for rows in (ls_json(openrath), ls_json(agents_tree), ls_json(openrath)):
        row = next(r for r in rows if r["session_id"] == sid)
        assert (row["format"], row["chunks"]) == ("openrath", 6)
    shown = json.loads(ok("show", sid, "--json", "--dir", str(openrath)))
    assert shown["format"] == "openrath" and len(shown["chunks"]) == 6
    shown = json.loads(ok("show", sid, "--json", "--dir", str(agents_tree)))
    assert shown["format"] == "openrath" and len(shown["chunks"]) == 6


# ------------------------------------------------------------------ item 4


def test_ls_never_shows_activity_before_creation(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    sid = str(uuid.uuid4())
    write("crashed", sessions, sid)
    partial = sessions / f"{sid}.jsonl.__partial__"
    os.utime(partial, (partial.stat().st_mtime - 7200,) * 2)  # older than the header says
    (row,) = ls_json(sessions)
    assert row["state"] == "crashed"
    assert row["updated_at"] == row["created_at"]


# ------------------------------------------------------------------ item 8


@pytest.fixture
def duplicates(tmp_path: Path) -> Path:
    """One id in two Claude Code projects, one OpenRath id in two `sessions` folders,
    and a session whose id is unique."""
    tree = tmp_path / "dups"
    for project in ("-home-alice-app", "-home-bob-app"):
        target = tree / "claude" / "projects" / project
        target.mkdir(parents=True)
        shutil.copyfile(CLAUDE_FILE, target / CLAUDE_FILE.name)
    oid = str(uuid.uuid4())
    for owner in ("alice", "bob"):
        sessions = tree / owner / "sessions"
        sessions.mkdir(parents=True)
        write("closed", sessions, oid)
    write("closed", tree / "alice" / "sessions", str(uuid.uuid4()))
    return tree


def test_every_listed_id_names_exactly_its_row(duplicates: Path) -> None:
    rows = ls_json(duplicates)
    assert len(rows) == 5
    ids = [r["id"] for r in rows]
    assert len(set(ids)) == 5
    assert {i for i in ids if i.startswith(CLAUDE_ID)} == {
        f"{CLAUDE_ID}@-home-alice-app",
        f"{CLAUDE_ID}@-home-bob-app",
    }
    openrath_refs = {
        r["id"] for r in rows if r["format"] == "openrath" and r["id"] != r["session_id"]
    }
    assert {ref.split("@", 1)[1] for ref in openrath_refs} == {"alice/sessions", "bob/sessions"}
    unique = [r for r in rows if r["id"] == r["session_id"]]
    assert len(unique) == 1
    dirs = ("--dir", str(duplicates))
    for row in rows:
        ref = row["id"]
        shown = ok("show", ref, *dirs)
        assert shown.splitlines()[1].strip() == row["path"], (ref, shown)
        assert row["session_id"] in ok("resume", ref, "--print", *dirs)
        before = files_of(duplicates)
        moved = ok("rm", ref, *dirs)
        assert f"undo with: sessionview restore {ref}" in moved
        after = files_of(duplicates)
        assert set(before) - set(after) == {row["path"]}, ref  # that row's file, no other
        ok("restore", ref)
        assert files_of(duplicates) == before


def test_an_ambiguous_id_lists_candidates_by_folder(duplicates: Path) -> None:
    dirs = ("--dir", str(duplicates))
    error = one_line_error(sv("show", CLAUDE_ID, *dirs))
    assert (
        f"{CLAUDE_ID}@-home-alice-app (claude, in {duplicates}/claude/projects/-home-alice-app)"
        in error
    )
    assert f"{CLAUDE_ID}@-home-bob-app" in error and "ls --json" in error
    # The table's short ids are qualified the same way, and `show` takes them.
    table = ok("ls", *dirs)
    assert "5d2c8e1a@-home-alice-app" in table and "5d2c8e1a@-home-bob-app" in table
    # A prefix with its folder picks one, and so does a qualified id with a deeper folder.
    assert (
        ok("show", "5d2c@-home-bob-app", *dirs)
        .splitlines()[1]
        .strip()
        .startswith(str(duplicates / "claude/projects/-home-bob-app"))
    )
    ok("show", f"{CLAUDE_ID}@projects/-home-bob-app", *dirs)
    assert "no session matches" in one_line_error(sv("show", f"{CLAUDE_ID}@-home-carol", *dirs))
    # Both deleted: restore tells them apart the same way.
    for project in ("-home-alice-app", "-home-bob-app"):
        ok("rm", f"{CLAUDE_ID}@{project}", *dirs)
    error = one_line_error(sv("restore", CLAUDE_ID))
    assert "-home-alice-app" in error and "-home-bob-app" in error
    ok("restore", f"{CLAUDE_ID}@-home-bob-app")
    assert (duplicates / "claude/projects/-home-bob-app" / CLAUDE_FILE.name).exists()
    assert not (duplicates / "claude/projects/-home-alice-app" / CLAUDE_FILE.name).exists()
