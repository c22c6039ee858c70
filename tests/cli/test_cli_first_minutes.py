"""Issue 13 (4, 9): the command line's answers to the usual first mistakes, as subprocesses."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import pytest

from tests.cli.test_cli import CLOSED_ID, assert_one_line_error, start_writer
from tests.helpers.cli import sv

SUBCOMMANDS_WITH_DIR = [
    ("ls",),
    ("ls", "--json"),
    ("show", "abc"),
    ("rm", "abc"),
    ("prune", "--dry-run", "--older-than", "1d"),
    ("resume", "abc"),
    ("restore", "--list"),
]


@pytest.mark.parametrize("command", SUBCOMMANDS_WITH_DIR, ids=" ".join)
def test_a_missing_dir_is_one_line_and_exit_1(command: tuple[str, ...], tmp_path: Path) -> None:
    result = sv(*command, "--dir", str(tmp_path / "nope"))
    line = assert_one_line_error(result)
    assert line == f"sessionview: --dir {tmp_path / 'nope'}: no such directory"
    assert result.stdout == ""


def test_a_file_as_dir_is_one_line_and_exit_1(tmp_path: Path) -> None:
    (tmp_path / "afile").write_text("x")
    line = assert_one_line_error(sv("ls", "--dir", str(tmp_path / "afile")))
    assert line.endswith("afile: not a directory")


def test_restore_several_ids_all_and_dir(openrath_dir: Path, tmp_path: Path) -> None:
    listing = json.loads(sv("ls", "--dir", str(openrath_dir), "--state", "closed", "--json").stdout)
    ids = [row["id"] for row in listing[:3]]
    sv("rm", *ids, "--dir", str(openrath_dir), check=True)
    other = tmp_path / "other"
    other.mkdir()
    # --dir narrows the trash to what was deleted from there.
    assert sv("restore", "--list", "--dir", str(other), check=True).stdout.strip() == (
        "the trash is empty"
    )
    out = sv("restore", ids[0][:8], ids[1][:8], "--dir", str(openrath_dir), check=True).stdout
    assert "restored 2 sessions of 2" in out
    assert (openrath_dir / f"{ids[0]}.jsonl").exists() and (
        openrath_dir / f"{ids[1]}.jsonl"
    ).exists()
    sv("restore", "--all", check=True)
    assert json.loads(sv("restore", "--list", "--json").stdout) == []
    assert (openrath_dir / f"{ids[2]}.jsonl").exists()


def test_config_alone_and_config_show_as_toml(home: Path) -> None:
    alone = sv("config", check=True).stdout
    assert "config.toml" in alone and "config show" in alone
    config = home / ".config" / "sessionview" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(
        'theme = "nord"\n[resume]\nopenrath = "run \\"{id}\\""\n[prune]\nolder = "3d"\nby = "updated"\n'
    )
    shown = sv("config", "show", check=True)
    data = tomllib.loads(shown.stdout)
    assert data["theme"] == "nord" and data["resume"] == {"openrath": 'run "{id}"'}
    assert data["prune"]["by"] == "updated" and data["notify"] == "all"
    assert "prune.older: unknown key" in shown.stderr


@pytest.fixture
def home(isolated_home: Path) -> Path:
    return isolated_home


def test_ls_shows_a_corrupt_files_reason_not_its_path(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    directory.mkdir()
    sid = "c0ffee00-0000-4000-8000-000000000003"
    (directory / f"{sid}.jsonl").write_text(
        '{"record_type": "header", "schema_version": 1, "id": "' + sid + '", '
        '"created_at": "2026-11-21T10:00:00+00:00", "parent_session_ids": []}\n'
        '{"record_type": "chunk", broken\n'
    )
    table = sv("ls", "--dir", str(directory), check=True).stdout.splitlines()
    assert "line 2: invalid JSON" in table[1]
    assert str(directory) not in table[1]
    assert "just now" in table[1]


def test_rm_refusal_mentions_force(tmp_path: Path) -> None:
    directory = tmp_path / "live"
    writer = start_writer(directory, "live-session")
    try:
        line = assert_one_line_error(sv("rm", "live-session", "--dir", str(directory)))
        assert "is running" in line and "--force" in line
    finally:
        writer.stdin.write("\n")  # type: ignore[union-attr]
        writer.stdin.flush()  # type: ignore[union-attr]
        writer.wait(timeout=30)


def test_prune_says_trash_and_how_to_restore(openrath_dir: Path) -> None:
    dry = sv(
        "prune", "--older-than", "1s", "--state", "closed", "--dir", str(openrath_dir), "--dry-run"
    )
    assert "would move" in dry.stdout and "to the trash" in dry.stdout.splitlines()[-1]
    assert "session(s)" not in dry.stdout
    out = sv("prune", "--older-than", "1s", "--state", "closed", "--dir", str(openrath_dir)).stdout
    lines = out.splitlines()
    assert lines[-2].startswith("moved ") and lines[-2].endswith("to the trash")
    assert lines[-1].startswith("undo with: sessionview restore ")
    ids = [i for i in lines[-1].split("restore ", 1)[1].split("  (")[0].split() if i != "..."]
    assert CLOSED_ID in ids
    sv("restore", *ids, check=True)
    assert (openrath_dir / f"{CLOSED_ID}.jsonl").exists()


def test_ls_project_filter(home: Path) -> None:
    from tests.helpers.app import copy_formats

    root = copy_formats(home)
    rows = json.loads(
        sv("ls", "--dir", str(root), "--project", "/home/alice", "--json", check=True).stdout
    )
    assert {r["format"] for r in rows} == {"claude", "codex", "snapshot"}
    assert all(r["cwd"].startswith("/home/alice/") for r in rows)
    table = sv("ls", "--dir", str(root), "--project", "/home/alice/src/app", check=True).stdout
    assert len(table.splitlines()) == 1 + len(rows)
    none = sv("ls", "--dir", str(root), "--project", "/elsewhere", "--json", check=True).stdout
    assert json.loads(none) == []
