"""The hostile-file corpus: every kind of bad session file sessionview must survive.

Small entries are committed in `tests/corpus/files/` (regenerate them with
`python tests/corpus/build.py --write-committed`); everything big (a 100 MB line,
1,000,000 lines, 100,000 levels of nesting) or that git cannot hold (odd names,
symlinks, FIFOs, directories, permissions) is made at test time by `build()`.

Every entry says what it is (`comment`) and what sessionview must do with it:

* `ls`:   "corrupt" - listed, state corrupt, with a reason;
          "listed"  - listed in some non-corrupt state (the reader copes);
          "any"     - listed, state depends on the machine (e.g. root ignores chmod);
          "skipped" - not a session name: not listed (counted in a stderr note).
* `show`: "ok"      - exit 0, the transcript;
          "error"   - exit 1 and exactly one line on stderr;
          "either"  - one of the two; never a traceback.
* `sid`:  what to pass to `show` (an id, or a unique prefix of it).
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
COMMITTED = HERE / "files"
CREATED = "2026-01-02T03:04:05.000006+00:00"
CLOSED = "2026-01-02T03:09:05.000006+00:00"
BIG_LINE_BYTES = 100 * 1000 * 1000
MANY_LINES = 1_000_000
DEEP_LEVELS = 100_000


@dataclass(frozen=True)
class Entry:
    name: str  # file name inside the corpus directory (may hold any byte but NUL and /)
    comment: str
    ls: str
    show: str | None  # None: not a session, `show` is not tried
    sid: str
    big: bool = False

    @property
    def fs_name(self) -> bytes:
        return os.fsencode(self.name)


# --------------------------------------------------------------- records


def header(sid: str, **over: object) -> dict:
    record = {
        "record_type": "header",
        "schema_version": 1,
        "id": sid,
        "created_at": CREATED,
        "parent_session_ids": [],
        "lineage_operator": "Session.create",
        "lineage_kind": "op_create",
        "lineage_extras": [],
        "sandbox_backend": None,
        "sandbox_spec": None,
        "sandbox_handle_id": None,
    }
    record.update(over)
    return record


def chunk(index: int, kind: str = "user", **payload: object) -> dict:
    if not payload:
        payload = {"content": f"message {index}"}
    return {"record_type": "chunk", "index": index, "kind": kind, "payload": payload}


def trailer(count: int, **over: object) -> dict:
    record = {
        "record_type": "trailer",
        "closed_at": CLOSED,
        "final_chunk_count": count,
        "cumulative_usage": {"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3},
    }
    record.update(over)
    return record


def line(record: object) -> bytes:
    """One record exactly as OpenRath writes it (`json.dumps(ensure_ascii=False)` + newline)."""
    return json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n"


def session(sid: str, *chunks: dict, closed: bool = True, **header_over: object) -> bytes:
    data = line(header(sid, **header_over)) + b"".join(line(c) for c in chunks)
    if closed:
        data += line(trailer(len(chunks)))
    return data


# ------------------------------------------------- committed (small) entries

# Terminal attacks: CSI colour + clear screen, OSC title + OSC 8 hyperlink, DCS,
# BEL, backspaces that hide text, C1 CSI, bidi override (Trojan Source), Rich/Textual markup.
EVIL_TEXT = (
    "\x1b[31mred\x1b[0m \x1b[2J\x1b[H cleared "
    "\x1b]0;pwned-title\x07 \x1b]8;;http://evil.example/\x1b\\link\x1b]8;;\x1b\\ "
    "\x1bP1$r0m\x1b\\ dcs \x07bell ab\x08\x08XY \x9b31m c1 "
    "\u202eevil\u202c \u2066iso\u2069 [bold red]markup[/] [link=http://x]l[/link] $(rm -rf ~)"
)


def _small() -> list[tuple[Entry, bytes]]:
    s: list[tuple[Entry, bytes]] = []

    def add(name: str, comment: str, ls: str, show: str | None, data: bytes, sid: str = "") -> None:
        stem = name.split(".jsonl")[0]
        s.append((Entry(name, comment, ls, show, sid or stem), data))

    add("empty.jsonl", "a zero-byte final file", "corrupt", "error", b"")
    add(
        "empty-partial.jsonl.__partial__",
        "a zero-byte partial file: a writer that died before its header (crashed, not corrupt)",
        "listed",
        "error",
        b"",
    )
    add("blank-lines.jsonl", "only blank lines, no header", "corrupt", "error", b"\n\n  \n\t\n")
    add(
        "garbage.jsonl",
        "plain text, not JSON at all",
        "corrupt",
        "error",
        b"hello world\nthis is not json\n",
    )
    add(
        "binary-nul.jsonl",
        "binary bytes with NULs, newlines and 0xff",
        "corrupt",
        "error",
        bytes(range(256)) * 4 + b"\x00\x00\n\x00\xff\xfe\n",
    )
    add(
        "invalid-utf8-header.jsonl",
        "the header line holds invalid UTF-8 (0xff) inside a string",
        "corrupt",
        "error",
        line(header("invalid-utf8-header")).replace(b'"op_create"', b'"op_\xff\xfecreate"')
        + line(chunk(0))
        + line(trailer(1)),
    )
    add(
        "invalid-utf8-chunk.jsonl",
        "a complete chunk line with invalid UTF-8 (a lone continuation byte 0x80): "
        "listed from header+trailer, `show` refuses with file:line",
        "listed",
        "error",
        line(header("invalid-utf8-chunk"))
        + line(chunk(0, content="bad \x01 byte")).replace(b"\\u0001", b"\x80")
        + line(trailer(1)),
    )

    def torn_bytes(sid: str) -> bytes:
        return (
            line(header(sid))
            + line(chunk(0, content="first"))
            + line(chunk(1, "assistant", content="你好世界 🚀", tool_calls=None))
        )

    torn = torn_bytes("torn-utf8")
    cut_at = torn.rindex("世".encode()) + 1  # one byte into a three-byte character
    add(
        "torn-utf8.jsonl.__partial__",
        "a crashed writer's partial file whose last line is cut inside a UTF-8 character",
        "listed",
        "ok",
        torn[:cut_at],
    )
    add(
        "torn-utf8-final.jsonl",
        "a final file (no trailer) whose torn last line ends inside a 4-byte emoji",
        "listed",
        "ok",
        torn_bytes("torn-utf8-final")[: torn.rindex("🚀".encode()) + 8],
    )
    for label, value in (
        ("array", b"[1, 2, 3]"),
        ("string", b'"header"'),
        ("number", b"42"),
        ("null", b"null"),
        ("true", b"true"),
    ):
        add(
            f"not-object-{label}.jsonl",
            f"first line is valid JSON but a {label}, not an object",
            "corrupt",
            "error",
            value + b"\n" + line(chunk(0)),
        )
    add(
        "chunk-not-object.jsonl",
        "a valid header, then a chunk line that is a JSON array",
        "listed",
        "error",
        line(header("chunk-not-object")) + b'["record_type", "chunk"]\n' + line(trailer(1)),
    )
    add(
        "duplicate-header.jsonl",
        "two header records (fatal for OpenRath's loader)",
        "listed",
        "error",
        line(header("duplicate-header"))
        + line(header("duplicate-header"))
        + line(chunk(0))
        + line(trailer(1)),
    )
    add(
        "unknown-record.jsonl",
        "an unknown record_type between chunks (the listing ignores it, show refuses)",
        "listed",
        "error",
        line(header("unknown-record"))
        + line(chunk(0))
        + line({"record_type": "telemetry", "data": [1, 2]})
        + line(trailer(1)),
    )
    add(
        "no-record-type.jsonl",
        "a JSON object first line without record_type",
        "corrupt",
        "error",
        line({"id": "no-record-type", "created_at": CREATED}) + line(chunk(0)),
    )
    add(
        "chunk-first.jsonl",
        "a chunk before any header",
        "corrupt",
        "error",
        line(chunk(0)) + line(header("chunk-first")) + line(trailer(1)),
    )
    add(
        "trailer-only.jsonl",
        "a file holding only a trailer",
        "corrupt",
        "error",
        line(trailer(0)),
    )
    add(
        "newer-schema.jsonl",
        "schema_version 99 (a newer OpenRath): unsupported, read-only",
        "corrupt",
        "error",
        session("newer-schema", chunk(0), schema_version=99),
    )
    add(
        "older-schema.jsonl",
        "schema_version 0 with no migrator registered: a gap in the chain",
        "corrupt",
        "error",
        session("older-schema", chunk(0), schema_version=0),
    )
    add(
        "bom.jsonl",
        "a UTF-8 byte-order mark before the header",
        "corrupt",
        "error",
        b"\xef\xbb\xbf" + session("bom", chunk(0)),
    )
    add(
        "crlf.jsonl",
        "CRLF line ends (\\r is JSON whitespace): readable",
        "listed",
        "ok",
        session("crlf", chunk(0), chunk(1, "assistant", content="hi", tool_calls=None)).replace(
            b"\n", b"\r\n"
        ),
    )
    add(
        "nan.jsonl",
        "a NaN literal in a chunk (not JSON); listed from header+trailer, show refuses",
        "listed",
        "error",
        line(header("nan"))
        + b'{"record_type": "chunk", "index": NaN, "kind": "user", "payload": {}}\n'
        + line(trailer(1)),
    )
    add(
        "bigint.jsonl",
        "a 200-digit integer as the chunk index (beyond 64-bit)",
        "listed",
        "error",
        line(header("bigint"))
        + b'{"record_type": "chunk", "index": '
        + b"9" * 200
        + b', "kind": "user", "payload": {"content": "x"}}\n'
        + line(trailer(1)),
    )
    add(
        "lone-surrogate.jsonl",
        "a lone UTF-16 surrogate escape (\\ud800) in the content and title",
        "listed",
        "either",
        line(header("lone-surrogate"))
        + b'{"record_type": "chunk", "index": 0, "kind": "user", "payload": '
        b'{"content": "half \\ud800 a pair"}}\n' + line(trailer(1)),
    )
    add(
        "trailer-garbage.jsonl",
        "valid header and chunks, the last line is garbage",
        "corrupt",
        "error",
        line(header("trailer-garbage")) + line(chunk(0)) + b"}}}{{{\n",
    )
    add(
        "victim.jsonl",
        "a plain closed session whose id another file's header claims (id-mismatch)",
        "listed",
        "error",  # two files claim the id `victim`: an ambiguity, one line
        session("victim", chunk(0, content="the real one")),
    )
    add(
        "id-mismatch.jsonl",
        "the header's id names another session (victim) than the file name: both are listed",
        "listed",
        "error",
        session("victim", chunk(0, content="I claim to be someone else")),
        sid="victim",
    )
    add(
        "escapes-in-text.jsonl",
        "ANSI/OSC/DCS escapes, BEL, backspaces, C1, bidi overrides and markup in the title, "
        "content, tool calls and tool results",
        "listed",
        "ok",
        session(
            "escapes-in-text",
            chunk(0, "system", content=EVIL_TEXT),
            chunk(1, "user", content=EVIL_TEXT + "\nsecond line"),
            chunk(
                2,
                "assistant",
                content=EVIL_TEXT,
                tool_calls=[
                    {
                        "id": "call\x1b[1m",
                        "type": "function",
                        "function": {
                            "name": "sh\x1b]0;x\x07",
                            "arguments": json.dumps({"cmd": EVIL_TEXT}),
                        },
                    }
                ],
            ),
            chunk(3, "tool_result", tool_call_id="call\x1b[1m", name="sh\u202e", content=EVIL_TEXT),
        ),
        sid="escapes-in-text",
    )
    add(
        "escape-id.jsonl",
        "the header id itself holds an escape sequence and a newline",
        "listed",
        "either",
        session("escape-id\x1b[2J\nX", chunk(0, content="id is hostile")),
        sid="escape-id",
    )
    add(
        "deep-300.jsonl",
        "300 levels of nesting in a payload and in the header's sandbox_spec "
        "(orjson parses 1024 levels but only writes 254)",
        "listed",
        "ok",
        line(header("deep-300", sandbox_backend="local", sandbox_spec=_nest(300)))
        + line(chunk(0, content=_nest(300)))
        + line(trailer(1)),
    )
    add(
        "deep-1000.jsonl",
        "1000 levels of nesting in a payload (parses; Python's json recursion limit is ~1000)",
        "listed",
        "either",
        line(header("deep-1000"))
        + b'{"record_type": "chunk", "index": 0, "kind": "user", "payload": {"content": '
        + b"[" * 1000
        + b'"bottom"'
        + b"]" * 1000
        + b"}}\n"
        + line(trailer(1)),
    )
    s.extend(_wrong_types())
    return s


def _nest(levels: int) -> object:
    value: object = "bottom"
    for _ in range(levels):
        value = [value]
    return value


# Wrong types for every header, chunk and trailer field.
WRONG_VALUES: dict[str, object] = {
    "null": None,
    "bool": True,
    "int": -7,
    "float": 1.5,
    "str": "\x1b[31mstr",
    "list": [1, [2]],
    "dict": {"k": {"v": 1}},
}
HEADER_FIELDS = (
    "schema_version",
    "id",
    "created_at",
    "parent_session_ids",
    "lineage_operator",
    "lineage_kind",
    "lineage_extras",
    "sandbox_backend",
    "sandbox_spec",
    "sandbox_handle_id",
)
CHUNK_FIELDS = (
    "index",
    "kind",
    "payload",
    "payload.content",
    "payload.tool_calls",
    "payload.tool_calls.0",
    "payload.tool_calls.0.function",
    "payload.tool_calls.0.function.name",
    "payload.tool_calls.0.function.arguments",
    "payload.tool_call_id",
    "payload.name",
)
TRAILER_FIELDS = (
    "closed_at",
    "final_chunk_count",
    "cumulative_usage",
    "cumulative_usage.total_tokens",
)


def _set(record: dict, dotted: str, value: object) -> None:
    keys = dotted.split(".")
    target: object = record
    for key in keys[:-1]:
        target = target[int(key)] if isinstance(target, list) else target[key]  # type: ignore[index]
    last = keys[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value  # type: ignore[index]


def _wrong_types() -> list[tuple[Entry, bytes]]:
    """One file per (field, wrong value): `wt-<record>-<field>-<type>.jsonl`."""
    out: list[tuple[Entry, bytes]] = []
    call = {
        "id": "c1",
        "type": "function",
        "function": {"name": "ls", "arguments": '{"path": "."}'},
    }
    for where, fields in (("h", HEADER_FIELDS), ("c", CHUNK_FIELDS), ("t", TRAILER_FIELDS)):
        for field in fields:
            for label, value in WRONG_VALUES.items():
                stem = f"wt-{where}-{field.replace('.', '_')}-{label}"
                h = header(stem)
                c0 = chunk(0, "user", content="hello")
                c1 = chunk(
                    1, "assistant", content="calling", tool_calls=[json.loads(json.dumps(call))]
                )
                c2 = chunk(2, "tool_result", tool_call_id="c1", name="ls", content="a\nb")
                t = trailer(3)
                record = {"h": h, "c": c1, "t": t}[where]
                _set(record, field, value)
                data = line(h) + line(c0) + line(c1) + line(c2) + line(t)
                # A header `schema_version`/`created_at` of the wrong type, or an `id` that
                # is not a string, makes the file unreadable; every other field must be
                # coped with. (A string id with an escape in it is valid but cannot be
                # typed as an argument: `show` is not tried for it.)
                fatal = where == "h" and (
                    field in ("schema_version", "created_at") or (field == "id" and label != "str")
                )
                hostile_id = where == "h" and field == "id" and label == "str"
                record_name = {"h": "header", "c": "chunk #1", "t": "trailer"}[where]
                out.append(
                    (
                        Entry(
                            f"{stem}.jsonl",
                            f"{field} of the {record_name} record is {label}: {value!r}",
                            "corrupt" if fatal else "listed",
                            None if hostile_id else "either",
                            stem,
                        ),
                        data,
                    )
                )
    return out


SMALL: list[tuple[Entry, bytes]] = _small()


def write_committed(target: Path = COMMITTED) -> None:
    """Regenerate `tests/corpus/files/` from the definitions above."""
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for entry, data in SMALL:
        (target / entry.name).write_bytes(data)
    index = ["# What each committed corpus file is (generated by build.py; do not edit)\n"]
    for entry, _ in SMALL:
        index.append(f"{entry.name}\t{entry.ls}\t{entry.show}\t{entry.comment}\n")
    (target.parent / "FILES.tsv").write_text("".join(index), encoding="utf-8")


# ------------------------------------------------------ generated at test time


def _big_line_file(path: Path, sid: str, closed: bool) -> None:
    """Header, then ONE chunk line of ~100 MB (a huge tool output), written in pieces."""
    with open(path, "wb") as fh:
        fh.write(line(header(sid)))
        fh.write(line(chunk(0, content="run the thing")))
        fh.write(b'{"record_type": "chunk", "index": 1, "kind": "tool_result", "payload": ')
        fh.write(b'{"tool_call_id": "c1", "name": "cat", "content": "')
        piece = b"0123456789abcdef" * 65536  # 1 MiB
        written = 0
        while written < BIG_LINE_BYTES:
            fh.write(piece)
            written += len(piece)
        fh.write(b'"}}\n')
        if closed:
            fh.write(line(trailer(2)))


def _million_lines(path: Path, sid: str) -> None:
    with open(path, "wb") as fh:
        fh.write(line(header(sid)))
        block = []
        for i in range(MANY_LINES):
            block.append(b'{"record_type":"chunk","index":%d,"kind":"user","payload":{}}\n' % i)
            if len(block) == 50_000:
                fh.write(b"".join(block))
                block = []
        fh.write(b"".join(block))


def _deep(path: Path, sid: str) -> None:
    with open(path, "wb") as fh:
        fh.write(line(header(sid)))
        fh.write(b'{"record_type": "chunk", "index": 0, "kind": "user", "payload": {"content": ')
        fh.write(b"[" * DEEP_LEVELS + b"]" * DEEP_LEVELS)
        fh.write(b"}}\n")
        fh.write(line(trailer(1)))


def build(target: Path, *, big: bool = True, outside: Path | None = None) -> list[Entry]:
    """Make the whole corpus in `target` (created); returns every entry.

    `outside` is a directory outside `target` for symlink targets (default: a sibling).
    """
    target.mkdir(parents=True, exist_ok=True)
    outside = outside or target.parent / (target.name + "-outside")
    outside.mkdir(parents=True, exist_ok=True)
    entries: list[Entry] = []
    for entry, data in SMALL:
        committed = COMMITTED / entry.name
        # Prefer the committed bytes (what reviewers see); fall back to the definition.
        payload = committed.read_bytes() if committed.is_file() else data
        (target / entry.name).write_bytes(payload)
        entries.append(entry)

    def add(name: str, comment: str, ls: str, show: str | None, sid: str = "", **kw: bool) -> None:
        entries.append(Entry(name, comment, ls, show, sid or name.split(".jsonl")[0], **kw))

    # --- names that are hostile themselves (content is a fine session)
    evil_names = {
        "name-newline\nsecond.jsonl": "a newline inside the file name",
        "name-esc-\x1b[31mred\x1b[0m-\x07.jsonl": "ANSI escape and BEL in the file name",
        "name-bidi-\u202eldkt.jsonl": "a right-to-left override in the file name",
    }
    for name, comment in evil_names.items():
        stem = name.split(".jsonl")[0]
        (target / name).write_bytes(session(stem, chunk(0, content=f"file {comment}")))
        add(name, comment, "listed", "ok", sid=name[:9])
    bad_name = os.fsencode(target) + b"/name-notutf8-\xff\xfe.jsonl"
    with open(bad_name, "wb") as fh:
        fh.write(session("name-notutf8", chunk(0, content="file name is not UTF-8")))
    add(
        os.fsdecode(b"name-notutf8-\xff\xfe.jsonl"),
        "a file name that is not valid UTF-8 (bytes 0xff 0xfe)",
        "listed",
        "ok",
        sid="name-notutf8",
    )
    (target / "corrupt-name-\x1b]0;x\x07\nline2.jsonl").write_bytes(b"not json\n")
    add(
        "corrupt-name-\x1b]0;x\x07\nline2.jsonl",
        "a corrupt file whose name (part of every error message) has an OSC escape and a newline",
        "corrupt",
        "error",
        sid="corrupt-name-",
    )

    # --- symlinks, special files, directories
    real_outside = outside / "outside-real.jsonl"
    real_outside.write_bytes(session("link-outside", chunk(0, content="I live outside")))
    os.symlink(real_outside, target / "link-outside.jsonl")
    add(
        "link-outside.jsonl",
        "a symlink to a session file outside the directory (read through; rm removes the link)",
        "listed",
        "ok",
    )
    os.symlink("link-loop.jsonl", target / "link-loop.jsonl")
    add("link-loop.jsonl", "a symlink that points to itself (ELOOP)", "corrupt", "error")
    os.symlink("link-a.jsonl", target / "link-b.jsonl")
    os.symlink("link-b.jsonl", target / "link-a.jsonl")
    add("link-a.jsonl", "two symlinks pointing at each other", "corrupt", "error")
    add("link-b.jsonl", "two symlinks pointing at each other", "corrupt", "error")
    os.symlink(outside / "does-not-exist.jsonl", target / "link-dangling.jsonl")
    add("link-dangling.jsonl", "a dangling symlink", "corrupt", "error")
    os.symlink("/dev/zero", target / "link-devzero.jsonl")
    add("link-devzero.jsonl", "a symlink to /dev/zero (endless bytes)", "corrupt", "error")
    os.symlink("/dev/urandom", target / "link-urandom.jsonl.__partial__")
    add(
        "link-urandom.jsonl.__partial__",
        "a partial-named symlink to /dev/urandom",
        "corrupt",
        "error",
    )
    (outside / "a-dir").mkdir(exist_ok=True)
    os.symlink(outside / "a-dir", target / "link-dir.jsonl")
    add("link-dir.jsonl", "a symlink to a directory", "corrupt", "error")
    os.mkfifo(target / "fifo.jsonl")
    add("fifo.jsonl", "a FIFO named like a session (opening it would block)", "corrupt", "error")
    (target / "dir-session.jsonl").mkdir()
    (target / "dir-session.jsonl" / "inner.jsonl").write_bytes(session("inner", chunk(0)))
    add("dir-session.jsonl", "a directory named like a session", "corrupt", "error")
    (target / "dir-partial.jsonl.__partial__").mkdir()
    add(
        "dir-partial.jsonl.__partial__", "a directory named like a partial file", "corrupt", "error"
    )

    # --- permissions. As root, mode 000 does not stop reads (CAP_DAC_OVERRIDE): the
    # file is then simply readable and listed; for other users it is corrupt.
    root = os.geteuid() == 0
    for name in ("unreadable.jsonl", "unreadable-partial.jsonl.__partial__"):
        stem = name.split(".jsonl")[0]
        (target / name).write_bytes(session(stem, chunk(0), closed=not name.endswith("__")))
        os.chmod(target / name, 0)
        add(
            name,
            "mode 000 (readable anyway when running as root)",
            "any" if root else "corrupt",
            "either" if root else "error",
        )

    # --- not session names: skipped
    for name, comment in (
        ("notes.txt", "a text file that is not a session name"),
        (".hidden.jsonl", "a dotfile named like a session"),
        ("session.json", "a .json file"),
        ("x.jsonl.tmp", "a temp file"),
    ):
        (target / name).write_bytes(session("skipped", chunk(0)))
        entries.append(Entry(name, comment, "skipped", None, ""))

    if big:
        _big_line_file(target / "huge-line.jsonl.__partial__", "huge-line", closed=False)
        add(
            "huge-line.jsonl.__partial__",
            "a crashed partial file whose last line is one ~100 MB chunk (no trailer)",
            "listed",
            "ok",
            big=True,
        )
        _big_line_file(target / "huge-line-closed.jsonl", "huge-line-closed", closed=True)
        add(
            "huge-line-closed.jsonl",
            "a closed file holding one ~100 MB chunk line before its trailer",
            "listed",
            "ok",
            big=True,
        )
        with open(target / "huge-no-newline.jsonl", "wb") as fh:
            piece = b"x" * (1 << 20)
            for _ in range(BIG_LINE_BYTES // len(piece)):
                fh.write(piece)
        add(
            "huge-no-newline.jsonl",
            "a single 100 MB line with no newline at all",
            "corrupt",
            "error",
            big=True,
        )
        _million_lines(target / "million-lines.jsonl.__partial__", "million-lines")
        add(
            "million-lines.jsonl.__partial__",
            "1,000,000 tiny chunk lines in a crashed partial (newline count, no trailer)",
            "listed",
            "ok",
            big=True,
        )
        _deep(target / "deep-100k.jsonl", "deep-100k")
        add(
            "deep-100k.jsonl",
            "a chunk nested 100,000 levels deep (beyond any parser's limit)",
            "listed",
            "error",
            big=True,
        )
    return entries


def cleanup(target: Path) -> None:
    """Make everything removable again (mode 000 files) so tmp_path cleanup works."""
    for dirpath, dirnames, filenames in os.walk(target):
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            try:
                if not os.path.islink(path):
                    os.chmod(path, stat.S_IRWXU)
            except OSError:
                pass


if __name__ == "__main__":
    if sys.argv[1:] == ["--write-committed"]:
        write_committed()
        print(f"wrote {len(SMALL)} files to {COMMITTED}")
    elif len(sys.argv) == 2:
        built = build(Path(sys.argv[1]))
        print(f"built {len(built)} entries in {sys.argv[1]}")
    else:
        print("usage: build.py --write-committed | build.py DIR", file=sys.stderr)
        sys.exit(2)
