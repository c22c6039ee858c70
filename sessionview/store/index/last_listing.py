"""`ls --json`'s last output, printed again when nothing it rests on changed.

A warm listing that finds every file unchanged prints what it printed last time, but
still loads the whole record cache and builds an entry per file to find that out.
After a listing whose every row stat and lock can prove (`proof.listing_facts`), its
output is kept with those facts in one file per set of roots and states
(`listings/` next to the record cache). The next listing of the same roots checks the
facts (`proof.changed_files`) and, when none moved, prints the kept bytes: no record
cache, no entries. Anything that moved means the usual listing, which keeps a new one.

A fast path of `fast_paths.py` (`last_listing`): `benchmarks/bench_ls.py` measures
the warm listing with it switched off. A host's `serve` answers `ls --host` from the
same kept listing, row by row.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import threading
import zlib

from sessionview.store.index.disk_cache import unmarshal
from sessionview.store.index.proof import TAG, changed_files, listing_facts

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from sessionview.store.index.session_index import SessionIndex

#: Listings kept per cache directory (one per set of roots and states listed).
KEEP = 8


def listing_key(index: SessionIndex, states: Iterable[str] | None) -> str:
    """What a kept listing is for: the roots (with their formats) and the states shown."""
    from sessionview.store.index.adapters import walk_key

    roots = [walk_key(root) for root in index.roots]
    return repr((roots, sorted(map(str, states)) if states is not None else None))


def _file_of(index: SessionIndex, key: str) -> str | None:
    if index.cache_path is None or not index.reuse_listings:
        return None  # no cache, or every directory must be listed every time
    # A short name for the key; the file holds the whole key, checked when read.
    name = f"{zlib.crc32(key.encode()):08x}.bin"
    return os.path.join(os.path.dirname(index.cache_path), "listings", name)


class Last:
    """A kept listing proven current: `output` as `ls --json` printed it, the `problems`
    lines, and each row's end in `output` (`rows()`, for a host's `serve`)."""

    __slots__ = ("_ends", "output", "problems")

    def __init__(self, output: bytes, ends: bytes, problems: list[str]) -> None:
        self.output = output
        self._ends = ends
        self.problems = problems

    def rows(self, tail: bytes = b"}") -> list[bytes]:
        """The rows, each one JSON object, as `SessionIndex.scan_json_rows` gives them;
        `tail` ends each row instead of its `}` (fields added in the same copy)."""
        from array import array

        ends = array("q")
        ends.frombytes(self._ends)
        output, start, rows = self.output, 1, []
        for end in ends:
            rows.append(output[start : end - 1] + tail)
            start = end + 1
        return rows


def proven(index: SessionIndex, states: Iterable[str] | None) -> Last | None:
    """The last listing of these roots and states when every fact it rested on still
    holds; else None."""
    key = listing_key(index, states)
    path = _file_of(index, key)
    if path is None:
        return None
    try:
        with open(path, "rb") as fh:
            tag, kept_key, walks, files, problems, output, ends = unmarshal(fh.read())
    except (OSError, ValueError, TypeError, EOFError):
        return None
    if tag != TAG or kept_key != key or type(output) is not bytes or type(ends) is not bytes:
        return None
    if changed_files(walks, files, 0) != []:
        return None
    return Last(output, ends, list(problems))


def keep(
    index: SessionIndex, states: Iterable[str] | None, rows: list[bytes], output: bytes | None
) -> threading.Thread | None:
    """Keep the listing `index` just made (its `rows`, which the caller leaves as they
    are, and `output` when it joined them already) for `proven`; in the (non-daemon)
    thread returned, so the caller prints meanwhile. A listing stat and lock cannot prove removes the one kept
    before."""
    key = listing_key(index, states)
    path = _file_of(index, key)
    if path is None:
        return None
    # What the listing rested on, taken now: another thread's refresh may change the
    # index before the thread below runs.
    scan = (index.last_scan(), list(index.problems))
    thread = threading.Thread(
        target=_keep,
        args=(scan, key, path, rows, output),
        name="sessionview-keep-listing",
    )
    thread.start()
    return thread


def _keep(
    scan: tuple[Any, list[str]],
    key: str,
    path: str,
    rows: list[bytes],
    output: bytes | None,
) -> None:
    facts = listing_facts(*scan, listed=0)  # (whether rows fold does not matter here)
    if facts is None:
        with contextlib.suppress(OSError):
            os.unlink(path)
        return
    from array import array
    from itertools import accumulate

    walks, files, problems, _simple = facts
    if output is None:
        output = b"[" + b",".join(rows) + b"]"
    # Row i ends where `[`, the rows before it with their commas, and its own bytes end.
    ends = array("q", accumulate(len(row) + 1 for row in rows)).tobytes()
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(marshal.dumps((TAG, key, walks, files, problems, output, ends)))
        os.replace(tmp, path)
        _forget_oldest(os.path.dirname(path))
    except (OSError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(tmp)


def _forget_oldest(directory: str) -> None:
    """At most `KEEP` listings: the least recently written go."""
    with os.scandir(directory) as it:
        kept = [(e.stat().st_mtime_ns, e.path) for e in it if e.name.endswith(".bin")]
    for _, path in sorted(kept)[:-KEEP]:
        with contextlib.suppress(OSError):
            os.unlink(path)
