"""`search --host`: each host searches its own files; the rows merge in one answer."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sessionview.store.writer import SessionWriter
from tests.remote.conftest import Fleet

pytestmark = pytest.mark.slow


def session(directory: Path, sid: str, *texts: str) -> None:
    with SessionWriter(sid, directory=directory) as w:
        for n, text in enumerate(texts):
            w.append("user" if n % 2 == 0 else "assistant", {"content": text})


def test_search_runs_on_each_host_and_merges(fleet: Fleet) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    session(a.sessions, "aaaa-zebra", "the zebra crossing", "nothing here")
    session(a.sessions, "same-id", "a zebra on host A")
    session(a.sessions, "aaaa-other", "no stripes at all")
    session(b.sessions, "bbbb-zebra", "hello", "zebra zebra zebra")
    session(b.sessions, "same-id", "a zebra on host B")

    done = fleet.run("search", "--json", "--host", "hostA", "--host", "hostB", "zebra")

    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    assert {(r["host"], r["id"]) for r in rows} == {
        ("hostA", "aaaa-zebra"),
        ("hostA", "hostA:same-id"),
        ("hostB", "bbbb-zebra"),
        ("hostB", "hostB:same-id"),
    }
    # Each row is what `search --json` prints on that host, plus `host`.
    local = subprocess.run(
        [
            sys.executable,
            "-m",
            "sessionview",
            "search",
            "--json",
            "--dir",
            str(b.sessions),
            "zebra",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    local_rows = json.loads(local.stdout)
    assert all(set(r) == set(local_rows[0]) | {"host"} for r in rows)
    mine = {r["id"]: r for r in rows if r["host"] == "hostB" and r["id"] == "bbbb-zebra"}
    theirs = {r["id"]: r for r in local_rows if r["id"] == "bbbb-zebra"}
    assert {k: v for k, v in mine["bbbb-zebra"].items() if k != "host"} == theirs["bbbb-zebra"]
    assert any("«zebra»" in h["excerpt"] for h in mine["bbbb-zebra"]["hits"])
    # Every id printed names that row for show.
    for row in rows:
        shown = fleet.run("show", "--json", "--host", "hostA", "--host", "hostB", row["id"])
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["host"] == row["host"]

    # With `hosts` configured the same hosts are searched without --host; text output.
    fleet.write_config(hosts=["hostA", "hostB"])
    text = fleet.run("search", "--limit", "3", "zebra")
    assert text.returncode == 0, text.stderr
    headers = [line for line in text.stdout.splitlines() if not line.startswith("  ")]
    assert len(headers) == 3
    assert all(" hostA " in h or " hostB " in h for h in headers)
    assert "«zebra»" in text.stdout


def test_a_failed_host_is_one_line_and_the_rest_is_printed(fleet: Fleet, tmp_path: Path) -> None:
    session(fleet.hosts["hostA"].sessions, "aaaa", "find the okapi")
    # An older serve: its hello lists its ops, without `search`.
    listed = tmp_path / "serve-without-search"
    listed.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"hello","protocol":1,"version":"0.0.9","pid":1,"ops":["list"]}\'\n'
        "cat >/dev/null\n"
    )
    # An older serve that lists no ops and answers the request "unknown op".
    unlisted = tmp_path / "serve-unknown-op"
    unlisted.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"hello","protocol":1,"version":"0.0.9","pid":1}\'\n'
        "read line\n"
        'echo \'{"type":"error","id":1,"message":"unknown op \\"search\\""}\'\n'
        "cat >/dev/null\n"
    )
    for script in (listed, unlisted):
        script.chmod(0o755)
    fleet.commands["old1"] = str(listed)
    fleet.commands["old2"] = str(unlisted)
    fleet.write_config()

    hosts = ["--host", "hostA", "--host", "down", "--host", "old1", "--host", "old2"]
    done = fleet.run("search", "--json", *hosts, "okapi")

    assert done.returncode == 1
    assert [(r["host"], r["id"]) for r in json.loads(done.stdout)] == [("hostA", "aaaa")]
    lines = done.stderr.splitlines()
    assert len(lines) == 3, lines
    assert lines[0].startswith("sessionview: down: unreachable: connect to host 127.0.0.1")
    assert lines[1].startswith(
        "sessionview: old1: sessionview too old on old1: its serve does not answer `search`; "
        "upgrade it with "
    )
    assert lines[2].startswith("sessionview: old2: sessionview too old on old2: ")


def test_a_hostile_search_answer_is_an_error_for_that_host_only(
    fleet: Fleet, tmp_path: Path
) -> None:
    session(fleet.hosts["hostA"].sessions, "aaaa", "find the okapi")
    row = {
        "id": "x\x1b]52;c;AAAA\x07",
        "format": "openrath",
        "state": "closed",
        "path": "/p",
        "score": "high",
        "matching_chunks": 1,
        "hits": [],
    }
    fake = tmp_path / "hostile"
    fake.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"hello","protocol":1,"version":"0.1.0","pid":1}\'\n'
        "read line\n"
        f"echo '{json.dumps({'type': 'result', 'id': 1, 'results': [row]})}'\n"
        "cat >/dev/null\n"
    )
    fake.chmod(0o755)
    fleet.commands["evil"] = str(fake)
    fleet.write_config()

    done = fleet.run("search", "--host", "evil", "--host", "hostA", "okapi")

    assert done.returncode == 1
    assert "aaaa" in done.stdout
    (line,) = done.stderr.splitlines()
    assert line == "sessionview: evil: protocol error: a search row without a numeric score"
    assert "\x1b" not in done.stdout + done.stderr
