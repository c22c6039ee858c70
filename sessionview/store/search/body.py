"""The indexed text of a file's chunks, kept in compressed blocks (excerpts, deletes).

The FTS5 table is contentless, so the text each row was indexed with must be kept
somewhere: to draw excerpts and because deleting a contentless row needs that text.
One block holds the chunks of one indexing pass over a file, in order, up to
`BLOCK_BYTES` of text: compressed together, a session's many small chunks cost a
fraction of what they did compressed one by one (a 200-byte message barely shrinks
alone; its session's other messages share most of its words). Blocks never span two
passes, so "the chunks from chunk N on" (a file that grew or was rewritten) is always
a set of whole blocks.
"""

from __future__ import annotations

import zlib
from collections.abc import Container, Iterable

#: A block is closed once it holds this many bytes of text (it holds at least one chunk).
BLOCK_BYTES = 1 << 20
#: zlib's fastest level: on whole blocks it keeps most of the gain of the slower ones.
LEVEL = 1

#: One chunk's indexed text: its index, `--kind` bits, kind name, text.
Entry = tuple[int, int, str, str]
#: A stored block: its first chunk's index, the per-chunk lines, the compressed text.
Block = tuple[int, str, bytes]


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def pack(entries: Iterable[Entry]) -> list[Block]:
    """The entries (in chunk order) as blocks of at most about `BLOCK_BYTES`."""
    blocks: list[Block] = []
    lines: list[str] = []
    parts: list[bytes] = []
    size = 0
    first = 0
    for chunk, roles, kind, text in entries:
        data = _encode(text)
        if not parts:
            first = chunk
        # Kind names are identifiers; anything else would break the line format.
        lines.append(f"{chunk} {roles} {'_'.join(kind.split()) or '_'} {len(data)}")
        parts.append(data)
        size += len(data)
        if size >= BLOCK_BYTES:
            blocks.append((first, "\n".join(lines), zlib.compress(b"".join(parts), LEVEL)))
            lines, parts, size = [], [], 0
    if parts:
        blocks.append((first, "\n".join(lines), zlib.compress(b"".join(parts), LEVEL)))
    return blocks


def unpack(meta: str, z: bytes, chunks: Container[int] | None = None) -> list[Entry]:
    """A stored block's entries, in chunk order (only those of `chunks` if given:
    decoding a whole block's text for one excerpt was most of an excerpt's cost); the
    block is decompressed only as far as the last of those chunks ends."""
    lines = [line.split(" ") for line in meta.split("\n")]
    need = 0
    pos = 0
    for chunk, _, _, size in lines:
        pos += int(size)
        if chunks is None or int(chunk) in chunks:
            need = pos
    data = zlib.decompressobj().decompress(z, need) if need else b""
    out: list[Entry] = []
    pos = 0
    for chunk, roles, kind, size in lines:
        end = pos + int(size)
        if end > need:
            break
        index = int(chunk)
        if chunks is None or index in chunks:
            out.append((index, int(roles), kind, data[pos:end].decode("utf-8", "surrogatepass")))
        pos = end
    return out
