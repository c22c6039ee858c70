"""Write a file under a temporary name beside its target, then rename it into place.

A reader (or the user, after a full disk or a Ctrl-C) sees either the old file, or
no file, or the whole new one: never half an export under the target's name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

BUFFER = 1 << 20


class ExportError(Exception):
    """One line for the user: what could not be written, and why."""


@contextlib.contextmanager
def atomic_file(target: Path, *, force: bool) -> Iterator[BinaryIO]:
    """A binary file to write; on a clean exit it replaces `target`, on any error the
    temporary file is removed and `target` is untouched."""
    if not force and os.path.lexists(target):
        raise ExportError(f"{target}: already exists (--force replaces it)")
    if os.path.isdir(target):
        raise ExportError(f"{target}: is a directory")
    directory = target.parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=directory)
    except FileNotFoundError:
        raise ExportError(f"{directory}: no such directory") from None
    except OSError as exc:
        raise ExportError(f"cannot write in {directory}: {exc.strerror or exc}") from None
    try:
        try:
            with os.fdopen(fd, "wb", buffering=BUFFER) as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
            os.chmod(tmp, _mode_for(target))
            os.replace(tmp, target)
        except OSError as exc:
            raise ExportError(f"cannot write {target}: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _mode_for(target: Path) -> int:
    """A replaced file keeps its mode; a new one gets what `open()` would give it."""
    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process umask, read without changing it (`os.umask` would, for every thread)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    return 0o022
