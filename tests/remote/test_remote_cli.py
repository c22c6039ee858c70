"""The fleet commands against a real sshd: listing, transcripts, actions, faults."""

from __future__ import annotations

import json
import os
import shlex
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sessionview.store.writer import SessionWriter
from tests.helpers.cli import sv
from tests.remote.conftest import Fleet, assert_every_chunk_once, following
from tests.remote.sshd import wait_for

pytestmark = pytest.mark.slow


def closed_session(directory: Path, sid: str, *, days_old: int = 0, chunks: int = 2) -> None:
    created = datetime.now(UTC) - timedelta(days=days_old)
    with SessionWriter(sid, directory=directory, created_at=created) as w:
        for n in range(chunks):
            w.append("user" if n % 2 == 0 else "assistant", {"content": f"{sid} chunk {n}"})


def test_ls_merges_two_hosts_with_live_writers(fleet: Fleet, start_writer) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    closed_session(a.sessions, "aaaa-closed")
    closed_session(b.sessions, "bbbb-closed")
    closed_session(b.sessions, "same-id")
    closed_session(a.sessions, "same-id")
    start_writer(a.sessions, "aaaa-running", every=0.05)
    start_writer(b.sessions, "bbbb-running", every=0.05)

    done = fleet.run("ls", "--json", "--host", "hostA", "--host", "hostB")

    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    got = {(r["host"], r["id"], r["state"]) for r in rows}
    assert got == {
        ("hostA", "aaaa-closed", "closed"),
        ("hostA", "aaaa-running", "running"),
        ("hostA", "hostA:same-id", "closed"),
        ("hostB", "bbbb-closed", "closed"),
        ("hostB", "bbbb-running", "running"),
        ("hostB", "hostB:same-id", "closed"),
    }
    # Every row is what `ls --json` prints on that host, plus `host`.
    local = sv("ls", "--json", "--dir", str(a.sessions), check=True)
    local_keys = set(json.loads(local.stdout)[0])
    assert all(set(r) == local_keys | {"host"} for r in rows)
    # Every id printed names exactly that row.
    for row in rows:
        shown = fleet.run("show", "--json", "--host", "hostA", "--host", "hostB", row["id"])
        assert shown.returncode == 0, shown.stderr
        assert json.loads(shown.stdout)["host"] == row["host"]
        assert json.loads(shown.stdout)["id"] == row["id"].split(":")[-1]


def test_ls_json_of_one_host_is_that_hosts_ls_json_plus_host(fleet: Fleet) -> None:
    """One host's rows go out as that host sent them (tagged with `host` there, not
    encoded again here): the same array a local `ls --json` prints, plus `host`."""
    a = fleet.hosts["hostA"]
    for sid in ("one", "two", "three"):
        closed_session(a.sessions, sid)
    done = fleet.run("ls", "--json", "--host", "hostA", "--dir", str(a.sessions))
    assert done.returncode == 0, done.stderr
    local = sv("ls", "--json", "--dir", str(a.sessions), check=True)
    assert json.loads(done.stdout) == [{**r, "host": "hostA"} for r in json.loads(local.stdout)]
    assert done.stdout.count("\n") == 1  # one compact array, as `ls --json`


def test_a_host_that_is_down_is_one_line_and_the_rest_is_listed(fleet: Fleet) -> None:
    closed_session(fleet.hosts["hostA"].sessions, "aaaa")

    done = fleet.run("ls", "--json", "--host", "hostA", "--host", "down")

    assert done.returncode == 1
    assert [r["id"] for r in json.loads(done.stdout)] == ["aaaa"]
    assert done.stderr.splitlines() == [
        f"sessionview: down: unreachable: connect to host 127.0.0.1 port {fleet.down_port}: "
        "Connection refused"
    ]


@pytest.mark.parametrize("command", ["/bin/false", "/nonexistent/bin/sessionview"])
def test_a_host_without_sessionview(fleet: Fleet, command: str) -> None:
    fleet.commands["nosv"] = command
    fleet.write_config()
    closed_session(fleet.hosts["hostA"].sessions, "aaaa")

    done = fleet.run("ls", "--json", "--host", "nosv", "--host", "hostA")

    assert done.returncode == 1
    assert [r["id"] for r in json.loads(done.stdout)] == ["aaaa"]
    (line,) = done.stderr.splitlines()
    assert line.startswith("sessionview: nosv: sessionview not found; install it there with ")


@pytest.mark.parametrize(
    "name", ["-oProxyCommand=touch {marker}", "x;rm -rf ~", "a b", "x`id`", "x\x1b[2Jy", "$(id)"]
)
def test_hostile_host_names_are_refused_before_ssh_runs(
    fleet: Fleet, tmp_path: Path, name: str
) -> None:
    marker = tmp_path / "ssh-ran"
    fake_ssh = tmp_path / "fake-ssh"
    fake_ssh.write_text(f"#!/bin/sh\ntouch {marker}\nexit 255\n")
    fake_ssh.chmod(0o755)
    fleet.write_config(extra=f'ssh = "{fake_ssh}"'.replace("ssh =", "#"))
    config = Path(os.environ["XDG_CONFIG_HOME"]) / "sessionview" / "config.toml"
    config.write_text(f'ssh = "{fake_ssh}"\n')
    name = name.format(marker=tmp_path / "pwned")

    for argv in (
        ["ls", f"--host={name}"],
        ["show", f"--host={name}", "abc"],
        ["rm", f"--host={name}", "abc"],
    ):
        done = fleet.run(*argv)
        assert done.returncode == 2, (argv, done.stderr)
        (line,) = done.stderr.splitlines()
        assert line.startswith("sessionview: --host ")
        assert "\x1b" not in line
        assert "not a host name ssh can be given safely" in line
    # The same name from config.toml.
    config.write_text(f'ssh = "{fake_ssh}"\nhosts = [{json.dumps(name)}]\n')
    done = fleet.run("ls", "--json")
    assert done.returncode == 2, done.stderr
    assert not marker.exists()
    assert not (tmp_path / "pwned").exists()


def test_protocol_version_mismatch_is_one_clear_line(fleet: Fleet, tmp_path: Path) -> None:
    fake = tmp_path / "future-sessionview"
    fake.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"hello","protocol":99,"version":"9.9.9","pid":1}\'\n'
        "cat >/dev/null\n"
    )
    fake.chmod(0o755)
    old = tmp_path / "old-sessionview"
    old.write_text(
        "#!/bin/sh\n"
        "echo \"sessionview: error: argument COMMAND: invalid choice: 'serve' "
        "(choose from 'ls', 'show')\" >&2\nexit 2\n"
    )
    old.chmod(0o755)
    fleet.commands["future"] = str(fake)
    fleet.commands["old"] = str(old)
    fleet.write_config()

    done = fleet.run("ls", "--json", "--host", "future", "--host", "old")

    assert done.returncode == 1
    assert json.loads(done.stdout) == []
    lines = done.stderr.splitlines()
    assert lines[0].startswith(
        "sessionview: future: sessionview there (9.9.9) speaks protocol 99, this one speaks 1; "
        "install the same version there with "
    )
    assert lines[1].startswith("sessionview: old: sessionview there is too old (it has no `serve`")
    assert len(lines) == 2


def test_a_hostile_stream_is_an_error_for_that_host_only(fleet: Fleet, tmp_path: Path) -> None:
    fake = tmp_path / "hostile"
    row = {"id": "x\x1b]52;c;AAAA\x07", "format": "openrath", "state": "bogus", "path": "/p"}
    fake.write_text(
        "#!/bin/sh\n"
        'echo \'{"type":"hello","protocol":1,"version":"0.1.0","pid":1}\'\n'
        "read line\n"
        f"echo '{json.dumps({'type': 'result', 'id': 1, 'rows': [row]})}'\n"
        "cat >/dev/null\n"
    )
    fake.chmod(0o755)
    fleet.commands["evil"] = str(fake)
    fleet.write_config()
    closed_session(fleet.hosts["hostA"].sessions, "aaaa")

    done = fleet.run("ls", "--host", "evil", "--host", "hostA")

    assert done.returncode == 1
    assert "aaaa" in done.stdout
    (line,) = done.stderr.splitlines()
    assert line.startswith("sessionview: evil: protocol error: a row with an unknown state")
    assert "\x1b" not in done.stdout + done.stderr and "\x07" not in done.stdout + done.stderr


def test_rm_restore_prune_act_on_the_owning_host(fleet: Fleet, start_writer) -> None:
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    closed_session(a.sessions, "aaaa-victim")
    closed_session(b.sessions, "bbbb-keep")
    closed_session(b.sessions, "bbbb-old", days_old=40)
    start_writer(a.sessions, "aaaa-running")
    hosts = ["--host", "hostA", "--host", "hostB"]

    done = fleet.run("rm", *hosts, "aaaa-v")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "moved aaaa-victim to the trash on hostA; undo with: "
        "sessionview --host hostA restore aaaa-victim"
    )
    assert not (a.sessions / "aaaa-victim.jsonl").exists()
    assert len(list(a.trash.iterdir())) == 1
    assert not b.trash.exists()

    refused = fleet.run("rm", *hosts, "aaaa-running")
    assert refused.returncode == 1
    assert refused.stderr.startswith("sessionview: hostA: session aaaa-running is running")
    assert (a.sessions / "aaaa-running.jsonl.__partial__").exists()

    listed = fleet.run("restore", "--list", "--json", *hosts)
    assert [(e["host"], e["id"]) for e in json.loads(listed.stdout)] == [("hostA", "aaaa-victim")]
    back = fleet.run("restore", *hosts, "aaaa-victim")
    assert back.returncode == 0, back.stderr
    assert back.stdout.strip() == f"restored hostA:{a.sessions / 'aaaa-victim.jsonl'}"
    assert (a.sessions / "aaaa-victim.jsonl").exists()

    dry = fleet.run("prune", *hosts, "--older-than", "30d", "--dry-run", "--json")
    assert dry.returncode == 0, dry.stderr
    assert [(r["host"], r["id"]) for r in json.loads(dry.stdout)["removed"]] == [
        ("hostB", "bbbb-old")
    ]
    assert (b.sessions / "bbbb-old.jsonl").exists()
    pruned = fleet.run("prune", *hosts, "--older-than", "30d")
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.splitlines()[0].startswith("removed hostB:bbbb-old  openrath  closed")
    assert not (b.sessions / "bbbb-old.jsonl").exists()
    assert (b.sessions / "bbbb-keep.jsonl").exists()


def test_rm_of_several_ids_asks_every_hosts_listing_once(fleet: Fleet) -> None:
    """Unqualified ids among several hosts are located in one listing: a host that is
    down is one line, not one per id."""
    a, b = fleet.hosts["hostA"], fleet.hosts["hostB"]
    closed_session(a.sessions, "aaaa-one")
    closed_session(b.sessions, "bbbb-two")

    done = fleet.run(
        "rm", "--host", "hostA", "--host", "hostB", "--host", "down", "aaaa-one", "bbbb-two"
    )

    assert done.stderr.splitlines() == [
        f"sessionview: down: unreachable: connect to host 127.0.0.1 port {fleet.down_port}: "
        "Connection refused"
    ]
    assert [line.split(";")[0] for line in done.stdout.splitlines()] == [
        "moved aaaa-one to the trash on hostA",
        "moved bbbb-two to the trash on hostB",
    ]
    assert not (a.sessions / "aaaa-one.jsonl").exists()
    assert not (b.sessions / "bbbb-two.jsonl").exists()


def test_follow_survives_a_killed_remote_serve(fleet: Fleet, start_writer, tmp_path: Path) -> None:
    a = fleet.hosts["hostA"]
    pids = tmp_path / "serve-pids"
    fleet.commands["hostA"] = a.command_recording_pids(pids)
    fleet.write_config()
    writer = start_writer(a.sessions, "ffff-followed", every=0.02)
    with following("--host", "hostA", "ffff") as follow:
        out, err = follow.out, follow.err
        wait_for("10 chunks followed", lambda: len(out.lines) >= 10)
        (first_pid,) = pids.read_text().split()
        os.kill(int(first_pid), 9)
        wait_for("a reconnect", lambda: len(pids.read_text().split()) == 2)
        seen = len(out.lines)
        wait_for("chunks after the reconnect", lambda: len(out.lines) >= seen + 10)
        writer.stop()
        assert follow.proc.wait(timeout=60) == 0
    assert_every_chunk_once(fleet, "hostA", out.lines)
    assert any("connection lost" in line and "reconnecting" in line for line in err.lines)
    assert err.lines[-1].startswith("sessionview: hostA: session closed")


def test_show_and_resume_on_the_owning_host(fleet: Fleet) -> None:
    a = fleet.hosts["hostA"]
    with SessionWriter("rrrr-resumable", directory=a.sessions) as w:
        w.append("user", {"content": "hello \x1b]0;pwned\x07 there"})

    shown = fleet.run("show", "--host", "hostA", "--host", "hostB", "rrrr")
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].startswith("✓ closed (")
    assert lines[1] == f"  hostA:{a.sessions / 'rrrr-resumable.jsonl'}"
    assert "hello \\e]0;pwned\\x07 there" in shown.stdout
    assert "\x1b" not in shown.stdout and "\x07" not in shown.stdout

    resumed = fleet.run("resume", "--print", "--host", "hostA", "--host", "hostB", "rrrr")
    assert resumed.returncode == 0, resumed.stderr
    assert "rrrr-resumable" in resumed.stdout and "load_session" in resumed.stdout

    missing = fleet.run("show", "--host", "hostA", "--host", "hostB", "zzzz")
    assert missing.returncode == 1
    assert missing.stderr.strip() == "sessionview: no session matches 'zzzz'"
    one_host = fleet.run("show", "--host", "hostA", "zzzz")
    assert one_host.returncode == 1
    assert one_host.stderr.strip() == "sessionview: hostA: no session matches 'zzzz'"


FAKE_SERVE = """
import json, os, sys
done = sys.argv[1]
print(json.dumps({"type": "hello", "protocol": 1, "version": "0.1.0", "pid": os.getpid()}), flush=True)
for line in sys.stdin:
    request = json.loads(line)
    if request["op"] == "rm":
        open(done, "w").write("moved")
        os._exit(1)  # the connection drops after the rm, before its answer
    entries = [{"id": "victim", "format": "openrath", "folder": "/t", "deleted_at": "x",
                "files": ["/s/victim.jsonl"], "bytes": 1}] if os.path.exists(done) else []
    rows = [] if os.path.exists(done) else [{"id": "victim", "format": "openrath",
            "state": "closed", "path": "/s/victim.jsonl", "chunks": 1, "bytes": 1}]
    print(json.dumps({"type": "result", "id": request["id"], "entries": entries, "rows": rows}),
          flush=True)
"""


def test_an_rm_cut_by_a_dropped_connection_reports_what_happened(
    fleet: Fleet, tmp_path: Path
) -> None:
    script = tmp_path / "fake_serve.py"
    script.write_text(FAKE_SERVE)
    fleet.commands["flaky"] = shlex.join([sys.executable, str(script), str(tmp_path / "done")])
    fleet.write_config()

    done = fleet.run("rm", "--host", "flaky", "victim")

    assert done.returncode == 1
    (line,) = done.stderr.splitlines()
    assert line.startswith("sessionview: flaky: unreachable: connection lost: ")
    assert line.endswith(
        ": the rm of victim was interrupted; it completed (the session is in the trash there)"
    )


def test_a_remote_that_only_prints_noise_is_one_line(fleet: Fleet, tmp_path: Path) -> None:
    noisy = tmp_path / "noisy"
    noisy.write_text("#!/bin/sh\nwhile true; do echo 'Welcome \x1b[31mto\x1b[0m the box'; done\n")
    noisy.chmod(0o755)
    fleet.commands["noisy"] = str(noisy)
    fleet.write_config()

    done = fleet.run("ls", "--json", "--host", "noisy")

    assert done.returncode == 1
    assert json.loads(done.stdout) == []
    (line,) = done.stderr.splitlines()
    assert line == (
        "sessionview: noisy: the remote command did not answer as `sessionview serve` does "
        "(it printed 'Welcome \\x1b[31mto\\x1b[0m the box'); install sessionview there with "
        "uv tool install sessionview (or set [host.noisy] command in config.toml)"
    )
