"""`export` of a remote session (the CLI with `--host` or `HOST:id`, and the TUI's export
dialog on a remote row) writes the same file as a local export of the same session: the
text comes from the host's `show`, redacted and written on this side the same way."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import pytest

from sessionview.app import make_app
from sessionview.config import Config
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter
from tests.remote.conftest import Fleet
from tests.remote.test_remote_tui import SIZE, spec, until

pytestmark = pytest.mark.slow

AWS = "AKIAIOSFODNN7EXAMPLE"
GITHUB = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def session(directory: Path, sid: str, words: str) -> None:
    with SessionWriter(sid, directory=directory) as w:
        w.append("user", {"content": f"{words}: keys {AWS} and {GITHUB} \x1b[2J <b>x</b>"})
        w.append(
            "assistant",
            {"blocks": [{"type": "text", "text": f"about {words}, token={GITHUB}"}]},
        )


def local_export(directory: Path, *args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "sessionview", "export", "--dir", str(directory), *args],
        capture_output=True,
    )


@pytest.mark.parametrize("fmt", ["md", "html", "json"])
def test_cli_export_of_a_remote_session_is_the_local_export(
    fleet: Fleet, tmp_path: Path, fmt: str
) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    session(a.sessions, "same-id", "on hostA")
    session(b.sessions, "same-id", "on hostB")
    session(a.sessions, "aaaa-only", "only on hostA")
    hosts = ["--host", "hostA", "--host", "hostB"]

    # A host-qualified id names that host's session (the other has the same id).
    remote = tmp_path / f"remote.{fmt}"
    done = fleet.run("export", *hosts, "hostB:same-id", "-o", str(remote))
    assert done.returncode == 0, done.stderr
    local = tmp_path / f"local.{fmt}"
    here = local_export(b.sessions, "same-id", "-o", str(local))
    assert here.returncode == 0, here.stderr
    assert remote.read_bytes() == local.read_bytes()
    assert b"on hostB" in remote.read_bytes() and AWS.encode() not in remote.read_bytes()
    # The same report line (chunks, secrets redacted by kind), but for the path.
    assert done.stderr.split(": ", 1)[1] == here.stderr.decode().split(": ", 1)[1]

    # One host named with --host, to stdout.
    out = fleet.run("export", "--host", "hostA", "aaaa", "--to", fmt, "-o", "-")
    assert out.returncode == 0, out.stderr
    same = local_export(a.sessions, "aaaa", "--to", fmt, "-o", "-")
    assert out.stdout.encode() == same.stdout


def test_cli_export_by_state_writes_every_hosts_sessions(fleet: Fleet, tmp_path: Path) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    session(a.sessions, "aaaa-one", "a")
    session(b.sessions, "bbbb-one", "b")
    out = tmp_path / "all"
    done = fleet.run("export", "--host", "hostA", "--host", "hostB", "--state", "closed",
                     "-o", f"{out}/")  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines()[-1] == "exported 2 of 2 sessions (4 secrets redacted)"
    for host, sid in ((a, "aaaa-one"), (b, "bbbb-one")):
        mine = tmp_path / sid
        assert local_export(host.sessions, sid, "-o", f"{mine}/").returncode == 0
        (expected,) = mine.iterdir()
        assert (out / expected.name).read_bytes() == expected.read_bytes()

    down = fleet.run("export", "--host", "down", "--host", "hostA", "--state", "closed",
                     "-o", f"{tmp_path / 'partial'}/")  # fmt: skip
    assert down.returncode == 1
    assert down.stderr.startswith("sessionview: down: unreachable: ")
    assert len(list((tmp_path / "partial").iterdir())) == 1


def test_cli_export_of_several_ids_asks_every_hosts_listing_once(
    fleet: Fleet, tmp_path: Path
) -> None:
    """Unqualified ids among several hosts are located in one listing: a host that is
    down is one line, not one per id."""
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    session(a.sessions, "aaaa-one", "a")
    session(b.sessions, "bbbb-two", "b")
    out = tmp_path / "named"
    done = fleet.run("export", "--host", "hostA", "--host", "hostB", "--host", "down",
                     "aaaa-one", "bbbb-two", "-o", f"{out}/")  # fmt: skip
    lines = done.stderr.splitlines()
    assert [line for line in lines if "down" in line] == [
        f"sessionview: down: unreachable: connect to host 127.0.0.1 port {fleet.down_port}: "
        "Connection refused"
    ]
    assert lines[-1] == "exported 2 of 2 sessions (4 secrets redacted)"
    assert len(list(out.iterdir())) == 2


def test_tui_export_dialog_on_a_remote_row(fleet: Fleet, tmp_path: Path) -> None:
    from sessionview.app.screens.export import ExportScreen

    a = fleet.hosts["hostA"]
    session(a.sessions, "aaaa-shown", "in the TUI")
    app = make_app(SessionIndex([]), Config(), hosts=[spec(fleet, "hostA")])
    target = tmp_path / "from-tui.html"

    async def run() -> None:
        async with app.run_test(size=SIZE) as pilot:
            main = app.main
            await until(pilot, "the remote row", lambda: len(main.all_rows) == 1)
            feed = app.feeds["hostA"]
            asked: list[str] = []
            request = feed.request

            def spy(op: str, **params: object) -> dict:
                asked.append(op)
                return request(op, **params)

            feed.request = spy  # type: ignore[method-assign]
            await pilot.press("e")
            await until(pilot, "the dialog", lambda: isinstance(app.screen, ExportScreen))
            await pilot.click("#fmt-html")
            path = app.screen.query_one("#export-path")
            path.value = str(target)  # type: ignore[attr-defined]
            path.focus()
            await pilot.press("enter")
            status = app.screen.query_one("#export-status")
            await until(pilot, f"the file ({status.render()})", lambda: target.exists())
            assert asked == ["show"]  # the text came through the protocol

    asyncio.run(run())
    here = local_export(a.sessions, "aaaa-shown", "-o", str(tmp_path / "local.html"))
    assert here.returncode == 0, here.stderr
    assert target.read_bytes() == (tmp_path / "local.html").read_bytes()
