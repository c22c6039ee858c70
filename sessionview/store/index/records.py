"""One cached file's facts as a record with named fields.

The on-disk cache (`disk_cache`) is written with `marshal`, which takes builtin
types only, so a record is a named tuple: `from_tuple` checks and names what was
loaded, `to_tuple` gives marshal the plain tuple back. Reading a field by name costs
no more than by position, and a warm listing reads a few per file.
"""

from __future__ import annotations

from collections import namedtuple

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    import os
    from typing import Any, NamedTuple

#: How a cached row's liveness is decided on the next scan.
STATIC = 0  #: never: the row is final (a closed or corrupt file)
BY_LOCK = 1  #: by the writer's lock alone: `lock_rows` keeps the row each verdict gave
BY_ADAPTER = 2  #: by the adapter, on every scan

#: A file's `(device, inode, size, mtime_ns)`: what says it is unchanged since read.
StatKey = tuple[int, int, int, int]


def stat_key(st: os.stat_result) -> StatKey:
    """The `StatKey` of a file's `stat`."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


FIELDS = (
    "dev", "ino", "size", "mtime_ns", "format", "state", "updated", "id", "row",
    "mode", "lock_rows", "ctime_ns", "claimants",
)  # fmt: skip

if TYPE_CHECKING:

    class _Fields(NamedTuple):
        dev: int
        ino: int
        size: int
        mtime_ns: int
        format: str
        state: str
        updated: str
        id: str
        row: bytes
        mode: int
        #: `BY_LOCK` only: each `/proc/locks` verdict seen -> `(state, row)`.
        lock_rows: dict[Any, Any] | None
        ctime_ns: int
        #: The formats the file's format was detected among (its walk's verdict).
        claimants: tuple[str, ...]
else:
    _Fields = namedtuple("_Fields", FIELDS)


class FileRecord(_Fields):
    """A file's cached facts: its stat key, the sort and group keys, and its row as
    the exact JSON bytes `ls --json` prints."""

    __slots__ = ()

    @classmethod
    def from_tuple(cls, value: object) -> FileRecord | None:
        """The record a loaded tuple holds, or None when it is not one (a damaged or
        older cache): with the field types the listing relies on (a row it prints,
        the keys it sorts and groups by)."""
        return records_of({"": value}).get("")

    def to_tuple(self) -> tuple[Any, ...]:
        """The builtin tuple `marshal` writes."""
        return tuple(self)

    @property
    def key(self) -> StatKey:
        return (self.dev, self.ino, self.size, self.mtime_ns)

    def describes(self, st: os.stat_result, claimants: tuple[str, ...]) -> bool:
        """Whether the record still describes the file `st` describes, detected among
        the same `claimants`. Kept cheap: it runs per file on every warm listing."""
        return (
            self.mtime_ns == st.st_mtime_ns
            and self.claimants == claimants
            and self.ctime_ns == st.st_ctime_ns
            and self.size == st.st_size
            and self.ino == st.st_ino
            and self.dev == st.st_dev
        )

    def locked_row(self, verdict: object) -> tuple[str, bytes] | None:
        """`(state, row)` kept for this lock verdict, if this file saw it before."""
        if self.mode != BY_LOCK or type(self.lock_rows) is not dict:
            return None
        known = self.lock_rows.get(verdict)
        if type(known) is tuple and len(known) == 2:
            state, row = known
            if type(state) is str and type(row) is bytes:
                return state, row
        return None


def records_of(files: dict[Any, Any]) -> dict[str, FileRecord]:
    """The loaded `files` table as records; entries that are not records are dropped.

    The checks are written out in the comprehension, not called per file: this runs
    for every cached file on every warm start, where a call per file would cost more
    than the rest of it (`FileRecord.from_tuple` is this, for one value).
    """
    import gc

    new, cls, size = tuple.__new__, FileRecord, len(FIELDS)
    was_enabled = gc.isenabled()
    gc.disable()  # 10,000 new objects at once: collections that would find nothing
    try:
        return {
            path: new(cls, value)
            for path, value in files.items()
            if type(value) is tuple
            and len(value) == size
            and type(value[8]) is bytes
            and type(value[6]) is str
            and type(value[5]) is str
            and type(value[4]) is str
            and type(value[7]) is str
            and type(value[9]) is int
            and type(path) is str
        }
    finally:
        if was_enabled:
            gc.enable()


def tuples_of(records: dict[str, FileRecord]) -> dict[str, tuple[Any, ...]]:
    """The `files` table as `marshal` writes it."""
    return {path: tuple(record) for path, record in records.items()}
