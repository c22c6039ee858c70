"""`sessionview export` as a user runs it: a real subprocess on real session files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers.cli import sv

sys.path.insert(0, str(Path(__file__).parent.parent / "export"))

from export_helpers import assistant, tool, user, write_session  # noqa: E402

AWS = "AKIAIOSFODNN7EXAMPLE"


def _sessions(tmp_path: Path) -> tuple[Path, str, str]:
    sessions = tmp_path / "sessions"
    first = write_session(
        sessions,
        [
            user(f"Deploy it, key {AWS}"),
            assistant("ok", ("c1", "bash", {"cmd": "password=hunter22 ./deploy"})),
            tool("c1", "bash", "done"),
        ],
        sid="aaaa1111-0000-4000-8000-000000000001",
    )
    second = write_session(
        sessions,
        [user("second one")],
        sid="bbbb2222-0000-4000-8000-000000000002",
        closed=False,
    )
    return sessions, first, second


def test_one_session_to_a_file_says_how_many_secrets_were_redacted(tmp_path: Path) -> None:
    sessions, first, _ = _sessions(tmp_path)
    out = tmp_path / "deploy.html"
    result = sv("export", "--dir", str(sessions), "aaaa", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        f"wrote {out}: 3 chunks, 2 secrets redacted (aws_access_key 1, password 1)\n"
    )
    page = out.read_text()
    assert page.startswith("<!DOCTYPE html>") and AWS not in page  # the format from the suffix


def test_stdout_json_with_no_redact_is_show_json(tmp_path: Path) -> None:
    sessions, first, _ = _sessions(tmp_path)
    exported = sv("export", "--dir", str(sessions), first, "--to", "json", "-o", "-", "--no-redact")
    shown = sv("show", "--dir", str(sessions), first, "--json")
    assert exported.returncode == 0, exported.stderr
    assert exported.stdout == shown.stdout
    assert "redaction off" in exported.stderr
    assert json.loads(exported.stdout)["id"] == first


def test_several_sessions_by_state_go_to_a_directory_named_by_title_and_id(
    tmp_path: Path,
) -> None:
    sessions, first, second = _sessions(tmp_path)
    out = tmp_path / "exports"
    result = sv("export", "--dir", str(sessions), "--state", "closed,crashed", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert sorted(os.listdir(out)) == [
        "deploy-it-key-redacted-aws-access-key-aaaa1111.md",
        "second-one-bbbb2222.md",
    ]
    assert result.stderr.endswith("exported 2 of 2 sessions (2 secrets redacted)\n")


def test_a_filter_or_a_trailing_slash_means_a_directory_even_for_one_session(
    tmp_path: Path,
) -> None:
    sessions, first, second = _sessions(tmp_path)
    result = sv("export", "--dir", str(sessions), "--state", "crashed", "-o", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    assert os.listdir(tmp_path / "c") == ["second-one-bbbb2222.md"]
    result = sv("export", "--dir", str(sessions), "aaaa", "-o", f"{tmp_path / 'new'}/")
    assert result.returncode == 0, result.stderr
    assert len(os.listdir(tmp_path / "new")) == 1


def test_the_default_output_is_the_current_directory(tmp_path: Path) -> None:
    sessions, first, _ = _sessions(tmp_path)
    work = tmp_path / "work"
    work.mkdir()
    result = sv("export", "--dir", str(sessions), "aaaa", "--to", "json", cwd=work)
    assert result.returncode == 0, result.stderr
    assert os.listdir(work) == ["deploy-it-key-redacted-aws-access-key-aaaa1111.json"]


def _one_error(result: subprocess.CompletedProcess[str], expected: str, code: int = 1) -> None:
    assert result.returncode == code, (result.returncode, result.stderr)
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("sessionview: ")
    assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr


def test_an_existing_file_is_refused_without_force(tmp_path: Path) -> None:
    sessions, first, _ = _sessions(tmp_path)
    out = tmp_path / "x.md"
    out.write_text("keep me")
    _one_error(sv("export", "--dir", str(sessions), "aaaa", "-o", str(out)), "already exists")
    assert out.read_text() == "keep me"
    assert sv("export", "--dir", str(sessions), "aaaa", "-o", str(out), "--force").returncode == 0
    assert out.read_text().startswith("# Deploy it")


def test_bad_input_is_one_line_and_exit_1(tmp_path: Path) -> None:
    sessions, _, _ = _sessions(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    _one_error(sv("export", "--dir", str(sessions), "ffff"), "no session matches 'ffff'")
    _one_error(
        sv("export", "--dir", str(sessions), "aaaa", "-o", str(blocker / "x.md")),
        "cannot write in",
    )
    _one_error(
        sv("export", "--dir", str(sessions), "aaaa", "-o", str(tmp_path / "no" / "x.md")),
        "no such directory",
    )
    _one_error(
        sv("export", "--dir", str(sessions), "aaaa", "bbbb", "-o", str(blocker)),
        "a-file: not a directory",
    )
    # Nothing named: a usage error (exit 2, as argparse's).
    _one_error(sv("export", "--dir", str(sessions)), "name the sessions to export", code=2)
    assert sorted(os.listdir(tmp_path)) == ["a-file", "home", "sessions"]
