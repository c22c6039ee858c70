"""Processes as Linux's /proc shows them: who is whose child, a process's name and
command line. Used by the remote tests and benchmarks/bench_remote.py to find the ssh
and sshd processes a test started; every read tolerates a process ending meanwhile."""

from __future__ import annotations

from pathlib import Path

PROC = Path("/proc")


def parents() -> dict[int, int]:
    """Every live process -> its parent's pid."""
    found: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # The name in parentheses may hold spaces; the fields after it do not.
            found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def children(root: int) -> list[int]:
    """The direct children of `root`."""
    return [pid for pid, ppid in parents().items() if ppid == root]


def descendants(root: int) -> list[int]:
    """Every process below `root`: its children, theirs, and so on."""
    table = parents()
    found: list[int] = []
    frontier = [root]
    while frontier:
        parent = frontier.pop()
        below = [pid for pid, ppid in table.items() if ppid == parent]
        found += below
        frontier += below
    return found


def comm(pid: int) -> str:
    """The process's name (`/proc/PID/comm`); "" once it is gone."""
    try:
        return (PROC / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def cmdline(pid: int) -> bytes:
    """The process's NUL-separated arguments; b"" once it is gone (or a zombie)."""
    try:
        return (PROC / str(pid) / "cmdline").read_bytes()
    except OSError:
        return b""
