"""The index's on-disk cache: every file's facts and every walked directory's listing.

A warm `sessionview ls --json` costs little more than the `stat` of every file, so
the cache is read with `marshal` (builtin types only, no import, ~1 ms for 10,000
rows) rather than parsed as JSON (~30 ms), and each row is kept as the exact JSON
bytes that `ls --json` prints. The file lives in the user's own cache directory,
like the `.pyc` files Python itself loads with `marshal`; a damaged or foreign file
is treated as empty, never as an error.

Layout, version `CACHE_VERSION`:

* `files`: path -> `(dev, ino, size, mtime_ns, format, state, updated, id, row,
  mode, lock_rows, ctime_ns, claimants)`; `mode` says how the row's liveness is decided
  (`STATIC`, `BY_LOCK`: `lock_rows` maps each `/proc/locks` verdict seen to
  `(state, row)`, or `BY_ADAPTER`: the adapter decides on every scan); `claimants` are
  the formats the file's format was detected among (its walk's verdict): a row read
  with other candidates (another root, `--format`) is a different detection, never a hit;
* `walks`: `(root, forced format, adapters)` -> `(walked_ns, dirs, claimed, foreign)`,
  where `dirs` holds `(path, ino, ctime_ns)` of every directory the walk listed.
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import threading
import zlib

#: 5: rows count chunks as the transcript shows them (Claude, Codex), Claude subagents are
#: walked into, and nanobot rows are re-checked every scan (the checkpoint sidecar).
#: 6: each file's entry keeps the formats it was detected among (a verdict is reused
#: only for the same set).
CACHE_VERSION = 6
MAGIC = b"sessionview-index\n"
#: After MAGIC: the CRC-32 of the payload (4 bytes, big-endian), then the payload. A
#: damaged file is then an empty cache, never rows of garbage (~1 ms for 9 MB).
CRC_BYTES = 4

STATIC = 0
BY_LOCK = 1
BY_ADAPTER = 2

#: A directory listing is reused only if the directory's inode did not change for this
#: long before it was listed: file systems stamp times coarsely (a few ms, up to seconds),
#: so a change in the same tick as the listing could leave its mtime as it was.
RACY_NS = 2_000_000_000


def default_cache_path() -> str:
    """`index.bin` in the platformdirs user cache directory."""
    from sessionview.store.userdirs import user_dir

    return os.path.join(user_dir("cache"), "index.bin")


def load(path: str) -> tuple[dict, dict]:
    """`(files, walks)` from the cache file; empty dicts for a missing or bad file."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError:
        return {}, {}
    if not data.startswith(MAGIC):
        return {}, {}
    start = len(MAGIC) + CRC_BYTES
    payload = memoryview(data)[start:]
    if zlib.crc32(payload) != int.from_bytes(data[len(MAGIC) : start], "big"):
        return {}, {}
    # 100,000 small objects at once: without this, the allocations alone set off
    # several garbage collections that find nothing (a third of the load time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        loaded = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return {}, {}
    finally:
        if was_enabled:
            gc.enable()
    if (
        type(loaded) is tuple
        and len(loaded) == 3
        and loaded[0] == CACHE_VERSION
        and type(loaded[1]) is dict
        and type(loaded[2]) is dict
    ):
        return loaded[1], loaded[2]
    return {}, {}


def save(path: str, files: dict, walks: dict) -> None:
    """Write the cache atomically (a reader never sees half a file); failures are ignored."""
    try:
        payload = marshal.dumps((CACHE_VERSION, files, walks))
    except ValueError:  # an unmarshallable value slipped in: keep the old cache
        return
    tmp = f"{path}.{os.getpid()}.{threading.get_ident()}.tmp"
    try:
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        with open(tmp, "wb") as fh:
            fh.write(MAGIC)
            fh.write(zlib.crc32(payload).to_bytes(CRC_BYTES, "big"))
            fh.write(payload)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


#: The length of a `files` entry.
FILE_FIELDS = 13


def file_hit(cached: object, st: os.stat_result, claimants: tuple[str, ...]) -> bool:
    """Whether a `files` entry still describes the file `st` describes, detected among
    the same `claimants`, with the field types the listing relies on (a row it prints,
    the keys it sorts and groups by).

    Kept cheap: it runs per file on every warm listing.
    """
    return (
        type(cached) is tuple
        and len(cached) == FILE_FIELDS
        and cached[3] == st.st_mtime_ns
        and cached[12] == claimants
        and cached[11] == st.st_ctime_ns
        and cached[2] == st.st_size
        and cached[1] == st.st_ino
        and cached[0] == st.st_dev
        and type(cached[8]) is bytes
        and type(cached[6]) is str
        and type(cached[5]) is str
        and type(cached[4]) is str
    )


def walk_still_valid(cached: object) -> bool:
    """Whether a cached walk's directories are unchanged, and were quiet when listed.

    Adding, removing or renaming a file changes its directory's ctime, and so does a
    `chmod` that makes it readable; one `stat` per directory proves the listing is
    still right, without reading the directory.
    """
    if type(cached) is not tuple or len(cached) != 4:
        return False
    walked_ns, dirs, claimed, foreign = cached
    if type(walked_ns) is not int or type(dirs) is not tuple or type(claimed) is not tuple:
        return False
    if type(foreign) is not int or not dirs:
        return False
    stable_before = walked_ns - RACY_NS
    for item in dirs:
        if type(item) is not tuple or len(item) != 3:
            return False
        directory, ino, ctime_ns = item
        try:
            st = os.stat(directory)
        except (OSError, TypeError, ValueError):
            return False
        if st.st_ino != ino or st.st_ctime_ns != ctime_ns or ctime_ns > stable_before:
            return False
    return True
