"""Every file in the hostile corpus (tests/corpus): `ls` lists the rest and shows it as
corrupt with a reason (or skips a non-session name), `show` prints the transcript or one
line of error, nothing ever prints a traceback or a raw control character, and memory
stays bounded with a 100 MB line in the directory."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from hostile_helpers import (
    assert_clean_stderr,
    assert_terminal_safe,
    json_name,
    load_build,
    one_line_error,
    parse_json,
    sv,
    sv_inproc,
    sv_measured,
)

build = load_build()
IS_ROOT = os.geteuid() == 0


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory):
    base = tmp_path_factory.mktemp("corpus")
    target = base / "sessions"
    entries = build.build(target, big=True)
    yield target, entries
    build.cleanup(base)


def rows_by_name(rows: list[dict]) -> dict[str, dict]:
    return {os.path.basename(row["path"]): row for row in rows}


def test_committed_files_match_their_definitions() -> None:
    """The committed small files are exactly what build.py documents (a comment each)."""
    committed = {p.name for p in build.COMMITTED.iterdir()}
    defined = {entry.name for entry, _ in build.SMALL}
    assert committed == defined
    for entry, data in build.SMALL:
        assert (build.COMMITTED / entry.name).read_bytes() == data, entry.name
        assert entry.comment and entry.ls in ("corrupt", "listed", "any", "skipped")
    listed = (build.HERE / "FILES.tsv").read_text(encoding="utf-8")
    assert all(f"{entry.name}\t" in listed for entry, _ in build.SMALL)


def test_ls_lists_everything_with_bounded_memory(corpus, tmp_path: Path) -> None:
    target, entries = corpus
    run = sv_measured(tmp_path, "ls", "--dir", str(target), "--json")
    assert run.returncode == 0, run.stderr
    assert_clean_stderr(run)
    # A 100 MB line, a 100 MB file without a newline and 1,000,000 lines are in there.
    print(f"ls peak RSS: {run.maxrss_mb:.0f} MB")
    assert run.maxrss_mb < 150, f"ls used {run.maxrss_mb:.0f} MB"
    rows = parse_json(run.stdout)
    by_name = rows_by_name(rows)
    sessions = [e for e in entries if e.ls != "skipped"]
    assert len(rows) == len(sessions), sorted(set(by_name) ^ {json_name(e.name) for e in sessions})
    for entry in entries:
        row = by_name.get(json_name(entry.name))
        if entry.ls == "skipped":
            assert row is None, entry.name
            continue
        assert row is not None, f"{entry.name!r} ({entry.comment}) is not listed"
        if entry.ls == "corrupt":
            assert row["state"] == "corrupt", (entry.name, entry.comment, row)
            assert row["error"] and row["state_reason"], row
        elif entry.ls == "listed":
            assert row["state"] != "corrupt", (entry.name, entry.comment, row["error"])
    assert "3 files match no known session format" in run.stderr  # dotfiles are not counted


def test_ls_table_is_one_safe_line_per_session(corpus) -> None:
    target, entries = corpus
    run = sv("ls", "--dir", str(target))
    assert run.returncode == 0, run.stderr
    assert_clean_stderr(run)
    text = run.text
    assert_terminal_safe(text)
    lines = text.splitlines()
    assert len(lines) == 1 + sum(1 for e in entries if e.ls != "skipped")
    # Hostile names and ids are shown escaped, not interpreted.
    assert "\\e[31mstr" in text  # the id of wt-h-id-str, cut to 8 characters, escaped
    assert "\\e[31mred" in text  # the title of escapes-in-text


def _check_show(entry, plain, as_json) -> None:
    for run in (plain, as_json):
        assert_clean_stderr(run)
    if entry.show == "ok":
        assert plain.returncode == 0, (entry.name, plain.stderr)
    elif entry.show == "error":
        one_line_error(plain)
    if plain.returncode == 0:
        assert_terminal_safe(plain.text)
        assert "──" in plain.text or "chunks" in plain.text
    else:
        one_line_error(plain)
    assert as_json.returncode == plain.returncode, (entry.name, as_json.stderr)
    if as_json.returncode == 0:
        data = parse_json(as_json.stdout)
        assert isinstance(data["chunks"], list)
    else:
        one_line_error(as_json)


@pytest.mark.slow
def test_show_every_small_entry(corpus) -> None:
    """In process, with a strict UTF-8 stdout: an escaping exception fails the test."""
    target, entries = corpus
    sv_inproc("ls", "--dir", str(target), "--json")  # warm the index cache
    tried = 0
    for entry in entries:
        if entry.show is None or entry.big:
            continue
        plain = sv_inproc("show", "--dir", str(target), entry.sid)
        as_json = sv_inproc("show", "--dir", str(target), entry.sid, "--json")
        _check_show(entry, plain, as_json)
        tried += 1
    assert tried > 200


@pytest.mark.parametrize(
    "sid",
    [
        "escapes-in-text",
        "name-newl",
        "name-esc-",
        "name-notutf8",
        "corrupt-name-",
        "lone-surrogate",
        "deep-300",
        "deep-1000",
        "link-outside",
        "fifo",
        "link-devzero",
    ],
)
def test_show_through_a_real_terminal_pipe(corpus, sid: str) -> None:
    """The same in a real subprocess, for the entries that stress the output path."""
    target, entries = corpus
    entry = next(e for e in entries if e.sid == sid)
    plain = sv("show", "--dir", str(target), sid)
    as_json = sv("show", "--dir", str(target), sid, "--json")
    _check_show(entry, plain, as_json)


def test_show_escapes_are_visible_codes(corpus) -> None:
    target, _ = corpus
    text = sv("show", "--dir", str(target), "escapes-in-text").text
    for visible_code in (
        "\\e[31mred\\e[0m",
        "\\e[2J",
        "\\e]0;pwned-title\\x07",
        "\\e]8;;http://evil.example/\\e\\link",
        "\\eP1$r0m\\e\\",
        "\\x07bell",
        "ab\\x08\\x08XY",
        "\\x9b31m",
        "\\u202eevil\\u202c",
        "\\u2066iso\\u2069",
        "[bold red]markup[/]",  # markup is literal text in plain output
        "[link=http://x]l[/link]",
        "→ sh\\e]0;x\\x07(",
        "#3 tool_result sh\\u202e",
    ):
        assert visible_code in text, visible_code
    assert "second line" in text  # newlines inside content are kept


def test_error_message_with_hostile_file_name_is_one_escaped_line(corpus) -> None:
    target, _ = corpus
    line = one_line_error(sv("show", "--dir", str(target), "corrupt-name-"))
    assert "corrupt-name-\\e]0;x\\x07\\x0aline2.jsonl:1: invalid JSON" in line


@pytest.mark.slow
def test_show_big_entries(corpus, tmp_path: Path) -> None:
    target, _ = corpus
    for sid in ("huge-line", "huge-line-closed"):
        run = sv_measured(tmp_path, "show", "--dir", str(target), sid)
        assert run.returncode == 0, run.stderr
        assert_clean_stderr(run)
        # ~100 MB of content, cut to 20,000 characters plus a marker.
        assert len(run.stdout) < 100_000, len(run.stdout)
        assert b"KB more" in run.stdout
        print(f"show {sid}: peak RSS {run.maxrss_mb:.0f} MB")
    run = sv_measured(tmp_path, "show", "--dir", str(target), "million-lines", timeout=150)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count(b"\n\xe2\x94\x80\xe2\x94\x80 #") == 1_000_000  # every heading
    assert b"#999999 user" in run.stdout
    print(f"show million-lines: peak RSS {run.maxrss_mb:.0f} MB")
    for sid in ("huge-no-newline", "deep-100k"):
        line = one_line_error(sv("show", "--dir", str(target), sid))
        assert sid in line


def test_nonexistent_and_non_directory_roots(tmp_path: Path) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    run = sv("ls", "--dir", str(tmp_path / "missing"), "--dir", str(a_file))
    line = one_line_error(run)  # exit 1, one line naming both (issue 13 item 4)
    assert "missing: no such directory" in line and "a-file: not a directory" in line
    one_line_error(sv("show", "--dir", str(tmp_path / "missing"), "anything"))
    one_line_error(sv("show", "--dir", str(tmp_path), "../etc/passwd"))


@pytest.mark.skipif(not IS_ROOT, reason="checks what root can and cannot be denied")
def test_permissions_as_root_are_documented(corpus) -> None:
    """As root (CAP_DAC_OVERRIDE) mode 000 does not stop reads: the files are listed as
    ordinary sessions. For other users they are corrupt rows with "Permission denied"
    (the corpus expectation switches on the uid, so the same tests cover both)."""
    target, _ = corpus
    rows = rows_by_name(parse_json(sv_inproc("ls", "--dir", str(target), "--json").stdout))
    assert rows["unreadable.jsonl"]["state"] == "closed"


@pytest.mark.skipif(IS_ROOT, reason="root reads any file; mode 000 cannot be tested as root")
def test_unreadable_directory_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.jsonl").write_bytes(b"")
    os.chmod(locked, 0)
    try:
        run = sv("ls", "--dir", str(locked))
        assert run.returncode == 0
        assert_clean_stderr(run)
        assert "Permission denied" in run.stderr
    finally:
        os.chmod(locked, 0o700)


def test_rm_of_a_symlinked_session_moves_the_link_only(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    real = outside / "real.jsonl"
    data = build.session("link-outside", build.chunk(0))
    real.write_bytes(data)
    link = sessions / "link-outside.jsonl"
    os.symlink(real, link)
    run = sv("rm", "--dir", str(sessions), "link-outside")
    assert run.returncode == 0, run.stderr
    assert not os.path.lexists(link)
    assert real.read_bytes() == data  # the target is untouched
    run = sv("restore", "link-outside")
    assert run.returncode == 0, run.stderr
    assert os.path.islink(link) and os.readlink(link) == str(real)
    assert real.read_bytes() == data


def test_rm_refuses_non_session_and_path_ids(corpus) -> None:
    target, _ = corpus
    for bad in ("../x", "a/b", "", "..", "a\nb", "\x1b[2J"):
        line = one_line_error(sv("rm", "--dir", str(target), bad))
        assert "\x1b" not in line
    # Everything is still there.
    assert (target / "garbage.jsonl").exists()


def test_copy_of_corpus_survives_rm_and_prune(corpus, tmp_path: Path) -> None:
    """Deleting corrupt rows and pruning the corpus never follows links or crashes."""
    target, entries = corpus
    copy = tmp_path / "copy"
    copy.mkdir()
    for entry in entries:
        if entry.big or entry.ls == "skipped":
            continue
        src = os.path.join(os.fsencode(target), entry.fs_name)
        dst = os.path.join(os.fsencode(copy), entry.fs_name)
        if os.path.islink(src):
            os.symlink(os.readlink(src), dst)
        elif os.path.isdir(src):
            shutil.copytree(src, dst)
        elif os.path.isfile(src):
            shutil.copyfile(src, dst)
    outside_before = sorted(os.listdir(target.parent / (target.name + "-outside")))
    for sid in ("link-dangling", "link-loop", "link-devzero", "dir-session", "garbage", "empty"):
        run = sv("rm", "--dir", str(copy), sid)
        assert_clean_stderr(run)
        assert run.returncode in (0, 1)
    assert not os.path.lexists(copy / "link-devzero.jsonl")
    assert os.path.exists("/dev/zero")
    run = sv("prune", "--dir", str(copy), "--older-than", "1d")
    assert run.returncode == 0, run.stderr
    assert_clean_stderr(run)
    assert_terminal_safe(run.text)
    assert sorted(os.listdir(target.parent / (target.name + "-outside"))) == outside_before
    assert (target.parent / (target.name + "-outside") / "outside-real.jsonl").is_file()
    # corrupt files are never pruned
    assert (copy / "trailer-garbage.jsonl").exists()
