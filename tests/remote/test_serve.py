"""`sessionview serve --stdio` itself, and the client's streams over the real sshd."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from sessionview.remote.client import Connection, RemoteError
from sessionview.remote.hosts import HostSpec
from sessionview.store.writer import SessionWriter
from tests.helpers.procs import cmdline, parents
from tests.remote.conftest import Fleet, LineReader
from tests.remote.sshd import wait_for


def serve(*args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "sessionview", "serve", "--stdio", *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def ask(proc: subprocess.Popen[bytes], message: dict) -> None:
    assert proc.stdin is not None
    proc.stdin.write((json.dumps(message) + "\n").encode())
    proc.stdin.flush()


def read(proc: subprocess.Popen[bytes]) -> dict:
    assert proc.stdout is not None
    return json.loads(proc.stdout.readline())


def test_hello_then_list_rows_are_exactly_ls_json(tmp_path: Path) -> None:
    with SessionWriter("s1", directory=tmp_path / "s") as w:
        w.append("user", {"content": "hello \x1b[2J"})
    proc = serve("--dir", str(tmp_path / "s"))
    try:
        hello = read(proc)
        assert hello["type"] == "hello" and hello["protocol"] == 1
        assert hello["pid"] == proc.pid
        ask(proc, {"id": 1, "op": "list", "states": None})
        answer = read(proc)
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)
    listed = subprocess.run(
        [sys.executable, "-m", "sessionview", "ls", "--json", "--dir", str(tmp_path / "s")],
        capture_output=True,
        check=True,
    )
    assert answer["type"] == "result" and answer["id"] == 1
    assert answer["rows"] == json.loads(listed.stdout)


def test_errors_name_the_problem(tmp_path: Path) -> None:
    proc = serve("--dir", str(tmp_path))
    try:
        read(proc)
        assert proc.stdin is not None
        proc.stdin.write(b"not json\n")
        proc.stdin.flush()
        bad = read(proc)
        assert bad["type"] == "error" and bad["id"] is None
        assert bad["message"].startswith("bad request: not a JSON message")
        ask(proc, {"id": 2, "op": "frobnicate"})
        assert read(proc) == {"type": "error", "id": 2, "message": "unknown op 'frobnicate'"}
        ask(proc, {"id": 3, "op": "show", "session": "../etc/passwd"})
        refused = read(proc)
        assert refused["id"] == 3 and "an id is never a path" in refused["message"]
        ask(proc, {"id": 4, "op": "follow", "session": "x", "from_chunk": -1})
        assert read(proc)["message"] == "from_chunk must be a non-negative integer"
    finally:
        proc.kill()
        proc.wait()


def test_serve_exits_within_2_s_of_stdin_closing_even_while_streaming(tmp_path: Path) -> None:
    sessions = tmp_path / "s"
    writer = SessionWriter("live", directory=sessions)
    writer.append("user", {"content": "go"})
    proc = serve("--dir", str(sessions))
    try:
        read(proc)
        ask(proc, {"id": 1, "op": "watch"})
        ask(proc, {"id": 2, "op": "follow", "session": "live", "from_chunk": 0})
        kinds = {(m["id"], m["type"]) for m in (read(proc), read(proc), read(proc))}
        assert kinds == {(1, "rows"), (2, "session"), (2, "chunks")}
        proc.stdin.close()  # type: ignore[union-attr]
        assert proc.wait(timeout=2) == 0
    finally:
        writer.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def spec(fleet: Fleet, name: str) -> HostSpec:
    return HostSpec(
        name,
        ssh=("ssh", "-F", str(fleet.ssh_config)),
        command=tuple(shlex.split(fleet.hosts[name].command())),
    )


@pytest.mark.slow
def test_watch_streams_live_changes_from_the_remote_host(fleet: Fleet, start_writer) -> None:
    host = fleet.hosts["hostA"]
    with Connection(spec(fleet, "hostA")) as conn:
        stream = conn.stream("watch")
        first = next(stream)
        assert first["type"] == "rows" and first["rows"] == []
        writer = start_writer(host.sessions, "wwww-live", every=0.05)

        def row_with(predicate):
            while True:
                message = next(stream)
                for row in message.get("rows", ()):
                    if row["id"] == "wwww-live" and predicate(row):
                        return row

        running = row_with(lambda r: r["state"] == "running" and r["chunks"] >= 3)
        assert running["path"].endswith("wwww-live.jsonl.__partial__")
        writer.stop()
        closed = row_with(lambda r: r["state"] == "closed")
        assert closed["path"] == str(host.sessions / "wwww-live.jsonl")
        stream.close()  # cancels the watch; the connection stays usable
        assert conn.request("list")["rows"][0]["state"] == "closed"
        with pytest.raises(RemoteError, match="no session matches 'nope'"):
            conn.request("show", session="nope")


@pytest.mark.slow
def test_dirs_with_spaces_and_shell_characters_reach_the_remote_as_one_word(
    fleet: Fleet,
) -> None:
    odd = fleet.base / "odd dir; touch pwned $(id)"
    with SessionWriter("odd1", directory=odd) as w:
        w.append("user", {"content": "x"})

    done = fleet.run("ls", "--json", "--host", "hostA", "--dir", str(odd))

    assert done.returncode == 0, done.stderr
    assert [(r["host"], r["id"]) for r in json.loads(done.stdout)] == [("hostA", "odd1")]
    assert not (fleet.base / "pwned").exists()
    assert not list(Path(fleet.hosts["hostA"].home).glob("pwned*"))


@pytest.mark.slow
def test_no_serve_is_left_running_after_the_command(fleet: Fleet, tmp_path: Path) -> None:
    """With `keep_serve = 0`; with a keeper, see the next test."""
    pids = tmp_path / "pids"
    fleet.commands["hostA"] = fleet.hosts["hostA"].command_recording_pids(pids)
    fleet.write_config("keep_serve = 0")
    follow = subprocess.Popen(
        [sys.executable, "-m", "sessionview", "ls", "--host", "hostA"],
        stdout=subprocess.PIPE,
        text=True,
    )
    LineReader(follow.stdout)
    assert follow.wait(timeout=60) == 0
    (pid,) = pids.read_text().split()
    wait_for(f"the remote serve (pid {pid}) to exit", lambda: _exited(pid), timeout=5)


@pytest.mark.slow
def test_commands_share_one_ssh_connection_unless_the_ssh_config_decides(fleet: Fleet) -> None:
    from sessionview.remote.hosts import ssh_defaults

    s = spec(fleet, "hostA")
    options = ssh_defaults(s)
    assert options[:6] == [
        "-o", "BatchMode=yes", "-o", "ConnectTimeout=5", "-o", "ServerAliveInterval=1"
    ]  # fmt: skip
    path_option = next(o for o in options if o.startswith("ControlPath="))
    assert "ControlMaster=auto" in options and "ControlPersist=60" in options
    assert fleet.run("ls", "--host", "hostA").returncode == 0
    check = subprocess.run(
        [*s.ssh, "-o", path_option, "-O", "check", "hostA"], capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr  # a master is there for the next command

    own = fleet.ssh_config.read_text().replace(
        "Host *\n",
        f"Host *\n  ControlPath {fleet.base}/cm-%C\n  ConnectTimeout 9\n  ServerAliveInterval 30\n",
    )
    fleet.ssh_config.write_text(own)
    assert ssh_defaults(s) == ["-o", "BatchMode=yes"]


def test_a_list_tagged_with_the_host_is_ls_json_plus_host_last(tmp_path: Path) -> None:
    """`host` in the request: every row ends with it, so the client prints the bytes as
    they came; the line splits into the head and exactly the rows' array."""
    from sessionview.remote.protocol import RowsAnswer, decode

    for sid in ("s1", "s2"):
        with SessionWriter(sid, directory=tmp_path / "s") as w:
            w.append("user", {"content": f"{sid} \x1b[2J"})
    proc = serve("--dir", str(tmp_path / "s"))
    try:
        read(proc)
        ask(proc, {"id": 1, "op": "list", "states": None, "host": 'dev"box'})
        assert proc.stdout is not None
        line = proc.stdout.readline()
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)
    answer = decode(line)
    assert isinstance(answer, RowsAnswer) and answer["id"] == 1
    assert json.loads(answer.raw_rows) == answer["rows"]
    listed = subprocess.run(
        [sys.executable, "-m", "sessionview", "ls", "--json", "--dir", str(tmp_path / "s")],
        capture_output=True,
        check=True,
    )
    assert answer["rows"] == [{**r, "host": 'dev"box'} for r in json.loads(listed.stdout)]
    assert all(list(r)[-1] == "host" for r in answer["rows"])


@pytest.mark.parametrize(
    "line",
    [
        # What a hostile remote could send so that the kept bytes were not one array.
        b'{"type":"result","id":1,"problems":[],"rows":[{"a":1}],"rows":[{"b":2}]}\n',
        b'{"type":"result","id":1,"problems":[],"rows":[{"a":1}],"x":[1]}\n',
        b'{"type":"result","id":1,"problems":[{"q":1,"rows":[1]}],"rows":[{"a":1}]}\n',
        b'{"type":"result","id":1,"problems":["\\",\\"rows\\":["],"rows":[{"a":1}]}\n',
        b'{"type":"result","id":1,"rows":[{"a":1}]}\n',
    ],
)
def test_rows_kept_as_bytes_are_exactly_the_messages_rows(line: bytes) -> None:
    from sessionview.remote.protocol import RowsAnswer, decode

    message = decode(line)
    assert message == json.loads(line)
    if isinstance(message, RowsAnswer):
        assert json.loads(message.raw_rows) == message["rows"]


def test_a_broken_list_line_is_a_protocol_error() -> None:
    from sessionview.remote.protocol import ProtocolError, decode

    with pytest.raises(ProtocolError):
        decode(b'{"type":"result","id":1,"problems":[],"rows":[{"a":1}]]}\n')


def test_a_listing_in_parts_joins_to_the_whole(tmp_path: Path) -> None:
    """`batch`: all but the last part come as `rows` messages; joined, they are the
    listing (its bytes too), in order."""
    from sessionview.remote.protocol import RowsAnswer, decode, join_rows

    for sid in ("s1", "s2", "s3"):
        with SessionWriter(sid, directory=tmp_path / "s") as w:
            w.append("user", {"content": sid})
    proc = serve("--dir", str(tmp_path / "s"))
    try:
        read(proc)
        ask(proc, {"id": 1, "op": "list", "states": None, "host": "h", "batch": 2})
        ask(proc, {"id": 2, "op": "list", "states": None, "host": "h"})
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)
    messages = sorted((decode(line) for line in lines), key=lambda m: m["id"])
    first, last, whole = messages
    assert first["type"] == "rows" and last["type"] == "result" and whole["type"] == "result"
    assert [len(first["rows"]), len(last["rows"])] == [2, 1]
    joined = join_rows([first, last])
    assert isinstance(joined, RowsAnswer) and joined["rows"] == whole["rows"]
    assert joined.raw_rows == whole.raw_rows  # type: ignore[attr-defined]


@pytest.mark.slow
def test_ls_reuses_one_kept_serve_and_it_ends_after_keep_serve(
    fleet: Fleet, tmp_path: Path
) -> None:
    """`ls --host` goes through the host's keeper: the next `ls` is answered by the same
    serve (fresh rows: it rescans), a host that fails is the same line as without it,
    and `keep_serve` seconds after the last command the serve is gone."""
    a = fleet.hosts["hostA"]
    pids = tmp_path / "pids"
    fleet.commands["hostA"] = a.command_recording_pids(pids)
    fleet.write_config("keep_serve = 3")
    with SessionWriter("first", directory=a.sessions) as w:
        w.append("user", {"content": "x"})
    one = fleet.run("ls", "--json", "--host", "hostA")
    assert one.returncode == 0, one.stderr
    assert [r["id"] for r in json.loads(one.stdout)] == ["first"]
    with SessionWriter("second", directory=a.sessions) as w:
        w.append("user", {"content": "y"})
    two = fleet.run("ls", "--json", "--host", "hostA")
    assert two.returncode == 0, two.stderr
    assert {r["id"] for r in json.loads(two.stdout)} == {"first", "second"}
    (pid,) = pids.read_text().split()  # one serve answered both

    # Two at once: the keeper answers one after the other.
    both = [
        subprocess.Popen(
            [sys.executable, "-m", "sessionview", "ls", "--json", "--host", "hostA"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]
    for proc in both:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert len(json.loads(out)) == 2
    assert pids.read_text().split() == [pid]

    down = fleet.run("ls", "--json", "--host", "down")
    assert down.returncode == 1
    assert down.stderr.startswith("sessionview: down: unreachable: connect to host 127.0.0.1")
    wait_for(
        f"the kept serve (pid {pid}) to end after keep_serve", lambda: _exited(pid), timeout=3 + 5
    )

    # A keeper killed outright leaves its socket behind: the next command starts another.
    again = fleet.run("ls", "--json", "--host", "hostA")
    assert again.returncode == 0, again.stderr
    keeper = next(
        p
        for p in parents()
        if b"sessionview.remote.keeper" in cmdline(p) and str(a.home).encode() in cmdline(p)
    )
    os.kill(keeper, signal.SIGKILL)
    wait_for("the keeper gone", lambda: not cmdline(keeper))
    after = fleet.run("ls", "--json", "--host", "hostA")
    assert after.returncode == 0, after.stderr
    assert len(json.loads(after.stdout)) == 2


def _exited(pid: int | str) -> bool:
    """The process is gone, or a zombie: it has exited and waits to be reaped."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z"
    except FileNotFoundError:
        return True
