"""Read what was appended to a session file since last time, and nothing else.

A `TailReader` keeps a byte offset. Each `read()` returns the complete records
written since then, holding back an incomplete last line (also one cut inside a
UTF-8 character) until its newline arrives. It follows OpenRath's
`__partial__` -> `.jsonl` rename (same inode, so no re-read), notices truncation or
replacement (size below the offset, or a new inode) and starts over, and reports
deletion.
"""

from __future__ import annotations

import os
import stat as stat_mod
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sessionview.store.errors import PersistenceError
from sessionview.store.jsonl import final_record, parse_record

MAX_READ = 64 << 20  # one read() call never pulls more than this into memory


@dataclass(frozen=True, slots=True)
class TailBatch:
    """What one `TailReader.read()` found."""

    records: list[dict[str, Any]] = field(default_factory=list)
    #: One-line errors for complete lines that are not valid records (never fatal).
    errors: list[str] = field(default_factory=list)
    #: The file was truncated or replaced: `records` start again from its beginning.
    reset: bool = False
    #: The file (and its renamed twin) is gone.
    deleted: bool = False
    #: The path the reader follows now (changes after a rename).
    path: str = ""


def _renamed_twin(path: Path) -> list[Path]:
    name = path.name
    if name.endswith(".__partial__"):
        return [path.with_name(name[: -len(".__partial__")])]
    return [path.with_name(name + ".__partial__")]


def _find_newline(fd: int, pos: int, size: int) -> int | None:
    """Offset of the first `\\n` at or after `pos`, reading 1 MiB at a time."""
    while pos < size:
        block = os.pread(fd, min(1 << 20, size - pos), pos)
        if not block:
            return None
        nl = block.find(b"\n")
        if nl >= 0:
            return pos + nl
        pos += len(block)
    return None


class TailReader:
    """Incremental reader of one append-only JSONL file.

    Opens the file read-only for each read and never locks it, so it cannot get in
    a writer's way.
    """

    def __init__(self, path: str | Path, *, offset: int = 0, lineno: int = 0) -> None:
        self.path = Path(path)
        self.offset = offset
        self.lineno = lineno
        self._inode: tuple[int, int] | None = None

    def _locate(self) -> tuple[int, os.stat_result] | None:
        """Open the followed file, or its renamed twin if it has the same inode."""
        for candidate in [self.path, *_renamed_twin(self.path)]:
            try:
                fd = os.open(candidate, os.O_RDONLY | os.O_NONBLOCK)
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise PersistenceError(f"cannot read {candidate}: {exc.strerror or exc}") from None
            st = os.fstat(fd)
            if not stat_mod.S_ISREG(st.st_mode):  # replaced by a directory, a FIFO...
                os.close(fd)
                raise PersistenceError(f"cannot read {candidate}: not a regular file")
            ident = (st.st_dev, st.st_ino)
            if candidate != self.path and self._inode is not None and ident != self._inode:
                # The twin is another file (a new session with the same id): not ours.
                os.close(fd)
                continue
            self.path = candidate
            return fd, st
        return None

    def read(self) -> TailBatch:
        """Records appended since the last call."""
        located = self._locate()
        if located is None:
            return TailBatch(deleted=True, path=str(self.path))
        fd, st = located
        try:
            ident = (st.st_dev, st.st_ino)
            replaced = self._inode is not None and ident != self._inode
            reset = replaced or st.st_size < self.offset
            if reset:
                self.offset = 0
                self.lineno = 0
            self._inode = ident
            if st.st_size == self.offset:
                return TailBatch(reset=reset, path=str(self.path))
            data = os.pread(fd, min(st.st_size - self.offset, MAX_READ), self.offset)
            if len(data) == MAX_READ and b"\n" not in data:
                # One line longer than MAX_READ: read it whole once it is complete (as
                # `show` does) instead of stalling on it forever.
                end = _find_newline(fd, self.offset + len(data), st.st_size)
                if end is not None:
                    data = os.pread(fd, end + 1 - self.offset, self.offset)
        finally:
            os.close(fd)
        last_nl = data.rfind(b"\n")
        if last_nl < 0:
            return TailBatch(reset=reset, path=str(self.path))
        records: list[dict[str, Any]] = []
        errors: list[str] = []
        for line in data[:last_nl].split(b"\n"):
            self.lineno += 1
            if not line.strip():
                continue
            try:
                records.append(parse_record(line, f"{self.path}:{self.lineno}"))
            except PersistenceError as exc:
                errors.append(str(exc))
        self.offset += last_nl + 1
        return TailBatch(records=records, errors=errors, reset=reset, path=str(self.path))

    def read_final(self) -> TailBatch:
        """`read()`, then a last line still without its newline when it is a whole record.

        For a file whose writer is gone (it will not grow): a complete last line left
        without a newline is part of the session. A torn one still is not.
        """
        batch = self.read()
        if batch.deleted:
            return batch
        try:
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except OSError:
            return batch
        try:
            size = os.fstat(fd).st_size
            record = final_record(fd, self.offset) if size > self.offset else None
        finally:
            os.close(fd)
        if record is None:
            return batch
        self.offset = size
        self.lineno += 1
        return replace(batch, records=[*batch.records, record])
