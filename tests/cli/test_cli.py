"""The command line through real subprocesses: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from tests.helpers.cli import sv
from tests.helpers.wait import wait_until

CLOSED_ID = "24d17466-8c81-478b-ab51-29cbc79b9a05"
TRAILER_NO_RENAME_ID = "e77c7e9f-df03-4b9b-b1fb-c1cd1644388f"


def assert_one_line_error(result: subprocess.CompletedProcess[str], code: int = 1) -> str:
    assert result.returncode == code, (result.returncode, result.stdout, result.stderr)
    lines = [ln for ln in result.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


WRITER = textwrap.dedent(
    """
    import sys, time
    from sessionview.store.writer import SessionWriter
    w = SessionWriter(sys.argv[2], directory=sys.argv[1])
    w.append("user", {"content": "live one"})
    print("ready", flush=True)
    n = int(sys.argv[3])
    for i in range(n):
        time.sleep(0.02)  # the scenario: a writer pacing its appends
        w.append("assistant", {"content": f"step {i}", "tool_calls": None})
    sys.stdin.readline()
    w.close(usage={"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3})
    """
)


def start_writer(directory: Path, sid: str, appends: int = 0) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(directory), sid, str(appends)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "ready"
    return proc


def lines_of(proc: subprocess.Popen[str]) -> list[str]:
    """The lines `proc` prints, collected by a thread as they come."""
    lines: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)

    threading.Thread(target=read, daemon=True).start()
    return lines


def test_version_and_help() -> None:
    assert sv("--version", check=True).stdout.startswith("sessionview ")
    for sub in ("ls", "show", "rm", "restore", "prune", "resume", "config"):
        out = sv(sub, "--help", check=True).stdout
        assert out.startswith("usage: sessionview " + sub)


def test_ls_json_shape(openrath_dir: Path) -> None:
    data = json.loads(sv("ls", "--dir", str(openrath_dir), "--json", check=True).stdout)
    assert len(data) == 21
    required = {
        "id",
        "format",
        "state",
        "state_reason",
        "path",
        "created_at",
        "updated_at",
        "chunks",
        "bytes",
        "title",
        "error",
    }
    for row in data:
        assert required <= row.keys()
    by_id = {row["id"]: row for row in data}
    closed = by_id[CLOSED_ID]
    assert closed["state"] == "closed" and closed["chunks"] == 6
    assert closed["title"] == "The tests fail, please fix add()."
    assert by_id[TRAILER_NO_RENAME_ID]["state_reason"] == "trailer written, never renamed"
    times = [row["updated_at"] for row in data]
    assert times == sorted(times, reverse=True)


def test_ls_state_filter_and_table(openrath_dir: Path) -> None:
    data = json.loads(sv("ls", "--dir", str(openrath_dir), "--state", "crashed", "--json").stdout)
    assert data and {row["state"] for row in data} == {"crashed"}
    table = sv("ls", "--dir", str(openrath_dir), check=True).stdout.splitlines()
    assert table[0].split()[:3] == ["STATE", "ID", "FORMAT"]
    assert any("✓ closed" in line and CLOSED_ID[:8] in line for line in table)
    bad = sv("ls", "--dir", str(openrath_dir), "--state", "sleeping")
    assert "invalid state" in assert_one_line_error(bad, code=2)  # a usage error


def test_ls_empty_dir_says_where_and_what_to_try(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    out = sv("ls", "--dir", str(empty), check=True).stdout
    assert f"no sessions in {empty}" in out and "sessionview --demo" in out


def test_ls_filter_matching_nothing_says_so_not_try_the_demo(openrath_dir: Path) -> None:
    out = sv("ls", "--dir", str(openrath_dir), "--state", "corrupt", check=True).stdout
    assert out.startswith("none of the ") and "matches --state corrupt" in out, out
    assert "--demo" not in out


def test_ls_global_dir_option_and_env(openrath_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert len(json.loads(sv("--dir", str(openrath_dir), "ls", "--json").stdout)) == 21
    monkeypatch.setenv("SESSIONVIEW_DIR", str(openrath_dir))
    assert len(json.loads(sv("ls", "--json").stdout)) == 21


def test_ls_default_openrath_resolution(
    openrath_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "orhome"
    home.mkdir()
    openrath_dir.rename(home / "sessions")
    monkeypatch.setenv("OPENRATH_HOME", str(home))
    data = json.loads(sv("ls", "--json", check=True).stdout)
    assert {row["format"] for row in data} == {"openrath"} and len(data) == 21


def test_ls_corrupt_file_is_listed_with_reason(openrath_dir: Path) -> None:
    bad = openrath_dir / "0badc0de-0000-4000-8000-000000000000.jsonl"
    bad.write_bytes(b"this is not json\n")
    data = json.loads(sv("ls", "--dir", str(openrath_dir), "--json").stdout)
    row = next(r for r in data if r["id"].startswith("0badc0de"))
    assert row["state"] == "corrupt" and f"{bad}:1" in row["error"]
    err = assert_one_line_error(sv("show", "0badc0de", "--dir", str(openrath_dir)))
    assert f"{bad}:1" in err


def test_show_json_shape_matches_disk(openrath_dir: Path) -> None:
    data = json.loads(
        sv("show", CLOSED_ID[:6], "--dir", str(openrath_dir), "--json", check=True).stdout
    )
    assert set(data) == {"id", "format", "state", "header", "chunks", "usage"}
    assert data["header"]["record_type"] == "header"
    on_disk = [
        json.loads(line)
        for line in (openrath_dir / f"{CLOSED_ID}.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    disk_chunks = [r for r in on_disk if r["record_type"] == "chunk"]
    assert [(c["index"], c["kind"], c["payload"]) for c in data["chunks"]] == [
        (c["index"], c["kind"], c["payload"]) for c in disk_chunks
    ]
    assert data["usage"] == on_disk[-1]["cumulative_usage"]


def test_show_plain_escapes_terminal_controls(tmp_path: Path) -> None:
    from sessionview.store.writer import SessionWriter

    directory = tmp_path / "s"
    with SessionWriter("hostile", directory=directory) as w:
        w.append("user", {"content": "\x1b[2J\x1b]0;pwned\x07 [bold red]x[/] \u202eevil"})
    out = sv("show", "hostile", "--dir", str(directory), check=True).stdout
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out
    assert "\\e[2J" in out and "[bold red]x[/]" in out and "\\u202e" in out


@pytest.mark.parametrize(
    "bad_id",
    ["../x", "/etc/passwd", "", "a/../../b", "~/x", "x@../b", "x@/etc", "x@a//b", "x@a/./b"],
)
def test_ids_are_never_paths(openrath_dir: Path, bad_id: str) -> None:
    for args in (("show", bad_id), ("rm", bad_id), ("resume", bad_id)):
        err = assert_one_line_error(sv(*args, "--dir", str(openrath_dir)))
        assert "session id" in err


def test_a_slash_inside_an_id_is_a_key_not_a_path(openrath_dir: Path) -> None:
    """nanobot keys hold `/` (`slack:C123/thread:456`): looked up, never refused."""
    for args in (("show", "a/b"), ("rm", "a/b"), ("resume", "a/b")):
        err = assert_one_line_error(sv(*args, "--dir", str(openrath_dir)))
        assert "no session matches 'a/b'" in err


def test_ambiguous_and_unknown_ids(openrath_dir: Path) -> None:
    assert "no session matches" in assert_one_line_error(
        sv("show", "zzzz", "--dir", str(openrath_dir))
    )
    # Many fixture ids start with a digit; "4" matches several.
    assert "matches" in assert_one_line_error(sv("show", "4", "--dir", str(openrath_dir)))


def test_usage_errors_exit_2() -> None:
    assert sv("show").returncode == 2
    assert sv("prune").returncode == 2
    assert sv("bogus-command").returncode == 2


def test_rm_moves_to_trash_and_restore_brings_it_back(openrath_dir: Path) -> None:
    original = openrath_dir / f"{CLOSED_ID}.jsonl"
    content = original.read_bytes()
    out = sv("rm", CLOSED_ID[:8], "--dir", str(openrath_dir), check=True).stdout
    assert "trash" in out and not original.exists()
    listing = json.loads(sv("restore", "--list", "--json", check=True).stdout)
    assert listing[0]["id"] == CLOSED_ID and listing[0]["files"] == [str(original)]
    sv("restore", CLOSED_ID[:8], check=True)
    assert original.read_bytes() == content
    assert json.loads(sv("restore", "--list", "--json").stdout) == []


def test_rm_purge_unlinks(openrath_dir: Path) -> None:
    original = openrath_dir / f"{CLOSED_ID}.jsonl"
    sv("rm", CLOSED_ID, "--purge", "--dir", str(openrath_dir), check=True)
    assert not original.exists()
    assert json.loads(sv("restore", "--list", "--json").stdout) == []


def test_rm_one_session_named_twice_is_removed_once(openrath_dir: Path) -> None:
    result = sv("rm", CLOSED_ID[:8], CLOSED_ID, "--dir", str(openrath_dir))
    assert result.returncode == 0 and not result.stderr, result
    assert result.stdout.count("moved ") == 1
    assert len(json.loads(sv("restore", "--list", "--json").stdout)) == 1


def test_rm_symlink_removes_link_not_target(tmp_path: Path, openrath_dir: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    target = elsewhere / f"{CLOSED_ID}.jsonl"
    (openrath_dir / f"{CLOSED_ID}.jsonl").rename(target)
    (openrath_dir / f"{CLOSED_ID}.jsonl").symlink_to(target)
    sv("rm", CLOSED_ID, "--dir", str(openrath_dir), check=True)
    assert not os.path.lexists(openrath_dir / f"{CLOSED_ID}.jsonl")
    assert target.exists()
    sv("restore", CLOSED_ID, check=True)
    assert (openrath_dir / f"{CLOSED_ID}.jsonl").is_symlink()


def test_rm_refuses_running_session_unless_forced(tmp_path: Path) -> None:
    directory = tmp_path / "live"
    writer = start_writer(directory, "live-session")
    try:
        err = assert_one_line_error(sv("rm", "live-session", "--dir", str(directory)))
        assert "running" in err
        assert (directory / "live-session.jsonl.__partial__").exists()
        sv("rm", "live-session", "--force", "--dir", str(directory), check=True)
        assert not (directory / "live-session.jsonl.__partial__").exists()
    finally:
        writer.communicate("\n", timeout=10)


def test_prune_dry_run_then_real(openrath_dir: Path) -> None:
    before = json.loads(sv("ls", "--dir", str(openrath_dir), "--json").stdout)
    dry = json.loads(
        sv(
            "prune",
            "--older-than",
            "1s",
            "--dir",
            str(openrath_dir),
            "--dry-run",
            "--json",
            check=True,
        ).stdout
    )
    assert dry["dry_run"] is True
    expected = {r["id"] for r in before if r["state"] in ("closed", "crashed")}
    assert {r["id"] for r in dry["removed"]} == expected
    assert dry["bytes"] == sum(r["bytes"] for r in before if r["id"] in expected)
    assert len(json.loads(sv("ls", "--dir", str(openrath_dir), "--json").stdout)) == len(before)
    text = sv(
        "prune", "--older-than", "1s", "--state", "closed", "--dir", str(openrath_dir), check=True
    ).stdout
    assert " sessions (" in text and "to the trash" in text
    assert text.splitlines()[-1].startswith("undo with: sessionview restore ")
    after = json.loads(sv("ls", "--dir", str(openrath_dir), "--json").stdout)
    assert {r["state"] for r in after} == {"crashed"}


def test_prune_never_touches_running_or_corrupt(tmp_path: Path) -> None:
    directory = tmp_path / "p"
    directory.mkdir()
    (directory / "garbage.jsonl").write_bytes(b"\x00\x01 not a session\n")
    writer = start_writer(directory, "running-one")
    try:
        out = json.loads(
            sv(
                "prune",
                "--older-than",
                "1s",
                "--state",
                "closed,crashed",
                "--dir",
                str(directory),
                "--json",
            ).stdout
        )
        assert out["removed"] == []
        assert (directory / "garbage.jsonl").exists()
        assert (directory / "running-one.jsonl.__partial__").exists()
    finally:
        writer.communicate("\n", timeout=10)
    assert_one_line_error(sv("prune", "--older-than", "soon", "--dir", str(directory)), code=2)


def test_resume_prints_snippet_or_configured_command(
    openrath_dir: Path, isolated_home: Path
) -> None:
    out = sv("resume", CLOSED_ID, "--dir", str(openrath_dir), check=True)
    assert "OPENRATH_HOME=" in out.stdout and f'load_session("{CLOSED_ID}")' in out.stdout
    assert "config.toml" in out.stderr
    config_dir = Path(sv("config", "path", check=True).stdout.strip()).parent
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "config.toml").write_text('[resume]\nopenrath = "echo resumed {id} in {dir}"\n')
    printed = sv("resume", CLOSED_ID, "--dir", str(openrath_dir), "--print", check=True).stdout
    assert f"echo resumed {CLOSED_ID} in {openrath_dir}" in printed
    ran = sv("resume", CLOSED_ID, "--dir", str(openrath_dir), check=True)
    assert f"resumed {CLOSED_ID} in {openrath_dir}" in ran.stdout


def test_bad_config_is_one_clear_line_and_defaults_apply(openrath_dir: Path) -> None:
    config_file = Path(sv("config", "path").stdout.strip())
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text('bell = "loud"\n')
    result = sv("ls", "--dir", str(openrath_dir), "--json")
    assert result.returncode == 0 and len(json.loads(result.stdout)) == 21
    assert "bell: expected bool" in result.stderr


def test_follow_sees_every_chunk_once_until_close(tmp_path: Path) -> None:
    directory = tmp_path / "f"
    writer = start_writer(directory, "followed", appends=40)
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessionview",
            "show",
            "followed",
            "--dir",
            str(directory),
            "--follow",
            "--json",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = lines_of(follower)
    # Every chunk reaches the follower while the session is still being written ...
    wait_until(
        lambda: len(out) >= 41,
        timeout=20,
        what=lambda: f"the follower to print 41 chunks; it printed {len(out)}",
    )
    writer.communicate("\n", timeout=10)  # ... then the writer closes it.
    assert follower.wait(timeout=20) == 0, follower.stderr.read()
    *chunks, end = [json.loads(line) for line in out]
    # The last line says how it ended (issue 13 item 9), so a script need not read stderr.
    assert end == {"end": True, "state": "closed", "reason": end["reason"]} and end["reason"]
    assert [c["index"] for c in chunks] == list(range(41))
    assert chunks[0]["payload"]["content"] == "live one"
    assert (directory / "followed.jsonl").exists()


def test_follow_exits_when_writer_dies(tmp_path: Path) -> None:
    directory = tmp_path / "c"
    writer = start_writer(directory, "doomed")
    follower = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sessionview",
            "show",
            "doomed",
            "--dir",
            str(directory),
            "--follow",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    out = lines_of(follower)
    wait_until(
        lambda: any("live one" in line for line in out),
        timeout=20,
        what=lambda: f"the follower to print the first chunk; it printed {out}",
    )
    writer.kill()
    writer.wait()
    assert follower.wait(timeout=20) == 0
    assert "crashed" in follower.stderr.read()
    # The same header as `show` comes first (issue 13 item 9).
    assert out[0].startswith("● running (") and "openrath  doomed" in out[0]


def test_listing_commands_never_import_textual(openrath_dir: Path) -> None:
    code = textwrap.dedent(
        f"""
        import sys, io, contextlib
        from sessionview.cli import main
        for argv in (["ls", "--dir", {str(openrath_dir)!r}, "--json"],
                     ["show", {CLOSED_ID!r}, "--dir", {str(openrath_dir)!r}],
                     ["prune", "--older-than", "9999d", "--dir", {str(openrath_dir)!r}, "--dry-run"],
                     ["resume", {CLOSED_ID!r}, "--dir", {str(openrath_dir)!r}, "--print"]):
            with contextlib.redirect_stdout(io.TextIOWrapper(io.BytesIO())):
                assert main(argv) == 0, argv
        assert "textual" not in sys.modules, sorted(m for m in sys.modules if m.startswith("textual"))
        print("clean")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.stdout.strip() == "clean", result.stderr


def test_resume_with_a_relative_dir_prints_an_absolute_home(openrath_dir: Path) -> None:
    """The printed command is pasted elsewhere and runs in the session's directory: a
    relative `--dir` must not leave a relative OPENRATH_HOME in it."""
    result = subprocess.run(
        [sys.executable, "-m", "sessionview", "resume", CLOSED_ID, "--print"]
        + ["--dir", openrath_dir.name],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=openrath_dir.parent,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert result.returncode == 0, result.stderr
    home = result.stdout.split("OPENRATH_HOME=", 1)[1].split()[0].strip("'")
    assert Path(home).is_absolute() and Path(home) == openrath_dir.resolve().parent, home


def test_fast_paths_switched_off_list_the_same(openrath_dir: Path) -> None:
    """`SESSIONVIEW_PLAIN=all` (argparse, pathlib, platformdirs instead of the fast
    paths, as bench_ls.py measures them) prints the same listing."""
    args = [sys.executable, "-m", "sessionview", "ls", "--json", "--dir", f"{openrath_dir}//."]
    fast = subprocess.run(args, capture_output=True, timeout=60, check=True).stdout
    plain = subprocess.run(
        args,
        capture_output=True,
        timeout=60,
        check=True,
        env={**os.environ, "SESSIONVIEW_PLAIN": "all"},
    ).stdout
    rows = json.loads(fast)
    assert len(rows) == 21 and json.loads(plain) == rows
