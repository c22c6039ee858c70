"""Host names, the ssh command line, config.toml's host settings, merging rows."""

from __future__ import annotations

import shlex

import pytest

from sessionview.config import HostSettings, parse_config
from sessionview.remote.fleet import locate, merge_rows, split_qualified
from sessionview.remote.hosts import (
    HostNameError,
    HostSpec,
    host_specs,
    validate_dest,
    wanted_hosts,
)
from sessionview.store.errors import AmbiguousSessionId, SessionNotFound


@pytest.mark.parametrize(
    "name", ["devbox", "user@ci-1", "ssh://user@host.example:2222", "[::1]", "10.0.0.7", "a_b.c"]
)
def test_ordinary_destinations_are_accepted(name: str) -> None:
    assert validate_dest(name) == name


@pytest.mark.parametrize(
    "name",
    [
        "-oProxyCommand=touch /tmp/x",
        "-p22",
        "x;rm -rf ~",
        "a b",
        "a\tb",
        "x`id`",
        "$(id)",
        "a|b",
        "a&b",
        "a>b",
        "it's",
        'say"hi',
        "x\x1b[2J",
        "x\n",
        "",
    ],
)
def test_hostile_destinations_are_refused(name: str) -> None:
    with pytest.raises(HostNameError) as caught:
        validate_dest(name)
    assert "\x1b" not in str(caught.value) and "\n" not in str(caught.value)


def test_the_ssh_command_keeps_every_word_separate_and_quoted_for_the_remote_shell() -> None:
    spec = HostSpec(
        "devbox",
        ssh=("ssh", "-F", "/cfg"),
        options=("-o", "ConnectTimeout=20"),
        command=("uvx", "sessionview"),
    )
    argv = spec.ssh_argv(["serve", "--stdio", "--dir", "/a b; touch x"])
    assert argv == [
        "ssh",
        "-F",
        "/cfg",
        "-o",
        "ConnectTimeout=20",  # the host's own option comes first, so it wins
        "-T",
        "-o",
        "BatchMode=yes",
        "-o",
        "ConnectTimeout=5",
        "--",
        "devbox",
        "uvx",
        "sessionview",
        "serve",
        "--stdio",
        "--dir",
        "'/a b; touch x'",
    ]
    assert shlex.split(" ".join(argv[12:]))[-1] == "/a b; touch x"
    assert spec.ssh_argv(["resume", "x"], tty=True)[5] == "-t"


def test_config_hosts_ssh_and_host_tables() -> None:
    config = parse_config(
        {
            "hosts": ["devbox", "ci-1", 3],
            "ssh": "ssh -F /etc/cfg",
            "host": {
                "devbox": {"command": "uvx sessionview", "options": ["-p", "2222"]},
                "ci-1": {"command": 5, "colour": "red"},
            },
        }
    )
    assert config.hosts == ("devbox", "ci-1")
    assert config.ssh == "ssh -F /etc/cfg"
    assert config.host_settings["devbox"] == HostSettings("uvx sessionview", ("-p", "2222"))
    assert config.problems == (
        "hosts: every entry must be a non-empty string",
        "host.ci-1.command: expected str, got int",
        "host.ci-1.colour: unknown key (known: command, options)",
    )
    specs = host_specs(["local", "devbox", "ci-1", "devbox"], config)
    assert [s.name for s in specs] == ["local", "devbox", "ci-1"]
    assert specs[1].command == ("uvx", "sessionview") and specs[1].options == ("-p", "2222")
    assert specs[2].command == ("sessionview",) and specs[2].ssh == ("ssh", "-F", "/etc/cfg")


def test_cli_hosts_replace_the_configured_ones_which_add_to_this_machine() -> None:
    config = parse_config({"hosts": ["devbox"]})
    assert wanted_hosts(None, config) == ["local", "devbox"]
    assert wanted_hosts(["ci-1"], config) == ["ci-1"]
    assert wanted_hosts(None, parse_config({})) is None
    assert wanted_hosts(None, None) is None


def test_ids_are_qualified_only_where_they_are_not_unique() -> None:
    def row(sid: str, updated: str) -> dict:
        return {
            "id": sid,
            "format": "openrath",
            "state": "closed",
            "path": "/p",
            "updated_at": updated,
        }

    rows = merge_rows(
        [
            (
                "local",
                [row("same", "2026-01-01T00:00:00+00:00"), row("l1", "2026-01-03T00:00:00+00:00")],
            ),
            (
                "devbox",
                [row("same", "2026-01-02T00:00:00+00:00"), row("d1", "2026-01-04T00:00:00+00:00")],
            ),
        ]
    )
    assert [(r["host"], r["id"]) for r in rows] == [
        ("devbox", "d1"),
        ("local", "l1"),
        ("devbox", "devbox:same"),
        ("local", "local:same"),
    ]
    hosts = ["local", "devbox"]
    assert locate(rows, "devbox:same", hosts) == ("devbox", "same")
    assert locate(rows, "local:same", hosts) == ("local", "same")
    assert locate(rows, "d", hosts) == ("devbox", "d1")
    with pytest.raises(AmbiguousSessionId, match="devbox:same, local:same"):
        locate(rows, "same", hosts)
    with pytest.raises(SessionNotFound):
        locate(rows, "zzz", hosts)
    assert split_qualified("ci:abc", hosts) == (None, "ci:abc")


def test_the_remote_package_and_serve_import_without_textual() -> None:
    import subprocess
    import sys

    check = (
        "import importlib, pkgutil, sys, sessionview.remote\n"
        "names = [m.name for m in pkgutil.walk_packages(sessionview.remote.__path__, "
        "'sessionview.remote.')] + ['sessionview.cli.serve', 'sessionview.cli.fleet']\n"
        "[importlib.import_module(n) for n in names]\n"
        "print(len(names), sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=True
    ).stdout.split(" ", 1)
    assert int(out[0]) >= 8
    assert out[1].strip() == "[]"
