"""The index's on-disk cache: every file's facts and every walked directory's listing.

A warm `sessionview ls --json` costs little more than the `stat` of every file, so
the cache is read with `marshal` (builtin types only, no import, ~1 ms for 10,000
rows) rather than parsed as JSON (~30 ms), and each row is kept as the exact JSON
bytes that `ls --json` prints. The file lives in the user's own cache directory,
like the `.pyc` files Python itself loads with `marshal`; a damaged or foreign file
is treated as empty, never as an error.

Layout, version `CACHE_VERSION`:

* `files`: path -> a `records.FileRecord` as a plain tuple (`FileRecord.to_tuple`);
* `walks`: `(root, forced format, adapters)` -> a root's last walk (`walk_cache`).
"""

from __future__ import annotations

import contextlib
import gc
import marshal
import os
import threading
import zlib

TYPE_CHECKING = False  # as typing's, without importing typing at start-up
if TYPE_CHECKING:
    from typing import Any

#: 5: rows count chunks as the transcript shows them (Claude, Codex), Claude subagents are
#: walked into, and nanobot rows are re-checked every scan (the checkpoint sidecar).
#: 6: each file's entry keeps the formats it was detected among (a verdict is reused
#: only for the same set).
CACHE_VERSION = 6
MAGIC = b"sessionview-index\n"
#: After MAGIC: the CRC-32 of the payload (4 bytes, big-endian), then the payload. A
#: damaged file is then an empty cache, never rows of garbage (~1 ms for 9 MB).
CRC_BYTES = 4


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
    try:
        loaded = unmarshal(payload)
    except (EOFError, ValueError, TypeError):
        return {}, {}
    if (
        type(loaded) is tuple
        and len(loaded) == 3
        and loaded[0] == CACHE_VERSION
        and type(loaded[1]) is dict
        and type(loaded[2]) is dict
    ):
        return loaded[1], loaded[2]
    return {}, {}


def unmarshal(data: bytes | memoryview) -> Any:
    """`marshal.loads` of data the listing kept; its errors are the caller's."""
    # 100,000 small objects at once: without this, the allocations alone set off
    # several garbage collections that find nothing (a third of the load time).
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return marshal.loads(data)
    finally:
        if was_enabled:
            gc.enable()


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
