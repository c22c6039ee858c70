"""Delete and prune touch only the session's own files inside a watched directory,
never follow a symlink, never take an id for a path, keep everything restorable with
its original path, and leave the session intact (with one line of error) when the
trash cannot take it: a path under a regular file, a full disk (a real 64 KiB tmpfs)
and a read-only directory (a real read-only mount)."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import pytest
from hostile_helpers import assert_clean_stderr, one_line_error, sv, sv_inproc

from sessionview.store.actions import delete_session, find_trash, list_trash, restore
from sessionview.store.errors import PersistenceError
from sessionview.store.index import SessionIndex
from sessionview.store.writer import SessionWriter


def closed(directory: Path, sid: str, *, size: int = 0, **kw) -> Path:
    writer = SessionWriter(sid, directory=directory, **kw)
    writer.append("user", {"content": "hello " + "z" * size})
    writer.close()
    return writer.path


def snapshot(directory: Path) -> dict[bytes, bytes]:
    out: dict[bytes, bytes] = {}
    for name in os.listdir(os.fsencode(directory)):
        path = os.path.join(os.fsencode(directory), name)
        out[name] = (
            os.readlink(path) if os.path.islink(path) else Path(os.fsdecode(path)).read_bytes()
        )
    return out


def only(index: SessionIndex, sid: str):
    index.scan()
    return index.resolve(sid)


def test_delete_touches_only_the_sessions_files_inside_the_roots(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    victim = closed(tmp_path, "victim")  # outside the root, next to it
    # A hostile header: the id is a path that points at the victim.
    evil = sessions / "evil.jsonl"
    sessions.mkdir()
    data = victim.read_bytes().replace(b'"id": "victim"', b'"id": "../victim"')
    evil.write_bytes(data)
    neighbour = closed(sessions, "neighbour")
    index = SessionIndex([sessions], use_cache=False)
    rows = {r.path: r for r in index.scan()}
    info = rows[str(evil)]
    assert info.id == "../victim"
    entry = delete_session(info, trash_dir=tmp_path / "trash", roots=[sessions])
    assert [orig for orig, _ in entry.files] == [str(evil)]
    assert victim.exists() and neighbour.exists() and not evil.exists()
    # The id is never accepted as a path argument either.
    assert "never a path" in one_line_error(sv_inproc("rm", "--dir", str(sessions), "../victim"))


def test_delete_refuses_files_outside_the_watched_directories(tmp_path: Path) -> None:
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    path = closed(outside, "elsewhere")
    info = SessionIndex([outside], use_cache=False).scan()[0]
    before = path.read_bytes()
    with pytest.raises(PersistenceError, match="outside the watched directories"):
        delete_session(info, trash_dir=tmp_path / "trash", roots=[inside])
    assert path.read_bytes() == before


def test_symlinked_partial_is_moved_as_a_link(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    sessions.mkdir()
    target = closed(tmp_path / "elsewhere", "linked")
    link = sessions / "linked.jsonl.__partial__"
    os.symlink(target, link)
    info = only(SessionIndex([sessions], use_cache=False), "linked")
    entry = delete_session(info, trash_dir=tmp_path / "trash", roots=[sessions])
    assert not os.path.lexists(link) and target.exists()
    stored = Path(entry.files[0][1])
    assert stored.is_symlink() and os.readlink(stored) == str(target)
    restore(entry)
    assert os.readlink(link) == str(target)


def test_trash_keeps_everything_restorable_byte_for_byte(tmp_path: Path) -> None:
    """Final + partial twin, a non-UTF-8 file name and mode 0600 all come back exactly."""
    sessions = tmp_path / "sessions"
    final = closed(sessions, "pair")
    partial = final.with_name("pair.jsonl.__partial__")
    partial.write_bytes(final.read_bytes()[:50])
    os.chmod(partial, 0o600)
    odd = os.path.join(os.fsencode(sessions), b"odd-\xff\xfe.jsonl")
    with open(odd, "wb") as fh:
        fh.write(final.read_bytes().replace(b'"pair"', b'"odd"'))
    before = snapshot(sessions)
    modes = {n: os.lstat(os.path.join(os.fsencode(sessions), n)).st_mode for n in before}
    for sid in ("pair", "odd"):
        run = sv("rm", "--dir", str(sessions), sid)
        assert run.returncode == 0, run.stderr
        assert_clean_stderr(run)
    assert snapshot(sessions) == {}
    listed = sv("restore", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert {e.id for e in list_trash()} == {"pair", "odd"}
    for sid in ("pair", "odd"):
        run = sv("restore", sid)
        assert run.returncode == 0, run.stderr
        assert_clean_stderr(run)
    assert snapshot(sessions) == before
    assert {n: os.lstat(os.path.join(os.fsencode(sessions), n)).st_mode for n in before} == modes
    assert list_trash() == []


def test_restore_refuses_to_overwrite(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    path = closed(sessions, "twice")
    assert sv("rm", "--dir", str(sessions), "twice").returncode == 0
    path.write_bytes(b"a new file with that name")
    assert "exists" in one_line_error(sv("restore", "twice"))
    assert path.read_bytes() == b"a new file with that name"
    assert find_trash("twice")  # still in the trash


def test_trash_under_a_regular_file_leaves_the_session_intact(tmp_path: Path) -> None:
    sessions = tmp_path / "sessions"
    path = closed(sessions, "stays")
    before = snapshot(sessions)
    blocker = tmp_path / "data-is-a-file"
    blocker.write_text("not a directory")
    run = sv(
        "rm", "--dir", str(sessions), "stays", env={**os.environ, "XDG_DATA_HOME": str(blocker)}
    )
    line = one_line_error(run)
    assert "nothing was deleted" in line and "Not a directory" in line
    assert snapshot(sessions) == before and path.exists()


@contextlib.contextmanager
def tmpfs(mountpoint: Path, size: str):
    mountpoint.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(mountpoint)],
        capture_output=True,
    )
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root/CAP_SYS_ADMIN): {result.stderr!r}")
    try:
        yield mountpoint
    finally:
        subprocess.run(["umount", "-l", str(mountpoint)], check=False)


def test_full_disk_trash_leaves_the_session_intact(tmp_path: Path) -> None:
    """A real ENOSPC: the trash is a 64 KiB tmpfs (another filesystem, so the move is a
    copy), the session is 1 MB."""
    sessions = tmp_path / "sessions"
    closed(sessions, "big", size=1 << 20)
    closed(sessions, "small")
    before = snapshot(sessions)
    with tmpfs(tmp_path / "full", "64k") as mnt:
        env = {**os.environ, "XDG_DATA_HOME": str(mnt)}
        line = one_line_error(sv("rm", "--dir", str(sessions), "big", env=env))
        assert "No space left on device" in line and "nothing was deleted" in line
        assert snapshot(sessions) == before
        trash = mnt / "sessionview" / "trash"
        assert not trash.exists() or list(trash.iterdir()) == []  # no half-copied leftovers
        # A session that fits still goes to that trash and comes back.
        assert sv("rm", "--dir", str(sessions), "small", env=env).returncode == 0
        assert sv("restore", "small", env=env).returncode == 0
        assert snapshot(sessions) == before


def test_read_only_directory_leaves_the_session_intact(tmp_path: Path) -> None:
    """A real read-only directory: the sessions live on a tmpfs remounted read-only
    (as root, chmod does not stop anything)."""
    with tmpfs(tmp_path / "ro", "1m") as mnt:
        sessions = mnt / "sessions"
        closed(sessions, "locked-in")
        before = snapshot(sessions)
        ro = subprocess.run(["mount", "-o", "remount,ro", str(mnt)], capture_output=True)
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only: {ro.stderr!r}")
        for extra in ([], ["--purge"]):
            line = one_line_error(sv("rm", "--dir", str(sessions), "locked-in", *extra))
            assert "Read-only file system" in line
            assert snapshot(sessions) == before
        run = sv("prune", "--dir", str(sessions), "--older-than", "0s")
        assert run.returncode == 0
        assert_clean_stderr(run)
        assert "skipped locked-in" in run.text and "Read-only file system" in run.text
        assert snapshot(sessions) == before
